// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdict scan against the kernel: a fake vendor product installed as a
 * dpkg package (in a database of its own) and its agent already running
 * when the policy arrives; the daemon's package= rules and process-running
 * events, scan --processes --kill, --write-rules loaded to deny a moved
 * copy, and scan's verdict against the kernel's on every file of a tree.
 */
#include "common.h"
#include "../wait_exe.h"

#define OUT_MAX		(1 << 16)

/* A long-running agent: busybox's sleep under another name, with a tag
 * appended so that its hash is not busybox's own (a rule on busybox would
 * deny the guest's shell). */
static pid_t start_agent(const char *path, const char *tag, bool ignore_term)
{
	return start_tagged("/bin/busybox", path, tag, "120", ignore_term, 2000);
}

/* A dpkg database at D/dpkg with the given status text; lists follow. */
static int dpkg_db(struct _test_data_enforce *self, const char *status)
{
	int err = mkdirs(at(self, "dpkg/info"));

	return err ? err : write_file(at(self, "dpkg/status"), status,
				      strlen(status), 0644);
}

static int dpkg_list(struct _test_data_enforce *self, const char *pkg,
		     const char *files)
{
	char text[3 * PATH_MAX], name[128];
	const char *r;
	size_t n = 0;

	for (r = files; *r && n < sizeof(text) - PATH_MAX; r++) {
		if (*r == '@')
			n += snprintf(text + n, sizeof(text) - n, "%s", self->dir);
		else
			text[n++] = *r;
	}
	snprintf(name, sizeof(name), "dpkg/info/%s.list", pkg);
	return write_file(at(self, "%s", name), text, n, 0644);
}

/* interdict ARGS... with stdout and stderr in out (from the control
 * socket's helper); the exit status. */
#define CLI(out, ...) ctl(self, out, OUT_MAX, \
			  (const char *const []){ __VA_ARGS__, NULL })

static bool reaped_by(pid_t pid, int sig)
{
	int status, i;

	for (i = 0; i < 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFSIGNALED(status) && WTERMSIG(status) == sig;
		usleep(100000);
	}
	return false;
}

/*
 * The package: its files denied by path and by hash, the agent that ran
 * before the policy reported and stopped, a package installed later
 * picked up at the next refresh.
 */
TEST_F_TIMEOUT(enforce, package_rules_and_running_agent, 300)
{
	char *out = malloc(OUT_MAX), line[16384], pidq[64], policy[PATH_MAX];
	pid_t agent, stubborn;
	int i;

	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, mkdirs(at(self, "opt/vendor/lib")));
	ASSERT_EQ(0, mkdirs(at(self, "opt/late/bin")));
	ASSERT_EQ(0, make_payload(at(self, "opt/vendor/lib/libv.so"), "lib"));
	ASSERT_EQ(0, dpkg_db(self,
		"Package: vendor-agent\nStatus: install ok installed\n"
		"Architecture: amd64\nVersion: 7.1-1\n\n"
		"Package: other\nStatus: install ok installed\n"
		"Architecture: amd64\nVersion: 1\n"));
	ASSERT_EQ(0, dpkg_list(self, "vendor-agent",
		"/.\n@/opt\n@/opt/vendor\n@/opt/vendor/bin\n"
		"@/opt/vendor/bin/agent\n@/opt/vendor/bin/agentd\n"
		"@/opt/vendor/bin/stubborn\n@/opt/vendor/lib/libv.so\n"));
	ASSERT_EQ(0, dpkg_list(self, "other", "@/bin/fine\n"));
	setenv("INTERDICT_DPKG_ADMINDIR", at(self, "dpkg"), 1);
	agent = start_agent(at(self, "opt/vendor/bin/agentd"), "agentd", false);
	stubborn = start_agent(at(self, "opt/vendor/bin/stubborn"), "stub", true);
	ASSERT_LT(0, agent);
	ASSERT_LT(0, stubborn);
	ASSERT_EQ(0, write_policy(self, "50-pkg.rules",
		"deny package=vendor-* id=vendor-pkg msg=\"banned vendor\"\n"));
	self->extra[0] = "--refresh";
	self->extra[1] = "1";
	START("enforce");

	/* what ran before the policy is reported */
	snprintf(pidq, sizeof(pidq), "\"pid\":%d,", (int)agent);
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("action", "process-running"), pidq,
			       q("id", "vendor-pkg"), NULL))
		TH_LOG("no process-running event for the agent");
	EXPECT_NE(NULL, strstr(line, q("executable", at(self, "opt/vendor/bin/agentd"))));
	EXPECT_NE(NULL, strstr(line, "\"package\":{\"name\":\"vendor-agent\",\"version\":\"7.1-1\""));
	EXPECT_NE(NULL, strstr(line, q("mode", "enforce")));

	/* the package's files, by path; a copy, by hash */
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/bin/agent"), NULL));
	ASSERT_EQ(0, make_payload(at(self, "other/copy"), "agent"));
	EXPECT_EQ(-EPERM, run(at(self, "other/copy"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
	EXPECT_EQ(0, CLI(out, "rules"));
	EXPECT_NE(NULL, strstr(out, "package=vendor-agent/7.1-1/amd64"));

	/* scan finds both agents, --kill stops them */
	snprintf(policy, sizeof(policy), "%s/policy.d", self->dir);
	EXPECT_EQ(1, CLI(out, "scan", "--policy", policy, "--processes",
			 "--kill", "--kill-grace", "2"));
	EXPECT_NE(NULL, strstr(out, "/agentd): SIGTERM\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "/stubborn): SIGKILL\n")) TH_LOG("%s", out);
	EXPECT_TRUE(reaped_by(agent, SIGTERM));
	EXPECT_TRUE(reaped_by(stubborn, SIGKILL));

	/* installed after the policy loaded: in force after a refresh */
	ASSERT_EQ(0, make_payload(at(self, "opt/late/bin/tool"), "late"));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "opt/late/bin/tool"), NULL));
	ASSERT_EQ(0, dpkg_list(self, "vendor-late", "@/opt/late/bin/tool\n"));
	ASSERT_EQ(0, dpkg_db(self,
		"Package: vendor-agent\nStatus: install ok installed\n"
		"Architecture: amd64\nVersion: 7.1-1\n\n"
		"Package: vendor-late\nStatus: install ok installed\n"
		"Architecture: all\nVersion: 2\n"));
	for (i = 0; i < 100 && run(at(self, "opt/late/bin/tool"), NULL) != -EPERM; i++)
		usleep(100000);
	EXPECT_EQ(-EPERM, run(at(self, "opt/late/bin/tool"), NULL));
	EXPECT_LE(1, log_count(self, "the dpkg database changed"));
	unsetenv("INTERDICT_DPKG_ADMINDIR");
	free(out);
}

/* The tree of the issue: copies, a renamed copy, a carve-out, a link
 * loop; paths relative to D. */
static const char *const tree[] = {
	"opt/vendor/bin/agent", "opt/vendor/bin/daemon",
	"opt/vendor/bin/uninstall", "opt/vendor/share/helper",
	"opt/legacy/report", "home/u/renamed", "home/u/fine", "srv/copy",
};

/* scan's decision for D/rel from its -j lines: "deny", "audit",
 * "allow" or NULL for no finding. */
static const char *scan_decision(const char *out, const char *path)
{
	static char d[16];
	char key[PATH_MAX + 32];
	const char *line, *p;

	snprintf(key, sizeof(key), "\"file\":{\"path\":\"%s\"", path);
	line = strstr(out, key);
	if (!line)
		return NULL;
	while (line > out && line[-1] != '\n')
		line--;
	p = strstr(line, "\"decision\":\"");
	if (!p || sscanf(p + 12, "%15[a-z]", d) != 1)
		return NULL;
	return d;
}

TEST_F_TIMEOUT(enforce, scan_agrees_with_the_kernel, 300)
{
	char *out = malloc(OUT_MAX), *buf = malloc(OUT_MAX);
	char path[PATH_MAX], rules[PATH_MAX];
	char sha[2 * ID_SHA256_LEN + 1], policy[8192], dir[PATH_MAX];
	__u8 h[ID_SHA256_LEN];
	const char *want;
	size_t i;
	int got;

	ASSERT_NE(NULL, out);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, mkdirs(at(self, "opt/vendor/share")));
	ASSERT_EQ(0, mkdirs(at(self, "opt/legacy")));
	ASSERT_EQ(0, mkdirs(at(self, "home/u")));
	ASSERT_EQ(0, mkdirs(at(self, "srv")));
	for (i = 0; i < ARRAY_SIZE(tree); i++)
		ASSERT_EQ(0, make_payload(at(self, "%s", tree[i]),
					  strrchr(tree[i], '/') + 1));
	/* renamed: agent under another name and another directory */
	ASSERT_EQ(0, make_payload(at(self, "home/u/renamed"), "agent"));
	ASSERT_EQ(0, symlink("..", at(self, "opt/vendor/loop")));
	ASSERT_EQ(0, sha256_file(at(self, "opt/vendor/bin/agent"), h));
	sha256_hex(h, sha);
	snprintf(policy, sizeof(policy),
		 "deny path=@/opt/vendor/ id=tree\n"
		 "allow path=@/opt/vendor/bin/uninstall id=carve\n"
		 "audit path=@/opt/legacy/ id=legacy\n"
		 "deny sha256=%s id=agent-hash\n", sha);
	ASSERT_EQ(0, write_policy(self, "50-tree.rules", policy));
	snprintf(rules, sizeof(rules), "%s/policy.d", self->dir);
	snprintf(dir, sizeof(dir), "%s", self->dir);
	EXPECT_EQ(1, CLI(out, "-j", "scan", "--policy", rules, dir));
	/* exactly the expected set */
	EXPECT_STREQ("deny", scan_decision(out, at(self, "opt/vendor/bin/agent")));
	EXPECT_STREQ("deny", scan_decision(out, at(self, "opt/vendor/bin/daemon")));
	EXPECT_STREQ("allow", scan_decision(out, at(self, "opt/vendor/bin/uninstall")));
	EXPECT_STREQ("deny", scan_decision(out, at(self, "home/u/renamed")));
	EXPECT_STREQ("audit", scan_decision(out, at(self, "opt/legacy/report")));
	EXPECT_EQ(NULL, scan_decision(out, at(self, "home/u/fine")));
	EXPECT_NE(NULL, strstr(out, "\"findings\":5,\"carve_outs\":1,")) TH_LOG("%s", out);

	/* the inventory becomes hash rules for what the tree rule found */
	snprintf(path, sizeof(path), "%s/found.rules", self->dir);
	EXPECT_EQ(1, CLI(buf, "scan", "--policy", rules, "--write-rules", path,
			 at(self, "opt")));
	EXPECT_EQ(0, CLI(buf, "check", rules, path)) TH_LOG("%s", buf);
	at(self, "policy.d/60-found.rules");
	ASSERT_EQ(0, rename(path, self->path));
	/* what the kernel is compared with: scan under the final policy */
	EXPECT_EQ(1, CLI(out, "-j", "scan", "--policy", rules, dir));
	EXPECT_STREQ("deny", scan_decision(out, at(self, "opt/legacy/report")));

	START("enforce");
	/* the kernel's verdict on every file, against scan's */
	for (i = 0; i < ARRAY_SIZE(tree); i++) {
		at(self, "%s", tree[i]);
		snprintf(path, sizeof(path), "%s", self->path);
		want = scan_decision(out, path);
		got = run(path, NULL);
		if (want && !strcmp(want, "deny")) {
			EXPECT_EQ(-EPERM, got) TH_LOG("%s: scan says deny", path);
		} else {
			EXPECT_EQ(PAYLOAD_EXIT, got) TH_LOG("%s: scan says %s",
				path, want ? want : "nothing");
		}
	}
	/* the report sees the daemon enforce the policy scanned with */
	EXPECT_EQ(1, CLI(buf, "-j", "scan", "--report", "--policy", rules,
			 at(self, "opt/vendor/bin")));
	EXPECT_NE(NULL, strstr(buf, "\"enforcement\":{\"active\":true,\"mode\":\"enforce\",")) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "\"same_policy\":true")) TH_LOG("%s", buf);
	/* daemon, moved out of the tree: denied by the written hash rule */
	ASSERT_EQ(0, rename(at(self, "opt/vendor/bin/daemon"), at(self, "srv/moved")));
	EXPECT_EQ(-EPERM, run(at(self, "srv/moved"), NULL));
	free(out);
	free(buf);
}

TEST_HARNESS_MAIN
