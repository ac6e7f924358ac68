/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel/user contract of interdict: limits, map keys and values, the
 * event record and the shared state. Compiled by the BPF programs and by
 * userspace alike, so it holds fixed-size types only and includes nothing.
 */
#ifndef INTERDICT_ABI_H
#define INTERDICT_ABI_H

#define ID_SHA256_LEN	32
#define ID_PATH_KEY_MAX	256	/* longest rule path, including the NUL */
#define ID_PATH_MAX	4096	/* longest path reported in an event */
#define ID_COMM_LEN	16
/* The largest file whose content an open is checked against SHA-256 rules
 * with on=open (a script, not a database read whole at its first open). */
#define ID_CONTENT_MAX	(64ULL << 20)
#define ID_MAX_DEPTH	1024	/* directories walked up for subtree inode rules;
				 * a file deeper than that is denied (fail
				 * closed) where inode rules exist */
#define ID_NSLOTS	2	/* policy generations kept in the maps at once */
#define ID_EVENT_ABI	3	/* layout of struct id_event; bump on change */
#define ID_ARGS_MAX	1024	/* bytes of process.args kept (and of argv) */
#define ID_ARGV_N	32	/* arguments of an attempted exec read */
#define ID_OWN_MAX	64	/* entries of daemon_exe and pins */
#define ID_OWN_OBJS	128	/* entries of own_objs: the skeleton's maps, its
				 * programs and links, and the SHA-256 tables
				 * of both slots */

/* Hooks a rule applies to (rule option on=). */
enum id_hook {
	ID_HOOK_EXEC = 1,	/* bprm_check_security */
	ID_HOOK_MMAP = 2,	/* mmap_file with PROT_EXEC */
	ID_HOOK_OPEN = 4,	/* file_open */
};
#define ID_HOOK_ALL (ID_HOOK_EXEC | ID_HOOK_MMAP | ID_HOOK_OPEN)
/* In events only: PROT_EXEC added by mprotect, decided by the mmap rules. */
#define ID_EV_HOOK_MPROTECT 8
/* And for an execveat(AT_EXECVE_CHECK), decided by the exec rules: the
 * caller (an interpreter) asked whether the file may run. */
#define ID_EV_HOOK_EXEC_CHECK 16

enum id_action {
	ID_ACT_ALLOW = 1,
	ID_ACT_DENY = 2,
};

enum id_rule_flags {
	ID_RULE_AUDIT = 1,	/* log a would-be denial, never deny */
};

/* What a ring buffer record is about. */
enum id_event_type {
	ID_EV_FILE = 0,		/* a file a rule decided on (exec, mmap, open) */
	ID_EV_TAMPER = 1,	/* an attempt on interdict itself, denied */
	ID_EV_FILELESS = 2,	/* executable memory no file on disk holds
				 * (interdict.conf fileless); target: enum
				 * id_fileless */
};

/* interdict.conf `fileless` (id_state.fileless). */
enum id_fileless_mode {
	ID_FILELESS_OFF = 0,
	ID_FILELESS_AUDIT = 1,	/* report, let it go on */
	ID_FILELESS_DENY = 2,
};

/* What executable memory a fileless event is about. */
enum id_fileless {
	ID_FL_ANON = 1,		/* anonymous memory (a JIT, injected code) */
	ID_FL_MEMFD = 2,	/* a file of the kernel's own tmpfs instance:
				 * memfd_create(), SysV shared memory */
	ID_FL_SHM = 3,		/* a file of the tmpfs on /dev/shm */
};
#define ID_FILELESS_ALLOW_MAX	64

/* Why a file no rule named was denied (id_event.fail_closed). */
enum id_fail_closed {
	ID_FAIL_DEPTH = 1,	/* deeper than ID_MAX_DEPTH: no subtree rule
				 * can be ruled out */
	ID_FAIL_NO_HASH = 2,	/* mprotect: SHA-256 rules apply, no hash known */
	ID_FAIL_LINK = 3,	/* reached through a symbolic link of a rule
				 * path that changed, before interdictd
				 * resolved the rule paths again */
};

/* What a tamper event says was attempted (id_event.tamper). */
enum id_tamper {
	ID_TAMPER_BPF_MAP = 1,	/* an fd for one of our maps */
	ID_TAMPER_BPF_PROG,	/* an fd for one of our programs */
	ID_TAMPER_BPF_LINK,	/* an fd for one of our links */
	ID_TAMPER_FMOD_RET,	/* loading a program that overrides LSM hooks */
	ID_TAMPER_UNLINK,	/* unlink or rmdir of a pin */
	ID_TAMPER_RENAME,	/* rename of a pin */
	ID_TAMPER_UMOUNT,	/* unmounting the bpffs that holds the pins */
	ID_TAMPER_PTRACE,	/* ptrace attach (or /proc/PID/mem) to interdictd */
	ID_TAMPER_SIGNAL,	/* a signal that would stop or kill interdictd */
};

/* Why the last daemon stopped (id_state.stop_reason). */
enum id_stop {
	ID_STOP_RUNNING = 0,	/* still running, or it died without a word */
	ID_STOP_SIGNAL = 1,	/* SIGTERM or SIGINT: enforcement stayed */
};

/* Objects of ours (own_objs keys) the bpf hooks hand out to no one else. */
enum id_obj_type {
	ID_OBJ_MAP = 1,
	ID_OBJ_PROG = 2,
	ID_OBJ_LINK = 3,
};

struct id_obj_key {
	__u32 type;	/* enum id_obj_type */
	__u32 id;	/* the kernel's map, program or link id */
};

/* What an event reports. */
enum id_decision {
	ID_DECISION_DENY = 1,	/* the operation failed with EPERM */
	ID_DECISION_AUDIT = 2,	/* it would have been denied; it went on */
};

/* Value of every rule map. */
struct id_rule {
	__u32 prio;	/* precedence, higher wins: see rule_prio() */
	__u32 index;	/* rule number within its policy generation */
	__u8 action;	/* enum id_action */
	__u8 hooks;	/* enum id_hook bits */
	__u8 flags;	/* enum id_rule_flags bits */
	__u8 fail;	/* kernel only, 0 in the maps: enum id_fail_closed
			 * of a verdict no rule key matched */
};

/* SHA-256 rules: a table per slot, built whole by interdictd in two
 * arrays it maps into its memory (no system call per rule) and hands to
 * the kernel through the array-of-maps sha_ents and sha_index. The rules
 * are sorted by bucket; bucket b holds entries [first, end) of its
 * struct id_sha_bucket in the index.
 * A bucket is chosen by a hash keyed with a seed drawn per table, so a
 * policy cannot pile its hashes into one; none holds more than
 * ID_SHA_BUCKET_MAX (interdictd draws another seed if one would). */
#define ID_SHA_BUCKET_MAX	16

struct id_sha {
	__u64 w[ID_SHA256_LEN / 8];
};

struct id_sha_ent {
	struct id_sha sha;
	struct id_rule rule;
	__u32 pad;
};

struct id_sha_bucket {
	__u32 first, end;
};

static inline __u32 id_sha_bucket(const struct id_sha *s, __u64 seed,
				  __u32 nbuckets)
{
	__u64 h = seed;
	int i;

	for (i = 0; i < ID_SHA256_LEN / 8; i++) {
		h = (h ^ s->w[i]) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ULL;
	return (__u32)(((h >> 32) * nbuckets) >> 32);
}

/* Keys carry the slot (generation & 1) so that a new policy is written next
 * to the one in force and takes effect with a single store to state.gen. */

/* Exact paths as written; subtrees with their trailing '/'. Zero-padded. */
struct id_path_key {
	__u32 slot;
	char path[ID_PATH_KEY_MAX];
};

/* An inode as the kernel names it: super_block s_dev (kernel encoding),
 * i_ino and i_generation, so a reused inode number does not match. */
struct id_inode_key {
	__u64 ino;
	__u32 dev;
	__u32 gen;
	__u32 slot;
	__u32 pad;
};

/* Per-inode cache (inode local storage).
 * hash: epoch << 2 | busy << 1 | valid for sha256: opening the file for
 *   writing or truncating it bumps the epoch, and a hash is published only
 *   if the epoch did not move while it was computed.
 * clean: state.epoch << 32 | mount << 3 | hooks: no path or inode rule
 *   applies to this file, reached through that mount (id + 1), for those
 *   hooks, as long as state.epoch has not moved (policy loads, renames,
 *   links and mount changes move it).
 * sha_miss: state.epoch << 32 | hash epoch << 3 | hooks: no SHA-256 rule
 *   names this content for those hooks, while neither epoch moves.
 * stamp: what told of changes when the hash was taken (change_stamp()):
 *   the file system's change counter (i_version) | 1, or, on a file
 *   system without one, state.open_gen << 1 (the file_open program saw
 *   every write-open since); the hash stands while the stamp is the same. */
struct id_inode_cache {
	__u64 hash;
	__u64 clean;
	__u64 sha_miss;
	__u64 stamp;
	__u8 sha256[ID_SHA256_LEN];
};

/* Shared state, the global `state` of the BPF object (.bss), pinned with
 * the maps. Its head, up to and including policy_digest, keeps its layout
 * in every build (struct id_state_head in userspace): a new build reads an
 * old build's state through it when it takes over enforcement. */
struct id_state {
	__u64 obj_tag;		/* which build and limits: the pin directory */
	__u32 head_size;	/* bytes of the stable head */
	__u32 event_abi;	/* ID_EVENT_ABI of the records in `events` */
	__u64 gen;		/* policy generation in force; slot = gen & 1 */
	__u64 events_lost;	/* ring buffer full: events not delivered */
	__u64 hash_errors;	/* bpf_ima_file_hash() failed or not SHA-256 */
	__u64 tamper_denied;	/* attempts on interdict itself, denied */
	__u32 enforce;		/* 0: global audit mode, 1: enforce */
	__u32 daemon_tgid;	/* never denied; only it (and pid 1) may stop it */
	__u32 stop_reason;	/* enum id_stop, of the last daemon */
	__u32 pin_dev;		/* s_dev of the bpffs holding the pins */
	__u64 started_boot_ns;	/* when the daemon in charge started */
	__u8 policy_digest[ID_NSLOTS][ID_SHA256_LEN]; /* files in force */
	/* end of the stable head */
	__u32 epoch;		/* moves when a cached "clean" may be stale */
	__u32 pad;
	__u64 root_mnt;		/* pid 1's root: the only root the clean */
	__u64 root_dentry;	/* cache is used under */
	__u64 root_mnt_ns;	/* pid 1's mount namespace */
	__u32 sha_hooks[ID_NSLOTS];	/* hooks with SHA-256 rules, per slot */
	__u32 rule_hooks[ID_NSLOTS];	/* hooks with any rule, per slot */
	__u32 inode_rules[ID_NSLOTS];	/* entries in ino_rules, per slot */
	__u64 path_lens[ID_NSLOTS][ID_PATH_KEY_MAX / 64]; /* rule path lengths */
	__s64 hash_last_ret;	/* last bpf_ima_file_hash() return value */
	__u32 probe_tgid;	/* self-test: hash files mapped by this process */
	__u32 probe_done;
	__s64 probe_ret;
	__u8 probe_sha256[ID_SHA256_LEN];
	__u64 deep_denied;	/* files deeper than ID_MAX_DEPTH, decided deny
				 * (fail closed) */
	__u64 link_changes;	/* watched symbolic links renamed or removed */
	__u64 links_settled;	/* interdictd: link_changes up to which every
				 * change is resolved (link_names emptied) */
	__u32 names_kept;	/* interdictd: link_names entries kept because
				 * the name was missing when it resolved */
	__u32 names_full;	/* changes link_names had no room for */
	__u64 link_denied;	/* files denied because they were reached
				 * through a changed link (fail closed) */
	__u32 fileless;		/* enum id_fileless_mode */
	__u32 memfd_dev;	/* s_dev of the kernel's internal tmpfs */
	__u32 shm_dev;		/* s_dev of /dev/shm's tmpfs, 0: none */
	__u32 open_hook;	/* interdictd: the file_open program is attached */
	__u64 fileless_seen;	/* fileless events decided (deny or audit) */
	__u64 open_gen;		/* interdictd: moves each time file_open is
				 * attached (see id_inode_cache.stamp) */
	__u64 sha_seed[ID_NSLOTS];	/* the SHA-256 table's bucket seed */
	__u32 sha_buckets[ID_NSLOTS];	/* its buckets, 0: no table */
	__u64 content_big;	/* read-opens of files over ID_CONTENT_MAX,
				 * not hashed for on=open SHA-256 rules */
};

/* A symbolic link crossed while resolving a rule's path, in the `links`
 * map by its own inode key (slot 0). When it is renamed over or removed,
 * the kernel arms `rule` on `dir` (the directory holding the link) in the
 * slot in force, if `arm` (the link names an entry of that directory:
 * the versioned-tree flip), moves the epoch and wakes interdictd, which
 * resolves the rule paths again and so drops the armed key. */
#define ID_LINKS_MAX	4096
struct id_link {
	struct id_inode_key dir;	/* slot 0 */
	struct id_rule rule;
	__u32 arm;
	__u32 pad;
};

/* A name on a rule path where a watched link was renamed over, moved
 * away or removed: `link_names` key, the directory's inode key (slot 0)
 * and the name's hash and length as the kernel's dcache holds them
 * (qstr.hash_len, the same for whatever link takes the name). While the
 * entry is there, a task that follows a link at that name is marked
 * (`marks`), and the file it opens next is denied for the rule's hooks:
 * the rule path leads somewhere interdictd has not resolved yet. The
 * kernel adds entries; interdictd removes them once it has resolved the
 * rule paths again with the change in effect (links_settle()). */
#define ID_NAMES_MAX	(2 * ID_LINKS_MAX)
struct id_name_key {
	struct id_inode_key dir;
	__u64 hash_len;
};

struct id_pending {
	struct id_rule rule;	/* a deny rule whose path crossed the link */
	struct id_inode_key old;	/* the link that was at the name */
	__u64 seq;		/* state.link_changes counting this change */
	__u32 kept;		/* interdictd: the name was missing when it
				 * resolved; a link appearing there wakes it */
	__u32 woken;		/* the kernel woke interdictd for a kept one */
	__u32 tries;		/* interdictd: resolutions that found `old`
				 * still in place */
	__u32 pad;
};

/* Task storage: the last name of link_names a task's lookup crossed, and
 * the files that task opened right after crossing it (armed: the next
 * open is one; ino 0: an empty slot). */
#define ID_MARK_FILES	4
struct id_mark {
	struct id_name_key name;
	struct id_rule rule;
	__u32 armed;
	__u32 next;
	struct id_inode_key file[ID_MARK_FILES];
};

/* What the identify iterator writes for each open file of the daemon, so
 * rule paths are turned into inode keys with the kernel's own values. */
struct id_ident {
	__u64 ino;
	__u32 dev;
	__u32 gen;
	__u32 fd;
	__u16 mode;
	__u16 pad;
};

/* The strings of an event, back to back in id_event.data in this order,
 * each len[] bytes long, no NUL between them (args and argv hold the
 * NUL-separated arguments as the process has them). */
enum id_str {
	ID_STR_PATH,		/* the file decided on (bpf_d_path) */
	ID_STR_ARGS,		/* current's mm arg_start..arg_end, bounded */
	ID_STR_ARGV,		/* exec: the argv passed to execve(at) */
	ID_STR_EXE,		/* current->mm->exe_file */
	ID_STR_PARENT_EXE,	/* current->real_parent->mm->exe_file */
	ID_STR_CWD,		/* current->fs->pwd */
	ID_STR_N,
};

/* One record on the ring buffer per denial or would-be denial, and per
 * denied attempt on interdict itself (type ID_EV_TAMPER: hook, decision,
 * rule fields and sha256 unused; path names the pin, when one is). Only
 * the bytes used go into the ring: the head, then len[] bytes of strings.
 * Every field is read in the kernel when the decision is made. */
struct id_event {
	__u64 boot_ns;		/* bpf_ktime_get_boot_ns() */
	__u64 gen;		/* policy generation that decided */
	__u64 ino;
	__u64 cgroup_id;	/* cgroup v2 id (inode of its directory), 0: none */
	__u32 dev;
	__u32 rule_index;
	__u32 pid;		/* thread group id, what userspace calls pid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u8 hook;		/* enum id_hook, or ID_EV_HOOK_* */
	__u8 decision;		/* enum id_decision */
	__u8 enforce;		/* global mode when decided */
	__u8 rule_flags;
	__u8 has_sha256;
	__u8 type;		/* enum id_event_type */
	__u8 tamper;		/* enum id_tamper */
	__u8 fail_closed;	/* enum id_fail_closed: denied for want of a rule */
	__u32 target;		/* tamper: the pid, object id or bpf command */
	__u32 signo;		/* tamper: the signal, for ID_TAMPER_SIGNAL */
	__u16 len[ID_STR_N];	/* bytes of each string in data */
	__u16 cut;		/* bit 1 << ID_STR_*: that string was cut at its
				 * bound (args, argv) or too long to report */
	__u16 pad2;
	__u8 sha256[ID_SHA256_LEN];
	char comm[ID_COMM_LEN];
	char data[];
};

/* The most bytes of strings one record carries. */
#define ID_EVENT_DATA_MAX (4 * (ID_PATH_MAX - 1) + 2 * ID_ARGS_MAX)

#endif /* INTERDICT_ABI_H */
