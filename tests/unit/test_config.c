// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of userspace/config.c: the defaults, every key, every error
 * message with its file:line, and files that are not regular (a real FIFO).
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "interdict.h"

/* The harness's test wrapper sets a local after setjmp(); gcc -O2 -Wextra
 * warns about it once a test body is inlined into that wrapper. */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

FIXTURE(conf) {
	struct config c;
	char *out;
	size_t len;
	FILE *err;
	char dir[64];
};

FIXTURE_SETUP(conf)
{
	config_defaults(&self->c);
	self->err = open_memstream(&self->out, &self->len);
	ASSERT_NE(NULL, self->err);
	strcpy(self->dir, "/tmp/interdict-conf-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	return remove(path);
}

FIXTURE_TEARDOWN(conf)
{
	nftw(self->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	fclose(self->err);
	free(self->out);
}

static const char *text(FILE *err, char **out)
{
	fflush(err);
	return *out ? *out : "";
}

static int parse(struct config *c, const char *buf, FILE *err)
{
	return config_parse_buf(c, "i.conf", buf, strlen(buf), err);
}

#define TEXT text(self->err, &self->out)

TEST_F(conf, defaults)
{
	EXPECT_STREQ("/etc/interdict/policy.d", self->c.policy_dir);
	EXPECT_STREQ("-", self->c.events);
	EXPECT_STREQ("/sys/fs/bpf/interdict", self->c.pin_dir);
	EXPECT_STREQ("/run/interdict/control", self->c.control);
	EXPECT_EQ(-1, self->c.enforce);
	EXPECT_EQ(262144U, self->c.lim.sha_rules);
	EXPECT_EQ(65536U, self->c.lim.path_rules);
	EXPECT_EQ(8U, self->c.lim.events_mb);
	EXPECT_EQ(5U, self->c.refresh_s);
	EXPECT_EQ(0U, self->c.set);
	EXPECT_STREQ("/etc/interdict/interdict.conf", ID_CONFIG_PATH);
}

TEST_F(conf, every_key)
{
	ASSERT_EQ(0, parse(&self->c,
			   "# interdict.conf\n"
			   "\n"
			   "mode = enforce\n"
			   "  policy-dir=/srv/policy dir   # spaces inside\n"
			   "events\t=\t/var/log/interdict/events.json\r\n"
			   "pin-dir = /sys/fs/bpf/x\n"
			   "control = /run/x/control\n"
			   "max-sha256-rules = 16777216\n"
			   "max-path-rules = 1\n"
			   "refresh = 0", self->err));
	EXPECT_STREQ("", TEXT);
	EXPECT_EQ(1, self->c.enforce);
	EXPECT_STREQ("/srv/policy dir", self->c.policy_dir);
	EXPECT_STREQ("/var/log/interdict/events.json", self->c.events);
	EXPECT_STREQ("/sys/fs/bpf/x", self->c.pin_dir);
	EXPECT_STREQ("/run/x/control", self->c.control);
	EXPECT_EQ(16777216U, self->c.lim.sha_rules);
	EXPECT_EQ(1U, self->c.lim.path_rules);
	EXPECT_EQ(8U, self->c.lim.events_mb);
	EXPECT_EQ(0U, self->c.refresh_s);
	EXPECT_EQ(255U, self->c.set);
}

TEST_F(conf, fileless)
{
	EXPECT_EQ(ID_FILELESS_OFF, self->c.fileless);
	ASSERT_EQ(0, parse(&self->c, "fileless = deny\n"
			   "fileless-allow = /usr/bin/node,/usr/lib/jvm/bin/java  /usr/sbin/runc\n",
			   self->err));
	EXPECT_STREQ("", TEXT);
	EXPECT_EQ(ID_FILELESS_DENY, self->c.fileless);
	EXPECT_STREQ("/usr/bin/node,/usr/lib/jvm/bin/java  /usr/sbin/runc",
		     self->c.fileless_allow);
	EXPECT_EQ((unsigned int)(CONFIG_SET_FILELESS | CONFIG_SET_FILELESS_ALLOW),
		  self->c.set);
}

TEST_F(conf, fileless_allow_bounded)
{
	char buf[8192] = "fileless-allow =";
	int i;

	for (i = 0; i <= ID_FILELESS_ALLOW_MAX; i++)
		strcat(buf, " /x");
	EXPECT_EQ(-EINVAL, parse(&self->c, buf, self->err));
	EXPECT_NE(NULL, strstr(TEXT, "fileless-allow names more than 64 "
			       "executables")) TH_LOG("%s", TEXT);
}

TEST_F(conf, set_bits_and_untouched_keys)
{
	ASSERT_EQ(0, parse(&self->c, "mode = audit\nevents = -\nrefresh=86400\n",
			   self->err));
	EXPECT_EQ(0, self->c.enforce);
	EXPECT_EQ(86400U, self->c.refresh_s);
	EXPECT_EQ((unsigned int)(CONFIG_SET_MODE | CONFIG_SET_EVENTS | CONFIG_SET_REFRESH),
		  self->c.set);
	EXPECT_STREQ("/etc/interdict/policy.d", self->c.policy_dir);
	EXPECT_STREQ("-", self->c.events);
}

/* One bad line: its message, -EINVAL, and the config left as it was. */
FIXTURE(bad) {
	struct config c;
	char *out;
	size_t len;
	FILE *err;
};

FIXTURE_SETUP(bad)
{
	config_defaults(&self->c);
	self->err = open_memstream(&self->out, &self->len);
	ASSERT_NE(NULL, self->err);
}

FIXTURE_TEARDOWN(bad)
{
	fclose(self->err);
	free(self->out);
}

FIXTURE_VARIANT(bad) {
	const char *text, *msg;
	size_t len;		/* 0: strlen(text) */
};

#define BAD(name, line, message) \
	FIXTURE_VARIANT_ADD(bad, name) { .text = line, .msg = message }

BAD(unknown_key, "mode = audit\nmax-rules = 5\n",
    "i.conf:2: unknown key 'max-rules'; expected mode, policy-dir, events, pin-dir, control, max-sha256-rules, max-path-rules, refresh, journal, fileless or fileless-allow\n");
BAD(fileless_word, "fileless = on\n",
    "i.conf:1: fileless 'on'; expected off, audit or deny\n");
BAD(fileless_allow_relative, "fileless-allow = /usr/bin/node, java\n",
    "i.conf:1: fileless-allow: 'java' is not absolute; expected the paths of executables, each starting with '/'\n");
BAD(no_equals, "enforce\n", "i.conf:1: 'enforce' is not a setting; expected key = value\n");
BAD(no_value, "policy-dir =  # none\n", "i.conf:1: policy-dir has no value\n");
BAD(mode, "mode = block\n", "i.conf:1: mode 'block'; expected audit or enforce\n");
BAD(relative, "policy-dir = etc/policy.d\n",
    "i.conf:1: policy-dir 'etc/policy.d' is not absolute; expected a path starting with '/'\n");
BAD(events_relative, "events = events.json\n",
    "i.conf:1: events 'events.json' is not absolute; expected a path starting with '/'\n");
BAD(proc_self, "pin-dir = /proc/self/root/sys/fs/bpf\n",
    "i.conf:1: pin-dir '/proc/self/root/sys/fs/bpf' goes through /proc/self, which names another file in every process; expected the file's own path\n");
BAD(dev_stdout, "events = /dev/stdout\n",
    "i.conf:1: events '/dev/stdout' goes through /dev/stdout, which names");
BAD(control_long, "control = /run/interdict/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    "i.conf:1: control is 108 bytes long; the limit is 107 bytes (a socket's path)\n");
BAD(rules_zero, "max-sha256-rules = 0\n",
    "i.conf:1: max-sha256-rules '0'; expected a number from 1 to 16777216\n");
BAD(rules_over, "max-path-rules = 16777217\n",
    "i.conf:1: max-path-rules '16777217'; expected a number from 1 to 16777216\n");
BAD(rules_negative, "max-path-rules = -1\n",
    "i.conf:1: max-path-rules '-1'; expected a number from 1 to 16777216\n");
BAD(rules_hex, "max-path-rules = 0x10\n", "i.conf:1: max-path-rules '0x10'; expected");
BAD(rules_huge, "max-path-rules = 99999999999999999999999\n",
    "i.conf:1: max-path-rules '99999999999999999999999'; expected");
BAD(refresh_over, "refresh = 86401\n",
    "i.conf:1: refresh '86401'; expected seconds from 0 (never) to 86400\n");
BAD(refresh_word, "refresh = 5s\n", "i.conf:1: refresh '5s'; expected seconds");
BAD(twice, "mode = audit\n# again\nmode = enforce\n",
    "i.conf:3: mode given twice (first at line 1); expected each key once\n");
BAD(control_char, "mode = audit\x1b[31m\n",
    "i.conf:1: control character 0x1b; expected printable text\n");
FIXTURE_VARIANT_ADD(bad, nul) {
	.text = "mode = audit\0\n", .len = 14,
	.msg = "i.conf:1: control character 0x00",
};

TEST_F(bad, reported)
{
	struct config before = self->c;
	size_t len = variant->len ? variant->len : strlen(variant->text);

	ASSERT_EQ(-EINVAL, config_parse_buf(&self->c, "i.conf",
					    variant->text, len, self->err));
	EXPECT_NE(NULL, strstr(TEXT, variant->msg))
		TH_LOG("expected \"%s\" in:\n%s", variant->msg, TEXT);
	EXPECT_EQ(0, memcmp(&before, &self->c, sizeof(before)));
}

TEST_F(conf, every_error_reported)
{
	ASSERT_EQ(-EINVAL, parse(&self->c, "mode = x\nok\nrefresh = 5\nfoo = 1\n",
				 self->err));
	EXPECT_STREQ("i.conf:1: mode 'x'; expected audit or enforce\n"
		     "i.conf:2: 'ok' is not a setting; expected key = value\n"
		     "i.conf:4: unknown key 'foo'; expected mode, policy-dir, events, pin-dir, control, max-sha256-rules, max-path-rules, refresh, journal, fileless or fileless-allow\n",
		     TEXT);
	EXPECT_EQ(5U, self->c.refresh_s);
	EXPECT_EQ(0U, self->c.set);
}

TEST_F(conf, hostile_name)
{
	ASSERT_EQ(-EINVAL, config_parse_buf(&self->c, "a\n\x1b[2Jb.conf", "x\n",
					    2, self->err));
	EXPECT_STREQ("a\\n\\x1b[2Jb.conf:1: 'x' is not a setting; expected key = value\n",
		     TEXT);
}

TEST_F(conf, file)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/interdict.conf", self->dir);
	EXPECT_EQ(-ENOENT, config_parse_file(&self->c, path, self->err));
	EXPECT_STREQ("", TEXT);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs("mode = audit\nmax-path-rules = 10\n", f);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, config_parse_file(&self->c, path, self->err));
	EXPECT_EQ(0, self->c.enforce);
	EXPECT_EQ(10U, self->c.lim.path_rules);
	EXPECT_STREQ("", TEXT);
}

/* A FIFO is refused at once: opening it for reading would wait for a
 * writer forever. */
TEST_F(conf, fifo)
{
	char path[PATH_MAX], want[PATH_MAX + 64];
	struct timespec t0, t1;

	snprintf(path, sizeof(path), "%s/interdict.conf", self->dir);
	ASSERT_EQ(0, mkfifo(path, 0600));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-EINVAL, config_parse_file(&self->c, path, self->err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_GT(2, t1.tv_sec - t0.tv_sec);
	snprintf(want, sizeof(want), "%s: cannot read: a FIFO, not a regular file\n",
		 path);
	EXPECT_STREQ(want, TEXT);
}

TEST_F(conf, not_regular)
{
	char want[PATH_MAX + 64];

	EXPECT_EQ(-EINVAL, config_parse_file(&self->c, "/dev/null", self->err));
	EXPECT_EQ(-EINVAL, config_parse_file(&self->c, self->dir, self->err));
	snprintf(want, sizeof(want), "/dev/null: cannot read: a character device, not a regular file\n"
		 "%s: cannot read: Is a directory\n", self->dir);
	EXPECT_STREQ(want, TEXT);
}

TEST_HARNESS_MAIN
