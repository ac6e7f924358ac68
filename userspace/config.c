// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdict.conf: the daemon's settings as "key = value" lines, so a unit
 * file need not repeat them and `interdict check` validates the same ones.
 * A file parses into a copy that replaces *c only when all of it is valid.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "interdict.h"

#define CONFIG_FILE_MAX	(1 << 20)	/* a config file larger is a mistake */
#define RULES_MAX	16777216	/* as interdictd's --max-*-rules */
#define REFRESH_MAX	86400

struct config_parser {
	struct config c;
	struct diags *d;
	const char *file;
	unsigned int line;
	unsigned int first[16];		/* line of each key given, by index */
};

struct config_key {
	const char *name;
	unsigned int bit;		/* CONFIG_SET_* */
	int (*parse)(struct config_parser *cp, const struct config_key *k,
		     const char *val);
	size_t off, size;		/* the field, for paths */
};

static void __attribute__((format(printf, 2, 3)))
cerr(struct config_parser *cp, const char *fmt, ...)
{
	char msg[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(cp->d, false, cp->file, cp->line, "%s", msg);
}

static int set_path(struct config_parser *cp, const struct config_key *k,
		    const char *val)
{
	size_t len = strlen(val);
	const char *via;

	if (val[0] != '/') {
		cerr(cp, "%s '%s' is not absolute; expected a path starting with '/'",
		     k->name, val);
		return -EINVAL;
	}
	if (len >= k->size) {
		cerr(cp, "%s is %zu bytes long; the limit is %zu bytes%s",
		     k->name, len, k->size - 1, k->bit == CONFIG_SET_CONTROL ?
		     " (a socket's path)" : "");
		return -EINVAL;
	}
	via = path_process_relative(val);
	if (via) {
		cerr(cp, "%s '%s' goes through %s, which names another file in every process; expected the file's own path",
		     k->name, val, via);
		return -EINVAL;
	}
	memcpy((char *)&cp->c + k->off, val, len + 1);
	return 0;
}

static int set_events(struct config_parser *cp, const struct config_key *k,
		      const char *val)
{
	if (!strcmp(val, "-")) {
		strcpy(cp->c.events, "-");
		return 0;
	}
	return set_path(cp, k, val);
}

static int set_mode(struct config_parser *cp, const struct config_key *k,
		    const char *val)
{
	if (strcmp(val, "audit") && strcmp(val, "enforce")) {
		cerr(cp, "%s '%s'; expected audit or enforce", k->name, val);
		return -EINVAL;
	}
	cp->c.enforce = !strcmp(val, "enforce");
	return 0;
}

/* Decimal digits only: strtoul would take "-1", " 5" and "0x10". */
static int parse_uint(const char *val, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *c;

	if (!*val || strspn(val, "0123456789") != strlen(val))
		return -EINVAL;
	for (c = val; *c; c++) {
		v = v * 10 + (*c - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = v;
	return 0;
}

static int set_rules(struct config_parser *cp, const struct config_key *k,
		     const char *val)
{
	unsigned long v;

	if (parse_uint(val, RULES_MAX, &v) || v == 0) {
		cerr(cp, "%s '%s'; expected a number from 1 to %d", k->name,
		     val, RULES_MAX);
		return -EINVAL;
	}
	if (k->bit == CONFIG_SET_MAX_SHA)
		cp->c.lim.sha_rules = v;
	else
		cp->c.lim.path_rules = v;
	return 0;
}

static int set_refresh(struct config_parser *cp, const struct config_key *k,
		       const char *val)
{
	unsigned long v;

	if (parse_uint(val, REFRESH_MAX, &v)) {
		cerr(cp, "%s '%s'; expected seconds from 0 (never) to %d",
		     k->name, val, REFRESH_MAX);
		return -EINVAL;
	}
	cp->c.refresh_s = v;
	return 0;
}

/* val as the index of one of n names into *out, else an error listing
 * them as `expect`. */
static int set_choice(struct config_parser *cp, const struct config_key *k,
		      const char *val, const char *const *names, int n,
		      const char *expect, int *out)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(val, names[i])) {
			*out = i;
			return 0;
		}
	cerr(cp, "%s '%s'; expected %s", k->name, val, expect);
	return -EINVAL;
}

static int set_journal(struct config_parser *cp, const struct config_key *k,
		       const char *val)
{
	static const char *const names[] = { "no", "yes", "auto" };

	return set_choice(cp, k, val, names, 3, "yes, no or auto",
			  &cp->c.journal);
}

static int set_fileless(struct config_parser *cp, const struct config_key *k,
			const char *val)
{
	/* enum id_fileless_mode */
	static const char *const names[] = { "off", "audit", "deny" };

	return set_choice(cp, k, val, names, 3, "off, audit or deny",
			  &cp->c.fileless);
}

/* Absolute paths separated by blanks or commas, at most
 * ID_FILELESS_ALLOW_MAX; kept as one string, each checked here. */
static int set_fileless_allow(struct config_parser *cp,
			      const struct config_key *k, const char *val)
{
	char copy[sizeof(cp->c.fileless_allow)], *save, *p;
	unsigned int n = 0;

	if (strlen(val) >= sizeof(copy)) {
		cerr(cp, "%s is %zu bytes long; the limit is %zu bytes", k->name,
		     strlen(val), sizeof(copy) - 1);
		return -EINVAL;
	}
	strcpy(copy, val);
	for (p = strtok_r(copy, " \t,", &save); p;
	     p = strtok_r(NULL, " \t,", &save)) {
		if (p[0] != '/') {
			cerr(cp, "%s: '%s' is not absolute; expected the paths of executables, each starting with '/'",
			     k->name, p);
			return -EINVAL;
		}
		if (++n > ID_FILELESS_ALLOW_MAX) {
			cerr(cp, "%s names more than %d executables", k->name,
			     ID_FILELESS_ALLOW_MAX);
			return -EINVAL;
		}
	}
	strcpy(cp->c.fileless_allow, val);
	return 0;
}


#define PATH_FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)

static const struct config_key keys[] = {
	{ "mode", CONFIG_SET_MODE, set_mode, 0, 0 },
	{ "policy-dir", CONFIG_SET_POLICY_DIR, set_path, PATH_FIELD(policy_dir) },
	{ "events", CONFIG_SET_EVENTS, set_events, PATH_FIELD(events) },
	{ "pin-dir", CONFIG_SET_PIN_DIR, set_path, PATH_FIELD(pin_dir) },
	{ "control", CONFIG_SET_CONTROL, set_path, PATH_FIELD(control) },
	{ "max-sha256-rules", CONFIG_SET_MAX_SHA, set_rules, 0, 0 },
	{ "max-path-rules", CONFIG_SET_MAX_PATH, set_rules, 0, 0 },
	{ "refresh", CONFIG_SET_REFRESH, set_refresh, 0, 0 },
	{ "journal", CONFIG_SET_JOURNAL, set_journal, 0, 0 },
	{ "fileless", CONFIG_SET_FILELESS, set_fileless, 0, 0 },
	{ "fileless-allow", CONFIG_SET_FILELESS_ALLOW, set_fileless_allow, 0, 0 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->policy_dir, "/etc/interdict/policy.d");
	strcpy(c->events, "-");
	strcpy(c->pin_dir, "/sys/fs/bpf/interdict");
	strcpy(c->control, "/run/interdict/control");
	c->enforce = -1;
	c->lim.sha_rules = 1 << 18;
	c->lim.path_rules = 1 << 16;
	c->lim.events_mb = 8;
	c->refresh_s = 5;
	c->journal = CONFIG_JOURNAL_AUTO;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* s without its leading and trailing blanks, in place. */
static char *trim(char *s)
{
	char *end;

	while (is_blank(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		*--end = '\0';
	return s;
}

static int parse_setting(struct config_parser *cp, char *line)
{
	char *eq, *key, *val, *hash;
	size_t i;

	/* A '#' starting a word begins a comment, as in policy files. */
	for (hash = line; (hash = strchr(hash, '#')); hash++)
		if (hash == line || is_blank(hash[-1])) {
			*hash = '\0';
			break;
		}
	key = trim(line);
	if (!*key)
		return 0;
	eq = strchr(key, '=');
	if (!eq) {
		cerr(cp, "'%s' is not a setting; expected key = value", key);
		return -EINVAL;
	}
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	for (i = 0; i < NKEYS && strcmp(keys[i].name, key); i++)
		;
	if (i == NKEYS) {
		cerr(cp, "unknown key '%s'; expected mode, policy-dir, events, pin-dir, control, max-sha256-rules, max-path-rules, refresh, journal, fileless or fileless-allow",
		     key);
		return -EINVAL;
	}
	if (cp->c.set & keys[i].bit) {
		cerr(cp, "%s given twice (first at line %u); expected each key once",
		     key, cp->first[i]);
		return -EINVAL;
	}
	if (!*val) {
		cerr(cp, "%s has no value", key);
		return -EINVAL;
	}
	cp->c.set |= keys[i].bit;
	cp->first[i] = cp->line;
	return keys[i].parse(cp, &keys[i], val);
}

static int parse_line(struct config_parser *cp, const char *s, size_t len)
{
	char line[8192];
	size_t i;

	if (len && s[len - 1] == '\r')
		len--;
	if (len >= sizeof(line)) {
		cerr(cp, "line is %zu bytes long; the limit is %zu bytes", len,
		     sizeof(line) - 1);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if ((c < ' ' && c != '\t') || c == 0x7f) {
			cerr(cp, "control character 0x%02x; expected printable text",
			     c);
			return -EINVAL;
		}
	}
	memcpy(line, s, len);
	line[len] = '\0';
	return parse_setting(cp, line);
}

static int parse_buf(struct config *c, const char *name, const char *buf,
		     size_t len, struct diags *d)
{
	struct config_parser cp = { .c = *c, .d = d, .file = name };
	const char *s = buf, *end = buf + len, *eol;
	int bad = 0;

	/* A key repeated on a reload is this file's, not the last one's. */
	cp.c.set = 0;
	while (s < end) {
		eol = memchr(s, '\n', end - s);
		if (!eol)
			eol = end;
		cp.line++;
		bad |= parse_line(&cp, s, eol - s);
		s = eol + 1;
	}
	if (bad)
		return -EINVAL;
	*c = cp.c;
	return 0;
}

int config_load(struct config *c, const char *path, struct diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	mode_t type;
	int ret;

	ret = file_read(path, CONFIG_FILE_MAX, &buf, &len, &type);
	if (ret == -ENOENT)
		return ret;
	if (ret) {
		diag_read_error(d, path, ret, type);
		return ret == -EINVAL || ret == -EISDIR || ret == -EFBIG ?
		       -EINVAL : ret;
	}
	ret = parse_buf(c, path, buf, len, d);
	free(buf);
	return ret;
}

int config_parse_file(struct config *c, const char *path, FILE *err)
{
	struct diags d = { .f = err };

	return config_load(c, path, &d);
}

int config_parse_buf(struct config *c, const char *name, const char *buf,
		     size_t len, FILE *err)
{
	struct diags d = { .f = err };

	return parse_buf(c, name, buf, len, &d);
}
