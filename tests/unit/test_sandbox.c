// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of userspace/sandbox.c: each case forks a child that enters the
 * sandbox and tries what the daemon needs or what it must never do; the
 * parent asserts how the child ended (exit 0, or killed by SIGSYS).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>

#include "interdict.h"

/* The harness's test wrapper sets a local after setjmp(); gcc -O2 -Wextra
 * warns about it once a test body is inlined into that wrapper. */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#define ENTER_FAILED 100	/* the child's exit when sandbox_enter failed */

/* In a sandboxed child: name the first expectation that failed, exit 1. */
#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s (errno: %s)\n", __FILE__, \
			__LINE__, #cond, strerror(errno)); \
		return 1; \
	} \
} while (0)

/* In a sandboxed child: the call failed with exactly this errno. */
#define CHECK_FAILS(call, err) do { \
	errno = 0; \
	CHECK((call) == -1 && errno == (err)); \
} while (0)

/*
 * Fork a child that enters the sandbox and exits with check(arg); return
 * its wait status, or -1 when it could not be started. No core dumps: a
 * fatal call is expected in some cases.
 */
static int sandboxed(int (*check)(const void *), const void *arg)
{
	struct rlimit no_core = { 0, 0 };
	char why[256];
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (setrlimit(RLIMIT_CORE, &no_core) ||
		    sandbox_enter(why, sizeof(why))) {
			fprintf(stderr, "sandbox_enter: %s\n", why);
			_exit(ENTER_FAILED);
		}
		_exit(check(arg));
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return status;
}

/* The child ran to the end and every CHECK held. */
#define ASSERT_PASSED(status) do { \
	int _st = (status); \
	ASSERT_NE(-1, _st); \
	ASSERT_TRUE(WIFEXITED(_st)) \
		TH_LOG("child killed by signal %d", WTERMSIG(_st)); \
	ASSERT_EQ(0, WEXITSTATUS(_st)); \
} while (0)

/* The filter killed the child, as a turned daemon would be. */
#define ASSERT_KILLED(status) do { \
	int _st = (status); \
	ASSERT_NE(-1, _st); \
	ASSERT_TRUE(WIFSIGNALED(_st)) \
		TH_LOG("child exited %d instead", WEXITSTATUS(_st)); \
	ASSERT_EQ(SIGSYS, WTERMSIG(_st)); \
} while (0)

/* One line of /proc/self/status, after "name:\t", into out. */
static int status_field(const char *name, char *out, size_t len)
{
	size_t n = strlen(name);
	char *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, name, n) || line[n] != ':')
			continue;
		snprintf(out, len, "%s", line + n + 1 + strspn(line + n + 1,
							      " \t"));
		out[strcspn(out, "\n")] = 0;
		err = 0;
		break;
	}
	free(line);
	fclose(f);
	return err;
}

static unsigned long long status_caps(const char *name)
{
	char v[64];

	if (status_field(name, v, sizeof(v)))
		return ~0ULL;
	return strtoull(v, NULL, 16);
}

static int check_status(const void *arg)
{
	char v[64];

	CHECK(status_field("Seccomp", v, sizeof(v)) == 0);
	CHECK(!strcmp(v, "2"));
	CHECK(status_field("NoNewPrivs", v, sizeof(v)) == 0);
	CHECK(!strcmp(v, "1"));
	return 0;
}

TEST(filter_and_no_new_privs)
{
	ASSERT_PASSED(sandboxed(check_status, NULL));
}

static int check_caps(const void *arg)
{
	unsigned long long kept = *(const unsigned long long *)arg;

	CHECK(status_caps("CapEff") == kept);
	CHECK(status_caps("CapPrm") == kept);
	CHECK(status_caps("CapBnd") == kept);
	CHECK(status_caps("CapInh") == 0);
	CHECK(status_caps("CapAmb") == 0);
	return 0;
}

TEST(capabilities_kept)
{
	unsigned long long kept, last = 0;
	FILE *f;

	/* Written from the design, not from sandbox.c: CAP_BPF (or, on a
	 * kernel without it, CAP_SYS_ADMIN), CAP_DAC_READ_SEARCH and
	 * CAP_SYS_PTRACE, nothing else (CAP_DAC_OVERRIDE in particular). */
	f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%llu", &last));
	fclose(f);
	kept = 1ULL << (last >= CAP_BPF ? CAP_BPF : CAP_SYS_ADMIN) |
	       1ULL << CAP_DAC_READ_SEARCH | 1ULL << CAP_SYS_PTRACE;
	if (geteuid() != 0 || (status_caps("CapPrm") & kept) != kept)
		SKIP(return, "not root: there are no capabilities to keep");
	ASSERT_PASSED(sandboxed(check_caps, &kept));
}

static int check_exec(const void *arg)
{
	char *const argv[] = { "true", NULL };

	execv("/bin/true", argv);
	return 1;
}

TEST(execve_kills)
{
	ASSERT_KILLED(sandboxed(check_exec, NULL));
}

static int check_traceme(const void *arg)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return 1;
}

TEST(ptrace_kills)
{
	ASSERT_KILLED(sandboxed(check_traceme, NULL));
}

/* Every call on the fatal list, with arguments the kernel would refuse
 * anyway: if the filter let one through, the child exits 1. */
static const long fatal_calls[] = {
	SYS_execve, SYS_execveat, SYS_ptrace, SYS_process_vm_writev,
	SYS_init_module, SYS_finit_module, SYS_kexec_load, SYS_kexec_file_load,
};

static int check_fatal(const void *arg)
{
	syscall(*(const long *)arg, -1L, 0L, 0L, 0L, 0L, 0L);
	return 1;
}

TEST(fatal_calls_kill)
{
	size_t i;

	for (i = 0; i < sizeof(fatal_calls) / sizeof(fatal_calls[0]); i++) {
		int status = sandboxed(check_fatal, &fatal_calls[i]);

		ASSERT_NE(-1, status);
		ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
			TH_LOG("system call %ld did not kill", fatal_calls[i]);
	}
}

/* The control socket's life: bind, listen, connect, accept, a message each
 * way, shutdown. Abstract address: nothing to clean up. */
static int check_sockets(const void *arg)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int srv, cli, conn;
	socklen_t salen;
	char buf[8];

	CHECK_FAILS(socket(AF_INET, SOCK_STREAM, 0), EPERM);
	CHECK_FAILS(socket(AF_INET6, SOCK_DGRAM, 0), EPERM);
	CHECK_FAILS(socket(AF_NETLINK, SOCK_RAW, 0), EPERM);
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
		 "interdict-test-%d", getpid());
	salen = offsetof(struct sockaddr_un, sun_path) + 1 +
		strlen(sa.sun_path + 1);
	srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(srv >= 0);
	CHECK(bind(srv, (struct sockaddr *)&sa, salen) == 0);
	CHECK(listen(srv, 1) == 0);
	cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(cli >= 0);
	CHECK(connect(cli, (struct sockaddr *)&sa, salen) == 0);
	conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	CHECK(conn >= 0);
	CHECK(send(cli, "ping", 4, 0) == 4);
	CHECK(recv(conn, buf, sizeof(buf), 0) == 4);
	CHECK(send(conn, "pong", 4, MSG_NOSIGNAL) == 4);
	CHECK(recv(cli, buf, sizeof(buf), 0) == 4 && !memcmp(buf, "pong", 4));
	CHECK(shutdown(conn, SHUT_RDWR) == 0);
	close(conn);
	close(cli);
	close(srv);
	return 0;
}

TEST(sockets_unix_only)
{
	ASSERT_PASSED(sandboxed(check_sockets, NULL));
}

/* A bpf() command with its first field -1, which no kernel accepts, and
 * what the kernel answered before the sandbox. */
struct bpf_probe {
	int cmd;
	bool allowed;
	int before;			/* errno, 0 if it succeeded */
};

static int bpf_call(int cmd)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memset(&attr, 0xff, sizeof(__u32));
	return syscall(SYS_bpf, cmd, &attr, sizeof(attr));
}

/* BPF_ENABLE_STATS is allowed by the filter but wants CAP_SYS_ADMIN, which
 * is not kept: the kernel's answer changes, so it is left out here. */
#define PASSES(c)	{ .cmd = c, .allowed = true }
#define REFUSED(c)	{ .cmd = c, .allowed = false }
static struct bpf_probe bpf_probes[] = {
	PASSES(BPF_MAP_LOOKUP_ELEM), PASSES(BPF_MAP_UPDATE_ELEM),
	PASSES(BPF_MAP_DELETE_ELEM), PASSES(BPF_MAP_GET_NEXT_KEY),
	PASSES(BPF_MAP_LOOKUP_BATCH), PASSES(BPF_MAP_UPDATE_BATCH),
	PASSES(BPF_MAP_DELETE_BATCH), PASSES(BPF_ITER_CREATE),
	PASSES(BPF_OBJ_GET_INFO_BY_FD), PASSES(BPF_OBJ_GET),
	PASSES(BPF_LINK_CREATE), PASSES(BPF_OBJ_PIN),
	PASSES(BPF_MAP_CREATE),
	REFUSED(BPF_PROG_LOAD),
	REFUSED(BPF_BTF_LOAD), REFUSED(BPF_PROG_ATTACH),
	REFUSED(BPF_LINK_DETACH), REFUSED(BPF_PROG_TEST_RUN),
	REFUSED(BPF_MAP_FREEZE),
};

static int check_bpf(const void *arg)
{
	const struct bpf_probe *p = arg;
	size_t i;

	for (i = 0; i < sizeof(bpf_probes) / sizeof(bpf_probes[0]); i++) {
		int ret, err;

		errno = 0;
		ret = bpf_call(p[i].cmd);
		err = ret < 0 ? errno : 0;
		if (err != (p[i].allowed ? p[i].before : EPERM)) {
			fprintf(stderr, "bpf command %d: %s, expected %s\n",
				p[i].cmd, strerror(err), strerror(p[i].allowed ?
				p[i].before : EPERM));
			return 1;
		}
	}
	return 0;
}

TEST(bpf_commands)
{
	size_t i;

	for (i = 0; i < sizeof(bpf_probes) / sizeof(bpf_probes[0]); i++) {
		errno = 0;
		bpf_probes[i].before = bpf_call(bpf_probes[i].cmd) < 0 ?
				       errno : 0;
		ASSERT_NE(0, bpf_probes[i].before)
			TH_LOG("bpf command %d accepted a -1 first field",
			       bpf_probes[i].cmd);
		/* A kernel that refuses bpf() to this caller cannot show
		 * what the filter refuses. */
		if (bpf_probes[i].before == EPERM)
			SKIP(return, "bpf() command %d refused before the "
			     "sandbox: unprivileged", bpf_probes[i].cmd);
		/* the refresh's kind of call: reaches the kernel, which
		 * finds no map behind fd -1 */
		if (bpf_probes[i].cmd == BPF_MAP_GET_NEXT_KEY)
			ASSERT_EQ(EBADF, bpf_probes[i].before);
	}
	ASSERT_PASSED(sandboxed(check_bpf, bpf_probes));
}

static int check_memory(const void *arg)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p, *q;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	p[0] = 1;
	CHECK_FAILS(mprotect(p, page, PROT_READ | PROT_EXEC), EPERM);
	CHECK(mprotect(p, page, PROT_READ) == 0);
	errno = 0;
	CHECK(mmap(NULL, page, PROT_READ | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	      errno == EPERM);
	q = mremap(p, page, 2 * page, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q[0] == 1);
	CHECK(madvise(q, 2 * page, MADV_DONTNEED) == 0);
	CHECK(munmap(q, 2 * page) == 0);
	/* malloc beyond the mmap threshold, and brk */
	p = malloc(1 << 20);
	CHECK(p);
	memset(p, 1, 1 << 20);
	free(p);
	p = malloc(64);
	CHECK(p);
	free(p);
	return 0;
}

TEST(memory_never_executable)
{
	ASSERT_PASSED(sandboxed(check_memory, NULL));
}

FIXTURE(dir) {
	char path[64];
};

FIXTURE_SETUP(dir)
{
	snprintf(self->path, sizeof(self->path),
		 "/tmp/interdict-sandbox-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->path));
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	return remove(path);
}

FIXTURE_TEARDOWN(dir)
{
	nftw(self->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* What the daemon does with files: the pid file (stdio, rename, unlink),
 * the events file (append, fsync), a policy directory (listing, reads),
 * rule paths opened O_PATH, /proc/PID/exe; isatty() through TCGETS. */
static int check_files(const void *arg)
{
	const char *dir = arg;
	char path[PATH_MAX], tmp[PATH_MAX], buf[64];
	struct stat st;
	struct statx stx;
	struct dirent *de;
	int dfd, fd, fd2, n = 0;
	DIR *d;
	FILE *f;

	umask(022);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	CHECK(mkdirat(dfd, "policy.d", 0755) == 0);
	snprintf(path, sizeof(path), "%s/run", dir);
	CHECK(mkdir(path, 0755) == 0);

	snprintf(tmp, sizeof(tmp), "%s/run/interdictd.pid.tmp", dir);
	snprintf(path, sizeof(path), "%s/run/interdictd.pid", dir);
	f = fopen(tmp, "we");
	CHECK(f);
	fprintf(f, "%d\n", getpid());
	CHECK(fclose(f) == 0);
	CHECK(rename(tmp, path) == 0);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));

	snprintf(path, sizeof(path), "%s/events.json", dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	CHECK(fd >= 0);
	errno = 0;
	CHECK(!isatty(fd) && errno == ENOTTY);	/* TCGETS got through */
	CHECK_FAILS(ioctl(fd, FIONREAD, &n), EPERM);
	f = fdopen(fd, "a");
	CHECK(f);
	fputs("{\"event\":1}\n", f);
	CHECK(fflush(f) == 0);
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
	CHECK(flock(fd, LOCK_EX) == 0 && flock(fd, LOCK_UN) == 0);
	CHECK(fclose(f) == 0);

	fd = openat(dfd, "events.json", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 12);
	CHECK(statx(dfd, "events.json", 0, STATX_SIZE, &stx) == 0 &&
	      stx.stx_size == 12);
	CHECK(pread(fd, buf, 8, 1) == 8 && !memcmp(buf, "\"event\"", 7));
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, 1) == 1);
	CHECK(fcntl(fd, F_GETFL) >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0);
	fd2 = dup(fd);
	CHECK(fd2 >= 0 && dup3(fd, fd2, O_CLOEXEC) == fd2);
	CHECK(ftruncate(fd, 0) == 0);
	close(fd2);
	close(fd);
	CHECK(renameat(dfd, "events.json", dfd, "events.json.1") == 0);
	CHECK(renameat2(dfd, "events.json.1", dfd, "events.json.2",
			RENAME_NOREPLACE) == 0);

	/* a policy reload */
	snprintf(path, sizeof(path), "%s/policy.d/10-test.rules", dir);
	f = fopen(path, "we");
	CHECK(f);
	fputs("deny path=/opt/x/ id=x\n", f);
	CHECK(fclose(f) == 0);
	snprintf(path, sizeof(path), "%s/policy.d", dir);
	d = opendir(path);
	CHECK(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	CHECK(n == 1);

	/* rule paths, process.executable */
	fd = open(dir, O_PATH | O_CLOEXEC);
	CHECK(fd >= 0);
	close(fd);
	CHECK(readlink("/proc/self/exe", path, sizeof(path)) > 0);
	CHECK(readlinkat(AT_FDCWD, "/proc/self/exe", path, sizeof(path)) > 0);
	CHECK(realpath("/proc/self/exe", path));

	CHECK(unlinkat(dfd, "events.json.2", 0) == 0);
	snprintf(path, sizeof(path), "%s/run/interdictd.pid", dir);
	CHECK(unlink(path) == 0);
	CHECK(unlinkat(dfd, "run", AT_REMOVEDIR) == 0);
	close(dfd);
	return 0;
}

TEST_F(dir, files)
{
	ASSERT_PASSED(sandboxed(check_files, self->path));
}

/* The daemon's loop: signals through a signalfd watched by epoll, clocks
 * for timestamps and deadlines, what gethostname() and stdio use. */
static int check_loop(const void *arg)
{
	struct timespec ts = { 0, 1000000 }, now;
	struct epoll_event ev = { .events = EPOLLIN };
	struct signalfd_siginfo si;
	struct utsname uts;
	struct timeval tv;
	char name[16];
	sigset_t mask;
	int sfd, ep;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	CHECK(sigprocmask(SIG_BLOCK, &mask, NULL) == 0);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	CHECK(sfd >= 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0);
	ev.data.fd = sfd;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) == 0);
	CHECK(epoll_wait(ep, &ev, 1, 0) == 0);
	CHECK(raise(SIGHUP) == 0);
	CHECK(epoll_wait(ep, &ev, 1, 1000) == 1 && ev.data.fd == sfd);
	CHECK(read(sfd, &si, sizeof(si)) == sizeof(si) &&
	      si.ssi_signo == SIGHUP);
	CHECK(epoll_pwait(ep, &ev, 1, 0, &mask) == 0);
	close(ep);
	close(sfd);

	CHECK(clock_gettime(CLOCK_REALTIME, &now) == 0);
	CHECK(clock_gettime(CLOCK_BOOTTIME, &now) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &now) == 0);
	CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now) == 0);
	CHECK(nanosleep(&ts, NULL) == 0);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
	CHECK(gettimeofday(&tv, NULL) == 0 && time(NULL) > 0);

	CHECK(uname(&uts) == 0 && gethostname(name, sizeof(name)) == 0);
	CHECK(getpid() > 0 && gettid() > 0 && getppid() > 0);
	CHECK(getuid() == geteuid() && getgid() == getegid());
	CHECK(prctl(PR_SET_NAME, "interdictd") == 0);
	CHECK(prctl(PR_GET_NAME, name) == 0 && !strcmp(name, "interdictd"));
	CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);

	/* what it must not do: signal, spawn, undo or stack its sandbox */
	CHECK_FAILS(kill(getpid(), 0), EPERM);
	CHECK_FAILS(fork(), EPERM);
	CHECK_FAILS(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), EPERM);
	CHECK_FAILS(setsid(), EPERM);
	CHECK(sandbox_enter(name, sizeof(name)) == -EPERM);
	return 0;
}

TEST(event_loop)
{
	ASSERT_PASSED(sandboxed(check_loop, NULL));
}

TEST_HARNESS_MAIN
