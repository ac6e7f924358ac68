// SPDX-License-Identifier: GPL-2.0-only
/*
 * End-to-end tests of `interdict scan`: build/interdict runs on a real
 * temporary tree holding a stand-in for a banned product, and the tests
 * assert the exact findings, the exit status, the JSON lines and the
 * --write-rules round trip (parsed back with the project's parser).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interdict.h"
#include "../wait_exe.h"

/* The harness's test wrapper sets a local after setjmp(); gcc -O2 -Wextra
 * warns about it once a test body is inlined into that wrapper. */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

/* Tests run from the repository root. */
#define CLI		"build/interdict"
#define NOBODY		65534
#define TIMEOUT_S	30	/* a scan that hangs (on a FIFO, say) is killed */
#define WEIRD		"we\"ird\\name\nx"	/* a file name rules must escape */

/*
 * The tree, under a fresh directory D (files hold their own name):
 *   opt/vendor/bin/agent      the product; a sha256= rule names its content
 *   opt/vendor/bin/daemon     found by the tree rule
 *   opt/vendor/bin/uninstall  the carve-out (allow)
 *   opt/vendor/bin/empty      empty: found by path, never hashed
 *   opt/vendor/bin/WEIRD      found by the tree rule; a hostile name
 *   opt/vendor/legacy/tool    an audit rule's tree
 *   opt/vendor/fifo           a FIFO: never opened
 *   opt/vendor/loop -> ..     a symlink loop
 *   home/u/renamed            a copy of agent, found by its hash
 *   home/u/notes.txt          nothing
 *   home/u/out -> /usr        a link out of the tree: never followed
 *   home/u/secret/copy        agent again, in a directory of mode 000
 */
static const struct {
	const char *path;
	const char *text;	/* NULL: a directory */
} files[] = {
	{ "opt", NULL }, { "opt/vendor", NULL }, { "opt/vendor/bin", NULL },
	{ "opt/vendor/legacy", NULL }, { "home", NULL }, { "home/u", NULL },
	{ "home/u/secret", NULL }, { "pol", NULL },
	{ "opt/vendor/bin/agent", "agent 7.1\n" },
	{ "opt/vendor/bin/daemon", "daemon 7.1\n" },
	{ "opt/vendor/bin/uninstall", "uninstall\n" },
	{ "opt/vendor/bin/empty", "" },
	{ "opt/vendor/bin/" WEIRD, "weird\n" },
	{ "opt/vendor/legacy/tool", "tool\n" },
	{ "home/u/renamed", "agent 7.1\n" },
	{ "home/u/notes.txt", "notes\n" },
	{ "home/u/secret/copy", "agent 7.1\n" },
};

#define RULES	"deny path=%1$s/opt/vendor/ id=vendor-tree msg=\"banned vendor\"\n" \
		"allow path=%1$s/opt/vendor/bin/uninstall id=vendor-uninstall\n" \
		"audit path=%1$s/opt/vendor/legacy/ id=vendor-legacy\n"

/* What a scan of D finds: path under D, rule, decision, hashed. */
static const struct expect {
	const char *path, *rule, *decision;
	bool hashed;
} found[] = {
	{ "home/u/renamed", "vendor-agent", "deny", true },
	{ "home/u/secret/copy", "vendor-agent", "deny", true },
	{ "opt/vendor/bin/agent", "vendor-agent", "deny", true },
	{ "opt/vendor/bin/daemon", "vendor-tree", "deny", true },
	{ "opt/vendor/bin/empty", "vendor-tree", "deny", false },
	{ "opt/vendor/bin/uninstall", "vendor-uninstall", "allow", true },
	{ "opt/vendor/bin/" WEIRD, "vendor-tree", "deny", true },
	{ "opt/vendor/legacy/tool", "vendor-legacy", "audit", true },
};

struct out {
	int code;		/* exit status, or 128 + signal */
	char *out, *err;
};

static void out_free(struct out *o)
{
	free(o->out);
	free(o->err);
	memset(o, 0, sizeof(*o));
}

static char *slurp(int fd)
{
	off_t len = lseek(fd, 0, SEEK_END);
	char *s = malloc(len + 1);

	if (s && pread(fd, s, len, 0) == len) {
		s[len] = '\0';
		return s;
	}
	free(s);
	return NULL;
}

/* build/interdict ARGS... with stdout and stderr in memory files; as
 * NOBODY when drop is set. */
static int cli(struct out *o, bool drop, const char *const *args)
{
	const char *argv[16] = { CLI };
	int fo = memfd_create("out", MFD_CLOEXEC);
	int fe = memfd_create("err", MFD_CLOEXEC);
	int i, status, ret = -errno;
	pid_t pid;

	memset(o, 0, sizeof(*o));
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	if (fo < 0 || fe < 0 || (pid = fork()) < 0)
		goto cleanup;
	if (!pid) {
		alarm(TIMEOUT_S);
		if (dup2(fo, 1) < 0 || dup2(fe, 2) < 0 ||
		    (drop && (setgroups(0, NULL) || setgid(NOBODY) ||
			      setuid(NOBODY))))
			_exit(126);
		execv(CLI, (char **)argv);
		_exit(127);
	}
	ret = waitpid(pid, &status, 0) < 0 ? -errno : 0;
	o->code = WIFEXITED(status) ? WEXITSTATUS(status) :
		  128 + WTERMSIG(status);
	o->out = slurp(fo);
	o->err = slurp(fe);
	if (!o->out || !o->err)
		ret = -ENOMEM;
cleanup:
	if (fo >= 0)
		close(fo);
	if (fe >= 0)
		close(fe);
	return ret;
}

/* The JSON line whose file.path is path, flattened; NULL if none. */
static struct flat *finding_line(const char *out, const char *path)
{
	struct flat *f = malloc(sizeof(*f));
	const char *line, *end, *p;

	for (line = out; f && *line; line = end + 1) {
		end = strchrnul(line, '\n');
		p = json_flatten(line, end - line, f) > 0 ?
		    flat_get(f, "file.path") : NULL;
		if (p && !strcmp(p, path))
			return f;
		if (!*end)
			break;
	}
	free(f);
	return NULL;
}

static int lines(const char *s)
{
	int n = 0;

	for (; (s = strchr(s, '\n')); s++)
		n++;
	return n;
}

/* A table row: the escaped path, the decision and the rule. */
static bool has_row(const char *out, const char *path, const char *decision,
		    const char *rule)
{
	char name[ID_NAME_ESC_MAX], d[16], r[ID_RULE_ID_MAX];
	const char *line;
	size_t n;

	name_escape(path, name, sizeof(name));
	n = strlen(name);
	for (line = out; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, name, n) && line[n] == ' ' &&
		    sscanf(line + n, "%15s %63s", d, r) == 2)
			return !strcmp(d, decision) && !strcmp(r, rule);
	return false;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	return remove(path);
}

FIXTURE(scan) {
	char dir[PATH_MAX];
	char pol[PATH_MAX];		/* D/pol: RULES and the agent's hash */
	char agent_sha[2 * ID_SHA256_LEN + 1];
	char path[PATH_MAX];
	struct out o;
};

static char *at(char *buf, const char *dir, const char *rel)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, rel);
	return buf;
}

/* dir/rel, a directory (text NULL) or a file holding text, readable by
 * all: one test scans as NOBODY. */
static int make(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX];
	ssize_t len;
	int fd;

	at(path, dir, rel);
	if (!text)
		return mkdir(path, 0755) ? -errno : 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	len = write(fd, text, strlen(text));
	close(fd);
	return len == (ssize_t)strlen(text) ? 0 : -EIO;
}

FIXTURE_SETUP(scan)
{
	char tmpl[] = "/tmp/interdict-scan-XXXXXX", path[PATH_MAX];
	char rules[4096];
	__u8 sha[ID_SHA256_LEN];
	size_t i;

	ASSERT_NE(NULL, mkdtemp(tmpl));
	ASSERT_NE(NULL, realpath(tmpl, self->dir));
	ASSERT_EQ(0, chmod(self->dir, 0755));
	umask(022);
	for (i = 0; i < ARRAY_SIZE(files); i++)
		ASSERT_EQ(0, make(self->dir, files[i].path, files[i].text));
	ASSERT_EQ(0, mkfifo(at(path, self->dir, "opt/vendor/fifo"), 0644));
	ASSERT_EQ(0, symlink("..", at(path, self->dir, "opt/vendor/loop")));
	ASSERT_EQ(0, symlink("/usr", at(path, self->dir, "home/u/out")));
	ASSERT_EQ(0, sha256_file(at(path, self->dir, "opt/vendor/bin/agent"),
				 sha));
	sha256_hex(sha, self->agent_sha);
	snprintf(rules, sizeof(rules), RULES "deny sha256=%2$s id=vendor-agent\n",
		 self->dir, self->agent_sha);
	at(self->pol, self->dir, "pol");
	ASSERT_EQ(0, make(self->pol, "10-vendor.rules", rules));
	ASSERT_EQ(0, chmod(at(path, self->dir, "home/u/secret"), 0));
}

FIXTURE_TEARDOWN(scan)
{
	char path[PATH_MAX];

	out_free(&self->o);
	chmod(at(path, self->dir, "home/u/secret"), 0755);
	nftw(self->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Every expected finding has its line (and the carve-out its flag). */
static void check_json(struct __test_metadata *_metadata, const char *dir,
		       const char *out, bool secret)
{
	char path[PATH_MAX];
	struct flat *f;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(found); i++) {
		f = finding_line(out, at(path, dir, found[i].path));
		if (!secret && strstr(found[i].path, "secret")) {
			EXPECT_EQ(NULL, f);
			free(f);
			continue;
		}
		ASSERT_NE(NULL, f) TH_LOG("no line for %s in\n%s", path, out);
		EXPECT_STREQ("event", flat_get(f, "event.kind"));
		EXPECT_STREQ("file-found", flat_get(f, "event.action"));
		EXPECT_STREQ(found[i].rule, flat_get(f, "rule.id"));
		EXPECT_STREQ(found[i].decision, flat_get(f, "interdict.decision"));
		EXPECT_STREQ(strcmp(found[i].decision, "allow") ? "false" : "true",
			     flat_get(f, "interdict.carve_out"));
		EXPECT_NE(NULL, flat_get(f, "rule.ruleset"));
		EXPECT_NE(NULL, flat_get(f, "file.size"));
		EXPECT_EQ(found[i].hashed, flat_get(f, "file.hash.sha256") != NULL);
		free(f);
	}
}

TEST_F(scan, json_lines)
{
	const char *args[] = { "scan", "-j", "--policy", self->pol, self->dir, NULL };

	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(1, self->o.code) TH_LOG("%s", self->o.err);
	check_json(_metadata, self->dir, self->o.out, true);
	/* the findings, the carve-out, the summary: nothing else (not
	 * /usr through the link, not the FIFO) */
	EXPECT_EQ((int)ARRAY_SIZE(found) + 1, lines(self->o.out)) TH_LOG("%s", self->o.out);
	EXPECT_NE(NULL, strstr(self->o.out, "\"action\":\"scan-summary\""));
	EXPECT_NE(NULL, strstr(self->o.out, "\"files\":10,"));
	EXPECT_NE(NULL, strstr(self->o.out, "\"findings\":7,\"carve_outs\":1,\"errors\":0,"));
	EXPECT_NE(NULL, strstr(self->o.out,
			       "{\"id\":\"vendor-agent\",\"ruleset\":"));
	EXPECT_STREQ("", self->o.err);
}

TEST_F(scan, table)
{
	const char *args[] = { "scan", "--policy", self->pol, "--threads", "1",
			       self->dir, NULL };
	char path[PATH_MAX];
	size_t i;

	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(1, self->o.code) TH_LOG("%s", self->o.err);
	for (i = 0; i < ARRAY_SIZE(found); i++) {
		if (!strcmp(found[i].decision, "allow"))
			continue;
		at(path, self->dir, found[i].path);
		EXPECT_TRUE(has_row(self->o.out, path, found[i].decision,
				    found[i].rule)) TH_LOG("%s", self->o.out);
	}
	EXPECT_EQ(NULL, strstr(self->o.out, "uninstall"));
	EXPECT_NE(NULL, strstr(self->o.out, "files examined  10\n"));
	EXPECT_NE(NULL, strstr(self->o.out, "findings        7\n"));
	EXPECT_NE(NULL, strstr(self->o.out, "  vendor-legacy            1 audit\n"));
	EXPECT_NE(NULL, strstr(self->o.out, "carve-outs      1 "));
	/* header, 7 rows, 6 summary lines and one a rule (3 rules) */
	EXPECT_EQ(1 + 7 + 6 + 3, lines(self->o.out)) TH_LOG("%s", self->o.out);
}

/* Unprivileged, the mode-000 directory is an error, not the end. */
TEST_F(scan, unreadable_directory)
{
	const char *args[] = { "scan", "-j", "--policy", self->pol, self->dir, NULL };

	ASSERT_EQ(0, cli(&self->o, true, args));
	EXPECT_EQ(1, self->o.code) TH_LOG("%s", self->o.err);
	at(self->path, self->dir, "home/u/secret: cannot read directory: Permission denied\n");
	EXPECT_NE(NULL, strstr(self->o.err, self->path)) TH_LOG("%s", self->o.err);
	check_json(_metadata, self->dir, self->o.out, false);
	EXPECT_NE(NULL, strstr(self->o.out, "\"files\":9,"));
	EXPECT_NE(NULL, strstr(self->o.out, "\"findings\":6,\"carve_outs\":1,\"errors\":1,"));
}

/* A PATH that is gone is reported; the others are scanned. */
TEST_F(scan, missing_path)
{
	char gone[PATH_MAX], home[PATH_MAX];
	const char *args[] = { "scan", "--policy", self->pol,
			       at(gone, self->dir, "gone"),
			       at(home, self->dir, "home"), NULL };

	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(1, self->o.code);
	strcat(gone, ": cannot scan: No such file or directory\n");
	EXPECT_NE(NULL, strstr(self->o.err, gone)) TH_LOG("%s", self->o.err);
	EXPECT_NE(NULL, strstr(self->o.out, "/home/u/renamed "));
	EXPECT_NE(NULL, strstr(self->o.out, "errors          1\n"));
}

TEST_F(scan, nothing_found)
{
	const char *args[] = { "scan", "--policy", self->pol,
			       at(self->path, self->dir, "home/u/notes.txt"),
			       NULL };

	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(0, self->o.code);
	EXPECT_NE(NULL, strstr(self->o.out, "files examined  1\nbytes hashed    6 "));
}

/* Without a SHA-256 rule nothing is read: no hash, no byte hashed. */
TEST_F(scan, no_hash_rule_no_hashing)
{
	char rules[4096], pol[PATH_MAX];
	const char *args[] = { "scan", "-j", "--policy", pol, self->dir, NULL };

	snprintf(rules, sizeof(rules), RULES, self->dir);
	ASSERT_EQ(0, make(self->dir, "path-only.rules", rules));
	at(pol, self->dir, "path-only.rules");
	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(1, self->o.code);
	EXPECT_EQ(NULL, strstr(self->o.out, "\"hash\""));
	EXPECT_NE(NULL, strstr(self->o.out, "\"bytes_hashed\":0,"));
	EXPECT_NE(NULL, strstr(self->o.out, "\"findings\":5,"));
}

/* The FIFO is passed over: not even opened (inotify would see it). */
TEST_F(scan, fifo_never_opened)
{
	const char *args[] = { "scan", "--policy", self->pol, self->dir, NULL };
	char ev[sizeof(struct inotify_event) + NAME_MAX + 1];
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	ASSERT_LE(0, in);
	ASSERT_LE(0, inotify_add_watch(in, at(self->path, self->dir,
					      "opt/vendor/fifo"), IN_OPEN));
	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(1, self->o.code);
	EXPECT_EQ(-1, read(in, ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	close(in);
}

/* The rules written for what path rules found: parsed back, accepted
 * by check with the policy, and, added to it, they find the same files
 * by hash, so that nothing is left to write. */
TEST_F(scan, write_rules)
{
	static const char *const by_path[] = {
		"opt/vendor/bin/daemon", "opt/vendor/bin/" WEIRD,
		"opt/vendor/legacy/tool",
	};
	char out[PATH_MAX], hex[2 * ID_SHA256_LEN + 1], id[32], want[PATH_MAX];
	const char *args[] = { "scan", "--policy", self->pol, "--write-rules", out,
			       self->dir, NULL };
	const char *check[] = { "check", self->pol, NULL };
	__u8 sha[ID_SHA256_LEN];
	struct policy p = { 0 };
	const struct rule *r;
	char host[256] = "", *nl;
	size_t i, j;

	at(out, self->pol, "90-scan.rules");
	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(1, self->o.code) TH_LOG("%s", self->o.err);
	ASSERT_EQ(0, policy_parse_file(&p, out, stderr));
	ASSERT_EQ(ARRAY_SIZE(by_path), p.nrules);
	gethostname(host, sizeof(host) - 1);
	for (i = 0; i < ARRAY_SIZE(by_path); i++) {
		ASSERT_EQ(0, sha256_file(at(self->path, self->dir, by_path[i]),
					 sha));
		sha256_hex(sha, hex);
		snprintf(id, sizeof(id), "scan-%.12s", hex);
		for (j = 0; j < p.nrules && strcmp(p.rules[j].id, id); j++)
			;
		ASSERT_LT(j, p.nrules) TH_LOG("no rule %s for %s", id, by_path[i]);
		r = &p.rules[j];
		EXPECT_EQ(MATCH_SHA256, (int)r->kind);
		EXPECT_EQ(ID_ACT_DENY, r->action);
		EXPECT_EQ(0, memcmp(sha, r->sha256, ID_SHA256_LEN));
		/* the newline of WEIRD cannot be in a rule: it is a '?' */
		snprintf(want, sizeof(want), "found at %s/%s by interdict scan on %s",
			 self->dir, by_path[i], host);
		nl = strchr(want, '\n');
		if (nl)
			*nl = '?';
		EXPECT_STREQ(want, r->msg);
	}
	policy_free(&p);

	out_free(&self->o);
	ASSERT_EQ(0, cli(&self->o, false, check));
	EXPECT_EQ(0, self->o.code) TH_LOG("%s", self->o.err);
	out_free(&self->o);
	args[3] = "--threads";
	args[4] = "2";
	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_NE(NULL, strstr(self->o.out, "  vendor-tree              1 deny\n"))
		TH_LOG("%s", self->o.out);
}

/* Ids stay unique when hashes share their first 12 hex digits: made
 * here by adding a rule whose id is the one the daemon's hash would get. */
TEST_F(scan, write_rules_id_taken)
{
	char out[PATH_MAX], hex[2 * ID_SHA256_LEN + 1], rules[256];
	const char *args[] = { "scan", "--policy", self->pol, "--write-rules", out,
			       self->dir, NULL };
	__u8 sha[ID_SHA256_LEN];
	struct policy p = { 0 };

	ASSERT_EQ(0, sha256_file(at(self->path, self->dir,
				    "opt/vendor/bin/daemon"), sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules), "deny path=/nowhere/x id=scan-%.12s\n", hex);
	ASSERT_EQ(0, make(self->pol, "20-taken.rules", rules));
	at(out, self->dir, "found.rules");
	ASSERT_EQ(0, cli(&self->o, false, args));
	ASSERT_EQ(0, policy_parse_file(&p, out, stderr));
	snprintf(rules, sizeof(rules), "scan-%.13s", hex);
	EXPECT_NE(NULL, policy_match(&p, NULL, sha, ID_HOOK_EXEC));
	EXPECT_STREQ(rules, policy_match(&p, NULL, sha, ID_HOOK_EXEC)->id);
	policy_free(&p);
}

TEST_F(scan, usage_errors)
{
	const char *threads[] = { "scan", "--threads", "0", NULL };
	const char *unknown[] = { "scan", "-j", "--bogus", NULL };
	const char *missing[] = { "scan", "--policy", NULL };
	const char *bad[] = { "scan", "--policy", self->path, NULL };

	ASSERT_EQ(0, cli(&self->o, false, threads));
	EXPECT_EQ(2, self->o.code);
	out_free(&self->o);
	ASSERT_EQ(0, cli(&self->o, false, unknown));
	EXPECT_EQ(2, self->o.code);
	EXPECT_STREQ("{\"error\":\"--bogus: unknown option\"}\n", self->o.out);
	out_free(&self->o);
	ASSERT_EQ(0, cli(&self->o, false, missing));
	EXPECT_EQ(2, self->o.code);
	out_free(&self->o);
	ASSERT_EQ(0, make(self->dir, "bad.rules", "block path=/x id=x\n"));
	at(self->path, self->dir, "bad.rules");
	ASSERT_EQ(0, cli(&self->o, false, bad));
	EXPECT_EQ(2, self->o.code);
	EXPECT_NE(NULL, strstr(self->o.err, "bad.rules:1: unknown action 'block'"));
}

/*
 * --processes, --kill, --packages.
 */

/* A copy of /bin/sleep at D/rel, made unique (bytes after the ELF image
 * change its hash, not what it runs), so that no other sleep on the host
 * shares a finding; started with `sleep 30`, SIGTERM ignored if told. */
static pid_t start_copy(const char *dir, const char *rel, bool ignore_term)
{
	char path[PATH_MAX], tag[PATH_MAX];

	at(path, dir, rel);
	snprintf(tag, sizeof(tag), "interdict-test-%d-%s", (int)getpid(), rel);
	return start_tagged("/bin/sleep", path, tag, "30", ignore_term, 1000);
}

/* The process-found line of pid, flattened; NULL if none. */
static struct flat *proc_line(const char *out, pid_t pid)
{
	struct flat *f = malloc(sizeof(*f));
	const char *line, *end, *p;
	char want[16];

	snprintf(want, sizeof(want), "%d", (int)pid);
	for (line = out; f && *line; line = end + 1) {
		end = strchrnul(line, '\n');
		p = json_flatten(line, end - line, f) > 0 ?
		    flat_get(f, "process.pid") : NULL;
		if (p && !strcmp(p, want) &&
		    !strcmp(flat_get(f, "event.action"), "process-found"))
			return f;
		if (!*end)
			break;
	}
	free(f);
	return NULL;
}

TEST_F(scan, processes)
{
	const char *args[] = { "scan", "-j", "--policy", self->pol, "--processes",
			       NULL };
	char path[PATH_MAX], gone[PATH_MAX], rules[256], hex[2 * ID_SHA256_LEN + 1];
	__u8 sha[ID_SHA256_LEN];
	pid_t tree, deleted;
	struct flat *f;
	int status;

	tree = start_copy(self->dir, "opt/vendor/bin/sleeper", false);
	ASSERT_LT(0, tree);
	/* a copy by hash, its file deleted once it runs */
	deleted = start_copy(self->dir, "home/u/gone", false);
	ASSERT_LT(0, deleted);
	ASSERT_EQ(0, sha256_file(at(gone, self->dir, "home/u/gone"), sha));
	sha256_hex(sha, hex);
	ASSERT_EQ(0, unlink(gone));
	snprintf(rules, sizeof(rules), "deny sha256=%s id=gone-hash\n", hex);
	ASSERT_EQ(0, make(self->pol, "20-gone.rules", rules));

	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(1, self->o.code) TH_LOG("%s", self->o.err);
	f = proc_line(self->o.out, tree);
	ASSERT_NE(NULL, f) TH_LOG("%s", self->o.out);
	EXPECT_STREQ(at(path, self->dir, "opt/vendor/bin/sleeper"),
		     flat_get(f, "process.executable"));
	EXPECT_STREQ(path, flat_get(f, "file.path"));
	EXPECT_STREQ("vendor-tree", flat_get(f, "rule.id"));
	EXPECT_STREQ("deny", flat_get(f, "interdict.decision"));
	EXPECT_STREQ("exec", flat_get(f, "interdict.hook"));
	EXPECT_STREQ("false", flat_get(f, "interdict.deleted"));
	EXPECT_NE(NULL, flat_get(f, "process.start"));
	EXPECT_NE(NULL, flat_get(f, "user.id"));
	free(f);
	f = proc_line(self->o.out, deleted);
	ASSERT_NE(NULL, f) TH_LOG("%s", self->o.out);
	EXPECT_STREQ(gone, flat_get(f, "process.executable"));
	EXPECT_STREQ("gone-hash", flat_get(f, "rule.id"));
	EXPECT_STREQ("true", flat_get(f, "interdict.deleted"));
	EXPECT_STREQ(hex, flat_get(f, "file.hash.sha256"));
	free(f);
	/* the summary counts them; no file was scanned */
	EXPECT_NE(NULL, strstr(self->o.out, "\"files\":0,"));
	kill(tree, SIGKILL);
	kill(deleted, SIGKILL);
	waitpid(tree, &status, 0);
	waitpid(deleted, &status, 0);
}

/* A program run from a memfd (fileless): its content is the finding. */
TEST_F(scan, memfd_process)
{
	const char *args[] = { "scan", "-j", "--policy", self->pol, "--processes",
			       NULL };
	char cmd[PATH_MAX * 2], rules[256], hex[2 * ID_SHA256_LEN + 1];
	char *const argv[] = { "sleep", "30", NULL };
	__u8 sha[ID_SHA256_LEN];
	struct flat *f;
	int fd, status;
	pid_t pid;

	at(self->path, self->dir, "memfd-payload");
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep '%s' && printf 'memfd-%d' >> '%s'",
		 self->path, (int)getpid(), self->path);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, sha256_file(self->path, sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules), "deny sha256=%s id=fileless\n", hex);
	ASSERT_EQ(0, make(self->pol, "20-memfd.rules", rules));
	fd = open(self->path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	pid = fork();
	if (!pid) {
		int mfd = memfd_create("agent", 0);
		char buf[65536];
		ssize_t n;

		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(mfd, buf, n) != n)
				_exit(126);
		fexecve(mfd, argv, environ);
		_exit(127);
	}
	close(fd);
	wait_exe(pid, "/memfd:agent", true, 1000);
	ASSERT_EQ(0, cli(&self->o, false, args));
	f = proc_line(self->o.out, pid);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ASSERT_NE(NULL, f) TH_LOG("%s", self->o.out);
	EXPECT_STREQ("fileless", flat_get(f, "rule.id"));
	EXPECT_STREQ("true", flat_get(f, "interdict.memfd"));
	EXPECT_STREQ(hex, flat_get(f, "file.hash.sha256"));
	EXPECT_STREQ("/memfd:agent", flat_get(f, "process.executable"));
	free(f);
}

TEST_F(scan, kill)
{
	const char *args[] = { "scan", "--policy", self->pol, "--processes",
			       "--kill", "--kill-grace", "1", NULL };
	const char *again[] = { "scan", "--policy", self->pol, "--processes",
				NULL };
	char line[128];
	pid_t polite, stubborn;
	int status;

	polite = start_copy(self->dir, "opt/vendor/bin/polite", false);
	stubborn = start_copy(self->dir, "opt/vendor/bin/stubborn", true);
	ASSERT_LT(0, polite);
	ASSERT_LT(0, stubborn);
	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(1, self->o.code) TH_LOG("%s", self->o.err);
	ASSERT_EQ(polite, waitpid(polite, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ASSERT_EQ(stubborn, waitpid(stubborn, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	snprintf(line, sizeof(line), "pid %d (", (int)polite);
	EXPECT_NE(NULL, strstr(self->o.out, line)) TH_LOG("%s", self->o.out);
	EXPECT_NE(NULL, strstr(self->o.out, "/polite): SIGTERM\n"));
	EXPECT_NE(NULL, strstr(self->o.out, "/polite): exited after SIGTERM\n"));
	EXPECT_NE(NULL, strstr(self->o.out, "/stubborn): SIGTERM\n"));
	EXPECT_NE(NULL, strstr(self->o.out, "/stubborn): SIGKILL\n"));
	out_free(&self->o);
	ASSERT_EQ(0, cli(&self->o, false, again));
	EXPECT_EQ(0, self->o.code) TH_LOG("%s", self->o.out);
	EXPECT_NE(NULL, strstr(self->o.out, "processes found 0\n"));
}

/* A package in a crafted dpkg database, matched by a package= rule. */
TEST_F(scan, packages)
{
	const char *args[] = { "scan", "-j", "--policy", self->pol, "--packages",
			       self->dir, NULL };
	char admin[PATH_MAX], list[PATH_MAX + 64];
	struct flat *f;
	const char *line;

	at(admin, self->dir, "dpkg");
	ASSERT_EQ(0, make(self->dir, "dpkg", NULL));
	ASSERT_EQ(0, make(admin, "info", NULL));
	ASSERT_EQ(0, make(admin, "status",
			  "Package: vendor-daemon\nStatus: install ok installed\n"
			  "Architecture: amd64\nVersion: 7.1-2\n\n"
			  "Package: legacy-tools\nStatus: install ok installed\n"
			  "Architecture: all\nVersion: 0.9\n"));
	snprintf(list, sizeof(list), "%s/opt/vendor/bin/daemon\n", self->dir);
	ASSERT_EQ(0, make(admin, "info/vendor-daemon.list", list));
	/* a package no package= rule names: its files still say whose */
	snprintf(list, sizeof(list), "%s/opt/vendor/legacy/tool\n", self->dir);
	ASSERT_EQ(0, make(admin, "info/legacy-tools.list", list));
	ASSERT_EQ(0, make(self->pol, "20-pkg.rules",
			  "deny package=vendor-d* id=vendor-pkg\n"));
	setenv("INTERDICT_DPKG_ADMINDIR", admin, 1);
	ASSERT_EQ(0, cli(&self->o, false, args));
	unsetenv("INTERDICT_DPKG_ADMINDIR");
	EXPECT_EQ(1, self->o.code) TH_LOG("%s", self->o.err);
	line = strstr(self->o.out, "\"action\":\"package-found\"");
	ASSERT_NE(NULL, line) TH_LOG("%s", self->o.out);
	EXPECT_NE(NULL, strstr(self->o.out, "\"package\":{\"name\":\"vendor-daemon\",\"version\":\"7.1-2\",\"architecture\":\"amd64\"},\"rule\":{\"id\":\"vendor-pkg\""));
	/* the package's file: decided by the exact path made from it */
	f = finding_line(self->o.out, at(list, self->dir, "opt/vendor/bin/daemon"));
	ASSERT_NE(NULL, f);
	EXPECT_STREQ("vendor-pkg", flat_get(f, "rule.id"));
	EXPECT_STREQ("vendor-daemon", flat_get(f, "package.name"));
	EXPECT_STREQ("7.1-2", flat_get(f, "package.version"));
	free(f);
	f = finding_line(self->o.out, at(list, self->dir, "opt/vendor/legacy/tool"));
	ASSERT_NE(NULL, f);
	EXPECT_STREQ("vendor-legacy", flat_get(f, "rule.id"));
	EXPECT_STREQ("legacy-tools", flat_get(f, "package.name"));
	EXPECT_STREQ("0.9", flat_get(f, "package.version"));
	free(f);
	/* only package= rules make a package found */
	EXPECT_EQ(NULL, strstr(self->o.out, "\"action\":\"package-found\"},\"package\":{\"name\":\"legacy-tools\""));
	EXPECT_NE(NULL, strstr(self->o.out, "\"action\":\"package-found\"},\"package\":{\"name\":\"vendor-daemon\""));
	EXPECT_NE(NULL, strstr(self->o.out, "\"packages\":1,"));
	/* the summary counts the files of a package under its package= rule */
	line = strstr(self->o.out, "\"action\":\"scan-summary\"");
	ASSERT_NE(NULL, line);
	line = strstr(line, "{\"id\":\"vendor-pkg\",");
	ASSERT_NE(NULL, line) TH_LOG("%s", self->o.out);
	EXPECT_EQ(NULL, strstr(line + 1, "{\"id\":\"vendor-pkg\","));
}

/* --report: one JSON object for the host, whether or not a daemon
 * answers (here none does). */
TEST_F(scan, report)
{
	char sock[PATH_MAX];
	const char *args[] = { "--control", sock, "-j", "scan", "--report",
			       "--policy", self->pol, self->dir, NULL };
	const char *text[] = { "--control", sock, "scan", "--report",
			       "--policy", self->pol, self->dir, NULL };
	at(sock, self->dir, "no-daemon");
	ASSERT_EQ(0, cli(&self->o, false, args));
	EXPECT_EQ(1, self->o.code) TH_LOG("%s", self->o.err);
	EXPECT_EQ(1, lines(self->o.out)) TH_LOG("%s", self->o.out);
	/* arrays: more than the flattener takes, so matched as text */
	EXPECT_NE(NULL, strstr(self->o.out, "\"action\":\"scan-report\""));
	EXPECT_NE(NULL, strstr(self->o.out, "\"host\":{\"hostname\":"));
	EXPECT_NE(NULL, strstr(self->o.out, "\"interdict\":{\"schema\":\"interdict-scan/1\","));
	EXPECT_NE(NULL, strstr(self->o.out, "\"enforcement\":{\"active\":false,\"reason\":\"no interdictd answered on "));
	EXPECT_NE(NULL, strstr(self->o.out, "\"found\":{\"packages\":0,\"processes\":0,\"files\":7,\"carve_outs\":1}"));
	EXPECT_NE(NULL, strstr(self->o.out, "\"processes\":["));
	EXPECT_NE(NULL, strstr(self->o.out, "\"rule\":\"vendor-agent\",\"decision\":\"deny\""));
	out_free(&self->o);
	ASSERT_EQ(0, cli(&self->o, false, text));
	EXPECT_EQ(1, self->o.code);
	EXPECT_NE(NULL, strstr(self->o.out, "enforcement     not confirmed: no interdictd answered on "));
	EXPECT_NE(NULL, strstr(self->o.out, "found           0 packages, 0 processes, 7 files\n"));
}

TEST_F(scan, process_usage_errors)
{
	const char *kill_alone[] = { "scan", "--kill", NULL };
	const char *grace_alone[] = { "scan", "--processes", "--kill-grace", "3", NULL };
	const char *grace_bad[] = { "scan", "--processes", "--kill", "--kill-grace", "x", NULL };

	ASSERT_EQ(0, cli(&self->o, false, kill_alone));
	EXPECT_EQ(2, self->o.code);
	EXPECT_NE(NULL, strstr(self->o.err, "--kill: needs --processes"));
	out_free(&self->o);
	ASSERT_EQ(0, cli(&self->o, false, grace_alone));
	EXPECT_EQ(2, self->o.code);
	EXPECT_NE(NULL, strstr(self->o.err, "--kill-grace: needs --kill"));
	out_free(&self->o);
	ASSERT_EQ(0, cli(&self->o, false, grace_bad));
	EXPECT_EQ(2, self->o.code);
}

TEST_HARNESS_MAIN
