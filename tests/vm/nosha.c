// SPDX-License-Identifier: GPL-2.0-only
/*
 * A kernel whose IMA does not hash with SHA-256 (booted with ima_hash=sha1):
 * interdict says so in `interdict doctor` and in its log, and keeps enforcing
 * path rules. scripts/check boots such a kernel for this suite; elsewhere it
 * reports skipped.
 */
#include "common.h"

/* True when /proc/cmdline asks IMA for another hash than SHA-256. */
static bool ima_not_sha256(void)
{
	char cmd[4096] = "", *p;
	FILE *f = fopen("/proc/cmdline", "re");

	if (f) {
		if (!fgets(cmd, sizeof(cmd), f))
			cmd[0] = 0;
		fclose(f);
	}
	p = strstr(cmd, "ima_hash=");
	return p && strncmp(p + strlen("ima_hash="), "sha256", 6);
}

static const char *cli_path(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", daemon_path());
	path[strlen(path) - 1] = 0;	/* interdictd -> interdict */
	return path;
}

TEST_F_TIMEOUT(enforce, path_rules_hold_without_sha256, 180)
{
	char rules[512], hex[2 * ID_SHA256_LEN + 1], cmd[PATH_MAX + 32];
	char out[4096] = "";
	__u8 sha[ID_SHA256_LEN];
	FILE *p;
	int status, i;

	if (!ima_not_sha256())
		SKIP(return, "needs a kernel booted with ima_hash=sha1 "
		     "(scripts/check boots one)");
	snprintf(cmd, sizeof(cmd), "%s doctor -j", cli_path());
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	fread(out, 1, sizeof(out) - 1, p);
	status = pclose(p);
	EXPECT_EQ(0, WEXITSTATUS(status));	/* path rules can be enforced */
	EXPECT_NE(NULL, strstr(out, "\"enforce\":true,\"sha256\":false"));
	EXPECT_NE(NULL, strstr(out, "not SHA-256"));

	ASSERT_EQ(0, sha256_file(at(self, "bin/fine"), sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules), "deny path=@/bin/tool id=t-path\n"
		 "deny sha256=%s id=t-hash\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	START("enforce");
	EXPECT_EQ(1, log_count(self, "SHA-256 rules cannot be enforced"));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	/* the hash rule cannot apply: the file runs, and the log says why */
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/fine"), NULL));
	for (i = 0; i < EVENT_TIMEOUT * 10 &&
	     !log_count(self, "could not be hashed"); i++)
		usleep(100000);
	EXPECT_LE(1, log_count(self, "could not be hashed"));
}

TEST_HARNESS_MAIN
