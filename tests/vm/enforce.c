// SPDX-License-Identifier: GPL-2.0-only
/*
 * Enforcement tests: each case starts interdictd on a real kernel with a
 * policy over a scratch tree and asserts what the syscalls return and what
 * the events say. Where the kernel cannot enforce, they report skipped.
 */
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "common.h"

TEST_F_TIMEOUT(enforce, exec_denied_with_event, 180)
{
	char line[16384], self_exe[PATH_MAX], num[64], num2[64];
	char *const argv[] = { "tool", NULL };
	int status;
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
	snprintf(num, sizeof(num), "\"parent\":{\"pid\":%d,", getppid());
	snprintf(num2, sizeof(num2), "\"parent\":{\"pid\":%d}", getppid());
	EXPECT_TRUE(strstr(line, num) || strstr(line, num2)) TH_LOG("%s", line);
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
	/* SIGTERM: exit 0, pid file gone, enforcement stays pinned */
	ASSERT_EQ(0, kill(self->daemon, SIGTERM));
	ASSERT_EQ(self->daemon, waitpid(self->daemon, &status, 0));
	self->daemon = -1;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_NE(0, access(at(self, "interdictd.pid"), F_OK));
	EXPECT_TRUE(wait_event(self, line, sizeof(line),
			       q("action", "daemon-stopped"),
			       q("reason", "SIGTERM"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	/* a new daemon adopts it; `disable` is the only way to end it */
	START(NULL);
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("action", "daemon-started"),
			       q("start", "adopted"),
			       q("previous_stop", "signal"), NULL));
	EXPECT_NE(NULL, strstr(line, q("mode", "enforce")));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	ASSERT_EQ(0, CTL(line, "disable")) TH_LOG("%s", line);
	ASSERT_EQ(self->daemon, waitpid(self->daemon, &status, 0));
	self->daemon = -1;
	EXPECT_EQ(EXIT_DISABLED_STATUS, WEXITSTATUS(status));
	EXPECT_TRUE(wait_event(self, line, sizeof(line),
			       q("action", "disabled"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/tool"), NULL));
}

/* An exec denied, the process gone at once: the event still says who. */
static pid_t try_and_exit(struct _test_data_enforce *self, const char *cwd)
{
	char *const argv[] = { "tool", "--now", "x y", NULL };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (chdir(cwd))
			_exit(2);
		execv(at(self, "bin/tool"), argv);
		_exit(errno == EPERM ? 3 : 4);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 3)
		return -1;
	return pid;
}

TEST_F_TIMEOUT(enforce, exec_denial_says_who_after_exit, 180)
{
	char line[16384], cwd[PATH_MAX], want[PATH_MAX + 64], arg0[PATH_MAX];
	ssize_t n;
	pid_t pid;
	int fd;

	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/bin/tool id=t-who\n"));
	START("enforce");
	snprintf(cwd, sizeof(cwd), "%s/other", self->dir);
	pid = try_and_exit(self, cwd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-who"),
			       NULL));
	snprintf(want, sizeof(want), "\"process\":{\"pid\":%d,", pid);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	/* the args of the process that tried: this test binary's */
	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	n = read(fd, arg0, sizeof(arg0) - 1);
	close(fd);
	ASSERT_LT(0, n);
	arg0[n] = 0;
	snprintf(want, sizeof(want), "\"args\":[\"%s\"", arg0);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	snprintf(want, sizeof(want), "\"command_line\":\"%s", arg0);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	/* what it tried to run with (not under confidentiality: see
	 * features_off()) */
	if (!confidentiality()) {
		EXPECT_NE(NULL, strstr(line, "\"exec_args\":[\"tool\","
				       "\"--now\",\"x y\"]")) TH_LOG("%s", line);
	}
	EXPECT_NE(NULL, strstr(line, "\"user\":{\"id\":\"0\",\"name\":"
			       "\"root\"}")) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "\"group\":{\"id\":\"0\",\"name\":"
			       "\"root\"}")) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "\"cgroup_id\":")) TH_LOG("%s", line);
}

TEST_F_TIMEOUT(enforce, exec_denial_names_executable_after_exit, 180)
{
	char line[16384], cwd[PATH_MAX];
	char want[PATH_MAX + 64];
	bool old_rules, kfuncs;

	/* 6.1: bpf_d_path() on current->mm->exe_file and current->fs->pwd;
	 * 6.2 to 6.11 call those untrusted and have no kfunc for them;
	 * 6.12 and later: the executables through kfuncs, the working
	 * directory by bpf_d_path() inside an RCU section */
	old_rules = !kernel_has("bpf_rcu_read_lock");
	kfuncs = kernel_has("bpf_get_task_exe_file") &&
		 kernel_has("bpf_path_d_path");
	if (!old_rules && !kfuncs)
		SKIP(return, "this kernel lets no sleepable BPF program name "
		     "current's executable");
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/bin/tool id=t-who\n"));
	START("enforce");
	snprintf(cwd, sizeof(cwd), "%s/other", self->dir);
	ASSERT_LT(0, try_and_exit(self, cwd));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-who"),
			       NULL));
	ASSERT_NE(0, self_exe()[0]);
	snprintf(want, sizeof(want), "\"name\":\"enforce\",\"executable\":"
		 "\"%s\",", self_exe());
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, q("working_directory", cwd)))
		TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, parent_is_self())) TH_LOG("%s", line);
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
	int i;

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
	ASSERT_EQ(0, umount2(at(self, "mnt"), MNT_DETACH));
	/* the tree created after loading, bind-mounted: caught once
	 * interdictd has learned its inode (--refresh, 5 s by default) */
	ASSERT_EQ(0, mount(at(self, "later"), at(self, "mnt"), NULL, MS_BIND,
			   NULL));
	for (i = 0; i < 150 && run(at(self, "mnt/sub/x"), NULL) != -EPERM; i++)
		usleep(100000);
	EXPECT_EQ(-EPERM, run(at(self, "mnt/sub/x"), NULL));
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

/* doctor says the kernel's real lockdown state and, under confidentiality,
 * what is off; the daemon's log says it too, and enforcement holds. */
TEST_F_TIMEOUT(enforce, doctor_reports_lockdown, 180)
{
	char text[256] = "", level[64] = "", want[128], out[16384];
	const char *a, *b;
	FILE *f;
	int rc;

	f = fopen("/sys/kernel/security/lockdown", "re");
	if (!f)
		SKIP(return, "no /sys/kernel/security/lockdown");
	if (!fgets(text, sizeof(text), f))
		text[0] = 0;
	fclose(f);
	a = strchr(text, '[');
	b = a ? strchr(a, ']') : NULL;
	ASSERT_NE(NULL, b);
	snprintf(level, sizeof(level), "%.*s", (int)(b - a - 1), a + 1);
	rc = CTL(out, "doctor", "-j");
	if (rc == 3 && !bpf_lsm_active())	/* EXIT_KERNEL */
		SKIP(return, "this kernel cannot enforce (doctor exit 3)");
	ASSERT_EQ(0, rc) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "\"lockdown\":{\"ok\":true,\"warn\":%s,"
		 "\"detail\":\"%s (", strcmp(level, "none") ? "false" : "true",
		 level);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	if (!strcmp(level, "confidentiality")) {
		EXPECT_NE(NULL, strstr(out, "cache of \\\"no path rule "
				       "applies\\\" is off")) TH_LOG("%s", out);
	} else {
		EXPECT_EQ(NULL, strstr(out, "applies\\\" is off"))
			TH_LOG("%s", out);
	}
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/bin/tool id=t-exact\n"));
	START("enforce");
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
	EXPECT_EQ(strcmp(level, "confidentiality") ? 0 : 1,
		  log_count(self, "lockdown is confidentiality"));
}

/* n directories named name below dir, made through fds (the path may be
 * longer than PATH_MAX), with a payload "agent" in the deepest; its fd. */
static int deep_tree(const char *dir, int n, const char *name)
{
	char chunk[65536];
	int fd, next, in, out, i;
	ssize_t got;

	fd = open(dir, O_DIRECTORY | O_CLOEXEC);
	for (i = 0; fd >= 0 && i < n; i++) {
		if (mkdirat(fd, name, 0755) && errno != EEXIST) {
			close(fd);
			return -1;
		}
		next = openat(fd, name, O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return -1;
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	out = openat(fd, "agent", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		     0755);
	while (in >= 0 && out >= 0 && (got = read(in, chunk, sizeof(chunk))) > 0)
		if (write(out, chunk, got) != got)
			break;
	if (in >= 0)
		close(in);
	if (out < 0 || close(out)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Undo deep_tree() from its deepest fd (closed). */
static void deep_remove(int fd, int n, const char *name)
{
	int up, i;

	unlinkat(fd, "agent", 0);
	for (i = 0; i < n && fd >= 0; i++) {
		up = openat(fd, "..", O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = up;
		if (fd >= 0)
			unlinkat(fd, name, AT_REMOVEDIR);
	}
	if (fd >= 0)
		close(fd);
}

/* execveat(dfd, "agent"): the payload's exit status, or -errno. */
static int run_at(int dfd)
{
	char *const argv[] = { "agent", NULL };
	char *const envp[] = { PAYLOAD_ENV "=1", NULL };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		syscall(SYS_execveat, dfd, "agent", argv, envp, 0);
		_exit(errno == EPERM ? 125 : 126);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -EIO;
	return WEXITSTATUS(status) == 125 ? -EPERM : WEXITSTATUS(status);
}

/* No depth or path length lets a file out of a denied subtree: 60 levels
 * and 4300 bytes (past bpf_d_path's 4095) are denied by the subtree rule;
 * past ID_MAX_DEPTH levels, anything is denied (fail closed) and says so. */
TEST_F_TIMEOUT(enforce, deep_paths_stay_denied, 300)
{
	char name[72], line[16384];
	int fd;

	memset(name, 'd', 71);
	name[71] = 0;	/* 60 x 72 bytes: a 4300-byte path and more */
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/opt/vendor/ id=vendor-tree\n"));
	START("enforce");
	fd = deep_tree(at(self, "opt/vendor"), 60, name);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, run_at(fd));
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("id", "vendor-tree"), NULL));
	EXPECT_NE(NULL, strstr(line, "\"truncated\":[\"file.path\"")) TH_LOG("%s", line);
	deep_remove(fd, 60, name);
	/* control: as deep and as long, under no denied subtree */
	fd = deep_tree(at(self, "other"), 60, name);
	ASSERT_LE(0, fd);
	EXPECT_EQ(PAYLOAD_EXIT, run_at(fd));
	deep_remove(fd, 60, name);
	/* beyond the walk's bound: denied, counted, reported */
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_NE(NULL, strstr(line, "\"deep_denied\":0,")) TH_LOG("%s", line);
	fd = deep_tree(at(self, "other"), ID_MAX_DEPTH + 10, "d");
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, run_at(fd));
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("fail_closed", "depth"), NULL));
	EXPECT_NE(NULL, strstr(line, q("action", "exec-denied")));
	/* interdict status counts it */
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_NE(NULL, strstr(line, "\"fail_closed\":{\"deep_denied\":"));
	EXPECT_EQ(NULL, strstr(line, "\"deep_denied\":0,")) TH_LOG("%s", line);
	ASSERT_EQ(0, CTL(line, "status"));
	EXPECT_NE(NULL, strstr(line, "files denied because their path was "
			       "deeper than 1024 directories")) TH_LOG("%s", line);
	EXPECT_EQ(NULL, strstr(line, "fail closed        0 ")) TH_LOG("%s", line);
	deep_remove(fd, ID_MAX_DEPTH + 10, "d");
	/* a shallow file under no rule still runs */
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
}

/* mmap(PROT_READ) then mprotect(PROT_READ | PROT_EXEC): the mmap rules
 * decide, as for a direct PROT_EXEC mapping (the control). */
TEST_F_TIMEOUT(enforce, mprotect_adding_exec_is_denied, 180)
{
	char line[16384], want[64];
	struct stat sb;
	void *map;
	int fd;

	ASSERT_EQ(0, mkdirs(at(self, "lib")));
	ASSERT_EQ(0, make_payload(at(self, "lib/libbanned.so"), "lib"));
	ASSERT_EQ(0, make_payload(at(self, "lib/libfine.so"), "fine"));
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/lib/libbanned.so id=t-lib on=mmap\n"));
	START("enforce");
	fd = open(at(self, "lib/libbanned.so"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	/* control: the direct route */
	map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(EPERM, errno);
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-lib"),
			       q("hook", "mmap"), NULL));
	/* the mprotect route */
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(-1, mprotect(map, 4096, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EPERM, errno);
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-lib"),
			       q("hook", "mprotect"), NULL));
	EXPECT_NE(NULL, strstr(line, q("action", "mprotect-denied")));
	/* no path in this hook (the kernel lets no sleepable program on
	 * it): the inode names the file */
	ASSERT_EQ(0, stat(at(self, "lib/libbanned.so"), &sb));
	snprintf(want, sizeof(want), "\"inode\":%lu,", (unsigned long)sb.st_ino);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	/* 6.12 and later: the kernel names who did it */
	if (kernel_has("bpf_get_task_exe_file")) {
		ASSERT_NE(0, self_exe()[0]);
		EXPECT_NE(NULL, strstr(line, q("executable", self_exe())))
			TH_LOG("%s", line);
		EXPECT_EQ(NULL, strstr(line, "process.executable"))
			TH_LOG("%s", line);	/* not cut */
	}
	/* still readable, and dropping PROT_EXEC is never refused */
	EXPECT_EQ(0, mprotect(map, 4096, PROT_READ));
	munmap(map, 4096);
	close(fd);
	/* a file no rule names: mprotect adds PROT_EXEC */
	fd = open(at(self, "lib/libfine.so"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(0, mprotect(map, 4096, PROT_READ | PROT_EXEC));
	munmap(map, 4096);
	close(fd);
}

/* With interdictd stopped, a burst of 20,000 denials fits in the default
 * ring buffer (records carry only the bytes they use): all are delivered
 * once it runs again, none is counted lost. */
TEST_F_TIMEOUT(enforce, burst_while_stopped_loses_nothing, 400)
{
	const int tries = 20000;
	int fd, i, delivered = 0;
	void *map;

	ASSERT_EQ(0, mkdirs(at(self, "lib")));
	ASSERT_EQ(0, make_payload(at(self, "lib/libbanned.so"), "lib"));
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/lib/libbanned.so id=t-lib\n"));
	START("enforce");
	fd = open(at(self, "lib/libbanned.so"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, kill(self->daemon, SIGSTOP));
	for (i = 0; i < tries; i++) {
		map = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd,
			   0);
		ASSERT_EQ(MAP_FAILED, map);
	}
	close(fd);
	ASSERT_EQ(0, kill(self->daemon, SIGCONT));
	/* the daemon drains the ring; give it up to 300 s under TCG */
	for (i = 0; i < 3000 && (delivered = count_events(self)) < tries; i++)
		usleep(100000);
	EXPECT_EQ(tries, delivered);
	EXPECT_EQ(0, count_lines(self, "events-lost", NULL));
}

/* on=open: an interpreter cannot read a denied script; writing it (to
 * empty or remove it) still works. */
TEST_F_TIMEOUT(enforce, open_rules_stop_interpreters, 180)
{
	char *sh[] = { "sh", NULL, NULL };
	char line[16384];
	int fd;

	ASSERT_EQ(0, write_file(at(self, "bin/run.sh"), "exit 42\n", 8, 0755));
	ASSERT_EQ(0, write_file(at(self, "bin/ok.sh"), "exit 42\n", 8, 0755));
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/bin/run.sh id=t-script on=exec,open\n"));
	START("enforce");
	sh[1] = (char *)at(self, "bin/run.sh");
	EXPECT_NE(PAYLOAD_EXIT, run("/bin/sh", sh));
	EXPECT_EQ(-1, open(at(self, "bin/run.sh"), O_RDONLY));
	EXPECT_EQ(EPERM, errno);
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-script"),
			       q("hook", "open"), NULL));
	EXPECT_NE(NULL, strstr(line, q("action", "open-denied")));
	fd = open(at(self, "bin/run.sh"), O_WRONLY | O_TRUNC);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	sh[1] = (char *)at(self, "bin/ok.sh");
	EXPECT_EQ(PAYLOAD_EXIT, run("/bin/sh", sh));
}

/* sha256= with on=open: a denied script's content cannot be read under
 * any name (sh, ., awk -f), a different script can; a write-only open
 * still works, and once the content changes it reads again. Without
 * file_post_open (before 6.9) `check` and interdictd refuse the rule. */
TEST_F_TIMEOUT(enforce, sha256_open_rules_stop_interpreters, 240)
{
	/* each exits 42 when it runs, as the controls do */
	static const char script[] = "exit 42\n# banned\n";
	static const char prog[] = "BEGIN { exit 42 }\n# banned\n";
	char *sh[] = { "sh", NULL, NULL, NULL };
	char *awk[] = { "awk", "-f", NULL, NULL };
	char rules[512], hex[2 * ID_SHA256_LEN + 1], hex2[sizeof(hex)];
	char line[16384], dot[PATH_MAX];
	__u8 sha[ID_SHA256_LEN];
	int fd;

	ASSERT_EQ(0, write_file(at(self, "bin/run.sh"), script,
				sizeof(script) - 1, 0755));
	ASSERT_EQ(0, write_file(at(self, "other/copy"), script,
				sizeof(script) - 1, 0644));
	ASSERT_EQ(0, write_file(at(self, "other/copy.awk"), prog,
				sizeof(prog) - 1, 0644));
	ASSERT_EQ(0, write_file(at(self, "bin/ok.sh"), "exit 42\n", 8, 0755));
	ASSERT_EQ(0, write_file(at(self, "bin/ok.awk"), "BEGIN { exit 42 }\n",
				18, 0644));
	ASSERT_EQ(0, sha256_file(at(self, "bin/run.sh"), sha));
	sha256_hex(sha, hex);
	ASSERT_EQ(0, sha256_file(at(self, "other/copy.awk"), sha));
	sha256_hex(sha, hex2);
	snprintf(rules, sizeof(rules),
		 "deny sha256=%s id=t-content msg=\"banned script\" on=open\n"
		 "deny sha256=%s id=t-awk on=open\n", hex, hex2);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	if (!kernel_has("bpf_lsm_file_post_open")) {
		EXPECT_EQ(1, CTL(line, "check", at(self, "policy.d")));
		EXPECT_NE(NULL, strstr(line, "a.rules:1: rule 't-content': "
				       "sha256= with on=open needs the "
				       "kernel's file_post_open hook"))
			TH_LOG("%s", line);
		EXPECT_EQ(EXIT_POLICY, start_daemon(self, "enforce"));
		return;
	}
	EXPECT_EQ(0, CTL(line, "check", at(self, "policy.d")))
		TH_LOG("%s", line);
	START("enforce");
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_NE(NULL, strstr(line, "\"file_post_open\":true"))
		TH_LOG("%s", line);

	sh[1] = (char *)at(self, "other/copy");
	EXPECT_NE(PAYLOAD_EXIT, run("/bin/sh", sh));
	snprintf(dot, sizeof(dot), ". %s", at(self, "bin/run.sh"));
	sh[1] = "-c";
	sh[2] = dot;
	EXPECT_NE(PAYLOAD_EXIT, run("/bin/sh", sh));
	awk[2] = (char *)at(self, "other/copy.awk");
	EXPECT_NE(PAYLOAD_EXIT, run("awk", awk));
	EXPECT_EQ(-1, open(at(self, "other/copy.awk"), O_RDONLY));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, open(at(self, "other/copy"), O_RDONLY));
	EXPECT_EQ(EPERM, errno);
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-content"),
			       q("hook", "open"), NULL));
	EXPECT_NE(NULL, strstr(line, q("action", "open-denied")));
	EXPECT_NE(NULL, strstr(line, q("description", "banned script")));
	EXPECT_NE(NULL, strstr(line, hex)) TH_LOG("%s", line);

	/* other content reads and runs */
	sh[1] = (char *)at(self, "bin/ok.sh");
	sh[2] = NULL;
	EXPECT_EQ(PAYLOAD_EXIT, run("/bin/sh", sh));
	awk[2] = (char *)at(self, "bin/ok.awk");
	EXPECT_EQ(PAYLOAD_EXIT, run("awk", awk));

	/* written to, the copy is another program */
	fd = open(at(self, "other/copy.awk"), O_WRONLY | O_APPEND);
	ASSERT_LE(0, fd);
	EXPECT_EQ(2, write(fd, "#\n", 2));
	close(fd);
	awk[2] = (char *)at(self, "other/copy.awk");
	EXPECT_EQ(PAYLOAD_EXIT, run("awk", awk));
	sh[1] = (char *)at(self, "bin/run.sh");
	EXPECT_NE(PAYLOAD_EXIT, run("/bin/sh", sh));

	/* a policy without such a rule detaches file_post_open */
	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-tool\n"));
	ASSERT_EQ(0, CTL(line, "reload"));
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_NE(NULL, strstr(line, "\"file_post_open\":false"))
		TH_LOG("%s", line);
	EXPECT_EQ(PAYLOAD_EXIT, run("/bin/sh", sh));
}

#ifndef AT_EXECVE_CHECK
#define AT_EXECVE_CHECK 0x10000
#endif

/* What an interpreter that asks the kernel does before it reads a script
 * (Linux 6.14 and later): execveat(AT_EXECVE_CHECK) on the open script.
 * 0 if it may run, -errno if not; nothing runs either way. */
static int exec_check(const char *path)
{
	char *const argv[] = { "check", NULL };
	char *const envp[] = { NULL };
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_execveat, fd, "", argv, envp,
		    AT_EMPTY_PATH | AT_EXECVE_CHECK))
		ret = -errno;
	close(fd);
	return ret;
}

TEST_F_TIMEOUT(enforce, exec_check_gets_the_exec_rules_verdict, 240)
{
	/* each would leave a mark if the check ran it */
	static const char script[] = "#!/bin/sh\ntouch \"$0.ran\"\n# banned\n";
	static const char ok[] = "#!/bin/sh\ntouch \"$0.ran\"\n";
	char rules[512], hex[2 * ID_SHA256_LEN + 1], line[16384];
	__u8 sha[ID_SHA256_LEN];
	bool has;
	int rc;

	ASSERT_EQ(0, write_file(at(self, "other/copy.sh"), script,
				sizeof(script) - 1, 0755));
	ASSERT_EQ(0, write_file(at(self, "bin/ok.sh"), ok, sizeof(ok) - 1,
				0755));
	ASSERT_EQ(0, mkdir(at(self, "vendor"), 0755));
	ASSERT_EQ(0, write_file(at(self, "vendor/agent.sh"), ok,
				sizeof(ok) - 1, 0755));
	ASSERT_EQ(0, write_file(at(self, "bin/audited.sh"), ok,
				sizeof(ok) - 1, 0755));
	/* without interdict: does this kernel know the flag? doctor says */
	has = exec_check(at(self, "bin/ok.sh")) != -EINVAL;
	rc = CTL(line, "doctor", "-j");
	if (rc == 3 && !bpf_lsm_active())	/* EXIT_KERNEL */
		SKIP(return, "this kernel cannot enforce (doctor exit 3)");
	EXPECT_NE(NULL, strstr(line, has ? "\"exec-check\":{\"ok\":true,"
			       "\"warn\":false,\"detail\":\"AT_EXECVE_CHECK:" :
			       "\"detail\":\"no AT_EXECVE_CHECK"))
		TH_LOG("%s", line);
	if (!has)
		SKIP(return, "no AT_EXECVE_CHECK before Linux 6.14");
	ASSERT_EQ(0, exec_check(at(self, "bin/ok.sh")));

	ASSERT_EQ(0, sha256_file(at(self, "other/copy.sh"), sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules),
		 "deny path=@/bin/tool id=t-path\n"
		 "deny sha256=%s id=t-sha msg=\"banned script\" on=exec\n"
		 "deny path=@/vendor/ id=t-tree\n"
		 "audit path=@/bin/audited.sh id=t-audit\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	START("enforce");
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_NE(NULL, strstr(line, "\"exec_check\":true")) TH_LOG("%s", line);

	/* every rule kind answers, as for an exec */
	EXPECT_EQ(-EPERM, exec_check(at(self, "bin/tool")));
	EXPECT_EQ(-EPERM, exec_check(at(self, "other/copy.sh")));
	EXPECT_EQ(-EPERM, exec_check(at(self, "vendor/agent.sh")));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-sha"),
			       NULL));
	EXPECT_NE(NULL, strstr(line, q("action", "exec-check-denied")))
		TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, q("hook", "exec-check")));
	EXPECT_NE(NULL, strstr(line, q("description", "banned script")));
	EXPECT_NE(NULL, strstr(line, q("path", at(self, "other/copy.sh"))));
	EXPECT_NE(NULL, strstr(line, hex)) TH_LOG("%s", line);
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-path"),
			       q("hook", "exec-check"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-tree"),
			       q("hook", "exec-check"), NULL));

	/* an audit rule says yes and reports; other files say yes; a check
	 * runs nothing */
	EXPECT_EQ(0, exec_check(at(self, "bin/audited.sh")));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-audit"),
			       NULL));
	EXPECT_NE(NULL, strstr(line, q("action", "exec-check-audited")))
		TH_LOG("%s", line);
	EXPECT_EQ(0, exec_check(at(self, "bin/ok.sh")));
	EXPECT_EQ(-1, access(at(self, "bin/ok.sh.ran"), F_OK));
	EXPECT_EQ(-1, access(at(self, "other/copy.sh.ran"), F_OK));

	/* the real exec of the same files is decided as before */
	EXPECT_EQ(-EPERM, run(at(self, "other/copy.sh"), NULL));
	EXPECT_EQ(0, exec_check(at(self, "bin/ok.sh")));
}

/* A hostile file name still makes one valid, escaped JSON line. */
TEST_F_TIMEOUT(enforce, hostile_file_name_in_event, 180)
{
	char line[16384], name[64];

	snprintf(name, sizeof(name), "opt/vendor/evil\"\nname\\\xff");
	ASSERT_EQ(0, make_payload(at(self, "%s", name), "evil"));
	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/opt/vendor/ id=vendor-tree\n"));
	START("enforce");
	EXPECT_EQ(-EPERM, run(at(self, "%s", name), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       "\"name\":\"evil\\\"\\nname\\\\\\ufffd\"",
			       NULL));
	EXPECT_EQ('\n', line[strlen(line) - 1]);
	EXPECT_EQ(NULL, strchr(line, '\xff'));
}

/* Verdicts cached for allowed files do not outlive a rename, a new link or
 * a mount that gives the file a denied path. */
TEST_F_TIMEOUT(enforce, cached_verdicts_follow_renames_links_mounts, 180)
{
	char from[PATH_MAX], to[PATH_MAX];

	ASSERT_EQ(0, mkdirs(at(self, "other/dir")));
	ASSERT_EQ(0, mkdirs(at(self, "opt/vendor/bind")));
	ASSERT_EQ(0, make_payload(at(self, "other/mover"), "mover"));
	ASSERT_EQ(0, make_payload(at(self, "other/linked"), "linked"));
	ASSERT_EQ(0, make_payload(at(self, "other/dir/x"), "x"));
	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/opt/vendor/ id=vendor-tree\n"));
	START("enforce");
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "other/mover"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "other/mover"), NULL));
	snprintf(from, sizeof(from), "%s", at(self, "other/mover"));
	snprintf(to, sizeof(to), "%s", at(self, "opt/vendor/mover"));
	ASSERT_EQ(0, rename(from, to));
	EXPECT_EQ(-EPERM, run(to, NULL));

	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "other/linked"), NULL));
	snprintf(from, sizeof(from), "%s", at(self, "other/linked"));
	snprintf(to, sizeof(to), "%s", at(self, "opt/vendor/linked"));
	ASSERT_EQ(0, link(from, to));
	EXPECT_EQ(-EPERM, run(to, NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(from, NULL));

	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "other/dir/x"), NULL));
	ASSERT_EQ(0, mount(at(self, "other/dir"), at(self, "opt/vendor/bind"),
			   NULL, MS_BIND, NULL));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/bind/x"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "other/dir/x"), NULL));
	umount2(at(self, "opt/vendor/bind"), MNT_DETACH);
}

/* A content cached as matching no hash rule is checked again once a
 * reload adds a rule for it. */
TEST_F_TIMEOUT(enforce, hash_rule_added_by_reload, 180)
{
	char rules[512], a[2 * ID_SHA256_LEN + 1], b[2 * ID_SHA256_LEN + 1];
	__u8 sha[ID_SHA256_LEN];

	ASSERT_EQ(0, sha256_file(at(self, "bin/tool"), sha));
	sha256_hex(sha, a);
	ASSERT_EQ(0, sha256_file(at(self, "bin/fine"), sha));
	sha256_hex(sha, b);
	snprintf(rules, sizeof(rules), "deny sha256=%s id=t-a\n", a);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	START("enforce");
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
	snprintf(rules, sizeof(rules), "deny sha256=%s id=t-a\n"
		 "deny sha256=%s id=t-b\n", a, b);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	ASSERT_EQ(0, sighup_and_wait(self, "in force"));
	EXPECT_EQ(-EPERM, run(at(self, "bin/fine"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
}

/* many.rules: 20,000 hashes of nothing here, 64 that differ from `near`
 * in their last 8 bytes only, and deny rules for each hash of `deny`. */
static int write_many(struct _test_data_enforce *self, const __u8 *near,
		      const __u8 (*deny)[ID_SHA256_LEN], const char *const *ids,
		      int ndeny)
{
	char hex[2 * ID_SHA256_LEN + 1];
	unsigned long long s = 0x2545f4914f6cdd1dULL, w;
	__u8 sha[ID_SHA256_LEN];
	FILE *f;
	int i, k;

	f = fopen(at(self, "policy.d/many.rules.tmp"), "we");
	if (!f)
		return -errno;
	for (i = 0; i < 20000; i++) {
		for (k = 0; k < ID_SHA256_LEN; k += 8) {
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			w = s ^ s >> 29;
			memcpy(sha + k, &w, 8);
		}
		sha256_hex(sha, hex);
		fprintf(f, "deny sha256=%s id=t-many-%d\n", hex, i);
	}
	for (i = 0; i < 64; i++) {
		memcpy(sha, near, ID_SHA256_LEN);
		sha[ID_SHA256_LEN - 1 - i % 8] ^= (__u8)(i / 8 + 1);
		sha256_hex(sha, hex);
		fprintf(f, "deny sha256=%s id=t-near-%d\n", hex, i);
	}
	for (i = 0; i < ndeny; i++) {
		sha256_hex(deny[i], hex);
		fprintf(f, "deny sha256=%s id=%s\n", hex, ids[i]);
	}
	if (fclose(f))
		return -errno;
	return rename(at(self, "policy.d/many.rules.tmp"),
		      at(self, "policy.d/many.rules")) ? -errno : 0;
}

/* A hash among 20,000 SHA-256 rules is found, by the rule that names it;
 * hashes that differ from a file's in one byte deny nothing; a reload
 * that moves the rule to another hash moves the denial with it. */
TEST_F_TIMEOUT(enforce, sha256_rule_among_many, 300)
{
	__u8 tool[ID_SHA256_LEN], fine[2][ID_SHA256_LEN];
	char line[16384], hex[2 * ID_SHA256_LEN + 1];
	const char *ids[] = { "t-tool", "t-fine" };

	ASSERT_EQ(0, sha256_file(at(self, "bin/tool"), tool));
	ASSERT_EQ(0, sha256_file(at(self, "bin/fine"), fine[1]));
	memcpy(fine[0], tool, sizeof(tool));
	ASSERT_EQ(0, write_many(self, fine[1], fine, ids, 1));
	START("enforce");
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	sha256_hex(tool, hex);
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-tool"),
			       q("sha256", hex), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));

	ASSERT_EQ(0, write_many(self, tool, fine + 1, ids + 1, 1));
	ASSERT_EQ(0, sighup_and_wait(self, "in force"));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "bin/fine"), NULL));
	sha256_hex(fine[1], hex);
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-fine"),
			       q("sha256", hex), NULL));
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

/* The payload tagged tag written over path's bytes in place: no truncate,
 * no O_TRUNC, only write(2) (the same size as any other tag as long). */
static int overwrite_payload(const char *path, const char *tag)
{
	char tmp[PATH_MAX], *buf;
	struct stat sb;
	int fd, err;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	err = make_payload(tmp, tag);
	if (err || stat(tmp, &sb))
		return err ? err : -errno;
	buf = malloc(sb.st_size);
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	err = !buf || fd < 0 || read(fd, buf, sb.st_size) != sb.st_size;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	fd = err ? -1 : open(path, O_WRONLY | O_CLOEXEC);
	err = fd < 0 || pwrite(fd, buf, sb.st_size, 0) != sb.st_size;
	if (fd >= 0)
		close(fd);
	free(buf);
	return err ? -EIO : 0;
}

/* Before 6.6 ext4 and tmpfs count no changes (i_version). */
static bool kernel_before(unsigned int major, unsigned int minor)
{
	unsigned int ma = 0, mi = 0;
	struct utsname u;

	return uname(&u) || sscanf(u.release, "%u.%u", &ma, &mi) != 2 ||
	       ma < major || (ma == major && mi < minor);
}

/* file_open is attached only while the policy has on=open rules (always
 * before 6.6, where the kernel's file systems count no changes); without
 * it hashes still follow content: a file rewritten in place, truncated
 * or not, on tmpfs (which counts changes) and on ramfs (which does not:
 * hashed at every check). */
TEST_F_TIMEOUT(enforce, file_open_only_for_open_rules, 300)
{
	static const char *const dirs[] = { "other", "ram" };
	char rules[512], hex[2 * ID_SHA256_LEN + 1], line[16384];
	const char *want, *f;
	__u8 sha[ID_SHA256_LEN];
	unsigned int i;
	int fd;

	want = kernel_before(6, 6) ? "\"file_open\":true" :
				     "\"file_open\":false";
	ASSERT_EQ(0, make_payload(at(self, "other/A"), "content-A"));
	ASSERT_EQ(0, sha256_file(at(self, "other/A"), sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules), "deny sha256=%s id=t-A\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	ASSERT_EQ(0, mkdirs(at(self, "ram/")));
	ASSERT_EQ(0, mount("ramfs", at(self, "ram"), "ramfs", 0, NULL));
	ASSERT_EQ(0, mkdirs(at(self, "share/")));
	ASSERT_EQ(0, write_file(at(self, "share/data"), "data\n", 5, 0644));
	START("enforce");
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);

	for (i = 0; i < 2; i++) {
		f = at(self, "%s/file", dirs[i]);
		ASSERT_EQ(0, make_payload(f, "content-B"));
		EXPECT_EQ(PAYLOAD_EXIT, run(f, NULL)) TH_LOG("%s", f);
		EXPECT_EQ(PAYLOAD_EXIT, run(f, NULL)) TH_LOG("%s", f);
		ASSERT_EQ(0, make_payload(f, "content-A"));	/* O_TRUNC */
		EXPECT_EQ(-EPERM, run(f, NULL)) TH_LOG("%s", f);
		EXPECT_EQ(-EPERM, run(f, NULL)) TH_LOG("%s", f);
		ASSERT_EQ(0, overwrite_payload(f, "content-B"));
		EXPECT_EQ(PAYLOAD_EXIT, run(f, NULL)) TH_LOG("%s", f);
		EXPECT_EQ(PAYLOAD_EXIT, run(f, NULL)) TH_LOG("%s", f);
		ASSERT_EQ(0, overwrite_payload(f, "content-A"));
		EXPECT_EQ(-EPERM, run(f, NULL)) TH_LOG("%s", f);
		EXPECT_EQ(-EPERM, run(f, NULL)) TH_LOG("%s", f);
	}

	/* an on=open rule attaches it, before the rule is in force */
	snprintf(rules, sizeof(rules), "deny sha256=%s id=t-A\n"
		 "deny path=@/share/data id=t-data on=open\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	ASSERT_EQ(0, CTL(line, "reload"));
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_NE(NULL, strstr(line, "\"file_open\":true")) TH_LOG("%s", line);
	EXPECT_EQ(-1, open(at(self, "share/data"), O_RDONLY));
	EXPECT_EQ(EPERM, errno);
	ASSERT_EQ(0, overwrite_payload(at(self, "other/file"), "content-B"));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "other/file"), NULL));

	/* and a policy without one detaches it again */
	snprintf(rules, sizeof(rules), "deny sha256=%s id=t-A\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	ASSERT_EQ(0, CTL(line, "reload"));
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
	fd = open(at(self, "share/data"), O_RDONLY);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(0, overwrite_payload(at(self, "other/file"), "content-A"));
	EXPECT_EQ(-EPERM, run(at(self, "other/file"), NULL));
	umount2(at(self, "ram"), MNT_DETACH);
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

/* Log rotation: after a rename and SIGUSR1, events go to a new file. */
TEST_F_TIMEOUT(enforce, sigusr1_reopens_events_file, 180)
{
	char line[16384], old[PATH_MAX], cur[PATH_MAX];

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	START("enforce");
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-exact"),
			       NULL));
	snprintf(cur, sizeof(cur), "%s/events.json", self->dir);
	snprintf(old, sizeof(old), "%s/events.json.1", self->dir);
	ASSERT_EQ(0, rename(cur, old));
	ASSERT_EQ(0, signal_and_wait(self, SIGUSR1, "reopening"));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-exact"),
			       NULL));
	EXPECT_EQ(1, count_events(self));	/* the new file: one event */
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

/* A reload takes an unchanged file's rules from the policy in force
 * without reading it: they go on denying, with their own id, message and
 * file in the events, while the file that changed is read again. */
TEST_F_TIMEOUT(enforce, reload_keeps_unchanged_files_rules, 240)
{
	char line[16384];

	ASSERT_EQ(0, write_policy(self, "a.rules",
		  "deny path=@/bin/tool id=t-kept msg=\"kept as it was\"\n"));
	ASSERT_EQ(0, write_policy(self, "b.rules",
		  "deny path=@/bin/fine id=t-old\n"));
	START("enforce");
	/* a file read within a second of its change is read again: wait,
	 * then reload so that the policy in force read both files late */
	sleep(2);
	ASSERT_EQ(0, sighup_and_wait(self, "in force"));

	ASSERT_EQ(0, write_policy(self, "b.rules",
		  "deny path=@/opt/vendor/bin/agent id=t-new\n"));
	ASSERT_EQ(0, sighup_and_wait(self, "1 of 2 policy files unchanged"));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/bin/agent"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-kept"),
			       q("description", "kept as it was"),
			       q("ruleset", at(self, "policy.d/a.rules")),
			       NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-new"),
			       q("ruleset", at(self, "policy.d/b.rules")),
			       NULL));

	/* nothing changed: once b.rules too was read late, both are taken
	 * as they were, and still deny */
	sleep(2);
	ASSERT_EQ(0, sighup_and_wait(self, "in force"));
	ASSERT_EQ(0, sighup_and_wait(self, "2 of 2 policy files unchanged"));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/bin/agent"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
}

TEST_HARNESS_MAIN
