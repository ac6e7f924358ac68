// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of userspace/verdict.c against rule tables: which rule the
 * kernel's decide() would pick for a path, a hash and a hook. Rules and
 * paths name a scratch directory D as %1$s, holding D/real/ and the links
 * D/link -> real and D/l -> real, for rules written through a symlinked
 * parent; the other paths do not exist, so their canonical form is their own.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interdict.h"

/* The harness's test wrapper sets a local after setjmp(); gcc -O2 -Wextra
 * warns about it once a test body is inlined into that wrapper. */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#define SHA_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define SHA_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
#define LONG_NAME "a-name-of-fifty-bytes-to-make-paths-longer-than-255"

FIXTURE(verdict) {
	char dir[PATH_MAX];
	struct policy p;
	struct verdict v;
	__u8 sha_a[ID_SHA256_LEN];
};

FIXTURE_VARIANT(verdict) {
	const char *rules;
	const char *path;	/* NULL: no path, only the hash */
	bool sha;		/* the file's content hashes to SHA_A */
	__u8 hook;		/* 0: exec */
	const char *want;	/* the deciding rule's id, NULL: none */
	const char *decision;	/* rule_decision() of it, when checked */
};

FIXTURE_SETUP(verdict)
{
	char tmpl[] = "/tmp/interdict-verdict-XXXXXX", path[PATH_MAX];
	const char *links[] = { "link", "l" };
	size_t i;

	ASSERT_NE(NULL, mkdtemp(tmpl));
	ASSERT_NE(NULL, realpath(tmpl, self->dir));
	snprintf(path, sizeof(path), "%s/real", self->dir);
	ASSERT_EQ(0, mkdir(path, 0755));
	for (i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(path, sizeof(path), "%s/%s", self->dir, links[i]);
		ASSERT_EQ(0, symlink("real", path));
	}
	for (i = 0; i < ID_SHA256_LEN; i++)
		sscanf(SHA_A + 2 * i, "%2hhx", &self->sha_a[i]);
}

FIXTURE_TEARDOWN(verdict)
{
	const char *names[] = { "link", "l", "real", "" };
	char path[PATH_MAX];
	size_t i;

	verdict_free(&self->v);
	policy_free(&self->p);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", self->dir, names[i]);
		remove(path);
	}
}

#define CASE(name, ...) \
	FIXTURE_VARIANT_ADD(verdict, name) { __VA_ARGS__ }

/* A hash beats every path rule, in both directions. */
CASE(sha_beats_allowed_tree, .path = "/opt/v/bin/a", .sha = true,
     .want = "hash", .decision = "deny",
     .rules = "allow path=/opt/v/ id=ok\ndeny sha256=" SHA_A " id=hash\n");
CASE(sha_beats_allowed_exact, .path = "/opt/v/bin/a", .sha = true,
     .want = "hash",
     .rules = "allow path=/opt/v/bin/a id=ok\ndeny sha256=" SHA_A " id=hash\n");
CASE(allowed_sha_beats_denied_exact, .path = "/opt/v/bin/a", .sha = true,
     .want = "known", .decision = "allow",
     .rules = "deny path=/opt/v/bin/a id=x\nallow sha256=" SHA_A " id=known\n");
CASE(other_hash_no_match, .path = "/usr/bin/a", .sha = true,
     .rules = "deny sha256=" SHA_B " id=hash\n");
CASE(sha_alone, .sha = true, .want = "hash",
     .rules = "deny path=/opt/v/ id=tree\ndeny sha256=" SHA_A " id=hash\n");
/* Not hashed (an empty file): the hash rule cannot apply. */
CASE(sha_not_given, .path = "/usr/bin/a",
     .rules = "deny sha256=" SHA_A " id=hash\n");

/* Carve-outs: an exact path or a deeper tree inside a denied tree. */
CASE(carve_out, .path = "/opt/v/bin/uninstall", .want = "carve",
     .decision = "allow",
     .rules = "deny path=/opt/v/ id=tree\nallow path=/opt/v/bin/uninstall id=carve\n");
CASE(carve_out_leaves_the_rest, .path = "/opt/v/bin/agent", .want = "tree",
     .decision = "deny",
     .rules = "deny path=/opt/v/ id=tree\nallow path=/opt/v/bin/uninstall id=carve\n");
CASE(allowed_subtree, .path = "/opt/v/tools/x", .want = "tools",
     .rules = "deny path=/opt/v/ id=tree\nallow path=/opt/v/tools/ id=tools\n");
CASE(deeper_deny_in_allowed_tree, .path = "/opt/v/tools/bad/x",
     .want = "bad",
     .rules = "deny path=/opt/v/ id=tree\nallow path=/opt/v/tools/ id=tools\n"
	      "deny path=/opt/v/tools/bad/ id=bad\n");
CASE(exact_beats_deeper_tree, .path = "/opt/v/a/b/c/f", .want = "exact",
     .rules = "allow path=/opt/v/a/b/c/ id=deep\ndeny path=/opt/v/a/b/c/f id=exact\n");

/* Audit rules, and deny mode=audit, decide as audit. */
CASE(audit_tree, .path = "/opt/legacy/bin/x", .want = "legacy",
     .decision = "audit", .rules = "audit path=/opt/legacy/ id=legacy\n");
CASE(deny_mode_audit, .path = "/opt/legacy/bin/x", .want = "trial",
     .decision = "audit",
     .rules = "deny path=/opt/legacy/bin/x id=trial mode=audit\n");
CASE(deeper_audit_relaxes_deny, .path = "/opt/v/tools/x", .want = "watch",
     .decision = "audit",
     .rules = "deny path=/opt/v/ id=tree\naudit path=/opt/v/tools/ id=watch\n");

/* on=: a rule for other hooks is passed over, and the walk goes on up. */
CASE(open_rule_not_exec, .path = "/opt/v/run.sh",
     .rules = "deny path=/opt/v/run.sh id=x on=open\n");
CASE(open_rule_on_open, .path = "/opt/v/run.sh", .hook = ID_HOOK_OPEN,
     .want = "x", .rules = "deny path=/opt/v/run.sh id=x on=open\n");
CASE(default_hooks_exclude_open, .path = "/opt/v/run.sh",
     .hook = ID_HOOK_OPEN, .rules = "deny path=/opt/v/ id=x\n");
CASE(default_hooks_include_mmap, .path = "/opt/v/lib.so",
     .hook = ID_HOOK_MMAP, .want = "x", .rules = "deny path=/opt/v/ id=x\n");
CASE(tree_for_other_hook_skipped, .path = "/opt/v/bin/x", .want = "tree",
     .rules = "deny path=/opt/v/ id=tree\nallow path=/opt/v/bin/ id=b on=open\n");
CASE(exact_for_other_hook_skipped, .path = "/opt/v/bin/x", .want = "tree",
     .rules = "deny path=/opt/v/ id=tree\nallow path=/opt/v/bin/x id=b on=mmap\n");
CASE(sha_for_other_hook_skipped, .path = "/opt/v/bin/x", .sha = true,
     .want = "tree",
     .rules = "deny path=/opt/v/ id=tree\nallow sha256=" SHA_A " id=h on=mmap\n");
CASE(sha_on_its_hook, .path = "/opt/v/bin/x", .sha = true,
     .hook = ID_HOOK_MMAP, .want = "h",
     .rules = "deny path=/opt/v/ id=tree\nallow sha256=" SHA_A " id=h on=mmap\n");

/* The trailing slash makes a tree; without it, one exact path. */
CASE(exact_is_not_a_tree, .path = "/opt/v/bin/a",
     .rules = "deny path=/opt/v id=x\n");
CASE(exact_names_itself, .path = "/opt/v", .want = "x",
     .rules = "deny path=/opt/v id=x\n");
CASE(tree_not_its_directory, .path = "/opt/v",
     .rules = "deny path=/opt/v/ id=x\n");
CASE(tree_on_component_boundary, .path = "/opt/vendor/x",
     .rules = "deny path=/opt/v/ id=x\n");
CASE(tree_at_any_depth,
     .path = "/opt/v/" LONG_NAME "/" LONG_NAME "/" LONG_NAME "/" LONG_NAME
	     "/" LONG_NAME "/" LONG_NAME "/f",
     .want = "x", .rules = "deny path=/opt/v/ id=x\n");

/* Symlinked parents: rules also match under their canonical form. */
CASE(tree_through_link, .path = "%1$s/real/bin/x", .want = "x",
     .rules = "deny path=%1$s/link/bin/ id=x\n");
CASE(exact_through_link, .path = "%1$s/real/x", .want = "x",
     .rules = "deny path=%1$s/link/x id=x\n");
CASE(tree_by_its_own_name, .path = "%1$s/link/bin/x", .want = "x",
     .rules = "deny path=%1$s/link/bin/ id=x\n");
/* One key, two rules (D/link/f is D/real/f): the kernel keeps the higher
 * prio, here the same kind and length, so allow, then deny over audit. */
CASE(same_key_allow_wins, .path = "%1$s/real/f", .want = "ok",
     .rules = "deny path=%1$s/real/f id=no\nallow path=%1$s/link/f id=ok\n");
CASE(same_key_deny_beats_audit, .path = "%1$s/real/f", .want = "no",
     .rules = "audit path=%1$s/real/f id=watch\ndeny path=%1$s/link/f id=no\n");
/* The kernel stops at the longest key: D/l/v/s/ is keyed D/real/v/s/ too,
 * deeper than D/real/v/, though its own path is the shorter. */
CASE(longest_key_not_longest_rule, .path = "%1$s/real/v/s/f", .want = "s",
     .rules = "deny path=%1$s/real/v/ id=v\nallow path=%1$s/l/v/s/ id=s\n");

CASE(no_rule, .path = "/usr/bin/ls",
     .rules = "deny path=/opt/v/ id=x\ndeny sha256=" SHA_B " id=h\n");
CASE(empty_policy, .path = "/usr/bin/ls", .sha = true, .rules = "");

static char *expand(char *buf, size_t len, const char *fmt, const char *dir)
{
	snprintf(buf, len, fmt, dir);
	return buf;
}

TEST_F(verdict, decides)
{
	char rules[4096], path[PATH_MAX];
	const struct rule *r;

	expand(rules, sizeof(rules), variant->rules, self->dir);
	ASSERT_EQ(0, policy_parse_buf(&self->p, "test.rules", rules,
				      strlen(rules), stderr));
	ASSERT_EQ(0, verdict_init(&self->v, &self->p));
	r = verdict_decide(&self->v, variant->path ?
			   expand(path, sizeof(path), variant->path,
				  self->dir) : NULL,
			   variant->sha ? self->sha_a : NULL,
			   variant->hook ? variant->hook : ID_HOOK_EXEC);
	if (!variant->want) {
		EXPECT_EQ(NULL, r) TH_LOG("decided by '%s'", r->id);
		return;
	}
	ASSERT_NE(NULL, r);
	EXPECT_STREQ(variant->want, r->id);
	if (variant->decision)
		EXPECT_STREQ(variant->decision, rule_decision(r));
	/* the thin caller in protect.c decides the same */
	EXPECT_EQ(r, policy_match(&self->p, variant->path ? path : NULL,
				  variant->sha ? self->sha_a : NULL,
				  variant->hook ? variant->hook : ID_HOOK_EXEC));
}

/* Whether scan must hash at all: only for a SHA-256 rule on the hook. */
TEST(wants_sha256)
{
	static const char rules[] = "deny path=/opt/v/ id=t\n"
				    "deny sha256=" SHA_A " id=h on=mmap\n";
	struct policy p = { 0 };
	struct verdict v;

	ASSERT_EQ(0, policy_parse_buf(&p, "t.rules", rules, strlen(rules),
				      stderr));
	ASSERT_EQ(0, verdict_init(&v, &p));
	EXPECT_FALSE(verdict_wants_sha256(&v, ID_HOOK_EXEC));
	EXPECT_TRUE(verdict_wants_sha256(&v, ID_HOOK_MMAP));
	verdict_free(&v);
	policy_free(&p);
}

TEST_HARNESS_MAIN
