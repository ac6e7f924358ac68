// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the policy parser (userspace/policy.c): every error message,
 * the fields of parsed rules, precedence, and how directories are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "interdict.h"

/* The harness's test wrapper sets a local after setjmp(); gcc -O2 -Wextra
 * warns about it once a test body is inlined into that wrapper. */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define X64 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

/* A policy and the error stream it is parsed with. */
struct sink {
	struct policy p;
	char *out;
	size_t len;
	FILE *err;
};

static int sink_open(struct sink *s)
{
	memset(s, 0, sizeof(*s));
	s->err = open_memstream(&s->out, &s->len);
	return s->err ? 0 : -errno;
}

static void sink_close(struct sink *s)
{
	if (s->err)
		fclose(s->err);
	free(s->out);
	policy_free(&s->p);
}

static const char *sink_text(struct sink *s)
{
	fflush(s->err);
	return s->out ? s->out : "";
}

static int sink_lines(struct sink *s)
{
	const char *c = sink_text(s);
	int n = 0;

	while ((c = strchr(c, '\n')))
		n++, c++;
	return n;
}

static int parse(struct sink *s, const char *name, const char *text)
{
	return policy_parse_buf(&s->p, name, text, strlen(text), s->err);
}

/* Text of n copies of c, for the limits. */
static char *fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

#define ASSERT_ERR(s, frag) \
	ASSERT_NE(NULL, strstr(sink_text(s), frag)) \
		TH_LOG("expected \"%s\" in:\n%s", frag, sink_text(s))

/* A fixture holding just a sink. */
#define SINK_FIXTURE(name) \
	FIXTURE(name) { \
		struct sink s; \
	}; \
	FIXTURE_SETUP(name) \
	{ \
		ASSERT_EQ(0, sink_open(&self->s)); \
	} \
	FIXTURE_TEARDOWN(name) \
	{ \
		sink_close(&self->s); \
	}

/* One bad line: exactly one message, and no rule added. */
SINK_FIXTURE(bad);

FIXTURE_VARIANT(bad) {
	const char *text;
	size_t len;		/* 0: strlen(text) */
	const char *msg;
};

#define BAD(name, line, message) \
	FIXTURE_VARIANT_ADD(bad, name) { .text = line, .msg = message }

BAD(unknown_action, "block path=/x id=a\n",
    "t.rules:1: unknown action 'block'; expected deny, allow or audit");
BAD(option_as_action, "path=/x id=a\n",
    "t.rules:1: unknown action 'path=/x'; expected deny, allow or audit");
BAD(bare_word, "deny path=/x id=a extra\n",
    "t.rules:1: unexpected word 'extra'; expected options as key=value");
BAD(unknown_option, "deny path=/x id=a foo=1\n",
    "t.rules:1: unknown option 'foo'; expected path, sha256, package, id, msg, on or mode");
BAD(two_paths, "deny path=/x path=/y id=a\n",
    "t.rules:1: second match 'path=/y'; expected exactly one path=, sha256= or package=");
BAD(path_and_sha256, "deny path=/x sha256=" HEX64 " id=a\n",
    "t.rules:1: second match 'sha256=" HEX64 "'; expected exactly one");
BAD(option_twice, "deny path=/x id=a id=b\n",
    "t.rules:1: option 'id' given twice; expected each option once");
BAD(msg_twice, "deny path=/x id=a msg=a msg=b\n",
    "t.rules:1: option 'msg' given twice");
BAD(no_match, "deny id=a\n",
    "t.rules:1: no match; expected path=/file, path=/dir/, sha256=<64 hex digits> or package=NAME");
BAD(action_only, "deny\n", "t.rules:1: no match;");
BAD(no_id, "deny path=/x\n",
    "t.rules:1: no id; expected id=NAME, unique across all policy files");
BAD(path_relative, "deny path=opt/x id=a\n",
    "t.rules:1: path 'opt/x' is not absolute; expected a path starting with '/'");
BAD(path_empty, "deny path= id=a\n", "t.rules:1: path '' is not absolute");
BAD(path_root, "deny path=/ id=a\n",
    "t.rules:1: path=/ would match every file and deny the whole system");
BAD(path_long, "deny path=/" X64 X64 X64 X64 " id=a\n",
    "t.rules:1: path is 257 bytes long; the limit is 255 bytes");
BAD(path_double_slash, "deny path=/opt//x id=a\n",
    "t.rules:1: path '/opt//x' contains '//'; expected a canonical path");
BAD(path_dot, "deny path=/opt/./x id=a\n",
    "t.rules:1: path '/opt/./x' contains a '.' or '..' component; expected a canonical path");
BAD(path_dotdot, "deny path=/opt/../x/ id=a\n",
    "t.rules:1: path '/opt/../x/' contains a '.' or '..' component");
BAD(path_trailing_dot, "deny path=/opt/. id=a\n",
    "t.rules:1: path '/opt/.' contains a '.' or '..' component");
BAD(path_trailing_dotdot, "deny path=/opt/.. id=a\n",
    "t.rules:1: path '/opt/..' contains a '.' or '..' component");
BAD(sha256_short, "deny sha256=abc id=a\n",
    "t.rules:1: sha256 has 3 characters; expected exactly 64 hex digits");
BAD(sha256_long, "deny sha256=" HEX64 "0 id=a\n",
    "t.rules:1: sha256 has 65 characters");
BAD(sha256_not_hex, "deny sha256=" "g123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef" " id=a\n",
    "t.rules:1: sha256 has a character that is not a hex digit: 'g'; expected exactly 64 hex digits");
BAD(sha256_not_hex_low, "deny sha256=" "0z123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcde" " id=a\n",
    "t.rules:1: sha256 has a character that is not a hex digit: 'z'");
BAD(id_empty, "deny path=/x id=\n",
    "t.rules:1: id is 0 characters long; expected 1 to 63 characters");
BAD(id_long, "deny path=/x id=" X64 "\n",
    "t.rules:1: id is 64 characters long; expected 1 to 63 characters");
BAD(id_charset, "deny path=/x id=a/b\n",
    "t.rules:1: id 'a/b' has the character '/'; expected letters, digits and . _ : -");
BAD(msg_long, "deny path=/x id=a msg=" X64 X64 X64 X64 "\n",
    "t.rules:1: msg is 256 bytes long; the limit is 255 bytes");
BAD(on_empty, "deny path=/x id=a on=\n",
    "t.rules:1: empty item in on=; expected a comma-separated list of exec, mmap, open");
BAD(on_trailing_comma, "deny path=/x id=a on=exec,\n",
    "t.rules:1: empty item in on=exec,;");
BAD(on_unknown, "deny path=/x id=a on=exec,write\n",
    "t.rules:1: unknown hook 'write' in on=; expected exec, mmap or open");
BAD(mode_on_allow, "allow path=/x id=a mode=audit\n",
    "t.rules:1: mode= on an allow rule; mode applies to deny and audit rules only");
BAD(mode_unknown, "deny path=/x id=a mode=warn\n",
    "t.rules:1: unknown mode 'warn'; expected audit or enforce");
BAD(audit_enforce, "audit path=/x id=a mode=enforce\n",
    "t.rules:1: mode=enforce on an audit rule; use a deny rule to enforce");
BAD(quote_unterminated, "deny path=/x id=a msg=\"abc\n",
    "t.rules:1: unterminated quote; expected a closing '\"'");
BAD(quote_backslash_at_end, "deny path=/x id=a msg=\"abc\\\n",
    "t.rules:1: unterminated quote");
BAD(quote_unknown_escape, "deny path=/x id=a msg=\"a\\nb\"\n",
    "t.rules:1: unknown escape '\\n' in a quoted value; expected \\\" or \\\\");
BAD(quote_tab, "deny path=\"/x\ty\" id=a\n",
    "t.rules:1: tab in a quoted value; expected printable text");
BAD(quote_whole_token, "deny \"path=/x\" id=a\n",
    "t.rules:1: '\"' outside a quoted value; expected key=\"value\"");
BAD(quote_inside_value, "deny path=/x id=a msg=a\"b\"\n",
    "t.rules:1: '\"' outside a quoted value");
BAD(backslash_unquoted, "deny path=/a\\ b id=a\n",
    "t.rules:1: '\\' outside a quoted value; expected key=\"value\" with \\\" and \\\\ escapes");
BAD(text_after_quote, "deny path=/x id=a msg=\"a\"b\n",
    "t.rules:1: text after a closing quote; expected a space before the next option");
BAD(comment_after_quote, "deny path=/x id=a msg=\"a\"#c\n",
    "t.rules:1: text after a closing quote");
BAD(control_char, "deny path=/x\x01 id=a\n",
    "t.rules:1: control character 0x01; expected printable text");
BAD(control_del, "deny path=/x id=a msg=\x7f\n",
    "t.rules:1: control character 0x7f; expected printable text");
BAD(control_in_comment_line, "# bell \a\n", "t.rules:1: control character 0x07");
BAD(lone_cr, "deny path=/x\r id=a\n", "t.rules:1: control character 0x0d");
BAD(path_proc_self, "deny path=/proc/self/exe id=a\n",
    "t.rules:1: path '/proc/self/exe' goes through /proc/self, which names another file in every process; expected the file's own path");
BAD(path_thread_self, "deny path=/proc/thread-self/ id=a\n",
    "t.rules:1: path '/proc/thread-self/' goes through /proc/thread-self,");
BAD(path_dev_fd, "deny path=/dev/fd/3 id=a\n",
    "t.rules:1: path '/dev/fd/3' goes through /dev/fd,");
FIXTURE_VARIANT_ADD(bad, nul_byte) {
	.text = "deny path=/x\0 id=a\n", .len = 19,
	.msg = "t.rules:1: NUL byte; expected a text file",
};

TEST_F(bad, reported)
{
	size_t len = variant->len ? variant->len : strlen(variant->text);

	ASSERT_EQ(-EINVAL, policy_parse_buf(&self->s.p, "t.rules",
					    variant->text, len, self->s.err));
	ASSERT_ERR(&self->s, variant->msg);
	EXPECT_EQ(1, sink_lines(&self->s));
	EXPECT_EQ(0U, self->s.p.nrules);
	EXPECT_EQ(0U, self->s.p.npath + self->s.p.nsha);
}

SINK_FIXTURE(parse);

TEST_F(parse, subtree_with_every_option)
{
	const struct rule *r;

	ASSERT_EQ(0, parse(&self->s, "t.rules",
			   "deny path=/opt/kaspersky/ id=bod:1701_tree.a-b "
			   "msg=\"BOD 17-01: \\\"banned\\\" \\\\ vendor\" "
			   "on=open,exec mode=audit\n"));
	ASSERT_EQ(1U, self->s.p.nrules);
	r = &self->s.p.rules[0];
	EXPECT_STREQ("bod:1701_tree.a-b", r->id);
	EXPECT_STREQ("BOD 17-01: \"banned\" \\ vendor", r->msg);
	EXPECT_EQ(MATCH_TREE, (int)r->kind);
	EXPECT_STREQ("/opt/kaspersky/", r->path);
	EXPECT_EQ(ID_ACT_DENY, r->action);
	EXPECT_EQ(ID_HOOK_EXEC | ID_HOOK_OPEN, r->hooks);
	EXPECT_EQ(ID_RULE_AUDIT, r->flags);
	EXPECT_STREQ("t.rules", r->file);
	EXPECT_EQ(1U, r->line);
	EXPECT_EQ(1U, self->s.p.npath);
	EXPECT_EQ(0U, self->s.p.nsha);
	EXPECT_STREQ("", sink_text(&self->s));
}

TEST_F(parse, exact_path_defaults)
{
	const struct rule *r;

	ASSERT_EQ(0, parse(&self->s, "t.rules", "deny path=/usr/bin/x id=a"));
	r = &self->s.p.rules[0];
	EXPECT_EQ(MATCH_PATH, (int)r->kind);
	EXPECT_STREQ("/usr/bin/x", r->path);
	EXPECT_STREQ("", r->msg);
	EXPECT_EQ(ID_ACT_DENY, r->action);
	EXPECT_EQ(ID_HOOK_EXEC | ID_HOOK_MMAP, r->hooks);
	EXPECT_EQ(0, r->flags);
}

TEST_F(parse, sha256_either_case)
{
	static const __u8 want[ID_SHA256_LEN] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	const struct rule *r;

	ASSERT_EQ(0, parse(&self->s, "t.rules",
			   "deny sha256=" HEX64 " id=lower\n"
			   "deny sha256=0123456789ABCDEF0123456789ABCDEF"
			   "0123456789ABCDEF0123456789ABCDEe id=upper\n"));
	ASSERT_EQ(2U, self->s.p.nrules);
	r = &self->s.p.rules[0];
	EXPECT_EQ(MATCH_SHA256, (int)r->kind);
	EXPECT_EQ(0, memcmp(want, r->sha256, ID_SHA256_LEN));
	EXPECT_STREQ("", r->path);
	r = &self->s.p.rules[1];
	EXPECT_EQ(0, memcmp(want, r->sha256, ID_SHA256_LEN - 1));
	EXPECT_EQ(0xee, r->sha256[ID_SHA256_LEN - 1]);
	EXPECT_EQ(2U, self->s.p.nsha);
	EXPECT_EQ(0U, self->s.p.npath);
}

/* sha256= with on=open parses everywhere; a kernel without file_post_open
 * refuses it at its file and line (and only it), one with it takes it. */
TEST_F(parse, sha256_on_open_needs_post_open)
{
	struct diags d = { .f = self->s.err };

	ASSERT_EQ(0, parse(&self->s, "t.rules",
			   "deny path=/opt/x id=p on=open\n"
			   "deny sha256=" HEX64 " id=s on=exec,open\n"
			   "deny sha256=0123456789abcdef0123456789abcdef"
			   "0123456789abcdef0123456789abcdee id=e\n"));
	ASSERT_EQ(3U, self->s.p.nrules);
	EXPECT_EQ(ID_HOOK_EXEC | ID_HOOK_OPEN, self->s.p.rules[1].hooks);
	EXPECT_EQ(0, policy_check_kernel_diags(&self->s.p, true, &d));
	EXPECT_EQ(0U, d.errors);
	EXPECT_STREQ("", sink_text(&self->s));
	EXPECT_EQ(-EINVAL, policy_check_kernel_diags(&self->s.p, false, &d));
	EXPECT_EQ(1U, d.errors);
	ASSERT_ERR(&self->s, "t.rules:2: rule 's': sha256= with on=open needs "
		   "the kernel's file_post_open hook (Linux 6.9 and later), "
		   "which this kernel (");
	EXPECT_EQ(1, sink_lines(&self->s));
	diags_free(&d);
}

/* Every byte value at every position of the 64 digits: accepted exactly
 * when it is a hex digit (either case), and decoded to its value. */
TEST(sha256_every_byte_everywhere)
{
	static const char hex[] = "0123456789abcdef";
	char line[128], *digits;
	unsigned int pos, c, want;
	struct policy p;
	FILE *err = fopen("/dev/null", "we");
	int ret;

	ASSERT_NE(NULL, err);
	for (pos = 0; pos < 64; pos++) {
		for (c = 1; c < 256; c++) {
			memset(&p, 0, sizeof(p));
			snprintf(line, sizeof(line), "deny sha256=%s id=a\n",
				 HEX64);
			digits = line + strlen("deny sha256=");
			digits[pos] = (char)c;
			ret = policy_parse_buf(&p, "t.rules", line,
					       strlen(line), err);
			want = c >= '0' && c <= '9' ? c - '0' :
			       (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ?
			       (c | 0x20) - 'a' + 10 : 16;
			if (want == 16 || c == ' ' || c == '\n') {
				/* a space or newline cuts the value short */
				EXPECT_EQ(-EINVAL, ret) TH_LOG("byte %#x at %u", c, pos);
				EXPECT_EQ(0U, p.nrules);
			} else {
				__u8 b;

				ASSERT_EQ(0, ret) TH_LOG("byte %#x at %u", c, pos);
				ASSERT_EQ(1U, p.nrules);
				b = p.rules[0].sha256[pos / 2];
				EXPECT_EQ(want, pos & 1 ? b & 15U : b >> 4)
					TH_LOG("byte %#x at %u", c, pos);
				/* the other digits are HEX64's */
				EXPECT_EQ((unsigned)(strchr(hex, HEX64[pos ^ 1]) - hex),
					  pos & 1 ? b >> 4 : b & 15U);
			}
			policy_free(&p);
		}
	}
	fclose(err);
}

TEST_F(parse, actions_and_modes)
{
	static const struct {
		__u8 action, flags, hooks;
	} want[] = {
		{ ID_ACT_ALLOW, 0, ID_HOOK_EXEC | ID_HOOK_MMAP },
		{ ID_ACT_DENY, ID_RULE_AUDIT, ID_HOOK_EXEC | ID_HOOK_MMAP },
		{ ID_ACT_DENY, ID_RULE_AUDIT, ID_HOOK_EXEC | ID_HOOK_MMAP },
		{ ID_ACT_DENY, 0, ID_HOOK_EXEC | ID_HOOK_MMAP },
		{ ID_ACT_DENY, 0, ID_HOOK_ALL },
	};
	const struct rule *r;
	size_t i;

	ASSERT_EQ(0, parse(&self->s, "t.rules",
			   "allow path=/a id=allow\n"
			   "audit path=/b id=audit\n"
			   "audit path=/c id=audit-audit mode=audit\n"
			   "deny path=/d id=enforce mode=enforce\n"
			   "deny path=/e id=all on=mmap,open,exec,exec\n"));
	ASSERT_EQ(5U, self->s.p.nrules);
	for (i = 0; i < 5; i++) {
		r = &self->s.p.rules[i];
		EXPECT_EQ(want[i].action, r->action) TH_LOG("rule %s", r->id);
		EXPECT_EQ(want[i].flags, r->flags) TH_LOG("rule %s", r->id);
		EXPECT_EQ(want[i].hooks, r->hooks) TH_LOG("rule %s", r->id);
	}
}

TEST_F(parse, layout)
{
	const struct rule *r;

	ASSERT_EQ(0, parse(&self->s, "t.rules",
			   "# a comment\n"
			   "\n"
			   "   \t  # an indented comment\n"
			   "\tdeny\tpath=/a#b \t id=one  # trailing comment\r\n"
			   "allow path=\"/opt/my vendor/bin/run it\" id=\"two\"\n"
			   "   \n"
			   "deny path=/c id=three"));
	ASSERT_EQ(3U, self->s.p.nrules);
	r = self->s.p.rules;
	EXPECT_STREQ("/a#b", r[0].path);
	EXPECT_STREQ("one", r[0].id);
	EXPECT_EQ(4U, r[0].line);
	EXPECT_STREQ("/opt/my vendor/bin/run it", r[1].path);
	EXPECT_STREQ("two", r[1].id);
	EXPECT_EQ(5U, r[1].line);
	EXPECT_EQ(7U, r[2].line);
}

TEST_F(parse, hash_inside_a_word)
{
	ASSERT_EQ(-EINVAL, parse(&self->s, "t.rules",
				 "deny path=/x id=three#x\n"));
	ASSERT_ERR(&self->s, "id 'three#x' has the character '#'");
}

TEST_F(parse, empty_policy)
{
	ASSERT_EQ(0, parse(&self->s, "t.rules", ""));
	ASSERT_EQ(0, parse(&self->s, "u.rules", "# nothing\n\n"));
	EXPECT_EQ(0U, self->s.p.nrules);
	EXPECT_EQ(2U, self->s.p.nfiles);
}

TEST_F(parse, limits)
{
	char val[300], line[5000];
	const struct rule *r;

	/* At each limit a rule parses; one byte more is an error. */
	snprintf(line, sizeof(line), "deny path=/%s id=p\n",
		 fill(val, 'p', ID_PATH_KEY_MAX - 2));
	ASSERT_EQ(0, parse(&self->s, "t.rules", line));
	snprintf(line, sizeof(line), "deny path=/q id=%s\n",
		 fill(val, 'i', ID_RULE_ID_MAX - 1));
	ASSERT_EQ(0, parse(&self->s, "t.rules", line));
	snprintf(line, sizeof(line), "deny path=/m id=m msg=%s\n",
		 fill(val, 'm', ID_MSG_MAX - 1));
	ASSERT_EQ(0, parse(&self->s, "t.rules", line));
	ASSERT_EQ(3U, self->s.p.nrules);
	r = self->s.p.rules;
	EXPECT_EQ(ID_PATH_KEY_MAX - 1U, strlen(r[0].path));
	EXPECT_EQ(ID_RULE_ID_MAX - 1U, strlen(r[1].id));
	EXPECT_EQ(ID_MSG_MAX - 1U, strlen(r[2].msg));

	snprintf(line, sizeof(line), "deny path=/%s id=p2\n",
		 fill(val, 'p', ID_PATH_KEY_MAX - 1));
	ASSERT_EQ(-EINVAL, parse(&self->s, "t.rules", line));
	ASSERT_ERR(&self->s, "t.rules:1: path is 256 bytes long; the limit is 255 bytes");
}

TEST_F(parse, line_limit)
{
	char line[4200];
	size_t len = strlen("deny path=/l id=l #");

	/* 4095 bytes and a newline parse; 4096 bytes are too long. */
	memcpy(line, "deny path=/l id=l #", len);
	fill(line + len, 'c', 4095 - len);
	ASSERT_EQ(0, parse(&self->s, "t.rules", line));
	policy_free(&self->s.p);
	strcat(line, "\n");
	ASSERT_EQ(0, parse(&self->s, "t.rules", line));
	ASSERT_EQ(1U, self->s.p.nrules);
	fill(line + len, 'c', 4096 - len);
	ASSERT_EQ(-EINVAL, parse(&self->s, "t.rules", line));
	ASSERT_ERR(&self->s, "t.rules:1: line is 4096 bytes long; the limit is 4095 bytes");
}

TEST_F(parse, errors_do_not_stop_the_file)
{
	ASSERT_EQ(-EINVAL, parse(&self->s, "t.rules",
				 "deny path=/a id=a\n"
				 "deny path=/b id=b on=write\n"
				 "deny path=/c id=c\n"
				 "deny path=/d\n"));
	EXPECT_EQ(2, sink_lines(&self->s));
	ASSERT_ERR(&self->s, "t.rules:2: unknown hook 'write'");
	ASSERT_ERR(&self->s, "t.rules:4: no id");
	ASSERT_EQ(2U, self->s.p.nrules);
	EXPECT_STREQ("c", self->s.p.rules[1].id);
}

TEST_F(parse, error_cap)
{
	char text[200 * 6 + 1] = "";
	int i;

	for (i = 0; i < 200; i++)
		strcat(text, "block\n");
	ASSERT_EQ(-EINVAL, parse(&self->s, "t.rules", text));
	EXPECT_EQ(101, sink_lines(&self->s));
	ASSERT_ERR(&self->s, "t.rules:100: unknown action 'block'");
	ASSERT_ERR(&self->s, "\nt.rules: too many errors; only the first 100 are shown\n");
}

TEST_F(parse, silent_without_err)
{
	ASSERT_EQ(-EINVAL, policy_parse_buf(&self->s.p, "t.rules", "x", 1,
					    NULL));
	ASSERT_EQ(0, policy_parse_buf(&self->s.p, "t.rules", "deny path=/x id=x",
				      17, NULL));
}

TEST_F(parse, file_names_are_copied)
{
	char name[] = "copy.rules";

	ASSERT_EQ(0, parse(&self->s, name, "deny path=/x id=x\n"));
	name[0] = 'X';
	ASSERT_EQ(1U, self->s.p.nfiles);
	EXPECT_STREQ("copy.rules", self->s.p.files[0]);
	EXPECT_EQ(self->s.p.files[0], self->s.p.rules[0].file);
}

TEST_F(parse, many_rules)
{
	char line[128];
	size_t i;

	/* Enough to move the rule array: file pointers must survive it. */
	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "deny path=/r/%zu id=r%zu\n",
			 i, i);
		ASSERT_EQ(0, parse(&self->s, "t.rules", line));
	}
	ASSERT_EQ(1000U, self->s.p.nrules);
	EXPECT_EQ(1000U, self->s.p.npath);
	EXPECT_EQ(1000U, self->s.p.nfiles);
	EXPECT_EQ(self->s.p.files[999], self->s.p.rules[999].file);
	EXPECT_STREQ("r999", self->s.p.rules[999].id);
}

TEST_F(parse, duplicate_id)
{
	ASSERT_EQ(-EINVAL, parse(&self->s, "t.rules",
				 "deny path=/a id=x\n"
				 "deny path=/b id=y\n"
				 "deny path=/c id=x\n"
				 "deny sha256=" HEX64 " id=x\n"));
	EXPECT_EQ(2, sink_lines(&self->s));
	ASSERT_ERR(&self->s, "t.rules:3: duplicate id 'x' (first at t.rules:1); expected ids unique across all policy files\n"
			     "t.rules:4: duplicate id 'x' (first at t.rules:1)");
}

TEST_F(parse, duplicate_match)
{
	ASSERT_EQ(-EINVAL, parse(&self->s, "t.rules",
				 "deny path=/a/ id=a\n"
				 "deny path=/a id=b\n"
				 "deny sha256=" HEX64 " id=c\n"
				 "allow path=\"/a/\" id=d\n"
				 "audit sha256=0123456789ABCDEF0123456789ABCDEF"
				 "0123456789ABCDEF0123456789ABCDEF id=e\n"));
	EXPECT_EQ(2, sink_lines(&self->s));
	ASSERT_ERR(&self->s, "t.rules:4: duplicate path '/a/' (first at t.rules:1, id 'a'); expected each path in one rule\n"
			     "t.rules:5: duplicate sha256 (first at t.rules:3, id 'c'); expected each hash in one rule\n");
}

TEST_F(parse, duplicates_across_calls)
{
	ASSERT_EQ(0, parse(&self->s, "t.rules", "deny path=/a id=x\n"));
	ASSERT_EQ(-EINVAL, parse(&self->s, "u.rules",
				 "deny path=/b id=y\ndeny path=/a id=x\n"));
	ASSERT_ERR(&self->s, "u.rules:2: duplicate id 'x' (first at t.rules:1)");
	ASSERT_ERR(&self->s, "u.rules:2: duplicate path '/a' (first at t.rules:1, id 'x')");
	EXPECT_EQ(2, sink_lines(&self->s));
	/* Pairs already reported are not reported by the next call. */
	ASSERT_EQ(0, parse(&self->s, "v.rules", "deny path=/c id=z\n"));
	EXPECT_EQ(2, sink_lines(&self->s));
	EXPECT_EQ(4U, self->s.p.nrules);
}

/*
 * Keys built to collide in a hash table: each of the 2^18 strings is a
 * prefix followed by 18 three-character blocks, each block one of a pair that
 * leaves the low 19 bits of FNV-1a's state equal, so every string shares
 * those bits (the index of a 2^19-slot table keyed by plain FNV-1a, as
 * policy.c's was). Different blocks, different strings.
 */
#define ADV_STAGES	18
#define ADV_BITS	19
#define ADV_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789._:-"

struct adv_block {
	__u64 low;
	unsigned int idx;
};

static __u64 adv_fnv(__u64 h, const char *s, size_t n)
{
	while (n--)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

static int adv_cmp(const void *a, const void *b)
{
	const struct adv_block *x = a, *y = b;

	return x->low < y->low ? -1 : x->low > y->low ? 1 :
	       (int)x->idx - (int)y->idx;
}

/* Block i of the 66^3 three-character blocks, NUL-terminated. */
static void adv_block(char out[4], size_t i)
{
	static const char chars[] = ADV_CHARS;
	const size_t nc = sizeof(chars) - 1;

	out[0] = chars[i / (nc * nc)];
	out[1] = chars[i / nc % nc];
	out[2] = chars[i % nc];
	out[3] = '\0';
}

/* For each stage, two blocks with the same low bits from the state the
 * prefix (and the blocks before) leave. */
static int adv_pairs(const char *prefix, char pairs[ADV_STAGES][2][4])
{
	const size_t n = (sizeof(ADV_CHARS) - 1) * (sizeof(ADV_CHARS) - 1) *
			 (sizeof(ADV_CHARS) - 1);
	const __u64 mask = (1ULL << ADV_BITS) - 1;
	struct adv_block *b = calloc(n, sizeof(*b));
	__u64 h = adv_fnv(0xcbf29ce484222325ULL, prefix, strlen(prefix));
	size_t st, i;
	char blk[4];

	if (!b)
		return -ENOMEM;
	for (st = 0; st < ADV_STAGES; st++) {
		for (i = 0; i < n; i++) {
			adv_block(blk, i);
			b[i].low = adv_fnv(h, blk, 3) & mask;
			b[i].idx = i;
		}
		qsort(b, n, sizeof(*b), adv_cmp);
		for (i = 1; i < n && b[i].low != b[i - 1].low; i++)
			;
		if (i == n) {
			free(b);
			return -EAGAIN;
		}
		adv_block(pairs[st][0], b[i - 1].idx);
		adv_block(pairs[st][1], b[i].idx);
		h = adv_fnv(h, pairs[st][0], 3);
	}
	free(b);
	return 0;
}

static void adv_key(char *out, const char *prefix,
		    char pairs[ADV_STAGES][2][4], size_t k)
{
	size_t st, off = strlen(prefix);

	memcpy(out, prefix, off);
	for (st = 0; st < ADV_STAGES; st++, off += 3)
		memcpy(out + off, pairs[st][k >> st & 1], 3);
	out[off] = '\0';
}

/* CPU time, not wall time: other jobs on a busy build host must not make
 * the bound below flaky. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 262,144 rules whose ids and paths all collide under an unkeyed hash:
 * loading them must stay linear (it took 22 s when it was not). */
TEST_F(parse, colliding_keys_stay_linear)
{
	static char ids[ADV_STAGES][2][4], paths[ADV_STAGES][2][4];
	const size_t n = 1 << ADV_STAGES;
	char id[ID_RULE_ID_MAX], path[ID_RULE_ID_MAX], *text, *o;
	double t0, t;
	size_t k;

	ASSERT_EQ(0, adv_pairs("", ids));
	ASSERT_EQ(0, adv_pairs("/", paths));
	text = malloc(n * 128);
	ASSERT_NE(NULL, text);
	for (o = text, k = 0; k < n; k++) {
		adv_key(id, "", ids, k);
		adv_key(path, "/", paths, k);
		o += sprintf(o, "deny path=%s id=%s\n", path, id);
	}
	t0 = now_s();
	EXPECT_EQ(0, policy_parse_buf(&self->s.p, "adv.rules", text,
				      o - text, self->s.err));
	t = now_s() - t0;
	free(text);
	EXPECT_EQ(n, self->s.p.nrules);
	EXPECT_STREQ("", sink_text(&self->s));
	ksft_print_msg("%zu colliding rules parsed and checked in %.3f s of CPU\n",
		       n, t);
	EXPECT_GT(5.0, t);
}

TEST_F(parse, free_zeroes)
{
	struct policy zero = { 0 };

	policy_free(&self->s.p);
	ASSERT_EQ(0, memcmp(&zero, &self->s.p, sizeof(zero)));
	ASSERT_EQ(0, parse(&self->s, "t.rules", "deny path=/a id=x\n"));
	policy_free(&self->s.p);
	ASSERT_EQ(0, memcmp(&zero, &self->s.p, sizeof(zero)));
}

static __u32 prio_of(struct __test_metadata *_metadata, const char *line)
{
	struct sink s;
	__u32 prio;

	ASSERT_EQ(0, sink_open(&s));
	EXPECT_EQ(0, parse(&s, "t.rules", line));
	prio = s.p.nrules == 1 ? rule_prio(&s.p.rules[0]) : 0;
	sink_close(&s);
	return prio;
}

#define PRIO(line) prio_of(_metadata, line)

TEST(prio_specificity)
{
	/* sha256 > exact path > longer subtree > shorter subtree, whatever
	 * the actions and however long the paths. */
	EXPECT_GT(PRIO("audit sha256=" HEX64 " id=a"),
		  PRIO("allow path=/a/very/long/exact/path/" X64 " id=a"));
	EXPECT_GT(PRIO("audit path=/opt/x id=a"),
		  PRIO("allow path=/opt/kaspersky/kesl/bin/" X64 "/ id=a"));
	EXPECT_GT(PRIO("audit path=/opt/kaspersky/kesl/ id=a"),
		  PRIO("allow path=/opt/kaspersky/ id=a"));
}

TEST(prio_action)
{
	/* At equal specificity: allow > deny > audit. */
	EXPECT_GT(PRIO("allow path=/opt/k/ id=a"), PRIO("deny path=/opt/k/ id=a"));
	EXPECT_GT(PRIO("deny path=/opt/k/ id=a"), PRIO("audit path=/opt/k/ id=a"));
	EXPECT_EQ(PRIO("audit path=/opt/k/ id=a"),
		  PRIO("deny path=/opt/k/ id=a mode=audit"));
	EXPECT_GT(PRIO("allow sha256=" HEX64 " id=a"),
		  PRIO("deny sha256=" HEX64 " id=a"));
}

TEST(prio_formula)
{
	EXPECT_EQ(MATCH_PATH << 24 | 6 << 8 | 2U, PRIO("deny path=/opt/x id=a"));
	EXPECT_EQ(MATCH_TREE << 24 | 5 << 8 | 3U, PRIO("allow path=/opt/ id=a"));
	EXPECT_EQ(MATCH_SHA256 << 24 | 1U, PRIO("audit sha256=" HEX64 " id=a"));
}

TEST(hooks_text)
{
	char buf[32];

	EXPECT_STREQ("", hooks_str(0, buf, sizeof(buf)));
	EXPECT_STREQ("exec,mmap,open", hooks_str(ID_HOOK_ALL, buf, sizeof(buf)));
	EXPECT_STREQ("exec,open", hooks_str(ID_HOOK_EXEC | ID_HOOK_OPEN, buf,
					    sizeof(buf)));
	EXPECT_STREQ("mmap", hooks_str(ID_HOOK_MMAP, buf, sizeof(buf)));
	/* What does not fit whole is left out. */
	EXPECT_STREQ("exec", hooks_str(ID_HOOK_ALL, buf, 9));
	buf[0] = 'z';
	EXPECT_EQ((const char *)buf, hooks_str(ID_HOOK_ALL, buf, 0));
	EXPECT_EQ('z', buf[0]);
}

/* A policy directory built for the test, removed afterwards. */
FIXTURE(dir) {
	struct sink s;
	char path[64];
};

FIXTURE_SETUP(dir)
{
	strcpy(self->path, "/tmp/interdict-test-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->path));
	ASSERT_EQ(0, sink_open(&self->s));
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	return remove(path);
}

FIXTURE_TEARDOWN(dir)
{
	nftw(self->path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	sink_close(&self->s);
}

static char *dir_path(const char *dir, const char *name, char *buf)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	return buf;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	f = fopen(dir_path(dir, name, path), "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static const char *rule_ids(const struct policy *p, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < p->nrules && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "",
				p->rules[i].id);
	return buf;
}

TEST_F(dir, lexical_order_and_filter)
{
	char path[PATH_MAX], ids[256];

	ASSERT_EQ(0, write_file(self->path, "b.rules", "deny path=/b id=b\n"));
	ASSERT_EQ(0, write_file(self->path, "a.rules",
				"deny path=/a id=a1\ndeny path=/a2 id=a2\n"));
	ASSERT_EQ(0, write_file(self->path, "10-c.rules", "deny path=/c id=c\n"));
	ASSERT_EQ(0, write_file(self->path, "9-d.rules", "deny path=/d id=d\n"));
	ASSERT_EQ(0, write_file(self->path, "B.rules", "deny path=/B id=B\n"));
	ASSERT_EQ(0, write_file(self->path, "e.txt", "deny path=/e id=e\n"));
	ASSERT_EQ(0, write_file(self->path, ".hidden.rules", "x\n"));
	ASSERT_EQ(0, write_file(self->path, ".rules", "x\n"));
	ASSERT_EQ(0, write_file(self->path, "f.rules~", "x\n"));
	ASSERT_EQ(0, write_file(self->path, "f.rules.dpkg-old", "x\n"));
	ASSERT_EQ(0, mkdir(dir_path(self->path, "g.rules", path), 0700));
	ASSERT_EQ(0, symlink("e.txt", dir_path(self->path, "h.rules", path)));

	ASSERT_EQ(0, policy_load_dir(&self->s.p, self->path, self->s.err))
		TH_LOG("%s", sink_text(&self->s));
	EXPECT_STREQ("c d B a1 a2 b e",
		     rule_ids(&self->s.p, ids, sizeof(ids)));
	ASSERT_EQ(6U, self->s.p.nfiles);
	EXPECT_STREQ(dir_path(self->path, "10-c.rules", path),
		     self->s.p.files[0]);
	EXPECT_STREQ(dir_path(self->path, "h.rules", path),
		     self->s.p.rules[6].file);
	EXPECT_STREQ("", sink_text(&self->s));
}

TEST_F(dir, trailing_slash)
{
	char dir[PATH_MAX], path[PATH_MAX];

	ASSERT_EQ(0, write_file(self->path, "a.rules", "deny path=/a id=a\n"));
	snprintf(dir, sizeof(dir), "%s/", self->path);
	ASSERT_EQ(0, policy_load_dir(&self->s.p, dir, self->s.err));
	EXPECT_STREQ(dir_path(self->path, "a.rules", path), self->s.p.files[0]);
}

TEST_F(dir, empty)
{
	ASSERT_EQ(0, policy_load_dir(&self->s.p, self->path, self->s.err));
	EXPECT_EQ(0U, self->s.p.nrules);
	EXPECT_EQ(0U, self->s.p.nfiles);
}

TEST_F(dir, duplicates_across_files)
{
	char want[PATH_MAX * 2 + 200];

	ASSERT_EQ(0, write_file(self->path, "first.rules",
				"# first\ndeny path=/a id=x\n"
				"deny sha256=" HEX64 " id=s\n"));
	ASSERT_EQ(0, write_file(self->path, "second.rules",
				"\n\ndeny path=/b id=x\n"
				"deny path=/a id=y\n"
				"audit sha256=" HEX64 " id=t\n"));
	ASSERT_EQ(-EINVAL, policy_load_dir(&self->s.p, self->path,
					   self->s.err));
	snprintf(want, sizeof(want),
		 "%s/second.rules:3: duplicate id 'x' (first at %s/first.rules:2)",
		 self->path, self->path);
	ASSERT_ERR(&self->s, want);
	snprintf(want, sizeof(want),
		 "%s/second.rules:4: duplicate path '/a' (first at %s/first.rules:2, id 'x')",
		 self->path, self->path);
	ASSERT_ERR(&self->s, want);
	snprintf(want, sizeof(want),
		 "%s/second.rules:5: duplicate sha256 (first at %s/first.rules:3, id 's')",
		 self->path, self->path);
	ASSERT_ERR(&self->s, want);
	EXPECT_EQ(3, sink_lines(&self->s));
}

TEST_F(dir, errors_in_every_file)
{
	char want[PATH_MAX + 100];

	ASSERT_EQ(0, write_file(self->path, "a.rules", "deny path=/a\n"));
	ASSERT_EQ(0, write_file(self->path, "b.rules",
				"deny path=/b id=b\nblock\n"));
	ASSERT_EQ(-EINVAL, policy_load_dir(&self->s.p, self->path,
					   self->s.err));
	snprintf(want, sizeof(want), "%s/a.rules:1: no id", self->path);
	ASSERT_ERR(&self->s, want);
	snprintf(want, sizeof(want), "%s/b.rules:2: unknown action", self->path);
	ASSERT_ERR(&self->s, want);
	EXPECT_EQ(1U, self->s.p.nrules);
}

TEST_F(dir, missing_dir)
{
	char path[PATH_MAX], want[PATH_MAX + 100];

	dir_path(self->path, "none", path);
	ASSERT_EQ(-ENOENT, policy_load_dir(&self->s.p, path, self->s.err));
	snprintf(want, sizeof(want), "%s: cannot read: %s\n", path,
		 strerror(ENOENT));
	EXPECT_STREQ(want, sink_text(&self->s));
}

TEST_F(dir, dangling_link)
{
	char path[PATH_MAX], want[PATH_MAX + 100];

	ASSERT_EQ(0, symlink("none", dir_path(self->path, "x.rules", path)));
	ASSERT_EQ(-ENOENT, policy_load_dir(&self->s.p, self->path,
					   self->s.err));
	snprintf(want, sizeof(want), "%s: cannot read: %s\n", path,
		 strerror(ENOENT));
	EXPECT_STREQ(want, sink_text(&self->s));
}

TEST_F(dir, parse_file_errors)
{
	char path[PATH_MAX], want[PATH_MAX + 100];

	ASSERT_EQ(-EISDIR, policy_parse_file(&self->s.p, self->path,
					     self->s.err));
	snprintf(want, sizeof(want), "%s: cannot read: %s\n", self->path,
		 strerror(EISDIR));
	EXPECT_STREQ(want, sink_text(&self->s));
	ASSERT_EQ(-ENOENT, policy_parse_file(&self->s.p,
					     dir_path(self->path, "none", path),
					     self->s.err));
	ASSERT_ERR(&self->s, "/none: cannot read: ");
}

TEST_F(dir, too_large)
{
	char path[PATH_MAX], want[PATH_MAX + 100];
	FILE *f;

	/* Sparse: the size is refused before anything is read. */
	f = fopen(dir_path(self->path, "big.rules", path), "w");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, ftruncate(fileno(f), 1L << 30));
	fclose(f);
	ASSERT_EQ(-EFBIG, policy_parse_file(&self->s.p, path, self->s.err));
	snprintf(want, sizeof(want), "%s: cannot read: %s\n", path,
		 strerror(EFBIG));
	EXPECT_STREQ(want, sink_text(&self->s));
}

TEST_F(dir, parse_file)
{
	char path[PATH_MAX];

	ASSERT_EQ(0, write_file(self->path, "p.conf",
				"deny path=/x id=x\nbad\n"));
	ASSERT_EQ(-EINVAL, policy_parse_file(&self->s.p,
					     dir_path(self->path, "p.conf", path),
					     self->s.err));
	ASSERT_ERR(&self->s, "/p.conf:2: unknown action 'bad'");
	ASSERT_EQ(1U, self->s.p.nrules);
	EXPECT_STREQ(path, self->s.p.rules[0].file);
}

/* A file is read a megabyte at a time: lines across the chunk boundary,
 * lines longer than a chunk (with CRLF ends, at the end of the file too)
 * and bad lines after them give what the same bytes give as one buffer:
 * rules, messages and the file's digest. */
TEST_F(dir, parse_file_in_chunks)
{
	const size_t chunk = 1024 * 1024;
	char path[PATH_MAX], line[128];
	struct sink whole;
	size_t len = 0, cap = 4 * chunk, i, n = 0;
	char *text = malloc(cap);
	FILE *f;

	ASSERT_NE(NULL, text);
	/* rules until just past the first chunk boundary */
	while (len < chunk + 100) {
		int k = snprintf(line, sizeof(line),
				 "deny path=/opt/r%zu id=r%zu\n", n, n);
		memcpy(text + len, line, k);
		len += k;
		n++;
	}
	/* a line of 1.5 chunks ending in CRLF, then a good and a bad rule */
	memset(text + len, 'x', chunk + chunk / 2);
	len += chunk + chunk / 2;
	memcpy(text + len, "\r\ndeny path=/after id=after\nbad line\n", 37);
	len += 37;
	/* a line of exactly one chunk without its newline, at the end */
	memset(text + len, 'y', chunk);
	len += chunk;
	ASSERT_LE(len, cap);

	f = fopen(dir_path(self->path, "big.rules", path), "w");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1U, fwrite(text, len, 1, f));
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, sink_open(&whole));
	EXPECT_EQ(-EINVAL, policy_parse_file(&self->s.p, path, self->s.err));
	EXPECT_EQ(-EINVAL, policy_parse_buf(&whole.p, path, text, len,
					    whole.err));
	EXPECT_STREQ(sink_text(&whole), sink_text(&self->s));
	EXPECT_NE(NULL, strstr(sink_text(&self->s), "bytes long; the limit"));
	EXPECT_NE(NULL, strstr(sink_text(&self->s), "unknown action 'bad'"));
	ASSERT_EQ(whole.p.nrules, self->s.p.nrules);
	EXPECT_EQ(n + 1, self->s.p.nrules);
	for (i = 0; i < whole.p.nrules; i++) {
		EXPECT_STREQ(whole.p.rules[i].id, self->s.p.rules[i].id);
		EXPECT_STREQ(whole.p.rules[i].path, self->s.p.rules[i].path);
		EXPECT_EQ(whole.p.rules[i].line, self->s.p.rules[i].line);
	}
	EXPECT_EQ(0, memcmp(whole.p.file_hash[0], self->s.p.file_hash[0],
			    ID_SHA256_LEN));
	sink_close(&whole);
	free(text);
}

TEST_F(dir, load_paths)
{
	char file[PATH_MAX], sub[PATH_MAX], none[PATH_MAX], ids[64];
	char *paths[] = { file, sub, self->path };

	ASSERT_EQ(0, write_file(self->path, "any-name.conf",
				"deny path=/f id=f\n"));
	ASSERT_EQ(0, mkdir(dir_path(self->path, "sub", sub), 0700));
	ASSERT_EQ(0, write_file(sub, "s.rules", "deny path=/s id=s\n"));
	ASSERT_EQ(0, write_file(self->path, "t.rules", "deny path=/t id=t\n"));
	dir_path(self->path, "any-name.conf", file);

	ASSERT_EQ(0, policy_load_paths(&self->s.p, paths, 3, self->s.err))
		TH_LOG("%s", sink_text(&self->s));
	EXPECT_STREQ("f s t", rule_ids(&self->s.p, ids, sizeof(ids)));

	paths[0] = dir_path(self->path, "none", none);
	ASSERT_EQ(-ENOENT, policy_load_paths(&self->s.p, paths, 1,
					     self->s.err));
	ASSERT_ERR(&self->s, "/none: cannot read: ");
}

TEST_F(dir, load_paths_duplicates)
{
	char a[PATH_MAX], b[PATH_MAX];
	char *paths[] = { a, b };

	ASSERT_EQ(0, write_file(self->path, "a", "deny path=/a id=x\n"));
	ASSERT_EQ(0, write_file(self->path, "b", "deny path=/b id=x\n"));
	dir_path(self->path, "a", a);
	dir_path(self->path, "b", b);
	ASSERT_EQ(-EINVAL, policy_load_paths(&self->s.p, paths, 2,
					     self->s.err));
	ASSERT_ERR(&self->s, "/b:1: duplicate id 'x' (first at ");
}

TEST(process_relative)
{
	EXPECT_STREQ("/proc/self", path_process_relative("/proc/self"));
	EXPECT_STREQ("/proc/self", path_process_relative("/proc/self/fd/0"));
	EXPECT_STREQ("/dev/stdin", path_process_relative("/dev/stdin"));
	EXPECT_STREQ("/proc/mounts", path_process_relative("/proc/mounts"));
	EXPECT_EQ(NULL, path_process_relative("/proc/selfish"));
	EXPECT_EQ(NULL, path_process_relative("/proc/1/exe"));
	EXPECT_EQ(NULL, path_process_relative("/dev/fdx"));
	EXPECT_EQ(NULL, path_process_relative("/etc/interdict/policy.d"));
}

TEST(escape)
{
	char buf[64];

	EXPECT_STREQ("/etc/a b.rules", name_escape("/etc/a b.rules", buf,
						   sizeof(buf)));
	EXPECT_STREQ("a\\nb\\x1b[31mc\\td\\re\\\\f\\x7f\\xc3\\xa9",
		     name_escape("a\nb\033[31mc\td\re\\f\x7f\xc3\xa9", buf,
				 sizeof(buf)));
	/* Only whole escapes fit. */
	EXPECT_STREQ("ab", name_escape("ab\033", buf, 6));
	EXPECT_STREQ("ab\\x1b", name_escape("ab\033", buf, 7));
	buf[0] = 'z';
	name_escape("x", buf, 0);
	EXPECT_EQ('z', buf[0]);
}

TEST_F(parse, hostile_names_escaped)
{
	ASSERT_EQ(0, parse(&self->s, "a\nb.rules", "deny path=/x id=x\n"));
	ASSERT_EQ(-EINVAL, parse(&self->s, "c\033[2J.rules",
				 "deny path=/x id=x\nblock\n"));
	EXPECT_STREQ("c\\x1b[2J.rules:1: duplicate id 'x' (first at a\\nb.rules:1); expected ids unique across all policy files\n"
		     "c\\x1b[2J.rules:1: duplicate path '/x' (first at a\\nb.rules:1, id 'x'); expected each path in one rule\n",
		     sink_text(&self->s) + strlen("c\\x1b[2J.rules:2: unknown action 'block'; expected deny, allow or audit\n"));
	EXPECT_EQ(3, sink_lines(&self->s));
}

/* Kept for -j: file, line, kind and text, as printed. */
TEST(diags_kept)
{
	struct diags d = { .keep = true };

	diag_add(&d, false, "f\n", 3, "bad %s", "thing");
	diag_add(&d, true, "g", 0, "risky");
	diag_add(&d, false, NULL, 0, "no file");
	ASSERT_EQ(3U, d.n);
	EXPECT_EQ(2U, d.errors);
	EXPECT_EQ(1U, d.warnings);
	EXPECT_STREQ("f\n", d.v[0].file);
	EXPECT_EQ(3U, d.v[0].line);
	EXPECT_FALSE(d.v[0].warning);
	EXPECT_STREQ("bad thing", d.v[0].msg);
	EXPECT_TRUE(d.v[1].warning);
	EXPECT_EQ(NULL, d.v[2].file);
	diags_free(&d);
	EXPECT_EQ(0U, d.n);
}

TEST_F(dir, fifo)
{
	char path[PATH_MAX], want[PATH_MAX + 100];

	ASSERT_EQ(0, write_file(self->path, "a.rules", "deny path=/a id=a\n"));
	ASSERT_EQ(0, mkfifo(dir_path(self->path, "p.rules", path), 0600));
	/* Never waits for a writer: named, or found in the directory. */
	ASSERT_EQ(-EINVAL, policy_parse_file(&self->s.p, path, self->s.err));
	ASSERT_EQ(-EINVAL, policy_load_dir(&self->s.p, self->path,
					   self->s.err));
	snprintf(want, sizeof(want), "%1$s: cannot read: a FIFO, not a regular file\n"
		 "%1$s: cannot read: a FIFO, not a regular file\n", path);
	EXPECT_STREQ(want, sink_text(&self->s));
}

TEST_F(dir, empty_warns)
{
	char want[PATH_MAX + 100];

	ASSERT_EQ(0, mkdir(dir_path(self->path, "sub", want), 0700));
	ASSERT_EQ(0, write_file(self->path, "README", "not a policy\n"));
	ASSERT_EQ(0, policy_load_dir(&self->s.p, self->path, self->s.err));
	snprintf(want, sizeof(want), "%s: warning: no *.rules file; the policy is empty and denies nothing\n",
		 self->path);
	EXPECT_STREQ(want, sink_text(&self->s));
}

/* --dir DIR CANDIDATE: the candidate replaces DIR's file of its name or
 * comes after DIR's files. */
TEST_F(dir, load_set)
{
	char cand[PATH_MAX], a[PATH_MAX], tmp[PATH_MAX], ids[64];
	char want[3 * PATH_MAX];
	char *paths[] = { a, tmp };
	struct diags d = { .f = self->s.err };

	ASSERT_EQ(0, mkdir(dir_path(self->path, "cand", cand), 0700));
	ASSERT_EQ(0, write_file(self->path, "a.rules", "deny path=/a id=a\n"));
	ASSERT_EQ(0, write_file(self->path, "c.rules", "deny path=/c id=c\n"));
	ASSERT_EQ(0, write_file(cand, "a.rules", "deny path=/a2 id=a2\n"));
	ASSERT_EQ(0, write_file(cand, "b-tmp", "deny path=/b id=b\n"));
	dir_path(cand, "a.rules", a);
	dir_path(cand, "b-tmp", tmp);
	ASSERT_EQ(0, policy_load_set(&self->s.p, self->path, paths, 2, NULL, &d))
		TH_LOG("%s", sink_text(&self->s));
	EXPECT_STREQ("a2 c b", rule_ids(&self->s.p, ids, sizeof(ids)));
	EXPECT_STREQ(a, self->s.p.files[0]);
	policy_free(&self->s.p);

	/* A clash with a file that stays is found before the file lands. */
	ASSERT_EQ(0, write_file(cand, "b-tmp", "deny path=/x id=c\n"));
	ASSERT_EQ(-EINVAL, policy_load_set(&self->s.p, self->path, paths + 1,
					   1, NULL, &d));
	snprintf(want, sizeof(want), "%s:1: duplicate id 'c' (first at %s/c.rules:1)",
		 tmp, self->path);
	ASSERT_ERR(&self->s, want);
}

static void digest_of(struct __test_metadata *_metadata, const char *dir,
		      __u8 out[ID_SHA256_LEN])
{
	struct policy p = { 0 };

	ASSERT_EQ(0, policy_load_dir(&p, dir, NULL));
	ASSERT_EQ(0, policy_digest(&p, out));
	policy_free(&p);
}

static void blake2b_256(const void *buf, size_t len, __u8 out[ID_SHA256_LEN])
{
	unsigned char full[64];

	EVP_Digest(buf, len, full, NULL, EVP_blake2b512(), NULL);
	memcpy(out, full, ID_SHA256_LEN);
}

/* The files of a policy in force that are unchanged are taken as they
 * were, strings copied (the old policy may go first); a file changed, or
 * read too soon after its last change, is read again. */
/* The same size and, in the same clock tick, the same times: what tells
 * a rewrite apart here is an mtime set apart. */
static int set_mtime(const char *path, time_t sec)
{
	struct timespec t[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = sec } };

	return utimensat(AT_FDCWD, path, t, 0) ? -errno : 0;
}

static void age_reads(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++)
		p->finfo[i].read_at.tv_sec += 10;	/* read well after */
}

TEST_F(dir, unchanged_files_reused)
{
	static const char a[] = "deny sha256=" "00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeeff id=a msg=\"first\"\n"
		"allow path=/opt/a/ id=a2\n";
	struct policy p1 = { 0 }, p2 = { 0 }, p3 = { 0 }, p4 = { 0 };
	__u8 d1[ID_SHA256_LEN], d2[ID_SHA256_LEN];
	char pa[PATH_MAX], pb[PATH_MAX];

	ASSERT_EQ(0, write_file(self->path, "a.rules", a));
	ASSERT_EQ(0, write_file(self->path, "b.rules", "deny path=/b id=b\n"));
	dir_path(self->path, "a.rules", pa);
	dir_path(self->path, "b.rules", pb);
	ASSERT_EQ(0, policy_load_dir(&p1, self->path, NULL));
	ASSERT_EQ(0, policy_digest(&p1, d1));
	EXPECT_EQ(0U, p1.nreused);

	/* read just now: a change in the same tick would not show */
	p2.reuse = &p1;
	ASSERT_EQ(0, policy_load_dir(&p2, self->path, NULL));
	EXPECT_EQ(0U, p2.nreused);
	policy_free(&p2);

	age_reads(&p1);
	p2 = (struct policy){ .reuse = &p1 };
	ASSERT_EQ(0, policy_load_dir(&p2, self->path, NULL));
	EXPECT_EQ(2U, p2.nreused);
	policy_free(&p1);
	ASSERT_EQ(3U, p2.nrules);
	EXPECT_EQ(1U, p2.nsha);
	EXPECT_EQ(2U, p2.npath);
	EXPECT_STREQ("a", p2.rules[0].id);
	EXPECT_STREQ("first", p2.rules[0].msg);
	EXPECT_EQ(0x00, p2.rules[0].sha256[0]);
	EXPECT_EQ(0xff, p2.rules[0].sha256[31]);
	EXPECT_STREQ("a2", p2.rules[1].id);
	EXPECT_STREQ("/opt/a/", p2.rules[1].path);
	EXPECT_EQ(ID_ACT_ALLOW, p2.rules[1].action);
	EXPECT_EQ(2U, p2.rules[1].line);
	EXPECT_STREQ(pa, p2.rules[1].file);
	EXPECT_EQ(p2.files[0], p2.rules[1].file);
	EXPECT_STREQ("/b", p2.rules[2].path);
	EXPECT_STREQ(pb, p2.rules[2].file);
	ASSERT_EQ(0, policy_digest(&p2, d2));
	EXPECT_EQ(0, memcmp(d1, d2, sizeof(d1)));

	/* b rewritten, same size: read again; a still taken */
	ASSERT_EQ(0, write_file(self->path, "b.rules", "deny path=/c id=c\n"));
	ASSERT_EQ(0, set_mtime(pb, 1000000000));
	age_reads(&p2);
	p3.reuse = &p2;
	ASSERT_EQ(0, policy_load_dir(&p3, self->path, NULL));
	EXPECT_EQ(1U, p3.nreused);
	ASSERT_EQ(3U, p3.nrules);
	EXPECT_STREQ("c", p3.rules[2].id);
	EXPECT_STREQ("/c", p3.rules[2].path);
	ASSERT_EQ(0, policy_digest(&p3, d1));
	EXPECT_NE(0, memcmp(d1, d2, sizeof(d1)));

	/* a new rule in a second load must not see a rule it duplicates
	 * slip past because the other file was taken as it was */
	ASSERT_EQ(0, write_file(self->path, "b.rules", "deny path=/d id=a\n"));
	ASSERT_EQ(0, set_mtime(pb, 1000000001));
	age_reads(&p3);
	p4.reuse = &p3;
	EXPECT_EQ(-EINVAL, policy_load_dir(&p4, self->path, NULL));
	policy_free(&p4);
	policy_free(&p3);
	policy_free(&p2);
}

TEST_F(dir, digest)
{
	static const char a[] = "deny path=/a id=a\n", b[] = "deny path=/b id=b\n";
	__u8 d1[ID_SHA256_LEN], d2[ID_SHA256_LEN], want[ID_SHA256_LEN];
	__u8 sa[ID_SHA256_LEN], sb[ID_SHA256_LEN], full[64];
	char pa[PATH_MAX], pb[PATH_MAX], pc[PATH_MAX];
	EVP_MD_CTX *ctx;

	ASSERT_EQ(0, write_file(self->path, "a.rules", a));
	ASSERT_EQ(0, write_file(self->path, "b.rules", b));
	digest_of(_metadata, self->path, d1);
	digest_of(_metadata, self->path, d2);
	EXPECT_EQ(0, memcmp(d1, d2, sizeof(d1)));

	/* BLAKE2b-512, its first 256 bits, of each name with its NUL and its
	 * content's hash (the same, of the file's bytes). */
	dir_path(self->path, "a.rules", pa);
	dir_path(self->path, "b.rules", pb);
	blake2b_256(a, strlen(a), sa);
	blake2b_256(b, strlen(b), sb);
	ctx = EVP_MD_CTX_new();
	ASSERT_NE(NULL, ctx);
	EVP_DigestInit_ex(ctx, EVP_blake2b512(), NULL);
	EVP_DigestUpdate(ctx, pa, strlen(pa) + 1);
	EVP_DigestUpdate(ctx, sa, sizeof(sa));
	EVP_DigestUpdate(ctx, pb, strlen(pb) + 1);
	EVP_DigestUpdate(ctx, sb, sizeof(sb));
	EVP_DigestFinal_ex(ctx, full, NULL);
	EVP_MD_CTX_free(ctx);
	memcpy(want, full, sizeof(want));
	EXPECT_EQ(0, memcmp(want, d1, sizeof(want)));

	/* A byte changed, a comment added, a file renamed: another digest. */
	ASSERT_EQ(0, write_file(self->path, "b.rules", "deny path=/c id=b\n"));
	digest_of(_metadata, self->path, d2);
	EXPECT_NE(0, memcmp(d1, d2, sizeof(d1)));
	ASSERT_EQ(0, write_file(self->path, "b.rules", "# x\ndeny path=/b id=b\n"));
	digest_of(_metadata, self->path, d2);
	EXPECT_NE(0, memcmp(d1, d2, sizeof(d1)));
	ASSERT_EQ(0, write_file(self->path, "b.rules", b));
	ASSERT_EQ(0, rename(pb, dir_path(self->path, "c.rules", pc)));
	digest_of(_metadata, self->path, d2);
	EXPECT_NE(0, memcmp(d1, d2, sizeof(d1)));
}

/* The shipped examples are run from the repository root by make. */
static int find_examples(char *buf, size_t len)
{
	int up;

	for (up = 0; up < 4; up++) {
		snprintf(buf, len, "%.*spolicy/examples", 3 * up,
			 "../../../");
		if (!access(buf, F_OK))
			return 0;
	}
	return -ENOENT;
}

TEST_F(parse, examples)
{
	bool allow = false, audit = false, sha = false;
	char dir[64];
	size_t i;

	ASSERT_EQ(0, find_examples(dir, sizeof(dir)));
	ASSERT_EQ(0, policy_load_dir(&self->s.p, dir, self->s.err))
		TH_LOG("%s", sink_text(&self->s));
	ASSERT_LT(0U, self->s.p.nrules);
	EXPECT_STREQ("", sink_text(&self->s));
	for (i = 0; i < self->s.p.nrules; i++) {
		const struct rule *r = &self->s.p.rules[i];

		allow |= r->action == ID_ACT_ALLOW;
		audit |= !!(r->flags & ID_RULE_AUDIT);
		sha |= r->kind == MATCH_SHA256;
	}
	EXPECT_TRUE(allow);
	EXPECT_TRUE(audit);
	EXPECT_TRUE(sha);
}

TEST_HARNESS_MAIN
