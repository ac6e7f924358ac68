// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark behind `make bench`, run inside a VM by scripts/bench-guest.sh:
 * what checking exec, open() and mmap(PROT_EXEC) against a large policy
 * costs, as loop times with interdictd attached over loop times without.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD_ENV	"INTERDICT_BENCH_PAYLOAD"
#define EXIT_DENIED	126	/* a payload's execve failed with EPERM */
#define MAX_ROUNDS	64
#define START_TIMEOUT_MS (600 * 1000)
#define LOAD_TARGET_MS	1000.0
#define SETTLE_S	2	/* idle before timing: see settle() */
#define IDLE_S		20	/* interdictd's own CPU use is measured over it */
#define CANARY_DIR	"/opt/bench-canary/"	/* denied on exec and mmap */
#define CANARY_EXEC	CANARY_DIR "bin/tool"
#define CANARY_OPEN	CANARY_DIR "open.sh"	/* denied on open only */
#define SEED		0x1d1c7ULL

/* Copies of this binary are the exec workload's payload: started with
 * PAYLOAD_ENV set, they exit as soon as the dynamic loader is done. */
__attribute__((constructor)) static void payload(void)
{
	if (getenv(PAYLOAD_ENV))
		_exit(0);
}

struct bench {
	const char *dir;	/* scratch tree, holds no rule's path */
	char daemon[PATH_MAX], cli[PATH_MAX];
	unsigned rounds, sha_rules, path_rules;
	char payload[PATH_MAX], library[PATH_MAX], data[PATH_MAX];
	char policy[PATH_MAX], pid_file[PATH_MAX];
	char log[PATH_MAX], events[PATH_MAX], control[PATH_MAX];
	int library_fd;
	size_t library_len;
};

struct workload {
	const char *name;
	int (*loop)(const struct bench *b, long n);
	long n;
	double target;		/* the ratio not to exceed */
	double fapolicyd;	/* its ratio, measured the same way */
	double off[MAX_ROUNDS], on[MAX_ROUNDS];	/* seconds per loop */
	double ratios[MAX_ROUNDS], ratio, us_off, us_on;	/* summarize() */
};

struct daemon_cost {
	double ms[MAX_ROUNDS];		/* load: its "in force ... in N ms" */
	double start_ms[MAX_ROUNDS];	/* fork to pid file */
	double idle_cpu;		/* percent of the CPU while idle */
};

static __attribute__((format(printf, 1, 2))) int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("bench: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* splitmix64: the same policy on every run. */
static unsigned long long rng_next(unsigned long long *s)
{
	unsigned long long z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A lowercase name of 4 to 40 letters, so rule paths have many lengths. */
static void rng_name(unsigned long long *s, char *out)
{
	unsigned i, n = 4 + rng_next(s) % 37;

	for (i = 0; i < n; i++)
		out[i] = 'a' + rng_next(s) % 26;
	out[n] = 0;
}

/* Create the directories leading to path (all of it if it ends in '/'). */
static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return fail("mkdir %s: %s", buf, strerror(errno));
		*p = '/';
	}
	return 0;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in, out = -1, err = -1;
	struct stat st;
	ssize_t n = 0;
	off_t off = 0;

	if (mkdir_parents(to))
		return -1;
	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in >= 0 && !fstat(in, &st))
		out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	while (out >= 0 && off < st.st_size &&
	       (n = sendfile(out, in, &off, st.st_size - off)) > 0)
		;
	if (out >= 0 && n >= 0 && off == st.st_size)
		err = 0;
	else
		fail("copy %s to %s: %s", from, to, strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err;
}

/* 100,000 random digests and path rules under /opt/bench-N/ that exist
 * nowhere: pure map load. A quarter are scripts denied on open too, so the
 * open hook has rules to check. Two more rules deny the canaries, which
 * exist, so that the inode walk runs as it does for a real policy. */
static int write_policy(const struct bench *b)
{
	unsigned long long s = SEED;
	char name[64], file[PATH_MAX + 32];
	unsigned i, k;
	FILE *f;

	snprintf(file, sizeof(file), "%s50-bench.rules", b->policy);
	f = fopen(file, "we");
	if (!f)
		return fail("%s: %s", file, strerror(errno));
	for (i = 0; i < b->sha_rules; i++) {
		fputs("deny sha256=", f);
		for (k = 0; k < 4; k++)
			fprintf(f, "%016llx", rng_next(&s));
		fprintf(f, " id=bench-sha-%06u\n", i);
	}
	for (i = 0; i < b->path_rules; i++) {
		rng_name(&s, name);
		fprintf(f, "deny path=/opt/bench-%05u/", i);
		switch (i % 4) {
		case 0: break;
		case 1: fprintf(f, "bin/%s", name); break;
		case 2: fprintf(f, "lib/%s/", name); break;
		case 3: fprintf(f, "libexec/%s.sh on=exec,open", name); break;
		}
		fprintf(f, " id=bench-path-%05u\n", i);
	}
	fprintf(f, "deny path=%s id=bench-canary\n"
		"deny path=%s id=bench-canary-open on=open\n", CANARY_DIR,
		CANARY_OPEN);
	if (fclose(f))
		return fail("%s: %s", file, strerror(errno));
	return 0;
}

static int setup(struct bench *b)
{
	static const char page[4096];
	Dl_info libc;
	struct stat st;
	ssize_t n;
	FILE *f;

	/* build/bench/bench -> build/interdictd */
	n = readlink("/proc/self/exe", b->daemon, sizeof(b->daemon) - 16);
	if (n < 0)
		return fail("/proc/self/exe: %s", strerror(errno));
	b->daemon[n] = 0;
	*strrchr(b->daemon, '/') = 0;
	strcpy(strrchr(b->daemon, '/'), "/interdictd");
	snprintf(b->cli, sizeof(b->cli), "%s", b->daemon);
	strcpy(strrchr(b->cli, '/'), "/interdict");
	if (!dladdr((void *)printf, &libc) || !libc.dli_fname)
		return fail("cannot find the C library's file");

#define AT(field, rel) snprintf(b->field, sizeof(b->field), "%s" rel, b->dir)
	AT(payload, "/bin/payload");
	AT(library, "/lib/x86_64-linux-gnu/libc.so.6");
	AT(data, "/share/data.txt");
	AT(policy, "/policy.d/");
	AT(pid_file, "/interdictd.pid");
	AT(log, "/interdictd.log");
	AT(events, "/events.json");
	AT(control, "/control");
#undef AT

	if (mkdir_parents(b->data) || !(f = fopen(b->data, "we")) ||
	    fwrite(page, sizeof(page), 1, f) != 1 || fclose(f))
		return fail("%s: %s", b->data, strerror(errno));
	if (mkdir_parents(b->policy) ||
	    copy_file("/proc/self/exe", b->payload, 0755) ||
	    copy_file("/proc/self/exe", CANARY_EXEC, 0755) ||
	    copy_file(b->data, CANARY_OPEN, 0755) ||
	    copy_file(libc.dli_fname, b->library, 0644) ||
	    write_policy(b))
		return -1;
	b->library_fd = open(b->library, O_RDONLY | O_CLOEXEC);
	if (b->library_fd < 0 || fstat(b->library_fd, &st))
		return fail("%s: %s", b->library, strerror(errno));
	b->library_len = st.st_size;
	return 0;
}

/* fork + execve + wait; the child's status, EXIT_DENIED if denied. */
static int run_payload(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	char *envp[] = { PAYLOAD_ENV "=1", NULL };
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		execve(path, argv, envp);
		_exit(errno == EPERM ? EXIT_DENIED : 127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int loop_exec(const struct bench *b, long n)
{
	int rc;

	while (n--)
		if ((rc = run_payload(b->payload)))
			return fail("%s: exit status %d", b->payload, rc);
	return 0;
}

static int loop_open(const struct bench *b, long n)
{
	int fd;

	while (n--) {
		fd = open(b->data, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail("open %s: %s", b->data, strerror(errno));
		close(fd);
	}
	return 0;
}

static int loop_mmap(const struct bench *b, long n)
{
	void *p;

	while (n--) {
		p = mmap(NULL, b->library_len, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE, b->library_fd, 0);
		if (p == MAP_FAILED)
			return fail("mmap %s: %s", b->library, strerror(errno));
		munmap(p, b->library_len);
	}
	return 0;
}

/* Seconds for w->n iterations, after a few untimed ones (the first check
 * of a file hashes it; steady state is what is measured). */
static int time_workload(const struct bench *b, const struct workload *w,
			 double *out)
{
	double t0;

	if (w->loop(b, w->n / 20 + 2))
		return -1;
	t0 = now_s();
	if (w->loop(b, w->n))
		return -1;
	*out = now_s() - t0;
	return 0;
}

/* The load time from the daemon's "generation N in force: ... in M ms". */
static double load_ms(const struct bench *b)
{
	char line[1024], *in;
	double ms = -1;
	FILE *f = fopen(b->log, "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "in force:") || !(in = strrchr(line, ')')))
			continue;
		if (sscanf(in, ") in %lf ms", &ms) == 1)
			printf("bench:   %s", line);
	}
	if (f)
		fclose(f);
	return ms;
}

static void show_log(const struct bench *b)
{
	char line[1024];
	FILE *f = fopen(b->log, "re");

	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "bench: interdictd: %s", line);
	if (f)
		fclose(f);
}

/* Start interdictd on the policy; its pid once the pid file exists.
 * refresh: its --refresh value, or NULL for the default. */
static pid_t daemon_start(const struct bench *b, const char *refresh,
			  double *start_ms)
{
	double t0 = now_s();
	int status, fd;
	pid_t pid;

	unlink(b->events);
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (!pid) {
		fd = open(b->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		/* Without refresh the list ends at its option's place. */
		execl(b->daemon, "interdictd", "--policy-dir", b->policy,
		      "--mode", "enforce", "--events", b->events,
		      "--pid-file", b->pid_file, "--control", b->control,
		      refresh ? "--refresh" : NULL, refresh, (char *)NULL);
		_exit(127);
	}
	while (access(b->pid_file, F_OK)) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			show_log(b);
			return fail("interdictd exited with status %d before "
				    "enforcing", WIFEXITED(status) ?
				    WEXITSTATUS(status) : 128);
		}
		if ((now_s() - t0) * 1000 > START_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return fail("interdictd did not start in %d s",
				    START_TIMEOUT_MS / 1000);
		}
		usleep(2000);
	}
	*start_ms = (now_s() - t0) * 1000;
	return pid;
}

/* Disable it (which detaches the programs: enforcement outlives a plain
 * stop) and check that it denied nothing but the canary: a benchmark
 * measures checking, not denying. */
static int daemon_stop(const struct bench *b, pid_t pid)
{
	char line[8192];
	int status, events = 0;
	pid_t cli;
	FILE *f;

	cli = fork();
	if (!cli) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execl(b->cli, "interdict", "--control", b->control, "disable",
		      (char *)NULL);
		_exit(127);
	}
	if (cli < 0 || waitpid(cli, &status, 0) != cli || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		show_log(b);
		return fail("interdict disable failed (status %#x)", status);
	}
	/* 4: disabled, the status that keeps systemd from restarting it */
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 4) {
		show_log(b);
		return fail("interdictd did not exit cleanly (status %#x)",
			    status);
	}
	f = fopen(b->events, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "\"kind\":\"event\"") &&
		    !strstr(line, "\"bench-canary") && ++events == 1)
			fprintf(stderr, "bench: unexpected event: %s", line);
	if (f)
		fclose(f);
	return events ? fail("interdictd reported %d events for the "
			     "benchmark's own files", events) : 0;
}

/* Each hook is attached and enforces: the canaries are denied. NULL if
 * so, else the hook that let its canary through. */
static const char *canary_escaped(void)
{
	int fd = open(CANARY_OPEN, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd >= 0 || errno != EPERM)
		return "file_open";
	if (run_payload(CANARY_EXEC) != EXIT_DENIED)
		return "bprm_check_security";
	fd = open(CANARY_EXEC, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "file_open (on the wrong file)";
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p != MAP_FAILED || errno != EPERM)
		return "mmap_file";
	return NULL;
}

/* Let deferred kernel work finish before timing: freeing a stopped
 * daemon's maps and programs (and, at boot, the kernel's own) runs in
 * workers a few hundred ms later and takes the only CPU for tens of ms.
 * Idle guest time costs next to nothing under -icount. */
static void settle(void)
{
	sleep(SETTLE_S);
}

/* One side of a round: every workload, with interdict attached or not.
 * Attached, interdictd does not re-learn rule paths' inodes (--refresh 0):
 * that periodic work would land in some timed loops and not in others;
 * idle_cpu() measures it on its own. */
static int run_side(const struct bench *b, struct workload *ws, size_t nw,
		    unsigned round, bool on, struct daemon_cost *dc)
{
	const char *hook;
	pid_t pid = 0;
	size_t i;

	if (on) {
		pid = daemon_start(b, "0", &dc->start_ms[round]);
		if (pid < 0)
			return -1;
		dc->ms[round] = load_ms(b);
		hook = canary_escaped();
		if (hook || dc->ms[round] < 0) {
			daemon_stop(b, pid);
			return fail(hook ? "%s did not deny its canary: the "
				    "programs do not enforce" : "no \"in force "
				    "... in N ms\" line in interdictd's log",
				    hook);
		}
	}
	settle();
	printf("bench:   %-3s", on ? "on" : "off");
	for (i = 0; i < nw; i++) {
		double *t = on ? &ws[i].on[round] : &ws[i].off[round];

		if (time_workload(b, &ws[i], t))
			break;
		printf("  %s %ld x %.1f us", ws[i].name, ws[i].n,
		       *t / ws[i].n * 1e6);
		fflush(stdout);
	}
	if (on)
		printf("  (load %.0f ms, pid file after %.0f ms)",
		       dc->ms[round], dc->start_ms[round]);
	printf("\n");
	if (pid && daemon_stop(b, pid))
		return -1;
	return i == nw ? 0 : -1;
}

/* CPU seconds pid has used (user and system), from /proc/PID/stat. */
static double cpu_seconds(pid_t pid)
{
	unsigned long utime, stime;
	char path[64], buf[1024], *p;
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		n = sscanf(p, ") %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			   "%lu %lu", &utime, &stime);
	if (f)
		fclose(f);
	return n == 2 ? (utime + stime) / (double)sysconf(_SC_CLK_TCK) : -1;
}

/* What interdictd costs while nothing happens, with its default options
 * (it re-learns the inodes of rule paths every few seconds): percent of
 * the one CPU, or -1. */
static double idle_cpu(const struct bench *b)
{
	double start_ms, c0, c1, t0, t1;
	pid_t pid = daemon_start(b, NULL, &start_ms);

	if (pid < 0)
		return -1;
	settle();
	c0 = cpu_seconds(pid);
	t0 = now_s();
	sleep(IDLE_S);
	c1 = cpu_seconds(pid);
	t1 = now_s();
	if (daemon_stop(b, pid) || c0 < 0 || c1 < 0)
		return fail("cannot measure interdictd's CPU time");
	return (c1 - c0) / (t1 - t0) * 100;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, unsigned n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* `"key": [v, ...]` with each value printed as fmt. */
static void json_list(const char *key, const double *v, unsigned n,
		      const char *fmt)
{
	unsigned i;

	printf("\"%s\": [", key);
	for (i = 0; i < n; i++) {
		printf(i ? ", " : "");
		printf(fmt, v[i]);
	}
	printf("]");
}

/* Medians over the rounds: of the ratios, and of the times per iteration. */
static void summarize(struct workload *w, unsigned n)
{
	unsigned r;

	for (r = 0; r < n; r++)
		w->ratios[r] = w->on[r] / w->off[r];
	w->ratio = median(w->ratios, n);
	w->us_off = median(w->off, n) / w->n * 1e6;
	w->us_on = median(w->on, n) / w->n * 1e6;
}

static const char *met(bool yes)
{
	return yes ? "true" : "false";
}

static void report(const struct bench *b, struct workload *ws, size_t nw,
		   const struct daemon_cost *dc)
{
	unsigned r, n = b->rounds;
	double load = median(dc->ms, n), start = median(dc->start_ms, n);
	struct utsname u;
	size_t i;

	printf("bench: results: median over %u rounds of (time with "
	       "interdict / time without)\n", n);
	for (i = 0; i < nw; i++) {
		summarize(&ws[i], n);
		printf("bench:   %-5s %.3f  target <= %.2f %-6s  fapolicyd %.2f"
		       "  %.2f -> %.2f us  rounds:", ws[i].name, ws[i].ratio,
		       ws[i].target, ws[i].ratio <= ws[i].target ? "met" :
		       "MISSED", ws[i].fapolicyd, ws[i].us_off, ws[i].us_on);
		for (r = 0; r < n; r++)
			printf(" %.3f", ws[i].ratios[r]);
		printf("\n");
	}
	printf("bench:   load  %.0f ms  target <= %.0f ms %-6s  (compile and "
	       "map writes; interdictd start to pid file %.0f ms)\n", load,
	       LOAD_TARGET_MS, load <= LOAD_TARGET_MS ? "met" : "MISSED",
	       start);
	printf("bench:   idle  interdictd used %.2f%% of the CPU over %d s "
	       "doing nothing (default options)\n", dc->idle_cpu, IDLE_S);

	uname(&u);
	printf("{\"bench\": {\"kernel\": \"%s\", \"rounds\": %u, "
	       "\"sha256_rules\": %u, \"path_rules\": %u", u.release, n,
	       b->sha_rules, b->path_rules);
	for (i = 0; i < nw; i++) {
		printf(", \"%s\": {\"iterations\": %ld, \"ratio\": %.4f, ",
		       ws[i].name, ws[i].n, ws[i].ratio);
		json_list("ratios", ws[i].ratios, n, "%.4f");
		printf(", \"us_off\": %.2f, \"us_on\": %.2f, \"target\": %.2f, "
		       "\"met\": %s, \"fapolicyd\": %.2f}", ws[i].us_off,
		       ws[i].us_on, ws[i].target, met(ws[i].ratio <=
		       ws[i].target), ws[i].fapolicyd);
	}
	printf(", \"load\": {\"ms\": %.0f, ", load);
	json_list("ms_rounds", dc->ms, n, "%.0f");
	printf(", \"start_ms\": %.0f, ", start);
	json_list("start_ms_rounds", dc->start_ms, n, "%.0f");
	printf(", \"target_ms\": %.0f, \"met\": %s}, \"idle_cpu_percent\": "
	       "%.2f}}\n", LOAD_TARGET_MS, met(load <= LOAD_TARGET_MS),
	       dc->idle_cpu);
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: bench [--rounds N] [--exec N] [--open N] [--mmap N]\n"
"             [--sha256-rules N] [--path-rules N] [--dir DIR]\n"
"Times exec, open() and mmap(PROT_EXEC) loops with and without interdictd\n"
"(build/interdictd next to this program's directory) enforcing a policy of\n"
"N random SHA-256 rules and N path rules that match none of the files used,\n"
"then measures interdictd's own CPU use while idle.\n"
"Needs root and a kernel that lets interdictd attach: run it in a VM\n"
"through `make bench`.\n");
}

static int parse_args(int argc, char **argv, struct bench *b,
		      struct workload *ws)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "exec", required_argument, NULL, 'x' },
		{ "open", required_argument, NULL, 'o' },
		{ "mmap", required_argument, NULL, 'm' },
		{ "sha256-rules", required_argument, NULL, 's' },
		{ "path-rules", required_argument, NULL, 'p' },
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long v;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == 'd') {
			b->dir = optarg;
			continue;
		}
		if (c == '?')
			return -1;
		v = strtol(optarg, &end, 10);
		if (*end || v < (c == 's' || c == 'p' ? 0 : 1) || v > 10000000 ||
		    (c == 'r' && v > MAX_ROUNDS))
			return fail("%s: not a valid count for --%s", optarg,
				    opts[strchr("rxomspd", c) - "rxomspd"].name);
		switch (c) {
		case 'r': b->rounds = v; break;
		case 'x': ws[0].n = v; break;
		case 'o': ws[1].n = v; break;
		case 'm': ws[2].n = v; break;
		case 's': b->sha_rules = v; break;
		case 'p': b->path_rules = v; break;
		}
	}
	if (optind != argc)
		return fail("unexpected argument '%s'", argv[optind]);
	return 0;
}

int main(int argc, char **argv)
{
	struct workload ws[] = {
		{ .name = "exec", .loop = loop_exec, .n = 300,
		  .target = 1.03, .fapolicyd = 1.10 },
		{ .name = "open", .loop = loop_open, .n = 20000,
		  .target = 1.05, .fapolicyd = 7.16 },
		{ .name = "mmap", .loop = loop_mmap, .n = 20000,
		  .target = 1.03, .fapolicyd = 2.74 },
	};
	struct bench b = {
		.dir = "/tmp/interdict-bench", .rounds = 5,
		.sha_rules = 100000, .path_rules = 10000, .library_fd = -1,
	};
	struct daemon_cost dc = { 0 };
	size_t nw = sizeof(ws) / sizeof(ws[0]);
	unsigned r;
	bool on;

	if (parse_args(argc, argv, &b, ws)) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup(&b))
		return 1;
	printf("bench: %u rounds; policy: %u SHA-256 rules, %u path rules "
	       "and canaries under %s; workloads: exec of %s, open() of %s, "
	       "mmap(PROT_READ|PROT_EXEC) of %s\n", b.rounds, b.sha_rules,
	       b.path_rules, CANARY_DIR, b.payload, b.data, b.library);
	for (r = 0; r < b.rounds; r++) {
		/* ABBA: the side that goes first alternates. */
		on = r % 2;
		printf("bench: round %u/%u\n", r + 1, b.rounds);
		if (run_side(&b, ws, nw, r, on, &dc) ||
		    run_side(&b, ws, nw, r, !on, &dc))
			return 1;
	}
	printf("bench: interdictd idle for %d s\n", IDLE_S);
	dc.idle_cpu = idle_cpu(&b);
	if (dc.idle_cpu < 0)
		return 1;
	report(&b, ws, nw, &dc);
	return 0;
}
