// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of userspace/dpkg.c: package= rules resolved from crafted dpkg
 * databases (multi-arch list names, diversions, missing files, packages
 * removed or half gone, carve-outs) and from this machine's own database.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interdict.h"

#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

static void __attribute__((format(printf, 3, 4)))
put(const char *content, mode_t mode, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

static int strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

FIXTURE(dpkg) {
	char dir[PATH_MAX];		/* D: D/admin is the database, D/root the files */
	char admin[PATH_MAX + 8];
	struct policy p;
	char *errs;
	size_t errlen;
	FILE *err;
};

FIXTURE_SETUP(dpkg)
{
	char tmpl[] = "/tmp/interdict-dpkg-XXXXXX", path[PATH_MAX + 32];
	const char *D;

	ASSERT_NE(NULL, mkdtemp(tmpl));
	ASSERT_NE(NULL, realpath(tmpl, self->dir));
	D = self->dir;
	snprintf(self->admin, sizeof(self->admin), "%s/admin", D);
	snprintf(path, sizeof(path), "%s/admin", D);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/admin/info", D);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/root", D);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/root/bin", D);
	ASSERT_EQ(0, mkdir(path, 0755));
	snprintf(path, sizeof(path), "%s/root/lib", D);
	ASSERT_EQ(0, mkdir(path, 0755));
	put("#!/bin/sh\necho agent\n", 0755, "%s/root/bin/agent", D);
	put("\177ELF fake library\n", 0644, "%s/root/lib/libv.so.1", D);
	put("docs\n", 0644, "%s/root/README", D);
	put("", 0755, "%s/root/bin/empty", D);
	put("#!/bin/sh\necho uninstall\n", 0755, "%s/root/bin/uninstall", D);
	put("#!/bin/sh\necho tool from vendor\n", 0755, "%s/root/bin/tool.real", D);
	put("#!/bin/sh\necho other tool\n", 0755, "%s/root/bin/tool", D);
	put("#!/bin/sh\necho helper\n", 0755, "%s/root/bin/helper", D);
	snprintf(path, sizeof(path), "%s/root/bin/link", D);
	ASSERT_EQ(0, symlink("agent", path));
	put("Package: vendor-agent\nStatus: install ok installed\n"
	    "Architecture: amd64\nVersion: 11.2.0-1\n"
	    "Description: an agent\n continued line\n\n"
	    "Package: vendor-lib\nStatus: install ok installed\n"
	    "Multi-Arch: same\nArchitecture: amd64\nVersion: 2.0\n\n"
	    "Package: vendor-gone\nStatus: deinstall ok config-files\n"
	    "Architecture: amd64\nVersion: 1.0\n\n"
	    "Package: vendor-nolist\nStatus: install ok half-installed\n"
	    "Architecture: all\nVersion: 3\n\n"
	    "Package: other\nStatus: install ok installed\n"
	    "Architecture: amd64\nVersion: 5\n",
	    0644, "%s/admin/status", D);
	snprintf(path, sizeof(path), "/.\n%s/root\n%s/root/bin\n"
		 "%s/root/bin/agent\n%s/root/bin/link\n%s/root/bin/empty\n"
		 "%s/root/bin/uninstall\n%s/root/bin/tool\n%s/root/README\n"
		 "%s/root/bin/missing\n", D, D, D, D, D, D, D, D, D);
	put(path, 0644, "%s/admin/info/vendor-agent.list", D);
	snprintf(path, sizeof(path), "%s/root/lib/libv.so.1\n", D);
	put(path, 0644, "%s/admin/info/vendor-lib:amd64.list", D);
	snprintf(path, sizeof(path), "%s/root/bin/helper\n", D);
	put(path, 0644, "%s/admin/info/vendor-gone.list", D);
	put(path, 0644, "%s/admin/info/other.list", D);
	/* vendor-agent's tool is diverted by another package to tool.real */
	snprintf(path, sizeof(path), "%s/root/bin/tool\n%s/root/bin/tool.real\n"
		 "other\n", D, D);
	put(path, 0644, "%s/admin/diversions", D);
	setenv("INTERDICT_DPKG_ADMINDIR", self->admin, 1);
	self->err = open_memstream(&self->errs, &self->errlen);
	ASSERT_NE(NULL, self->err);
}

FIXTURE_TEARDOWN(dpkg)
{
	char cmd[PATH_MAX + 16];

	policy_free(&self->p);
	fclose(self->err);
	free(self->errs);
	unsetenv("INTERDICT_DPKG_ADMINDIR");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->dir);
}

/* Loads rules (with %1$s for D) as one policy file. */
static int load(struct __test_metadata *_metadata, FIXTURE_DATA(dpkg) *self,
		const char *fmt)
{
	char text[8192], path[PATH_MAX + 16];
	char *paths[] = { path };
	FILE *f;

	snprintf(text, sizeof(text), fmt, self->dir);
	snprintf(path, sizeof(path), "%s/t.rules", self->dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	return policy_load_paths(&self->p, paths, 1, self->err);
}

/* The made rule of that kind for the path under D, or NULL. */
static const struct rule *made(FIXTURE_DATA(dpkg) *self, enum match_kind kind,
			       const char *rel)
{
	char path[PATH_MAX + 64];
	__u8 sha[ID_SHA256_LEN];
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", self->dir, rel);
	if (kind == MATCH_SHA256 && sha256_file(path, sha))
		return NULL;
	for (i = 0; i < self->p.nrules; i++) {
		const struct rule *r = &self->p.rules[i];

		if (r->kind != kind || !dpkg_rule_package(&self->p, r))
			continue;
		if (kind == MATCH_SHA256 ? !memcmp(r->sha256, sha, sizeof(sha)) :
		    !strcmp(r->path, path))
			return r;
	}
	return NULL;
}

TEST_F(dpkg, files_become_path_and_sha256_rules)
{
	const struct dpkg_pkg *pkg;
	const struct rule *r;

	ASSERT_EQ(0, load(_metadata, self,
			  "deny package=vendor-agent id=ban msg=\"banned\" mode=audit\n"));
	ASSERT_NE(NULL, self->p.pkgs);
	ASSERT_EQ(1U, self->p.pkgs->npkg);
	pkg = &self->p.pkgs->pkg[0];
	EXPECT_STREQ("vendor-agent", pkg->name);
	EXPECT_STREQ("11.2.0-1", pkg->version);
	EXPECT_STREQ("amd64", pkg->arch);
	EXPECT_EQ(1U, pkg->missing);
	/* agent, empty, uninstall, tool.real (diverted), README */
	EXPECT_EQ(5U, pkg->nfiles);
	EXPECT_EQ(3U, pkg->nsha);	/* agent, uninstall, tool.real */
	EXPECT_EQ(1U + 5 + 3, self->p.nrules);
	EXPECT_EQ(3U, self->p.nsha);
	EXPECT_EQ(5U, self->p.npath);

	r = made(self, MATCH_PATH, "root/bin/agent");
	ASSERT_NE(NULL, r);
	EXPECT_STREQ("ban", r->id);
	EXPECT_STREQ("banned", r->msg);
	EXPECT_EQ(1U, r->line);
	EXPECT_EQ(ID_ACT_DENY, r->action);
	EXPECT_TRUE(r->flags & ID_RULE_AUDIT);
	EXPECT_STREQ("vendor-agent", dpkg_rule_package(&self->p, r)->name);
	EXPECT_NE(NULL, made(self, MATCH_SHA256, "root/bin/agent"));
	EXPECT_NE(NULL, made(self, MATCH_PATH, "root/README"));
	EXPECT_EQ(NULL, made(self, MATCH_SHA256, "root/README"));
	/* an empty file is never hashed by the kernel: no SHA-256 rule */
	EXPECT_NE(NULL, made(self, MATCH_PATH, "root/bin/empty"));
	/* links and directories name other files, or shared ones */
	EXPECT_EQ(NULL, made(self, MATCH_PATH, "root/bin/link"));
	EXPECT_EQ(NULL, made(self, MATCH_PATH, "root/bin"));
	/* the listed tool is diverted by another package: its file moved */
	EXPECT_EQ(NULL, made(self, MATCH_PATH, "root/bin/tool"));
	EXPECT_NE(NULL, made(self, MATCH_PATH, "root/bin/tool.real"));
	EXPECT_NE(NULL, made(self, MATCH_SHA256, "root/bin/tool.real"));
	/* the package= rule itself stays, first, and is counted in neither */
	EXPECT_EQ(MATCH_PACKAGE, (int)self->p.rules[0].kind);
	EXPECT_EQ(NULL, dpkg_rule_package(&self->p, &self->p.rules[0]));
}

TEST_F(dpkg, glob_multiarch_and_states)
{
	size_t i;
	bool lib = false;

	ASSERT_EQ(0, load(_metadata, self, "deny package=vendor-* id=v\n"));
	/* vendor-gone left config files only; vendor-nolist has no list */
	ASSERT_EQ(3U, self->p.pkgs->npkg);
	for (i = 0; i < self->p.pkgs->npkg; i++)
		lib |= !strcmp(self->p.pkgs->pkg[i].name, "vendor-lib");
	EXPECT_TRUE(lib);
	/* Multi-Arch: same lists its files in vendor-lib:amd64.list; a
	 * library without an exec bit is recognised as ELF */
	EXPECT_NE(NULL, made(self, MATCH_PATH, "root/lib/libv.so.1"));
	EXPECT_NE(NULL, made(self, MATCH_SHA256, "root/lib/libv.so.1"));
	EXPECT_EQ(NULL, made(self, MATCH_PATH, "root/bin/helper"));
	fflush(self->err);
	EXPECT_NE(NULL, strstr(self->errs, "warning: package vendor-nolist"));
}

TEST_F(dpkg, arch_qualified_pattern)
{
	ASSERT_EQ(0, load(_metadata, self, "deny package=vendor-lib:i386 id=a\n"
			  "deny package=vendor-lib:amd64 id=b\n"));
	ASSERT_EQ(1U, self->p.pkgs->npkg);
	EXPECT_STREQ("b", made(self, MATCH_PATH, "root/lib/libv.so.1")->id);
}

TEST_F(dpkg, carve_out_and_written_rules_win)
{
	const struct rule *r;

	ASSERT_EQ(0, load(_metadata, self,
			  "deny package=vendor-agent id=ban\n"
			  "allow path=%1$s/root/bin/uninstall id=keep\n"
			  "audit path=%1$s/root/README id=readme\n"));
	/* the allowed uninstaller: neither its path nor its hash is denied */
	EXPECT_EQ(NULL, made(self, MATCH_PATH, "root/bin/uninstall"));
	EXPECT_EQ(NULL, made(self, MATCH_SHA256, "root/bin/uninstall"));
	/* a path a written rule has stays that rule's */
	EXPECT_EQ(NULL, made(self, MATCH_PATH, "root/README"));
	r = made(self, MATCH_PATH, "root/bin/agent");
	ASSERT_NE(NULL, r);
	EXPECT_STREQ("ban", r->id);
}

TEST_F(dpkg, verdict_follows_the_package)
{
	char path[PATH_MAX + 32];
	struct verdict v;
	const struct rule *r;

	ASSERT_EQ(0, load(_metadata, self, "deny package=vendor-agent id=ban\n"));
	ASSERT_EQ(0, verdict_init(&v, &self->p));
	snprintf(path, sizeof(path), "%s/root/bin/agent", self->dir);
	r = verdict_decide(&v, path, NULL, ID_HOOK_EXEC);
	ASSERT_NE(NULL, r);
	EXPECT_STREQ("ban", r->id);
	/* a copy elsewhere: by its hash */
	r = verdict_decide(&v, "/elsewhere/x", made(self, MATCH_SHA256,
			   "root/bin/agent")->sha256, ID_HOOK_EXEC);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(MATCH_SHA256, (int)r->kind);
	/* open: path rules only, and only when the rule asks for it */
	EXPECT_EQ(NULL, verdict_decide(&v, path, NULL, ID_HOOK_OPEN));
	verdict_free(&v);
}

TEST_F(dpkg, changed_when_the_database_is_written)
{
	char path[PATH_MAX + 32];

	ASSERT_EQ(0, load(_metadata, self, "deny package=vendor-agent id=ban\n"));
	struct dpkg_stamp tried = { 0 };

	EXPECT_FALSE(dpkg_changed(&self->p, NULL));
	EXPECT_FALSE(dpkg_changed(&self->p, &tried));
	put("Package: vendor-agent\nStatus: deinstall ok config-files\n"
	    "Architecture: amd64\nVersion: 11.2.0-1\n", 0644, "%s/admin/status",
	    self->dir);
	EXPECT_TRUE(dpkg_changed(&self->p, NULL));
	/* once tried (say, the new policy was refused): not again */
	EXPECT_TRUE(dpkg_changed(&self->p, &tried));
	EXPECT_FALSE(dpkg_changed(&self->p, &tried));
	policy_free(&self->p);
	ASSERT_EQ(0, load(_metadata, self, "deny package=vendor-agent id=ban\n"));
	EXPECT_EQ(0U, self->p.pkgs->npkg);
	EXPECT_EQ(1U, self->p.nrules);
	snprintf(path, sizeof(path), "%s/admin/diversions", self->dir);
	ASSERT_EQ(0, unlink(path));
	EXPECT_TRUE(dpkg_changed(&self->p, &tried));
}

/* The same files resolved against another database: another digest. */
TEST_F(dpkg, digest_covers_the_resolution)
{
	__u8 a[ID_SHA256_LEN], b[ID_SHA256_LEN], c[ID_SHA256_LEN];

	ASSERT_EQ(0, load(_metadata, self, "deny package=vendor-agent id=ban\n"));
	ASSERT_EQ(0, policy_digest(&self->p, a));
	policy_free(&self->p);
	ASSERT_EQ(0, load(_metadata, self, "deny package=vendor-agent id=ban\n"));
	ASSERT_EQ(0, policy_digest(&self->p, b));
	EXPECT_EQ(0, memcmp(a, b, sizeof(a)));
	policy_free(&self->p);
	put("changed\n", 0755, "%s/root/bin/agent", self->dir);
	ASSERT_EQ(0, load(_metadata, self, "deny package=vendor-agent id=ban\n"));
	ASSERT_EQ(0, policy_digest(&self->p, c));
	EXPECT_NE(0, memcmp(a, c, sizeof(a)));
}

TEST_F(dpkg, missing_database_is_a_warning)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/admin/status", self->dir);
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, load(_metadata, self, "deny package=vendor-agent id=ban\n"));
	EXPECT_EQ(1U, self->p.nrules);
	fflush(self->err);
	EXPECT_NE(NULL, strstr(self->errs, ":1: warning: no dpkg database at "));
}

TEST_F(dpkg, no_package_rule_reads_nothing)
{
	ASSERT_EQ(0, unsetenv("INTERDICT_DPKG_ADMINDIR"));
	setenv("INTERDICT_DPKG_ADMINDIR", "/nonexistent", 1);
	ASSERT_EQ(0, load(_metadata, self, "deny path=/opt/x id=x\n"));
	EXPECT_EQ(NULL, self->p.pkgs);
	fflush(self->err);
	EXPECT_EQ(0U, self->errlen);
}

TEST_F(dpkg, bad_package_values)
{
	static const struct {
		const char *rule, *msg;
	} cases[] = {
		{ "deny package=* id=a\n", "would match every installed package" },
		{ "deny package=a/b id=a\n", "has the character '/'" },
		{ "deny package= id=a\n", "package is 0 characters long" },
		{ "deny package=x path=/x id=a\n", "second match" },
		{ "deny package=x id=a\ndeny package=x id=b\n", "duplicate package=x" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		policy_free(&self->p);
		EXPECT_EQ(-EINVAL, load(_metadata, self, cases[i].rule));
		fflush(self->err);
		EXPECT_NE(NULL, strstr(self->errs, cases[i].msg))
			TH_LOG("%s: %s", cases[i].rule, self->errs);
	}
}

/* dpkg -S: the package each path belongs to, diversions followed. */
TEST_F(dpkg, owners_of_paths)
{
	char p[4][PATH_MAX + 32];
	char *paths[] = { p[0], p[1], p[2], p[3] };
	struct dpkg_pkg *pkgs;
	size_t n, owner[4];

	/* sorted, as the caller passes them */
	snprintf(p[0], sizeof(p[0]), "%s/root/README", self->dir);
	snprintf(p[1], sizeof(p[1]), "%s/root/bin/agent", self->dir);
	snprintf(p[2], sizeof(p[2]), "%s/root/bin/nothing", self->dir);
	snprintf(p[3], sizeof(p[3]), "%s/root/bin/tool.real", self->dir);
	qsort(paths, 4, sizeof(*paths), strcmp_ptr);
	ASSERT_EQ(0, dpkg_owners(paths, 4, &pkgs, &n, owner));
	for (size_t i = 0; i < 4; i++) {
		const char *want = strstr(paths[i], "nothing") ? NULL : "vendor-agent";

		if (!want) {
			EXPECT_EQ(0U, owner[i]);
			continue;
		}
		ASSERT_NE(0U, owner[i]) TH_LOG("%s", paths[i]);
		EXPECT_STREQ(want, pkgs[owner[i] - 1].name);
		EXPECT_STREQ("11.2.0-1", pkgs[owner[i] - 1].version);
	}
	EXPECT_EQ(1U, n);
	free(pkgs);
}

/* The machine's own database: coreutils's files, with their real hashes. */
TEST(real_database)
{
	struct policy p = { 0 };
	char rules[] = "/tmp/interdict-dpkg-real-XXXXXX";
	char *paths[] = { rules };
	__u8 sha[ID_SHA256_LEN];
	bool path = false, hash = false;
	size_t i;
	int fd;

	if (access("/var/lib/dpkg/status", R_OK))
		SKIP(return, "no dpkg database on this machine");
	unsetenv("INTERDICT_DPKG_ADMINDIR");
	fd = mkstemp(rules);
	ASSERT_LE(0, fd);
	ASSERT_EQ(29, write(fd, "deny package=coreutils id=cu\n", 29));
	close(fd);
	ASSERT_EQ(0, policy_load_paths(&p, paths, 1, stderr));
	unlink(rules);
	ASSERT_NE(NULL, p.pkgs);
	ASSERT_EQ(1U, p.pkgs->npkg);
	EXPECT_STREQ("coreutils", p.pkgs->pkg[0].name);
	EXPECT_NE(0, p.pkgs->pkg[0].version[0]);
	EXPECT_LT(50U, p.pkgs->pkg[0].nsha);
	ASSERT_EQ(0, sha256_file("/usr/bin/ls", sha));
	for (i = 0; i < p.nrules; i++) {
		path |= p.rules[i].kind == MATCH_PATH &&
			(!strcmp(p.rules[i].path, "/bin/ls") ||
			 !strcmp(p.rules[i].path, "/usr/bin/ls"));
		hash |= p.rules[i].kind == MATCH_SHA256 &&
			!memcmp(p.rules[i].sha256, sha, sizeof(sha));
	}
	EXPECT_TRUE(path);
	EXPECT_TRUE(hash);
	policy_free(&p);
}

/* dpkg -S on the machine's own database, through merged /usr. */
TEST(real_owners)
{
	char ls[] = "/usr/bin/ls";
	char *paths[] = { ls };
	struct dpkg_pkg *pkgs;
	size_t n, owner[1];

	if (access("/var/lib/dpkg/status", R_OK))
		SKIP(return, "no dpkg database on this machine");
	unsetenv("INTERDICT_DPKG_ADMINDIR");
	ASSERT_EQ(0, dpkg_owners(paths, 1, &pkgs, &n, owner));
	ASSERT_NE(0U, owner[0]);
	EXPECT_STREQ("coreutils", pkgs[owner[0] - 1].name);
	free(pkgs);
}

TEST_HARNESS_MAIN
