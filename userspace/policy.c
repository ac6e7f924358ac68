// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy language (policy/README.md): *.rules files parsed into a struct
 * policy, with every mistake reported as "file:line: what; expected what" so
 * that `interdict check` can refuse a bad policy before it reaches a host.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "interdict.h"

#define LINE_MAX_LEN	4095		/* longest line, without its newline */
#define ERRORS_MAX	100		/* messages printed by one call */
#define FILE_MAX	(1UL << 30)	/* a policy file larger is a mistake */
#define ID_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789._:-"

/* One call of a policy_* function: errors are counted across every file it
 * reads so that the cap and the duplicate checks span them all. */
struct parser {
	struct policy *p;
	struct diags *d;
	size_t start;		/* first rule added by this call */
	unsigned int nerr;
	const char *file;	/* file being parsed, owned by p->files */
	unsigned int line;
	size_t reuse_next;	/* where in p->reuse the next file likely is */
};

/* A word of a rule line; for key=value, val points past the '='. */
struct token {
	char *text;
	char *val;		/* NULL for a bare word */
	size_t keylen;
};

struct rule_option {
	const char *key;
	size_t keylen;
	int (*parse)(struct parser *ps, struct rule *r, const char *val);
	bool match;		/* path=, sha256=, package=: one of them, once */
};

static const struct {
	__u8 bit;
	const char *name;
} hook_names[] = {
	{ ID_HOOK_EXEC, "exec" },
	{ ID_HOOK_MMAP, "mmap" },
	{ ID_HOOK_OPEN, "open" },
};

/* Byte classes for the parser's hot loops: one table load per byte instead
 * of a chain of compares (a million rules are some 100 MB of text). */
enum {
	C_END = 1,	/* NUL, ' ', '\t': a word ends */
	C_MARK = 2,	/* '=', '"', '\\': the word scanner stops */
	C_CTRL = 4,	/* control characters but the tab, and DEL */
	C_ID = 8,	/* allowed in an id: ID_CHARS */
};
#define WORD_STOPS " \t=\"\\"	/* C_END and C_MARK, NUL implied */

static unsigned char byte_class[256];
static unsigned char hex_digit[256];	/* 0-15, or 16: not a hex digit */
/* Two hex digits, as the 16 bits they are in memory, to the byte they
 * spell, or to 0x100 when either is not a hex digit: one load per byte of
 * a hash instead of two (128 KB, built once). */
static __u16 hex_pair[65536];

__attribute__((constructor)) static void tables_init(void)
{
	const char *c;
	unsigned int i;

	for (i = 0; i < 256; i++) {
		hex_digit[i] = i - '0' < 10 ? i - '0' :
			       (i | 0x20) - 'a' < 6 ? (i | 0x20) - 'a' + 10 : 16;
		if ((i < ' ' && i != '\t') || i == 0x7f)
			byte_class[i] |= C_CTRL;
	}
	for (i = 0; i < 65536; i++) {
		unsigned char b[2];
		__u16 v = i;

		memcpy(b, &v, 2);
		hex_pair[i] = hex_digit[b[0]] > 15 || hex_digit[b[1]] > 15 ?
			      0x100 : hex_digit[b[0]] << 4 | hex_digit[b[1]];
	}
	for (c = ID_CHARS; *c; c++)
		byte_class[(unsigned char)*c] |= C_ID;
	byte_class[0] |= C_END;
	byte_class[' '] |= C_END;
	byte_class['\t'] |= C_END;
	byte_class['='] |= C_MARK;
	byte_class['"'] |= C_MARK;
	byte_class['\\'] |= C_MARK;
}

/* The rules' strings, in chunks freed with the policy: a struct rule holds
 * pointers, not arrays sized for the longest id, message and path. Chunks
 * are mapped, not malloc'd, so that freeing a replaced policy gives its
 * memory back to the system rather than to a fragmented heap. */
#define STR_CHUNK	(1024 * 1024)

_Static_assert(sizeof(struct rule) <= 80, "a million rules in 80 MB");

struct str_chunk {
	struct str_chunk *next;
	size_t used, cap;
	char data[];
};

static const char *str_add(struct policy *p, const char *s, size_t len)
{
	struct str_chunk *c = p->strings;
	char *out;

	if (!c || c->cap - c->used < len + 1) {
		size_t size = sizeof(*c) + len + 1 > STR_CHUNK ?
			      sizeof(*c) + len + 1 : STR_CHUNK;
		size_t cap = size - sizeof(*c);

		c = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED)
			return NULL;
		c->next = p->strings;
		c->used = 0;
		c->cap = cap;
		p->strings = c;
	}
	out = c->data + c->used;
	memcpy(out, s, len);
	out[len] = '\0';
	c->used += len + 1;
	return out;
}

const char *policy_strdup(struct policy *p, const char *s)
{
	return str_add(p, s, strlen(s));
}

static bool too_many_errors(const struct parser *ps)
{
	return ps->nerr > ERRORS_MAX;
}

/*
 * Messages. A file name is whatever bytes the file system holds: printed
 * raw, a newline in one forges a second message and an ESC drives the
 * terminal, so every name in a message goes through name_escape().
 */
const char *name_escape(const char *name, char *buf, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *c = (const unsigned char *)name;
	char esc[5];
	size_t off = 0, n;

	if (!len)
		return buf;
	for (; *c; c++) {
		esc[0] = '\\';
		n = 2;
		if (*c == '\n' || *c == '\t' || *c == '\r')
			esc[1] = *c == '\n' ? 'n' : *c == '\t' ? 't' : 'r';
		else if (*c == '\\')
			esc[1] = '\\';
		else if (*c < ' ' || *c >= 0x7f) {
			/* Bytes above 0x7f too: 0x9b alone is CSI on some
			 * terminals, and this stays reversible. */
			esc[1] = 'x';
			esc[2] = digits[*c >> 4];
			esc[3] = digits[*c & 15];
			n = 4;
		} else {
			esc[0] = *c;
			n = 1;
		}
		if (off + n >= len)
			break;		/* whole escapes only */
		memcpy(buf + off, esc, n);
		off += n;
	}
	buf[off] = '\0';
	return buf;
}

void diag_add(struct diags *d, bool warning, const char *file,
	      unsigned int line, const char *fmt, ...)
{
	char name[ID_NAME_ESC_MAX], *msg = NULL;
	struct diag *v;
	va_list ap;
	int n;

	if (warning)
		d->warnings++;
	else
		d->errors++;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = NULL;
	if (d->f) {
		if (file)
			fprintf(d->f, "%s", name_escape(file, name, sizeof(name)));
		if (file && line)
			fprintf(d->f, ":%u", line);
		fprintf(d->f, "%s%s%s\n", file ? ": " : "",
			warning ? "warning: " : "", msg ? msg : fmt);
	}
	if (!d->keep || !msg)
		goto cleanup;
	if (d->n == d->cap) {
		v = reallocarray(d->v, d->cap ? 2 * d->cap : 16, sizeof(*v));
		if (!v)
			goto cleanup;
		d->v = v;
		d->cap = d->cap ? 2 * d->cap : 16;
	}
	v = &d->v[d->n];
	v->file = file ? strdup(file) : NULL;
	if (file && !v->file)
		goto cleanup;
	v->line = line;
	v->warning = warning;
	v->msg = msg;
	msg = NULL;
	d->n++;
cleanup:
	free(msg);
}

void diags_free(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	case S_IFLNK: return "a symbolic link";
	default: return "not a regular file";
	}
}

void diag_read_error(struct diags *d, const char *path, int ret, mode_t type)
{
	if (ret == -EINVAL && type)
		diag_add(d, false, path, 0, "cannot read: %s, not a regular file",
			 file_type_name(type));
	else
		diag_add(d, false, path, 0, "cannot read: %s", strerror(-ret));
}

static void __attribute__((format(printf, 4, 5)))
report(struct parser *ps, const char *file, unsigned int line,
       const char *fmt, ...)
{
	char msg[LINE_MAX_LEN + 512];
	va_list ap;

	if (++ps->nerr > ERRORS_MAX) {
		if (ps->nerr == ERRORS_MAX + 1)
			diag_add(ps->d, false, file, 0, "too many errors; only the first %d are shown",
				 ERRORS_MAX);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(ps->d, false, file, line, "%s", msg);
}

#define perr(ps, ...) report(ps, (ps)->file, (ps)->line, __VA_ARGS__)

static int read_error(struct parser *ps, const char *path, int ret,
		      mode_t type)
{
	diag_read_error(ps->d, path, ret, type);
	return ret;
}

/* Paths through these name another file in each process that resolves
 * them: what `interdict check` reads there, or a rule names, is not what
 * the daemon (or the kernel, on resolved paths) sees. */
const char *path_process_relative(const char *path)
{
	static const char *const prefixes[] = {
		"/proc/self", "/proc/thread-self", "/proc/net", "/proc/mounts",
		"/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr",
	};
	size_t i, n;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i]);
		if (!strncmp(path, prefixes[i], n) &&
		    (path[n] == '\0' || path[n] == '/'))
			return prefixes[i];
	}
	return NULL;
}

static int opt_path(struct parser *ps, struct rule *r, const char *val)
{
	size_t len = strlen(val);
	const char *c, *end;
	size_t n;

	if (val[0] != '/') {
		perr(ps, "path '%s' is not absolute; expected a path starting with '/'",
		     val);
		return -EINVAL;
	}
	if (len == 1) {
		perr(ps, "path=/ would match every file and deny the whole system; expected a file or a directory below /");
		return -EINVAL;
	}
	if (len >= ID_PATH_KEY_MAX) {
		perr(ps, "path is %zu bytes long; the limit is %d bytes",
		     len, ID_PATH_KEY_MAX - 1);
		return -EINVAL;
	}
	if (path_process_relative(val)) {
		perr(ps, "path '%s' goes through %s, which names another file in every process; expected the file's own path",
		     val, path_process_relative(val));
		return -EINVAL;
	}
	/* Rules match resolved paths, which never hold these components. */
	for (c = val + 1; *c; c = end + 1) {
		end = strchrnul(c, '/');
		if (end == c && *end) {
			perr(ps, "path '%s' contains '//'; expected a canonical path",
			     val);
			return -EINVAL;
		}
		n = end - c;
		if (n && n <= 2 && !strncmp(c, "..", n)) {
			perr(ps, "path '%s' contains a '.' or '..' component; expected a canonical path",
			     val);
			return -EINVAL;
		}
		if (!*end)
			break;
	}
	r->path = str_add(ps->p, val, len);
	if (!r->path)
		return -ENOMEM;
	r->kind = val[len - 1] == '/' ? MATCH_TREE : MATCH_PATH;
	return 0;
}

/* One table load per byte and one test per hash: the digits of a million
 * hashes are random, and branching on each made this the slowest step of
 * loading them. */
static int opt_sha256(struct parser *ps, struct rule *r, const char *val)
{
	const unsigned char *v = (const unsigned char *)val;
	size_t len = strlen(val), i;
	unsigned int pair, bad = 0;
	__u16 two;

	if (len != 2 * ID_SHA256_LEN) {
		perr(ps, "sha256 has %zu characters; expected exactly %d hex digits",
		     len, 2 * ID_SHA256_LEN);
		return -EINVAL;
	}
	for (i = 0; i < ID_SHA256_LEN; i++) {
		memcpy(&two, v + 2 * i, 2);
		pair = hex_pair[two];
		bad |= pair;
		r->sha256[i] = pair;
	}
	if (bad & 0x100) {
		for (i = 0; hex_digit[v[i]] < 16; i++)
			;
		perr(ps, "sha256 has a character that is not a hex digit: '%c'; expected exactly %d hex digits",
		     val[i], 2 * ID_SHA256_LEN);
		return -EINVAL;
	}
	r->kind = MATCH_SHA256;
	return 0;
}

/* A dpkg package name (letters, digits, + - .), optionally :ARCH, with
 * fnmatch(3) wildcards; resolved by dpkg.c. */
static int opt_package(struct parser *ps, struct rule *r, const char *val)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.:*?[]!";
	size_t len = strlen(val), ok = strspn(val, chars);

	if (len == 0 || len >= 256) {
		perr(ps, "package is %zu characters long; expected a package name or pattern of 1 to 255 characters",
		     len);
		return -EINVAL;
	}
	if (ok != len) {
		perr(ps, "package '%s' has the character '%c'; expected a dpkg package name (letters, digits, + - .), :ARCH, and the wildcards * ? [...]",
		     val, val[ok]);
		return -EINVAL;
	}
	if (strspn(val, "*?") == len) {
		perr(ps, "package=%s would match every installed package and deny the whole system; expected a package name or a narrower pattern",
		     val);
		return -EINVAL;
	}
	r->path = str_add(ps->p, val, len);
	if (!r->path)
		return -ENOMEM;
	r->kind = MATCH_PACKAGE;
	return 0;
}

static int opt_id(struct parser *ps, struct rule *r, const char *val)
{
	const unsigned char *v = (const unsigned char *)val;
	size_t len = strlen(val), ok = 0;

	while (byte_class[v[ok]] & C_ID)
		ok++;

	if (len == 0 || len >= ID_RULE_ID_MAX) {
		perr(ps, "id is %zu characters long; expected 1 to %d characters",
		     len, ID_RULE_ID_MAX - 1);
		return -EINVAL;
	}
	if (ok != len) {
		perr(ps, "id '%s' has the character '%c'; expected letters, digits and . _ : -",
		     val, val[ok]);
		return -EINVAL;
	}
	r->id = str_add(ps->p, val, len);
	return r->id ? 0 : -ENOMEM;
}

static int opt_msg(struct parser *ps, struct rule *r, const char *val)
{
	size_t len = strlen(val);

	if (len >= ID_MSG_MAX) {
		perr(ps, "msg is %zu bytes long; the limit is %d bytes",
		     len, ID_MSG_MAX - 1);
		return -EINVAL;
	}
	r->msg = str_add(ps->p, val, len);
	return r->msg ? 0 : -ENOMEM;
}

static int hook_bit(const char *item, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(hook_names) / sizeof(hook_names[0]); i++)
		if (strlen(hook_names[i].name) == len &&
		    !strncmp(hook_names[i].name, item, len))
			return hook_names[i].bit;
	return 0;
}

static int opt_on(struct parser *ps, struct rule *r, const char *val)
{
	const char *c = val, *end;
	int bit;

	r->hooks = 0;
	for (;;) {
		end = strchrnul(c, ',');
		if (end == c) {
			perr(ps, "empty item in on=%s; expected a comma-separated list of exec, mmap, open",
			     val);
			return -EINVAL;
		}
		bit = hook_bit(c, end - c);
		if (!bit) {
			perr(ps, "unknown hook '%.*s' in on=; expected exec, mmap or open",
			     (int)(end - c), c);
			return -EINVAL;
		}
		r->hooks |= bit;
		if (!*end)
			return 0;
		c = end + 1;
	}
}

/* The action comes first on the line, so it is known here. */
static int opt_mode(struct parser *ps, struct rule *r, const char *val)
{
	if (r->action == ID_ACT_ALLOW) {
		perr(ps, "mode= on an allow rule; mode applies to deny and audit rules only");
		return -EINVAL;
	}
	if (!strcmp(val, "audit")) {
		r->flags |= ID_RULE_AUDIT;
		return 0;
	}
	if (strcmp(val, "enforce")) {
		perr(ps, "unknown mode '%s'; expected audit or enforce", val);
		return -EINVAL;
	}
	if (r->flags & ID_RULE_AUDIT) {
		perr(ps, "mode=enforce on an audit rule; use a deny rule to enforce");
		return -EINVAL;
	}
	return 0;
}

static const struct rule_option options[] = {
	{ "path", 4, opt_path, true },
	{ "sha256", 6, opt_sha256, true },
	{ "package", 7, opt_package, true },
	{ "id", 2, opt_id, false },
	{ "msg", 3, opt_msg, false },
	{ "on", 2, opt_on, false },
	{ "mode", 4, opt_mode, false },
};

/* Scans a quoted value at s (just past the opening quote) into out,
 * unescaping \" and \\. Returns the position after the closing quote. */
static char *scan_quoted(struct parser *ps, char *s, char **out)
{
	char *o = *out;

	for (;; s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) {
			s++;
		} else if (*s == '\\' && s[1]) {
			perr(ps, "unknown escape '\\%c' in a quoted value; expected \\\" or \\\\",
			     s[1]);
			return NULL;
		} else if (*s == '"') {
			break;
		} else if (!*s) {
			perr(ps, "unterminated quote; expected a closing '\"'");
			return NULL;
		} else if (*s == '\t') {
			perr(ps, "tab in a quoted value; expected printable text");
			return NULL;
		}
		*o++ = *s;
	}
	*out = o;
	return s + 1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Cuts the next word out of the line at *pos, in place. Returns 1 with a
 * token, 0 at the end of the line or at a comment, -EINVAL on a bad word. */
static int next_token(struct parser *ps, char **pos, struct token *t)
{
	char *s = *pos, *o;
	char c;

	while (is_blank(*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	t->text = o = s;
	t->val = NULL;
	for (;;) {
		/* Until a quoted value is unescaped, o is s: nothing to copy
		 * (and libc's strcspn() scans 16 bytes at a time). */
		if (o == s) {
			s += strcspn(s, WORD_STOPS);
			o = s;
		} else {
			while (!(byte_class[(unsigned char)*s] & (C_END | C_MARK)))
				*o++ = *s++;
		}
		c = *s;
		if (byte_class[(unsigned char)c] & C_END)
			break;
		if (c == '"' || c == '\\') {
			perr(ps, "'%c' outside a quoted value; expected key=\"value\" with \\\" and \\\\ escapes",
			     c);
			return -EINVAL;
		}
		*o++ = *s++;		/* the '=' */
		if (t->val)
			continue;
		t->val = o;
		t->keylen = o - 1 - t->text;
		if (*s != '"')
			continue;
		s = scan_quoted(ps, s + 1, &o);
		if (!s)
			return -EINVAL;
		if (*s && !is_blank(*s)) {
			perr(ps, "text after a closing quote; expected a space before the next option");
			return -EINVAL;
		}
	}
	*o = '\0';
	*pos = c ? s + 1 : s;
	return 1;
}

static int parse_action(struct parser *ps, struct rule *r, const char *word)
{
	if (!strcmp(word, "deny")) {
		r->action = ID_ACT_DENY;
	} else if (!strcmp(word, "allow")) {
		r->action = ID_ACT_ALLOW;
	} else if (!strcmp(word, "audit")) {
		r->action = ID_ACT_DENY;
		r->flags |= ID_RULE_AUDIT;
	} else {
		perr(ps, "unknown action '%s'; expected deny, allow or audit",
		     word);
		return -EINVAL;
	}
	return 0;
}

static int parse_option(struct parser *ps, struct rule *r,
			const struct token *t, unsigned int *seen)
{
	const struct rule_option *o;
	size_t i;

	if (!t->val) {
		perr(ps, "unexpected word '%s'; expected options as key=value",
		     t->text);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		o = &options[i];
		if (o->keylen == t->keylen &&
		    !memcmp(o->key, t->text, t->keylen))
			break;
	}
	if (i == sizeof(options) / sizeof(options[0])) {
		perr(ps, "unknown option '%.*s'; expected path, sha256, package, id, msg, on or mode",
		     (int)t->keylen, t->text);
		return -EINVAL;
	}
	if (o->match && r->kind) {
		perr(ps, "second match '%s'; expected exactly one path=, sha256= or package=",
		     t->text);
		return -EINVAL;
	}
	if (*seen & 1U << i) {
		perr(ps, "option '%s' given twice; expected each option once",
		     o->key);
		return -EINVAL;
	}
	*seen |= 1U << i;
	return o->parse(ps, r, t->val);
}

/* The next free slot, zeroed; a rule is parsed in place so that a million
 * of them are not each built and then copied. */
static struct rule *next_rule(struct policy *p)
{
	struct rule *rules;
	size_t cap;

	if (p->nrules >= UINT32_MAX - 1)
		return NULL;	/* check_dups() numbers rules in 32 bits */
	if (p->nrules == p->cap) {
		cap = p->cap ? 2 * p->cap : 64;
		rules = reallocarray(p->rules, cap, sizeof(*rules));
		if (!rules)
			return NULL;
		p->rules = rules;
		p->cap = cap;
	}
	memset(&p->rules[p->nrules], 0, sizeof(*rules));
	p->rules[p->nrules].id = "";
	p->rules[p->nrules].msg = "";
	p->rules[p->nrules].path = "";
	return &p->rules[p->nrules];
}

/* A bad line is reported and skipped; only running out of memory stops. */
static int parse_rule(struct parser *ps, char *line)
{
	struct policy *p = ps->p;
	unsigned int seen = 0;
	struct token t;
	struct rule *r;
	int ret;

	ret = next_token(ps, &line, &t);
	if (ret <= 0)
		return 0;
	r = next_rule(p);
	if (!r)
		return -ENOMEM;
	r->hooks = ID_HOOK_EXEC | ID_HOOK_MMAP;
	if (parse_action(ps, r, t.text))
		return 0;
	while ((ret = next_token(ps, &line, &t)) > 0) {
		ret = parse_option(ps, r, &t, &seen);
		if (ret)
			return ret == -ENOMEM ? ret : 0;
	}
	if (ret < 0)
		return 0;
	if (!r->kind) {
		perr(ps, "no match; expected path=/file, path=/dir/, sha256=<64 hex digits> or package=NAME");
		return 0;
	}
	if (!r->id[0]) {
		perr(ps, "no id; expected id=NAME, unique across all policy files");
		return 0;
	}
	r->file = ps->file;
	r->line = ps->line;
	p->nrules++;
	if (r->kind == MATCH_SHA256)
		p->nsha++;
	else if (r->kind != MATCH_PACKAGE)
		p->npath++;
	return 0;
}

/* Whether one of the 8 bytes of w is below 0x20 or is 0x7f: exact, so a
 * line without a tab or a bad byte is checked 8 bytes at a time. */
static bool word_suspect(__u64 w)
{
	const __u64 ones = 0x0101010101010101ULL, highs = ones * 0x80;
	__u64 del = w ^ (ones * 0x7f);

	return ((w - ones * 0x20) & ~w & highs) |
	       ((del - ones) & ~del & highs);
}

static int parse_line(struct parser *ps, const char *s, size_t len)
{
	char line[LINE_MAX_LEN + 1];
	unsigned char c;
	size_t i = 0;
	__u64 w;

	if (len && s[len - 1] == '\r')
		len--;
	if (len > LINE_MAX_LEN) {
		perr(ps, "line is %zu bytes long; the limit is %d bytes",
		     len, LINE_MAX_LEN);
		return 0;
	}
	memcpy(line, s, len);
	line[len] = '\0';
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, line + i, 8);
		if (word_suspect(w))
			break;
	}
	if (i < len && memchr(line + i, '\0', len - i)) {
		perr(ps, "NUL byte; expected a text file");
		return 0;
	}
	/* Names and messages end up in logs and terminals. */
	for (; i < len; i++) {
		c = line[i];
		if (byte_class[c] & C_CTRL) {
			perr(ps, "control character 0x%02x; expected printable text",
			     c);
			return 0;
		}
	}
	return parse_rule(ps, line);
}

/* The policy digest's hash: BLAKE2b-512 cut to its first 256 bits. It
 * identifies what was loaded as well as SHA-256 would, in about half the
 * instructions where the CPU has no SHA extensions (a million rules are
 * 100 MB of text, hashed at every start and reload). libsodium's BLAKE2b
 * (crypto_generichash with 64 bytes out, no key: the same function as
 * OpenSSL's BLAKE2b-512) is vectorised where OpenSSL's is not: half the
 * instructions again. sodium_init() picks that code for this CPU. */
#define DIGEST_FULL	crypto_generichash_BYTES_MAX

static int digest_start(crypto_generichash_state *st)
{
	if (sodium_init() < 0 ||
	    crypto_generichash_init(st, NULL, 0, DIGEST_FULL))
		return -EIO;
	return 0;
}

static int digest_buf(const void *buf, size_t len, __u8 out[ID_SHA256_LEN])
{
	unsigned char full[DIGEST_FULL];
	crypto_generichash_state st;

	if (digest_start(&st) || crypto_generichash_update(&st, buf, len) ||
	    crypto_generichash_final(&st, full, sizeof(full)))
		return -EIO;
	memcpy(out, full, ID_SHA256_LEN);
	return 0;
}

/* Each file's name and the hash of what was parsed, which is what
 * policy_digest() covers: hashing the bytes already in memory costs less
 * than reading the files again, and reads what was loaded, not what is
 * there now. */
static const char *add_file(struct policy *p, const char *name,
			    const char *buf, size_t len)
{
	__u8 (*sha)[ID_SHA256_LEN];
	struct policy_file *fi;
	char **files, *copy;

	files = reallocarray(p->files, p->nfiles + 1, sizeof(*files));
	if (!files)
		return NULL;
	p->files = files;
	sha = reallocarray(p->file_hash, p->nfiles + 1, sizeof(*sha));
	if (!sha)
		return NULL;
	p->file_hash = sha;
	fi = reallocarray(p->finfo, p->nfiles + 1, sizeof(*fi));
	if (!fi)
		return NULL;
	p->finfo = fi;
	memset(&fi[p->nfiles], 0, sizeof(*fi));
	fi[p->nfiles].first = p->nrules;
	if (buf && digest_buf(buf, len, sha[p->nfiles]))
		return NULL;
	copy = strdup(name);
	if (copy)
		p->files[p->nfiles++] = copy;
	return copy;
}

static int parse_buf(struct parser *ps, const char *name, const char *buf,
		     size_t len)
{
	const char *s = buf, *end = buf + len, *eol;
	int ret = 0;

	ps->file = add_file(ps->p, name, buf, len);
	if (!ps->file)
		return -ENOMEM;
	ps->line = 0;
	while (s < end && !ret && !too_many_errors(ps)) {
		eol = memchr(s, '\n', end - s);
		if (!eol)
			eol = end;
		ps->line++;
		ret = parse_line(ps, s, eol - s);
		s = eol + 1;
	}
	return ret;
}

/* O_NONBLOCK: opening a FIFO for reading waits for a writer, which may
 * never come; the file's type is checked on the descriptor before any
 * read, so what was checked is what is read. */
int file_read(const char *path, size_t max, char **bufp, size_t *lenp,
	      mode_t *type)
{
	size_t len = 0, cap = 0, hint = 4096;
	char *buf = NULL, *nbuf;
	struct stat st;
	ssize_t n;
	int fd, ret;

	*type = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	ret = -errno;
	if (fstat(fd, &st))
		goto cleanup;
	ret = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	if (!S_ISREG(st.st_mode)) {
		*type = st.st_mode & S_IFMT;
		goto cleanup;
	}
	hint = st.st_size + 1;
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : hint;
			ret = -EFBIG;
			if (cap > max)
				goto cleanup;
			ret = -ENOMEM;
			nbuf = realloc(buf, cap);
			if (!nbuf)
				goto cleanup;
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		len += n;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	ret = 0;
cleanup:
	free(buf);
	close(fd);
	return ret;
}

#define READ_CHUNK	(1024 * 1024)	/* > LINE_MAX_LEN + 1 */

/* A line longer than the read buffer: its length, as parse_line would
 * report it, once its end is found. */
static void long_line(struct parser *ps, size_t len, char last)
{
	if (last == '\r')
		len--;
	ps->line++;
	perr(ps, "line is %zu bytes long; the limit is %d bytes", len,
	     LINE_MAX_LEN);
}

/* Lines are parsed as the file is read, a chunk at a time, and hashed on
 * the way: a million rules are 100 MB of text that is never held whole
 * (what the daemon's memory peaked at, with the rules). Same lines, same
 * messages, same digest as parse_buf() over the whole file. */
static int parse_stream(struct parser *ps, const char *path, int fd)
{
	char *buf = malloc(READ_CHUNK), *s, *end, *eol, last = 0;
	unsigned char full[DIGEST_FULL];
	crypto_generichash_state st;
	size_t have = 0, total = 0, skipping = 0;
	bool eof = false, stop = false;
	unsigned int idx;
	ssize_t n;
	int ret = -ENOMEM;

	if (!buf)
		goto cleanup;
	if (digest_start(&st)) {
		ret = -EIO;
		goto cleanup;
	}
	ps->file = add_file(ps->p, path, NULL, 0);
	if (!ps->file)
		goto cleanup;
	idx = ps->p->nfiles - 1;
	ps->line = 0;
	ret = 0;
	while (!eof && !ret) {
		n = read(fd, buf + have, READ_CHUNK - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = read_error(ps, path, -errno, 0);
			break;
		}
		total += n;
		if (total > FILE_MAX) {
			ret = read_error(ps, path, -EFBIG, 0);
			break;
		}
		if (n && crypto_generichash_update(&st, (unsigned char *)buf +
						   have, n)) {
			ret = -EIO;
			break;
		}
		eof = n == 0;
		s = buf + have;
		end = s + n;
		if (skipping) {
			eol = memchr(s, '\n', n);
			if (!eol && !eof) {
				skipping += n;
				last = n ? end[-1] : last;
				have = 0;
				continue;
			}
			if (!eol)
				eol = end;
			if (!stop)
				long_line(ps, skipping + (eol - s),
					  eol > s ? eol[-1] : last);
			skipping = 0;
			s = eol + 1;
		} else {
			s = buf;
		}
		while (s < end && !stop) {
			eol = memchr(s, '\n', end - s);
			if (!eol && !eof)
				break;
			if (!eol)
				eol = end;
			ps->line++;
			ret = parse_line(ps, s, eol - s);
			stop = ret || too_many_errors(ps);
			s = eol + 1;
		}
		have = s < end && !stop ? end - s : 0;
		memmove(buf, s, have);
		if (have == READ_CHUNK) {	/* no newline in a full buffer */
			skipping = have;
			last = buf[have - 1];
			have = 0;
		}
	}
	if (!ret && crypto_generichash_final(&st, full, sizeof(full)))
		ret = -EIO;
	if (!ret)
		memcpy(ps->p->file_hash[idx], full, ID_SHA256_LEN);
cleanup:
	free(buf);
	return ret;
}

/* A file is taken from p->reuse as it was, without reading it, when it is
 * the same file (device and inode), of the same size and times, and was
 * read more than REUSE_MARGIN_S after its last change: a change within
 * the same tick as the read could leave the times as they were (the
 * kernel's timestamps are coarse), so a file read so soon after a change
 * is always read again. Only a policy that was put in force is reused:
 * its files raised no error. */
#define REUSE_MARGIN_S	1

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int reuse_file(struct parser *ps, const char *path,
		      const struct stat *st)
{
	const struct policy *old = ps->p->reuse;
	const struct policy_file *of = NULL;
	struct policy *p = ps->p;
	size_t i, k, idx;

	/* files come in the same order as last time: look where the last
	 * one was found first, so that many files cost one compare each */
	for (k = 0; old && old->finfo && k < old->nfiles && !of; k++) {
		i = (ps->reuse_next + k) % old->nfiles;
		if (old->finfo[i].known && !strcmp(old->files[i], path)) {
			of = &old->finfo[i];
			ps->reuse_next = i + 1;
		}
	}
	if (!of || of->dev != st->st_dev || of->ino != st->st_ino ||
	    of->size != st->st_size || !same_time(&of->mtime, &st->st_mtim) ||
	    !same_time(&of->ctime, &st->st_ctim) ||
	    of->read_at.tv_sec - st->st_ctim.tv_sec <= REUSE_MARGIN_S)
		return 1;
	ps->file = add_file(p, path, NULL, 0);
	if (!ps->file)
		return -ENOMEM;
	idx = p->nfiles - 1;
	memcpy(p->file_hash[idx], old->file_hash[of - old->finfo],
	       ID_SHA256_LEN);
	for (i = of->first; i < of->first + of->count; i++) {
		const struct rule *o = &old->rules[i];
		struct rule *r = next_rule(p);

		if (!r)
			return -ENOMEM;
		*r = *o;
		r->file = ps->file;
		/* the old policy's strings go with it: nothing may point
		 * there, not even an empty string */
		r->id = str_add(p, o->id, strlen(o->id));
		r->msg = o->msg[0] ? str_add(p, o->msg, strlen(o->msg)) : "";
		r->path = o->path[0] ? str_add(p, o->path, strlen(o->path)) : "";
		if (!r->id || !r->msg || !r->path)
			return -ENOMEM;
		p->nrules++;
		if (r->kind == MATCH_SHA256)
			p->nsha++;
		else if (r->kind != MATCH_PACKAGE)
			p->npath++;
	}
	p->finfo[idx] = *of;
	p->finfo[idx].first = p->nrules - of->count;
	p->nreused++;
	return 0;
}

/* O_NONBLOCK: opening a FIFO for reading waits for a writer, which may
 * never come; the file's type is checked on the descriptor before any
 * read, as file_read() does. */
static int parse_file(struct parser *ps, const char *path)
{
	struct policy_file *fi;
	struct timespec read_at;
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return read_error(ps, path, -errno, 0);
	if (fstat(fd, &st))
		ret = read_error(ps, path, -errno, 0);
	else if (S_ISDIR(st.st_mode))
		ret = read_error(ps, path, -EISDIR, S_IFDIR);
	else if (!S_ISREG(st.st_mode))
		ret = read_error(ps, path, -EINVAL, st.st_mode & S_IFMT);
	else if ((size_t)st.st_size >= FILE_MAX)
		ret = read_error(ps, path, -EFBIG, 0);
	else if ((ret = reuse_file(ps, path, &st)) <= 0)
		;	/* taken as it was, or out of memory */
	else {
		clock_gettime(CLOCK_REALTIME, &read_at);
		ret = parse_stream(ps, path, fd);
		fi = ps->p->nfiles ? &ps->p->finfo[ps->p->nfiles - 1] : NULL;
		if (!ret && fi && !strcmp(ps->p->files[ps->p->nfiles - 1], path)) {
			fi->dev = st.st_dev;
			fi->ino = st.st_ino;
			fi->size = st.st_size;
			fi->mtime = st.st_mtim;
			fi->ctime = st.st_ctim;
			fi->read_at = read_at;
			fi->count = ps->p->nrules - fi->first;
			fi->known = true;
		}
	}
	close(fd);
	return ret;
}

static bool is_rules_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 6 && !strcmp(name + len - 6, ".rules");
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int cmp_base(const void *a, const void *b)
{
	return strcmp(base_name(*(char *const *)a),
		      base_name(*(char *const *)b));
}

static void free_names(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

static int add_name(char ***names, size_t *n, char *path)
{
	char **nn;

	if (!path)
		return -ENOMEM;
	nn = reallocarray(*names, *n + 1, sizeof(**names));
	if (!nn) {
		free(path);
		return -ENOMEM;
	}
	*names = nn;
	(*names)[(*n)++] = path;
	return 0;
}

/* The *.rules regular files (or links to them) in dir, as paths. A FIFO,
 * device or socket named like a policy is an error, not a silent skip: it
 * is a policy the daemon cannot read. Directories are skipped. */
static int list_rules(struct parser *ps, const char *dir, char ***namesp,
		      size_t *np)
{
	char **names = NULL, *path;
	const char *sep;
	size_t n = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret;

	d = opendir(dir);
	if (!d)
		return read_error(ps, dir, -errno, 0);
	sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
	while ((errno = 0, de = readdir(d))) {
		if (!is_rules_name(de->d_name))
			continue;
		if (asprintf(&path, "%s%s%s", dir, sep, de->d_name) < 0)
			path = NULL;
		ret = add_name(&names, &n, path);
		if (ret)
			goto cleanup;
		if (stat(path, &st)) {
			ret = read_error(ps, path, -errno, 0);
			goto cleanup;
		}
		if (S_ISDIR(st.st_mode)) {
			free(names[--n]);
		} else if (!S_ISREG(st.st_mode)) {
			ret = read_error(ps, path, -EINVAL, st.st_mode);
			goto cleanup;
		}
	}
	ret = -errno;
	if (ret) {
		read_error(ps, dir, ret, 0);
		goto cleanup;
	}
	*namesp = names;
	*np = n;
	names = NULL;
cleanup:
	if (names)
		free_names(names, n);
	closedir(d);
	return ret;
}

/* Each candidate takes the place of dir's file of the same name, or comes
 * after them: the set the daemon will read once the candidates are
 * installed. A new file's final name is not known (Ansible validates a
 * temporary file), and last, a clash is reported against the candidate. */
/* A candidate takes the place of the file of its name in the directory:
 * its own base name, or `as` (config management validates a temporary
 * file whose name says nothing). */
static int add_candidates(char ***names, size_t *n, char *const paths[],
			  int npaths, const char *as)
{
	const char *name;
	char *copy;
	size_t i;
	int k, ret;

	for (k = 0; k < npaths; k++) {
		name = as ? as : base_name(paths[k]);
		for (i = 0; i < *n; i++)
			if (!strcmp(base_name((*names)[i]), name))
				break;
		if (i == *n) {
			ret = add_name(names, n, strdup(paths[k]));
			if (ret)
				return ret;
			continue;
		}
		copy = strdup(paths[k]);
		if (!copy)
			return -ENOMEM;
		free((*names)[i]);
		(*names)[i] = copy;
	}
	return 0;
}

static int load_dir(struct parser *ps, const char *dir, char *const paths[],
		    int npaths, const char *as)
{
	char **names = NULL;
	size_t n = 0, i;
	int ret;

	ret = list_rules(ps, dir, &names, &n);
	if (!ret)
		qsort(names, n, sizeof(*names), cmp_base);
	if (!ret)
		ret = add_candidates(&names, &n, paths, npaths, as);
	if (!ret && !n)
		diag_add(ps->d, true, dir, 0, "no *.rules file; the policy is empty and denies nothing");
	for (i = 0; i < n && !ret && !too_many_errors(ps); i++)
		ret = parse_file(ps, names[i]);
	free_names(names, n);
	return ret;
}

/* Duplicates are found with a table of 64-bit hashes, built again by each
 * call over every rule loaded so far: struct policy has no room to keep one,
 * and sorting a million rules costs more than hashing them. Rules go in in
 * load order, so the one a duplicate is reported against is the first.
 *
 * The hash is SipHash-1-3 under a key drawn once per process: ids and paths
 * come from the policy's author, and with an unkeyed hash (FNV-1a, before)
 * keys made to share a slot turned the linear probing quadratic; 262,144
 * such rules took a minute to check and to load. 1-3 rather than 2-4: the
 * rounds Rust's standard library settled on, at half the cost per rule. */
typedef int rule_key_fn(const struct rule *a, const struct rule *b);

struct seen {
	struct {
		__u32 tag;	/* the hash's high half; the low bits place it */
		__u32 rule;	/* index + 1; 0: free slot */
	} *slots;		/* 8 bytes: 32 MB for a million rules' two */
	size_t mask;
};

static __u64 hash_key[2];

static void hash_key_init(void)
{
	struct timespec ts;

	if (hash_key[0] | hash_key[1])
		return;
	if (getrandom(hash_key, sizeof(hash_key), GRND_NONBLOCK) ==
	    sizeof(hash_key) && (hash_key[0] | hash_key[1]))
		return;
	/* No entropy yet (early boot): still unknown to a policy's author. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	hash_key[0] = (__u64)ts.tv_nsec << 32 ^ (__u64)ts.tv_sec ^
		      (__u64)(uintptr_t)&ts;
	hash_key[1] = ((__u64)getpid() << 32 ^ (__u64)(uintptr_t)hash_key) | 1;
}

static __u64 rotl(__u64 x, int b)
{
	return x << b | x >> (64 - b);
}

static void sip_round(__u64 v[4])
{
	v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
	v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
}

static void sip_word(__u64 v[4], __u64 m)
{
	v[3] ^= m;
	sip_round(v);
	v[0] ^= m;
}

static __u64 siphash(const void *buf, size_t len)
{
	const unsigned char *c = buf;
	__u64 v[4] = {
		hash_key[0] ^ 0x736f6d6570736575ULL,
		hash_key[1] ^ 0x646f72616e646f6dULL,
		hash_key[0] ^ 0x6c7967656e657261ULL,
		hash_key[1] ^ 0x7465646279746573ULL,
	};
	__u64 m, last = (__u64)len << 56;
	size_t i;

	for (; len >= 8; len -= 8, c += 8) {
		memcpy(&m, c, 8);
		sip_word(v, le64toh(m));
	}
	for (i = 0; i < len; i++)
		last |= (__u64)c[i] << (8 * i);
	sip_word(v, last);
	v[2] ^= 0xff;
	for (i = 0; i < 3; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static int key_id(const struct rule *a, const struct rule *b)
{
	return strcmp(a->id, b->id);
}

static __u64 hash_id(const struct rule *r)
{
	return siphash(r->id, strlen(r->id));
}

static int key_match(const struct rule *a, const struct rule *b)
{
	if ((a->kind == MATCH_SHA256) != (b->kind == MATCH_SHA256) ||
	    (a->kind == MATCH_PACKAGE) != (b->kind == MATCH_PACKAGE))
		return 1;
	if (a->kind == MATCH_SHA256)
		return memcmp(a->sha256, b->sha256, ID_SHA256_LEN);
	return strcmp(a->path, b->path);
}

/* A SHA-256 is uniform already: its words, keyed and multiplied in, are
 * enough to spread the table (a tenth of SipHash's work, at a million
 * rules a fifth of a second). */
static __u64 hash_sha256(const __u8 *sha)
{
	__u64 h = hash_key[0], w;
	int i;

	for (i = 0; i < ID_SHA256_LEN; i += 8) {
		memcpy(&w, sha + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return (h ^ hash_key[1]) * 0xbf58476d1ce4e5b9ULL ^ h >> 32;
}

static __u64 hash_match(const struct rule *r)
{
	if (r->kind == MATCH_SHA256)
		return hash_sha256(r->sha256);
	return siphash(r->path, strlen(r->path));
}

static int seen_init(struct seen *t, size_t n)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	t->slots = calloc(size, sizeof(*t->slots));
	t->mask = size - 1;
	return t->slots ? 0 : -ENOMEM;
}

/* Adds rule i, or returns the earlier rule it duplicates. */
static const struct rule *seen_add(struct seen *t, const struct rule *rules,
				   size_t i, __u64 hash, rule_key_fn *key)
{
	const struct rule *first;
	size_t k;

	for (k = hash & t->mask; t->slots[k].rule; k = (k + 1) & t->mask) {
		first = &rules[t->slots[k].rule - 1];
		if (t->slots[k].tag == (__u32)(hash >> 32) &&
		    !key(first, &rules[i]))
			return first;
	}
	t->slots[k].tag = hash >> 32;
	t->slots[k].rule = i + 1;
	return NULL;
}

static int check_dups(struct parser *ps)
{
	char name[ID_NAME_ESC_MAX];
	const struct policy *p = ps->p;
	struct seen ids = { 0 }, matches = { 0 };
	const struct rule *r, *f;
	size_t i;
	int ret;

	if (ps->start == p->nrules)
		return 0;
	hash_key_init();
	ret = seen_init(&ids, p->nrules);
	if (!ret)
		ret = seen_init(&matches, p->nrules);
	/* Pairs within earlier calls were reported by those calls. */
	for (i = 0; !ret && i < p->nrules && !too_many_errors(ps); i++) {
		r = &p->rules[i];
		f = seen_add(&ids, p->rules, i, hash_id(r), key_id);
		if (f && i >= ps->start)
			report(ps, r->file, r->line,
			       "duplicate id '%s' (first at %s:%u); expected ids unique across all policy files",
			       r->id, name_escape(f->file, name, sizeof(name)),
			       f->line);
		f = seen_add(&matches, p->rules, i, hash_match(r), key_match);
		if (f && i >= ps->start && r->kind == MATCH_SHA256)
			report(ps, r->file, r->line,
			       "duplicate sha256 (first at %s:%u, id '%s'); expected each hash in one rule",
			       name_escape(f->file, name, sizeof(name)),
			       f->line, f->id);
		else if (f && i >= ps->start && r->kind == MATCH_PACKAGE)
			report(ps, r->file, r->line,
			       "duplicate package=%s (first at %s:%u, id '%s'); expected each package pattern in one rule",
			       r->path, name_escape(f->file, name, sizeof(name)),
			       f->line, f->id);
		else if (f && i >= ps->start)
			report(ps, r->file, r->line,
			       "duplicate path '%s' (first at %s:%u, id '%s'); expected each path in one rule",
			       r->path, name_escape(f->file, name, sizeof(name)),
			       f->line, f->id);
	}
	free(ids.slots);
	free(matches.slots);
	return ret;
}

static struct parser parser_init(struct policy *p, struct diags *d)
{
	return (struct parser){ .p = p, .d = d, .start = p->nrules };
}

static int parser_done(struct parser *ps, int ret)
{
	if (!ret && !too_many_errors(ps))
		ret = check_dups(ps);
	if (ret)
		return ret;
	return ps->nerr ? -EINVAL : 0;
}

int policy_parse_file(struct policy *p, const char *path, FILE *err)
{
	struct diags d = { .f = err };
	struct parser ps = parser_init(p, &d);

	return parser_done(&ps, parse_file(&ps, path));
}

int policy_parse_buf(struct policy *p, const char *name, const char *buf,
		     size_t len, FILE *err)
{
	struct diags d = { .f = err };
	struct parser ps = parser_init(p, &d);

	return parser_done(&ps, parse_buf(&ps, name, buf, len));
}

int policy_load_set(struct policy *p, const char *dir, char *const paths[],
		    int n, const char *as, struct diags *d)
{
	struct parser ps = parser_init(p, d);
	struct stat st;
	int i, ret = 0;

	if (dir)
		ret = load_dir(&ps, dir, paths, n, as);
	for (i = 0; !dir && i < n && !ret && !too_many_errors(&ps); i++) {
		if (stat(paths[i], &st))
			ret = read_error(&ps, paths[i], -errno, 0);
		else if (S_ISDIR(st.st_mode))
			ret = load_dir(&ps, paths[i], NULL, 0, NULL);
		else
			ret = parse_file(&ps, paths[i]);
	}
	ret = parser_done(&ps, ret);
	/* Every consumer of a policy directory sees package= resolved. */
	return ret ? ret : dpkg_resolve(p, d);
}

int policy_load_dir(struct policy *p, const char *dir, FILE *err)
{
	struct diags d = { .f = err };

	return policy_load_set(p, dir, NULL, 0, NULL, &d);
}

int policy_load_paths(struct policy *p, char *const paths[], int n, FILE *err)
{
	struct diags d = { .f = err };

	return policy_load_set(p, NULL, paths, n, NULL, &d);
}

/* Over each file's name (with its NUL) and its content's hash, in the
 * order read: two loads agree exactly when they read the same files. The
 * input is a few bytes per file, so it is laid out and hashed at once.
 * Rules made from package= rules follow (each one's match), so that the
 * same files resolved against another dpkg database differ too. */
int policy_digest(const struct policy *p, __u8 out[ID_SHA256_LEN])
{
	size_t len = 0, off = 0, n, i, first = p->pkgs ? p->pkgs->first : p->nrules;
	char *buf;
	int err;

	for (i = 0; i < p->nfiles; i++)
		len += strlen(p->files[i]) + 1 + ID_SHA256_LEN;
	for (i = first; i < p->nrules; i++)
		len += 1 + ID_PATH_KEY_MAX;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < p->nfiles; i++) {
		n = strlen(p->files[i]) + 1;
		memcpy(buf + off, p->files[i], n);
		memcpy(buf + off + n, p->file_hash[i], ID_SHA256_LEN);
		off += n + ID_SHA256_LEN;
	}
	for (i = first; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		buf[off++] = r->kind;
		if (r->kind == MATCH_SHA256) {
			memcpy(buf + off, r->sha256, ID_SHA256_LEN);
			off += ID_SHA256_LEN;
		} else {
			n = strlen(r->path) + 1;
			memcpy(buf + off, r->path, n);
			off += n;
		}
	}
	len = off;
	err = digest_buf(buf, len, out);
	free(buf);
	return err;
}

void policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->file_hash);
	free(p->finfo);
	free(p->rules);
	dpkg_free(p->pkgs);
	while (p->strings) {
		struct str_chunk *next = p->strings->next;

		munmap(p->strings, sizeof(*p->strings) + p->strings->cap);
		p->strings = next;
	}
	memset(p, 0, sizeof(*p));
}

__u32 rule_prio(const struct rule *r)
{
	size_t len = 0;
	__u32 rank;

	if (r->kind != MATCH_SHA256)
		len = strnlen(r->path, ID_PATH_KEY_MAX);
	if (len > 0xffff)
		len = 0xffff;
	if (r->action == ID_ACT_ALLOW)
		rank = 3;
	else
		rank = r->flags & ID_RULE_AUDIT ? 1 : 2;
	return (__u32)r->kind << 24 | (__u32)len << 8 | rank;
}

const char *hooks_str(__u8 hooks, char *buf, size_t len)
{
	size_t off = 0, i;
	int n;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < sizeof(hook_names) / sizeof(hook_names[0]); i++) {
		if (!(hooks & hook_names[i].bit))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? "," : "",
			     hook_names[i].name);
		if (n < 0 || (size_t)n >= len - off) {
			buf[off] = '\0';	/* no half names */
			break;
		}
		off += n;
	}
	return buf;
}
