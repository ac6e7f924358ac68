// SPDX-License-Identifier: GPL-2.0-only
/*
 * The event encoder: one ring buffer record becomes one line of JSON with
 * Elastic Common Schema field names (schema in README.md, "Events").
 */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "interdict.h"

#define EVENT_SCHEMA_VERSION 2

/* The strings of a record (enum id_str), checked against its size. */
struct ev_strs {
	const char *s[ID_STR_N];
	size_t n[ID_STR_N];
};

static void ev_strs(const struct id_event *ev, size_t size, struct ev_strs *o)
{
	size_t have = size > sizeof(*ev) ? size - sizeof(*ev) : 0, at = 0;
	int i;

	for (i = 0; i < ID_STR_N; i++) {
		size_t n = ev->len[i];

		if (n > have - at)	/* a short or inconsistent record */
			n = 0;
		o->s[i] = ev->data + at;
		o->n[i] = n;
		at += n;
	}
}

static const char *hook_name(__u8 hook)
{
	switch (hook) {
	case ID_HOOK_EXEC: return "exec";
	case ID_HOOK_MMAP: return "mmap";
	case ID_HOOK_OPEN: return "open";
	case ID_EV_HOOK_MPROTECT: return "mprotect";
	case ID_EV_HOOK_EXEC_CHECK: return "exec-check";
	}
	return "unknown";
}

/* RFC 3339, UTC, microseconds: every line's @timestamp. The date and
 * time of day are formatted once per second (a burst shares them), the
 * microseconds by hand. */
void event_time(__u64 realtime_ns, char *out, size_t len)
{
	static __thread time_t last = -1;
	static __thread char day[64];
	static __thread size_t day_len;
	time_t sec = realtime_ns / 1000000000ULL;
	unsigned int us = realtime_ns % 1000000000ULL / 1000;
	char buf[80];
	struct tm tm;
	int i;

	if (sec != last) {
		gmtime_r(&sec, &tm);
		day_len = strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
		last = sec;
	}
	memcpy(buf, day, day_len);
	buf[day_len] = '.';
	for (i = 6; i > 0; i--, us /= 10)
		buf[day_len + i] = '0' + us % 10;
	buf[day_len + 7] = 'Z';
	buf[day_len + 8] = 0;
	if (len) {
		size_t n = day_len + 8 < len ? day_len + 8 : len - 1;

		memcpy(out, buf, n);
		out[n] = 0;
	}
}

/* v in decimal, as a string member's value (user.id, group.id). */
static const char *uint_str(unsigned int v, char buf[16])
{
	char *p = buf + 15;

	*p = 0;
	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	return p;
}

static const char *tamper_name(__u8 what)
{
	static const char *const names[] = {
		[ID_TAMPER_BPF_MAP] = "bpf-map",
		[ID_TAMPER_BPF_PROG] = "bpf-prog",
		[ID_TAMPER_BPF_LINK] = "bpf-link",
		[ID_TAMPER_FMOD_RET] = "bpf-modify-return",
		[ID_TAMPER_UNLINK] = "pin-unlink",
		[ID_TAMPER_RENAME] = "pin-rename",
		[ID_TAMPER_UMOUNT] = "umount",
		[ID_TAMPER_PTRACE] = "ptrace",
		[ID_TAMPER_SIGNAL] = "signal",
	};

	return what < sizeof(names) / sizeof(names[0]) && names[what] ?
	       names[what] : "unknown";
}

/*
 * The line is appended to the batch piece by piece: each member's key and
 * punctuation as one literal (the layout of a line is fixed; which members
 * a record has decides which literals), strings escaped in place, numbers
 * by hand. The bytes are those the generic writer (json.c) makes of the
 * same members in the same order; tests/unit/test_event.c holds lines to
 * compare with.
 */
#define LIT(b, s)	JBUF_LIT(b, s)

static inline void put_str(struct jbuf *b, const char *s, size_t n)
{
	jbuf_str(b, s, n);
}

static inline void put_cstr(struct jbuf *b, const char *s)
{
	jbuf_str(b, s, strlen(s));
}

/* A constant or digits of ours: nothing in it needs escaping. */
static inline void put_plain(struct jbuf *b, const char *s)
{
	jbuf_put(b, s, strlen(s));
}

/* "a\0b\0c" as the members of a JSON array of strings. */
static void put_args(struct jbuf *b, const char *s, size_t n)
{
	const char *end = s + n, *z;
	bool first = true;

	LIT(b, "[");
	while (s < end) {
		z = memchr(s, 0, end - s);
		if (!z)
			z = end;
		if (!first)
			LIT(b, ",");
		first = false;
		put_str(b, s, z - s);
		s = z + 1;
	}
	LIT(b, "]");
}

/* The arguments joined by spaces, as ps shows them (bounded, escaped). */
static void put_cmdline(struct jbuf *b, const char *s, size_t n)
{
	char buf[ID_ARGS_MAX];
	size_t i;

	if (n > sizeof(buf))
		n = sizeof(buf);
	for (i = 0; i < n; i++)
		buf[i] = s[i] ? s[i] : ' ';
	put_str(b, buf, n);
}

/* container.id or systemd.unit of a cgroup path: the last path looked at
 * and its answer are kept, a burst comes from few cgroups. */
struct cg_names {
	char cgroup[PATH_MAX];
	int kind;			/* 1 container, 2 unit, 0 neither */
	char name[256];
};

static const struct cg_names *cg_names(const char *cgroup)
{
	static __thread struct cg_names c;
	static __thread bool valid;
	size_t n = strlen(cgroup);

	if (valid && !strcmp(c.cgroup, cgroup))
		return &c;
	valid = false;
	c.kind = 0;
	if (!event_container_id(cgroup, c.name, sizeof(c.name)))
		c.kind = 1;
	else if (!event_systemd_unit(cgroup, c.name, sizeof(c.name)))
		c.kind = 2;
	if (n < sizeof(c.cgroup)) {
		memcpy(c.cgroup, cgroup, n + 1);
		valid = true;
	}
	return &c;
}

/* The strings a kept part or line was made from, one after another in
 * key, with their lengths in have (SIZE_MAX: absent, told apart from "").
 * The context's part of them (interdictd's /proc reading of the
 * executable, the cgroup, the host) is the same for both keeps. */
static void ctx_key(const struct event_ctx *ctx, const char **s, size_t *n)
{
	s[0] = ctx->exe ? ctx->exe : "";
	n[0] = ctx->exe ? strlen(ctx->exe) : SIZE_MAX;
	s[1] = ctx->cgroup ? ctx->cgroup : "";
	n[1] = ctx->cgroup ? strlen(ctx->cgroup) : SIZE_MAX;
	s[2] = ctx->hostname;
	n[2] = strlen(ctx->hostname);
}

static bool key_same(const struct jbuf *key, const size_t *have,
		     const char *const *s, const size_t *n, int count)
{
	const char *k = key->p;
	int i;

	for (i = 0; i < count; i++) {
		size_t len = n[i] == SIZE_MAX ? 0 : n[i];

		if (have[i] != n[i])
			return false;
		if (len && memcmp(k, s[i], len))
			return false;
		if (len)
			k += len;
	}
	return true;
}

static void key_put(struct jbuf *key, const char *const *s, const size_t *n,
		    int count)
{
	int i;

	for (i = 0; i < count; i++)
		jbuf_put(key, s[i], n[i] == SIZE_MAX ? 0 : n[i]);
}

/*
 * A stream comes from few processes, and what a line says of the process
 * (from "process" to the end) is most of its bytes: the last such part is
 * kept with everything it was made from, and copied when a record has the
 * same. Names are resolved through caches that keep their answers (user
 * and group names, the cgroup's container or unit), so a copy says what
 * writing the part again would.
 */
enum { AK_EXE, AK_ARGS, AK_CWD, AK_PARENT_EXE, AK_CTX_EXE, AK_CGROUP,
       AK_HOST, AK_N };

struct actor_cache {
	bool valid, names;
	__u32 pid, tid, ppid, uid, gid;
	char comm[ID_COMM_LEN];
	size_t n[AK_N];
	struct jbuf key, out;	/* the strings, one after another; the part */
};

static void actor_key(const struct ev_strs *st, const struct event_ctx *ctx,
		      const char *s[AK_N], size_t n[AK_N])
{
	s[AK_EXE] = st->s[ID_STR_EXE];
	n[AK_EXE] = st->n[ID_STR_EXE];
	s[AK_ARGS] = st->s[ID_STR_ARGS];
	n[AK_ARGS] = st->n[ID_STR_ARGS];
	s[AK_CWD] = st->s[ID_STR_CWD];
	n[AK_CWD] = st->n[ID_STR_CWD];
	s[AK_PARENT_EXE] = st->s[ID_STR_PARENT_EXE];
	n[AK_PARENT_EXE] = st->n[ID_STR_PARENT_EXE];
	ctx_key(ctx, s + AK_CTX_EXE, n + AK_CTX_EXE);
}

static bool actor_same(const struct actor_cache *c, const struct id_event *ev,
		       const struct event_ctx *ctx, const char *s[AK_N],
		       const size_t n[AK_N])
{
	return c->valid && c->pid == ev->pid && c->tid == ev->tid &&
	       c->ppid == ev->ppid && c->uid == ev->uid && c->gid == ev->gid &&
	       c->names == ctx->names &&
	       !memcmp(c->comm, ev->comm, ID_COMM_LEN) &&
	       key_same(&c->key, c->n, s, n, AK_N);
}

static void actor_keep(struct actor_cache *c, const struct id_event *ev,
		       const struct event_ctx *ctx, const char *s[AK_N],
		       const size_t n[AK_N], const char *part, size_t len)
{
	c->valid = false;
	c->key.len = c->out.len = 0;
	key_put(&c->key, s, n, AK_N);
	jbuf_put(&c->out, part, len);
	if (c->key.failed || c->out.failed) {
		jbuf_free(&c->key);
		jbuf_free(&c->out);
		return;
	}
	c->pid = ev->pid;
	c->tid = ev->tid;
	c->ppid = ev->ppid;
	c->uid = ev->uid;
	c->gid = ev->gid;
	c->names = ctx->names;
	memcpy(c->comm, ev->comm, ID_COMM_LEN);
	memcpy(c->n, n, sizeof(c->n));
	c->valid = true;
}

static void write_actor_part(struct jbuf *b, const struct id_event *ev,
			     const struct ev_strs *st,
			     const struct event_ctx *ctx);

/* The process that tried: every record says who. */
static void write_actor(struct jbuf *b, const struct id_event *ev,
			const struct ev_strs *st, const struct event_ctx *ctx)
{
	static __thread struct actor_cache c;
	const char *s[AK_N];
	size_t n[AK_N], start = b->len;

	actor_key(st, ctx, s, n);
	if (actor_same(&c, ev, ctx, s, n)) {
		jbuf_put(b, c.out.p, c.out.len);
		return;
	}
	write_actor_part(b, ev, st, ctx);
	if (!b->failed)
		actor_keep(&c, ev, ctx, s, n, b->p + start, b->len - start);
}

/* {"id":"N"} or {"id":"N","name":"..."} for a user or group id, the name
 * by lookup when there is one (lookup NULL: names are off). */
static void put_id(struct jbuf *b, unsigned int id,
		   int (*lookup)(unsigned int, char *, size_t))
{
	char num[16], name[256];

	LIT(b, "{\"id\":\"");
	put_plain(b, uint_str(id, num));
	LIT(b, "\"");
	if (lookup && !lookup(id, name, sizeof(name))) {
		LIT(b, ",\"name\":");
		put_cstr(b, name);
	}
	LIT(b, "}");
}

static void write_actor_part(struct jbuf *b, const struct id_event *ev,
			     const struct ev_strs *st,
			     const struct event_ctx *ctx)
{

	LIT(b, ",\"process\":{\"pid\":");
	jbuf_uint(b, ev->pid);
	LIT(b, ",\"name\":");
	put_str(b, ev->comm, strnlen(ev->comm, ID_COMM_LEN));
	if (st->n[ID_STR_EXE]) {
		LIT(b, ",\"executable\":");
		put_str(b, st->s[ID_STR_EXE], st->n[ID_STR_EXE]);
	} else if (ctx->exe) {
		LIT(b, ",\"executable\":");
		put_cstr(b, ctx->exe);
	}
	if (st->n[ID_STR_ARGS]) {
		LIT(b, ",\"args\":");
		put_args(b, st->s[ID_STR_ARGS], st->n[ID_STR_ARGS]);
		LIT(b, ",\"command_line\":");
		put_cmdline(b, st->s[ID_STR_ARGS], st->n[ID_STR_ARGS]);
	}
	if (st->n[ID_STR_CWD]) {
		LIT(b, ",\"working_directory\":");
		put_str(b, st->s[ID_STR_CWD], st->n[ID_STR_CWD]);
	}
	LIT(b, ",\"thread\":{\"id\":");
	jbuf_uint(b, ev->tid);
	LIT(b, "},\"parent\":{\"pid\":");
	jbuf_uint(b, ev->ppid);
	if (st->n[ID_STR_PARENT_EXE]) {
		LIT(b, ",\"executable\":");
		put_str(b, st->s[ID_STR_PARENT_EXE], st->n[ID_STR_PARENT_EXE]);
	}
	LIT(b, "}},\"user\":");
	put_id(b, ev->uid, ctx->names ? event_user_name : NULL);
	LIT(b, ",\"group\":");
	put_id(b, ev->gid, ctx->names ? event_group_name : NULL);

	if (ctx->cgroup && ctx->cgroup[0]) {
		const struct cg_names *c = cg_names(ctx->cgroup);

		if (c->kind == 1) {
			LIT(b, ",\"container\":{\"id\":\"");
			put_plain(b, c->name);	/* 64 hex digits */
			LIT(b, "\"}");
		} else if (c->kind == 2) {
			LIT(b, ",\"systemd\":{\"unit\":");
			put_cstr(b, c->name);
			LIT(b, "}");
		}
	}

	LIT(b, ",\"host\":{\"hostname\":");
	put_cstr(b, ctx->hostname);
	LIT(b, "}}\n");
}

/* interdict.cgroup and interdict.truncated, shared by both kinds; never
 * the first members of their object. */
static void write_who_extra(struct jbuf *b, const struct id_event *ev,
			    const struct event_ctx *ctx)
{
	static const char *const names[ID_STR_N] = {
		[ID_STR_PATH] = "\"file.path\"",
		[ID_STR_EXE] = "\"process.executable\"",
		[ID_STR_PARENT_EXE] = "\"process.parent.executable\"",
		[ID_STR_CWD] = "\"process.working_directory\"",
		[ID_STR_ARGS] = "\"process.args\"",
		[ID_STR_ARGV] = "\"interdict.exec_args\"",
	};
	bool first = true;
	int i;

	if (ev->cgroup_id) {
		LIT(b, ",\"cgroup_id\":");
		jbuf_uint(b, ev->cgroup_id);
		if (ctx->cgroup && ctx->cgroup[0]) {
			LIT(b, ",\"cgroup\":");
			put_cstr(b, ctx->cgroup);
		}
	}
	if (ev->cut & ((1 << ID_STR_N) - 1)) {
		LIT(b, ",\"truncated\":[");
		for (i = 0; i < ID_STR_N; i++)
			if (ev->cut & (1 << i)) {
				if (!first)
					LIT(b, ",");
				first = false;
				put_plain(b, names[i]);
			}
		LIT(b, "]");
	}
}

/* {"@timestamp":...,"event":{"kind":...,"module":"interdict","action":...,
 * "outcome":...}: the time, and constants of ours. */
static void write_head(struct jbuf *b, const struct id_event *ev,
		       const struct event_ctx *ctx, const char *kind,
		       const char *action, const char *suffix,
		       const char *outcome)
{
	char when[80];

	event_time(ev->boot_ns + ctx->realtime_offset_ns, when, sizeof(when));
	LIT(b, "{\"@timestamp\":\"");
	put_plain(b, when);
	LIT(b, "\",\"event\":{\"kind\":\"");
	put_plain(b, kind);
	LIT(b, "\",\"module\":\"interdict\",\"action\":\"");
	put_plain(b, action);
	put_plain(b, suffix);
	LIT(b, "\",\"outcome\":\"");
	put_plain(b, outcome);
	LIT(b, "\"},\"interdict\":{\"schema\":");
	jbuf_uint(b, EVENT_SCHEMA_VERSION);
}

/* An attempt on interdict itself: what, on which object, by whom. */
static void write_tamper(struct jbuf *b, const struct id_event *ev,
			 const struct ev_strs *st, const struct event_ctx *ctx)
{
	write_head(b, ev, ctx, "alert", "tamper-denied", "", "failure");
	LIT(b, ",\"decision\":\"deny\",\"tamper\":\"");
	put_plain(b, tamper_name(ev->tamper));
	LIT(b, "\"");
	if (ev->tamper == ID_TAMPER_SIGNAL || ev->tamper == ID_TAMPER_PTRACE) {
		LIT(b, ",\"target_pid\":");
		jbuf_uint(b, ev->target);
	} else if (ev->target) {
		LIT(b, ",\"object_id\":");
		jbuf_uint(b, ev->target);
	}
	if (ev->tamper == ID_TAMPER_SIGNAL) {
		LIT(b, ",\"signal\":");
		jbuf_uint(b, ev->signo);
	}
	if (ev->ino) {
		LIT(b, ",\"pin_inode\":");
		jbuf_uint(b, ev->ino);
		LIT(b, ",\"pin_device\":");
		jbuf_uint(b, ev->dev);
	}
	LIT(b, ",\"policy_generation\":");
	jbuf_uint(b, ev->gen);
	write_who_extra(b, ev, ctx);
	LIT(b, "}");
	write_actor(b, ev, st, ctx);
}

static const char *fileless_name(__u32 kind)
{
	return kind == ID_FL_ANON ? "anonymous" : kind == ID_FL_MEMFD ?
	       "memfd" : kind == ID_FL_SHM ? "shm" : "unknown";
}

static void write_decision(struct jbuf *b, const struct id_event *ev,
			   const struct ev_strs *st,
			   const struct event_ctx *ctx)
{
	bool deny = ev->decision == ID_DECISION_DENY;
	bool fileless = ev->type == ID_EV_FILELESS;
	const struct rule *rule = NULL;
	char hex[2 * ID_SHA256_LEN + 1];
	const char *path, *name, *hook = hook_name(ev->hook);
	size_t plen;

	path = st->s[ID_STR_PATH];
	plen = st->n[ID_STR_PATH];
	name = memrchr(path, '/', plen);
	if (!fileless && ctx->policy && ev->rule_index < ctx->policy->nrules)
		rule = &ctx->policy->rules[ev->rule_index];
	name = name ? name + 1 : path;

	write_head(b, ev, ctx, "event", hook, deny ? "-denied" : "-audited",
		   deny ? "failure" : "success");
	if (deny)
		LIT(b, ",\"decision\":\"deny\"");
	else
		LIT(b, ",\"decision\":\"audit\"");
	if (ev->enforce)
		LIT(b, ",\"mode\":\"enforce\",\"hook\":\"");
	else
		LIT(b, ",\"mode\":\"audit\",\"hook\":\"");
	put_plain(b, hook);
	if (ev->rule_flags & ID_RULE_AUDIT)
		LIT(b, "\",\"rule_audit\":true,\"policy_generation\":");
	else
		LIT(b, "\",\"rule_audit\":false,\"policy_generation\":");
	jbuf_uint(b, ev->gen);
	if (fileless) {
		LIT(b, ",\"fileless\":\"");
		put_plain(b, fileless_name(ev->target));
		LIT(b, "\"");
	} else {
		LIT(b, ",\"rule_index\":");
		jbuf_uint(b, ev->rule_index);
	}
	if (ev->fail_closed) {
		LIT(b, ",\"fail_closed\":\"");
		put_plain(b, ev->fail_closed == ID_FAIL_DEPTH ? "depth" :
			  ev->fail_closed == ID_FAIL_NO_HASH ? "no-hash" :
			  ev->fail_closed == ID_FAIL_LINK ? "link" :
			  "unknown");
		LIT(b, "\"");
	}
	if (st->n[ID_STR_ARGV]) {
		LIT(b, ",\"exec_args\":");
		put_args(b, st->s[ID_STR_ARGV], st->n[ID_STR_ARGV]);
	}
	write_who_extra(b, ev, ctx);

	if (fileless) {
		LIT(b, "},\"rule\":{\"id\":\"fileless\",\"description\":"
		    "\"executable memory no file on disk holds\",\"ruleset\":"
		    "\"interdict.conf\"}");
	} else if (rule) {
		LIT(b, "},\"rule\":{\"id\":");
		put_cstr(b, rule->id);
		if (rule->msg[0]) {
			LIT(b, ",\"description\":");
			put_cstr(b, rule->msg);
		}
		LIT(b, ",\"ruleset\":");
		put_cstr(b, rule->file);
		LIT(b, "}");
	} else {
		LIT(b, "},\"rule\":{\"id\":\"unknown\"}");
	}

	if (fileless && !ev->ino)
		goto actor;	/* anonymous memory: no file at all */
	if (!fileless) {
		LIT(b, ",\"file\":{\"path\":");
		put_str(b, path, plen);
		LIT(b, ",\"name\":");
		put_str(b, name, path + plen - name);
		LIT(b, ",\"inode\":");
	} else {
		LIT(b, ",\"file\":{\"inode\":");
	}
	jbuf_uint(b, ev->ino);
	LIT(b, ",\"device\":");
	jbuf_uint(b, ev->dev);
	if (ev->has_sha256) {
		sha256_hex(ev->sha256, hex);
		LIT(b, ",\"hash\":{\"sha256\":\"");
		jbuf_put(b, hex, 2 * ID_SHA256_LEN);
		LIT(b, "\"}");
	}
	LIT(b, "}");
actor:
	write_actor(b, ev, st, ctx);
}

/*
 * A process that retries what is denied sends the same record again and
 * again, but for the time: the last line is kept with the record (from
 * gen on: all but boot_ns) and what the context gave it, and a record the
 * same in all that gets the line again with its own time. The policy is
 * the one in force for the record's generation, which no reload changes
 * (a new one has a new generation).
 */
#define TS_AT	(sizeof("{\"@timestamp\":\"") - 1)
#define REC_AT	offsetof(struct id_event, gen)
_Static_assert(offsetof(struct id_event, boot_ns) == 0 && REC_AT == 8,
	       "the time leads the record");

enum { LK_EXE, LK_CGROUP, LK_HOST, LK_N };
_Static_assert(AK_CGROUP == AK_CTX_EXE + 1 && AK_HOST == AK_CTX_EXE + 2 &&
	       LK_CGROUP == LK_EXE + 1 && LK_HOST == LK_EXE + 2,
	       "ctx_key() fills three in a row");

struct line_cache {
	bool valid, names;
	const struct policy *policy;
	size_t size, n[LK_N], ts_len;
	struct jbuf rec, key, line;
};

static void line_key(const struct event_ctx *ctx, const char *s[LK_N],
		     size_t n[LK_N])
{
	ctx_key(ctx, s, n);
}

static bool line_same(const struct line_cache *c, const struct id_event *ev,
		      size_t size, const struct event_ctx *ctx,
		      const char *s[LK_N], const size_t n[LK_N])
{
	return c->valid && c->size == size && c->policy == ctx->policy &&
	       c->names == ctx->names &&
	       !memcmp(c->rec.p + REC_AT, (const char *)ev + REC_AT,
		       size - REC_AT) &&
	       key_same(&c->key, c->n, s, n, LK_N);
}

static void line_keep(struct line_cache *c, const struct id_event *ev,
		      size_t size, const struct event_ctx *ctx,
		      const char *s[LK_N], const size_t n[LK_N],
		      const char *line, size_t len)
{
	const char *q = len > TS_AT ? memchr(line + TS_AT, '"', len - TS_AT) :
			NULL;

	c->valid = false;
	if (!q || memcmp(line, "{\"@timestamp\":\"", TS_AT))
		return;
	c->rec.len = c->key.len = c->line.len = 0;
	jbuf_put(&c->rec, ev, size);
	key_put(&c->key, s, n, LK_N);
	jbuf_put(&c->line, line, len);
	if (c->rec.failed || c->key.failed || c->line.failed) {
		jbuf_free(&c->rec);
		jbuf_free(&c->key);
		jbuf_free(&c->line);
		return;
	}
	c->ts_len = q - (line + TS_AT);
	c->size = size;
	c->policy = ctx->policy;
	c->names = ctx->names;
	memcpy(c->n, n, sizeof(c->n));
	c->valid = true;
}

int event_append_json(struct jbuf *b, const struct id_event *ev, size_t size,
		      const struct event_ctx *ctx)
{
	static __thread struct line_cache c;
	size_t start = b->len;
	struct ev_strs st;
	const char *s[LK_N];
	size_t n[LK_N];
	char when[80];
	bool keep = size >= sizeof(*ev);

	b->failed = false;
	if (keep) {
		line_key(ctx, s, n);
		if (line_same(&c, ev, size, ctx, s, n)) {
			event_time(ev->boot_ns + ctx->realtime_offset_ns, when,
				   sizeof(when));
			if (strlen(when) == c.ts_len) {
				jbuf_put(b, c.line.p, c.line.len);
				if (!b->failed) {
					memcpy(b->p + start + TS_AT, when,
					       c.ts_len);
					return 0;
				}
				goto fail;
			}
		}
	}
	ev_strs(ev, size, &st);
	if (ev->type == ID_EV_TAMPER)
		write_tamper(b, ev, &st, ctx);
	else
		write_decision(b, ev, &st, ctx);
	if (b->failed)
		goto fail;
	if (keep)
		line_keep(&c, ev, size, ctx, s, n, b->p + start,
			  b->len - start);
	return 0;
fail:
	b->len = start;		/* never half a line */
	b->failed = false;
	return -ENOMEM;
}

void event_write_json(FILE *f, const struct id_event *ev, size_t size,
		      const struct event_ctx *ctx)
{
	struct jbuf b = { 0 };

	if (!event_append_json(&b, ev, size, ctx))
		fwrite(b.p, 1, b.len, f);
	jbuf_free(&b);
}

/* user.name and group.name, resolved when the line is written (NSS). A
 * small cache keeps a burst of events from reading /etc/passwd each time. */
#define NAME_CACHE 16
struct name_cache {
	unsigned int id[NAME_CACHE];
	char name[NAME_CACHE][64];
	bool used[NAME_CACHE];
	unsigned int next;
};

static void name_copy(char *out, size_t len, const char *name)
{
	size_t n = strnlen(name, len ? len - 1 : 0);

	if (!len)
		return;
	memcpy(out, name, n);
	out[n] = 0;
}

static int cached_name(struct name_cache *c, unsigned int id, bool group,
		       char *out, size_t len)
{
	char buf[4096];
	unsigned int i;
	const char *n = NULL;

	for (i = 0; i < NAME_CACHE; i++) {
		if (c->used[i] && c->id[i] == id) {
			name_copy(out, len, c->name[i]);
			return c->name[i][0] ? 0 : -ENOENT;
		}
	}
	if (group) {
		struct group gr, *g = NULL;

		if (!getgrgid_r(id, &gr, buf, sizeof(buf), &g) && g)
			n = g->gr_name;
	} else {
		struct passwd pw, *p = NULL;

		if (!getpwuid_r(id, &pw, buf, sizeof(buf), &p) && p)
			n = p->pw_name;
	}
	i = c->next++ % NAME_CACHE;
	c->used[i] = true;
	c->id[i] = id;
	snprintf(c->name[i], sizeof(c->name[i]), "%s", n ? n : "");
	snprintf(out, len, "%s", c->name[i]);
	return n ? 0 : -ENOENT;
}

int event_user_name(unsigned int uid, char *out, size_t len)
{
	static struct name_cache c;

	return cached_name(&c, uid, false, out, len);
}

int event_group_name(unsigned int gid, char *out, size_t len)
{
	static struct name_cache c;

	return cached_name(&c, gid, true, out, len);
}

/* A container runtime's scope or directory names the container by a
 * 64-digit hex id: docker-ID.scope, cri-containerd-ID.scope,
 * crio-ID.scope, libpod-ID.scope, /docker/ID, /kubepods/.../ID. The last
 * such component of the cgroup path wins. */
int event_container_id(const char *cgroup, char *out, size_t len)
{
	const char *p = cgroup, *c, *end;
	int found = -ENOENT;

	while (p && *p) {
		c = *p == '/' ? p + 1 : p;
		end = strchr(c, '/');
		if (!end)
			end = c + strlen(c);
		for (const char *q = c; q + 64 <= end; q++) {
			size_t k = 0;

			if (q > c && q[-1] != '-' && q[-1] != '/')
				continue;
			while (k < 64 && strchr("0123456789abcdef", q[k]) &&
			       q[k])
				k++;
			if (k == 64 && (q + 64 == end ||
					!strncmp(q + 64, ".scope", 6))) {
				if (len > 64) {
					memcpy(out, q, 64);
					out[64] = 0;
					found = 0;
				}
				break;
			}
		}
		p = *end ? end : NULL;
	}
	return found;
}

/* The systemd unit a cgroup path belongs to: its last component that
 * ends in .service or .scope (user sessions, services, transient units). */
int event_systemd_unit(const char *cgroup, char *out, size_t len)
{
	const char *p = cgroup, *c, *end;
	int found = -ENOENT;

	while (p && *p) {
		size_t n;

		c = *p == '/' ? p + 1 : p;
		end = strchr(c, '/');
		if (!end)
			end = c + strlen(c);
		n = end - c;
		if (((n > 8 && !memcmp(end - 8, ".service", 8)) ||
		     (n > 6 && !memcmp(end - 6, ".scope", 6))) && n < len) {
			memcpy(out, c, n);
			out[n] = 0;
			found = 0;
		}
		p = *end ? end : NULL;
	}
	return found;
}

/* The path (below the cgroup2 root) of the cgroup whose id, the inode
 * number of its directory, the kernel recorded; -ENOENT once it is gone.
 * The last few answers are kept: a burst comes from few cgroups. */
#define CG_CACHE 8
static __u64 cg_want;
static char cg_found[PATH_MAX];
static size_t cg_root_len;

static int cg_visit(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D && (__u64)sb->st_ino == cg_want) {
		snprintf(cg_found, sizeof(cg_found), "%s",
			 path[cg_root_len] ? path + cg_root_len : "/");
		return 1;
	}
	return 0;
}

int event_cgroup_path(__u64 id, char *out, size_t len)
{
	static struct {
		__u64 id;
		time_t missed;		/* not found then (0: found) */
		char path[PATH_MAX];
	} cache[CG_CACHE];
	static unsigned int next;
	const char *root = "/sys/fs/cgroup";
	struct timespec now;
	unsigned int i;
	int ret = 0;

	if (!id)
		return -ENOENT;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	for (i = 0; i < CG_CACHE; i++) {
		if (cache[i].id != id)
			continue;
		if (!cache[i].missed) {
			name_copy(out, len, cache[i].path);
			return 0;
		}
		/* A cgroup gone (or none mounted) is looked for again a
		 * second later, not at each of a burst's records: each look
		 * walks the whole tree. */
		if (now.tv_sec - cache[i].missed < 1)
			return -ENOENT;
		break;
	}
	cg_want = id;
	cg_found[0] = 0;
	cg_root_len = strlen(root);
	if (nftw(root, cg_visit, 16, FTW_PHYS | FTW_MOUNT) != 1 ||
	    !cg_found[0])
		ret = -ENOENT;
	if (i == CG_CACHE)
		i = next++ % CG_CACHE;
	cache[i].id = id;
	/* the clock starts near 0 at boot: a miss is never 0 */
	cache[i].missed = ret ? (now.tv_sec ? now.tv_sec : 1) : 0;
	name_copy(cache[i].path, sizeof(cache[i].path), ret ? "" : cg_found);
	if (!ret)
		name_copy(out, len, cg_found);
	return ret;
}
