// SPDX-License-Identifier: GPL-2.0-only
/*
 * Enforcement tests: each case starts interdictd on a real kernel with a
 * policy over a scratch tree and asserts what the syscalls return and what
 * the events say. Where the kernel cannot enforce, they report skipped.
 */
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
};

static const char *at(struct _test_data_enforce *self, const char *fmt, ...)
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

static int write_file(const char *path, const void *data, size_t len,
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

static int mkdirs(const char *path)
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
static int make_payload(const char *path, const char *tag)
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

static int rm_one(const char *path, const struct stat *sb, int type,
		  struct FTW *ftw)
{
	(void)sb; (void)ftw;
	if (type == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static const char *daemon_path(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return "interdictd";
	self[n] = 0;
	/* build/tests/vm/enforce -> build/interdictd */
	*strrchr(self, '/') = 0;
	*strrchr(self, '/') = 0;
	*strrchr(self, '/') = 0;
	snprintf(path, sizeof(path), "%s/interdictd", self);
	return path;
}

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
	int status;

	if (self->daemon > 0) {
		kill(self->daemon, SIGTERM);
		waitpid(self->daemon, &status, 0);
	}
	umount2(at(self, "mnt"), MNT_DETACH);
	nftw(self->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Rules are written with "@" standing for the scratch directory. */
static int write_policy(struct _test_data_enforce *self, const char *name,
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
static int start_daemon(struct _test_data_enforce *self, const char *mode)
{
	char policy[PATH_MAX], events[PATH_MAX], pidf[PATH_MAX], log[PATH_MAX];
	int status, i, fd;

	snprintf(policy, sizeof(policy), "%s/policy.d", self->dir);
	snprintf(events, sizeof(events), "%s/events.json", self->dir);
	snprintf(pidf, sizeof(pidf), "%s/interdictd.pid", self->dir);
	snprintf(log, sizeof(log), "%s/interdictd.log", self->dir);
	self->daemon = fork();
	if (self->daemon < 0)
		return -errno;
	if (!self->daemon) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		dup2(fd, 1);
		execl(daemon_path(), "interdictd", "--policy-dir", policy,
		      "--mode", mode, "--events", events, "--pid-file", pidf,
		      (char *)NULL);
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

#define START(mode) do {						\
	int _rc = start_daemon(self, mode);				\
	if (_rc == EXIT_KERNEL)						\
		SKIP(return, "this kernel cannot enforce (interdictd exit 3)"); \
	ASSERT_EQ(0, _rc) {						\
		TH_LOG("interdictd did not start: %d; log %s/interdictd.log", \
		       _rc, self->dir);					\
	}								\
} while (0)

/* Run path in a child; PAYLOAD_EXIT if it ran, -errno if execve failed,
 * else its exit status. */
static int run(const char *path, char *const argv[])
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
static bool wait_event(struct _test_data_enforce *self, char *line,
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

static int count_events(struct _test_data_enforce *self)
{
	char events[PATH_MAX], buf[16384];
	FILE *f;
	int n = 0;

	snprintf(events, sizeof(events), "%s/events.json", self->dir);
	f = fopen(events, "re");
	while (f && fgets(buf, sizeof(buf), f))
		n += strstr(buf, "\"kind\":\"event\"") != NULL;
	if (f)
		fclose(f);
	return n;
}

static char *q(const char *key, const char *val)
{
	static char bufs[8][PATH_MAX + 64];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "\"%s\":\"%s\"", key, val);
	return b;
}

TEST_F_TIMEOUT(enforce, exec_denied_with_event, 180)
{
	char line[16384], self_exe[PATH_MAX], num[64];
	char *const argv[] = { "tool", NULL };
	char *const envp[] = { PAYLOAD_ENV "=1", NULL };
	ssize_t n;

	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/bin/tool id=t-exact msg=\"banned tool\"\n"));
	START("enforce");
	ASSERT_EQ(-1, execve(at(self, "bin/tool"), argv, envp));
	ASSERT_EQ(EPERM, errno);
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("id", "t-exact"), NULL));
	EXPECT_NE(NULL, strstr(line, q("action", "exec-denied")));
	EXPECT_NE(NULL, strstr(line, q("outcome", "failure")));
	EXPECT_NE(NULL, strstr(line, q("decision", "deny")));
	EXPECT_NE(NULL, strstr(line, q("mode", "enforce")));
	EXPECT_NE(NULL, strstr(line, q("hook", "exec")));
	EXPECT_NE(NULL, strstr(line, q("description", "banned tool")));
	EXPECT_NE(NULL, strstr(line, q("path", at(self, "bin/tool"))));
	EXPECT_NE(NULL, strstr(line, q("name", "tool")));
	EXPECT_NE(NULL, strstr(line, q("id", "0")));	/* user.id */
	snprintf(num, sizeof(num), "\"process\":{\"pid\":%d,", getpid());
	EXPECT_NE(NULL, strstr(line, num));
	snprintf(num, sizeof(num), "\"parent\":{\"pid\":%d}", getppid());
	EXPECT_NE(NULL, strstr(line, num));
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	ASSERT_LT(0, n);
	self_exe[n] = 0;
	EXPECT_NE(NULL, strstr(line, q("executable", self_exe)));
	EXPECT_NE(NULL, strstr(line, "\"@timestamp\":\"20"));
	EXPECT_NE(NULL, strstr(line, "\"host\":{\"hostname\":\""));
	/* exact-path rules name no hash, but one is reported when known */
	EXPECT_EQ(NULL, strstr(line, "\"sha256\""));
	/* another file runs */
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
}

TEST_F_TIMEOUT(enforce, exec_paths_that_reach_a_denied_file, 180)
{
	char cwd[PATH_MAX], other[PATH_MAX];
	char *const argv[] = { "tool", NULL };

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	START("enforce");
	/* $PATH lookup */
	setenv("PATH", at(self, "bin"), 1);
	EXPECT_EQ(-EPERM, run("tool", argv));
	/* symlink */
	snprintf(other, sizeof(other), "%s/other/alias", self->dir);
	ASSERT_EQ(0, symlink(at(self, "bin/tool"), other));
	EXPECT_EQ(-EPERM, run(other, NULL));
	/* .. */
	EXPECT_EQ(-EPERM, run(at(self, "other/../bin/./tool"), NULL));
	/* relative */
	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	ASSERT_EQ(0, chdir(at(self, "bin")));
	EXPECT_EQ(-EPERM, run("./tool", NULL));
	ASSERT_EQ(0, chdir(cwd));
	/* hard link: same inode, any name */
	snprintf(other, sizeof(other), "%s/other/hardlink", self->dir);
	ASSERT_EQ(0, link(at(self, "bin/tool"), other));
	EXPECT_EQ(-EPERM, run(other, NULL));
	/* bind mount of the file itself */
	ASSERT_EQ(0, write_file(at(self, "mnt/f"), "", 0, 0755));
	ASSERT_EQ(0, mount(at(self, "bin/tool"), at(self, "mnt/f"), NULL,
			   MS_BIND, NULL));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
	umount2(at(self, "mnt/f"), MNT_DETACH);
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
}

TEST_F_TIMEOUT(enforce, subtree_rules, 180)
{
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/opt/vendor/ id=vendor-tree\n"
		  "deny path=@/later/ id=later-tree\n"));
	START("enforce");
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/bin/agent"), NULL));
	/* a file added after the policy loaded */
	ASSERT_EQ(0, make_payload(at(self, "opt/vendor/new"), "new"));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/new"), NULL));
	/* a tree that did not exist when the policy loaded */
	ASSERT_EQ(0, mkdirs(at(self, "later/sub")));
	ASSERT_EQ(0, make_payload(at(self, "later/sub/x"), "x"));
	EXPECT_EQ(-EPERM, run(at(self, "later/sub/x"), NULL));
	/* a bind mount of a directory above the file */
	ASSERT_EQ(0, mount(at(self, "opt"), at(self, "mnt"), NULL, MS_BIND,
			   NULL));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/vendor/bin/agent"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
}

TEST_F_TIMEOUT(enforce, copy_denied_by_sha256, 180)
{
	char rules[256], hex[2 * ID_SHA256_LEN + 1], cp[PATH_MAX];
	__u8 sha[ID_SHA256_LEN];
	char line[16384];

	ASSERT_EQ(0, sha256_file(at(self, "bin/tool"), sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules), "deny sha256=%s id=t-hash\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	START("enforce");
	ASSERT_EQ(0, mkdirs(at(self, "other/deep/er")));
	snprintf(cp, sizeof(cp), "%s/other/deep/er/renamed", self->dir);
	ASSERT_EQ(0, make_payload(cp, "tool"));
	EXPECT_EQ(-EPERM, run(cp, NULL));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-hash"),
			       q("path", cp), NULL));
	EXPECT_NE(NULL, strstr(line, q("sha256", hex)));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
}

TEST_F_TIMEOUT(enforce, loader_and_library_mappings, 180)
{
	char *ldso[] = { "ld.so", NULL, NULL };
	char line[16384];
	void *map, *h;
	int fd;

	ASSERT_EQ(0, mkdirs(at(self, "lib")));
	ASSERT_EQ(0, make_payload(at(self, "lib/libbanned.so"), "lib"));
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/bin/tool id=t-exact\n"
		  "deny path=@/lib/libbanned.so id=t-lib\n"));
	START("enforce");
	/* ld.so ./x: the loader runs, mapping x executable is refused */
	ldso[1] = (char *)at(self, "bin/tool");
	EXPECT_EQ(127, run("/lib64/ld-linux-x86-64.so.2", ldso));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-exact"),
			       q("hook", "mmap"), NULL));
	/* a denied library: readable, never executable */
	fd = open(at(self, "lib/libbanned.so"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT_NE(MAP_FAILED, map);
	munmap(map, 4096);
	map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(EPERM, errno);
	close(fd);
	h = dlopen(at(self, "lib/libbanned.so"), RTLD_NOW);
	EXPECT_EQ(NULL, h);
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-lib"),
			       q("hook", "mmap"), NULL));
}

/* Content A is denied by hash; the file's content changes under the cache. */
TEST_F_TIMEOUT(enforce, rewrite_after_hashing, 180)
{
	char rules[256], hex[2 * ID_SHA256_LEN + 1];
	__u8 sha[ID_SHA256_LEN];
	const char *f;

	ASSERT_EQ(0, make_payload(at(self, "other/A"), "content-A"));
	ASSERT_EQ(0, sha256_file(at(self, "other/A"), sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules), "deny sha256=%s id=t-A\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	START("enforce");

	f = at(self, "other/file");
	ASSERT_EQ(0, make_payload(f, "content-B"));
	EXPECT_EQ(PAYLOAD_EXIT, run(f, NULL));	/* hashed and cached: B */
	ASSERT_EQ(0, make_payload(f, "content-A"));	/* rewritten in place */
	EXPECT_EQ(-EPERM, run(f, NULL));
	EXPECT_EQ(-EPERM, run(f, NULL));	/* cached: A */
	ASSERT_EQ(0, make_payload(f, "content-B"));
	EXPECT_EQ(PAYLOAD_EXIT, run(f, NULL));
	/* truncate(2) without an open also invalidates */
	ASSERT_EQ(0, make_payload(f, "content-A"));
	EXPECT_EQ(-EPERM, run(f, NULL));
	ASSERT_EQ(0, truncate(f, 0));
	ASSERT_EQ(0, make_payload(f, "content-B"));
	EXPECT_EQ(PAYLOAD_EXIT, run(f, NULL));
}

/* While a file is open for writing the cache is never trusted: executable
 * mappings are checked against its content at each mmap. */
TEST_F_TIMEOUT(enforce, file_held_open_for_writing, 180)
{
	char rules[256], hex[2 * ID_SHA256_LEN + 1];
	__u8 sha[ID_SHA256_LEN];
	struct stat sb;
	char *a = NULL, *b = NULL;
	int wfd, rfd;
	void *map;

	ASSERT_EQ(0, make_payload(at(self, "other/A"), "content-A"));
	ASSERT_EQ(0, sha256_file(at(self, "other/A"), sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules), "deny sha256=%s id=t-A\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	ASSERT_EQ(0, make_payload(at(self, "other/file"), "content-B"));
	ASSERT_EQ(0, stat(at(self, "other/A"), &sb));
	a = malloc(sb.st_size);
	b = malloc(sb.st_size);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	rfd = open(at(self, "other/A"), O_RDONLY);
	ASSERT_EQ(sb.st_size, read(rfd, a, sb.st_size));
	close(rfd);
	rfd = open(at(self, "other/file"), O_RDONLY);
	ASSERT_EQ(sb.st_size, read(rfd, b, sb.st_size));
	START("enforce");

	wfd = open(at(self, "other/file"), O_WRONLY);
	ASSERT_LE(0, wfd);
	map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, rfd, 0);
	ASSERT_NE(MAP_FAILED, map);	/* content B */
	munmap(map, 4096);
	ASSERT_EQ(sb.st_size, pwrite(wfd, a, sb.st_size, 0));
	map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, rfd, 0);
	EXPECT_EQ(MAP_FAILED, map);	/* content A, writer still open */
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(sb.st_size, pwrite(wfd, b, sb.st_size, 0));
	map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, rfd, 0);
	EXPECT_NE(MAP_FAILED, map);	/* back to B */
	if (map != MAP_FAILED)
		munmap(map, 4096);
	close(wfd);
	close(rfd);
	free(a);
	free(b);
}

TEST_F_TIMEOUT(enforce, audit_mode_allows_and_logs, 180)
{
	char line[16384];

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	START("audit");
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/tool"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-exact"),
			       NULL));
	EXPECT_NE(NULL, strstr(line, q("decision", "audit")));
	EXPECT_NE(NULL, strstr(line, q("outcome", "success")));
	EXPECT_NE(NULL, strstr(line, q("action", "exec-audited")));
	EXPECT_NE(NULL, strstr(line, q("mode", "audit")));
}

TEST_F_TIMEOUT(enforce, per_rule_audit_and_allow_carve_out, 180)
{
	char line[16384];

	ASSERT_EQ(0, make_payload(at(self, "opt/vendor/bin/uninstall"), "u"));
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/opt/vendor/ id=vendor-tree\n"
		  "allow path=@/opt/vendor/bin/uninstall id=vendor-uninstall\n"
		  "audit path=@/bin/tool id=t-watch\n"
		  "deny path=@/bin/fine id=t-fine mode=audit\n"));
	START("enforce");
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "opt/vendor/bin/uninstall"),
				    NULL));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/bin/agent"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-watch"),
			       NULL));
	EXPECT_NE(NULL, strstr(line, q("decision", "audit")));
	EXPECT_NE(NULL, strstr(line, q("mode", "enforce")));
	EXPECT_NE(NULL, strstr(line, "\"rule_audit\":true"));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-fine"),
			       q("decision", "audit"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("id", "vendor-tree"), q("decision", "deny"),
			       NULL));
	EXPECT_EQ(NULL, strstr(line, "vendor-uninstall"));
}

TEST_F_TIMEOUT(enforce, allowed_files_run_without_events, 180)
{
	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/opt/vendor/ id=vendor-tree\n"));
	START("enforce");
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
	EXPECT_EQ(0, system("/bin/sh -c 'exit 0'"));
	usleep(500000);
	EXPECT_EQ(0, count_events(self));
}

TEST_F_TIMEOUT(enforce, protected_binaries_refused_at_validation, 180)
{
	char log[PATH_MAX], buf[4096] = "";
	FILE *f;
	int rc;

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=/bin/sh id=no-shell\n"));
	rc = start_daemon(self, "enforce");
	EXPECT_EQ(EXIT_POLICY, rc);
	snprintf(log, sizeof(log), "%s/interdictd.log", self->dir);
	f = fopen(log, "re");
	ASSERT_NE(NULL, f);
	fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	EXPECT_NE(NULL, strstr(buf, "a.rules:1: rule 'no-shell' would deny"));
	EXPECT_NE(NULL, strstr(buf, "which must always run"));
}

/* How many times text appears in interdictd's log. */
static int log_count(struct _test_data_enforce *self, const char *text)
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

/* SIGHUP interdictd and wait until its log says text once more. */
static int sighup_and_wait(struct _test_data_enforce *self, const char *text)
{
	int before = log_count(self, text), i;

	kill(self->daemon, SIGHUP);
	for (i = 0; i < EVENT_TIMEOUT * 10; i++) {
		if (log_count(self, text) > before)
			return 0;
		usleep(100000);
	}
	return -ETIMEDOUT;
}

TEST_F_TIMEOUT(enforce, sighup_reload_swaps_policies, 240)
{
	int round, ran = 0, status;
	pid_t child;

	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/bin/tool id=t-one\n"
		  "deny path=@/opt/vendor/ id=both\n"));
	START("enforce");
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));

	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/bin/fine id=t-two\n"
		  "deny path=@/opt/vendor/ id=both\n"));
	ASSERT_EQ(0, sighup_and_wait(self, "in force"));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "bin/fine"), NULL));

	/* An invalid policy is rejected and the one in force stays. */
	ASSERT_EQ(0, write_policy(self, "b.rules", "deny path=relative\n"));
	ASSERT_EQ(0, sighup_and_wait(self, "reload rejected"));
	EXPECT_EQ(-EPERM, run(at(self, "bin/fine"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/tool"), NULL));
	ASSERT_EQ(0, unlink(at(self, "policy.d/b.rules")));

	/* No gap: a file both policies deny never runs across reloads. */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		for (;;)
			if (run(at(self, "opt/vendor/bin/agent"), NULL) !=
			    -EPERM)
				_exit(1);
	}
	for (round = 0; round < 10; round++) {
		ASSERT_EQ(0, write_policy(self, "a.rules", round % 2 ?
			  "deny path=@/opt/vendor/ id=both\n" :
			  "deny path=@/opt/vendor/bin/agent id=both-exact\n"
			  "deny path=@/bin/fine id=t-two\n"));
		ASSERT_EQ(0, sighup_and_wait(self, "in force"));
	}
	if (waitpid(child, &status, WNOHANG) == child)
		ran = 1;	/* the child saw the file run */
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	EXPECT_EQ(0, ran);
}

TEST_HARNESS_MAIN
