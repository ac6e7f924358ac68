// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the event encoder (userspace/event.c, json.c): the
 * ring buffer record is whatever the kernel wrote, so for any record the
 * output must be exactly one line holding one valid JSON object, which a SIEM
 * would otherwise drop or, worse, split into two events.
 *
 * Input: one byte of options (OPT_*), then the record up to its path, then
 * the path's bytes. What the input does not cover is filled with FILL, so
 * comm and path are never NUL-terminated by accident; path_len comes from the
 * input and may point past the record, which is allocated to its exact size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interdict.h"

#define FILL		'A'
#define KEYS_MAX	64	/* members of one object the checker tracks */
#define DEPTH_MAX	32

enum {
	OPT_EXE = 1,		/* process.executable: the path's bytes */
	OPT_NO_POLICY = 2,	/* the generation is no longer known */
	OPT_ODD_HOST = 4,	/* a hostname that is not UTF-8 */
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define require(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_event: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* Rule ids 0 to 3 exist; file names, like host names, are bytes that need
 * not be UTF-8, and msg= may hold quotes and backslashes. */
static struct policy policy;

static const char rules_base[] =
	"deny path=/opt/kaspersky/ id=bod1701-tree msg=\"BOD 17-01: \\\"banned\\\" \\\\ vendor \xc3\xa9\"\n"
	"allow path=/opt/kaspersky/kesl/bin/uninstall.sh id=bod1701-uninstaller\n";
static const char rules_odd[] =
	"audit sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef id=odd-hash msg=\"\xe2\x82\xac \xf0\x9f\x94\x92\"\n"
	"deny path=/opt/vendor/run.sh id=vendor-script on=exec,open mode=audit\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	require(!policy_parse_buf(&policy, "/etc/interdict/policy.d/10-base.rules",
				  rules_base, strlen(rules_base), stderr));
	require(!policy_parse_buf(&policy, "/etc/interdict/policy.d/20-\xff\x01\"\\\xed\xa0\x80.rules",
				  rules_odd, strlen(rules_odd), stderr));
	require(policy.nrules == 4);
	return 0;
}

/*
 * A strict RFC 8259 checker, written apart from json.c so that its mistakes
 * are not shared: UTF-8 by decoding and bounding each code point (no
 * overlong forms, surrogates or code points past U+10FFFF), no raw control
 * characters, only the RFC's escapes with \u surrogates in pairs, and no key
 * twice in one object.
 *
 * It is left out of the coverage instrumentation: tracing its comparisons
 * over every output byte took most of the time, and what it reaches says
 * nothing about the encoder.
 */
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), \
			     apply_to = function)

struct cursor {
	const unsigned char *p, *end;
	int depth;
};

static bool value(struct cursor *c);

static int next(const struct cursor *c)
{
	return c->p < c->end ? *c->p : -1;
}

static bool eat(struct cursor *c, int ch)
{
	if (next(c) != ch)
		return false;
	c->p++;
	return true;
}

static void blanks(struct cursor *c)
{
	while (next(c) == ' ' || next(c) == '\t' || next(c) == '\n' ||
	       next(c) == '\r')
		c->p++;
}

/* One UTF-8 encoded character of 2 to 4 bytes, at its lead byte. */
static bool utf8_char(struct cursor *c)
{
	static const unsigned int min_cp[] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned int lead = *c->p, cp, i;
	size_t n;

	for (n = 0; n < 5 && (lead << n & 0x80); n++)
		;
	if (n < 2 || n > 4 || (size_t)(c->end - c->p) < n)
		return false;
	cp = lead & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((c->p[i] & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (c->p[i] & 0x3f);
	}
	if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	c->p += n;
	return true;
}

static bool hex_u16(struct cursor *c, unsigned int *v)
{
	int i, ch;

	*v = 0;
	for (i = 0; i < 4; i++) {
		ch = next(c);
		if (ch >= '0' && ch <= '9')
			*v = *v << 4 | (ch - '0');
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			*v = *v << 4 | ((ch | 0x20) - 'a' + 10);
		else
			return false;
		c->p++;
	}
	return true;
}

/* After the backslash. */
static bool escape(struct cursor *c)
{
	unsigned int u, low;
	int ch = next(c);

	if (ch > 0 && strchr("\"\\/bfnrt", ch)) {
		c->p++;
		return true;
	}
	if (!eat(c, 'u') || !hex_u16(c, &u))
		return false;
	if (u >= 0xdc00 && u <= 0xdfff)
		return false;
	if (u < 0xd800 || u > 0xdbff)
		return true;
	return eat(c, '\\') && eat(c, 'u') && hex_u16(c, &low) &&
	       low >= 0xdc00 && low <= 0xdfff;
}

static bool string(struct cursor *c)
{
	int ch;

	if (!eat(c, '"'))
		return false;
	while ((ch = next(c)) != '"') {
		if (ch < 0x20)		/* raw control character, or the end */
			return false;
		if (ch == '\\') {
			c->p++;
			if (!escape(c))
				return false;
		} else if (ch < 0x80) {
			c->p++;
		} else if (!utf8_char(c)) {
			return false;
		}
	}
	c->p++;
	return true;
}

static bool digits(struct cursor *c)
{
	const unsigned char *start = c->p;

	while (next(c) >= '0' && next(c) <= '9')
		c->p++;
	return c->p > start;
}

static bool number(struct cursor *c)
{
	eat(c, '-');
	if (!eat(c, '0')) {
		if (next(c) < '1' || next(c) > '9')
			return false;
		digits(c);
	}
	if (eat(c, '.') && !digits(c))
		return false;
	if (eat(c, 'e') || eat(c, 'E')) {
		if (!eat(c, '+'))
			eat(c, '-');
		if (!digits(c))
			return false;
	}
	return true;
}

static bool literal(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return false;
	c->p += n;
	return true;
}

/* Keys are compared as written: json.c escapes a key one way only. */
static bool object(struct cursor *c)
{
	const unsigned char *key[KEYS_MAX];
	size_t keylen[KEYS_MAX], n = 0, i;

	c->p++;
	blanks(c);
	if (eat(c, '}'))
		return true;
	do {
		blanks(c);
		if (n == KEYS_MAX)
			return false;
		key[n] = c->p;
		if (!string(c))
			return false;
		keylen[n] = c->p - key[n];
		for (i = 0; i < n; i++)
			if (keylen[i] == keylen[n] &&
			    !memcmp(key[i], key[n], keylen[n]))
				return false;
		n++;
		blanks(c);
		if (!eat(c, ':') || !value(c))
			return false;
		blanks(c);
	} while (eat(c, ','));
	return eat(c, '}');
}

static bool array(struct cursor *c)
{
	c->p++;
	blanks(c);
	if (eat(c, ']'))
		return true;
	do {
		if (!value(c))
			return false;
		blanks(c);
	} while (eat(c, ','));
	return eat(c, ']');
}

static bool value(struct cursor *c)
{
	bool ok;

	blanks(c);
	if (++c->depth > DEPTH_MAX)
		return false;
	switch (next(c)) {
	case '{': ok = object(c); break;
	case '[': ok = array(c); break;
	case '"': ok = string(c); break;
	case 't': ok = literal(c, "true"); break;
	case 'f': ok = literal(c, "false"); break;
	case 'n': ok = literal(c, "null"); break;
	default: ok = number(c); break;
	}
	c->depth--;
	return ok;
}

/* One object, then the newline, and no other newline: one event a line. */
static void check_line(const char *buf, size_t len)
{
	struct cursor c = { (const unsigned char *)buf,
			    (const unsigned char *)buf + len, 0 };

	if (len && buf[len - 1] == '\n' && !memchr(buf, '\n', len - 1)) {
		c.end--;
		blanks(&c);
		if (next(&c) == '{' && value(&c)) {
			blanks(&c);
			if (c.p == c.end)
				return;
		}
	}
	fprintf(stderr, "fuzz_event: not one line of valid JSON (at byte %zu of %zu):\n",
		(size_t)(c.p - (const unsigned char *)buf), len);
	fwrite(buf, 1, len, stderr);
	fputc('\n', stderr);
	abort();
}

#pragma clang attribute pop

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t head = sizeof(struct id_event);
	struct event_ctx ctx = {
		.hostname = "web-01.example.com",
		.policy = &policy,
		.realtime_offset_ns = 1700000000ULL * 1000000000ULL,
	};
	struct id_event *ev;
	char *out = NULL, *exe = NULL;
	size_t outlen = 0, n, rec;
	__u8 opts = 0;
	FILE *f;

	if (size) {
		opts = data[0];
		data++;
		size--;
	}
	/* the record exactly as the ring buffer hands it over: a head (its
	 * len[] may lie) and up to ID_EVENT_DATA_MAX bytes of strings, on
	 * the heap at its exact size so that reads past it are caught */
	n = size < ID_EVENT_DATA_MAX ? size : ID_EVENT_DATA_MAX;
	rec = head + (size > head ? (size - head < n ? size - head : n) : 0);
	ev = malloc(rec);
	require(ev);
	memset(ev, FILL, rec);
	memcpy(ev, data, size < rec ? size : rec);
	n = size < rec ? size : rec;
	data += n;
	size -= n;

	if (opts & OPT_EXE) {
		/* readlink(/proc/PID/exe): any bytes but NUL. */
		exe = strndup((const char *)data, size);
		require(exe);
		ctx.exe = exe;
	}
	if (opts & OPT_ODD_HOST)
		ctx.cgroup = "/system.slice/docker-0123456789abcdef0123456789"
			     "abcdef0123456789abcdef0123456789abcdef.scope";
	if (opts & OPT_NO_POLICY)
		ctx.policy = NULL;
	if (opts & OPT_ODD_HOST)
		ctx.hostname = "h\xc3(\x7f\"\\\x1b\xf4\x90\x80\x80";

	f = open_memstream(&out, &outlen);
	require(f);
	event_write_json(f, ev, rec, &ctx);
	require(!fclose(f));
	check_line(out, outlen);

	free(out);
	free(exe);
	free(ev);
	return 0;
}
