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

static void write_timestamp(struct json *j, __u64 ns)
{
	time_t sec = ns / 1000000000ULL;
	char buf[64], out[80];
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sizeof(out), "%s.%06lluZ", buf,
		 (unsigned long long)(ns % 1000000000ULL) / 1000);
	json_str(j, "@timestamp", out);
}

void event_write_json(FILE *f, const struct id_event *ev,
		      const struct event_ctx *ctx)
{
	bool deny = ev->decision == ID_DECISION_DENY;
	const struct rule *rule = NULL;
	size_t plen = ev->path_len < ID_PATH_MAX ? ev->path_len : ID_PATH_MAX;
	const char *name = memrchr(ev->path, '/', plen);
	char action[32], hex[2 * ID_SHA256_LEN + 1];
	struct json j;

	if (ctx->policy && ev->rule_index < ctx->policy->nrules)
		rule = &ctx->policy->rules[ev->rule_index];
	name = name ? name + 1 : ev->path;
	snprintf(action, sizeof(action), "%s-%s", hook_name(ev->hook),
		 deny ? "denied" : "audited");

	json_begin(&j, f);
	write_timestamp(&j, ev->boot_ns + ctx->realtime_offset_ns);
	json_obj_open(&j, "event");
	json_str(&j, "kind", "event");
	json_str(&j, "module", "interdict");
	json_str(&j, "action", action);
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

	json_obj_open(&j, "process");
	json_uint(&j, "pid", ev->pid);
	json_strn(&j, "name", ev->comm, strnlen(ev->comm, ID_COMM_LEN));
	if (ctx->exe)
		json_str(&j, "executable", ctx->exe);
	json_obj_open(&j, "thread");
	json_uint(&j, "id", ev->tid);
	json_obj_close(&j);
	json_obj_open(&j, "parent");
	json_uint(&j, "pid", ev->ppid);
	json_obj_close(&j);
	json_obj_close(&j);

	json_obj_open(&j, "user");
	snprintf(action, sizeof(action), "%u", ev->uid);
	json_str(&j, "id", action);
	json_obj_close(&j);
	json_obj_open(&j, "group");
	snprintf(action, sizeof(action), "%u", ev->gid);
	json_str(&j, "id", action);
	json_obj_close(&j);

	json_obj_open(&j, "host");
	json_str(&j, "hostname", ctx->hostname);
	json_obj_close(&j);
	json_end(&j);
}
