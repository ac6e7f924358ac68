// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark behind `make bench`, run inside a VM by scripts/bench-guest.sh:
 * what checking exec, open() and mmap(PROT_EXEC) against a large policy
 * costs, as loop times with interdictd attached over loop times without.
 */
#include <dirent.h>
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
#include <sys/resource.h>
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
	char daemon[PATH_MAX], cli[PATH_MAX], static_src[PATH_MAX];
	const char *fapolicyd;	/* its executable, or NULL: not measured */
	char fa_log[PATH_MAX], payload_static[PATH_MAX];
	unsigned rounds, sha_rules, path_rules;
	char payload[PATH_MAX], library[PATH_MAX], data[PATH_MAX];
	char policy[PATH_MAX], pid_file[PATH_MAX];
	char policy_plain[PATH_MAX];	/* the same without on=open rules */
	char log[PATH_MAX], events[PATH_MAX], control[PATH_MAX];
	int library_fd;
	size_t library_len;
	bool ratios;		/* the with/without section */
	bool do_events;		/* the events section */
};

struct workload {
	const char *name;
	int (*loop)(const struct bench *b, long n);
	long n;
	double target;		/* the ratio not to exceed */
	double target_plain;	/* the same without on=open rules */
	double off[MAX_ROUNDS], on[MAX_ROUNDS];	/* seconds per loop */
	double plain[MAX_ROUNDS];	/* policy without on=open rules */
	double fa[MAX_ROUNDS];		/* with fapolicyd instead */
	double ratios[MAX_ROUNDS], ratio, us_off, us_on;	/* summarize() */
	double plain_ratios[MAX_ROUNDS], plain_ratio, us_plain;
	double fa_ratios[MAX_ROUNDS], fa_ratio, us_fa;
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
 * open hook has rules to check (unless !open_rules: then on exec only, and
 * no file_open program is attached). Two more rules deny the canaries,
 * which exist, so that the inode walk runs as it does for a real policy. */
static int write_policy_with(const char *dir, unsigned sha_rules,
			     unsigned path_rules, bool open_rules)
{
	unsigned long long s = SEED;
	char name[64], file[PATH_MAX + 32];
	unsigned i, k;
	FILE *f;

	if (mkdir_parents(dir))
		return -1;
	snprintf(file, sizeof(file), "%s50-bench.rules", dir);
	f = fopen(file, "we");
	if (!f)
		return fail("%s: %s", file, strerror(errno));
	for (i = 0; i < sha_rules; i++) {
		fputs("deny sha256=", f);
		for (k = 0; k < 4; k++)
			fprintf(f, "%016llx", rng_next(&s));
		fprintf(f, " id=bench-sha-%06u\n", i);
	}
	for (i = 0; i < path_rules; i++) {
		rng_name(&s, name);
		fprintf(f, "deny path=/opt/bench-%05u/", i);
		switch (i % 4) {
		case 0: break;
		case 1: fprintf(f, "bin/%s", name); break;
		case 2: fprintf(f, "lib/%s/", name); break;
		case 3:
			fprintf(f, "libexec/%s.sh on=%s", name, open_rules ?
				"exec,open" : "exec");
			break;
		}
		fprintf(f, " id=bench-path-%05u\n", i);
	}
	fprintf(f, "deny path=%s id=bench-canary\n", CANARY_DIR);
	if (open_rules)
		fprintf(f, "deny path=%s id=bench-canary-open on=open\n",
			CANARY_OPEN);
	if (fclose(f))
		return fail("%s: %s", file, strerror(errno));
	return 0;
}

static int write_policy(const char *dir, unsigned sha_rules,
			unsigned path_rules)
{
	return write_policy_with(dir, sha_rules, path_rules, true);
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
	/* build/bench/payload: the static payload, next to this program */
	snprintf(b->static_src, sizeof(b->static_src), "%s", b->daemon);
	strcpy(strrchr(b->static_src, '/'), "/bench/payload");
	if (!dladdr((void *)printf, &libc) || !libc.dli_fname)
		return fail("cannot find the C library's file");

#define AT(field, rel) snprintf(b->field, sizeof(b->field), "%s" rel, b->dir)
	AT(payload, "/bin/payload");
	AT(payload_static, "/bin/payload-static");
	AT(fa_log, "/fapolicyd.log");
	AT(library, "/lib/x86_64-linux-gnu/libc.so.6");
	AT(data, "/share/data.txt");
	AT(policy, "/policy.d/");
	AT(policy_plain, "/policy-plain.d/");
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
	    copy_file(b->static_src, b->payload_static, 0755) ||
	    copy_file("/proc/self/exe", CANARY_EXEC, 0755) ||
	    copy_file(b->data, CANARY_OPEN, 0755) ||
	    copy_file(libc.dli_fname, b->library, 0644) ||
	    write_policy(b->policy, b->sha_rules, b->path_rules) ||
	    write_policy_with(b->policy_plain, b->sha_rules, b->path_rules,
			      false))
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

static int loop_exec_static(const struct bench *b, long n)
{
	int rc;

	while (n--)
		if ((rc = run_payload(b->payload_static)))
			return fail("%s: exit status %d", b->payload_static, rc);
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

/* What a loader does for each library: open, map it executable, close
 * (what fapolicyd can see: it watches opens, not mappings). */
static int loop_open_mmap(const struct bench *b, long n)
{
	void *p;
	int fd;

	while (n--) {
		fd = open(b->library, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return fail("open %s: %s", b->library, strerror(errno));
		p = mmap(NULL, b->library_len, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE, fd, 0);
		close(fd);
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

/* The load time from the daemon's "generation N in force: ... in M ms";
 * its lines saying where a start or reload spent its time are shown. */
static double load_ms(const struct bench *b)
{
	char line[1024], *in;
	double ms = -1;
	FILE *f = fopen(b->log, "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "ms after start (") ||
		    strstr(line, "reloaded ("))
			printf("bench:   %s", line);
		if (!strstr(line, "in force:") || !(in = strrchr(line, ')')))
			continue;
		if (sscanf(in, ") in %lf ms", &ms) == 1)
			printf("bench:   %s", line);
	}
	if (f)
		fclose(f);
	return ms;
}

static void show_file(const char *who, const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "re");

	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "bench: %s: %s", who, line);
	if (f)
		fclose(f);
}

static void show_log(const struct bench *b)
{
	show_file("interdictd", b->log);
}

/* Start interdictd on the policy; its pid once the pid file exists.
 * refresh: its --refresh value, or NULL for the default. */
static pid_t daemon_start_with(const struct bench *b, const char *policy,
			       const char *refresh, unsigned max_sha,
			       unsigned max_path, bool keep_events,
			       double *start_ms)
{
	char sha[16], path[16];
	double t0 = now_s();
	int status, fd;
	pid_t pid;

	/* The limits size the maps: the daemon's own unless more are needed. */
	snprintf(sha, sizeof(sha), "%u", max_sha > 1U << 18 ? max_sha : 1U << 18);
	snprintf(path, sizeof(path), "%u", max_path > 1U << 16 ? max_path :
		 1U << 16);

	if (!keep_events)
		unlink(b->events);
	unlink(b->pid_file);
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (!pid) {
		fd = open(b->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		/* Without refresh the list ends at its option's place. */
		execl(b->daemon, "interdictd", "--policy-dir", policy,
		      "--mode", "enforce", "--events", b->events,
		      "--pid-file", b->pid_file, "--control", b->control,
		      "--max-sha256-rules", sha, "--max-path-rules", path,
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

static pid_t daemon_start_on(const struct bench *b, const char *policy,
			     const char *refresh, unsigned max_sha,
			     unsigned max_path, double *start_ms)
{
	return daemon_start_with(b, policy, refresh, max_sha, max_path, false,
				 start_ms);
}

/* Again after a stop that left the programs attached: the events file
 * stays, and the daemon takes over what waits in the ring buffer. */
static pid_t daemon_start_keep(const struct bench *b, const char *policy,
			       double *start_ms)
{
	return daemon_start_with(b, policy, "0", 0, 2, true, start_ms);
}

static pid_t daemon_start(const struct bench *b, const char *refresh,
			  double *start_ms)
{
	return daemon_start_on(b, b->policy, refresh, b->sha_rules,
			       b->path_rules + 2, start_ms);
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
static const char *canary_escaped_with(bool open_rules)
{
	int fd = open(CANARY_OPEN, O_RDONLY | O_CLOEXEC);
	void *p;

	if (open_rules && (fd >= 0 || errno != EPERM))
		return "file_open";
	if (!open_rules && fd < 0)
		return "file_open (the plain policy has no on=open rule)";
	close(fd);
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

static const char *canary_escaped(void)
{
	return canary_escaped_with(true);
}

/* Let deferred kernel work finish before timing: freeing a stopped
 * daemon's maps and programs (and, at boot, the kernel's own) runs in
 * workers a few hundred ms later and takes the only CPU for tens of ms.
 * Idle guest time costs next to nothing under -icount. */
static void settle(void)
{
	sleep(SETTLE_S);
}

#define FA_START_TIMEOUT_S 600

/* Start fapolicyd (in the foreground, reporting denials to its log) and
 * wait until it denies the canary's exec and open: its pid, or -1. */
static pid_t fapolicyd_start(const struct bench *b)
{
	double t0 = now_s();
	int status, fd;
	pid_t pid = fork();

	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (!pid) {
		fd = open(b->fa_log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(b->fapolicyd, "fapolicyd", "--debug-deny", (char *)NULL);
		_exit(127);
	}
	while (run_payload(CANARY_EXEC) != EXIT_DENIED) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			show_file("fapolicyd", b->fa_log);
			return fail("fapolicyd exited with status %#x before "
				    "denying the canary", status);
		}
		if (now_s() - t0 > FA_START_TIMEOUT_S) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			show_file("fapolicyd", b->fa_log);
			return fail("fapolicyd did not deny the canary in %d s",
				    FA_START_TIMEOUT_S);
		}
		usleep(50000);
	}
	fd = open(CANARY_OPEN, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || errno != EPERM) {
		if (fd >= 0)
			close(fd);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return fail("fapolicyd denies the canary's exec but not its "
			    "open");
	}
	printf("bench:   fapolicyd denies the canary (exec and open) %.1f s "
	       "after its start\n", now_s() - t0);
	return pid;
}

static int fapolicyd_stop(const struct bench *b, pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		return fail("waitpid fapolicyd: %s", strerror(errno));
	if (run_payload(CANARY_EXEC) != 0) {
		show_file("fapolicyd", b->fa_log);
		return fail("the canary is still denied after fapolicyd "
			    "stopped");
	}
	return 0;
}

enum side { SIDE_OFF, SIDE_ON, SIDE_PLAIN, SIDE_FA };
static const char *const side_names[] = { "off", "on", "plain", "fa" };

/* One side of a round: every workload, with interdict attached (its policy
 * with on=open rules, or the plain one without), fapolicyd running, or
 * neither. Attached, interdictd does not re-learn rule paths' inodes
 * (--refresh 0): that periodic work would land in some timed loops and
 * not in others; idle_cpu() measures it on its own. */
static int run_side(const struct bench *b, struct workload *ws, size_t nw,
		    unsigned round, enum side side, struct daemon_cost *dc)
{
	const char *hook;
	double start_ms = 0, load = 0;
	pid_t pid = 0;
	size_t i;

	if (side == SIDE_ON || side == SIDE_PLAIN) {
		pid = daemon_start_on(b, side == SIDE_ON ? b->policy :
				      b->policy_plain, "0", b->sha_rules,
				      b->path_rules + 2, &start_ms);
		if (pid < 0)
			return -1;
		load = load_ms(b);
		if (side == SIDE_ON) {
			dc->start_ms[round] = start_ms;
			dc->ms[round] = load;
		}
		hook = canary_escaped_with(side == SIDE_ON);
		if (hook || load < 0) {
			daemon_stop(b, pid);
			return fail(hook ? "%s did not deny its canary: the "
				    "programs do not enforce" : "no \"in force "
				    "... in N ms\" line in interdictd's log",
				    hook);
		}
	} else if (side == SIDE_FA) {
		pid = fapolicyd_start(b);
		if (pid < 0)
			return -1;
	}
	settle();
	printf("bench:   %-5s", side_names[side]);
	for (i = 0; i < nw; i++) {
		double *t = side == SIDE_ON ? &ws[i].on[round] :
			    side == SIDE_PLAIN ? &ws[i].plain[round] :
			    side == SIDE_FA ? &ws[i].fa[round] :
			    &ws[i].off[round];

		if (time_workload(b, &ws[i], t))
			break;
		printf("  %s %ld x %.1f us", ws[i].name, ws[i].n,
		       *t / ws[i].n * 1e6);
		fflush(stdout);
	}
	if (side == SIDE_ON || side == SIDE_PLAIN)
		printf("  (load %.0f ms, pid file after %.0f ms)", load,
		       start_ms);
	printf("\n");
	if ((side == SIDE_ON || side == SIDE_PLAIN) && daemon_stop(b, pid))
		return -1;
	if (side == SIDE_FA && fapolicyd_stop(b, pid))
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

	for (r = 0; r < n; r++) {
		w->ratios[r] = w->on[r] / w->off[r];
		w->plain_ratios[r] = w->plain[r] / w->off[r];
		w->fa_ratios[r] = w->fa[r] / w->off[r];
	}
	w->ratio = median(w->ratios, n);
	w->plain_ratio = median(w->plain_ratios, n);
	w->us_plain = median(w->plain, n) / w->n * 1e6;
	w->fa_ratio = median(w->fa_ratios, n);
	w->us_off = median(w->off, n) / w->n * 1e6;
	w->us_on = median(w->on, n) / w->n * 1e6;
	w->us_fa = median(w->fa, n) / w->n * 1e6;
}

static const char *met(bool yes)
{
	return yes ? "true" : "false";
}

/* ---- scale: what a policy of N rules costs the daemon and the kernel ---- */

#define MAX_SCALE	8
#define MAX_PROGS	64
#define START_TARGET_MS	3000.0	/* at the largest policy: start to enforcing */
#define RELOAD_TARGET_MS 2000.0
#define RSS_TARGET_KB	(128 * 1024)
#define RELOAD_SETTLE_S	6	/* before the RSS after a reload is read */
#define STATS_OPEN	2000	/* iterations timed by the BPF stats */
#define STATS_EXEC	100
#define STATS_MMAP	2000

struct prog_stat {
	unsigned id;
	unsigned long long ns, runs;
};

struct bpf_usage {
	unsigned long long map_kb, prog_kb;
	struct prog_stat progs[MAX_PROGS];
	unsigned nprogs;
};

struct scale {
	unsigned sha_rules, path_rules;
	double start_ms, load_ms, reload_ms, reload_load_ms;
	double reload_same_ms;		/* a reload with the files unchanged */
	long rss_kb, hwm_kb, reload_rss_kb, reload_hwm_kb;
	unsigned long long map_kb, prog_kb;
	double bpf_ns[3];		/* per open, exec, mmap iteration */
	double wall_ns[3];		/* each iteration took, all told */
	long probes, escaped;		/* canary opens during a reload */
};

static const char *const stat_loops[] = { "open", "exec", "mmap" };

/* A "Key:   N kB" line of /proc/PID/status, or -1. */
static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			kb = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

/* The daemon's BPF maps and programs, through /proc/PID/fdinfo: memlock of
 * each, and each program's run time and count (kernel.bpf_stats_enabled). */
static int bpf_usage(pid_t pid, struct bpf_usage *u)
{
	char dir[64], path[384], line[256];
	unsigned long long memlock, ns, runs;
	struct dirent *de;
	bool map, prog;
	unsigned id;
	FILE *f;
	DIR *d;

	memset(u, 0, sizeof(*u));
	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	d = opendir(dir);
	if (!d)
		return fail("%s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "re");
		map = prog = false;
		memlock = ns = runs = 0;
		id = 0;
		while (f && fgets(line, sizeof(line), f)) {
			map |= !strncmp(line, "map_type:", 9);
			prog |= !strncmp(line, "prog_type:", 10);
			sscanf(line, "memlock: %llu", &memlock);
			sscanf(line, "prog_id: %u", &id);
			sscanf(line, "run_time_ns: %llu", &ns);
			sscanf(line, "run_cnt: %llu", &runs);
		}
		if (f)
			fclose(f);
		if (map)
			u->map_kb += memlock / 1024;
		if (prog)
			u->prog_kb += memlock / 1024;
		if (prog && u->nprogs < MAX_PROGS)
			u->progs[u->nprogs++] = (struct prog_stat){ id, ns, runs };
	}
	closedir(d);
	return 0;
}

/* Nanoseconds the daemon's programs ran per iteration of loop, from the
 * kernel's own accounting; the programs that ran are printed. */
static double bpf_cost(const struct bench *b, pid_t pid, const char *name,
		       int (*loop)(const struct bench *, long), long n,
		       double *wall_ns)
{
	struct bpf_usage u0, u1;
	unsigned long long ns = 0;
	unsigned i, k;
	double t0;

	if (loop(b, n / 20 + 2) || bpf_usage(pid, &u0))
		return -1;
	t0 = now_s();
	if (loop(b, n))
		return -1;
	*wall_ns = (now_s() - t0) * 1e9 / n;
	if (bpf_usage(pid, &u1))
		return -1;
	printf("bench:     bpf stats, %s x %ld (%.0f ns each):", name, n,
	       *wall_ns);
	for (i = 0; i < u1.nprogs; i++)
		for (k = 0; k < u0.nprogs; k++) {
			unsigned long long dn, dr;

			if (u0.progs[k].id != u1.progs[i].id)
				continue;
			dn = u1.progs[i].ns - u0.progs[k].ns;
			dr = u1.progs[i].runs - u0.progs[k].runs;
			ns += dn;
			if (dr)
				printf(" prog %u %llu runs %.0f ns", u1.progs[i].id,
				       dr, (double)dn / dr);
		}
	printf("; %.0f ns per %s\n", (double)ns / n, name);
	return (double)ns / n;
}

/* `interdict reload`, timed: the request returns once the new generation
 * is in force (or refused). */
static double reload_time(const struct bench *b)
{
	double t0 = now_s();
	int status;
	pid_t cli = fork();

	if (!cli) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		execl(b->cli, "interdict", "--control", b->control, "reload",
		      (char *)NULL);
		_exit(127);
	}
	if (cli < 0 || waitpid(cli, &status, 0) != cli || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return fail("interdict reload failed (status %#x)", status);
	return (now_s() - t0) * 1000;
}

static volatile sig_atomic_t probe_stop;

static void on_term(int sig)
{
	(void)sig;
	probe_stop = 1;
}

/* A reload while a child opens the open canary over and over: how many of
 * its opens got through (the answer is 0: the old generation stays in
 * force until the new one is complete). */
static int reload_gap(const struct bench *b, struct scale *sc)
{
	long counts[2] = { 0, 0 };
	int pipefd[2], status;
	pid_t child;

	if (pipe(pipefd))
		return fail("pipe: %s", strerror(errno));
	child = fork();
	if (!child) {
		int fd;

		signal(SIGTERM, on_term);
		close(pipefd[0]);
		while (!probe_stop) {
			fd = open(CANARY_OPEN, O_RDONLY | O_CLOEXEC);
			counts[0]++;
			if (fd >= 0 || errno != EPERM)
				counts[1]++;
			if (fd >= 0)
				close(fd);
			usleep(500);
		}
		_exit(write(pipefd[1], counts, sizeof(counts)) !=
		      sizeof(counts));
	}
	close(pipefd[1]);
	if (child < 0)
		return fail("fork: %s", strerror(errno));
	usleep(20000);
	if (reload_time(b) < 0)
		counts[0] = -1;
	kill(child, SIGTERM);
	if (read(pipefd[0], counts, sizeof(counts)) != sizeof(counts))
		counts[0] = -1;
	close(pipefd[0]);
	waitpid(child, &status, 0);
	sc->probes = counts[0];
	sc->escaped = counts[1];
	return counts[0] < 0 ? fail("the reload with canary probes failed") : 0;
}

static int scale_one(const struct bench *b, struct scale *sc, unsigned idx)
{
	static int (*const loops[])(const struct bench *, long) = {
		loop_open, loop_exec, loop_mmap,
	};
	static const long iters[] = { STATS_OPEN, STATS_EXEC, STATS_MMAP };
	char dir[PATH_MAX], file[PATH_MAX + 32];
	struct bpf_usage u;
	const char *hook;
	pid_t pid;
	unsigned i;
	int err = -1;

	snprintf(dir, sizeof(dir), "%s/scale-%u.d/", b->dir, idx);
	if (write_policy(dir, sc->sha_rules, sc->path_rules))
		return -1;
	printf("bench: scale: %u SHA-256 + %u path rules\n", sc->sha_rules,
	       sc->path_rules);
	pid = daemon_start_on(b, dir, "0", sc->sha_rules, sc->path_rules + 2,
			      &sc->start_ms);
	if (pid < 0)
		return -1;
	sc->load_ms = load_ms(b);
	hook = canary_escaped();
	if (hook) {
		fail("%s did not deny its canary", hook);
		goto out;
	}
	sc->rss_kb = status_kb(pid, "VmRSS");
	sc->hwm_kb = status_kb(pid, "VmHWM");
	if (bpf_usage(pid, &u))
		goto out;
	sc->map_kb = u.map_kb;
	sc->prog_kb = u.prog_kb;
	settle();
	for (i = 0; i < 3; i++) {
		sc->bpf_ns[i] = bpf_cost(b, pid, stat_loops[i], loops[i],
					 iters[i], &sc->wall_ns[i]);
		if (sc->bpf_ns[i] < 0)
			goto out;
	}
	/* The reload the target is for: the rule file rewritten (touched:
	 * new times), so it is read again. Then one with the files as that
	 * reload read them, which interdictd takes from the policy in force
	 * without reading them. A file read within a second of its change
	 * is always read again (its times may not show a change in the same
	 * tick), hence the wait after the touch: the start read the files
	 * just after they were written. Each reload's replaced policy goes a
	 * second after it, hence the wait before the next. */
	snprintf(file, sizeof(file), "%s50-bench.rules", dir);
	if (utimensat(AT_FDCWD, file, NULL, 0)) {
		fail("%s: %s", file, strerror(errno));
		goto out;
	}
	sleep(2);
	sc->reload_ms = reload_time(b);
	if (sc->reload_ms < 0)
		goto out;
	sc->reload_load_ms = load_ms(b);
	sleep(RELOAD_SETTLE_S);
	sc->reload_same_ms = reload_time(b);
	if (sc->reload_same_ms < 0)
		goto out;
	/* The replaced slot's keys and policy go a second after the switch,
	 * which takes its own time at a million rules. */
	sleep(RELOAD_SETTLE_S);
	sc->reload_rss_kb = status_kb(pid, "VmRSS");
	sc->reload_hwm_kb = status_kb(pid, "VmHWM");
	if (reload_gap(b, sc) || canary_escaped())
		goto out;
	printf("bench:   start to enforcing %.0f ms (compile+maps %.0f ms), "
	       "RSS %ld kB (HWM %ld kB), maps %llu kB, programs %llu kB; "
	       "reload %.0f ms with the files unchanged, %.0f ms rewritten "
	       "(compile+maps %.0f ms), RSS %ld kB (HWM %ld "
	       "kB); %ld canary opens during a reload, %ld let through\n",
	       sc->start_ms, sc->load_ms, sc->rss_kb, sc->hwm_kb, sc->map_kb,
	       sc->prog_kb, sc->reload_same_ms, sc->reload_ms,
	       sc->reload_load_ms,
	       sc->reload_rss_kb, sc->reload_hwm_kb, sc->probes, sc->escaped);
	err = 0;
out:
	if (daemon_stop(b, pid))
		err = -1;
	return err;
}

static int run_scale(const struct bench *b, struct scale *sc, unsigned n)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "we");
	unsigned i;

	if (!f || fputs("1\n", f) < 0 || fclose(f))
		return fail("cannot enable kernel.bpf_stats_enabled: %s",
			    strerror(errno));
	for (i = 0; i < n; i++)
		if (scale_one(b, &sc[i], i))
			return -1;
	f = fopen("/proc/sys/kernel/bpf_stats_enabled", "we");
	if (f) {
		fputs("0\n", f);
		fclose(f);
	}
	return 0;
}

static void report_scale(const struct scale *sc, unsigned n)
{
	const struct scale *big = n ? &sc[n - 1] : NULL;
	unsigned i;

	printf("bench: scale: rules (sha256+path), start to enforcing, "
	       "reload (files rewritten; unchanged), RSS/HWM after start, "
	       "after reload; maps memlock; BPF ns per open/exec/mmap\n");
	for (i = 0; i < n; i++)
		printf("bench:   %7u+%-6u start %6.0f ms  reload %6.0f ms (%5.0f) "
		       " RSS %6ld/%6ld kB  %6ld/%6ld kB  maps %7llu kB  bpf %4.0f "
		       "%5.0f %4.0f ns  gap %ld/%ld\n", sc[i].sha_rules,
		       sc[i].path_rules, sc[i].start_ms, sc[i].reload_ms,
		       sc[i].reload_same_ms,
		       sc[i].rss_kb, sc[i].hwm_kb, sc[i].reload_rss_kb,
		       sc[i].reload_hwm_kb, sc[i].map_kb, sc[i].bpf_ns[0],
		       sc[i].bpf_ns[1], sc[i].bpf_ns[2], sc[i].escaped,
		       sc[i].probes);
	if (big)
		printf("bench:   at %u rules: start %s (<= %.0f ms), reload %s "
		       "(<= %.0f ms, %ld let through), RSS %s (<= %d kB)\n",
		       big->sha_rules + big->path_rules,
		       big->start_ms <= START_TARGET_MS ? "met" : "MISSED",
		       START_TARGET_MS, big->reload_ms <= RELOAD_TARGET_MS &&
		       !big->escaped ? "met" : "MISSED", RELOAD_TARGET_MS,
		       big->escaped, big->rss_kb <= RSS_TARGET_KB ? "met" :
		       "MISSED", RSS_TARGET_KB);
}

static void json_scale(const struct scale *sc, unsigned n)
{
	unsigned i, k;

	printf(", \"scale\": [");
	for (i = 0; i < n; i++) {
		printf("%s{\"sha256_rules\": %u, \"path_rules\": %u, "
		       "\"start_ms\": %.0f, \"start_load_ms\": %.0f, "
		       "\"reload_ms\": %.0f, \"reload_load_ms\": %.0f, "
		       "\"reload_unchanged_ms\": %.0f, "
		       "\"rss_kb\": %ld, \"hwm_kb\": %ld, \"reload_rss_kb\": %ld, "
		       "\"reload_hwm_kb\": %ld, \"map_memlock_kb\": %llu, "
		       "\"prog_memlock_kb\": %llu, \"reload_probes\": %ld, "
		       "\"reload_let_through\": %ld", i ? ", " : "",
		       sc[i].sha_rules, sc[i].path_rules, sc[i].start_ms,
		       sc[i].load_ms, sc[i].reload_ms, sc[i].reload_load_ms,
		       sc[i].reload_same_ms, sc[i].rss_kb, sc[i].hwm_kb,
		       sc[i].reload_rss_kb,
		       sc[i].reload_hwm_kb, sc[i].map_kb, sc[i].prog_kb,
		       sc[i].probes, sc[i].escaped);
		for (k = 0; k < 3; k++)
			printf(", \"bpf_ns_per_%s\": %.0f, \"ns_per_%s\": %.0f",
			       stat_loops[k], sc[i].bpf_ns[k], stat_loops[k],
			       sc[i].wall_ns[k]);
		printf("}");
	}
	printf("], \"scale_targets\": {\"start_ms\": %.0f, \"reload_ms\": %.0f, "
	       "\"rss_kb\": %d", START_TARGET_MS, RELOAD_TARGET_MS,
	       RSS_TARGET_KB);
	if (n)
		printf(", \"met\": %s", met(sc[n - 1].start_ms <= START_TARGET_MS &&
		       sc[n - 1].reload_ms <= RELOAD_TARGET_MS &&
		       !sc[n - 1].escaped && sc[n - 1].rss_kb <= RSS_TARGET_KB));
	printf("}");
}

/* ---- events: denials while no daemon reads them, and a sustained stream ---- */

#define BURST_N		20000	/* denials queued while the daemon is stopped */
#define STREAM_N	100000	/* denials as fast as one process makes them */
#define DRAIN_TIMEOUT_S	300

struct events {
	long burst, burst_written, burst_lost;
	long stream, stream_written, stream_lost;
	double burst_s, burst_rate;	/* the backlog written, once enforcing */
	double stream_s, stream_rate, attempt_rate;
	/* Where the sustained phase's time went, in guest ns per attempt (=
	 * guest instructions under -icount shift=0): the process making the
	 * denials (its syscalls, with the BPF programs they run), the daemon
	 * (user and kernel), the bench reading the file as it drains, and
	 * the rest (other tasks, interrupts, idle). */
	double gen_ns, gen_user_ns, daemon_ns, daemon_user_ns, drain_ns;
	double other_ns, burst_daemon_ns;	/* the latter per backlog line */
	double bpf_ns;		/* the programs' own, per denied open */
	double bpf_allowed_ns;	/* the same per open of a file no rule names */
};

/* CPU time of pid so far: total from /proc/PID/schedstat (ns, exact),
 * its user part as /proc/PID/stat's ticks split it; 0 if unreadable. */
static int task_cpu(pid_t pid, double *ns, double *user_ns)
{
	unsigned long long run = 0;
	unsigned long ut = 0, st = 0;
	char path[64], buf[1024], *p;
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "re");
	if (f && fscanf(f, "%llu", &run) != 1)
		run = 0;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		n = sscanf(p, ") %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			   "%lu %lu", &ut, &st);
	if (f)
		fclose(f);
	if (n != 2)
		return -1;
	if (!run)	/* no schedstat: the ticks alone */
		run = (ut + st) * 1000000000ULL / sysconf(_SC_CLK_TCK);
	*ns = run;
	*user_ns = ut + st ? (double)run * ut / (ut + st) : 0;
	return 0;
}

/* This process's CPU time (ns), the user part as getrusage() splits it. */
static void self_cpu(double *ns, double *user_ns)
{
	struct timespec t;
	struct rusage ru;
	double u, s;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	*ns = t.tv_sec * 1e9 + t.tv_nsec;
	getrusage(RUSAGE_SELF, &ru);
	u = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec;
	s = ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
	*user_ns = u + s ? *ns * u / (u + s) : 0;
}

/* Event lines of the open canary's rule in the events file, counted from
 * *off on (the file only grows while one daemon writes it) up to its last
 * complete line. The file is mapped, not read: this runs on the CPU the
 * daemon writes with, and copying every line out (with a seek per line, as
 * ftell() does) cost about 2,500 instructions a line. Only the rule's id
 * is quoted "bench-canary-open", once per line; its 'y' is rare in a line,
 * so memchr() finds where to compare (memmem() took twice as long). */
static long count_events(const struct bench *b, long *off)
{
	static const char id[] = "\"bench-canary-open\"";
	const size_t y = 12;		/* id[y] == 'y' */
	const char *p, *end, *hit, *last, *start;
	long n = 0, page = sysconf(_SC_PAGESIZE), base;
	struct stat st;
	char *map;
	int fd = open(b->events, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || st.st_size < *off)
		*off = 0;
	if (st.st_size <= *off) {
		close(fd);
		return 0;
	}
	base = *off - *off % page;
	map = mmap(NULL, st.st_size - base, PROT_READ, MAP_SHARED, fd, base);
	close(fd);
	if (map == MAP_FAILED)
		return 0;
	start = map + (*off - base);
	end = map + (st.st_size - base);
	last = memrchr(start, '\n', end - start);
	if (last) {
		end = last + 1;
		p = start + y;
		while (p < end && (hit = memchr(p, id[y], end - p))) {
			if (end - (hit - y) >= (long)sizeof(id) - 1 &&
			    !memcmp(hit - y, id, sizeof(id) - 1))
				n++;
			p = hit + 1;
		}
		*off = base + (end - map);
	}
	munmap(map, st.st_size - base);
	return n;
}

/* state.events_lost as `interdict -j status` reports it, or -1. */
static long events_lost(const struct bench *b)
{
	char out[16384], *p;
	int pipefd[2], status;
	ssize_t n, len = 0;
	pid_t cli;

	if (pipe(pipefd))
		return -1;
	cli = fork();
	if (!cli) {
		dup2(pipefd[1], 1);
		execl(b->cli, "interdict", "--control", b->control, "-j",
		      "status", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	while (cli > 0 && len < (ssize_t)sizeof(out) - 1 &&
	       (n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	close(pipefd[0]);
	out[len] = 0;
	if (cli < 0 || waitpid(cli, &status, 0) != cli || status)
		return fail("interdict -j status failed (status %#x)", status);
	p = strstr(out, "\"lost\":");
	return p ? strtol(p + 7, NULL, 10) : fail("no \"lost\" in status");
}

static long deny_opens(long n)
{
	long denied = 0;
	int fd;

	while (n--) {
		fd = open(CANARY_OPEN, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		else
			denied += errno == EPERM;
	}
	return denied;
}

/* Until every attempt is an event line or counted lost (or nothing moves
 * for 10 s): 0 once accounted for. The lost count (a run of the CLI, which
 * costs the one CPU more than many lines) is asked for only once the file
 * stops growing. */
static int drain(const struct bench *b, long *off, long lost0, long want,
		 long *written, long *lost)
{
	double t0 = now_s(), moved = t0;
	long n, l;

	for (;;) {
		n = count_events(b, off);
		*written += n;
		if (n) {
			moved = now_s();
		} else {
			l = events_lost(b);
			if (l < 0)
				return -1;
			*lost = l - lost0;
			if (*written + *lost >= want)
				return 0;
		}
		if (now_s() - moved > 10 || now_s() - t0 > DRAIN_TIMEOUT_S)
			return 0;
		usleep(10000);
	}
}

#define BPF_STATS_N	5000	/* denied opens timed by the BPF stats */

static int bpf_stats(bool on)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "we");

	if (!f || fputs(on ? "1\n" : "0\n", f) < 0 || fclose(f))
		return fail("cannot set kernel.bpf_stats_enabled: %s",
			    strerror(errno));
	return 0;
}

/* The BPF programs' own time per denied open (kernel.bpf_stats_enabled,
 * on for this pass only: it costs each program run two clock reads), from
 * the descriptors of a daemon that loaded them (one that adopted pinned
 * programs holds links only); the pass's events are drained before the
 * section goes on. */
static unsigned long long bpf_ns_between(const struct bpf_usage *u0,
					 const struct bpf_usage *u1)
{
	unsigned long long dn = 0;
	unsigned i, k;

	for (i = 0; i < u1->nprogs; i++)
		for (k = 0; k < u0->nprogs; k++)
			if (u0->progs[k].id == u1->progs[i].id)
				dn += u1->progs[i].ns - u0->progs[k].ns;
	return dn;
}

static int bpf_per_denial(const struct bench *b, pid_t pid, long *off,
			  struct events *ev)
{
	long written = 0, lost = 0, lost0 = events_lost(b);
	struct bpf_usage u0, u1, u2;
	double t0, t1, t2;

	if (lost0 < 0 || bpf_stats(true))
		return -1;
	t0 = now_s();
	if (bpf_usage(pid, &u0) || deny_opens(BPF_STATS_N) != BPF_STATS_N ||
	    (t1 = now_s(), bpf_usage(pid, &u1)) ||
	    loop_open(b, BPF_STATS_N) || (t2 = now_s(), bpf_usage(pid, &u2))) {
		bpf_stats(false);
		return fail("cannot time the programs per denied open");
	}
	bpf_stats(false);
	ev->bpf_ns = (double)bpf_ns_between(&u0, &u1) / BPF_STATS_N;
	ev->bpf_allowed_ns = (double)bpf_ns_between(&u1, &u2) / BPF_STATS_N;
	if (drain(b, off, lost0, BPF_STATS_N, &written, &lost))
		return -1;
	printf("bench:   the BPF programs: %.0f ns per denied open (%.0f ns "
	       "each, all told, the daemon writing meanwhile), %.0f per open "
	       "of %s, allowed (%.0f ns each with its close); %d of each "
	       "with kernel.bpf_stats_enabled; %ld written, %ld lost\n",
	       ev->bpf_ns, (t1 - t0) * 1e9 / BPF_STATS_N, ev->bpf_allowed_ns,
	       b->data, (t2 - t1) * 1e9 / BPF_STATS_N, BPF_STATS_N, written,
	       lost);
	return 0;
}

static int run_events(const struct bench *b, struct events *ev)
{
	char dir[PATH_MAX];
	double start_ms, t0, d0, du0, d1, du1, s0, su0, s1, su1, s2, su2;
	long off = 0, lost0;
	pid_t pid;
	int status, err = -1;

	snprintf(dir, sizeof(dir), "%s/events.d/", b->dir);
	if (write_policy(dir, 0, 0))
		return -1;
	printf("bench: events: %d denied opens while no daemon runs, then "
	       "%d as fast as one process makes them\n", BURST_N, STREAM_N);
	pid = daemon_start_on(b, dir, "0", 0, 2, &start_ms);
	if (pid < 0)
		return -1;
	if (bpf_per_denial(b, pid, &off, ev)) {
		daemon_stop(b, pid);
		return -1;
	}
	lost0 = events_lost(b);
	/* SIGTERM: the programs stay attached and enforce; records wait in
	 * the ring buffer for the next daemon. */
	kill(pid, SIGTERM);
	if (lost0 < 0 || waitpid(pid, &status, 0) != pid)
		return fail("cannot stop interdictd");
	ev->burst = deny_opens(BURST_N);
	if (ev->burst != BURST_N)
		return fail("%ld of %d canary opens denied with no daemon "
			    "running", ev->burst, BURST_N);
	pid = daemon_start_keep(b, dir, &start_ms);
	if (pid < 0)
		return -1;
	t0 = now_s();
	if (task_cpu(pid, &d0, &du0))
		d0 = du0 = -1;
	if (drain(b, &off, lost0, ev->burst, &ev->burst_written,
		  &ev->burst_lost))
		goto out;
	ev->burst_s = now_s() - t0;
	if (d0 >= 0 && !task_cpu(pid, &d1, &du1) && ev->burst_written)
		ev->burst_daemon_ns = (d1 - d0) / ev->burst_written;
	ev->burst_rate = ev->burst_written / ev->burst_s;
	printf("bench:   burst: %ld denials, %ld written, %ld counted lost; "
	       "written in %.2f s once enforcing: %.0f lines/s\n", ev->burst,
	       ev->burst_written, ev->burst_lost, ev->burst_s,
	       ev->burst_rate);

	lost0 = events_lost(b);
	if (task_cpu(pid, &d0, &du0))
		d0 = du0 = -1;
	self_cpu(&s0, &su0);
	t0 = now_s();
	ev->stream = deny_opens(STREAM_N);
	ev->attempt_rate = ev->stream / (now_s() - t0);
	self_cpu(&s1, &su1);
	if (lost0 < 0 || drain(b, &off, lost0, ev->stream,
			       &ev->stream_written, &ev->stream_lost))
		goto out;
	ev->stream_s = now_s() - t0;
	ev->stream_rate = ev->stream_written / ev->stream_s;
	self_cpu(&s2, &su2);
	printf("bench:   sustained: %ld denials at %.0f/s, %ld written, %ld "
	       "counted lost, in %.2f s: %.0f events/s to the JSON file; "
	       "written + lost %s attempts\n", ev->stream, ev->attempt_rate,
	       ev->stream_written, ev->stream_lost, ev->stream_s,
	       ev->stream_rate, ev->stream_written + ev->stream_lost ==
	       ev->stream ? "=" : "!=");
	if (d0 >= 0 && !task_cpu(pid, &d1, &du1) && ev->stream) {
		ev->gen_ns = (s1 - s0) / ev->stream;
		ev->gen_user_ns = (su1 - su0) / ev->stream;
		ev->daemon_ns = (d1 - d0) / ev->stream;
		ev->daemon_user_ns = (du1 - du0) / ev->stream;
		ev->drain_ns = (s2 - s1) / ev->stream;
		ev->other_ns = ev->stream_s * 1e9 / ev->stream - ev->gen_ns -
			       ev->daemon_ns - ev->drain_ns;
		printf("bench:   sustained, guest ns (= instructions) per "
		       "denial: %.0f all told = denying process %.0f (user "
		       "%.0f, kernel %.0f) + interdictd %.0f (user %.0f, "
		       "kernel %.0f) + the bench reading the file %.0f + "
		       "other %.0f (user and kernel as the tick sampled them); "
		       "the backlog took interdictd %.0f a line\n",
		       ev->stream_s * 1e9 / ev->stream, ev->gen_ns,
		       ev->gen_user_ns, ev->gen_ns - ev->gen_user_ns,
		       ev->daemon_ns, ev->daemon_user_ns,
		       ev->daemon_ns - ev->daemon_user_ns, ev->drain_ns,
		       ev->other_ns, ev->burst_daemon_ns);
	}
	err = 0;
out:
	if (daemon_stop(b, pid))
		err = -1;
	return err;
}

#define EVENTS_RATE_TARGET 100000.0

static void report_events(const struct events *ev)
{
	printf("bench: events: burst of %ld with the daemon stopped: %ld "
	       "written, %ld lost (target 0 lost %s); sustained: %.0f "
	       "events/s (target >= %.0f %s), %ld + %ld = %ld of %ld "
	       "attempts accounted for %s\n", ev->burst, ev->burst_written,
	       ev->burst_lost, ev->burst_lost ? "MISSED" : "met",
	       ev->stream_rate, EVENTS_RATE_TARGET,
	       ev->stream_rate >= EVENTS_RATE_TARGET ? "met" : "MISSED",
	       ev->stream_written, ev->stream_lost, ev->stream_written +
	       ev->stream_lost, ev->stream, ev->stream_written +
	       ev->stream_lost == ev->stream ? "(ok)" : "(MISMATCH)");
}

static void json_events(const struct events *ev)
{
	printf(", \"events\": {\"burst\": {\"denials\": %ld, \"written\": %ld, "
	       "\"lost\": %ld, \"seconds\": %.3f, \"lines_per_s\": %.0f, "
	       "\"met\": %s}, \"sustained\": {\"denials\": %ld, "
	       "\"written\": %ld, \"lost\": %ld, \"seconds\": %.3f, "
	       "\"events_per_s\": %.0f, \"denials_per_s\": %.0f, "
	       "\"accounted\": %s, \"target_per_s\": %.0f, \"met\": %s, "
	       "\"ns_per_denial\": {\"denier\": %.0f, \"denier_user\": %.0f, "
	       "\"bpf\": %.0f, \"bpf_allowed_open\": %.0f, \"daemon\": %.0f, "
	       "\"daemon_user\": %.0f, "
	       "\"bench_drain\": %.0f, \"other\": %.0f}}}",
	       ev->burst, ev->burst_written, ev->burst_lost, ev->burst_s,
	       ev->burst_rate,
	       met(!ev->burst_lost && ev->burst_written == ev->burst),
	       ev->stream, ev->stream_written, ev->stream_lost, ev->stream_s,
	       ev->stream_rate, ev->attempt_rate,
	       met(ev->stream_written + ev->stream_lost == ev->stream),
	       EVENTS_RATE_TARGET, met(ev->stream_rate >= EVENTS_RATE_TARGET),
	       ev->gen_ns, ev->gen_user_ns, ev->bpf_ns, ev->bpf_allowed_ns,
	       ev->daemon_ns,
	       ev->daemon_user_ns, ev->drain_ns, ev->other_ns);
}

/* "SHA:PATH,SHA:PATH,...": the policies of the scale section. */
static int parse_scale(const char *arg, struct scale *sc, unsigned *n)
{
	const char *s = arg;
	unsigned long a, p;
	char *end;

	*n = 0;
	if (!strcmp(arg, "none"))
		return 0;
	for (;;) {
		a = strtoul(s, &end, 10);
		if (end == s || *end != ':')
			break;
		s = end + 1;
		p = strtoul(s, &end, 10);
		if (end == s || a > 10000000 || p > 1000000 || *n == MAX_SCALE)
			break;
		sc[*n].sha_rules = a;
		sc[(*n)++].path_rules = p;
		if (!*end)
			return 0;
		if (*end != ',')
			break;
		s = end + 1;
	}
	return fail("%s: not a valid --scale list; expected SHA:PATH[,SHA:PATH"
		    "...] (at most %d, SHA <= 10000000, PATH <= 1000000) or "
		    "none", arg, MAX_SCALE);
}

static void report(const struct bench *b, struct workload *ws, size_t nw,
		   const struct daemon_cost *dc, const struct scale *sc,
		   unsigned nsc, const struct events *ev)
{
	unsigned r, n = b->rounds;
	double load = b->ratios ? median(dc->ms, n) : 0;
	double start = b->ratios ? median(dc->start_ms, n) : 0;
	struct utsname u;
	size_t i;

	if (b->ratios) {
		printf("bench: results: median over %u rounds of (time with "
		       "interdict / time without)\n", n);
		for (i = 0; i < nw; i++) {
			summarize(&ws[i], n);
			printf("bench:   %-11s %.3f  target <= %.3f %-6s  "
			       "%.2f -> %.2f us  rounds:", ws[i].name,
			       ws[i].ratio, ws[i].target, ws[i].ratio <=
			       ws[i].target ? "met" : "MISSED",
			       ws[i].us_off, ws[i].us_on);
			for (r = 0; r < n; r++)
				printf(" %.3f", ws[i].ratios[r]);
			printf("\n");
			printf("bench:   %-11s %.3f  target <= %.3f %-6s  "
			       "%.2f -> %.2f us  no on=open rule, rounds:", "",
			       ws[i].plain_ratio, ws[i].target_plain,
			       ws[i].plain_ratio <= ws[i].target_plain ? "met" :
			       "MISSED", ws[i].us_off, ws[i].us_plain);
			for (r = 0; r < n; r++)
				printf(" %.3f", ws[i].plain_ratios[r]);
			printf("\n");
			if (!b->fapolicyd)
				continue;
			printf("bench:   %-11s %.3f  fapolicyd, same loops        "
			       "%.2f -> %.2f us  rounds:", "", ws[i].fa_ratio,
			       ws[i].us_off, ws[i].us_fa);
			for (r = 0; r < n; r++)
				printf(" %.3f", ws[i].fa_ratios[r]);
			printf("\n");
		}
		printf("bench:   load  %.0f ms  target <= %.0f ms %-6s  (compile "
		       "and map writes; interdictd start to pid file %.0f ms)\n",
		       load, LOAD_TARGET_MS, load <= LOAD_TARGET_MS ? "met" :
		       "MISSED", start);
		printf("bench:   idle  interdictd used %.2f%% of the CPU over %d "
		       "s doing nothing (default options)\n", dc->idle_cpu,
		       IDLE_S);
	}
	if (nsc)
		report_scale(sc, nsc);
	if (b->do_events)
		report_events(ev);

	uname(&u);
	printf("{\"bench\": {\"kernel\": \"%s\", \"rounds\": %u, "
	       "\"sha256_rules\": %u, \"path_rules\": %u", u.release,
	       b->ratios ? n : 0, b->sha_rules, b->path_rules);
	for (i = 0; b->ratios && i < nw; i++) {
		printf(", \"%s\": {\"iterations\": %ld, \"ratio\": %.4f, ",
		       ws[i].name, ws[i].n, ws[i].ratio);
		json_list("ratios", ws[i].ratios, n, "%.4f");
		printf(", \"us_off\": %.2f, \"us_on\": %.2f, \"target\": %.3f, "
		       "\"met\": %s", ws[i].us_off, ws[i].us_on, ws[i].target,
		       met(ws[i].ratio <= ws[i].target));
		printf(", \"no_open_rules\": {\"ratio\": %.4f, ",
		       ws[i].plain_ratio);
		json_list("ratios", ws[i].plain_ratios, n, "%.4f");
		printf(", \"us_on\": %.2f, \"target\": %.3f, \"met\": %s}",
		       ws[i].us_plain, ws[i].target_plain,
		       met(ws[i].plain_ratio <= ws[i].target_plain));
		if (b->fapolicyd) {
			printf(", \"fapolicyd\": %.4f, ", ws[i].fa_ratio);
			json_list("fapolicyd_ratios", ws[i].fa_ratios, n, "%.4f");
			printf(", \"us_fapolicyd\": %.2f}", ws[i].us_fa);
		} else {
			printf(", \"fapolicyd\": null}");
		}
	}
	if (b->ratios) {
		printf(", \"load\": {\"ms\": %.0f, ", load);
		json_list("ms_rounds", dc->ms, n, "%.0f");
		printf(", \"start_ms\": %.0f, ", start);
		json_list("start_ms_rounds", dc->start_ms, n, "%.0f");
		printf(", \"target_ms\": %.0f, \"met\": %s}, "
		       "\"idle_cpu_percent\": %.2f", LOAD_TARGET_MS,
		       met(load <= LOAD_TARGET_MS), dc->idle_cpu);
	}
	json_scale(sc, nsc);
	if (b->do_events)
		json_events(ev);
	printf("}}\n");
}

#define SCALE_DEFAULT	"0:0,0:10000,100000:10000,1000000:10000"

static void usage(FILE *f)
{
	fprintf(f,
"usage: bench [--rounds N] [--exec N] [--exec-static N] [--open N]\n"
"             [--mmap N] [--open-mmap N] [--sha256-rules N] [--path-rules N]\n"
"             [--fapolicyd PATH] [--no-ratios] [--no-events]\n"
"             [--scale SHA:PATH[,SHA:PATH...]|none] [--dir DIR]\n"
"Three sections, then one JSON line with every figure.\n"
"Ratios: times exec, open() and mmap(PROT_EXEC) loops with and without\n"
"interdictd (build/interdictd next to this program's directory) enforcing a\n"
"policy of random SHA-256 rules and path rules that match none of the files\n"
"used, some of them on=open, and again enforcing the same policy without\n"
"on=open rules (\"plain\": no file_open program attached), in ABCCBA rounds,\n"
"then measures interdictd's own CPU use while idle.\n"
"With --fapolicyd, each round also times the same loops under fapolicyd\n"
"(started from PATH with its configuration in /etc/fapolicyd, which must\n"
"deny the canary tree " CANARY_DIR "; checked each round).\n"
"Scale: for each policy size, interdictd's start to enforcing (fork to pid\n"
"file), reload time (`interdict reload`: with the rule file rewritten,\n"
"which interdictd reads again, the time the target is for; then with the\n"
"files unchanged, which it takes from the policy in force), RSS and HWM\n"
"(/proc/PID/status) after the start and 6 s after the reload, the memlock\n"
"of its maps and programs (/proc/PID/fdinfo), the ns its programs run\n"
"per open, exec and mmap (kernel.bpf_stats_enabled; the loops are timed\n"
"too), and a reload while a child opens a denied canary (none may get\n"
"through).\n"
"Events: %d denied opens while interdictd is stopped (SIGTERM: the programs\n"
"stay), then started again: written and counted lost, and how fast the\n"
"daemon writes that backlog once enforcing (lines/s: the writer's own rate);\n"
"then %d denied opens as fast as one process makes them: events/s written\n"
"to the JSON file over the attempts and the drain (bounded by the denials/s\n"
"one process makes on the one CPU), and written + lost checked against the\n"
"attempts; where that phase's time went per denial (the denying process,\n"
"interdictd, the bench reading the file, the rest: /proc/PID/schedstat),\n"
"and the BPF programs' own time per denied open (kernel.bpf_stats_enabled).\n"
"  --rounds N        ratio rounds (default 5, at most %d)\n"
"  --exec N          fork+exec+wait of a dynamic payload (default 300)\n"
"  --exec-static N   the same of a static payload (default 300)\n"
"  --open N          open()+close() of a data file (default 20000)\n"
"  --mmap N          mmap(PROT_EXEC)+munmap of an open library (default 20000)\n"
"  --open-mmap N     open+mmap(PROT_EXEC)+close+munmap (default 10000)\n"
"  --fapolicyd PATH  also measure fapolicyd, as above\n"
"  --sha256-rules N  SHA-256 rules of the ratio policy (default 100000)\n"
"  --path-rules N    path rules of the ratio policy (default 10000)\n"
"  --no-ratios       skip the ratio section\n"
"  --no-events       skip the events section\n"
"  --scale LIST      policies of the scale section, as SHA:PATH rule counts\n"
"                    (default " SCALE_DEFAULT "),\n"
"                    or none; targets apply to the last\n"
"  --dir DIR         scratch directory (default /tmp/interdict-bench)\n"
"Needs root and a kernel that lets interdictd attach: run it in a VM\n"
"through `make bench`.\n", BURST_N, STREAM_N, MAX_ROUNDS);
}

static int parse_args(int argc, char **argv, struct bench *b,
		      struct workload *ws, struct scale *sc, unsigned *nsc)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "exec", required_argument, NULL, 'x' },
		{ "exec-static", required_argument, NULL, 'X' },
		{ "open-mmap", required_argument, NULL, 'M' },
		{ "fapolicyd", required_argument, NULL, 'F' },
		{ "open", required_argument, NULL, 'o' },
		{ "mmap", required_argument, NULL, 'm' },
		{ "sha256-rules", required_argument, NULL, 's' },
		{ "path-rules", required_argument, NULL, 'p' },
		{ "dir", required_argument, NULL, 'd' },
		{ "no-ratios", no_argument, NULL, 'n' },
		{ "no-events", no_argument, NULL, 'E' },
		{ "scale", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long v;
	char *end;
	int c, k;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == 'd') {
			b->dir = optarg;
			continue;
		}
		if (c == 'F') {
			b->fapolicyd = optarg;
			continue;
		}
		if (c == 'n') {
			b->ratios = false;
			continue;
		}
		if (c == 'E') {
			b->do_events = false;
			continue;
		}
		if (c == 'S') {
			if (parse_scale(optarg, sc, nsc))
				return -1;
			continue;
		}
		if (c == '?')
			return -1;
		v = strtol(optarg, &end, 10);
		for (k = 0; opts[k].val != c; k++)
			;
		if (*end || v < (c == 's' || c == 'p' ? 0 : 1) || v > 10000000 ||
		    (c == 'r' && v > MAX_ROUNDS))
			return fail("%s: not a valid count for --%s", optarg,
				    opts[k].name);
		switch (c) {
		case 'r': b->rounds = v; break;
		case 'x': ws[0].n = v; break;
		case 'X': ws[1].n = v; break;
		case 'o': ws[2].n = v; break;
		case 'm': ws[3].n = v; break;
		case 'M': ws[4].n = v; break;
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
		  .target = 1.01, .target_plain = 1.01 },
		{ .name = "exec_static", .loop = loop_exec_static, .n = 300,
		  .target = 1.01, .target_plain = 1.01 },
		{ .name = "open", .loop = loop_open, .n = 20000,
		  .target = 1.04, .target_plain = 1.01 },
		{ .name = "mmap", .loop = loop_mmap, .n = 20000,
		  .target = 1.015, .target_plain = 1.015 },
		{ .name = "open_mmap", .loop = loop_open_mmap, .n = 10000,
		  .target = 1.04, .target_plain = 1.04 },
	};
	struct bench b = {
		.dir = "/tmp/interdict-bench", .rounds = 5,
		.sha_rules = 100000, .path_rules = 10000, .library_fd = -1,
		.ratios = true, .do_events = true,
	};
	struct events ev = { 0 };
	struct daemon_cost dc = { 0 };
	struct scale sc[MAX_SCALE] = { 0 };
	unsigned nsc = 0;
	size_t nw = sizeof(ws) / sizeof(ws[0]);
	unsigned r;

	if (parse_scale(SCALE_DEFAULT, sc, &nsc) ||
	    parse_args(argc, argv, &b, ws, sc, &nsc)) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (setup(&b))
		return 1;
	printf("bench: %u rounds; policy: %u SHA-256 rules, %u path rules "
	       "and canaries under %s; workloads: exec of %s (dynamic) and %s "
	       "(static), open() of %s, mmap(PROT_READ|PROT_EXEC) of %s, "
	       "open+mmap of it; fapolicyd: %s\n", b.rounds, b.sha_rules,
	       b.path_rules, CANARY_DIR, b.payload, b.payload_static, b.data,
	       b.library, b.fapolicyd ? b.fapolicyd : "not measured");
	for (r = 0; b.ratios && r < b.rounds; r++) {
		/* ABCCBA (ABCDDCBA with fapolicyd): the order reverses each
		 * round. */
		static const enum side sides[] = { SIDE_OFF, SIDE_ON,
						   SIDE_PLAIN, SIDE_FA };
		unsigned k, nsides = b.fapolicyd ? 4 : 3;

		printf("bench: round %u/%u\n", r + 1, b.rounds);
		for (k = 0; k < nsides; k++)
			if (run_side(&b, ws, nw, r, sides[r % 2 ? nsides - 1 - k :
							 k], &dc))
				return 1;
	}
	if (b.ratios) {
		printf("bench: interdictd idle for %d s\n", IDLE_S);
		dc.idle_cpu = idle_cpu(&b);
		if (dc.idle_cpu < 0)
			return 1;
	}
	if (nsc && run_scale(&b, sc, nsc))
		return 1;
	if (b.do_events && run_events(&b, &ev))
		return 1;
	report(&b, ws, nw, &dc, sc, nsc, &ev);
	return 0;
}
