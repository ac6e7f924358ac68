/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace side of interdict: the daemon (interdictd) and the CLI (interdict).
 * Types and prototypes, grouped by the file that implements them.
 */
#ifndef INTERDICT_H
#define INTERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "../bpf/interdict.h"

#define ID_RULE_ID_MAX	64	/* longest rule id, including the NUL */
#define ID_MSG_MAX	256	/* longest msg, including the NUL */

/* Exit codes shared by interdictd and interdict. */
enum {
	EXIT_POLICY = 2,	/* bad policy or option */
	EXIT_KERNEL = 3,	/* the kernel cannot enforce */
};

/* Specificity of a match, most specific last (see rule_prio()). */
enum match_kind {
	MATCH_TREE = 1,		/* path=/dir/ : the whole subtree */
	MATCH_PATH = 2,		/* path=/file : one exact path */
	MATCH_SHA256 = 3,	/* sha256=<hex> : the content, anywhere */
};

struct rule {
	char id[ID_RULE_ID_MAX];
	char msg[ID_MSG_MAX];		/* empty when not given */
	const char *file;		/* points into policy.files */
	unsigned int line;
	enum match_kind kind;
	__u8 sha256[ID_SHA256_LEN];	/* MATCH_SHA256 */
	char path[ID_PATH_KEY_MAX];	/* MATCH_PATH, MATCH_TREE (ends in '/') */
	__u8 action;			/* enum id_action */
	__u8 hooks;			/* enum id_hook bits */
	__u8 flags;			/* enum id_rule_flags bits */
};

struct policy {
	struct rule *rules;
	size_t nrules, cap;
	char **files;			/* every file read, owned */
	size_t nfiles;
	size_t nsha, npath;		/* rules by match kind (npath: exact+tree) */
};

/* policy.c: the rules language (policy/README.md). Errors are printed to
 * `err` as "file:line: message"; the return value is 0 or -EINVAL (bad
 * policy) or another negative errno (cannot read). */
int policy_parse_file(struct policy *p, const char *path, FILE *err);
int policy_parse_buf(struct policy *p, const char *name, const char *buf,
		     size_t len, FILE *err);
int policy_load_dir(struct policy *p, const char *dir, FILE *err);
int policy_load_paths(struct policy *p, char *const paths[], int n, FILE *err);
void policy_free(struct policy *p);
__u32 rule_prio(const struct rule *r);
const char *hooks_str(__u8 hooks, char *buf, size_t len);

/* protect.c: binaries that must never be denied. */
struct protected {
	const char *what;		/* "pid 1", "interdictd", ... */
	char path[4096];		/* canonical path */
	__u8 sha256[ID_SHA256_LEN];
	bool have_sha256;
};
int protected_collect(struct protected *out, size_t max);
int path_canonical(const char *in, char *out, size_t len);
const struct rule *policy_match(const struct policy *p, const char *path,
				const __u8 *sha256, __u8 hook);
int policy_check_protected(const struct policy *p, const struct protected *pb,
			   size_t npb, FILE *err);

/* sha256.c: SHA-256 of a file through OpenSSL. */
int sha256_file(const char *path, __u8 out[ID_SHA256_LEN]);
int sha256_fd(int fd, __u8 out[ID_SHA256_LEN]);
void sha256_hex(const __u8 in[ID_SHA256_LEN], char out[2 * ID_SHA256_LEN + 1]);

/* json.c: a JSON writer whose output is valid whatever the input bytes. */
struct json {
	FILE *f;
	int depth;
	bool first[16];
};
void json_begin(struct json *j, FILE *f);
void json_end(struct json *j);
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *s);
void json_strn(struct json *j, const char *key, const char *s, size_t n);
void json_uint(struct json *j, const char *key, unsigned long long v);
void json_int(struct json *j, const char *key, long long v);
void json_bool(struct json *j, const char *key, bool v);
void json_escape(FILE *f, const char *s, size_t n);

/* event.c: one ring buffer record as one line of ECS JSON. */
struct event_ctx {
	const char *hostname;
	const struct policy *policy;	/* generation ev->gen, or NULL */
	__u64 realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
	const char *exe;		/* process.executable, or NULL */
};
void event_write_json(FILE *f, const struct id_event *ev,
		      const struct event_ctx *ctx);

/* features.c: what the running kernel offers for enforcement. */
struct features {
	bool btf;			/* /sys/kernel/btf/vmlinux */
	bool securityfs;		/* /sys/kernel/security/lsm readable */
	bool bpf_lsm_active;		/* "bpf" in the active LSM list */
	bool ima_active;		/* IMA's securityfs directory exists */
	char config_bpf_lsm;		/* 'y', 'n' or '?' (config unreadable) */
	char config_ima;
	char lsm[512];			/* the active LSM list */
	char lockdown[128];
	char ima_hash[16];		/* ima_hash= from the command line */
	char release[128];		/* uname -r */
};
void features_probe(struct features *f);
const char *features_blocker(const struct features *f, char *buf, size_t len);

/* loader.c: the BPF object's life: open, size, load, attach, self-test. */
struct interdict_bpf;
struct limits {
	__u32 sha_rules;		/* SHA-256 rules per policy */
	__u32 path_rules;		/* path rules per policy */
	__u32 events_mb;		/* ring buffer size */
};
int loader_open(struct interdict_bpf **out, const struct limits *lim);
int loader_load(struct interdict_bpf *skel, char *why, size_t len);
int loader_attach(struct interdict_bpf *skel, const char *only, char *why,
		  size_t len);
int loader_load_attach(struct interdict_bpf *skel, char *why, size_t len);
int loader_hash_selftest(struct interdict_bpf *skel, char *why, size_t len);
int loader_identify(struct interdict_bpf *skel, const int *fds, size_t n,
		    struct id_ident *out);
void loader_close(struct interdict_bpf *skel);

/* pin.c: enforcement pinned in bpffs, adopted and handed over. */
#define ID_PIN_DIR	"/sys/fs/bpf/interdict"
/* The part of struct id_state that every build keeps in place. */
struct id_state_head {
	__u64 obj_tag;
	__u32 head_size;
	__u32 event_abi;
	__u64 gen;
	__u64 events_lost;
	__u64 hash_errors;
	__u64 tamper_denied;
	__u32 enforce;
	__u32 daemon_tgid;
	__u32 stop_reason;
	__u32 pin_dev;
	__u64 started_boot_ns;
	__u8 policy_digest[ID_NSLOTS][ID_SHA256_LEN];
};
__u64 pin_tag(const struct limits *lim);
int pin_prepare(const char *base, char *why, size_t len);
int pin_adopt(struct interdict_bpf *skel, const char *dir, char *why,
	      size_t len);
int pin_all(struct interdict_bpf *skel, const char *dir, char *why,
	    size_t len);
int pin_register(struct interdict_bpf *skel, const char *dir);
int pin_trust(struct interdict_bpf *skel, const char *const *paths, int n);
int pin_remove(const char *dir);
int pin_read_head(const char *dir, struct id_state_head *head);
int pin_open_events(const char *dir);

/* maps.c: policy generations in the BPF maps. maps_install takes
 * ownership of a malloc'd policy on success. */
int maps_install(struct interdict_bpf *skel, struct policy *p,
		 const struct limits *lim, const __u8 *digest, char *why,
		 size_t len);
void maps_adopt(void);
void maps_alias(__u64 from, __u64 to);
int maps_refresh(struct interdict_bpf *skel);
const struct policy *maps_policy(__u64 gen);
int maps_protect(struct interdict_bpf *skel, const struct protected *pb,
		 size_t n);
void maps_free(void);

/* ctlproto.c: requests on the control socket (see the file's head). */
#define CTL_MAGIC	"interdict/1"
#define CTL_REQ_MAX	128
#define ID_CONTROL_PATH	"/run/interdict/control"
enum ctl_verb {
	CTL_STATUS = 1,
	CTL_RELOAD,
	CTL_RULES,
	CTL_MODE,
	CTL_DISABLE,
	CTL_NVERBS
};
struct ctl_req {
	enum ctl_verb verb;
	bool json;
	bool enforce;			/* CTL_MODE */
};
const char *ctl_verb_name(enum ctl_verb v);
int ctl_verb_parse(const char *name);
int ctl_format(char *buf, size_t len, const struct ctl_req *req);
int ctl_parse(const char *buf, size_t len, struct ctl_req *req);

/* client.c: the CLI's side of the control socket. */
#define CLIENT_UNREACHABLE 3		/* exit status: no daemon answered */
int client_call(const char *path, const struct ctl_req *req);

/* sandbox.c: what interdictd may still do once it enforces. */
int sandbox_enter(char *why, size_t len);

/* log.c: one line per message, prefixed by the subsystem. */
void log_init(const char *prog, bool verbose);
void log_warn(const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_warnx(const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_info(const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_debug(const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* INTERDICT_H */
