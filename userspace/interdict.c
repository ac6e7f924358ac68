// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdict: the command line. `check` validates policy files the way
 * interdictd will (usable as Ansible's `validate: interdict check %s`);
 * `doctor` reports what the running kernel supports and how to fix the rest;
 * status, reload, rules, mode and disable ask the running daemon.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interdict.h"


bool json_out;
const char *cli_control_path;	/* --control, else interdict.conf's */

/* The verbs the daemon answers over its control socket. */
static int ask(enum ctl_verb verb, int argc, char **argv)
{
	struct ctl_req req = { .verb = verb, .json = json_out };
	static struct config c;
	FILE *quiet;

	if (verb == CTL_MODE && argc == 1 && (!strcmp(argv[0], "audit") ||
					      !strcmp(argv[0], "enforce"))) {
		req.enforce = !strcmp(argv[0], "enforce");
	} else if (argc || verb == CTL_MODE) {
		fprintf(stderr, "usage: interdict [-j] %s%s\n",
			ctl_verb_name(verb),
			verb == CTL_MODE ? " audit|enforce" : "");
		return EXIT_POLICY;
	}
	if (!cli_control_path) {
		/* where the daemon listens: a broken config is check's to
		 * report; the default path is tried then */
		config_defaults(&c);
		quiet = fopen("/dev/null", "we");
		config_parse_file(&c, ID_CONFIG_PATH, quiet);
		if (quiet)
			fclose(quiet);
		cli_control_path = c.control;
	}
	return client_call(cli_control_path, &req);
}

static int do_status(int argc, char **argv) { return ask(CTL_STATUS, argc, argv); }
static int do_reload(int argc, char **argv) { return ask(CTL_RELOAD, argc, argv); }
static int do_rules(int argc, char **argv) { return ask(CTL_RULES, argc, argv); }
static int do_mode(int argc, char **argv) { return ask(CTL_MODE, argc, argv); }
static int do_disable(int argc, char **argv) { return ask(CTL_DISABLE, argc, argv); }

struct check {
	const char *what;
	bool ok;
	bool warn;		/* shown as WARN; the exit status ignores it */
	char detail[640];
};

static int do_doctor(int argc, char **argv)
{
	struct check c[12];
	struct interdict_bpf *skel = NULL;
	struct limits lim = { 1024, 1024, 1 };
	struct features f;
	char why[640];
	size_t i, n = 0;
	bool enforce = false, sha = false;

	(void)argv;
	if (argc) {
		fprintf(stderr, "usage: interdict doctor [-j]\n");
		return EXIT_POLICY;
	}
	log_init("interdict", false);
	features_probe(&f);
	memset(c, 0, sizeof(c));
	c[n].what = "btf";
	c[n].ok = f.btf;
	snprintf(c[n++].detail, sizeof(c[0].detail), f.btf ?
		 "/sys/kernel/btf/vmlinux present" : "no /sys/kernel/btf/"
		 "vmlinux: boot a kernel built with CONFIG_DEBUG_INFO_BTF=y");
	c[n].what = "bpf_lsm";
	c[n].ok = f.bpf_lsm_active;
	if (!features_blocker(&f, c[n].detail, sizeof(c[0].detail)) ||
	    f.bpf_lsm_active)
		snprintf(c[n].detail, sizeof(c[0].detail),
			 "active LSMs: %s", f.lsm);
	n++;
	c[n].what = "load";
	if (geteuid()) {
		snprintf(c[n++].detail, sizeof(c[0].detail),
			 "not tried: run interdict doctor as root");
	} else if (loader_open(&skel, &lim)) {
		snprintf(c[n++].detail, sizeof(c[0].detail),
			 "cannot open the BPF object");
	} else {
		enforce = !loader_load_attach(skel, why, sizeof(why));
		c[n].ok = enforce;
		snprintf(c[n++].detail, sizeof(c[0].detail), "%s", enforce ?
			 "the LSM programs load and attach" : why);
	}
	c[n].what = "sha256";
	if (enforce) {
		sha = !loader_hash_selftest(skel, why, sizeof(why));
		c[n].ok = sha;
		snprintf(c[n].detail, sizeof(c[0].detail), "%s", sha ?
			 "the kernel hashes files with SHA-256 (IMA)" : why);
	} else {
		snprintf(c[n].detail, sizeof(c[0].detail), "not tried: the "
			 "programs did not load; IMA %s, CONFIG_IMA=%c%s%s",
			 f.ima_active ? "active" : "not seen", f.config_ima,
			 f.ima_hash[0] ? ", ima_hash=" : "", f.ima_hash);
	}
	n++;
	/* The real state: "none" and an unreadable file are warnings, and
	 * what confidentiality turns off is said here, not hidden. */
	c[n].what = "lockdown";
	c[n].ok = true;
	c[n].warn = !strcmp(f.lockdown_level, "none") ||
		    !strcmp(f.lockdown_level, "unknown");
	if (!strcmp(f.lockdown_level, "unknown"))
		snprintf(c[n].detail, sizeof(c[0].detail), "unknown: cannot "
			 "read /sys/kernel/security/lockdown (securityfs not "
			 "mounted, or no lockdown LSM)");
	else
		snprintf(c[n].detail, sizeof(c[0].detail), "%s (%s)%s%s",
			 f.lockdown_level, f.lockdown,
			 features_off(&f) ? ": " : "",
			 features_off(&f) ? features_off(&f) : "");
	n++;
	c[n].what = "tamper";
	c[n].ok = true;
	c[n].warn = strcmp(f.lockdown_level, "integrity") &&
		    strcmp(f.lockdown_level, "confidentiality");
	snprintf(c[n].detail, sizeof(c[0].detail), "%s%s%s",
		 !c[n].warn ? "" : strcmp(f.lockdown_level, "unknown") ?
		 "kernel lockdown is off" : "kernel lockdown is unknown",
		 !c[n].warn ? "" : ": root can load a kernel module or kexec "
		 "another kernel, around any LSM; boot with lockdown=integrity "
		 "(Secure Boot does) to close that. ",
		 access(ID_PIN_DIR, F_OK) ? "Nothing is pinned in " ID_PIN_DIR
		 ": no interdictd has enforced since boot" :
		 "Enforcement is pinned in " ID_PIN_DIR ": only interdictd "
		 "may reach its maps, programs, links and pins");
	n++;
	/* SHA-256 rules with on=open: what `check` refuses without it */
	c[n].what = "content";
	c[n].ok = true;
	c[n].warn = !features_post_open();
	snprintf(c[n].detail, sizeof(c[0].detail), "%s", c[n].warn ?
		 "no file_post_open hook (Linux 6.9 and later has it): "
		 "sha256 rules with on=open (a script read by sh or python, "
		 "by content) are refused here; exec and mmap by SHA-256 and "
		 "open by path are enforced" :
		 "file_post_open: sha256 rules with on=open deny reading a "
		 "script by its content");
	n++;
	/* interpreters that ask the kernel before they run a script */
	c[n].what = "exec-check";
	c[n].ok = true;
	c[n].warn = false;
	snprintf(c[n].detail, sizeof(c[0].detail), "%s", features_exec_check() ?
		 "AT_EXECVE_CHECK: a program that asks the kernel whether it "
		 "may run a file gets the exec rules' answer" :
		 "no AT_EXECVE_CHECK (Linux 6.14 and later has it): only real "
		 "execs are asked; interpreters do not ask this kernel");
	n++;
	loader_close(skel);

	if (json_out) {
		struct json j;

		json_begin(&j, stdout);
		json_bool(&j, "enforce", enforce);
		json_bool(&j, "sha256", sha);
		json_obj_open(&j, "checks");
		for (i = 0; i < n; i++) {
			json_obj_open(&j, c[i].what);
			json_bool(&j, "ok", c[i].ok);
			json_bool(&j, "warn", c[i].warn);
			json_str(&j, "detail", c[i].detail);
			json_obj_close(&j);
		}
		json_obj_close(&j);
		json_end(&j);
	} else {
		for (i = 0; i < n; i++)
			printf("%-10s %-4s %s\n", c[i].what, !c[i].ok ? "FAIL" :
			       c[i].warn ? "WARN" : "ok", c[i].detail);
		printf("%s\n", enforce ? (sha ? "interdict can enforce path "
		       "and SHA-256 rules here" : "interdict can enforce path "
		       "rules here; SHA-256 rules will not apply") :
		       "interdict cannot enforce here");
	}
	return enforce ? 0 : EXIT_KERNEL;
}

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "check", do_check },
	{ "doctor", do_doctor },
	{ "status", do_status },
	{ "reload", do_reload },
	{ "rules", do_rules },
	{ "mode", do_mode },
	{ "disable", do_disable },
	{ "events", do_events },
	{ "scan", do_scan },
	{ 0 }
};

static void usage(FILE *f)
{
	fprintf(f, "usage: interdict [-j] [--control PATH] COMMAND\n"
		   "  check PATH...          validate policy files as interdictd would\n"
		   "  doctor                 can this kernel enforce? what to fix\n"
		   "  status                 the running daemon: mode, policy, counters\n"
		   "  reload                 load the policy directory; fails if refused\n"
		   "  rules                  the rules in force\n"
		   "  mode audit|enforce     switch the global mode, without a gap\n"
		   "  disable                end enforcement: detach and unpin\n"
		   "  events [-f] [-n N]     recent (or, with -f, live) events\n"
		   "  scan [-t N] [PATH...]  find the files the policy decides on (scan -h)\n"
		   "  --version              print the version\n");
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	int i = 1, j;

	log_init("interdict", false);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json_out = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("interdict %s\n", INTERDICT_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--control") && i + 1 < argc) {
			cli_control_path = argv[++i];
		} else {
			usage(stderr);
			return EXIT_POLICY;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_POLICY;
	}
	/* Options may also follow the command: interdict doctor -j. */
	for (j = i + 1; j < argc; j++) {
		if (!strcmp(argv[j], "-j") || !strcmp(argv[j], "--json")) {
			json_out = true;
			memmove(&argv[j], &argv[j + 1],
				(argc - j) * sizeof(*argv));
			argc--;
			j--;
		}
	}
	for (c = cmds; c->name; c++)
		if (!strcmp(argv[i], c->name))
			return c->fn(argc - i - 1, argv + i + 1);
	fprintf(stderr, "interdict: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return EXIT_POLICY;
}
