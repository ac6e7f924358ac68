// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdict check: validates what interdictd will load (the config file and
 * the policy directory it names, or candidate files together with that
 * directory) with the daemon's own code, so that ExecStartPre, Ansible's
 * validate: and the daemon never disagree. Errors and warnings are
 * "file:line: message" on stderr; -j adds them to one JSON object on stdout.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interdict.h"

#define USAGE		"usage: interdict check [-j] [-v] [--config FILE] [--dir DIR [--as NAME]] [PATH...]"

struct check_args {
	const char *config;		/* --config, or NULL: the default */
	const char *dir;		/* --dir, or NULL */
	const char *as;			/* --as: the candidate's name in dir */
	char **paths;
	int npaths;
	bool verbose;			/* -v: every rule package= made */
};

/* Exit status 2; in JSON mode stdout still holds one object. */
static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	char msg[512];
	struct json j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "interdict: check: %s\n%s\n", msg, USAGE);
	if (json_out) {
		json_begin(&j, stdout);
		json_str(&j, "error", msg);
		json_end(&j);
	}
	return EXIT_POLICY;
}

/* 0, 1 for --help, or -EINVAL after a usage error. */
static int parse_args(struct check_args *a, int argc, char **argv)
{
	const char **val;
	const char *arg;
	size_t n;
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		arg = argv[i];
		if (!strcmp(arg, "--")) {
			i++;
			break;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return 1;
		if (!strcmp(arg, "-v") || !strcmp(arg, "--verbose")) {
			a->verbose = true;
			continue;
		}
		val = !strncmp(arg, "--config", 8) ? &a->config :
		      !strncmp(arg, "--dir", 5) ? &a->dir :
		      !strncmp(arg, "--as", 4) ? &a->as : NULL;
		n = val == &a->config ? 8 : val == &a->as ? 4 : 5;
		if (!val || (arg[n] && arg[n] != '=')) {
			usage_error("unknown option '%s'", arg);
			return -EINVAL;
		}
		if (*val) {
			usage_error("%.*s given twice", (int)n, arg);
			return -EINVAL;
		}
		if (!arg[n] && i + 1 == argc) {
			usage_error("%s needs a value", arg);
			return -EINVAL;
		}
		*val = arg[n] ? arg + n + 1 : argv[++i];
		if (!**val) {
			usage_error("%.*s needs a value", (int)n, arg);
			return -EINVAL;
		}
	}
	a->paths = argv + i;
	a->npaths = argc - i;
	if (a->as && (!a->dir || a->npaths != 1 || strchr(a->as, '/'))) {
		usage_error("--as NAME takes --dir and one PATH; NAME is a file "
			    "name in DIR, without '/'");
		return -EINVAL;
	}
	return 0;
}

/* A path the daemon would resolve to another file than this process. */
static void check_cli_path(struct diags *d, const char *path)
{
	const char *via = path_process_relative(path);

	if (via)
		diag_add(d, false, path, 0, "goes through %s, which names another file in every process, so the daemon would not read what is checked here; name the file by its own path",
			 via);
}

/* c from the config file, or the defaults where the default file is
 * missing (*read false); errors are reported. */
static int check_config(struct config *c, const char *path, bool given,
			bool *read, struct diags *d)
{
	int ret;

	config_defaults(c);
	ret = config_load(c, path, d);
	*read = !ret;
	if (ret == -ENOENT && !given)
		return 0;
	if (ret == -ENOENT)
		diag_read_error(d, path, ret, 0);
	return ret;
}

static int check_limit(struct diags *d, const char *where, size_t n,
		       __u32 max, const char *what, const char *key,
		       const char *config)
{
	char name[ID_NAME_ESC_MAX];

	if (n <= max)
		return 0;
	diag_add(d, false, where, 0, "%zu %s rules, over the limit of %u (%s); the daemon would refuse this policy: raise %s in %s or remove rules",
		 n, what, max, key, key, name_escape(config, name, sizeof(name)));
	return -EINVAL;
}

/* Binaries and the libraries they map: a policy denying one of them takes
 * the host or interdict down. */
static int check_protected(const struct policy *p, struct diags *d)
{
	struct protected *pb = NULL, *libs = NULL, *all;
	size_t npb, nlibs = 0;
	int ret;

	pb = calloc(MAX_PROTECTED, sizeof(*pb));
	if (!pb)
		return -ENOMEM;
	npb = protected_collect(pb, MAX_PROTECTED);
	/* Unreadable maps only lose the libraries, as pid 1's do unprivileged. */
	if (!protected_libraries(&libs, &nlibs) && nlibs) {
		all = reallocarray(pb, npb + nlibs, sizeof(*pb));
		ret = -ENOMEM;
		if (!all)
			goto cleanup;
		pb = all;
		memcpy(pb + npb, libs, nlibs * sizeof(*pb));
		npb += nlibs;
	}
	ret = policy_check_protected_diags(p, pb, npb, d);
cleanup:
	free(libs);
	free(pb);
	return ret;
}

/* What no real SHA-256 looks like: fewer than four distinct digits, or a
 * block of at most eight digits repeated (00..0, 00..01, deadbeef...). */
static bool placeholder_hash(const char *hex)
{
	unsigned int seen = 0, distinct = 0;
	size_t i, period;

	for (i = 0; hex[i]; i++) {
		unsigned int bit = 1U << (hex[i] <= '9' ? hex[i] - '0' :
					  hex[i] - 'a' + 10);

		distinct += !(seen & bit);
		seen |= bit;
	}
	if (distinct < 4)
		return true;
	for (period = 1; period <= 8; period++) {
		for (i = period; hex[i] && hex[i] == hex[i - period]; i++)
			;
		if (!hex[i])
			return true;
	}
	return false;
}

/* Rules that are valid but probably do not do what their author meant. */
static void check_risky(const struct policy *p, struct diags *d)
{
	char hex[2 * ID_SHA256_LEN + 1], target[PATH_MAX];
	const struct rule *r;
	struct stat st;
	size_t i;

	for (i = 0; i < p->nrules; i++) {
		r = &p->rules[i];
		if (r->kind == MATCH_SHA256) {
			sha256_hex(r->sha256, hex);
			if (placeholder_hash(hex))
				diag_add(d, true, r->file, r->line, "sha256=%s in rule '%s' looks like a placeholder; expected the hash of a real file (sha256sum FILE)",
					 hex, r->id);
			continue;
		}
		if (r->kind != MATCH_PATH || lstat(r->path, &st))
			continue;
		if (S_ISLNK(st.st_mode)) {
			if (!realpath(r->path, target))
				snprintf(target, sizeof(target), "(unresolved)");
			diag_add(d, true, r->file, r->line, "path %s in rule '%s' is a symbolic link: the rule denies its target %s, under every name; name the target to say so",
				 r->path, r->id, target);
		} else if (S_ISDIR(st.st_mode)) {
			diag_add(d, true, r->file, r->line, "path %s in rule '%s' is a directory named without a trailing '/': the rule matches the directory only, not what is in it; write path=%s/ for the tree",
				 r->path, r->id, r->path);
		}
	}
}

static void json_diags(struct json *j, const char *key,
		       const struct diags *d, bool warnings)
{
	size_t i;

	json_arr_open(j, key);
	for (i = 0; i < d->n; i++) {
		if (d->v[i].warning != warnings)
			continue;
		json_obj_open(j, NULL);
		json_str(j, "file", d->v[i].file ? d->v[i].file : "");
		json_uint(j, "line", d->v[i].line);
		json_str(j, "message", d->v[i].msg);
		json_obj_close(j);
	}
	json_arr_close(j);
}

/* What package= rules resolved to: each package, and with -v each rule
 * made from it. */
static void report_packages(const struct policy *p, bool verbose,
			    struct json *j)
{
	const struct policy_pkgs *s = p->pkgs;
	char hex[2 * ID_SHA256_LEN + 1];
	const struct dpkg_pkg *pkg;
	const struct rule *r, *pr;
	size_t i, k;

	if (j)
		json_arr_open(j, "packages");
	for (i = 0; s && i < s->npkg; i++) {
		pkg = &s->pkg[i];
		pr = &p->rules[pkg->rule];
		if (j) {
			json_obj_open(j, NULL);
			json_str(j, "name", pkg->name);
			json_str(j, "version", pkg->version);
			json_str(j, "architecture", pkg->arch);
			json_str(j, "rule", pr->id);
			json_str(j, "file", pr->file);
			json_uint(j, "line", pr->line);
			json_uint(j, "path_rules", pkg->nfiles);
			json_uint(j, "sha256_rules", pkg->nsha);
			json_uint(j, "missing", pkg->missing);
			json_obj_close(j);
			continue;
		}
		printf("%s:%u: package=%s (rule '%s'): %s %s %s: %zu files, "
		       "%zu executables or libraries, %u listed files missing\n",
		       pr->file, pr->line, pr->path, pr->id, pkg->name,
		       pkg->version, pkg->arch, pkg->nfiles, pkg->nsha,
		       pkg->missing);
		for (k = s->first; verbose && k < p->nrules; k++) {
			r = &p->rules[k];
			if (dpkg_rule_package(p, r) != pkg)
				continue;
			if (r->kind == MATCH_SHA256)
				sha256_hex(r->sha256, hex);
			printf("  %s %s=%s\n", rule_decision(r),
			       r->kind == MATCH_SHA256 ? "sha256" : "path",
			       r->kind == MATCH_SHA256 ? hex : r->path);
		}
	}
	if (j)
		json_arr_close(j);
}

static void report(const struct policy *p, const struct diags *d,
		   const char *config, bool valid, bool verbose)
{
	size_t i, npkg = 0, made;
	struct json j;

	if (!json_out) {
		if (valid)
			report_packages(p, verbose, NULL);
		for (i = 0; i < p->nrules; i++)
			npkg += p->rules[i].kind == MATCH_PACKAGE;
		made = p->pkgs ? p->nrules - p->pkgs->first : 0;
		if (valid && npkg)
			printf("%zu rules valid (%zu SHA-256, %zu path; %zu of them made from %zu package rules) in %zu files\n",
			       p->nrules - npkg, p->nsha, p->npath, made, npkg,
			       p->nfiles);
		else if (valid)
			printf("%zu rules valid (%zu SHA-256, %zu path) in %zu files\n",
			       p->nrules, p->nsha, p->npath, p->nfiles);
		return;
	}
	json_begin(&j, stdout);
	json_bool(&j, "valid", valid);
	json_uint(&j, "rules", p->nrules);
	json_uint(&j, "files", p->nfiles);
	json_uint(&j, "sha256_rules", p->nsha);
	json_uint(&j, "path_rules", p->npath);
	if (config)
		json_str(&j, "config", config);
	json_diags(&j, "errors", d, false);
	json_diags(&j, "warnings", d, true);
	if (p->pkgs)
		report_packages(p, verbose, &j);
	json_end(&j);
}

/* After everything that could be reported was: an error that printed
 * nothing (out of memory) must still fail the check. */
static void check_errno(struct diags *d, int ret)
{
	if (ret && !d->errors)
		diag_add(d, false, NULL, 0, "interdict: check: %s",
			 strerror(-ret));
}

static int check_policy(const struct check_args *a, const struct config *c,
			const char *config, struct policy *p, struct diags *d)
{
	const char *dir = a->dir ? a->dir : a->npaths ? NULL : c->policy_dir;
	const char *where = dir ? dir : a->paths[0];
	int ret;

	ret = policy_load_set(p, dir, a->paths, a->npaths, a->as, d);
	if (ret)
		return ret;
	check_limit(d, where, p->nsha, c->lim.sha_rules, "SHA-256",
		    "max-sha256-rules", config);
	check_limit(d, where, p->npath, c->lim.path_rules, "path",
		    "max-path-rules", config);
	ret = check_protected(p, d);
	if (policy_check_kernel_diags(p, features_post_open(), d) && !ret)
		ret = -EINVAL;
	check_risky(p, d);
	return ret;
}

int do_check(int argc, char **argv)
{
	struct diags d = { .f = stderr, .keep = json_out };
	struct policy p = { 0 };
	struct check_args a;
	struct config c;
	const char *config;
	bool read = false;
	int i, ret;

	ret = parse_args(&a, argc, argv);
	if (ret < 0)
		return EXIT_POLICY;
	if (ret > 0) {
		printf("%s\n", USAGE);
		return 0;
	}
	config = a.config ? a.config : ID_CONFIG_PATH;
	check_cli_path(&d, config);
	if (a.dir)
		check_cli_path(&d, a.dir);
	for (i = 0; i < a.npaths; i++)
		check_cli_path(&d, a.paths[i]);
	if (!d.errors)
		ret = check_config(&c, config, a.config, &read, &d);
	if (!d.errors && !ret)
		ret = check_policy(&a, &c, config, &p, &d);
	check_errno(&d, ret);
	report(&p, &d, read ? config : NULL, !d.errors, a.verbose);
	diags_free(&d);
	policy_free(&p);
	return d.errors ? 1 : 0;
}
