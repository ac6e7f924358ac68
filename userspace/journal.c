// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event lines in the journal and as readable lines. Both start from the
 * JSON line the encoder wrote, flattened to dotted keys, so the JSON file,
 * the journal's fields (FILE_PATH=, RULE_ID=, ... and the line itself as
 * INTERDICT_JSON=) and `interdict events` can never disagree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "interdict.h"

#define FIELDS_MAX	64

/* Decode one JSON string at *s (past its quote) into out, UTF-8. */
static int unquote(const char **s, const char *end, char *out, size_t len,
		   size_t *outlen)
{
	const char *p = *s;
	size_t n = 0;
	unsigned int cp;

	while (p < end && *p != '"') {
		char c = *p++;

		if (c == '\\') {
			if (p >= end)
				return -EINVAL;
			c = *p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				if (end - p < 4 || sscanf(p, "%4x", &cp) != 1)
					return -EINVAL;
				p += 4;
				if (n + 3 >= len)
					return -E2BIG;
				if (cp < 0x80) {
					out[n++] = cp;
				} else if (cp < 0x800) {
					out[n++] = 0xc0 | cp >> 6;
					out[n++] = 0x80 | (cp & 0x3f);
				} else {
					out[n++] = 0xe0 | cp >> 12;
					out[n++] = 0x80 | ((cp >> 6) & 0x3f);
					out[n++] = 0x80 | (cp & 0x3f);
				}
				continue;
			}
		}
		if (n + 1 >= len)
			return -E2BIG;
		out[n++] = c;
	}
	if (p >= end)
		return -EINVAL;
	out[n] = 0;
	*outlen = n;
	*s = p + 1;
	return 0;
}

/* Flatten one line of our JSON (objects, strings, numbers, booleans; no
 * arrays) into fields with dotted keys. Returns the number, or -EINVAL. */
int json_flatten(const char *line, size_t len, struct flat *f)
{
	const char *p = line, *end = line + len;
	char prefix[8][64];
	size_t klen, vlen;
	int depth = -1, n = 0, err;
	char key[64];

	f->n = 0;
	f->used = 0;
	while (p < end) {
		char c = *p;

		if (c == '{') {
			if (depth >= 0 && depth + 1 < 8 &&
			    (size_t)snprintf(prefix[depth + 1], sizeof(prefix[0]),
					     "%s%s%s", depth ? prefix[depth] : "",
					     depth ? "." : "", key) >=
			    sizeof(prefix[0]))
				return -E2BIG;
			depth++;
			p++;
			continue;
		}
		if (c == '}') {
			depth--;
			p++;
			continue;
		}
		if (c == ',' || c == ' ' || c == '\n' || c == ':') {
			p++;
			continue;
		}
		if (c != '"' || depth < 0 || depth >= 8)
			return -EINVAL;
		p++;
		err = unquote(&p, end, key, sizeof(key), &klen);
		if (err)
			return err;
		while (p < end && *p == ':')
			p++;
		if (p < end && *p == '{')
			continue;	/* an object: its key is the prefix */
		if (n == FIELDS_MAX)
			return -E2BIG;
		if (f->used + 64 + 2 > sizeof(f->buf))
			return -E2BIG;
		if ((size_t)snprintf(f->v[n].key, sizeof(f->v[n].key), "%s%s%s",
				     depth ? prefix[depth] : "", depth ? "." : "",
				     key) >= sizeof(f->v[n].key))
			return -E2BIG;
		f->v[n].val = f->buf + f->used;
		if (p < end && *p == '"') {
			p++;
			err = unquote(&p, end, f->buf + f->used,
				      sizeof(f->buf) - f->used, &vlen);
			if (err)
				return err;
		} else if (p < end && *p == '[') {
			/* an array (process.args, ...): its JSON text */
			const char *q = p;
			bool str = false;
			int nest = 0;

			for (; q < end; q++) {
				if (str) {
					if (*q == '\\' && q + 1 < end)
						q++;
					else if (*q == '"')
						str = false;
				} else if (*q == '"') {
					str = true;
				} else if (*q == '[') {
					nest++;
				} else if (*q == ']' && !--nest) {
					break;
				}
			}
			if (q >= end)
				return -EINVAL;
			vlen = q + 1 - p;
			if (f->used + vlen + 1 > sizeof(f->buf))
				return -E2BIG;
			memcpy(f->buf + f->used, p, vlen);
			f->buf[f->used + vlen] = 0;
			p += vlen;
		} else {
			vlen = strcspn(p, ",}");
			if (p + vlen > end || f->used + vlen + 1 > sizeof(f->buf))
				return -EINVAL;
			memcpy(f->buf + f->used, p, vlen);
			f->buf[f->used + vlen] = 0;
			p += vlen;
		}
		f->v[n].len = vlen;
		f->used += vlen + 1;
		n++;
	}
	f->n = n;
	return depth == -1 ? n : -EINVAL;
}

const char *flat_get(const struct flat *f, const char *key)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].key, key))
			return f->v[i].val;
	return NULL;
}

static const char *or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

/* The syslog priority of a line: tamper attempts above denials above lost
 * events above audits above the daemon's own news. */
int event_priority(const struct flat *f)
{
	const char *kind = or(flat_get(f, "event.kind"), "");
	const char *action = or(flat_get(f, "event.action"), "");

	if (!strcmp(kind, "alert"))
		return 2;	/* LOG_CRIT */
	if (!strcmp(kind, "metric"))
		return 3;	/* LOG_ERR: events were lost */
	if (strstr(action, "-denied"))
		return 4;	/* LOG_WARNING */
	if (strstr(action, "-audited"))
		return 5;	/* LOG_NOTICE */
	return 6;		/* LOG_INFO */
}

/* One readable line: when, what, which file, who, which rule. */
void event_summary(const struct flat *f, char *out, size_t len)
{
	const char *kind = or(flat_get(f, "event.kind"), "");
	const char *action = or(flat_get(f, "event.action"), "?");
	const char *who = or(flat_get(f, "process.name"), "?");
	const char *pid = or(flat_get(f, "process.pid"), "?");
	const char *uid = or(flat_get(f, "user.id"), "?");

	if (!strcmp(kind, "event"))
		snprintf(out, len, "%s %s by %s[%s] uid %s: rule %s (%s, "
			 "mode %s)", action, or(flat_get(f, "file.path"), "?"),
			 who, pid, uid, or(flat_get(f, "rule.id"), "?"),
			 or(flat_get(f, "interdict.decision"), "?"),
			 or(flat_get(f, "interdict.mode"), "?"));
	else if (!strcmp(kind, "alert"))
		snprintf(out, len, "%s: %s by %s[%s] uid %s", action,
			 or(flat_get(f, "interdict.tamper"), "?"), who, pid, uid);
	else if (!strcmp(kind, "metric"))
		snprintf(out, len, "%s: %s events lost (%s in total)", action,
			 or(flat_get(f, "interdict.events_lost"), "?"),
			 or(flat_get(f, "interdict.events_lost_total"), "?"));
	else
		snprintf(out, len, "%s: mode %s, policy generation %s%s%s",
			 action, or(flat_get(f, "interdict.mode"), "?"),
			 or(flat_get(f, "interdict.policy_generation"), "?"),
			 flat_get(f, "interdict.reason") ? ", " : "",
			 or(flat_get(f, "interdict.reason"), ""));
}

/* ECS key to journal field: upper case, '.' and '@' to '_'. */
static void field_name(const char *key, char *out, size_t len)
{
	size_t i, n = 0;

	for (i = 0; key[i] && n + 1 < len; i++) {
		char c = key[i];

		if (c == '@')
			continue;
		out[n++] = c >= 'a' && c <= 'z' ? c - 32 :
			   (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ?
			   c : '_';
	}
	out[n] = 0;
}

/* Send one event line to journald with MESSAGE=, PRIORITY=, the ECS
 * fields and the line itself: one iovec per field. 0 or -errno. */
int journal_send_line(const char *line, size_t len)
{
	static struct flat f;
	static char msg[1024], prio[16], json[70000];
	struct iovec iov[FIELDS_MAX + 5];
	size_t jl = len && line[len - 1] == '\n' ? len - 1 : len;
	int i, n = 0, fixed, err;
	char name[64];

	if (json_flatten(line, len, &f) < 0)
		return -EINVAL;
	memcpy(msg, "MESSAGE=", 8);
	event_summary(&f, msg + 8, sizeof(msg) - 8);
	iov[n].iov_base = msg;
	iov[n++].iov_len = strlen(msg);
	snprintf(prio, sizeof(prio), "PRIORITY=%d", event_priority(&f));
	iov[n].iov_base = prio;
	iov[n++].iov_len = strlen(prio);
	iov[n].iov_base = (char *)"SYSLOG_IDENTIFIER=interdictd";
	iov[n++].iov_len = strlen("SYSLOG_IDENTIFIER=interdictd");
	iov[n].iov_base = (char *)"INTERDICT_EVENT=1";	/* interdict events */
	iov[n++].iov_len = strlen("INTERDICT_EVENT=1");
	if (jl + 15 <= sizeof(json)) {
		memcpy(json, "INTERDICT_JSON=", 15);
		memcpy(json + 15, line, jl);
		iov[n].iov_base = json;
		iov[n++].iov_len = jl + 15;
	}
	fixed = n;
	for (i = 0; i < f.n; i++) {
		size_t nl;
		char *fld;

		field_name(f.v[i].key, name, sizeof(name));
		nl = strlen(name);
		fld = malloc(nl + 1 + f.v[i].len);
		if (!fld)
			break;
		memcpy(fld, name, nl);
		fld[nl] = '=';
		memcpy(fld + nl + 1, f.v[i].val, f.v[i].len);
		iov[n].iov_base = fld;
		iov[n++].iov_len = nl + 1 + f.v[i].len;
	}
	err = sd_journal_sendv(iov, n);
	for (i = fixed; i < n; i++)
		free(iov[i].iov_base);
	return err;
}
