/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the VM test suites share: a scratch tree with runnable payloads,
 * interdictd started on a policy written there, and readers for its events
 * and log. Included once by each suite.
 */
#ifndef INTERDICT_TESTS_VM_COMMON_H
#define INTERDICT_TESTS_VM_COMMON_H

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "interdict.h"


#define PAYLOAD_ENV	"INTERDICT_TEST_PAYLOAD"
#define PAYLOAD_EXIT	42	/* what a payload that ran exits with */
#define START_TIMEOUT	90	/* seconds for interdictd to enforce (TCG) */
#define EVENT_TIMEOUT	10

/* Copies of this binary are the files the tests try to run: started with
 * PAYLOAD_ENV set, they exit PAYLOAD_EXIT before the harness starts. */
__attribute__((constructor)) static void payload(void)
{
	if (getenv(PAYLOAD_ENV))
		_exit(PAYLOAD_EXIT);
}

FIXTURE(enforce) {
	char dir[64];
	char paths[4][PATH_MAX];	/* at() results, used in turn */
	int next;
	char *path;		/* the last at() result */
	pid_t daemon;
	const char *extra[5];	/* more interdictd options, NULL-ended */
};

static inline const char *at(struct _test_data_enforce *self, const char *fmt, ...)
{
	char *out = self->paths[self->next++ % 4];
	size_t n = strlen(self->dir);
	va_list ap;

	memcpy(out, self->dir, n);
	out[n++] = '/';
	va_start(ap, fmt);
	vsnprintf(out + n, PATH_MAX - n, fmt, ap);
	va_end(ap);
	self->path = out;
	return out;
}

static inline int write_file(const char *path, const void *data, size_t len,
		      mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static inline int mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

/* A runnable copy of this binary at path, with `tag` appended so that
 * copies with different tags have different SHA-256s. */
static inline int make_payload(const char *path, const char *tag)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int in, err;
	char chunk[65536];
	ssize_t n;

	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	mem = open_memstream(&buf, &len);
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		fwrite(chunk, 1, n, mem);
	close(in);
	fputs(tag, mem);
	fclose(mem);
	err = write_file(path, buf, len, 0755);
	free(buf);
	return err;
}

static inline int rm_one(const char *path, const struct stat *sb, int type,
		  struct FTW *ftw)
{
	(void)sb; (void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

/* This test program's executable, as events name it ("" if unknown). */
static inline const char *self_exe(void)
{
	static char exe[PATH_MAX];
	ssize_t n;

	if (!exe[0] && (n = readlink("/proc/self/exe", exe,
				     sizeof(exe) - 1)) > 0)
		exe[n] = 0;
	return exe;
}

/* What an event says of a parent that is this test program, with its
 * executable as the kernel names it. */
static inline const char *parent_is_self(void)
{
	static char want[PATH_MAX + 64];

	snprintf(want, sizeof(want), "\"parent\":{\"pid\":%d,"
		 "\"executable\":\"%s\"}", getpid(), self_exe());
	return want;
}

/* mmap(PROT_EXEC) of the file fd: 0, or -errno. */
static inline int map_exec(int fd)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, 4096);
	return 0;
}

/* build/tests/vm/enforce -> build/NAME */
static inline const char *build_path(const char *name)
{
	static char paths[2][PATH_MAX];
	static int next;
	char self[PATH_MAX], *path = paths[next++ % 2];

	if (!self_exe()[0])
		return name;
	snprintf(self, sizeof(self), "%s", self_exe());
	*strrchr(self, '/') = 0;
	*strrchr(self, '/') = 0;
	*strrchr(self, '/') = 0;
	snprintf(path, PATH_MAX, "%s/%s", self, name);
	return path;
}

static inline const char *daemon_path(void)
{
	return build_path("interdictd");
}

/* Where a test's daemon pins its programs and listens. */
static inline void test_paths(struct _test_data_enforce *self, char *pins,
			      char *sock)
{
	char *p;

	if (pins) {	/* bpffs names have no dots */
		snprintf(pins, PATH_MAX, "/sys/fs/bpf/%s",
			 strrchr(self->dir, '/') + 1);
		for (p = pins; *p; p++)
			if (*p == '.')
				*p = '-';
	}
	if (sock)
		snprintf(sock, PATH_MAX, "%s/control", self->dir);
}

/* Run `interdict [-j] --control SOCK ARGS...`; its stdout (and stderr) in
 * out, its exit status returned. */
static inline int ctl(struct _test_data_enforce *self, char *out, size_t len,
		      const char *const *args)
{
	char sock[PATH_MAX], file[PATH_MAX];
	const char *argv[16];
	int n = 0, status, fd;
	pid_t pid;
	FILE *f;

	test_paths(self, NULL, sock);
	snprintf(file, sizeof(file), "%s/ctl.out", self->dir);
	argv[n++] = "interdict";
	argv[n++] = "--control";
	argv[n++] = sock;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(build_path("interdict"), (char *const *)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (out && (f = fopen(file, "re"))) {
		size_t got = fread(out, 1, len - 1, f);

		out[got] = 0;
		fclose(f);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

#define CTL(out, ...) ctl(self, out, sizeof(out), \
			  (const char *const []){ __VA_ARGS__, NULL })

FIXTURE_SETUP(enforce)
{
	snprintf(self->dir, sizeof(self->dir), "/tmp/interdict-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	ASSERT_EQ(0, mkdirs(at(self, "policy.d")));
	ASSERT_EQ(0, mkdirs(at(self, "bin")));
	ASSERT_EQ(0, mkdirs(at(self, "opt/vendor/bin")));
	ASSERT_EQ(0, mkdirs(at(self, "other")));
	ASSERT_EQ(0, mkdirs(at(self, "mnt")));
	ASSERT_EQ(0, make_payload(at(self, "bin/tool"), "tool"));
	ASSERT_EQ(0, make_payload(at(self, "bin/fine"), "fine"));
	ASSERT_EQ(0, make_payload(at(self, "opt/vendor/bin/agent"), "agent"));
	self->daemon = -1;
}

FIXTURE_TEARDOWN(enforce)
{
	char pins[PATH_MAX], out[4096];
	bool disabled = false;
	int status;

	/* Enforcement outlives the daemon: end it explicitly. */
	if (self->daemon > 0) {
		disabled = !ctl(self, out, sizeof(out),
				(const char *const []){ "disable", NULL });
		if (!disabled)
			kill(self->daemon, SIGTERM);
		waitpid(self->daemon, &status, 0);
	}
	/* disable leaves nothing pinned; what a test left is taken out so
	 * that no later test runs under its programs */
	test_paths(self, pins, NULL);
	if (disabled)
		EXPECT_NE(0, access(pins, F_OK))
			TH_LOG("%s left behind by interdict disable", pins);
	nftw(pins, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	umount2(at(self, "mnt"), MNT_DETACH);
	nftw(self->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Rules are written with "@" standing for the scratch directory. */
static inline int write_policy(struct _test_data_enforce *self, const char *name,
			const char *rules)
{
	char text[8192], file[PATH_MAX];
	const char *r;
	size_t n = 0;

	for (r = rules; *r && n < sizeof(text) - PATH_MAX; r++) {
		if (*r == '@')
			n += snprintf(text + n, sizeof(text) - n, "%s",
				      self->dir);
		else
			text[n++] = *r;
	}
	text[n] = 0;
	snprintf(file, sizeof(file), "%s/policy.d/%s", self->dir, name);
	return write_file(file, text, n, 0644);
}

/* Start interdictd and wait for its pid file. Returns 0 when it enforces,
 * else its exit status (3: this kernel cannot enforce). */
static inline int start_daemon(struct _test_data_enforce *self, const char *mode)
{
	char policy[PATH_MAX], events[PATH_MAX], pidf[PATH_MAX], log[PATH_MAX];
	char pins[PATH_MAX], sock[PATH_MAX];
	int status, i, fd;

	snprintf(policy, sizeof(policy), "%s/policy.d", self->dir);
	snprintf(events, sizeof(events), "%s/events.json", self->dir);
	snprintf(pidf, sizeof(pidf), "%s/interdictd.pid", self->dir);
	snprintf(log, sizeof(log), "%s/interdictd.log", self->dir);
	test_paths(self, pins, sock);
	unlink(pidf);
	self->daemon = fork();
	if (self->daemon < 0)
		return -errno;
	if (!self->daemon) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 2);
		dup2(fd, 1);
		const char *argv[24] = { "interdictd", "--policy-dir", policy,
			"--events", events, "--pid-file", pidf, "--pin-dir",
			pins, "--control", sock };
		int n = 11, k;

		if (mode) {	/* else the mode that is pinned */
			argv[n++] = "--mode";
			argv[n++] = mode;
		}
		for (k = 0; k < 4 && self->extra[k]; k++)
			argv[n++] = self->extra[k];
		argv[n] = NULL;
		execv(daemon_path(), (char *const *)argv);
		_exit(127);
	}
	for (i = 0; i < START_TIMEOUT * 10; i++) {
		if (access(pidf, F_OK) == 0)
			return 0;
		if (waitpid(self->daemon, &status, WNOHANG) == self->daemon) {
			self->daemon = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		}
		usleep(100000);
	}
	return -ETIMEDOUT;
}

/* Kernel lockdown in confidentiality mode. */
static inline bool confidentiality(void)
{
	char text[256] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");

	if (f) {
		if (!fgets(text, sizeof(text), f))
			text[0] = 0;
		fclose(f);
	}
	return strstr(text, "[confidentiality]") != NULL;
}

/* Whether the kernel has BTF named `name` (a kfunc, a hook). */
static inline bool kernel_has(const char *name)
{
	char *buf = malloc(64 << 20);
	ssize_t n, have = 0;
	bool found;
	int fd;

	fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return false;
	}
	while (have < (64 << 20) &&
	       (n = read(fd, buf + have, (64 << 20) - have)) > 0)
		have += n;
	close(fd);
	found = memmem(buf, have, name, strlen(name) + 1) != NULL;
	free(buf);
	return found;
}

/* Whether the running kernel has the BPF LSM active (lsm= lists it): there
 * "cannot enforce" is a failure of this build, not a reason to skip. */
static inline bool bpf_lsm_active(void)
{
	char lsm[512] = ",";
	FILE *f = fopen("/sys/kernel/security/lsm", "re");

	if (!f)
		return false;
	if (!fgets(lsm + 1, sizeof(lsm) - 2, f))
		lsm[1] = 0;
	fclose(f);
	lsm[strcspn(lsm, "\n")] = 0;
	strcat(lsm, ",");
	return strstr(lsm, ",bpf,") != NULL;
}

#define START(mode) do {						\
	int _rc = start_daemon(self, mode);				\
	if (_rc == EXIT_KERNEL && !bpf_lsm_active())			\
		SKIP(return, "this kernel cannot enforce (interdictd exit 3)"); \
	ASSERT_EQ(0, _rc) {						\
		TH_LOG("interdictd did not start: %d; log %s/interdictd.log", \
		       _rc, self->dir);					\
	}								\
} while (0)

/* Run path in a child; PAYLOAD_EXIT if it ran, -errno if execve failed,
 * else its exit status. */
static inline int run(const char *path, char *const argv[])
{
	int pipefd[2], err = 0, status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		char *const def[] = { (char *)path, NULL };

		setenv(PAYLOAD_ENV, "1", 1);
		execvp(path, argv ? argv : def);
		err = errno;
		write(pipefd[1], &err, sizeof(err));
		_exit(126);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (err)
		return -err;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Wait for an event line containing every needle (NULL-terminated list);
 * copies it to line. */
static inline bool wait_event(struct _test_data_enforce *self, char *line,
		       size_t len, ...)
{
	char events[PATH_MAX], buf[16384];
	const char *needles[16];
	int i, n = 0;
	va_list ap;

	va_start(ap, len);
	while (n < 15 && (needles[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	snprintf(events, sizeof(events), "%s/events.json", self->dir);
	for (i = 0; i < EVENT_TIMEOUT * 10; i++) {
		FILE *f = fopen(events, "re");

		while (f && fgets(buf, sizeof(buf), f)) {
			int k;

			for (k = 0; k < n && strstr(buf, needles[k]); k++)
				;
			if (k == n) {
				snprintf(line, len, "%s", buf);
				fclose(f);
				return true;
			}
		}
		if (f)
			fclose(f);
		usleep(100000);
	}
	return false;
}

/* Event lines that contain a (and b, if given). */
static inline int count_lines(struct _test_data_enforce *self, const char *a,
			      const char *b)
{
	char events[PATH_MAX], buf[16384];
	FILE *f;
	int n = 0;

	snprintf(events, sizeof(events), "%s/events.json", self->dir);
	f = fopen(events, "re");
	while (f && fgets(buf, sizeof(buf), f))
		n += strstr(buf, a) && (!b || strstr(buf, b));
	if (f)
		fclose(f);
	return n;
}

/* Decisions on files (not the daemon's own life-cycle lines). */
static inline int count_events(struct _test_data_enforce *self)
{
	return count_lines(self, "\"kind\":\"event\"", NULL);
}

static inline char *q(const char *key, const char *val)
{
	static char bufs[8][PATH_MAX + 64];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "\"%s\":\"%s\"", key, val);
	return b;
}

/* How many times text appears in interdictd's log. */
static inline int log_count(struct _test_data_enforce *self, const char *text)
{
	char log[PATH_MAX], buf[1 << 16];
	const char *p;
	size_t n = 0;
	int count = 0;
	FILE *f;

	snprintf(log, sizeof(log), "%s/interdictd.log", self->dir);
	f = fopen(log, "re");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	for (p = buf; (p = strstr(p, text)); p++)
		count++;
	return count;
}

#define EXIT_DISABLED_STATUS 4	/* interdictd after `interdict disable` */

/* Signal interdictd and wait until its log says text once more. */
static inline int signal_and_wait(struct _test_data_enforce *self, int sig,
				  const char *text)
{
	int before = log_count(self, text), i;

	kill(self->daemon, sig);
	for (i = 0; i < EVENT_TIMEOUT * 10; i++) {
		if (log_count(self, text) > before)
			return 0;
		usleep(100000);
	}
	return -ETIMEDOUT;
}

static inline int sighup_and_wait(struct _test_data_enforce *self,
				  const char *text)
{
	return signal_and_wait(self, SIGHUP, text);
}

#endif /* INTERDICT_TESTS_VM_COMMON_H */
