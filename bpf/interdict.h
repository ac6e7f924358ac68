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
#define ID_MAX_DEPTH	48	/* directories walked up for subtree inode rules */
#define ID_NSLOTS	2	/* policy generations kept in the maps at once */

/* Hooks a rule applies to (rule option on=). */
enum id_hook {
	ID_HOOK_EXEC = 1,	/* bprm_check_security */
	ID_HOOK_MMAP = 2,	/* mmap_file with PROT_EXEC */
	ID_HOOK_OPEN = 4,	/* file_open */
};
#define ID_HOOK_ALL (ID_HOOK_EXEC | ID_HOOK_MMAP | ID_HOOK_OPEN)

enum id_action {
	ID_ACT_ALLOW = 1,
	ID_ACT_DENY = 2,
};

enum id_rule_flags {
	ID_RULE_AUDIT = 1,	/* log a would-be denial, never deny */
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
	__u8 pad;
};

/* Keys carry the slot (generation & 1) so that a new policy is written next
 * to the one in force and takes effect with a single store to state.gen. */
struct id_sha_key {
	__u32 slot;
	__u8 sha256[ID_SHA256_LEN];
};

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
 *   names this content for those hooks, while neither epoch moves. */
struct id_inode_cache {
	__u64 hash;
	__u64 clean;
	__u64 sha_miss;
	__u8 sha256[ID_SHA256_LEN];
};

/* Shared state, the global `state` of the BPF object (.bss). */
struct id_state {
	__u64 gen;		/* policy generation in force; slot = gen & 1 */
	__u32 epoch;		/* moves when a cached "clean" may be stale */
	__u32 pad;
	__u64 root_mnt;		/* pid 1's root: the only root the clean */
	__u64 root_dentry;	/* cache is used under */
	__u32 enforce;		/* 0: global audit mode, 1: enforce */
	__u32 daemon_tgid;	/* never denied, so it can always resolve paths */
	__u32 sha_hooks[ID_NSLOTS];	/* hooks with SHA-256 rules, per slot */
	__u32 rule_hooks[ID_NSLOTS];	/* hooks with any rule, per slot */
	__u32 inode_rules[ID_NSLOTS];	/* entries in ino_rules, per slot */
	__u64 path_lens[ID_NSLOTS][ID_PATH_KEY_MAX / 64]; /* rule path lengths */
	__u64 events_lost;	/* ring buffer full: events not delivered */
	__u64 hash_errors;	/* bpf_ima_file_hash() failed or not SHA-256 */
	__s64 hash_last_ret;	/* last bpf_ima_file_hash() return value */
	__u32 probe_tgid;	/* self-test: hash files mapped by this process */
	__u32 probe_done;
	__s64 probe_ret;
	__u8 probe_sha256[ID_SHA256_LEN];
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

/* One record on the ring buffer per denial or would-be denial. */
struct id_event {
	__u64 boot_ns;		/* bpf_ktime_get_boot_ns() */
	__u64 gen;		/* policy generation that decided */
	__u64 ino;
	__u32 dev;
	__u32 rule_index;
	__u32 pid;		/* thread group id, what userspace calls pid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u16 path_len;		/* bytes in path, without the NUL */
	__u8 hook;		/* enum id_hook */
	__u8 decision;		/* enum id_decision */
	__u8 enforce;		/* global mode when decided */
	__u8 rule_flags;
	__u8 has_sha256;
	__u8 pad;
	__u8 sha256[ID_SHA256_LEN];
	char comm[ID_COMM_LEN];
	char path[ID_PATH_MAX];
};

#endif /* INTERDICT_ABI_H */
