// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the JSON writer (userspace/json.c) and the event encoder
 * (userspace/event.c): every line is read back by a strict JSON reader, and
 * hostile names must come out valid and, where they are valid UTF-8, whole.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interdict.h"

/* The harness's test wrapper sets a local after setjmp(); gcc -O2 -Wextra
 * warns about it once a test body is inlined into that wrapper. */
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#define FFFD "\xef\xbf\xbd"	/* U+FFFD REPLACEMENT CHARACTER in UTF-8 */
#define NSEC 1000000000ULL

/*
 * A strict RFC 8259 reader, written apart from json.c so that its mistakes
 * are not mirrored here: UTF-8 by the table of well-formed sequences
 * (Unicode, table 3-7), no raw control characters, only the RFC's escapes,
 * surrogates only in pairs, no key twice in one object. While it reads, it
 * finds the member at a dotted path such as "file.hash.sha256".
 */
struct span {
	const char *p;
	size_t len;
};

struct reader {
	const unsigned char *p, *end;
	struct span found;
	int hits, depth;
};

/* First byte range, second byte range and length of each well-formed
 * UTF-8 sequence; the bytes after the second are all 80..BF. */
static const struct {
	unsigned char lo, hi, lo2, hi2, len;
} utf8_forms[] = {
	{ 0x00, 0x7f, 0x00, 0x00, 1 },
	{ 0xc2, 0xdf, 0x80, 0xbf, 2 },
	{ 0xe0, 0xe0, 0xa0, 0xbf, 3 },
	{ 0xe1, 0xec, 0x80, 0xbf, 3 },
	{ 0xed, 0xed, 0x80, 0x9f, 3 },
	{ 0xee, 0xef, 0x80, 0xbf, 3 },
	{ 0xf0, 0xf0, 0x90, 0xbf, 4 },
	{ 0xf1, 0xf3, 0x80, 0xbf, 4 },
	{ 0xf4, 0xf4, 0x80, 0x8f, 4 },
};

static size_t utf8_form(const unsigned char *s, size_t n)
{
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(utf8_forms); i++) {
		if (s[0] < utf8_forms[i].lo || s[0] > utf8_forms[i].hi)
			continue;
		if (n < utf8_forms[i].len)
			return 0;
		for (k = 1; k < utf8_forms[i].len; k++)
			if (s[k] < (k == 1 ? utf8_forms[i].lo2 : 0x80) ||
			    s[k] > (k == 1 ? utf8_forms[i].hi2 : 0xbf))
				return 0;
		return utf8_forms[i].len;
	}
	return 0;
}

static size_t put_utf8(char *out, unsigned int cp)
{
	unsigned char b[4];
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4, i;

	for (i = n - 1; i > 0; i--, cp >>= 6)
		b[i] = 0x80 | (cp & 0x3f);
	b[0] = n == 1 ? cp : (0xf00 >> n & 0xff) | cp;
	if (out)
		memcpy(out, b, n);
	return n;
}

static int peek(const struct reader *r)
{
	return r->p < r->end ? *r->p : -1;
}

static void skip_ws(struct reader *r)
{
	while (peek(r) == ' ' || peek(r) == '\t' || peek(r) == '\n' ||
	       peek(r) == '\r')
		r->p++;
}

static bool hex4(struct reader *r, unsigned int *v)
{
	int i, c;

	for (*v = 0, i = 0; i < 4; i++, r->p++) {
		c = peek(r) | 0x20;
		if (c >= '0' && c <= '9')
			*v = *v << 4 | (c - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v << 4 | (c - 'a' + 10);
		else
			return false;
	}
	return true;
}

/* One escape, at the backslash; its code point in *cp. */
static bool escape(struct reader *r, unsigned int *cp)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	unsigned int lo;

	r->p++;
	if (peek(r) != 'u') {
		e = peek(r) > 0 ? strchr(from, peek(r)) : NULL;
		if (!e)
			return false;
		*cp = (unsigned char)to[e - from];
		r->p++;
		return true;
	}
	r->p++;
	if (!hex4(r, cp) || (*cp >= 0xdc00 && *cp <= 0xdfff))
		return false;
	if (*cp < 0xd800 || *cp > 0xdbff)
		return true;
	if (peek(r) != '\\' || r->p + 1 >= r->end || r->p[1] != 'u')
		return false;
	r->p += 2;
	if (!hex4(r, &lo) || lo < 0xdc00 || lo > 0xdfff)
		return false;
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return true;
}

/* A string, decoded into out (NULL: only read); its decoded length or -1. */
static long string(struct reader *r, char *out)
{
	unsigned int cp;
	long n = 0;
	size_t len;

	if (peek(r) != '"')
		return -1;
	for (r->p++; peek(r) != '"'; ) {
		if (peek(r) < 0x20)
			return -1;
		if (peek(r) == '\\') {
			if (!escape(r, &cp))
				return -1;
			n += put_utf8(out ? out + n : NULL, cp);
			continue;
		}
		len = utf8_form(r->p, r->end - r->p);
		if (!len)
			return -1;
		if (out)
			memcpy(out + n, r->p, len);
		n += len;
		r->p += len;
	}
	r->p++;
	return n;
}

static bool digits(struct reader *r)
{
	const unsigned char *start = r->p;

	while (peek(r) >= '0' && peek(r) <= '9')
		r->p++;
	return r->p > start;
}

static bool number(struct reader *r)
{
	if (peek(r) == '-')
		r->p++;
	if (peek(r) == '0')
		r->p++;
	else if (peek(r) < '1' || peek(r) > '9' || !digits(r))
		return false;
	if (peek(r) == '.') {
		r->p++;
		if (!digits(r))
			return false;
	}
	if ((peek(r) | 0x20) == 'e') {
		r->p++;
		if (peek(r) == '+' || peek(r) == '-')
			r->p++;
		if (!digits(r))
			return false;
	}
	return true;
}

static bool word(struct reader *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n))
		return false;
	r->p += n;
	return true;
}

static bool value(struct reader *r, const char *path);

/* An object or array, at its opening bracket. Members whose key is the
 * first component of path are looked into with the rest of it. */
static bool container(struct reader *r, const char *path)
{
	bool object = peek(r) == '{';
	const char *rest = path ? strchr(path, '.') : NULL;
	size_t clen = rest ? (size_t)(rest - path) : path ? strlen(path) : 0;
	struct span keys[64];
	size_t n = 0, i;

	if (++r->depth > 32)
		return false;
	r->p++;
	skip_ws(r);
	if (peek(r) == (object ? '}' : ']')) {
		r->p++;
		r->depth--;
		return true;
	}
	for (;;) {
		const char *sub = NULL;

		skip_ws(r);
		if (object) {
			if (n == ARRAY_SIZE(keys))
				return false;
			keys[n].p = (const char *)r->p;
			if (string(r, NULL) < 0)
				return false;
			keys[n].len = (const char *)r->p - keys[n].p;
			for (i = 0; i < n; i++)
				if (keys[i].len == keys[n].len &&
				    !memcmp(keys[i].p, keys[n].p, keys[n].len))
					return false;
			if (path && keys[n].len == clen + 2 &&
			    !memcmp(keys[n].p + 1, path, clen))
				sub = rest ? rest + 1 : "";
			n++;
			skip_ws(r);
			if (peek(r) != ':')
				return false;
			r->p++;
		}
		if (!value(r, sub))
			return false;
		skip_ws(r);
		if (peek(r) == (object ? '}' : ']'))
			break;
		if (peek(r) != ',')
			return false;
		r->p++;
	}
	r->p++;
	r->depth--;
	return true;
}

/* A value; path "" asks for this one, a longer path for a member of it. */
static bool value(struct reader *r, const char *path)
{
	const unsigned char *start;
	bool ok;

	skip_ws(r);
	start = r->p;
	switch (peek(r)) {
	case '{':
		ok = container(r, path && *path ? path : NULL);
		break;
	case '[':
		ok = container(r, NULL);
		break;
	case '"':
		ok = string(r, NULL) >= 0;
		break;
	case 't':
		ok = word(r, "true");
		break;
	case 'f':
		ok = word(r, "false");
		break;
	case 'n':
		ok = word(r, "null");
		break;
	default:
		ok = number(r);
	}
	if (ok && path && !*path) {
		r->found.p = (const char *)start;
		r->found.len = r->p - start;
		r->hits++;
	}
	return ok;
}

/* A JSON text that must be one object. -1 if it is not valid, else how
 * many members path names (0 or 1; path NULL: 0), the last one in *out. */
static int json_lookup(const char *text, size_t len, const char *path,
		       struct span *out)
{
	struct reader r = {
		.p = (const unsigned char *)text,
		.end = (const unsigned char *)text + len,
	};

	skip_ws(&r);
	if (peek(&r) != '{' || !value(&r, path ? path : NULL))
		return -1;
	skip_ws(&r);
	if (r.p != r.end)
		return -1;
	if (out)
		*out = r.found;
	return r.hits;
}

static long json_decode(const struct span *s, char *out)
{
	struct reader r = {
		.p = (const unsigned char *)s->p,
		.end = (const unsigned char *)s->p + s->len,
	};

	return string(&r, out);
}

/* The reader itself: what it must refuse, what it must accept. */
TEST(reader_refuses)
{
	static const char bad[][88] = {
		"", "[]", "{", "{}x", "{} {}", "{,}", "{\"a\":1,}",
		"{\"a\"}", "{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":1 \"b\":2}",
		"{\"a\":1,\"a\":2}", "{\"a\":[1,]}", "{\"a\":[1 2]}",
		"{\"a\":01}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":.5}",
		"{\"a\":1e}", "{\"a\":+1}", "{\"a\":0x1}", "{\"a\":tru}",
		"{\"a\":True}", "{\"a\":nul}", "{\"a\":\"x}", "{\"a\":\"\n\"}",
		"{\"a\":\"\t\"}", "{\"a\":\"\x01\"}", "{\"a\":\"\\x\"}",
		"{\"a\":\"\\u12\"}", "{\"a\":\"\\u12g4\"}",
		"{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\\ud800x\"}",
		"{\"a\":\"\x80\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xc3\"}",
		"{\"a\":\"\xe0\x9f\xbf\"}", "{\"a\":\"\xed\xa0\x80\"}",
		"{\"a\":\"\xf0\x8f\xbf\xbf\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
		"{\"a\":\"\xf5\x80\x80\x80\"}", "{\"a\":\"\xff\"}",
		"{\"a\x80\":1}", "{\"a\":1}\n{\"a\":1}",
		"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-1, json_lookup(bad[i], strlen(bad[i]), NULL, NULL))
			TH_LOG("accepted: %s", bad[i]);
	EXPECT_EQ(-1, json_lookup("{\"a\":\"\0\"}", 9, NULL, NULL));
}

TEST(reader_accepts)
{
	static const struct {
		const char *text, *path, *want;
	} good[] = {
		{ " {} \n", NULL, NULL },
		{ "{\"a\":{\"b\":[1,-0.5e+3,true,false,null,{}],\"c\":\"d\"}}",
		  "a.c", "d" },
		{ "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "a",
		  "\"\\/\b\f\n\r\t" },
		{ "{\"a\":\"\\u0001\\u00e9\\u65E5\\ud83d\\ude00\\uffff\"}", "a",
		  "\x01\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xef\xbf\xbf" },
		{ "{\"a\":\"\xc2\x80\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\x7f\"}",
		  "a", "\xc2\x80\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf\x7f" },
		{ "{\"a.b\":\"no\",\"a\":{\"b\":\"yes\"}}", "a.b", "yes" },
		{ "{\"a\":{\"a\":1},\"b\":{\"a\":2}}", "a.b", NULL },
		{ "{\"a\":\"x\"}", "a.b", NULL },
	};
	char out[64];
	struct span s;
	size_t i;
	long n;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ASSERT_EQ(good[i].want ? 1 : 0,
			  json_lookup(good[i].text, strlen(good[i].text),
				      good[i].path, &s))
			TH_LOG("refused or misread: %s", good[i].text);
		if (!good[i].want)
			continue;
		n = json_decode(&s, out);
		ASSERT_EQ((long)strlen(good[i].want), n);
		EXPECT_EQ(0, memcmp(good[i].want, out, n))
			TH_LOG("%s: decoded wrong", good[i].text);
	}
}

/* The line last written, and the member last looked up in it. */
struct line {
	char *text;
	size_t len;
	char val[8 * ID_PATH_MAX];	/* room for 4096 escaped bytes */
	size_t vlen;
};

/* What one writer call put in l: one line, one strict JSON object. */
static void line_check(struct __test_metadata *_metadata, struct line *l)
{
	ASSERT_LT(0U, l->len);
	ASSERT_EQ('\n', l->text[l->len - 1]);
	ASSERT_EQ(l->len, strlen(l->text)) TH_LOG("NUL byte in: %s", l->text);
	ASSERT_EQ(NULL, memchr(l->text, '\n', l->len - 1))
		TH_LOG("more than one line: %s", l->text);
	ASSERT_EQ(0, json_lookup(l->text, l->len - 1, NULL, NULL))
		TH_LOG("not strict JSON: %s", l->text);
}

static FILE *line_open(struct __test_metadata *_metadata, struct line *l)
{
	FILE *f;

	free(l->text);
	l->text = NULL;
	f = open_memstream(&l->text, &l->len);
	ASSERT_NE(NULL, f);
	return f;
}

static void line_close(struct __test_metadata *_metadata, struct line *l,
		       FILE *f)
{
	ASSERT_EQ(0, fclose(f));
	line_check(_metadata, l);
}

/* The member at path: decoded if a string is wanted, else its JSON text. */
static const char *member(struct __test_metadata *_metadata, struct line *l,
			  const char *path, bool str)
{
	struct span s;
	long n;

	ASSERT_EQ(1, json_lookup(l->text, l->len - 1, path, &s))
		TH_LOG("no member %s in: %s", path, l->text);
	if (str) {
		ASSERT_EQ('"', s.p[0]) TH_LOG("%s is %.*s", path,
					      (int)s.len, s.p);
		n = json_decode(&s, l->val);
		ASSERT_LE(0, n);
		l->vlen = n;
	} else {
		ASSERT_GT(sizeof(l->val), s.len);
		memcpy(l->val, s.p, s.len);
		l->vlen = s.len;
	}
	l->val[l->vlen] = '\0';
	return l->val;
}

static int absent(struct line *l, const char *path)
{
	return json_lookup(l->text, l->len - 1, path, NULL);
}

TEST(writer)
{
	struct line l = { 0 };
	struct json j;
	FILE *f;

	f = line_open(_metadata, &l);
	json_begin(&j, f);
	json_str(&j, "s", "v");
	json_uint(&j, "u", UINT64_MAX);
	json_int(&j, "i", INT64_MIN);
	json_int(&j, "z", 0);
	json_bool(&j, "t", true);
	json_bool(&j, "f", false);
	json_obj_open(&j, "o");
	json_obj_open(&j, "empty");
	json_obj_close(&j);
	json_strn(&j, "n", "ab\0c", 4);
	json_str(&j, "k\"\\\n\xff", "");
	json_obj_close(&j);
	json_str(&j, "last", "x");
	json_end(&j);
	line_close(_metadata, &l, f);
	EXPECT_STREQ("{\"s\":\"v\",\"u\":18446744073709551615,"
		     "\"i\":-9223372036854775808,\"z\":0,\"t\":true,"
		     "\"f\":false,\"o\":{\"empty\":{},\"n\":\"ab\\u0000c\","
		     "\"k\\\"\\\\\\n\\ufffd\":\"\"},\"last\":\"x\"}\n", l.text);
	free(l.text);
}

TEST(writer_nesting)
{
	char path[64] = "";
	struct line l = { 0 };
	struct json j;
	FILE *f;
	int i;

	/* As deep as struct json keeps state for, with members on both
	 * sides of every nested object. */
	f = line_open(_metadata, &l);
	json_begin(&j, f);
	for (i = 1; i < (int)ARRAY_SIZE(j.first); i++) {
		json_uint(&j, "before", i);
		json_obj_open(&j, "o");
		strcat(path, "o.");
	}
	json_str(&j, "deepest", "here");
	for (i = 1; i < (int)ARRAY_SIZE(j.first); i++) {
		json_obj_close(&j);
		json_uint(&j, "after", i);
	}
	json_end(&j);
	line_close(_metadata, &l, f);
	strcat(path, "deepest");
	EXPECT_STREQ("here", member(_metadata, &l, path, true));
	EXPECT_STREQ("15", member(_metadata, &l, "after", false));
	free(l.text);
}

/* An event as the kernel fills it, on the heap and exactly its size, so
 * that valgrind sees any read past the path. */
static size_t ev_size;	/* the bytes of the record WRITE() hands over */

static struct id_event *event_new(void)
{
	struct id_event *ev = calloc(1, sizeof(*ev) + ID_EVENT_DATA_MAX);

	if (!ev)
		return NULL;
	ev->boot_ns = 5 * NSEC;
	ev->gen = 7;
	ev->ino = 1234;
	ev->dev = 2049;
	ev->pid = 4242;
	ev->tid = 4243;
	ev->ppid = 4241;
	ev->uid = 1001;
	ev->gid = 1002;
	ev->hook = ID_HOOK_EXEC;
	ev->decision = ID_DECISION_DENY;
	ev->enforce = 1;
	strcpy(ev->comm, "x");
	strcpy(ev->data, "/usr/bin/x");
	ev->len[ID_STR_PATH] = strlen(ev->data);
	ev_size = sizeof(*ev) + ev->len[ID_STR_PATH];
	return ev;
}

static void set_path(struct id_event *ev, const char *path, size_t len)
{
	memcpy(ev->data, path, len);
	memset(ev->len, 0, sizeof(ev->len));
	ev->len[ID_STR_PATH] = len;
	ev_size = sizeof(*ev) + len;
}

#define EVENT_FIXTURE(name) \
	FIXTURE(name) { \
		struct id_event *ev; \
		struct event_ctx ctx; \
		struct policy p; \
		struct line l; \
	}; \
	FIXTURE_SETUP(name) \
	{ \
		self->ev = event_new(); \
		ASSERT_NE(NULL, self->ev); \
		self->ctx.hostname = "host.test"; \
	} \
	FIXTURE_TEARDOWN(name) \
	{ \
		free(self->ev); \
		free(self->l.text); \
		policy_free(&self->p); \
	}

/* Writes self->ev as one checked line. */
#define WRITE() do { \
		FILE *f_ = line_open(_metadata, &self->l); \
		event_write_json(f_, self->ev, ev_size, &self->ctx); \
		line_close(_metadata, &self->l, f_); \
	} while (0)

#define STR(path) member(_metadata, &self->l, path, true)
#define RAW(path) member(_metadata, &self->l, path, false)

/* A string member that is there with value want, or absent if want is NULL. */
#define EXPECT_OPTIONAL(want, path) do { \
		if (want) { \
			EXPECT_STREQ(want, STR(path)); \
		} else { \
			EXPECT_EQ(0, absent(&self->l, path)); \
		} \
	} while (0)

/* Hostile file names: each comes out valid; valid UTF-8 comes out whole,
 * each byte that is not part of a well-formed sequence as U+FFFD. */
EVENT_FIXTURE(name);

FIXTURE_VARIANT(name) {
	const char *in, *want, *json;
	size_t in_len, want_len;
};

#define NAME(id, bytes, decoded, encoded) \
	FIXTURE_VARIANT_ADD(name, id) { \
		.in = bytes, .in_len = sizeof(bytes) - 1, \
		.want = decoded, .want_len = sizeof(decoded) - 1, \
		.json = "\"" encoded "\"", \
	}
#define SAME(id, bytes, encoded) NAME(id, bytes, bytes, encoded)

SAME(plain, "run.sh", "run.sh");
SAME(newline, "a\nb", "a\\nb");
SAME(carriage_return, "a\rb", "a\\rb");
SAME(tab, "a\tb", "a\\tb");
SAME(quote, "a\"b", "a\\\"b");
SAME(backslash, "a\\b", "a\\\\b");
SAME(fake_escape, "\\u0041\\n", "\\\\u0041\\\\n");
SAME(ctrl_01, "a\x01", "a\\u0001");
SAME(ctrl_1f, "a\x1f", "a\\u001f");
SAME(del_7f, "a\x7f", "a\\u007f");
SAME(backspace_formfeed, "\b\f", "\\u0008\\u000c");
SAME(nul, "a\0b", "a\\u0000b");
SAME(json_line, "x\"}\n{\"y\":\"", "x\\\"}\\n{\\\"y\\\":\\\"");
NAME(lone_continuation, "a\x80" "b", "a" FFFD "b", "a\\ufffdb");
NAME(byte_ff, "\xff", FFFD, "\\ufffd");
NAME(byte_fe, "\xfe\xfe", FFFD FFFD, "\\ufffd\\ufffd");
NAME(truncated_3_at_end, "a\xe6\x97", "a" FFFD FFFD, "a\\ufffd\\ufffd");
NAME(truncated_3_mid, "\xe6\x97" "a", FFFD FFFD "a", "\\ufffd\\ufffda");
NAME(truncated_2, "\xc3", FFFD, "\\ufffd");
NAME(truncated_4, "\xf0\x9f\x98" ".", FFFD FFFD FFFD ".",
     "\\ufffd\\ufffd\\ufffd.");
NAME(overlong_c0_af, "\xc0\xaf", FFFD FFFD, "\\ufffd\\ufffd");
NAME(overlong_3, "\xe0\x80\xaf", FFFD FFFD FFFD, "\\ufffd\\ufffd\\ufffd");
NAME(overlong_4, "\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD,
     "\\ufffd\\ufffd\\ufffd\\ufffd");
NAME(surrogate, "\xed\xa0\x80", FFFD FFFD FFFD, "\\ufffd\\ufffd\\ufffd");
NAME(above_10ffff, "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD,
     "\\ufffd\\ufffd\\ufffd\\ufffd");
NAME(lead_f5, "\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD,
     "\\ufffd\\ufffd\\ufffd\\ufffd");
NAME(ascii_after_lead, "\xc3(", FFFD "(", "\\ufffd(");
SAME(e_acute, "caf\xc3\xa9", "caf\xc3\xa9");
SAME(japanese, "\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac");
SAME(emoji, "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
SAME(edges, "\xc2\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf",
     "\xc2\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf");

TEST_F(name, comes_out_valid)
{
	char path[64] = "/d/";

	/* Continuation bytes past path_len: a sequence cut by the length
	 * must not be completed from them. */
	memset(self->ev->data, 0x80, ID_PATH_MAX);
	memcpy(path + 3, variant->in, variant->in_len);
	set_path(self->ev, path, 3 + variant->in_len);
	WRITE();
	EXPECT_STREQ(variant->json, RAW("file.name"));
	STR("file.name");
	ASSERT_EQ(variant->want_len, self->l.vlen);
	EXPECT_EQ(0, memcmp(variant->want, self->l.val, variant->want_len));
	STR("file.path");
	ASSERT_EQ(3 + variant->want_len, self->l.vlen);
	EXPECT_EQ(0, memcmp("/d/", self->l.val, 3));
	EXPECT_EQ(0, memcmp(variant->want, self->l.val + 3,
			    variant->want_len));
}

EVENT_FIXTURE(event);

TEST_F(event, longest_path)
{
	static const char fills[] = { 'a', '\n', '\x01', '"', '\xff' };
	char want[ID_PATH_MAX];
	size_t i;

	/* ID_PATH_MAX - 1 bytes, the most bpf_d_path() reports, written
	 * whole even when every byte is escaped. */
	for (i = 0; i < sizeof(fills); i++) {
		memset(want, fills[i], ID_PATH_MAX - 1);
		want[0] = '/';
		want[ID_PATH_MAX - 3] = '/';
		set_path(self->ev, want, ID_PATH_MAX - 1);
		WRITE();
		if (fills[i] == '\xff')
			continue;
		STR("file.path");
		ASSERT_EQ(ID_PATH_MAX - 1U, self->l.vlen);
		EXPECT_EQ(0, memcmp(want, self->l.val, ID_PATH_MAX - 1));
		STR("file.name");
		ASSERT_EQ(1U, self->l.vlen);
		EXPECT_EQ(fills[i], self->l.val[0]);
	}
	STR("file.path");
	EXPECT_EQ(2 + (ID_PATH_MAX - 3U) * strlen(FFFD), self->l.vlen);
}

TEST_F(event, path_len_clamped)
{
	static const __u16 lens[] = { ID_PATH_MAX + 1, 0x8000, 0xffff };
	size_t i;

	/* A length past the record's end: the string is dropped, nothing
	 * is read past the record. */
	memset(self->ev->data, 'p', ID_PATH_MAX);
	ev_size = sizeof(*self->ev) + ID_PATH_MAX;
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		self->ev->len[ID_STR_PATH] = lens[i];
		WRITE();
		EXPECT_STREQ("", STR("file.path"));
	}
	self->ev->len[ID_STR_PATH] = ID_PATH_MAX;
	WRITE();
	STR("file.path");
	EXPECT_EQ(ID_PATH_MAX + 0U, self->l.vlen);
}

TEST_F(event, file_name)
{
	static const struct {
		const char *path, *name;
	} cases[] = {
		{ "/usr/bin/x", "x" },
		{ "/x", "x" },
		{ "/", "" },
		{ "/opt/dir/", "" },
		{ "no-slash", "no-slash" },
		{ "", "" },
		{ "/a/b\\/c", "c" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		/* What lies past path_len is not the name. */
		memset(self->ev->data, '/', ID_PATH_MAX);
		set_path(self->ev, cases[i].path, strlen(cases[i].path));
		WRITE();
		EXPECT_STREQ(cases[i].path, STR("file.path"));
		EXPECT_STREQ(cases[i].name, STR("file.name"));
	}
}

TEST_F(event, comm)
{
	static const struct {
		char comm[ID_COMM_LEN];
		const char *want;
	} cases[] = {
		{ "0123456789abcdef", "0123456789abcdef" },
		{ "a\"b\\c\nd\te\x01\xff", "a\"b\\c\nd\te\x01" FFFD },
		{ "ab\0cd", "ab" },
		{ "", "" },
		{ "\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5\xe6",
		  "\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5" FFFD },
	};
	size_t i;

	/* The path follows comm in the record: an over-read would show. */
	strcpy(self->ev->data, "XYZ");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memcpy(self->ev->comm, cases[i].comm, ID_COMM_LEN);
		WRITE();
		EXPECT_STREQ(cases[i].want, STR("process.name"));
	}
}

TEST_F(event, timestamp)
{
	static const struct {
		__u64 boot_ns, offset_ns;
		const char *want;
	} cases[] = {
		{ 0, 0, "1970-01-01T00:00:00.000000Z" },
		{ 123456789012ULL, 1700000000 * NSEC,
		  "2023-11-14T22:15:23.456789Z" },
		{ NSEC - 1, 1709251199 * NSEC, "2024-02-29T23:59:59.999999Z" },
		{ NSEC / 2 * 3, NSEC / 2, "1970-01-01T00:00:02.000000Z" },
		{ 1000, 2147483648ULL * NSEC - 1000,
		  "2038-01-19T03:14:08.000000Z" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		self->ev->boot_ns = cases[i].boot_ns;
		self->ctx.realtime_offset_ns = cases[i].offset_ns;
		WRITE();
		EXPECT_STREQ(cases[i].want, STR("@timestamp"));
	}
}

/* The date is formatted once per second: lines in the same second, in the
 * next one and back again each carry their own time. */
TEST_F(event, timestamp_same_second)
{
	static const struct {
		__u64 boot_ns;
		const char *want;
	} cases[] = {
		{ 5 * NSEC + 1000, "2023-11-14T22:13:25.000001Z" },
		{ 5 * NSEC + 999999000, "2023-11-14T22:13:25.999999Z" },
		{ 6 * NSEC, "2023-11-14T22:13:26.000000Z" },
		{ 5 * NSEC + 42000, "2023-11-14T22:13:25.000042Z" },
		{ 5 * NSEC + 86400 * NSEC, "2023-11-15T22:13:25.000000Z" },
	};
	size_t i;

	self->ctx.realtime_offset_ns = 1700000000 * NSEC;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		self->ev->boot_ns = cases[i].boot_ns;
		WRITE();
		EXPECT_STREQ(cases[i].want, STR("@timestamp"));
	}
}

/* The daemon encodes a batch into one buffer: each record is appended as
 * its own line, the same bytes event_write_json() writes. */
TEST_F(event, append_batch)
{
	static const char *const paths[] = {
		"/usr/bin/x", "/tmp/a \"b\"\n", "/\xff\xc3(/\x7f", "",
	};
	struct jbuf b = { 0 };
	size_t i, at = 0;

	ASSERT_EQ(0, jbuf_reserve(&b, 3));
	memcpy(b.p, "ab\n", 3);	/* what the batch already held */
	b.len = 3;
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		set_path(self->ev, paths[i], strlen(paths[i]));
		ASSERT_EQ(0, event_append_json(&b, self->ev, ev_size,
					       &self->ctx));
	}
	ASSERT_EQ(0, memcmp(b.p, "ab\n", 3));
	at = 3;
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		set_path(self->ev, paths[i], strlen(paths[i]));
		WRITE();
		ASSERT_GE(b.len - at, self->l.len);
		EXPECT_EQ(0, memcmp(b.p + at, self->l.text, self->l.len))
			TH_LOG("line %zu differs: %s", i, self->l.text);
		at += self->l.len;
	}
	EXPECT_EQ(at, b.len);
	jbuf_free(&b);
}

/* A FILE and a buffer get the same bytes, whatever the string holds
 * (escapes, broken and whole UTF-8 on both sides of the FILE writer's
 * 256-byte pieces). */
TEST(writer_buffer_and_file)
{
	static const unsigned char pick[] = {
		0, 1, '"', '\\', '\n', '\t', 0x7f, 0xc3, 0xa9, 0xe2, 0x82,
		0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 'a', '/',
	};
	char s[1200];
	struct line l = { 0 };
	struct jbuf b = { 0 };
	struct json j;
	unsigned int seed = 1;
	size_t n, i;
	int t;
	FILE *f;

	for (t = 0; t < 500; t++) {
		n = rand_r(&seed) % sizeof(s);
		for (i = 0; i < n; i++)
			s[i] = rand_r(&seed) % 3 ? (char)pick[rand_r(&seed) %
						ARRAY_SIZE(pick)] : 'a' + t % 26;
		f = line_open(_metadata, &l);
		json_begin(&j, f);
		json_strn(&j, "s", s, n);
		json_end(&j);
		line_close(_metadata, &l, f);
		b.len = 0;
		json_begin_buf(&j, &b);
		json_strn(&j, "s", s, n);
		json_end(&j);
		ASSERT_FALSE(b.failed);
		ASSERT_EQ(l.len, b.len);
		ASSERT_EQ(0, memcmp(l.text, b.p, b.len)) TH_LOG("%s", l.text);
	}
	free(l.text);
	jbuf_free(&b);
}

TEST_F(event, decision)
{
	static const struct {
		__u8 hook, decision, enforce, flags;
		const char *action, *outcome, *decided, *mode, *hook_name;
		const char *rule_audit;
	} cases[] = {
		{ ID_HOOK_EXEC, ID_DECISION_DENY, 1, 0, "exec-denied",
		  "failure", "deny", "enforce", "exec", "false" },
		{ ID_HOOK_MMAP, ID_DECISION_DENY, 1, 0, "mmap-denied",
		  "failure", "deny", "enforce", "mmap", "false" },
		{ ID_HOOK_OPEN, ID_DECISION_DENY, 1, 0, "open-denied",
		  "failure", "deny", "enforce", "open", "false" },
		{ ID_HOOK_EXEC, ID_DECISION_AUDIT, 0, 0, "exec-audited",
		  "success", "audit", "audit", "exec", "false" },
		{ ID_HOOK_MMAP, ID_DECISION_AUDIT, 1, ID_RULE_AUDIT,
		  "mmap-audited", "success", "audit", "enforce", "mmap",
		  "true" },
		{ ID_HOOK_OPEN, ID_DECISION_AUDIT, 0, ID_RULE_AUDIT,
		  "open-audited", "success", "audit", "audit", "open",
		  "true" },
		{ 0, ID_DECISION_DENY, 1, 0, "unknown-denied", "failure",
		  "deny", "enforce", "unknown", "false" },
		{ ID_HOOK_ALL, ID_DECISION_AUDIT, 0, 0, "unknown-audited",
		  "success", "audit", "audit", "unknown", "false" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		self->ev->hook = cases[i].hook;
		self->ev->decision = cases[i].decision;
		self->ev->enforce = cases[i].enforce;
		self->ev->rule_flags = cases[i].flags;
		WRITE();
		EXPECT_STREQ(cases[i].action, STR("event.action"));
		EXPECT_STREQ(cases[i].outcome, STR("event.outcome"));
		EXPECT_STREQ(cases[i].decided, STR("interdict.decision"));
		EXPECT_STREQ(cases[i].mode, STR("interdict.mode"));
		EXPECT_STREQ(cases[i].hook_name, STR("interdict.hook"));
		EXPECT_STREQ(cases[i].rule_audit, RAW("interdict.rule_audit"));
	}
}

TEST_F(event, fields)
{
	static const struct {
		const char *path, *json;
	} want[] = {
		{ "@timestamp", "\"2023-11-14T22:13:25.000000Z\"" },
		{ "event.kind", "\"event\"" },
		{ "event.module", "\"interdict\"" },
		{ "event.action", "\"exec-denied\"" },
		{ "event.outcome", "\"failure\"" },
		{ "interdict.schema", "2" },
		{ "interdict.decision", "\"deny\"" },
		{ "interdict.mode", "\"enforce\"" },
		{ "interdict.hook", "\"exec\"" },
		{ "interdict.rule_audit", "false" },
		{ "interdict.policy_generation", "18446744073709551615" },
		{ "interdict.rule_index", "4294967295" },
		{ "rule.id", "\"unknown\"" },
		{ "file.path", "\"/usr/bin/x\"" },
		{ "file.name", "\"x\"" },
		{ "file.inode", "18446744073709551615" },
		{ "file.device", "265289729" },
		{ "process.pid", "4242" },
		{ "process.name", "\"x\"" },
		{ "process.executable", "\"/usr/bin/x-exe\"" },
		{ "process.thread.id", "4243" },
		{ "process.parent.pid", "4241" },
		{ "user.id", "\"4294967295\"" },
		{ "group.id", "\"0\"" },
		{ "host.hostname", "\"host.test\"" },
	};
	static const char *const top[] = {
		"@timestamp", "event", "interdict", "rule", "file", "process",
		"user", "group", "host",
	};
	char key[32];
	const char *at;
	struct span s;
	size_t i;

	self->ctx.realtime_offset_ns = 1700000000 * NSEC;
	self->ctx.exe = "/usr/bin/x-exe";
	self->ev->gen = UINT64_MAX;
	self->ev->rule_index = UINT32_MAX;
	self->ev->ino = UINT64_MAX;
	self->ev->dev = 253 << 20 | 1;
	self->ev->uid = UINT32_MAX;
	self->ev->gid = 0;
	WRITE();
	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_STREQ(want[i].json, RAW(want[i].path));
	EXPECT_EQ(0, absent(&self->l, "rule.description"));
	EXPECT_EQ(0, absent(&self->l, "rule.ruleset"));
	EXPECT_EQ(0, absent(&self->l, "file.hash"));

	/* These at the top, in this order, and nothing else. */
	for (at = self->l.text + 1, i = 0; i < ARRAY_SIZE(top); i++) {
		snprintf(key, sizeof(key), "%s\"%s\":", i ? "," : "", top[i]);
		ASSERT_EQ(0, strncmp(key, at, strlen(key)))
			TH_LOG("expected %s at: %s", key, at);
		ASSERT_EQ(1, json_lookup(self->l.text, self->l.len - 1, top[i],
					 &s));
		ASSERT_EQ(at + strlen(key), s.p);
		at = s.p + s.len;
	}
	EXPECT_STREQ("}\n", at);
}

TEST_F(event, rule)
{
	static const char rules[] =
		"deny path=/opt/x id=first msg=\"banned \\\"x\\\" \\\\ here\"\n"
		"audit path=/opt/y/ id=second\n";
	static const char file[] = "10-\"odd\"\n\xff.rules";
	static const struct {
		bool policy;
		__u32 index;
		const char *id, *description, *ruleset;
	} cases[] = {
		{ true, 0, "first", "banned \"x\" \\ here",
		  "10-\"odd\"\n" FFFD ".rules" },
		{ true, 1, "second", NULL, "10-\"odd\"\n" FFFD ".rules" },
		{ true, 2, "unknown", NULL, NULL },
		{ true, UINT32_MAX, "unknown", NULL, NULL },
		{ false, 0, "unknown", NULL, NULL },
	};
	size_t i;

	ASSERT_EQ(0, policy_parse_buf(&self->p, file, rules, strlen(rules),
				      stderr));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		self->ctx.policy = cases[i].policy ? &self->p : NULL;
		self->ev->rule_index = cases[i].index;
		WRITE();
		EXPECT_STREQ(cases[i].id, STR("rule.id"));
		EXPECT_OPTIONAL(cases[i].description, "rule.description");
		EXPECT_OPTIONAL(cases[i].ruleset, "rule.ruleset");
	}
}

TEST_F(event, sha256)
{
	char want[2 * ID_SHA256_LEN + 1];
	size_t i;

	for (i = 0; i < ID_SHA256_LEN; i++) {
		self->ev->sha256[i] = 0xf1 - 7 * i;
		snprintf(want + 2 * i, 3, "%02x", self->ev->sha256[i]);
	}
	self->ev->has_sha256 = 1;
	WRITE();
	EXPECT_STREQ(want, STR("file.hash.sha256"));
	EXPECT_EQ(64U, strspn(self->l.val, "0123456789abcdef"));

	/* The bytes are there; the flag says they mean nothing. */
	self->ev->has_sha256 = 0;
	WRITE();
	EXPECT_EQ(0, absent(&self->l, "file.hash"));
	EXPECT_EQ(NULL, strstr(self->l.text, "sha256"));
}

TEST_F(event, executable)
{
	static const struct {
		const char *exe, *want;
	} cases[] = {
		{ NULL, NULL },
		{ "/usr/bin/env", "/usr/bin/env" },
		{ "", "" },
		{ "/tmp/a\nb\"\xff (deleted)", "/tmp/a\nb\"" FFFD " (deleted)" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		self->ctx.exe = cases[i].exe;
		WRITE();
		EXPECT_OPTIONAL(cases[i].want, "process.executable");
	}
}

static struct flat who_flat;

/* The strings the kernel read at decision time, back to back. */
TEST_F(event, who)
{
	static const char *const strs[ID_STR_N] = {
		[ID_STR_PATH] = "/opt/v/bin/agent",
		[ID_STR_EXE] = "/usr/bin/dash",
		[ID_STR_PARENT_EXE] = "/usr/sbin/cron",
		[ID_STR_CWD] = "/var/tmp",
		[ID_STR_ARGS] = "sh\0-c\0agent --now",
		[ID_STR_ARGV] = "agent\0--now\0",
	};
	static const size_t lens[ID_STR_N] = {
		[ID_STR_PATH] = 16, [ID_STR_EXE] = 13, [ID_STR_PARENT_EXE] = 14,
		[ID_STR_CWD] = 8, [ID_STR_ARGS] = 17, [ID_STR_ARGV] = 12,
	};
	size_t i, at = 0;

	for (i = 0; i < ID_STR_N; i++) {
		memcpy(self->ev->data + at, strs[i], lens[i]);
		self->ev->len[i] = lens[i];
		at += lens[i];
	}
	ev_size = sizeof(*self->ev) + at;
	self->ev->cgroup_id = 77;
	self->ev->cut = 1 << ID_STR_ARGS;
	self->ctx.exe = "/proc/says/otherwise";
	self->ctx.cgroup = "/system.slice/cron.service";
	WRITE();
	EXPECT_STREQ("/opt/v/bin/agent", STR("file.path"));
	EXPECT_STREQ("/usr/bin/dash", STR("process.executable"));
	EXPECT_STREQ("/usr/sbin/cron", STR("process.parent.executable"));
	EXPECT_STREQ("/var/tmp", STR("process.working_directory"));
	EXPECT_STREQ("[\"sh\",\"-c\",\"agent --now\"]",
		     RAW("process.args"));
	EXPECT_STREQ("sh -c agent --now", STR("process.command_line"));
	EXPECT_STREQ("[\"agent\",\"--now\"]",
		     RAW("interdict.exec_args"));
	EXPECT_STREQ("77", RAW("interdict.cgroup_id"));
	EXPECT_STREQ("/system.slice/cron.service", STR("interdict.cgroup"));
	EXPECT_STREQ("cron.service", STR("systemd.unit"));
	EXPECT_STREQ("[\"process.args\"]", RAW("interdict.truncated"));
	EXPECT_EQ(0, absent(&self->l, "container"));
	/* the journal's and `interdict events`' flattening takes arrays */
	ASSERT_LT(0, json_flatten(self->l.text, self->l.len, &who_flat));
	EXPECT_STREQ("[\"sh\",\"-c\",\"agent --now\"]",
		     flat_get(&who_flat, "process.args"));
	EXPECT_STREQ("/usr/bin/dash", flat_get(&who_flat, "process.executable"));
	EXPECT_STREQ("cron.service", flat_get(&who_flat, "systemd.unit"));
	EXPECT_STREQ("/usr/sbin/cron",
		     flat_get(&who_flat, "process.parent.executable"));

	self->ctx.cgroup = "/system.slice/docker-0123456789abcdef0123456789ab"
			   "cdef0123456789abcdef0123456789abcdef.scope";
	WRITE();
	EXPECT_STREQ("0123456789abcdef0123456789abcdef0123456789abcdef0123"
		     "456789abcdef", STR("container.id"));
	EXPECT_EQ(0, absent(&self->l, "systemd"));

	/* a record shorter than its lengths say: those strings are dropped */
	ev_size = sizeof(*self->ev) + lens[0] + 3;
	WRITE();
	EXPECT_STREQ("/opt/v/bin/agent", STR("file.path"));
	EXPECT_STREQ("/proc/says/otherwise", STR("process.executable"));
	EXPECT_EQ(0, absent(&self->l, "process.args"));
}

TEST_F(event, hostname)
{
	self->ctx.hostname = "h\"\n\xc3";
	WRITE();
	EXPECT_STREQ("h\"\n" FFFD, STR("host.hostname"));
}

/*
 * Whole lines, byte for byte, for records of each kind: the encoder writes
 * each member's key and punctuation as literals, and these lines (made by
 * the generic JSON writer before it did) say that nothing moved, nothing
 * was left out and nothing was escaped differently.
 */
struct golden {
	const char *name;
	struct id_event *(*make)(size_t *size, struct event_ctx *ctx);
};

static size_t g_add(struct id_event *ev, size_t at, int i, const char *s,
		    size_t n)
{
	memcpy(ev->data + at, s, n);
	ev->len[i] = n;
	return at + n;
}

static struct id_event *g_new(void)
{
	struct id_event *ev = calloc(1, sizeof(*ev) + ID_EVENT_DATA_MAX);

	ev->boot_ns = 5 * NSEC + 42000;
	ev->gen = 3;
	ev->ino = 1234567;
	ev->dev = 2049;
	ev->pid = 4242;
	ev->tid = 4243;
	ev->ppid = 1;
	ev->cgroup_id = 77;
	ev->enforce = 1;
	ev->decision = ID_DECISION_DENY;
	strcpy(ev->comm, "bench");
	return ev;
}

/* The bench's stream: a denied open with every who-string. */
static struct id_event *g_open(size_t *size, struct event_ctx *ctx)
{
	static const char args[] = "build/bench/bench\0--scale\0none\0--no-ratios";
	struct id_event *ev = g_new();
	size_t at = 0;

	ev->hook = ID_HOOK_OPEN;
	ev->rule_index = 0;
	at = g_add(ev, at, ID_STR_PATH, "/opt/bench-canary/open.sh", 25);
	at = g_add(ev, at, ID_STR_ARGS, args, sizeof(args));
	at = g_add(ev, at, ID_STR_EXE, "/interdict/build/bench/bench", 28);
	at = g_add(ev, at, ID_STR_PARENT_EXE, "/usr/bin/dash", 13);
	at = g_add(ev, at, ID_STR_CWD, "/interdict", 10);
	*size = sizeof(*ev) + at;
	ctx->cgroup = "/";
	ctx->names = true;	/* uid and gid 0: root everywhere */
	ev->uid = ev->gid = 0;
	return ev;
}

/* An audited exec: hash, argv, cut strings, a systemd unit, fail closed. */
static struct id_event *g_exec(size_t *size, struct event_ctx *ctx)
{
	static const char argv[] = "agent\0--now\0\0-x \"q\"";
	struct id_event *ev = g_new();
	size_t at = 0;
	int i;

	ev->hook = ID_HOOK_EXEC;
	ev->decision = ID_DECISION_AUDIT;
	ev->enforce = 0;
	ev->rule_index = 1;
	ev->rule_flags = ID_RULE_AUDIT;
	ev->fail_closed = ID_FAIL_LINK;
	ev->has_sha256 = 1;
	for (i = 0; i < ID_SHA256_LEN; i++)
		ev->sha256[i] = i * 37;
	ev->cut = 1 << ID_STR_ARGS | 1 << ID_STR_CWD;
	ev->uid = 1001;
	ev->gid = 4000000000U;
	strcpy(ev->comm, "cron\"\\");
	at = g_add(ev, at, ID_STR_PATH, "/opt/vendor/run.sh", 18);
	at = g_add(ev, at, ID_STR_ARGS, "sh\0-c\0agent --now\0", 19);
	at = g_add(ev, at, ID_STR_ARGV, argv, sizeof(argv) - 1);
	at = g_add(ev, at, ID_STR_EXE, "/usr/bin/dash", 13);
	at = g_add(ev, at, ID_STR_CWD, "/var/spool/cron\t", 16);
	*size = sizeof(*ev) + at;
	ctx->cgroup = "/system.slice/cron.service";
	return ev;
}

/* A memfd mapped executable, by a process the kernel could not name (the
 * daemon read /proc), hostile bytes, in a container. */
static struct id_event *g_fileless(size_t *size, struct event_ctx *ctx)
{
	struct id_event *ev = g_new();
	size_t at = 0;

	ev->type = ID_EV_FILELESS;
	ev->hook = ID_HOOK_MMAP;
	ev->target = ID_FL_MEMFD;
	ev->fail_closed = 9;	/* a kind this build does not know */
	at = g_add(ev, at, ID_STR_PATH, "/memfd:x\xff\x01\xe6\x97\xa5", 14);
	at = g_add(ev, at, ID_STR_ARGS, "\xc3(\x7f\n", 4);
	*size = sizeof(*ev) + at;
	ctx->exe = "/tmp/dropper \"x\"";
	ctx->cgroup = "/system.slice/docker-0123456789abcdef0123456789abcdef"
		      "0123456789abcdef0123456789abcdef.scope";
	return ev;
}

/* Anonymous executable memory: no file object at all; no cgroup. */
static struct id_event *g_anon(size_t *size, struct event_ctx *ctx)
{
	struct id_event *ev = g_new();

	ev->type = ID_EV_FILELESS;
	ev->hook = ID_EV_HOOK_MPROTECT;
	ev->target = ID_FL_ANON;
	ev->ino = 0;
	ev->cgroup_id = 0;
	ev->fail_closed = ID_FAIL_DEPTH;
	*size = sizeof(*ev);
	(void)ctx;
	return ev;
}

/* A signal to the daemon, denied. */
static struct id_event *g_signal(size_t *size, struct event_ctx *ctx)
{
	struct id_event *ev = g_new();

	ev->type = ID_EV_TAMPER;
	ev->tamper = ID_TAMPER_SIGNAL;
	ev->target = 812;
	ev->signo = 9;
	ev->ino = 99;
	ev->dev = 31;
	ev->cut = 1 << ID_STR_EXE;
	*size = sizeof(*ev);
	ctx->exe = "/usr/bin/kill";
	return ev;
}

/* A bpf() command on one of its maps, a rule index past the policy, a
 * record shorter than its lengths say. */
static struct id_event *g_bpf(size_t *size, struct event_ctx *ctx)
{
	struct id_event *ev = g_new();
	size_t at = 0;

	ev->type = ID_EV_TAMPER;
	ev->tamper = ID_TAMPER_BPF_MAP;
	ev->target = 17;
	ev->ino = 0;
	ev->gen = 18446744073709551615ULL;
	at = g_add(ev, at, ID_STR_EXE, "/usr/sbin/bpftool", 17);
	at = g_add(ev, at, ID_STR_CWD, "/root", 5);
	*size = sizeof(*ev) + at - 3;
	ctx->cgroup = "/user.slice/user-0.slice/session-4.scope";
	return ev;
}

static const struct golden goldens[] = {
	{ "open", g_open }, { "exec", g_exec }, { "fileless", g_fileless },
	{ "anon", g_anon }, { "signal", g_signal }, { "bpf", g_bpf },
};

static const char golden_rules[] =
	"deny path=/opt/bench-canary/open.sh id=bench-canary-open on=open\n"
	"deny path=/opt/kaspersky/ id=bod1701-tree msg=\"BOD 17-01: \\\"banned\\\" \\\\ vendor \xc3\xa9\"\n"
	"audit path=/opt/vendor/run.sh id=vendor-script on=exec mode=audit\n";
static const char *const golden_lines[] = {
	/* open */
	"{\"@timestamp\":\"2023-11-14T22:13:25.000042Z\",\"event\":{\"k"
	"ind\":\"event\",\"module\":\"interdict\",\"action\":\"open-den"
	"ied\",\"outcome\":\"failure\"},\"interdict\":{\"schema\":2,\"d"
	"ecision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"open\",\"ru"
	"le_audit\":false,\"policy_generation\":3,\"rule_index\":0,\"cg"
	"roup_id\":77,\"cgroup\":\"/\"},\"rule\":{\"id\":\"bench-canary"
	"-open\",\"ruleset\":\"/etc/interdict/policy.d/10-bench.rules\""
	"},\"file\":{\"path\":\"/opt/bench-canary/open.sh\",\"name\":\""
	"open.sh\",\"inode\":1234567,\"device\":2049},\"process\":{\"pi"
	"d\":4242,\"name\":\"bench\",\"executable\":\"/interdict/build/"
	"bench/bench\",\"args\":[\"build/bench/bench\",\"--scale\",\"no"
	"ne\",\"--no-ratios\"],\"command_line\":\"build/bench/bench --s"
	"cale none --no-ratios \",\"working_directory\":\"/interdict\","
	"\"thread\":{\"id\":4243},\"parent\":{\"pid\":1,\"executable\":"
	"\"/usr/bin/dash\"}},\"user\":{\"id\":\"0\",\"name\":\"root\"},"
	"\"group\":{\"id\":\"0\",\"name\":\"root\"},\"host\":{\"hostnam"
	"e\":\"web-01.example.com\"}}" "\n",
	/* exec */
	"{\"@timestamp\":\"2023-11-14T22:13:25.000042Z\",\"event\":{\"k"
	"ind\":\"event\",\"module\":\"interdict\",\"action\":\"exec-aud"
	"ited\",\"outcome\":\"success\"},\"interdict\":{\"schema\":2,\""
	"decision\":\"audit\",\"mode\":\"audit\",\"hook\":\"exec\",\"ru"
	"le_audit\":true,\"policy_generation\":3,\"rule_index\":1,\"fai"
	"l_closed\":\"link\",\"exec_args\":[\"agent\",\"--now\",\"\",\""
	"-x \\\"q\\\"\"],\"cgroup_id\":77,\"cgroup\":\"/system.slice/cr"
	"on.service\",\"truncated\":[\"process.args\",\"process.working"
	"_directory\"]},\"rule\":{\"id\":\"bod1701-tree\",\"description"
	"\":\"BOD 17-01: \\\"banned\\\" \\\\ vendor \xc3\xa9\",\"rulese"
	"t\":\"/etc/interdict/policy.d/10-bench.rules\"},\"file\":{\"pa"
	"th\":\"/opt/vendor/run.sh\",\"name\":\"run.sh\",\"inode\":1234"
	"567,\"device\":2049,\"hash\":{\"sha256\":\"00254a6f94b9de03284"
	"d7297bce1062b50759abfe4092e53789dc2e70c31567b\"}},\"process\":"
	"{\"pid\":4242,\"name\":\"cron\\\"\\\\\",\"executable\":\"/usr/"
	"bin/dash\",\"args\":[\"sh\",\"-c\",\"agent --now\",\"\"],\"com"
	"mand_line\":\"sh -c agent --now  \",\"working_directory\":\"/v"
	"ar/spool/cron\\t\",\"thread\":{\"id\":4243},\"parent\":{\"pid"
	"\":1}},\"user\":{\"id\":\"1001\"},\"group\":{\"id\":\"40000000"
	"00\"},\"systemd\":{\"unit\":\"cron.service\"},\"host\":{\"host"
	"name\":\"web-01.example.com\"}}" "\n",
	/* fileless */
	"{\"@timestamp\":\"2023-11-14T22:13:25.000042Z\",\"event\":{\"k"
	"ind\":\"event\",\"module\":\"interdict\",\"action\":\"mmap-den"
	"ied\",\"outcome\":\"failure\"},\"interdict\":{\"schema\":2,\"d"
	"ecision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"mmap\",\"ru"
	"le_audit\":false,\"policy_generation\":3,\"fileless\":\"memfd"
	"\",\"fail_closed\":\"unknown\",\"cgroup_id\":77,\"cgroup\":\"/"
	"system.slice/docker-0123456789abcdef0123456789abcdef0123456789"
	"abcdef0123456789abcdef.scope\"},\"rule\":{\"id\":\"fileless\","
	"\"description\":\"executable memory no file on disk holds\",\""
	"ruleset\":\"interdict.conf\"},\"file\":{\"inode\":1234567,\"de"
	"vice\":2049},\"process\":{\"pid\":4242,\"name\":\"bench\",\"ex"
	"ecutable\":\"/tmp/dropper \\\"x\\\"\",\"args\":[\"\\ufffd(\\u0"
	"07f\\n\"],\"command_line\":\"\\ufffd(\\u007f\\n\",\"thread\":{"
	"\"id\":4243},\"parent\":{\"pid\":1}},\"user\":{\"id\":\"0\"},"
	"\"group\":{\"id\":\"0\"},\"container\":{\"id\":\"0123456789abc"
	"def0123456789abcdef0123456789abcdef0123456789abcdef\"},\"host"
	"\":{\"hostname\":\"web-01.example.com\"}}" "\n",
	/* anon */
	"{\"@timestamp\":\"2023-11-14T22:13:25.000042Z\",\"event\":{\"k"
	"ind\":\"event\",\"module\":\"interdict\",\"action\":\"mprotect"
	"-denied\",\"outcome\":\"failure\"},\"interdict\":{\"schema\":2"
	",\"decision\":\"deny\",\"mode\":\"enforce\",\"hook\":\"mprotec"
	"t\",\"rule_audit\":false,\"policy_generation\":3,\"fileless\":"
	"\"anonymous\",\"fail_closed\":\"depth\"},\"rule\":{\"id\":\"fi"
	"leless\",\"description\":\"executable memory no file on disk h"
	"olds\",\"ruleset\":\"interdict.conf\"},\"process\":{\"pid\":42"
	"42,\"name\":\"bench\",\"thread\":{\"id\":4243},\"parent\":{\"p"
	"id\":1}},\"user\":{\"id\":\"0\"},\"group\":{\"id\":\"0\"},\"ho"
	"st\":{\"hostname\":\"web-01.example.com\"}}" "\n",
	/* signal */
	"{\"@timestamp\":\"2023-11-14T22:13:25.000042Z\",\"event\":{\"k"
	"ind\":\"alert\",\"module\":\"interdict\",\"action\":\"tamper-d"
	"enied\",\"outcome\":\"failure\"},\"interdict\":{\"schema\":2,"
	"\"decision\":\"deny\",\"tamper\":\"signal\",\"target_pid\":812"
	",\"signal\":9,\"pin_inode\":99,\"pin_device\":31,\"policy_gene"
	"ration\":3,\"cgroup_id\":77,\"truncated\":[\"process.executabl"
	"e\"]},\"process\":{\"pid\":4242,\"name\":\"bench\",\"executabl"
	"e\":\"/usr/bin/kill\",\"thread\":{\"id\":4243},\"parent\":{\"p"
	"id\":1}},\"user\":{\"id\":\"0\"},\"group\":{\"id\":\"0\"},\"ho"
	"st\":{\"hostname\":\"web-01.example.com\"}}" "\n",
	/* bpf */
	"{\"@timestamp\":\"2023-11-14T22:13:25.000042Z\",\"event\":{\"k"
	"ind\":\"alert\",\"module\":\"interdict\",\"action\":\"tamper-d"
	"enied\",\"outcome\":\"failure\"},\"interdict\":{\"schema\":2,"
	"\"decision\":\"deny\",\"tamper\":\"bpf-map\",\"object_id\":17,"
	"\"policy_generation\":18446744073709551615,\"cgroup_id\":77,\""
	"cgroup\":\"/user.slice/user-0.slice/session-4.scope\"},\"proce"
	"ss\":{\"pid\":4242,\"name\":\"bench\",\"executable\":\"/usr/sb"
	"in/bpftool\",\"thread\":{\"id\":4243},\"parent\":{\"pid\":1}},"
	"\"user\":{\"id\":\"0\"},\"group\":{\"id\":\"0\"},\"systemd\":{"
	"\"unit\":\"session-4.scope\"},\"host\":{\"hostname\":\"web-01."
	"example.com\"}}" "\n",
};

TEST(lines_byte_for_byte)
{
	struct policy p = { 0 };
	size_t i;

	ASSERT_EQ(0, policy_parse_buf(&p, "/etc/interdict/policy.d/"
				      "10-bench.rules", golden_rules,
				      strlen(golden_rules), stderr));
	ASSERT_EQ(sizeof(goldens) / sizeof(goldens[0]),
		  sizeof(golden_lines) / sizeof(golden_lines[0]));
	for (i = 0; i < sizeof(goldens) / sizeof(goldens[0]); i++) {
		struct event_ctx ctx = {
			.hostname = "web-01.example.com",
			.policy = &p,
			.realtime_offset_ns = 1700000000 * NSEC,
		};
		struct jbuf b = { 0 };
		size_t size;
		struct id_event *ev = goldens[i].make(&size, &ctx);

		ASSERT_NE(NULL, ev);
		/* twice into one batch: the second line follows the first */
		ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
		ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
		ASSERT_EQ(2 * strlen(golden_lines[i]), b.len);
		EXPECT_EQ(0, memcmp(golden_lines[i], b.p, b.len / 2)) {
			TH_LOG("%s: got %.*s", goldens[i].name, (int)(b.len / 2),
			       b.p);
		}
		EXPECT_EQ(0, memcmp(golden_lines[i], b.p + b.len / 2,
				    b.len / 2));
		jbuf_free(&b);
		free(ev);
	}
	policy_free(&p);
}

/* What a line says of the process is copied from the line before when
 * nothing it is made of changed: each change shows, at once. */
TEST(actor_part_follows_each_change)
{
	size_t size, i;
	struct event_ctx ctx = {
		.hostname = "web-01.example.com",
		.realtime_offset_ns = 1700000000 * NSEC,
	};
	char host[32] = "h1", line[4][8192];
	struct id_event *ev = g_open(&size, &ctx);
	struct jbuf b = { 0 };

	ASSERT_NE(NULL, ev);
	ctx.hostname = host;
	for (i = 0; i < 4; i++) {
		b.len = 0;
		ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
		ASSERT_GT(sizeof(line[i]), b.len);
		memcpy(line[i], b.p, b.len);
		line[i][b.len] = 0;
		if (i == 0)
			host[1] = '2';	/* the same buffer, another name */
		else if (i == 1)
			ev->comm[4] = 'x';
		else if (i == 2)
			ev->data[ev->len[ID_STR_PATH] + 1] = 'B';  /* args */
	}
	EXPECT_NE(NULL, strstr(line[0], "\"hostname\":\"h1\""));
	EXPECT_NE(NULL, strstr(line[1], "\"hostname\":\"h2\""));
	EXPECT_NE(NULL, strstr(line[2], "\"name\":\"bencx\""));
	EXPECT_NE(NULL, strstr(line[3], "\"args\":[\"bBild/"));
	EXPECT_NE(NULL, strstr(line[3], "\"command_line\":\"bBild/"));

	ev->uid = 65534;
	b.len = 0;
	ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
	ASSERT_EQ(0, jbuf_reserve(&b, 1));
	b.p[b.len] = 0;
	EXPECT_NE(NULL, strstr(b.p, "\"user\":{\"id\":\"65534\""));
	ctx.cgroup = "/system.slice/cron.service";
	b.len = 0;
	ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
	ASSERT_EQ(0, jbuf_reserve(&b, 1));
	b.p[b.len] = 0;
	EXPECT_NE(NULL, strstr(b.p, "\"systemd\":{\"unit\":\"cron.service\"}"));
	ctx.names = false;
	ctx.exe = "/x";		/* the record names it: ignored */
	b.len = 0;
	ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
	ASSERT_EQ(0, jbuf_reserve(&b, 1));
	b.p[b.len] = 0;
	EXPECT_EQ(NULL, strstr(b.p, "\"name\":\"root\""));
	EXPECT_NE(NULL, strstr(b.p, "\"executable\":\"/interdict/"));
	jbuf_free(&b);
	free(ev);
}

/* The same record again but for its time: the line again, with its time;
 * any other change writes the line anew. */
TEST(same_record_new_time)
{
	static const char rule_id[] = "\"rule\":{\"id\":\"bench-canary-open\"";
	struct event_ctx ctx = {
		.hostname = "web-01.example.com",
		.realtime_offset_ns = 1700000000 * NSEC,
	};
	struct jbuf b = { 0 };
	struct policy p = { 0 };
	size_t size, first;
	struct id_event *ev = g_open(&size, &ctx);

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, policy_parse_buf(&p, "/etc/interdict/policy.d/"
				      "10-bench.rules", golden_rules,
				      strlen(golden_rules), stderr));
	ctx.policy = &p;
	ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
	first = b.len;
	ASSERT_NE(NULL, memmem(b.p, b.len, rule_id, strlen(rule_id)));
	ev->boot_ns += 1234567;
	ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
	ASSERT_EQ(2 * first, b.len);
	EXPECT_EQ(0, memcmp(b.p + first, "{\"@timestamp\":\"2023-11-14T22:1"
			    "3:25.001276Z\"", 43));
	EXPECT_EQ(0, memcmp(b.p + 43, b.p + first + 43, first - 43));
	ev->ino++;
	ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
	ASSERT_EQ(0, jbuf_reserve(&b, 1));
	b.p[b.len] = 0;
	EXPECT_NE(NULL, strstr(b.p + 2 * first, "\"inode\":1234568,"));
	b.len = 0;
	ctx.policy = NULL;	/* its generation is gone */
	ASSERT_EQ(0, event_append_json(&b, ev, size, &ctx));
	ASSERT_EQ(0, jbuf_reserve(&b, 1));
	b.p[b.len] = 0;
	EXPECT_NE(NULL, strstr(b.p, "\"rule\":{\"id\":\"unknown\"}"));
	jbuf_free(&b);
	free(ev);
	policy_free(&p);
}

TEST_HARNESS_MAIN
