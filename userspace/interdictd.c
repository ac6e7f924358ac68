// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdictd: loads and attaches the LSM programs, compiles the policy
 * directory into the maps, reloads it on SIGHUP without a gap and writes
 * every denial and would-be denial as a JSON line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "interdict.h"
#include "interdict.skel.h"

#define MAX_PROTECTED 16

struct daemon {
	const char *policy_dir;
	const char *events_path;
	const char *pid_file;
	bool enforce;
	unsigned int refresh_s;		/* 0: never re-identify rule paths */
	struct limits lim;
	struct interdict_bpf *skel;
	struct protected pb[MAX_PROTECTED];
	size_t npb;
	FILE *events;
	char hostname[256];
	__u64 lost_seen, hash_errors_seen;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: interdictd --policy-dir DIR [--mode audit|enforce] [--events PATH|-]\n"
"                  [--pid-file PATH] [--max-sha256-rules N]\n"
"                  [--max-path-rules N] [--refresh SECONDS] [--verbose]\n"
"Denies exec and executable mappings of the files the policy in DIR/*.rules\n"
"names, and writes one JSON event per denial to PATH (default: stdout).\n"
"SIGHUP reloads the policy; SIGTERM stops.\n");
}

static __u64 realtime_offset_ns(void)
{
	struct timespec rt, bt;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	return (rt.tv_sec - bt.tv_sec) * 1000000000ULL + rt.tv_nsec -
	       bt.tv_nsec;
}

static int handle_event(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct id_event *ev = data;
	char link[64], exe[PATH_MAX];
	struct event_ctx ec = { .hostname = d->hostname };
	ssize_t n;

	if (len < sizeof(*ev))
		return 0;
	ec.policy = maps_policy(ev->gen);
	ec.realtime_offset_ns = realtime_offset_ns();
	snprintf(link, sizeof(link), "/proc/%u/exe", ev->pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		ec.exe = exe;
	}
	event_write_json(d->events, ev, &ec);
	fflush(d->events);
	return 0;
}

/* Counters the kernel keeps: report growth, never lose it silently. */
static void check_counters(struct daemon *d)
{
	const struct id_state *st = &d->skel->bss->state;
	__u64 lost = st->events_lost, herr = st->hash_errors;
	struct json j;

	if (lost != d->lost_seen) {
		log_warnx("events", "%llu events lost: the ring buffer was "
			  "full (%llu in total)",
			  (unsigned long long)(lost - d->lost_seen),
			  (unsigned long long)lost);
		json_begin(&j, d->events);
		json_obj_open(&j, "event");
		json_str(&j, "kind", "metric");
		json_str(&j, "module", "interdict");
		json_str(&j, "action", "events-lost");
		json_obj_close(&j);
		json_obj_open(&j, "interdict");
		json_uint(&j, "events_lost", lost - d->lost_seen);
		json_uint(&j, "events_lost_total", lost);
		json_obj_close(&j);
		json_obj_open(&j, "host");
		json_str(&j, "hostname", d->hostname);
		json_obj_close(&j);
		json_end(&j);
		fflush(d->events);
		d->lost_seen = lost;
	}
	if (herr != d->hash_errors_seen) {
		log_warnx("kernel", "%llu files could not be hashed (last "
			  "bpf_ima_file_hash() result %lld); SHA-256 rules did "
			  "not apply to them, path rules did",
			  (unsigned long long)(herr - d->hash_errors_seen),
			  (long long)st->hash_last_ret);
		d->hash_errors_seen = herr;
	}
}

/* Parse and validate DIR into a new policy; NULL after printing errors. */
static struct policy *parse_policy(struct daemon *d)
{
	struct policy *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return NULL;
	err = policy_load_dir(p, d->policy_dir, stderr);
	if (!err)
		err = policy_check_protected(p, d->pb, d->npb, stderr);
	if (err) {
		policy_free(p);
		free(p);
		return NULL;
	}
	return p;
}

/* Put p in force; on any error the policy in force stays. */
static int install_policy(struct daemon *d, struct policy *p)
{
	char why[512];
	int err;

	err = maps_install(d->skel, p, &d->lim, why, sizeof(why));
	if (err) {
		log_warnx("policy", "%s", why);
		policy_free(p);
		free(p);
	}
	return err;
}

static int write_pid_file(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%d\n", getpid());
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

static int parse_u32(const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v == 0 || v > (1UL << 24))
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_args(struct daemon *d, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy-dir", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "events", required_argument, NULL, 'e' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "max-sha256-rules", required_argument, NULL, 'S' },
		{ "max-path-rules", required_argument, NULL, 'T' },
		{ "refresh", required_argument, NULL, 'R' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool verbose = false;
	int c;

	d->enforce = true;
	d->events_path = "-";
	d->lim.sha_rules = 1 << 18;
	d->lim.path_rules = 1 << 16;
	d->lim.events_mb = 8;
	d->refresh_s = 5;
	log_init("interdictd", false);	/* option errors name the daemon */
	while ((c = getopt_long(argc, argv, "p:m:e:P:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': d->policy_dir = optarg; break;
		case 'e': d->events_path = optarg; break;
		case 'P': d->pid_file = optarg; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case 'm':
			if (!strcmp(optarg, "audit") ||
			    !strcmp(optarg, "enforce")) {
				d->enforce = !strcmp(optarg, "enforce");
				break;
			}
			log_warnx("options", "--mode %s: expected audit or "
				  "enforce", optarg);
			return -EINVAL;
		case 'R': {
			char *end;

			errno = 0;
			d->refresh_s = strtoul(optarg, &end, 10);
			if (!errno && *optarg && !*end && d->refresh_s <= 86400)
				break;
			log_warnx("options", "--refresh %s: expected seconds "
				  "from 0 (never) to 86400", optarg);
			return -EINVAL;
		}
		case 'S':
		case 'T':
			if (!parse_u32(optarg, c == 'S' ? &d->lim.sha_rules :
				       &d->lim.path_rules))
				break;
			log_warnx("options", "--%s %s: expected a number from "
				  "1 to 16777216", c == 'S' ? "max-sha256-rules" :
				  "max-path-rules", optarg);
			return -EINVAL;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	log_init("interdictd", verbose);
	if (optind != argc || !d->policy_dir) {
		log_warnx("options", optind != argc ?
			  "unexpected argument '%s'" : "--policy-dir is "
			  "required%s", optind != argc ? argv[optind] : "");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Open (or, on SIGHUP after log rotation, reopen) the events file; on
 * failure the file already open stays in use. */
static int open_events(struct daemon *d)
{
	FILE *f;
	int fd;

	if (!strcmp(d->events_path, "-")) {
		d->events = stdout;
		return 0;
	}
	fd = open(d->events_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		  0640);
	if (fd < 0 || !(f = fdopen(fd, "a"))) {
		log_warn("events", "cannot open %s", d->events_path);
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	if (d->events)
		fclose(d->events);
	d->events = f;
	return 0;
}

static int run(struct daemon *d)
{
	struct ring_buffer *rb = NULL;
	struct epoll_event ev = { .events = EPOLLIN };
	struct signalfd_siginfo si;
	struct policy *p;
	struct timespec now;
	time_t next_refresh = 0;
	sigset_t mask;
	int sfd = -1, ep = -1, err = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	rb = ring_buffer__new(bpf_map__fd(d->skel->maps.events), handle_event,
			      d, NULL);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || !rb || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev)) {
		err = -errno;
		log_warn("daemon", "cannot set up the event loop");
		goto cleanup;
	}
	for (;;) {
		int n = epoll_wait(ep, &ev, 1, 250);

		if (n < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		ring_buffer__consume(rb);
		check_counters(d);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (d->refresh_s && now.tv_sec >= next_refresh) {
			if (next_refresh && maps_refresh(d->skel))
				log_warnx("policy", "cannot refresh the inode "
					  "keys of rule paths");
			next_refresh = now.tv_sec + d->refresh_s;
		}
		if (n <= 0 || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGHUP)
			break;
		log_info("policy", "SIGHUP: reloading %s", d->policy_dir);
		gethostname(d->hostname, sizeof(d->hostname) - 1);
		open_events(d);
		p = parse_policy(d);
		if (!p || install_policy(d, p))
			log_warnx("policy", "reload rejected; generation %llu "
				  "stays in force", (unsigned long long)
				  d->skel->bss->state.gen);
	}
	ring_buffer__consume(rb);
	check_counters(d);
cleanup:
	ring_buffer__free(rb);
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	return err;
}

int main(int argc, char **argv)
{
	struct daemon d = { 0 };
	struct policy *p;
	char why[1024];
	sigset_t mask;
	int err, code = EXIT_FAILURE;

	if (parse_args(&d, argc, argv))
		return EXIT_POLICY;
	/* Signals wait in the signalfd; none may be lost before the loop. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	gethostname(d.hostname, sizeof(d.hostname) - 1);
	d.npb = protected_collect(d.pb, MAX_PROTECTED);
	p = parse_policy(&d);
	if (!p) {
		log_warnx("policy", "%s: invalid policy, nothing loaded",
			  d.policy_dir);
		return EXIT_POLICY;
	}
	if (open_events(&d)) {
		policy_free(p);
		free(p);
		return EXIT_POLICY;
	}

	err = loader_open(&d.skel, &d.lim);
	if (err) {
		log_warnx("kernel", "cannot open the BPF object: %s",
			  strerror(-err));
		code = EXIT_KERNEL;
		goto cleanup;
	}
	err = loader_load_attach(d.skel, why, sizeof(why));
	if (err) {
		log_warnx("kernel", "%s", why);
		code = EXIT_KERNEL;
		goto cleanup;
	}
	d.skel->bss->state.daemon_tgid = getpid();
	d.skel->bss->state.enforce = d.enforce;
	err = maps_protect(d.skel, d.pb, d.npb);
	if (err)
		log_warnx("kernel", "cannot protect the critical binaries: %s",
			  strerror(-err));
	if (loader_hash_selftest(d.skel, why, sizeof(why)))
		log_warnx("kernel", "SHA-256 rules cannot be enforced: %s; "
			  "path rules are enforced", why);
	err = install_policy(&d, p);
	p = NULL;
	if (err) {
		code = EXIT_POLICY;
		goto cleanup;
	}
	if (d.pid_file && (err = write_pid_file(d.pid_file))) {
		log_warnx("daemon", "cannot write %s: %s", d.pid_file,
			  strerror(-err));
		goto cleanup;
	}
	log_info("daemon", "enforcing (mode %s)", d.enforce ? "enforce" :
		 "audit");
	code = run(&d) ? EXIT_FAILURE : EXIT_SUCCESS;
	if (d.pid_file)
		unlink(d.pid_file);
cleanup:
	if (p) {
		policy_free(p);
		free(p);
	}
	loader_close(d.skel);
	maps_free();
	if (d.events && d.events != stdout)
		fclose(d.events);
	return code;
}
