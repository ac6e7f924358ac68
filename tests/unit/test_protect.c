// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of userspace/protect.c on a real file tree with symlinks: path
 * canonicalisation, which rule decides for a file, and the refusal of
 * policies that would deny a binary that must always run.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interdict.h"

/* The harness's test wrapper sets a local after setjmp(); gcc -O2 -Wextra
 * warns about it once a test body is inlined into that wrapper. */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

/* The file bin/prog holds PROG_TEXT, whose SHA-256 is PROG_SHA. */
#define PROG_TEXT "interdict test\n"
#define PROG_SHA "03dad8c04cb30aff8f634f3d8317286576d85fd2f61d43b8a51b9af15a00d740"

/*
 * The tree every test starts from, in a fresh temporary directory D:
 *   D/real/bin/prog, D/real/bin/other    files
 *   D/link -> real, D/chain -> link     relative links to a directory
 *   D/abs -> D/real/bin                 an absolute link
 *   D/file-link -> real/bin/prog        a link to a file
 *   D/root -> /
 * Formats below name D as %1$s: the directory as made in the input, its
 * canonical path in what is expected.
 */
struct tree {
	char dir[64];
	char real[PATH_MAX];
	bool made;
	__u8 prog_sha[ID_SHA256_LEN];
	struct policy p;
	char *out;
	size_t len;
	FILE *err;
};

static const struct {
	const char *path, *target;	/* target NULL: a directory */
} tree_entries[] = {
	{ "real", NULL },
	{ "real/bin", NULL },
	{ "link", "real" },
	{ "chain", "link" },
	{ "abs", "%1$s/real/bin" },
	{ "file-link", "real/bin/prog" },
	{ "root", "/" },
};

static char *at(char *buf, const char *fmt, const char *dir)
{
	snprintf(buf, PATH_MAX, fmt, dir);
	return buf;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int tree_make(struct tree *t)
{
	char path[PATH_MAX], target[PATH_MAX];
	size_t i;
	int err;

	memset(t, 0, sizeof(*t));
	strcpy(t->dir, "/tmp/interdict-test-XXXXXX");
	if (!mkdtemp(t->dir))
		return -errno;
	t->made = true;
	if (!realpath(t->dir, t->real))
		return -errno;
	for (i = 0; i < ARRAY_SIZE(tree_entries); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->dir,
			 tree_entries[i].path);
		if (tree_entries[i].target ?
		    symlink(at(target, tree_entries[i].target, t->dir), path) :
		    mkdir(path, 0700))
			return -errno;
	}
	err = write_file(at(path, "%1$s/real/bin/prog", t->dir), PROG_TEXT);
	if (!err)
		err = write_file(at(path, "%1$s/real/bin/other", t->dir),
				 "other\n");
	if (!err)
		err = sha256_file(at(path, "%1$s/real/bin/prog", t->dir),
				  t->prog_sha);
	if (err)
		return err;
	t->err = open_memstream(&t->out, &t->len);
	return t->err ? 0 : -errno;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	return remove(path);
}

static void tree_free(struct tree *t)
{
	/* FTW_PHYS: D/root is removed, never followed. */
	if (t->made)
		nftw(t->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (t->err)
		fclose(t->err);
	free(t->out);
	policy_free(&t->p);
}

static const char *tree_text(struct tree *t)
{
	fflush(t->err);
	return t->out ? t->out : "";
}

/* Parses rules, a format naming the tree as %1$s, as "t.rules". */
static int tree_rules(struct tree *t, const char *rules)
{
	char text[4096];

	snprintf(text, sizeof(text), rules, t->dir);
	return policy_parse_buf(&t->p, "t.rules", text, strlen(text), t->err);
}

#define TREE_FIXTURE(name) \
	FIXTURE(name) { \
		struct tree t; \
	}; \
	FIXTURE_SETUP(name) \
	{ \
		ASSERT_EQ(0, tree_make(&self->t)); \
	} \
	FIXTURE_TEARDOWN(name) \
	{ \
		tree_free(&self->t); \
	}

TREE_FIXTURE(tree);

TEST_F(tree, prog_hash)
{
	char hex[2 * ID_SHA256_LEN + 1];

	sha256_hex(self->t.prog_sha, hex);
	EXPECT_STREQ(PROG_SHA, hex);
}

TEST_F(tree, canonical)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "%1$s/real/bin/prog", "%1$s/real/bin/prog" },
		{ "%1$s/link/bin/prog", "%1$s/real/bin/prog" },
		{ "%1$s/chain/bin/prog", "%1$s/real/bin/prog" },
		{ "%1$s/abs/prog", "%1$s/real/bin/prog" },
		{ "%1$s/file-link", "%1$s/real/bin/prog" },
		{ "%1$s/link/../link/bin/prog", "%1$s/real/bin/prog" },
		{ "%1$s/link", "%1$s/real" },
		/* Subtrees keep their '/'. */
		{ "%1$s/link/", "%1$s/real/" },
		{ "%1$s/chain/bin/", "%1$s/real/bin/" },
		{ "%1$s/abs/", "%1$s/real/bin/" },
		/* What does not exist yet is kept, under its canonical parent. */
		{ "%1$s/link/bin/new", "%1$s/real/bin/new" },
		{ "%1$s/link/new/deeper/", "%1$s/real/new/deeper/" },
		{ "%1$s/abs/prog/under-a-file", "%1$s/real/bin/prog/under-a-file" },
		{ "/nonexistent-interdict/x", "/nonexistent-interdict/x" },
		{ "/nonexistent-interdict/x/", "/nonexistent-interdict/x/" },
		/* The root, named and reached through a link. */
		{ "/", "/" },
		{ "%1$s/root", "/" },
		{ "%1$s/root/", "/" },
		{ "%1$s/root/nonexistent-interdict/", "/nonexistent-interdict/" },
		{ "%1$s/root/nonexistent-interdict", "/nonexistent-interdict" },
		{ "%1$s/root/%1$s/link/", "%1$s/real/" },
	};
	char in[PATH_MAX], want[PATH_MAX], out[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		at(in, cases[i].in, self->t.dir);
		at(want, cases[i].want, self->t.real);
		EXPECT_EQ(0, path_canonical(in, out, sizeof(out)))
			TH_LOG("%s", in);
		EXPECT_STREQ(want, out) TH_LOG("from %s", in);
	}
}

TEST_F(tree, canonical_limits)
{
	char in[PATH_MAX + 1], out[PATH_MAX], want[PATH_MAX];
	size_t len;

	at(in, "%1$s/link/bin/", self->t.dir);
	len = strlen(at(want, "%1$s/real/bin/", self->t.real));
	EXPECT_EQ(0, path_canonical(in, out, len + 1));
	EXPECT_STREQ(want, out);
	EXPECT_EQ(-ENAMETOOLONG, path_canonical(in, out, len));

	memset(in, 'a', PATH_MAX);
	in[0] = '/';
	in[PATH_MAX - 1] = '\0';
	EXPECT_EQ(0, path_canonical(in, out, sizeof(out)));
	EXPECT_STREQ(in, out);
	in[PATH_MAX - 1] = 'a';
	in[PATH_MAX] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, path_canonical(in, out, sizeof(out)));
}

/* Which rule decides for a file. */
TREE_FIXTURE(match);

FIXTURE_VARIANT(match) {
	const char *rules;
	const char *path;	/* NULL: D/real/bin/prog; "": no path */
	bool sha;		/* with the file's SHA-256 */
	__u8 hook;		/* 0: exec */
	const char *want;	/* id of the deciding rule, NULL: none */
};

#define MATCH(name, ...) \
	FIXTURE_VARIANT_ADD(match, name) { __VA_ARGS__ }

MATCH(sha256_beats_exact_path, .sha = true, .want = "hash",
      .rules = "allow path=%1$s/real/bin/prog id=exact\n"
	       "deny sha256=" PROG_SHA " id=hash\n");
MATCH(sha256_needs_the_hash, .want = "exact",
      .rules = "allow path=%1$s/real/bin/prog id=exact\n"
	       "deny sha256=" PROG_SHA " id=hash\n");
MATCH(sha256_without_path, .path = "", .sha = true, .want = "hash",
      .rules = "deny path=%1$s/real/ id=tree\n"
	       "audit sha256=" PROG_SHA " id=hash\n");
MATCH(exact_path_beats_tree, .want = "exact",
      .rules = "allow path=%1$s/real/bin/ id=tree\n"
	       "deny path=%1$s/real/bin/prog id=exact\n");
MATCH(longest_tree_deny, .want = "inner",
      .rules = "deny path=%1$s/real/bin/ id=inner\n"
	       "allow path=%1$s/real/ id=outer\n");
MATCH(longest_tree_allow, .want = "inner",
      .rules = "deny path=%1$s/real/ id=outer\n"
	       "allow path=%1$s/real/bin/ id=inner\n");
/* link/ and real/ are as long: equal specificity, so the action decides,
 * whichever comes first. */
MATCH(allow_beats_deny, .want = "allow",
      .rules = "deny path=%1$s/link/bin/ id=deny\n"
	       "allow path=%1$s/real/bin/ id=allow\n");
MATCH(allow_beats_deny_first, .want = "allow",
      .rules = "allow path=%1$s/link/bin/ id=allow\n"
	       "deny path=%1$s/real/bin/ id=deny\n");
MATCH(deny_beats_audit, .want = "deny",
      .rules = "audit path=%1$s/link/bin/prog id=audit\n"
	       "deny path=%1$s/real/bin/prog id=deny\n");
MATCH(deny_beats_audit_first, .want = "deny",
      .rules = "deny path=%1$s/link/bin/ id=deny\n"
	       "audit path=%1$s/real/bin/ id=audit\n");
MATCH(deny_beats_deny_mode_audit, .want = "deny",
      .rules = "deny path=%1$s/link/bin/ id=quiet mode=audit\n"
	       "deny path=%1$s/real/bin/ id=deny\n");
MATCH(default_hooks_exec, .hook = ID_HOOK_EXEC, .want = "x",
      .rules = "deny path=%1$s/real/bin/prog id=x\n");
MATCH(default_hooks_mmap, .hook = ID_HOOK_MMAP, .want = "x",
      .rules = "deny path=%1$s/real/bin/prog id=x\n");
MATCH(default_hooks_not_open, .hook = ID_HOOK_OPEN,
      .rules = "deny path=%1$s/real/bin/prog id=x\n");
MATCH(on_open, .hook = ID_HOOK_OPEN, .want = "x",
      .rules = "deny path=%1$s/real/bin/prog id=x on=open\n");
MATCH(on_open_not_exec, .hook = ID_HOOK_EXEC,
      .rules = "deny path=%1$s/real/bin/prog id=x on=open\n");
MATCH(on_sha256, .hook = ID_HOOK_EXEC, .sha = true, .want = "tree",
      .rules = "allow sha256=" PROG_SHA " id=hash on=mmap\n"
	       "deny path=%1$s/real/ id=tree\n");
MATCH(on_picks_less_specific, .hook = ID_HOOK_EXEC, .want = "tree",
      .rules = "allow path=%1$s/real/bin/prog id=exact on=open\n"
	       "deny path=%1$s/real/ id=tree\n");
MATCH(tree_through_link, .want = "link",
      .rules = "deny path=%1$s/link/ id=link\n");
MATCH(tree_through_two_links, .want = "chain",
      .rules = "deny path=%1$s/chain/bin/ id=chain\n");
MATCH(tree_through_root_link, .want = "root",
      .rules = "deny path=%1$s/root/ id=root\n");
MATCH(exact_through_link, .want = "x",
      .rules = "deny path=%1$s/abs/prog id=x\n");
MATCH(tree_not_yet_made, .path = "%1$s/real/new/f", .want = "x",
      .rules = "deny path=%1$s/link/new/ id=x\n");
MATCH(exact_is_not_a_prefix,
      .rules = "deny path=%1$s/real/bin id=x\n");
MATCH(tree_on_component_boundary,
      .rules = "deny path=%1$s/real/b/ id=x\n");
MATCH(other_file, .path = "%1$s/real/bin/other",
      .rules = "deny path=%1$s/real/bin/prog id=x\n"
	       "deny sha256=" PROG_SHA " id=hash\n");
MATCH(empty_policy, .sha = true, .rules = "");

TEST_F(match, decides)
{
	char path[PATH_MAX];
	const struct rule *r;

	ASSERT_EQ(0, tree_rules(&self->t, variant->rules))
		TH_LOG("%s", tree_text(&self->t));
	at(path, variant->path ? variant->path : "%1$s/real/bin/prog",
	   self->t.real);
	r = policy_match(&self->t.p, path[0] ? path : NULL,
			 variant->sha ? self->t.prog_sha : NULL,
			 variant->hook ? variant->hook : ID_HOOK_EXEC);
	if (variant->want) {
		ASSERT_NE(NULL, r);
		EXPECT_STREQ(variant->want, r->id);
	} else {
		EXPECT_EQ(NULL, r) TH_LOG("matched %s", r->id);
	}
}

/* Policies checked against protected binaries: D/real/bin/prog with its
 * hash, and D/real/bin/other whose hash is not known (the bytes are prog's,
 * so a SHA-256 rule must not look at them). */
TREE_FIXTURE(check);

FIXTURE_VARIANT(check) {
	const char *rules;
	const char *want;	/* the report, "" if none */
};

#define MUST ", which must always run; narrow the rule or add an allow " \
	     "rule for it\n"
#define PROG "%1$s/real/bin/prog (test binary)" MUST
#define OTHER "%1$s/real/bin/other (unhashed)" MUST
#define CHECK(name, text, report) \
	FIXTURE_VARIANT_ADD(check, name) { .rules = text, .want = report }

CHECK(deny_tree, "deny path=%1$s/link/ id=tree\n",
      "t.rules:1: rule 'tree' would deny " PROG
      "t.rules:1: rule 'tree' would deny " OTHER);
CHECK(deny_tree_mode_audit, "deny path=%1$s/real/ id=tree mode=audit\n", "");
CHECK(audit_tree, "audit path=%1$s/real/ id=tree\n", "");
CHECK(deny_elsewhere, "deny path=%1$s/real/bi/ id=tree\n", "");
CHECK(allow_carve_out,
      "# keep prog and other\n"
      "deny path=%1$s/real/bin/ id=tree\n"
      "allow path=%1$s/real/bin/prog id=keep\n"
      "allow path=%1$s/link/bin/other id=keep-other\n", "");
CHECK(allow_carve_out_one,
      "# keep prog\n"
      "deny path=%1$s/real/bin/ id=tree\n"
      "allow path=%1$s/real/bin/prog id=keep\n",
      "t.rules:2: rule 'tree' would deny " OTHER);
CHECK(allow_carve_out_not_on_open,
      "deny path=%1$s/real/ id=tree on=exec,open\n"
      "allow path=%1$s/real/bin/prog id=keep\n"
      "allow path=%1$s/real/bin/other id=keep-other on=exec,mmap,open\n",
      "t.rules:1: rule 'tree' would deny " PROG);
CHECK(deny_on_open, "deny path=%1$s/abs/prog id=x on=open\n",
      "t.rules:1: rule 'x' would deny " PROG);
CHECK(deny_sha256, "deny sha256=" PROG_SHA " id=hash\n",
      "t.rules:1: rule 'hash' would deny " PROG);
CHECK(deny_sha256_beats_allow_path,
      "deny sha256=" PROG_SHA " id=hash\n"
      "allow path=%1$s/real/bin/prog id=keep\n",
      "t.rules:1: rule 'hash' would deny " PROG);
CHECK(allow_sha256_carve_out,
      "deny path=%1$s/real/ id=tree\n"
      "allow sha256=" PROG_SHA " id=known\n",
      "t.rules:1: rule 'tree' would deny " OTHER);
CHECK(audit_sha256, "audit sha256=" PROG_SHA " id=hash\n", "");

TEST_F(check, reported)
{
	struct protected pb[2] = {
		{ .what = "test binary", .have_sha256 = true },
		{ .what = "unhashed", .have_sha256 = false },
	};
	char want[4096];

	at(pb[0].path, "%1$s/real/bin/prog", self->t.real);
	at(pb[1].path, "%1$s/real/bin/other", self->t.real);
	memcpy(pb[0].sha256, self->t.prog_sha, ID_SHA256_LEN);
	memcpy(pb[1].sha256, self->t.prog_sha, ID_SHA256_LEN);
	ASSERT_EQ(0, tree_rules(&self->t, variant->rules))
		TH_LOG("%s", tree_text(&self->t));
	snprintf(want, sizeof(want), variant->want, self->t.real);
	EXPECT_EQ(want[0] ? -EINVAL : 0,
		  policy_check_protected(&self->t.p, pb, 2, self->t.err));
	EXPECT_STREQ(want, tree_text(&self->t));
}

/* The program interpreter named in our own executable. */
static int phdr_interp(struct dl_phdr_info *info, size_t size, void *data)
{
	int i;

	for (i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_INTERP)
			snprintf(data, PATH_MAX, "%s", (const char *)
				 (info->dlpi_addr + info->dlpi_phdr[i].p_vaddr));
	return 1;	/* the first object is the executable */
}

TEST(collect)
{
	char sh[PATH_MAX], interp[PATH_MAX] = "", ld[PATH_MAX];
	__u8 sha[ID_SHA256_LEN];
	struct protected pb[16];
	bool have_sh = false, have_ld = false;
	int n, i, k;

	ASSERT_NE(NULL, realpath("/bin/sh", sh));
	dl_iterate_phdr(phdr_interp, interp);
	ASSERT_NE(NULL, realpath(interp, ld)) TH_LOG("interpreter '%s'",
						     interp);

	n = protected_collect(pb, ARRAY_SIZE(pb));
	ASSERT_LE(2, n);
	for (i = 0; i < n; i++) {
		EXPECT_NE(NULL, pb[i].what);
		EXPECT_TRUE(pb[i].have_sha256) TH_LOG("%s", pb[i].path);
		ASSERT_EQ(0, sha256_file(pb[i].path, sha));
		EXPECT_EQ(0, memcmp(sha, pb[i].sha256, ID_SHA256_LEN));
		for (k = 0; k < i; k++)
			EXPECT_STRNE(pb[k].path, pb[i].path);
		have_sh |= !strcmp(pb[i].path, sh);
		have_ld |= !strcmp(pb[i].path, ld);
	}
	EXPECT_TRUE(have_sh) TH_LOG("no %s", sh);
	EXPECT_TRUE(have_ld) TH_LOG("no %s", ld);

	EXPECT_EQ(1, protected_collect(pb, 1));
	EXPECT_EQ(0, protected_collect(pb, 0));
}

/* The libraries this process maps: libc and the loader among them, each
 * resolved, hashed and named once. */
TEST(libraries)
{
	char interp[PATH_MAX] = "", ld[PATH_MAX];
	struct protected *pb = NULL;
	__u8 sha[ID_SHA256_LEN];
	bool have_libc = false, have_ld = false;
	size_t n, i, k;

	dl_iterate_phdr(phdr_interp, interp);
	ASSERT_NE(NULL, realpath(interp, ld));
	ASSERT_EQ(0, protected_libraries(&pb, &n));
	ASSERT_LE(2U, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ('/', pb[i].path[0]);
		EXPECT_NE(NULL, strstr(pb[i].what, "a library "));
		EXPECT_TRUE(pb[i].have_sha256) TH_LOG("%s", pb[i].path);
		ASSERT_EQ(0, sha256_file(pb[i].path, sha));
		EXPECT_EQ(0, memcmp(sha, pb[i].sha256, ID_SHA256_LEN));
		for (k = 0; k < i; k++)
			EXPECT_STRNE(pb[k].path, pb[i].path);
		have_libc |= strstr(pb[i].path, "/libc.so") != NULL;
		have_ld |= !strcmp(pb[i].path, ld);
	}
	EXPECT_TRUE(have_libc);
	EXPECT_TRUE(have_ld);
	free(pb);
}

/* Reported through the check's diagnostics, as policy_check_protected
 * prints them. */
TEST_F(check, diags)
{
	struct protected pb = { .what = "a library interdict maps",
				.have_sha256 = true };
	struct diags d = { .keep = true };

	at(pb.path, "%1$s/real/bin/prog", self->t.real);
	memcpy(pb.sha256, self->t.prog_sha, ID_SHA256_LEN);
	ASSERT_EQ(0, tree_rules(&self->t, variant->rules));
	policy_check_protected_diags(&self->t.p, &pb, 1, &d);
	EXPECT_EQ(d.n, d.errors);
	if (d.n)
		EXPECT_NE(NULL, strstr(d.v[0].msg, "(a library interdict maps), which must always run"));
	diags_free(&d);
}

TEST_HARNESS_MAIN
