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
#include <limits.h>
#include <stdio.h>
#include <sys/types.h>
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
	MATCH_PACKAGE = 4,	/* package=GLOB : resolved by dpkg.c into
				 * MATCH_PATH and MATCH_SHA256 rules; never
				 * in the maps itself */
};

/* 80 bytes whatever the match: a million SHA-256 rules fit in memory. The
 * strings live in the policy's string arena (policy.c), NUL-terminated and
 * read-only; they are never NULL, "" when not given. */
struct rule {
	const char *id;
	const char *msg;		/* "" when not given */
	const char *path;		/* MATCH_PATH, MATCH_TREE (ends in '/');
					 * MATCH_PACKAGE: the name pattern;
					 * "" for MATCH_SHA256 */
	const char *file;		/* points into policy.files */
	unsigned int line;
	enum match_kind kind;
	__u8 sha256[ID_SHA256_LEN];	/* MATCH_SHA256 */
	__u8 action;			/* enum id_action */
	__u8 hooks;			/* enum id_hook bits */
	__u8 flags;			/* enum id_rule_flags bits */
};

struct str_chunk;

/* What a file was when it was read, and where its rules are in p->rules. */
struct policy_file {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	struct timespec read_at;	/* CLOCK_REALTIME as the read began */
	size_t first, count;
	bool known;			/* read from a file we could stat */
};

struct policy {
	struct rule *rules;
	size_t nrules, cap;
	char **files;			/* every file read, owned */
	__u8 (*file_hash)[ID_SHA256_LEN];	/* of each file's content */
	struct policy_file *finfo;	/* of each file */
	size_t nfiles;
	/* Set before a load: a policy (the one in force) whose files, where
	 * they are unchanged, need not be read again (see reuse_file()). */
	const struct policy *reuse;
	size_t nreused;			/* files whose rules were taken so */
	size_t nsha, npath;		/* rules by match kind (npath: exact+tree) */
	struct policy_pkgs *pkgs;	/* package= resolution, or NULL */
	struct str_chunk *strings;	/* the rules' ids, messages and paths */
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
/* A copy of s in p's string arena, freed with p; NULL when out of memory. */
const char *policy_strdup(struct policy *p, const char *s);
__u32 rule_prio(const struct rule *r);
const char *hooks_str(__u8 hooks, char *buf, size_t len);

/* dpkg.c: package= rules resolved from the dpkg database. The rules made
 * from a package follow the rules read from files in p->rules, each a copy
 * of its package= rule (id, msg, file:line, action, hooks) with its own
 * match: MATCH_PATH for each regular file, MATCH_SHA256 for each
 * executable or library (mode +x or ELF). A file an allow rule matches by
 * path is left out, and a key a written rule has is left to that rule. */
#define ID_DPKG_ADMINDIR	"/var/lib/dpkg"
struct dpkg_pkg {
	char name[256];
	char version[256];
	char arch[64];
	size_t rule;			/* index of the package= rule */
	size_t nfiles, nsha;		/* path and SHA-256 rules made */
	unsigned int missing;		/* listed but not on disk */
};
struct dpkg_stamp {
	__u64 ino[2], size[2];		/* status, diversions */
	long long mtime_ns[2];
};
struct policy_pkgs {
	char admindir[4096];
	struct dpkg_pkg *pkg;		/* matched packages, in status order */
	size_t npkg;
	size_t first;			/* first rule made from a package */
	size_t *origin;			/* its package: pkg[origin[i - first]] */
	struct dpkg_stamp stamp;	/* the database as it was read */
};
struct diags;
/* $INTERDICT_DPKG_ADMINDIR, else ID_DPKG_ADMINDIR. */
const char *dpkg_admindir(void);
/* Called by policy_load_set() once the files parsed; a missing database
 * is a warning (package= rules then match nothing), an unreadable one an
 * error. */
int dpkg_resolve(struct policy *p, struct diags *d);
/* The package a rule was made from, or NULL. */
const struct dpkg_pkg *dpkg_rule_package(const struct policy *p,
					 const struct rule *r);
/* Whether the database changed since p was resolved (false: no package=)
 * and, when tried is given, since the state kept there, which is then
 * updated: a refused reload is not tried again until dpkg writes again. */
bool dpkg_changed(const struct policy *p, struct dpkg_stamp *tried);
void dpkg_free(struct policy_pkgs *s);
/* dpkg -S: for each of n canonical paths (sorted, distinct), owner[i] is
 * 1 + the index in *pkgs (malloc'd, *npkgs of them, rule SIZE_MAX) of
 * the installed package that lists it, or 0. No database: none owned. */
int dpkg_owners(char *const *paths, size_t n, struct dpkg_pkg **pkgs,
		size_t *npkgs, size_t *owner);

/* protect.c: binaries that must never be denied. */
#define MAX_PROTECTED	16
struct protected {
	const char *what;		/* "pid 1", "interdictd", ... */
	char path[4096];		/* canonical path */
	__u8 sha256[ID_SHA256_LEN];
	bool have_sha256;
};
int protected_collect(struct protected *out, size_t max);
int path_canonical(const char *in, char *out, size_t len);
/* verdict_decide() on a verdict made for this one call. */
const struct rule *policy_match(const struct policy *p, const char *path,
				const __u8 *sha256, __u8 hook);
int policy_check_protected(const struct policy *p, const struct protected *pb,
			   size_t npb, FILE *err);

/* verdict.c: the rule the kernel's decide() picks for a file, from the keys
 * maps.c compiles: SHA-256 > exact path > longest subtree, then allow >
 * deny > audit; path rules also under the canonical form of their path.
 * verdict_init resolves those forms once (they follow the file system as it
 * is then); verdict_decide only reads, so threads may share a verdict. */
struct verdict_key;
struct verdict {
	const struct policy *p;
	struct verdict_key *keys;	/* path keys, sorted, one rule each */
	size_t nkeys;
	const struct rule **sha;	/* SHA-256 rules, sorted by hash */
	size_t nsha;
	__u8 sha_hooks;			/* hooks some SHA-256 rule applies to */
};
int verdict_init(struct verdict *v, const struct policy *p);
void verdict_free(struct verdict *v);
/* path: canonical, as d_path reports it (or NULL); sha256: the content's,
 * or NULL when not hashed (the kernel never hashes an empty file); hook:
 * an ID_HOOK_* bit, or several for a rule on any of them. NULL: no rule. */
const struct rule *verdict_decide(const struct verdict *v, const char *path,
				  const __u8 *sha256, __u8 hook);
/* Whether a SHA-256 could change a verdict for the hook: else don't hash. */
bool verdict_wants_sha256(const struct verdict *v, __u8 hook);
/* "allow", "deny" or "audit" (an audit rule or mode=audit). */
const char *rule_decision(const struct rule *r);

/* procscan.c: running processes the policy decides on. fn is called for
 * each file of a process that a rule decides (its executable with
 * ID_HOOK_EXEC, then each executable mapping with ID_HOOK_MMAP); a
 * non-zero return stops the walk and is returned. */
struct proc_match {
	pid_t pid;
	char exe[PATH_MAX];		/* /proc/PID/exe, without " (deleted)" */
	char file[PATH_MAX];		/* the file decided: exe or a mapping */
	bool deleted, memfd;		/* file is deleted, or a memfd */
	const struct rule *rule;
	__u8 hook;
	__u8 sha256[ID_SHA256_LEN];
	bool have_sha256;
	uid_t uid;			/* real uid, (uid_t)-1: unknown */
	unsigned long long start_ticks;	/* start, clock ticks after boot */
	long long start;		/* start, seconds since the epoch */
	char unit[256];			/* systemd unit, "" when none */
};
typedef int proc_match_fn(const struct proc_match *m, void *arg);
int proc_scan(const struct verdict *v, proc_match_fn *fn, void *arg);
/* pid, uid, start_ticks and unit of a process (to check it is the same
 * process later); -ENOENT once it is gone. */
int proc_identity(pid_t pid, struct proc_match *m);
/* Event fields: process, user (names: with user.name, which may ask NSS),
 * file, rule and, with p, package; then interdict.{decision, hook,
 * deleted, memfd, systemd_unit} into the open "interdict" object. */
struct json;
struct dpkg_pkg;
void proc_match_json(struct json *j, const struct policy *p,
		     const struct proc_match *m, bool names);
void proc_match_json_interdict(struct json *j, const struct proc_match *m);
void rule_json(struct json *j, const struct rule *r);
void package_json(struct json *j, const struct dpkg_pkg *pkg);
const char *proc_user_name(uid_t uid, char *buf, size_t len);
void proc_start_time(const struct proc_match *m, char *buf, size_t len);

/* scan.c: interdict scan. */
int do_scan(int argc, char **argv);

/* sha256.c: SHA-256 of a file through OpenSSL. */
int sha256_file(const char *path, __u8 out[ID_SHA256_LEN]);
int sha256_fd(int fd, __u8 out[ID_SHA256_LEN]);
void sha256_hex(const __u8 in[ID_SHA256_LEN], char out[2 * ID_SHA256_LEN + 1]);

/* json.c: a JSON writer whose output is valid whatever the input bytes. */
struct jbuf {			/* a growing buffer the writer appends to */
	char *p;
	size_t len, cap;
	bool failed;		/* an allocation failed: what follows is cut */
};
int jbuf_reserve(struct jbuf *b, size_t n);
void jbuf_free(struct jbuf *b);
/* Bytes as they are, a quoted and escaped string, a number in decimal:
 * appended to b (on ENOMEM b->failed is set and the line must go). */
static inline void jbuf_put(struct jbuf *b, const void *s, size_t n)
{
	if (!n || (b->cap - b->len < n && jbuf_reserve(b, n)))
		return;
	__builtin_memcpy(b->p + b->len, s, n);
	b->len += n;
}
#define JBUF_LIT(b, lit) jbuf_put(b, lit, sizeof(lit) - 1)
void jbuf_str(struct jbuf *b, const char *s, size_t n);
void jbuf_uint(struct jbuf *b, unsigned long long v);
struct json {
	FILE *f;		/* written to as it goes, when b is NULL */
	struct jbuf *b;
	int depth;
	bool first[16];
};
void json_begin(struct json *j, FILE *f);
void json_begin_buf(struct json *j, struct jbuf *b);
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
void json_error(FILE *f, bool json, const char *prefix, const char *msg);
void json_head(struct json *j, const char *when, const char *kind,
	       const char *action);
void json_event_head(struct json *j, FILE *f, const char *when,
		     const char *kind, const char *action);

/* event.c: one ring buffer record as one line of ECS JSON. */
struct event_ctx {
	const char *hostname;
	const struct policy *policy;	/* generation ev->gen, or NULL */
	__u64 realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
	const char *exe;		/* process.executable when the record
					 * has none (tamper events), or NULL */
	const char *cgroup;		/* the record's cgroup path, or NULL */
	bool names;			/* resolve user.name and group.name */
};
/* size: the record's bytes as the ring buffer gave them. */
void event_write_json(FILE *f, const struct id_event *ev, size_t size,
		      const struct event_ctx *ctx);
/* The same line appended to b; -ENOMEM (b->len as it was) if it cannot. */
int event_append_json(struct jbuf *b, const struct id_event *ev, size_t size,
		      const struct event_ctx *ctx);
int event_user_name(unsigned int uid, char *out, size_t len);
int event_group_name(unsigned int gid, char *out, size_t len);
int event_container_id(const char *cgroup, char *out, size_t len);
int event_systemd_unit(const char *cgroup, char *out, size_t len);
int event_cgroup_path(__u64 id, char *out, size_t len);
void event_time(__u64 realtime_ns, char *out, size_t len);

/* features.c: what the running kernel offers for enforcement. */
struct features {
	bool btf;			/* /sys/kernel/btf/vmlinux */
	bool securityfs;		/* /sys/kernel/security/lsm readable */
	bool bpf_lsm_active;		/* "bpf" in the active LSM list */
	bool ima_active;		/* IMA's securityfs directory exists */
	char config_bpf_lsm;		/* 'y', 'n' or '?' (config unreadable) */
	char config_ima;
	char lsm[512];			/* the active LSM list */
	char lockdown[128];		/* /sys/kernel/security/lockdown */
	char lockdown_level[32];	/* the bracketed word, or "unknown" */
	bool probe_read;		/* BPF may use bpf_probe_read_kernel() */
	char ima_hash[16];		/* ima_hash= from the command line */
	char release[128];		/* uname -r */
};
void features_probe(struct features *f);
const char *features_blocker(const struct features *f, char *buf, size_t len);
const char *features_off(const struct features *f);
bool features_post_open(void);
bool features_exec_check(void);
struct btf;
bool btf_has_member(const struct btf *btf, const char *type, const char *name);
/* Rules the running kernel cannot enforce (sha256= with on=open before
 * 6.9), reported at their file and line: -EINVAL if any. */
int policy_check_kernel(const struct policy *p, FILE *err);
int policy_check_kernel_diags(const struct policy *p, bool post_open,
			      struct diags *d);

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

/* symlinks.c: the symbolic links on rule paths, watched by the kernel */
size_t links_watch(struct interdict_bpf *skel, const struct policy *p);
void links_disarm(struct interdict_bpf *skel);
bool links_settle(struct interdict_bpf *skel, __u64 before);
int links_wake_fd(struct interdict_bpf *skel);
int links_woken(void);
int loader_mark_fds(struct interdict_bpf *skel, int map_fd, int *fds,
		    size_t n, __u32 *dev);
int loader_mark_paths(struct interdict_bpf *skel, int map_fd,
		      const char *const *paths, size_t n);
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
int pin_own_map(struct interdict_bpf *skel, __u32 id, bool add);
struct bpf_link;
int pin_register_link(struct interdict_bpf *skel, struct bpf_link *link,
		      const char *path);
void pin_path(char *out, size_t len, const char *dir, const char *kind,
	      const char *name);
int pin_trust(struct interdict_bpf *skel, const char *const *paths, int n);
int pin_remove(const char *dir);
int pin_detach(const char *dir);
int pin_read_head(const char *dir, struct id_state_head *head);

/* openhook.c: the file_open and file_post_open programs, attached only
 * while needed; the skeleton has two of each (the *_kf one for 6.12 and
 * later), of which one loads */
#define OPEN_HOOK_PROGS	4
enum { OPEN_HOOK_OPEN = 0, OPEN_HOOK_CONTENT = 1 };
struct bpf_program;
struct bpf_program *open_hook_prog(struct interdict_bpf *skel, int i,
				   struct bpf_link ***link);
bool open_hook_needed(const struct policy *p);
bool open_hook_attached(struct interdict_bpf *skel);
void open_hook_started(struct interdict_bpf *skel);
int open_hook_set(struct interdict_bpf *skel, const char *dir, bool on,
		  char *why, size_t len);
/* SHA-256 rules with on=open: file_post_open */
bool content_hook_needed(const struct policy *p);
bool content_hook_attached(struct interdict_bpf *skel);
int content_hook_set(struct interdict_bpf *skel, const char *dir, bool on,
		     char *why, size_t len);
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
/* Deletes the keys of the slot a reload replaced and frees its policy
 * once its events were read: call after reading the ring buffer. */
void maps_tidy(struct interdict_bpf *skel);
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
int client_call_buf(const char *path, const struct ctl_req *req, char **buf,
		    size_t *len);
extern const char *cli_control_path;	/* interdict.c: --control, or NULL */

/* sandbox.c: what interdictd may still do once it enforces. */
int sandbox_enter(char *why, size_t len);

/* journal.c: event lines as fields, for journald and readable lines. */
struct flat {
	struct {
		char key[64];		/* dotted: "file.path" */
		const char *val;	/* into buf, NUL-terminated */
		size_t len;
	} v[64];
	int n;
	size_t used;
	char buf[288 << 10];	/* an event line is at most 256 KiB */
};
int json_flatten(const char *line, size_t len, struct flat *f);
const char *flat_get(const struct flat *f, const char *key);
int event_priority(const struct flat *f);
void event_summary(const struct flat *f, char *out, size_t len);
int journal_send_line(const char *line, size_t len);

/* events.c: the CLI's `events` verb. */
int do_events(int argc, char **argv);

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

/*
 * Diagnostics, config and check (policy.c, config.c, protect.c, check.c).
 */

/* policy.c: messages about files, printed "file:line: [warning: ]message"
 * as they come (f) and, for check -j, also kept (keep). Every file name in
 * a message goes through name_escape(): control bytes and bytes above 0x7e
 * as \n, \t, \r, \\ or \xNN, so a name can neither split nor color a line. */
#define ID_NAME_ESC_MAX	(4 * 4096 + 1)
struct diag {
	char *file;			/* owned; NULL: no file */
	unsigned int line;		/* 0: the whole file */
	bool warning;
	char *msg;			/* owned */
};
struct diags {
	FILE *f;			/* or NULL */
	bool keep;
	struct diag *v;
	size_t n, cap;
	unsigned int errors, warnings;
};
const char *name_escape(const char *name, char *buf, size_t len);
void diag_add(struct diags *d, bool warning, const char *file,
	      unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void diags_free(struct diags *d);
/* "FILE: cannot read: REASON" for a file_read() or open error. */
void diag_read_error(struct diags *d, const char *path, int ret, mode_t type);
const char *file_type_name(mode_t mode);
/* A whole regular file, never blocking on a FIFO or a device: -EISDIR,
 * -EINVAL with *type set for any other kind, -EFBIG beyond max bytes. */
int file_read(const char *path, size_t max, char **buf, size_t *len,
	      mode_t *type);
/* "/proc/self" etc. when path goes through one, else NULL. */
const char *path_process_relative(const char *path);
/* dir's *.rules with each of paths in place of dir's file of the same
 * name (or added); dir NULL: paths, files or directories, as
 * policy_load_paths. A directory with no *.rules is a warning. */
int policy_load_set(struct policy *p, const char *dir, char *const paths[],
		    int n, const char *as, struct diags *d);
/* SHA-256 over each file's name and content, in the order read. */
int policy_digest(const struct policy *p, __u8 out[32]);

/* config.c: /etc/interdict/interdict.conf; command-line options override it. */
#define ID_CONFIG_PATH "/etc/interdict/interdict.conf"
struct config {
	char policy_dir[4096];		/* default /etc/interdict/policy.d */
	char events[4096];		/* default "-" (stdout) */
	char pin_dir[4096];		/* default /sys/fs/bpf/interdict */
	char control[108];		/* default /run/interdict/control (sun_path) */
	int enforce;			/* -1: not set, 0: audit, 1: enforce */
	struct limits lim;		/* defaults 262144, 65536, 8 (events_mb) */
	unsigned int refresh_s;		/* default 5 */
	int journal;			/* CONFIG_JOURNAL_*: events to journald */
	int fileless;			/* enum id_fileless_mode, default off */
	char fileless_allow[4096];	/* executables, blank or comma separated */
	unsigned int set;		/* CONFIG_SET_* bits of keys the file gave */
};
enum { CONFIG_SET_MODE = 1, CONFIG_SET_POLICY_DIR = 2, CONFIG_SET_EVENTS = 4, CONFIG_SET_PIN_DIR = 8, CONFIG_SET_CONTROL = 16, CONFIG_SET_MAX_SHA = 32, CONFIG_SET_MAX_PATH = 64, CONFIG_SET_REFRESH = 128, CONFIG_SET_JOURNAL = 256, CONFIG_SET_FILELESS = 512, CONFIG_SET_FILELESS_ALLOW = 1024 };
/* journal = no | yes | auto (yes when systemd started the daemon) */
enum { CONFIG_JOURNAL_NO = 0, CONFIG_JOURNAL_YES = 1, CONFIG_JOURNAL_AUTO = 2 };
void config_defaults(struct config *c);

/* fileless.c: interdict.conf fileless into the kernel's state and map. */
int fileless_setup(struct interdict_bpf *skel, const struct config *c);
const char *fileless_mode_name(unsigned int mode);
/* 0, -ENOENT when the file is missing (callers decide if that is fine), -EINVAL after printing file:line errors to err */
int config_parse_file(struct config *c, const char *path, FILE *err);
int config_parse_buf(struct config *c, const char *name, const char *buf, size_t len, FILE *err);
/* The same, reporting to d (check -j). */
int config_load(struct config *c, const char *path, struct diags *d);

/* protect.c: the shared objects mapped by this process and by pid 1, which
 * a policy must not deny either; *out is malloc'd. */
int protected_libraries(struct protected **out, size_t *n);
int policy_check_protected_diags(const struct policy *p,
				 const struct protected *pb, size_t npb,
				 struct diags *d);

/* check.c: interdict check. json_out is interdict.c's -j. */
extern bool json_out;
int do_check(int argc, char **argv);

/*
 * End of diagnostics, config and check.
 */

#endif /* INTERDICT_H */
