// SPDX-License-Identifier: GPL-2.0-only
/*
 * The event encoder: one ring buffer record becomes one line of JSON with
 * Elastic Common Schema field names (schema in README.md, "Events").
 */
#include <string.h>
#include <time.h>

#include "interdict.h"

#define EVENT_SCHEMA_VERSION 1

static const char *hook_name(__u8 hook)
{
	switch (hook) {
	case ID_HOOK_EXEC: return "exec";
	case ID_HOOK_MMAP: return "mmap";
	case ID_HOOK_OPEN: return "open";
	}
	return "unknown";
}

/* RFC 3339, UTC, microseconds: every line's @timestamp. */
void event_time(__u64 realtime_ns, char *out, size_t len)
{
	time_t sec = realtime_ns / 1000000000ULL;
	char buf[64];
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%s.%06lluZ", buf,
		 (unsigned long long)(realtime_ns % 1000000000ULL) / 1000);
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

/* The process that tried: every record says who. */
static void write_actor(struct json *j, const struct id_event *ev,
			const struct event_ctx *ctx)
{
	char num[16];

	json_obj_open(j, "process");
	json_uint(j, "pid", ev->pid);
	json_strn(j, "name", ev->comm, strnlen(ev->comm, ID_COMM_LEN));
	if (ctx->exe)
		json_str(j, "executable", ctx->exe);
	json_obj_open(j, "thread");
	json_uint(j, "id", ev->tid);
	json_obj_close(j);
	json_obj_open(j, "parent");
	json_uint(j, "pid", ev->ppid);
	json_obj_close(j);
	json_obj_close(j);

	json_obj_open(j, "user");
	snprintf(num, sizeof(num), "%u", ev->uid);
	json_str(j, "id", num);
	json_obj_close(j);
	json_obj_open(j, "group");
	snprintf(num, sizeof(num), "%u", ev->gid);
	json_str(j, "id", num);
	json_obj_close(j);

	json_obj_open(j, "host");
	json_str(j, "hostname", ctx->hostname);
	json_obj_close(j);
}

/* An attempt on interdict itself: what, on which object, by whom. */
static void write_tamper(FILE *f, const struct id_event *ev,
			 const struct event_ctx *ctx)
{
	struct json j;
	char when[80];

	event_time(ev->boot_ns + ctx->realtime_offset_ns, when, sizeof(when));
	json_event_head(&j, f, when, "alert", "tamper-denied");
	json_str(&j, "outcome", "failure");
	json_obj_close(&j);
	json_obj_open(&j, "interdict");
	json_uint(&j, "schema", EVENT_SCHEMA_VERSION);
	json_str(&j, "decision", "deny");
	json_str(&j, "tamper", tamper_name(ev->tamper));
	if (ev->tamper == ID_TAMPER_SIGNAL || ev->tamper == ID_TAMPER_PTRACE)
		json_uint(&j, "target_pid", ev->target);
	else if (ev->target)
		json_uint(&j, "object_id", ev->target);
	if (ev->tamper == ID_TAMPER_SIGNAL)
		json_uint(&j, "signal", ev->signo);
	if (ev->ino) {
		json_uint(&j, "pin_inode", ev->ino);
		json_uint(&j, "pin_device", ev->dev);
	}
	json_uint(&j, "policy_generation", ev->gen);
	json_obj_close(&j);
	write_actor(&j, ev, ctx);
	json_end(&j);
}

void event_write_json(FILE *f, const struct id_event *ev,
		      const struct event_ctx *ctx)
{
	bool deny = ev->decision == ID_DECISION_DENY;
	const struct rule *rule = NULL;
	size_t plen = ev->path_len < ID_PATH_MAX ? ev->path_len : ID_PATH_MAX;
	const char *name = memrchr(ev->path, '/', plen);
	char action[32], hex[2 * ID_SHA256_LEN + 1], when[80];
	struct json j;

	if (ev->type == ID_EV_TAMPER) {
		write_tamper(f, ev, ctx);
		return;
	}
	if (ctx->policy && ev->rule_index < ctx->policy->nrules)
		rule = &ctx->policy->rules[ev->rule_index];
	name = name ? name + 1 : ev->path;
	snprintf(action, sizeof(action), "%s-%s", hook_name(ev->hook),
		 deny ? "denied" : "audited");

	event_time(ev->boot_ns + ctx->realtime_offset_ns, when, sizeof(when));
	json_event_head(&j, f, when, "event", action);
	json_str(&j, "outcome", deny ? "failure" : "success");
	json_obj_close(&j);

	json_obj_open(&j, "interdict");
	json_uint(&j, "schema", EVENT_SCHEMA_VERSION);
	json_str(&j, "decision", deny ? "deny" : "audit");
	json_str(&j, "mode", ev->enforce ? "enforce" : "audit");
	json_str(&j, "hook", hook_name(ev->hook));
	json_bool(&j, "rule_audit", ev->rule_flags & ID_RULE_AUDIT);
	json_uint(&j, "policy_generation", ev->gen);
	json_uint(&j, "rule_index", ev->rule_index);
	json_obj_close(&j);

	json_obj_open(&j, "rule");
	if (rule) {
		json_str(&j, "id", rule->id);
		if (rule->msg[0])
			json_str(&j, "description", rule->msg);
		json_str(&j, "ruleset", rule->file);
	} else {
		json_str(&j, "id", "unknown");
	}
	json_obj_close(&j);

	json_obj_open(&j, "file");
	json_strn(&j, "path", ev->path, plen);
	json_strn(&j, "name", name, ev->path + plen - name);
	json_uint(&j, "inode", ev->ino);
	json_uint(&j, "device", ev->dev);
	if (ev->has_sha256) {
		sha256_hex(ev->sha256, hex);
		json_obj_open(&j, "hash");
		json_str(&j, "sha256", hex);
		json_obj_close(&j);
	}
	json_obj_close(&j);

	write_actor(&j, ev, ctx);
	json_end(&j);
}
