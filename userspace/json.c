// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small streaming JSON writer, to a FILE or appended to a buffer (the
 * event path: one buffer, one write(2) per batch). File names are arbitrary
 * bytes, so strings are checked as UTF-8 and each invalid byte is written
 * as U+FFFD: the line stays valid JSON whatever a hostile name contains.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "interdict.h"

int jbuf_reserve(struct jbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p)
		goto fail;
	b->p = p;
	b->cap = cap;
	return 0;
fail:
	b->failed = true;
	return -ENOMEM;
}

void jbuf_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* The one place bytes leave the writer. */
static inline int reserve(struct jbuf *b, size_t n)
{
	return b->cap - b->len >= n ? 0 : jbuf_reserve(b, n);
}

static void jput(struct json *j, const void *s, size_t n)
{
	struct jbuf *b = j->b;

	if (!b) {
		fwrite(s, 1, n, j->f);
		return;
	}
	if (reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void jputc(struct json *j, char c)
{
	struct jbuf *b = j->b;

	if (!b) {
		fputc(c, j->f);
		return;
	}
	if (b->len == b->cap && jbuf_reserve(b, 1))
		return;
	b->p[b->len++] = c;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Printable ASCII but '"' and '\\': written as it is. */
static const bool json_plain[256] = {
	[0x20 ... '"' - 1] = true, ['"' + 1 ... '\\' - 1] = true,
	['\\' + 1 ... 0x7e] = true,
};

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL
/* Some byte of x is 0. */
#define HAS_ZERO(x)	(((x) - ONES) & ~(x) & HIGHS)

/* Are all 8 bytes at s plain? */
static bool plain8(const unsigned char *s)
{
	__u64 x;

	memcpy(&x, s, sizeof(x));
	return !((((x - 0x20 * ONES) & ~x) | x) & HIGHS) &&
	       !HAS_ZERO(x ^ ('"' * ONES)) && !HAS_ZERO(x ^ ('\\' * ONES)) &&
	       !HAS_ZERO(x ^ (0x7f * ONES));
}

/* 16 bytes at a time (SSE2 on x86-64, NEON on arm64: GCC's vector
 * extensions): the offset of the first byte at s that is not plain, or 16
 * if all are. As signed chars, the bytes from 0x80 up are below 0x20 too. */
typedef signed char v16 __attribute__((vector_size(16)));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FIRST_BYTE(x)	(__builtin_clzll(x) / 8)
#else
#define FIRST_BYTE(x)	(__builtin_ctzll(x) / 8)
#endif

static inline unsigned int plain16(const unsigned char *s)
{
	v16 x, m;
	__u64 lo, hi;

	memcpy(&x, s, sizeof(x));
	m = (x < 0x20) | (x == 0x7f) | (x == '"') | (x == '\\');
	memcpy(&lo, &m, sizeof(lo));
	memcpy(&hi, (const char *)&m + 8, sizeof(hi));
	if (lo)
		return FIRST_BYTE(lo);
	return hi ? 8 + FIRST_BYTE(hi) : 16;
}

/* s[0..n) escaped into o, whole sequences until at least max bytes are
 * taken (o has room for 6 * max + 16 bytes); *used says how many were, and
 * the end of the output is returned. Runs of plain bytes are copied 16 at
 * a time, the copy made before the bytes are looked at. */
static char *escape_to(char *o, const unsigned char *s, size_t n, size_t max,
		       size_t *used)
{
	static const char hexd[] = "0123456789abcdef";
	size_t i = 0, len;
	unsigned int k;

	while (i < n && i < max) {
		unsigned char c;

		if (n - i >= 16) {
			memcpy(o, s + i, 16);
			k = plain16(s + i);
			o += k;
			i += k;
			if (k == 16)
				continue;
		} else if (n - i >= 8 && plain8(s + i)) {
			/* 8 to 15 left: the last 8 overlap the first */
			if (plain8(s + n - 8)) {
				memcpy(o, s + i, 8);
				memcpy(o + (n - i - 8), s + n - 8, 8);
				o += n - i;
				i = n;
				continue;
			}
			memcpy(o, s + i, 8);
			o += 8;
			i += 8;
			continue;
		}
		c = s[i];
		if (json_plain[c]) {
			*o++ = c;
			i++;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				memcpy(o, "u00", 3);
				o[3] = hexd[c >> 4];
				o[4] = hexd[c & 15];
				o += 5;
				break;
			}
			len = utf8_len(s + i, n - i);
			if (!len) {
				memcpy(o, "ufffd", 5);
				o += 5;
				break;
			}
			o[-1] = c;	/* a well-formed sequence, whole */
			memcpy(o, s + i + 1, len - 1);
			o += len - 1;
			i += len;
			continue;
		}
		i++;
	}
	*used = i;
	return o;
}

/* s[0..n) as a quoted, escaped JSON string at the end of b. */
void jbuf_str(struct jbuf *b, const char *s, size_t n)
{
	size_t k;

	if (n > (SIZE_MAX - 18) / 6 || reserve(b, 6 * n + 18))
		return;
	b->p[b->len] = '"';
	b->len = escape_to(b->p + b->len + 1, (const unsigned char *)s, n, n,
			   &k) - b->p;
	b->p[b->len++] = '"';
}

/* v in decimal at the end of b, two digits at a time: printf's machinery
 * costs more than the rest of a number's member. */
void jbuf_uint(struct jbuf *b, unsigned long long v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324"
		"25262728293031323334353637383940414243444546474849"
		"50515253545556575859606162636465666768697071727374"
		"75767778798081828384858687888990919293949596979899";
	char buf[24], *p = buf + sizeof(buf);

	while (v >= 100) {
		p -= 2;
		memcpy(p, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, pairs + 2 * v, 2);
	} else {
		*--p = '0' + v;
	}
	jbuf_put(b, p, buf + sizeof(buf) - p);
}

/* A string, quoted and escaped: in place in a buffer, or through a small
 * one to a FILE (a piece at a time, never splitting a UTF-8 sequence). */
static void json_escape(struct json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char tmp[6 * 256 + 16];
	size_t k;

	if (j->b) {
		jbuf_str(j->b, str, n);
		return;
	}
	fputc('"', j->f);
	while (n) {
		fwrite(tmp, 1, escape_to(tmp, s, n, 256, &k) - tmp, j->f);
		s += k;
		n -= k;
	}
	fputc('"', j->f);
}

static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		jputc(j, ',');
	j->first[j->depth] = false;
	if (key) {
		json_escape(j, key, strlen(key));
		jputc(j, ':');
	}
}

void json_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
	jputc(j, '{');
}

void json_begin_buf(struct json *j, struct jbuf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
	j->first[0] = true;
	jputc(j, '{');
}

void json_end(struct json *j)
{
	jput(j, "}\n", 2);
}

static void json_open(struct json *j, const char *key, char c)
{
	json_key(j, key);
	jputc(j, c);
	if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
		j->depth++;
	j->first[j->depth] = true;
}

static void json_close(struct json *j, char c)
{
	jputc(j, c);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_open(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_obj_close(struct json *j)
{
	json_close(j, '}');
}

void json_arr_open(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_arr_close(struct json *j)
{
	json_close(j, ']');
}

void json_strn(struct json *j, const char *key, const char *s, size_t n)
{
	json_key(j, key);
	json_escape(j, s, n);
}

void json_str(struct json *j, const char *key, const char *s)
{
	json_strn(j, key, s, strlen(s));
}

/* Decimal digits of v, by hand (see jbuf_uint()). */
static void json_digits(struct json *j, unsigned long long v, bool neg)
{
	char buf[24], *p = buf + sizeof(buf);

	if (j->b && !neg) {
		jbuf_uint(j->b, v);
		return;
	}

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	jput(j, p, buf + sizeof(buf) - p);
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	json_digits(j, v, false);
}

void json_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	/* -v overflows for LLONG_MIN; its unsigned negation does not */
	json_digits(j, v < 0 ? -(unsigned long long)v : (unsigned long long)v,
		    v < 0);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	if (v)
		jput(j, "true", 4);
	else
		jput(j, "false", 5);
}

/* An error as bpftool prints one: {"error": msg} in JSON mode, else
 * "prefix: msg" on the given stream. */
void json_error(FILE *f, bool json, const char *prefix, const char *msg)
{
	struct json j;

	if (!json) {
		fprintf(f, "%s: %s\n", prefix, msg);
		return;
	}
	json_begin(&j, f);
	json_str(&j, "error", msg);
	json_end(&j);
}

/* @timestamp, then event.kind, .module and .action; the event object is
 * left open for the caller's own event.* fields. */
void json_head(struct json *j, const char *when, const char *kind,
	       const char *action)
{
	json_str(j, "@timestamp", when);
	json_obj_open(j, "event");
	json_str(j, "kind", kind);
	json_str(j, "module", "interdict");
	json_str(j, "action", action);
}

/* The head of every line interdict writes about itself or a scan. */
void json_event_head(struct json *j, FILE *f, const char *when,
		     const char *kind, const char *action)
{
	json_begin(j, f);
	json_head(j, when, kind, action);
}
