// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests of the command-line contract: build/interdict and build/interdictd run
 * as child processes on real policy files; exit codes, stdout and stderr. This
 * host cannot enforce, so the kernel side is only seen through its diagnosis.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The harness's test wrapper sets a local after setjmp(); gcc -O2 -Wextra
 * warns about it once a test body is inlined into that wrapper. */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

/* Tests run from the repository root. */
#define CLI "build/interdict"
#define DAEMON "build/interdictd"
#define MAX_ARGS 8
#define RUN_TIMEOUT_S 20	/* a daemon that started enforcing never exits */
#define NOBODY 65534
#define ANY -1			/* a line count not checked */
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

/* What a child printed and how it ended. */
struct run {
	int code;		/* exit status, or 128 + signal */
	char *out, *err;
	size_t out_len, err_len;
};

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

/* Copy what fd has into f; 0 at end of file. */
static ssize_t drain(int fd, FILE *f)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0)
		fwrite(buf, 1, n, f);
	return n < 0 && errno == EINTR ? 1 : n;
}

/*
 * Run argv (no shell) with stdout and stderr captured; as uid NOBODY when
 * drop is set. Returns 0 or a negative errno; a child that outlives
 * RUN_TIMEOUT_S is killed and reported as 128 + SIGKILL.
 */
static int run(struct run *r, char *const argv[], bool drop)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, status, ret = 0;
	FILE *out = NULL, *err = NULL;
	time_t deadline = time(NULL) + RUN_TIMEOUT_S;
	struct pollfd pfd[2];
	pid_t pid = -1;

	memset(r, 0, sizeof(*r));
	out = open_memstream(&r->out, &r->out_len);
	err = open_memstream(&r->err, &r->err_len);
	if (!out || !err || pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC) ||
	    (pid = fork()) < 0) {
		ret = -errno;
		goto cleanup;
	}
	if (!pid) {
		if (dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0 ||
		    (drop && (setgroups(0, NULL) || setgid(NOBODY) ||
			      setuid(NOBODY))))
			_exit(126);
		execv(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	pfd[0] = (struct pollfd){ .fd = po[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents && drain(po[0], out) <= 0)
			pfd[0].fd = -1;
		if (pfd[1].revents && drain(pe[0], err) <= 0)
			pfd[1].fd = -1;
	}
	if (waitpid(pid, &status, 0) < 0)
		ret = -errno;
	else
		r->code = WIFEXITED(status) ? WEXITSTATUS(status) :
			  128 + WTERMSIG(status);
cleanup:
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	if (!r->out)
		r->out = strdup("");
	if (!r->err)
		r->err = strdup("");
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	return ret;
}

static int lines(const char *s)
{
	int n = 0;

	while ((s = strchr(s, '\n')))
		n++, s++;
	return n;
}

/* One JSON object on one line: braces balance outside strings and close
 * only at the end. Enough to catch stray text or two objects. */
static bool one_json_line(const char *s)
{
	bool str = false, esc = false;
	int depth = 0;

	if (*s != '{')
		return false;
	for (; *s && *s != '\n'; s++) {
		if (esc)
			esc = false;
		else if (str)
			esc = *s == '\\', str = *s != '"';
		else if (*s == '"')
			str = true;
		else if (*s == '{' || *s == '[')
			depth++;
		else if ((*s == '}' || *s == ']') && --depth == 0)
			return !strcmp(s, "}\n");
	}
	return false;
}

#define ASSERT_HAS(text, frag) \
	ASSERT_NE(NULL, strstr(text, frag)) \
		TH_LOG("expected \"%s\" in:\n%s", frag, text)

/* A policy tree in a fresh temporary directory D:
 *   D/one.rules                 one path rule
 *   D/valid/{10-a,20-b}.rules   three rules, D/valid/README not a policy
 *   D/bad/{bad,other}.rules     three errors on three lines, in two files
 *   D/sh/sh.rules               a rule denying /bin/sh
 *   D/cand/                     candidates for --dir D/valid
 *   D/conf/                     interdict.conf files
 *   D/empty/                    no *.rules
 *   D/p.fifo, D/fifo/x.rules    FIFOs
 *   D/risky.rules               valid rules that warrant warnings
 *   D/bad\n\e[31m.rules         a hostile name
 *   D/events.json               two event lines, one with a hostile name
 * Arguments, file texts and expected text below name D as %1$s. */
static const struct {
	const char *path, *text;	/* text NULL: a directory */
	char kind;			/* 'l': a link to text, 'p': a FIFO */
} tree_entries[] = {
	{ "one.rules", "deny path=/opt/one id=one\n", 0 },
	{ "valid", NULL, 0 },
	{ "valid/10-a.rules", "# banned tree\ndeny path=/opt/x/ id=a\n", 0 },
	{ "valid/20-b.rules", "deny sha256=" HEX64 " id=b\n"
			      "audit path=/opt/y id=c\n", 0 },
	{ "valid/README", "not a policy: ignored\n", 0 },
	{ "bad", NULL, 0 },
	{ "bad/bad.rules", "block path=/x id=a\ndeny path=rel id=b\n", 0 },
	{ "bad/other.rules", "deny id=c\n", 0 },
	{ "sh", NULL, 0 },
	{ "sh/sh.rules", "deny path=/bin/sh id=x\n", 0 },
	{ "cand", NULL, 0 },
	{ "cand/tmpk2j4_x", "deny path=/opt/z id=a\n", 0 },
	{ "cand/10-a.rules", "deny path=/opt/x/ id=a2\n", 0 },
	{ "cand/clash", "deny path=/opt/y id=z\n", 0 },
	{ "conf", NULL, 0 },
	{ "conf/ok.conf", "# the test's\nmode = audit\npolicy-dir = %1$s/valid\n"
			  "max-sha256-rules=10  # small\n", 0 },
	{ "conf/small.conf", "max-path-rules = 1\nmax-sha256-rules = 1\n", 0 },
	{ "conf/bad.conf", "mode = audit\nfoo = 1\nrefresh = 86401\n", 0 },
	{ "conf/nodir.conf", "policy-dir = %1$s/none\n", 0 },
	{ "empty", NULL, 0 },
	{ "p.fifo", NULL, 'p' },
	{ "fifo", NULL, 0 },
	{ "fifo/x.rules", NULL, 'p' },
	{ "link", "%1$s/one.rules", 'l' },
	{ "risky.rules", "deny path=%1$s/valid id=dir\n"
			 "deny path=%1$s/link id=link\n"
			 "deny sha256=" ZERO64 " id=zero\n"
			 "deny sha256=" HEX64 " id=real\n", 0 },
	{ "bad\n\033[31m.rules", "block\n", 0 },
	{ "events.json",
	  "{\"@timestamp\":\"2026-12-01T10:00:00.000001Z\",\"event\":{\"kind\":"
	  "\"alert\",\"action\":\"tamper-denied\"},\"interdict\":{\"tamper\":"
	  "\"signal\"},\"process\":{\"pid\":12,\"name\":\"sh\"},\"user\":"
	  "{\"id\":\"0\"}}\n"
	  "{\"@timestamp\":\"2026-12-01T10:00:01.000002Z\",\"event\":{\"kind\":"
	  "\"event\",\"action\":\"exec-denied\"},\"interdict\":{\"decision\":"
	  "\"deny\",\"mode\":\"enforce\"},\"rule\":{\"id\":\"r1\"},\"file\":"
	  "{\"path\":\"/opt/a\\nb\\u001b[31m\"},\"process\":{\"pid\":13,"
	  "\"name\":\"bash\"},\"user\":{\"id\":\"1000\"}}\n", 0 },
};

static int rm_entry(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	return remove(path);
}

#define ASSERT_BINARY(path) \
	ASSERT_EQ(0, access(path, X_OK)) \
		TH_LOG("%s missing: run `make` and the tests from the " \
		       "repository root", path)

static void binaries_present(struct __test_metadata *_metadata)
{
	ASSERT_BINARY(CLI);
	ASSERT_BINARY(DAEMON);
}

/* Make the tree in a new directory dir (64 bytes). */
static void tree_make(struct __test_metadata *_metadata, char *dir,
		      bool *made)
{
	char path[PATH_MAX], text[PATH_MAX];
	size_t i;
	FILE *f;

	binaries_present(_metadata);
	strcpy(dir, "/tmp/interdict-cli.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(dir));
	*made = true;
	for (i = 0; i < sizeof(tree_entries) / sizeof(tree_entries[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, tree_entries[i].path);
		if (tree_entries[i].text)
			snprintf(text, sizeof(text), tree_entries[i].text, dir);
		if (tree_entries[i].kind == 'p') {
			ASSERT_EQ(0, mkfifo(path, 0600));
			continue;
		}
		if (tree_entries[i].kind == 'l') {
			ASSERT_EQ(0, symlink(text, path));
			continue;
		}
		if (!tree_entries[i].text) {
			ASSERT_EQ(0, mkdir(path, 0755));
			continue;
		}
		f = fopen(path, "w");
		ASSERT_NE(NULL, f);
		fputs(text, f);
		ASSERT_EQ(0, fclose(f));
	}
}

/* A fixture holding the tree and one child's output. */
#define TREE_FIXTURE(name) \
	FIXTURE(name) { \
		char dir[64]; \
		bool made; \
		struct run r; \
	}; \
	FIXTURE_SETUP(name) \
	{ \
		tree_make(_metadata, self->dir, &self->made); \
	} \
	FIXTURE_TEARDOWN(name) \
	{ \
		run_free(&self->r); \
		if (self->made) \
			nftw(self->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); \
	}

TREE_FIXTURE(cli);
TREE_FIXTURE(daemon);
TREE_FIXTURE(libs);

/* Run args (NULL-terminated, each a format naming D as %1$s). */
static int run_in(struct run *r, const char *dir, const char *const *args,
		  bool drop)
{
	char buf[MAX_ARGS][PATH_MAX], *argv[MAX_ARGS + 1];
	int i;

	for (i = 0; i < MAX_ARGS && args[i]; i++) {
		snprintf(buf[i], sizeof(buf[i]), args[i], dir);
		argv[i] = buf[i];
	}
	argv[i] = NULL;
	return run(r, argv, drop);
}

/* A command and what it must print; the fragments name D as %1$s. */
FIXTURE_VARIANT(cli) {
	const char *args[MAX_ARGS];
	int code;
	int out_lines, err_lines;	/* exact, or ANY */
	bool json;			/* stdout is one JSON object */
	const char *out[4], *err[4];	/* fragments, in any order */
};

/* interdict check: valid policies. */
FIXTURE_VARIANT_ADD(cli, check_file) {
	.args = { CLI, "check", "%1$s/one.rules" }, .code = 0,
	.out_lines = 1, .err_lines = 0,
	.out = { "1 rules valid (0 SHA-256, 1 path) in 1 files\n" },
};
FIXTURE_VARIANT_ADD(cli, check_dir) {
	.args = { CLI, "check", "%1$s/valid" }, .code = 0,
	.out_lines = 1, .err_lines = 0,
	.out = { "3 rules valid (1 SHA-256, 2 path) in 2 files\n" },
};
FIXTURE_VARIANT_ADD(cli, check_paths) {
	.args = { CLI, "check", "%1$s/one.rules", "%1$s/valid" }, .code = 0,
	.out_lines = 1, .err_lines = 0,
	.out = { "4 rules valid (1 SHA-256, 3 path) in 3 files\n" },
};
FIXTURE_VARIANT_ADD(cli, check_example) {
	.args = { CLI, "check", "policy/examples/bod-17-01.rules" },
	.code = 0, .out_lines = 1, .err_lines = 2,
	.out = { " rules valid (", " in 1 files\n" },
	.err = { "policy/examples/bod-17-01.rules:96: warning: sha256=0000",
		 "in rule 'bod1701-sha-placeholder-1' looks like a placeholder",
		 "policy/examples/bod-17-01.rules:97: warning: " },
};

/* interdict check: invalid policies, every error as FILE:LINE: message. */
FIXTURE_VARIANT_ADD(cli, check_errors) {
	.args = { CLI, "check", "%1$s/bad" }, .code = 1,
	.out_lines = 0, .err_lines = 3,
	.err = { "%1$s/bad/bad.rules:1: unknown action 'block'",
		 "%1$s/bad/bad.rules:2: path 'rel' is not absolute",
		 "%1$s/bad/other.rules:1: no match;" },
};
FIXTURE_VARIANT_ADD(cli, check_errors_two_files) {
	.args = { CLI, "check", "%1$s/bad/bad.rules", "%1$s/one.rules",
		  "%1$s/bad/other.rules" }, .code = 1,
	.out_lines = 0, .err_lines = 3,
	.err = { "%1$s/bad/bad.rules:1: ", "%1$s/bad/bad.rules:2: ",
		 "%1$s/bad/other.rules:1: " },
};
FIXTURE_VARIANT_ADD(cli, check_missing) {
	.args = { CLI, "check", "%1$s/none.rules" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "%1$s/none.rules: cannot read: No such file or directory" },
};
/* Where /bin/sh is a link, a warning says so too. */
FIXTURE_VARIANT_ADD(cli, check_denies_sh) {
	.args = { CLI, "check", "%1$s/sh" }, .code = 1,
	.out_lines = 0, .err_lines = ANY,
	.err = { "%1$s/sh/sh.rules:1: rule 'x' would deny ", "(/bin/sh)",
		 "which must always run" },
};

/* interdict -j check: one JSON object whatever the outcome. */
FIXTURE_VARIANT_ADD(cli, check_json_before) {
	.args = { CLI, "-j", "check", "%1$s/valid" }, .code = 0,
	.out_lines = 1, .err_lines = 0, .json = true,
	.out = { "\"valid\":true", "\"rules\":3", "\"files\":2" },
};
FIXTURE_VARIANT_ADD(cli, check_json_after) {
	.args = { CLI, "check", "-j", "%1$s/one.rules" }, .code = 0,
	.out_lines = 1, .err_lines = 0, .json = true,
	.out = { "\"valid\":true", "\"rules\":1" },
};
FIXTURE_VARIANT_ADD(cli, check_json_invalid) {
	.args = { CLI, "--json", "check", "%1$s/bad" }, .code = 1,
	.out_lines = 1, .err_lines = 3, .json = true,
	.out = { "\"valid\":false" },
	.err = { "%1$s/bad/other.rules:1: " },
};

/* interdict: usage errors. */
FIXTURE_VARIANT_ADD(cli, no_command) {
	.args = { CLI }, .code = 2, .out_lines = 0, .err_lines = ANY,
	.err = { "usage: interdict [-j] [--control PATH] COMMAND\n" },
};
FIXTURE_VARIANT_ADD(cli, json_no_command) {
	.args = { CLI, "-j" }, .code = 2, .out_lines = 0, .err_lines = ANY,
	.err = { "usage: interdict" },
};
FIXTURE_VARIANT_ADD(cli, unknown_command) {
	.args = { CLI, "frobnicate" }, .code = 2, .out_lines = 0,
	.err_lines = ANY,
	.err = { "interdict: unknown command 'frobnicate'\n", "usage: " },
};
FIXTURE_VARIANT_ADD(cli, unknown_option) {
	.args = { CLI, "-x", "check", "%1$s/one.rules" }, .code = 2,
	.out_lines = 0, .err_lines = ANY, .err = { "usage: interdict" },
};
FIXTURE_VARIANT_ADD(cli, check_no_value) {
	.args = { CLI, "check", "--dir" }, .code = 2, .out_lines = 0,
	.err_lines = 2,
	.err = { "interdict: check: --dir needs a value\n",
		 "usage: interdict check [-j] [-v] [--config FILE] [--dir DIR [--as NAME]] [PATH...]\n" },
};
FIXTURE_VARIANT_ADD(cli, check_unknown_option) {
	.args = { CLI, "check", "--bogus", "%1$s/one.rules" }, .code = 2,
	.out_lines = 0, .err_lines = 2,
	.err = { "interdict: check: unknown option '--bogus'\n" },
};
FIXTURE_VARIANT_ADD(cli, check_option_twice) {
	.args = { CLI, "check", "--dir=%1$s/valid", "--dir", "%1$s/bad" },
	.code = 2, .out_lines = 0, .err_lines = 2,
	.err = { "interdict: check: --dir given twice\n" },
};
FIXTURE_VARIANT_ADD(cli, check_json_usage) {
	.args = { CLI, "-j", "check", "--bogus" }, .code = 2,
	.out_lines = 1, .err_lines = 2, .json = true,
	.out = { "{\"error\":\"unknown option '--bogus'\"}\n" },
};
FIXTURE_VARIANT_ADD(cli, check_help) {
	.args = { CLI, "check", "--help" }, .code = 0, .out_lines = 1,
	.err_lines = 0,
	.out = { "usage: interdict check [-j] [-v] [--config FILE] [--dir DIR [--as NAME]] [PATH...]\n" },
};

/* interdict check with no PATH: the config file and its policy-dir. */
FIXTURE_VARIANT_ADD(cli, check_config) {
	.args = { CLI, "check", "--config", "%1$s/conf/ok.conf" }, .code = 0,
	.out_lines = 1, .err_lines = 0,
	.out = { "3 rules valid (1 SHA-256, 2 path) in 2 files\n" },
};
FIXTURE_VARIANT_ADD(cli, check_config_json) {
	.args = { CLI, "check", "-j", "--config=%1$s/conf/ok.conf" },
	.code = 0, .out_lines = 1, .err_lines = 0, .json = true,
	.out = { "{\"valid\":true,\"rules\":3,\"files\":2,",
		 "\"config\":\"%1$s/conf/ok.conf\"",
		 "\"errors\":[],\"warnings\":[]}\n" },
};
FIXTURE_VARIANT_ADD(cli, check_config_missing) {
	.args = { CLI, "check", "--config", "%1$s/none.conf" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "%1$s/none.conf: cannot read: No such file or directory\n" },
};
FIXTURE_VARIANT_ADD(cli, check_config_bad) {
	.args = { CLI, "check", "--config", "%1$s/conf/bad.conf" }, .code = 1,
	.out_lines = 0, .err_lines = 2,
	.err = { "%1$s/conf/bad.conf:2: unknown key 'foo'; expected mode, "
		 "policy-dir, events, pin-dir, control, max-sha256-rules, "
		 "max-path-rules, refresh, journal, fileless or fileless-allow\n",
		 "%1$s/conf/bad.conf:3: refresh '86401'; expected seconds "
		 "from 0 (never) to 86400\n" },
};
FIXTURE_VARIANT_ADD(cli, check_config_fifo) {
	.args = { CLI, "check", "--config", "%1$s/p.fifo" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "%1$s/p.fifo: cannot read: a FIFO, not a regular file\n" },
};
FIXTURE_VARIANT_ADD(cli, check_config_no_dir) {
	.args = { CLI, "check", "--config", "%1$s/conf/nodir.conf" },
	.code = 1, .out_lines = 0, .err_lines = 1,
	.err = { "%1$s/none: cannot read: No such file or directory\n" },
};

/* --dir DIR PATH: the candidate checked with what it joins. */
FIXTURE_VARIANT_ADD(cli, check_dir_alone) {
	.args = { CLI, "check", "--dir", "%1$s/valid" }, .code = 0,
	.out_lines = 1, .err_lines = 0,
	.out = { "3 rules valid (1 SHA-256, 2 path) in 2 files\n" },
};
FIXTURE_VARIANT_ADD(cli, check_dir_candidate_clash) {
	.args = { CLI, "check", "--dir", "%1$s/valid", "%1$s/cand/tmpk2j4_x" },
	.code = 1, .out_lines = 0, .err_lines = 1,
	.err = { "%1$s/cand/tmpk2j4_x:1: duplicate id 'a' (first at "
		 "%1$s/valid/10-a.rules:2); expected ids unique across all "
		 "policy files\n" },
};
FIXTURE_VARIANT_ADD(cli, check_dir_candidate_path_clash) {
	.args = { CLI, "check", "--dir", "%1$s/valid", "%1$s/cand/clash" },
	.code = 1, .out_lines = 0, .err_lines = 1,
	.err = { "%1$s/cand/clash:1: duplicate path '/opt/y' (first at "
		 "%1$s/valid/20-b.rules:2, id 'c')" },
};
FIXTURE_VARIANT_ADD(cli, check_dir_candidate_replaces) {
	.args = { CLI, "check", "--dir", "%1$s/valid", "%1$s/cand/10-a.rules" },
	.code = 0, .out_lines = 1, .err_lines = 0,
	.out = { "3 rules valid (1 SHA-256, 2 path) in 2 files\n" },
};
FIXTURE_VARIANT_ADD(cli, check_dir_two_candidates) {
	.args = { CLI, "check", "--dir", "%1$s/valid", "%1$s/cand/10-a.rules",
		  "%1$s/cand/tmpk2j4_x" }, .code = 0, .out_lines = 1,
	.err_lines = 0,
	.out = { "4 rules valid (1 SHA-256, 3 path) in 3 files\n" },
};

/* Files that are not: an error at once, never a wait for a writer. */
FIXTURE_VARIANT_ADD(cli, check_fifo) {
	.args = { CLI, "check", "%1$s/p.fifo" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "%1$s/p.fifo: cannot read: a FIFO, not a regular file\n" },
};
FIXTURE_VARIANT_ADD(cli, check_fifo_candidate) {
	.args = { CLI, "check", "--dir", "%1$s/valid", "%1$s/p.fifo" },
	.code = 1, .out_lines = 0, .err_lines = 1,
	.err = { "%1$s/p.fifo: cannot read: a FIFO, not a regular file\n" },
};
FIXTURE_VARIANT_ADD(cli, check_fifo_in_dir) {
	.args = { CLI, "check", "%1$s/fifo" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "%1$s/fifo/x.rules: cannot read: a FIFO, not a regular file\n" },
};
FIXTURE_VARIANT_ADD(cli, check_device) {
	.args = { CLI, "check", "/dev/null" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "/dev/null: cannot read: a character device, not a regular file\n" },
};
FIXTURE_VARIANT_ADD(cli, check_proc_self) {
	.args = { CLI, "check", "/proc/self/cwd/%1$s/one.rules" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "/proc/self/cwd/%1$s/one.rules: goes through /proc/self, "
		 "which names another file in every process, so the daemon "
		 "would not read what is checked here; name the file by its "
		 "own path\n" },
};
FIXTURE_VARIANT_ADD(cli, check_dev_fd_dir) {
	.args = { CLI, "check", "--dir", "/dev/fd/3" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "/dev/fd/3: goes through /dev/fd, " },
};

/* Valid, with warnings. */
FIXTURE_VARIANT_ADD(cli, check_empty_dir) {
	.args = { CLI, "check", "%1$s/empty" }, .code = 0,
	.out_lines = 1, .err_lines = 1,
	.out = { "0 rules valid (0 SHA-256, 0 path) in 0 files\n" },
	.err = { "%1$s/empty: warning: no *.rules file; the policy is empty "
		 "and denies nothing\n" },
};
FIXTURE_VARIANT_ADD(cli, check_risky) {
	.args = { CLI, "check", "%1$s/risky.rules" }, .code = 0,
	.out_lines = 1, .err_lines = 3,
	.err = { "%1$s/risky.rules:1: warning: path %1$s/valid in rule 'dir' "
		 "is a directory named without a trailing '/': the rule "
		 "matches the directory only, not what is in it; write "
		 "path=%1$s/valid/ for the tree\n",
		 "%1$s/risky.rules:2: warning: path %1$s/link in rule 'link' "
		 "is a symbolic link: the rule denies its target "
		 "%1$s/one.rules, under every name; name the target to say "
		 "so\n",
		 "%1$s/risky.rules:3: warning: sha256=" ZERO64 " in rule "
		 "'zero' looks like a placeholder; expected the hash of a "
		 "real file (sha256sum FILE)\n" },
};
FIXTURE_VARIANT_ADD(cli, check_risky_json) {
	.args = { CLI, "-j", "check", "%1$s/risky.rules" }, .code = 0,
	.out_lines = 1, .err_lines = 3, .json = true,
	.out = { "{\"valid\":true,\"rules\":4,",
		 "\"errors\":[],\"warnings\":[{\"file\":\"%1$s/risky.rules\","
		 "\"line\":1,\"message\":\"path %1$s/valid in rule 'dir' is a",
		 "},{\"file\":\"%1$s/risky.rules\",\"line\":3,\"message\":"
		 "\"sha256=" ZERO64 " in rule 'zero' looks like a placeholder;" },
};

/* Limits from the config: the daemon would refuse a larger policy. */
FIXTURE_VARIANT_ADD(cli, check_limits) {
	.args = { CLI, "check", "--config", "%1$s/conf/small.conf",
		  "%1$s/valid" }, .code = 1, .out_lines = 0, .err_lines = 1,
	.err = { "%1$s/valid: 2 path rules, over the limit of 1 "
		 "(max-path-rules); the daemon would refuse this policy: raise "
		 "max-path-rules in %1$s/conf/small.conf or remove rules\n" },
};
FIXTURE_VARIANT_ADD(cli, check_limits_dir) {
	.args = { CLI, "check", "--config", "%1$s/conf/ok.conf", "--dir",
		  "%1$s/valid", "%1$s/cand/tmpk2j4_x" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "%1$s/cand/tmpk2j4_x:1: duplicate id 'a'" },
};

/* A hostile name is escaped: one line, no escape sequence. */
FIXTURE_VARIANT_ADD(cli, check_hostile_name) {
	.args = { CLI, "check", "%1$s/bad\n\033[31m.rules" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "%1$s/bad\\n\\x1b[31m.rules:1: unknown action 'block'" },
};
FIXTURE_VARIANT_ADD(cli, check_hostile_name_json) {
	.args = { CLI, "check", "-j", "%1$s/bad\n\033[31m.rules" }, .code = 1,
	.out_lines = 1, .err_lines = 1, .json = true,
	.out = { "\"errors\":[{\"file\":\"%1$s/bad\\n\\u001b[31m.rules\","
		 "\"line\":1,\"message\":\"unknown action 'block'; expected "
		 "deny, allow or audit\"}],\"warnings\":[]}\n" },
};
FIXTURE_VARIANT_ADD(cli, help) {
	.args = { CLI, "--help" }, .code = 0, .out_lines = ANY, .err_lines = 0,
	.out = { "usage: interdict [-j] [--control PATH] COMMAND\n", "  disable " },
};
FIXTURE_VARIANT_ADD(cli, version) {
	.args = { CLI, "--version" }, .code = 0, .out_lines = 1, .err_lines = 0,
	.out = { "interdict " INTERDICT_VERSION "\n" },
};
FIXTURE_VARIANT_ADD(cli, daemon_version) {
	.args = { DAEMON, "--version" }, .code = 0, .out_lines = 1,
	.err_lines = 0, .out = { "interdictd " INTERDICT_VERSION "\n" },
};

/* --as: a temporary file validated as the file it will replace. */
FIXTURE_VARIANT_ADD(cli, check_as_replaces) {
	.args = { CLI, "check", "--dir", "%1$s/valid", "--as", "20-b.rules",
		  "%1$s/cand/clash" }, .code = 0, .out_lines = 1, .err_lines = 0,
	.out = { "2 rules valid (0 SHA-256, 2 path) in 2 files\n" },
};
FIXTURE_VARIANT_ADD(cli, check_as_needs_dir) {
	.args = { CLI, "check", "--as", "x.rules", "%1$s/one.rules" },
	.code = 2, .out_lines = 0, .err_lines = 2,
	.err = { "interdict: check: --as NAME takes --dir and one PATH" },
};

/* interdict events: readable lines from the events file. */
FIXTURE_VARIANT_ADD(cli, events_file) {
	.args = { CLI, "events", "--file", "%1$s/events.json" }, .code = 0,
	.out_lines = 2, .err_lines = 0,
	.out = { "2026-12-01T10:00:00.000001Z  tamper-denied: signal by sh[12] "
		 "uid 0\n",
		 "2026-12-01T10:00:01.000002Z  exec-denied /opt/a\\nb\\x1b[31m "
		 "by bash[13] uid 1000: rule r1 (deny, mode enforce)\n" },
};
FIXTURE_VARIANT_ADD(cli, events_last_json) {
	.args = { CLI, "-j", "events", "-n", "1", "--file", "%1$s/events.json" },
	.code = 0, .out_lines = 1, .err_lines = 0, .json = true,
	.out = { "\"action\":\"exec-denied\"", "\"id\":\"r1\"" },
};
FIXTURE_VARIANT_ADD(cli, events_missing_file) {
	.args = { CLI, "events", "--file", "%1$s/none.json" }, .code = 1,
	.out_lines = 0, .err_lines = 1,
	.err = { "interdict: events: cannot read %1$s/none.json: No such file "
		 "or directory\n" },
};

/* interdict: the verbs that ask the daemon, with none listening. */
FIXTURE_VARIANT_ADD(cli, status_no_daemon) {
	.args = { CLI, "--control", "%1$s/none.sock", "status" }, .code = 3,
	.out_lines = 0, .err_lines = 1,
	.err = { "interdict: cannot reach interdictd on %1$s/none.sock: "
		 "No such file or directory; is it running?" },
};
FIXTURE_VARIANT_ADD(cli, reload_no_daemon_json) {
	.args = { CLI, "-j", "--control", "%1$s/none.sock", "reload" },
	.code = 3, .out_lines = 1, .err_lines = 0, .json = true,
	.out = { "{\"error\":\"cannot reach interdictd on %1$s/none.sock" },
};
FIXTURE_VARIANT_ADD(cli, mode_bad_argument) {
	.args = { CLI, "mode", "loud" }, .code = 2, .out_lines = 0,
	.err_lines = 1, .err = { "usage: interdict [-j] mode audit|enforce\n" },
};
FIXTURE_VARIANT_ADD(cli, status_extra_argument) {
	.args = { CLI, "status", "now" }, .code = 2, .out_lines = 0,
	.err_lines = 1, .err = { "usage: interdict [-j] status\n" },
};

/* interdictd: bad options and policies stop it before anything loads. */
FIXTURE_VARIANT_ADD(cli, daemon_no_policy_dir) {
	.args = { DAEMON, "--config", "%1$s/none.conf" }, .code = 2,
	.out_lines = 0, .err_lines = ANY,
	.err = { "interdictd: options: --config %1$s/none.conf: no such file\n" },
};
FIXTURE_VARIANT_ADD(cli, daemon_bad_mode) {
	.args = { DAEMON, "--policy-dir", "%1$s/valid", "--mode", "bogus" },
	.code = 2, .out_lines = 0, .err_lines = 1,
	.err = { "interdictd: options: --mode bogus: expected audit or "
		 "enforce\n" },
};
FIXTURE_VARIANT_ADD(cli, daemon_zero_rules) {
	.args = { DAEMON, "--policy-dir", "%1$s/valid", "--max-sha256-rules",
		  "0" }, .code = 2, .out_lines = 0, .err_lines = 1,
	.err = { "interdictd: options: --max-sha256-rules 0: expected a "
		 "number from 1 to 16777216\n" },
};
FIXTURE_VARIANT_ADD(cli, daemon_word_rules) {
	.args = { DAEMON, "--policy-dir", "%1$s/valid", "--max-path-rules",
		  "abc" }, .code = 2, .out_lines = 0, .err_lines = 1,
	.err = { "interdictd: options: --max-path-rules abc: expected a "
		 "number" },
};
FIXTURE_VARIANT_ADD(cli, daemon_unknown_option) {
	.args = { DAEMON, "--policy-dir", "%1$s/valid", "--bogus" },
	.code = 2, .out_lines = 0, .err_lines = ANY,
	.err = { "'--bogus'", "usage: interdictd" },
};
FIXTURE_VARIANT_ADD(cli, daemon_extra_argument) {
	.args = { DAEMON, "--policy-dir", "%1$s/valid", "extra" },
	.code = 2, .out_lines = 0, .err_lines = ANY,
	.err = { "interdictd: options: unexpected argument 'extra'\n",
		 "usage: interdictd" },
};
FIXTURE_VARIANT_ADD(cli, daemon_invalid_policy) {
	.args = { DAEMON, "--policy-dir", "%1$s/bad" }, .code = 2,
	.out_lines = 0, .err_lines = 4,
	.err = { "%1$s/bad/bad.rules:1: unknown action 'block'",
		 "%1$s/bad/bad.rules:2: path 'rel' is not absolute",
		 "%1$s/bad/other.rules:1: no match;",
		 "interdictd: policy: %1$s/bad: invalid policy, nothing "
		 "loaded\n" },
};
FIXTURE_VARIANT_ADD(cli, daemon_denies_sh) {
	.args = { DAEMON, "--policy-dir", "%1$s/sh" }, .code = 2,
	.out_lines = 0, .err_lines = 2,
	.err = { "%1$s/sh/sh.rules:1: rule 'x' would deny ", "(/bin/sh)",
		 "nothing loaded" },
};
FIXTURE_VARIANT_ADD(cli, daemon_missing_dir) {
	.args = { DAEMON, "--policy-dir", "%1$s/none" }, .code = 2,
	.out_lines = 0, .err_lines = 2,
	.err = { "%1$s/none: cannot read: No such file or directory\n",
		 "%1$s/none: invalid policy, nothing loaded" },
};
FIXTURE_VARIANT_ADD(cli, daemon_help) {
	.args = { DAEMON, "--help" }, .code = 0, .out_lines = ANY,
	.err_lines = 0, .out = { "usage: interdictd [--config FILE] [--policy-dir DIR] " },
};

static void expect_text(struct __test_metadata *_metadata, const char *dir,
			const char *text, const char *const *frags, int nlines)
{
	char want[PATH_MAX];
	size_t i;

	for (i = 0; i < 4 && frags[i]; i++) {
		snprintf(want, sizeof(want), frags[i], dir);
		EXPECT_NE(NULL, strstr(text, want))
			TH_LOG("expected \"%s\" in:\n%s", want, text);
	}
	if (nlines != ANY)
		EXPECT_EQ(nlines, lines(text)) TH_LOG("in:\n%s", text);
}

TEST_F(cli, run)
{
	const FIXTURE_VARIANT(cli) *v = variant;

	ASSERT_EQ(0, run_in(&self->r, self->dir, v->args, false));
	EXPECT_EQ(v->code, self->r.code)
		TH_LOG("stdout:\n%s\nstderr:\n%s", self->r.out, self->r.err);
	expect_text(_metadata, self->dir, self->r.out, v->out, v->out_lines);
	expect_text(_metadata, self->dir, self->r.err, v->err, v->err_lines);
	if (v->json)
		EXPECT_TRUE(one_json_line(self->r.out))
			TH_LOG("not one JSON object: %s", self->r.out);
}

/* The file this process maps whose name has `part`, resolved. */
static int mapped(const char *part, char *out)
{
	char line[PATH_MAX + 128], *file;
	int ret = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		file = strchr(line, '/');
		if (!file || !strstr(file, part))
			continue;
		file[strcspn(file, "\n")] = '\0';
		if (realpath(file, out))
			ret = 0;
	}
	fclose(f);
	return ret;
}

/* interdict links libc like interdictd: a rule denying it, by path or by
 * content, is refused like one denying /bin/sh. */
TEST_F(libs, check_denies_libc)
{
	static const char *const args[] = {
		CLI, "check", "%1$s/libc.rules", NULL,
	};
	char libc[PATH_MAX], path[PATH_MAX], want[2 * PATH_MAX];
	FILE *f;

	ASSERT_EQ(0, mapped("/libc.so", libc));
	snprintf(path, sizeof(path), "%s/libc.rules", self->dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fprintf(f, "deny path=%s id=libc on=mmap\n", libc);
	ASSERT_EQ(0, fclose(f));
	ASSERT_EQ(0, run_in(&self->r, self->dir, args, false));
	EXPECT_EQ(1, self->r.code) TH_LOG("stderr:\n%s", self->r.err);
	snprintf(want, sizeof(want), "%s:1: rule 'libc' would deny %s (a "
		 "library interdict maps), which must always run; narrow the "
		 "rule or add an allow rule for it\n", path, libc);
	ASSERT_HAS(self->r.err, want);
	EXPECT_EQ(0U, self->r.out_len);
}

/* Whether this host can enforce, as interdict doctor finds it. */
static bool host_enforces(void)
{
	char *argv[] = { CLI, "doctor", NULL };
	struct run r;
	bool yes;

	yes = !run(&r, argv, false) && r.code == 0;
	run_free(&r);
	return yes;
}

/*
 * A valid policy on a host that cannot enforce: exit 3, a message saying
 * what the kernel lacks, and no pid file, since nothing is enforced.
 */
TEST_F(daemon, cannot_enforce)
{
	static const char *const missing[] = {
		"lsm", "LSM", "BTF", "refused", "securityfs",
	};
	static const char *const args[] = {
		DAEMON, "--policy-dir", "%1$s/valid", "--mode", "audit",
		"--pid-file", "%1$s/interdictd.pid", NULL,
	};
	char pid_file[PATH_MAX];
	bool said = false;
	size_t i;

	if (host_enforces())
		SKIP(return, "this host can enforce: the VM suite runs the daemon");
	ASSERT_EQ(0, run_in(&self->r, self->dir, args, false));
	EXPECT_EQ(3, self->r.code) TH_LOG("stderr:\n%s", self->r.err);
	ASSERT_HAS(self->r.err, "interdictd: kernel: ");
	for (i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		said |= strstr(self->r.err, missing[i]) != NULL;
	EXPECT_TRUE(said) TH_LOG("no reason given:\n%s", self->r.err);
	EXPECT_EQ(0U, self->r.out_len) TH_LOG("stdout:\n%s", self->r.out);
	snprintf(pid_file, sizeof(pid_file), "%s/interdictd.pid", self->dir);
	EXPECT_NE(0, access(pid_file, F_OK));
}

/*
 * interdict doctor natively: 3 and the failing check named, or 0 where the
 * kernel can enforce. As nobody (or when not run as root) it cannot try
 * loading the programs and says so.
 */
FIXTURE(doctor) {
	struct run r;
};

FIXTURE_SETUP(doctor)
{
	binaries_present(_metadata);
}

FIXTURE_TEARDOWN(doctor)
{
	run_free(&self->r);
}

FIXTURE_VARIANT(doctor) {
	bool json, drop;
};

FIXTURE_VARIANT_ADD(doctor, text) { };
FIXTURE_VARIANT_ADD(doctor, json) { .json = true };
FIXTURE_VARIANT_ADD(doctor, text_as_nobody) { .drop = true };
FIXTURE_VARIANT_ADD(doctor, json_as_nobody) { .json = true, .drop = true };

static const char *const doctor_checks[] = {
	"btf", "bpf_lsm", "load", "sha256", "lockdown",
};

TEST_F(doctor, run)
{
	char *argv[] = { CLI, "doctor", variant->json ? "-j" : NULL, NULL };
	bool root = !geteuid() && !variant->drop, enforce;
	const char *line;
	size_t i;

	ASSERT_EQ(0, run(&self->r, argv, variant->drop && !geteuid()));
	ASSERT_TRUE(self->r.code == 0 || self->r.code == 3)
		TH_LOG("exit %d; stderr:\n%s", self->r.code, self->r.err);
	enforce = self->r.code == 0;
	if (!root) {
		EXPECT_FALSE(enforce);
		ASSERT_HAS(self->r.out, "not tried: run interdict doctor as root");
	}
	if (variant->json) {
		EXPECT_TRUE(one_json_line(self->r.out))
			TH_LOG("not one JSON object: %s", self->r.out);
		ASSERT_HAS(self->r.out, enforce ? "{\"enforce\":true," :
			   "{\"enforce\":false,");
		for (i = 0; i < sizeof(doctor_checks) / sizeof(*doctor_checks);
		     i++) {
			char key[32];

			snprintf(key, sizeof(key), "\"%s\":{\"ok\":",
				 doctor_checks[i]);
			ASSERT_HAS(self->r.out, key);
		}
		return;
	}
	ASSERT_HAS(self->r.out, enforce ? "interdict can enforce" :
		   "interdict cannot enforce here\n");
	if (enforce)
		return;
	/* The first failing check, named at the start of its line. */
	line = strstr(self->r.out, " FAIL ");
	ASSERT_NE(NULL, line) TH_LOG("no failing check in:\n%s", self->r.out);
	while (line > self->r.out && line[-1] != '\n')
		line--;
	for (i = 0; i < sizeof(doctor_checks) / sizeof(*doctor_checks); i++)
		if (!strncmp(line, doctor_checks[i], strlen(doctor_checks[i])))
			break;
	EXPECT_GT(sizeof(doctor_checks) / sizeof(*doctor_checks), i)
		TH_LOG("failing line names no check:\n%s", self->r.out);
}

TEST_HARNESS_MAIN
