// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control protocol between interdict and interdictd, one request per
 * connection: "interdict/1 text|json VERB [ARG]\n" (at most CTL_REQ_MAX
 * bytes); the answer is the exit status on a line of its own, then the
 * verb's output (text, or one JSON object), then end of file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "interdict.h"

static const char *const verbs[] = {
	[CTL_STATUS] = "status",
	[CTL_RELOAD] = "reload",
	[CTL_RULES] = "rules",
	[CTL_MODE] = "mode",
	[CTL_DISABLE] = "disable",
};

const char *ctl_verb_name(enum ctl_verb v)
{
	return v > 0 && v < CTL_NVERBS ? verbs[v] : "?";
}

int ctl_verb_parse(const char *name)
{
	int v;

	for (v = 1; v < CTL_NVERBS; v++)
		if (!strcmp(name, verbs[v]))
			return v;
	return -EINVAL;
}

int ctl_format(char *buf, size_t len, const struct ctl_req *req)
{
	int n = snprintf(buf, len, CTL_MAGIC " %s %s%s\n",
			 req->json ? "json" : "text", ctl_verb_name(req->verb),
			 req->verb != CTL_MODE ? "" :
			 req->enforce ? " enforce" : " audit");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

/* Strict: exactly one line of known words, nothing else. */
int ctl_parse(const char *buf, size_t len, struct ctl_req *req)
{
	char line[CTL_REQ_MAX + 1], *w[5], *t, *sp;
	int n = 0, v;

	memset(req, 0, sizeof(*req));
	if (!len || len > CTL_REQ_MAX || buf[len - 1] != '\n' ||
	    memchr(buf, 0, len) || memchr(buf, '\n', len) != buf + len - 1)
		return -EPROTO;
	memcpy(line, buf, len - 1);
	line[len - 1] = 0;
	/* words separated by exactly one space: one spelling per request */
	for (t = line; t; t = sp ? sp + 1 : NULL) {
		sp = strchr(t, ' ');
		if (sp)
			*sp = 0;
		if (!*t || n == 5)
			return -EPROTO;
		w[n++] = t;
	}
	if (n < 3 || strcmp(w[0], CTL_MAGIC))
		return -EPROTO;
	if (!strcmp(w[1], "json"))
		req->json = true;
	else if (strcmp(w[1], "text"))
		return -EPROTO;
	v = ctl_verb_parse(w[2]);
	if (v < 0)
		return -EINVAL;
	req->verb = v;
	if (v == CTL_MODE) {
		if (n != 4 || (strcmp(w[3], "audit") && strcmp(w[3], "enforce")))
			return -EINVAL;
		req->enforce = !strcmp(w[3], "enforce");
	} else if (n != 3) {
		return -EINVAL;
	}
	return 0;
}
