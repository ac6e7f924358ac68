// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdict.conf fileless: executable memory that no file on disk holds.
 * Off by default (a JIT-like probe runs); with `fileless = deny`, anonymous
 * memory made executable (mmap and mprotect), and a memfd or /dev/shm
 * file mapped or run, are denied with an event naming what it was, while a
 * file on disk still maps and an executable in fileless-allow may still do
 * it; `audit` reports the same and lets it go on.
 */
#include <sys/mman.h>

#include "common.h"

#define JIT_ENV	"INTERDICT_TEST_JIT"

/* What a JIT does: write code into anonymous memory, make it executable
 * and run it. Exit 0 if it ran, 1 if mprotect was refused with EPERM. */
static int jit_probe(void)
{
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 3;
	p[0] = 0xc3;	/* ret */
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC))
		return errno == EPERM ? 1 : 2;
	((void (*)(void))p)();
	return 0;
}

/* A copy of this binary run with JIT_ENV set is the probe. */
__attribute__((constructor)) static void jit_payload(void)
{
	if (getenv(JIT_ENV))
		_exit(jit_probe());
}

static int run_jit(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char *const argv[] = { (char *)path, NULL };
		char *const envp[] = { JIT_ENV "=1", NULL };

		execve(path, argv, envp);
		_exit(126);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -EIO;
	return WEXITSTATUS(status);
}

/* fexecve() of a memfd holding a payload: its exit status, or -errno. */
static int run_memfd(struct _test_data_enforce *self)
{
	char *const argv[] = { "memfd-agent", NULL };
	char *const envp[] = { PAYLOAD_ENV "=1", NULL };
	int fd, src, status, pfd[2], err = 0;
	char buf[65536];
	ssize_t n;
	pid_t pid;

	if (make_payload(at(self, "memfd-src"), "memfd"))
		return -EIO;
	src = open(self->path, O_RDONLY | O_CLOEXEC);
	fd = memfd_create("agent", 0);
	if (src < 0 || fd < 0)
		return -errno;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			return -EIO;
	close(src);
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid == 0) {
		fexecve(fd, argv, envp);
		err = errno;
		write(pfd[1], &err, sizeof(err));
		_exit(126);
	}
	close(pfd[1]);
	close(fd);
	if (read(pfd[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(pfd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -EIO;
	if (err)
		return -err;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* interdict.conf with `text`, passed to the daemon with --config. */
static void config(struct _test_data_enforce *self,
		   struct __test_metadata *_metadata, const char *text)
{
	ASSERT_EQ(0, write_file(at(self, "interdict.conf"), text, strlen(text),
				0644));
	self->extra[0] = "--config";
	self->extra[1] = strdup(self->path);
	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
}

TEST_F_TIMEOUT(enforce, fileless_off_by_default, 180)
{
	char out[16384];
	void *p;

	ASSERT_EQ(0, make_payload(at(self, "bin/jit"), "jit"));
	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	START("enforce");
	EXPECT_EQ(0, run_jit(at(self, "bin/jit")));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_NE(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	EXPECT_EQ(PAYLOAD_EXIT, run_memfd(self));
	ASSERT_EQ(0, CTL(out, "-j", "status"));
	EXPECT_NE(NULL, strstr(out, "\"fileless\":{\"mode\":\"off\","
			       "\"decided\":0}")) TH_LOG("%s", out);
}

TEST_F_TIMEOUT(enforce, fileless_deny, 240)
{
	char line[16384], conf[PATH_MAX + 64];
	int fd;
	void *p;

	ASSERT_EQ(0, make_payload(at(self, "bin/jit"), "jit"));
	ASSERT_EQ(0, make_payload(at(self, "bin/allowed-jit"), "allowed"));
	ASSERT_EQ(0, make_payload(at(self, "bin/on-disk"), "disk"));
	/* a tmpfs of its own on /dev/shm, as on any host (the VM may have
	 * none) */
	mkdir("/dev/shm", 01777);
	ASSERT_EQ(0, mount("shm", "/dev/shm", "tmpfs", 0, "size=1m"));
	snprintf(conf, sizeof(conf), "fileless = deny\n"
		 "fileless-allow = %s, /nonexistent/jit\n",
		 at(self, "bin/allowed-jit"));
	config(self, _metadata, conf);
	START("enforce");
	EXPECT_LE(1, log_count(self, "fileless-allow /nonexistent/jit"));
	/* anonymous memory, made executable either way */
	EXPECT_EQ(1, run_jit(at(self, "bin/jit")));
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("fileless", "anonymous"),
			       q("action", "mprotect-denied"), NULL));
	EXPECT_NE(NULL, strstr(line, q("id", "fileless"))) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, q("name", "jit"))) TH_LOG("%s", line);
	EXPECT_EQ(NULL, strstr(line, "\"file\":")) TH_LOG("%s", line);
	EXPECT_EQ(NULL, strstr(line, "truncated")) TH_LOG("%s", line);
	/* 6.12 and later: the probe exited at once, and the kernel named
	 * it and its parent (this test) when it decided */
	if (kernel_has("bpf_get_task_exe_file")) {
		ASSERT_NE(0, self_exe()[0]);
		EXPECT_NE(NULL, strstr(line, q("executable",
					       at(self, "bin/jit"))))
			TH_LOG("%s", line);
		EXPECT_NE(NULL, strstr(line, parent_is_self()))
			TH_LOG("%s", line);
	}
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("fileless", "anonymous"),
			       q("action", "mmap-denied"), NULL));
	/* the executable listed in fileless-allow may */
	EXPECT_EQ(0, run_jit(at(self, "bin/allowed-jit")));
	/* a memfd run or mapped, a /dev/shm file mapped */
	EXPECT_EQ(-EPERM, run_memfd(self));
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("fileless", "memfd"),
			       q("action", "exec-denied"), NULL));
	EXPECT_NE(NULL, strstr(line, "\"inode\":")) TH_LOG("%s", line);
	fd = memfd_create("lib", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	EXPECT_EQ(-EPERM, map_exec(fd));
	close(fd);
	fd = open("/dev/shm/interdict-test", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 4096));
	EXPECT_EQ(-EPERM, map_exec(fd));
	close(fd);
	unlink("/dev/shm/interdict-test");
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("fileless", "shm"),
			       NULL));
	/* a file on disk still maps executable */
	fd = open(at(self, "bin/on-disk"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, map_exec(fd));
	close(fd);
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_NE(NULL, strstr(line, "\"fileless\":{\"mode\":\"deny\","))
		TH_LOG("%s", line);
	EXPECT_EQ(NULL, strstr(line, "\"decided\":0}")) TH_LOG("%s", line);
	umount2("/dev/shm", MNT_DETACH);
}

TEST_F_TIMEOUT(enforce, fileless_audit_reports_and_lets_it_run, 180)
{
	char line[16384];

	ASSERT_EQ(0, make_payload(at(self, "bin/jit"), "jit"));
	config(self, _metadata, "fileless = audit\n");
	START("enforce");
	EXPECT_EQ(0, run_jit(at(self, "bin/jit")));
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("fileless", "anonymous"),
			       q("action", "mprotect-audited"), NULL));
	EXPECT_NE(NULL, strstr(line, q("decision", "audit"))) TH_LOG("%s", line);
	EXPECT_EQ(PAYLOAD_EXIT, run_memfd(self));
}

TEST_HARNESS_MAIN
