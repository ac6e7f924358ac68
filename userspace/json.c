// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small streaming JSON writer. File names are arbitrary bytes, so strings
 * are checked as UTF-8 and each invalid byte is written as U+FFFD: the line
 * stays valid JSON whatever a hostile name contains.
 */
#include <string.h>

#include "interdict.h"

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
static bool json_plain(unsigned char c)
{
	return (unsigned int)c - 0x20 < 0x5f && c != '"' && c != '\\';
}

/* Runs of plain bytes go out in one fwrite: most strings are one run, and
 * a byte at a time made this most of the cost of an event line. */
void json_escape(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, len;

	fputc('"', f);
	while (i < n) {
		unsigned char c = s[i];

		for (run = i; run < n && json_plain(s[run]); run++)
			;
		if (run > i) {
			fwrite(s + i, 1, run - i, f);
			i = run;
			continue;
		}
		switch (c) {
		case '"':  fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
				break;
			}
			len = utf8_len(s + i, n - i);
			if (!len) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s + i, 1, len, f);
			i += len;
			continue;
		}
		i++;
	}
	fputc('"', f);
}

static void json_key(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		json_escape(j->f, key, strlen(key));
		fputc(':', j->f);
	}
}

void json_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
	fputc('{', f);
}

void json_end(struct json *j)
{
	fputs("}\n", j->f);
}

void json_obj_open(struct json *j, const char *key)
{
	json_key(j, key);
	fputc('{', j->f);
	if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
		j->depth++;
	j->first[j->depth] = true;
}

void json_obj_close(struct json *j)
{
	fputc('}', j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_arr_open(struct json *j, const char *key)
{
	json_key(j, key);
	fputc('[', j->f);
	if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
		j->depth++;
	j->first[j->depth] = true;
}

void json_arr_close(struct json *j)
{
	fputc(']', j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_strn(struct json *j, const char *key, const char *s, size_t n)
{
	json_key(j, key);
	json_escape(j->f, s, n);
}

void json_str(struct json *j, const char *key, const char *s)
{
	json_strn(j, key, s, strlen(s));
}

void json_uint(struct json *j, const char *key, unsigned long long v)
{
	json_key(j, key);
	fprintf(j->f, "%llu", v);
}

void json_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	fprintf(j->f, "%lld", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_key(j, key);
	fputs(v ? "true" : "false", j->f);
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

/* The head of every line interdict writes about itself or a scan:
 * @timestamp, then event.kind, .module and .action; the event object is
 * left open for the caller's own event.* fields. */
void json_event_head(struct json *j, FILE *f, const char *when,
		     const char *kind, const char *action)
{
	json_begin(j, f);
	json_str(j, "@timestamp", when);
	json_obj_open(j, "event");
	json_str(j, "kind", kind);
	json_str(j, "module", "interdict");
	json_str(j, "action", action);
}
