// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdict kernel side: LSM programs that deny exec, executable mappings and
 * opens of files the policy maps name by SHA-256, exact path or subtree.
 * The verdict is made here, never by asking userspace.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <stdbool.h>

#include "kernel.h"
#include "interdict.h"

char LICENSE[] SEC("license") = "GPL";
/* Each release is another object: pin.c's tag then differs, and a package
 * upgrade hands enforcement over to the new programs. */
const char interdict_version[] = INTERDICT_VERSION;

#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

struct id_state state;

/* Set by interdictd before load: 0 when the kernel withholds
 * bpf_probe_read_kernel() (lockdown=confidentiality). The verifier drops
 * the code it guards, so the programs load either way; every other read
 * of kernel memory here is a direct, BTF-checked load. */
const volatile __u32 can_probe_read = 1;
/* Set by interdictd: 0 where the verifier refuses bpf_d_path() on a path
 * reached through current->mm or current->fs (6.2 and later call such a
 * pointer untrusted in a sleepable program): process.executable comes
 * from /proc then, and the parent's and the working directory are left
 * out. */
const volatile __u32 exe_d_path = 1;

/* 6.12 and later: a counted reference on a task's executable and a d_path
 * that takes it. Only the *_kf programs call them, and interdictd loads
 * those only where the kernel has them (weak: unresolved elsewhere). */
extern struct file *bpf_get_task_exe_file(struct task_struct *task) __ksym __weak;
extern void bpf_put_file(struct file *file) __ksym __weak;
extern int bpf_path_d_path(struct path *path, char *buf, __u64 buf__sz) __ksym __weak;
extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym __weak;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym __weak;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

/* SHA-256 rules: each slot's table, two arrays of the size interdictd
 * made them; inner maps may differ in size. Sizes, not types: libbpf
 * cannot size a struct that BTF reaches only through inner map pointers. */
struct sha_ents_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct id_sha_ent));
};

struct sha_index_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct id_sha_bucket));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, ID_NSLOTS);
	__type(key, __u32);
	__array(values, struct sha_ents_map);
} sha_ents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, ID_NSLOTS);
	__type(key, __u32);
	__array(values, struct sha_index_map);
} sha_index SEC(".maps");

/* The other rule maps: sizes are set by interdictd between open and load. */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct id_path_key);
	__type(value, struct id_rule);
} path_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct id_inode_key);
	__type(value, struct id_rule);
} ino_rules SEC(".maps");

/* Binaries that must always run (slot 0 only): checked before any rule. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct id_inode_key);
	__type(value, __u32);
} protect SEC(".maps");

/* Tamper protection: the builds of interdictd allowed to take charge (by
 * the inode of their executable), the pins, and the ids of our maps,
 * programs and links. Filled by interdictd before the programs attach. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ID_OWN_MAX);
	__type(key, struct id_inode_key);
	__type(value, __u32);
} daemon_exe SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ID_OWN_MAX);
	__type(key, struct id_inode_key);
	__type(value, __u32);
} pins SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ID_OWN_OBJS);
	__type(key, struct id_obj_key);
	__type(value, __u32);
} own_objs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct id_inode_cache);
} icache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* The executables interdict.conf's fileless-allow names, by inode key
 * (slot 0): JITs and runtimes that map executable memory of their own. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ID_FILELESS_ALLOW_MAX);
	__type(key, struct id_inode_key);
	__type(value, __u32);
} fileless_allow SEC(".maps");

/* Symbolic links on rule paths (see struct id_link), written by
 * interdictd after each policy load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ID_LINKS_MAX);
	__type(key, struct id_inode_key);
	__type(value, struct id_link);
} links SEC(".maps");

/* One record (the link's key) per change of a watched link: wakes
 * interdictd at once, apart from the event stream. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} link_wake SEC(".maps");

/* Names on rule paths whose link changed (struct id_pending), and the
 * tasks whose lookups crossed one of them (struct id_mark). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ID_NAMES_MAX);
	__type(key, struct id_name_key);
	__type(value, struct id_pending);
} link_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct id_mark);
} marks SEC(".maps");

/* Per-CPU scratch for the path. Sleepable programs can be preempted, so the
 * owner field tells a user whether another task reused the buffer meanwhile. */
struct scratch {
	__u64 owner;
	struct id_path_key key;
	char buf[ID_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline void inode_key(struct inode *inode, __u32 slot,
				      struct id_inode_key *k)
{
	k->ino = inode->i_ino;
	k->dev = inode->i_sb->s_dev;
	k->gen = inode->i_generation;
	k->slot = slot;
	k->pad = 0;
}

/* A write-open or truncate makes any cached hash of the inode stale. */
static __always_inline void hash_invalidate(struct inode *inode)
{
	struct id_inode_cache *c;

	c = bpf_inode_storage_get(&icache, inode, 0, 0);
	if (!c)
		return;
	__sync_fetch_and_add(&c->hash, 4);
	__sync_fetch_and_and(&c->hash, ~3ULL);
}

/* What tells this file's changes apart, 0 if nothing does. A file system
 * that counts changes (i_version: ext4 from 6.2, tmpfs from 6.6, xfs,
 * btrfs) moves the counter at every write that follows a query, and
 * hashing queries it (ima_collect_measurement() asks for the change
 * cookie): the raw value, its "queried" bit set, is the stamp. On other
 * file systems only the file_open program sees writers come and go: its
 * generation is the stamp while it is attached, and with it detached a
 * hash is never reused. */
static __always_inline __u64 change_stamp(struct inode *inode)
{
	/* all ones where the file system counts changes, or file_open is
	 * attached: masks, not branches, which would multiply the
	 * verifier's states in every program that decides */
	__u64 iv = -(__u64)((inode->i_sb->s_flags / SB_I_VERSION) & 1);
	__u64 on = -(__u64)(READ_ONCE(state.open_hook) & 1);

	return (iv & ((__u64)inode->i_version.counter | 1)) |
	       (~iv & on & (READ_ONCE(state.open_gen) << 1));
}

/* 1 if writers (an i_writecount) says the file is open for writing. */
static __always_inline __u64 has_writers(int writers)
{
	return (__u64)(-(__s64)writers) >> 63;
}

/* Whether the cache's hash (word h) still holds for the file: published,
 * no writer now, and no change since (stamp). A published hash always
 * has a stamp: a file with none never matches. */
static __always_inline bool hash_current(struct id_inode_cache *c,
					 struct inode *inode, __u64 h,
					 __u64 stamp)
{
	return !(((h & 3) ^ 1) | has_writers(inode->i_writecount.counter) |
		 (READ_ONCE(c->stamp) ^ stamp));
}

/* SHA-256 of the file, from the per-inode cache when it can be trusted:
 * c->hash is epoch << 2 | busy << 1 | valid. A hash is published only if
 * no writer had the file open before or after it was computed, and no
 * write-open, truncate or counted change happened meanwhile: the stamp is
 * read first, so a writer that changed the file after it is seen either
 * as a writer or as a new stamp. */
static __always_inline int file_sha256(struct file *file,
				       struct id_inode_cache *c, __u8 *out,
				       __u64 *hword)
{
	struct inode *inode = file->f_inode;
	__u64 stamp = change_stamp(inode), h = 0, next, bad;
	int writers = inode->i_writecount.counter;
	long ret;

	*hword = 0;
	if (c) {
		h = READ_ONCE(c->hash);
		if (hash_current(c, inode, h, stamp)) {
			__builtin_memcpy(out, c->sha256, ID_SHA256_LEN);
			*hword = h;
			return 0;
		}
	}
	ret = bpf_ima_file_hash(file, out, ID_SHA256_LEN);
	state.hash_last_ret = ret;
	if (ret != HASH_ALGO_SHA256) {
		__sync_fetch_and_add(&state.hash_errors, 1);
		return -1;
	}
	/* a new epoch, busy: a stale valid hash is replaced the same way;
	 * not with no stamp, a writer before or after, a new stamp, or
	 * another publisher at work */
	next = ((h >> 2) + 1) << 2 | 2;
	bad = (~((stamp | -stamp) >> 63) & 1) | ((h >> 1) & 1) |
	      has_writers(writers) | has_writers(inode->i_writecount.counter) |
	      (change_stamp(inode) ^ stamp);
	if (c && !bad &&
	    __sync_val_compare_and_swap(&c->hash, h, next) == h) {
		__builtin_memcpy(c->sha256, out, ID_SHA256_LEN);
		WRITE_ONCE(c->stamp, stamp);
		if (__sync_val_compare_and_swap(&c->hash, next,
						next ^ 3) == next)
			*hword = next ^ 3;
	}
	return 0;
}

/* Superblock magics (include/uapi/linux/magic.h and the file systems'
 * own headers) of the file systems whose files can change with no
 * write-open or truncate of the inode these hooks see: stacked ones, where
 * the write goes to another inode (overlayfs, its aufs and eCryptfs
 * kin), and those where another host or a userspace server writes (FUSE,
 * which includes virtiofs, NFS, SMB/CIFS, 9p, Ceph, AFS, Coda, Lustre,
 * OrangeFS, GFS2, OCFS2, VirtualBox shared folders). Their files are
 * hashed at every check: no SHA-256 answer is cached for them. */
static __always_inline bool hash_uncacheable(struct inode *inode)
{
	switch (inode->i_sb->s_magic) {
	case 0x794c7630:	/* overlayfs */
	case 0x61756673:	/* aufs */
	case 0xf15f:		/* eCryptfs */
	case 0x65735546:	/* FUSE, virtiofs */
	case 0x6969:		/* NFS */
	case 0xff534d42:	/* CIFS */
	case 0xfe534d42:	/* SMB2 */
	case 0x517b:		/* SMB */
	case 0x01021997:	/* 9p */
	case 0x00c36400:	/* Ceph */
	case 0x5346414f:	/* AFS */
	case 0x6b414653:	/* kAFS */
	case 0x73757245:	/* Coda */
	case 0x0bd00bd0:	/* Lustre */
	case 0x20030528:	/* OrangeFS */
	case 0x01161970:	/* GFS2 */
	case 0x7461636f:	/* OCFS2 */
	case 0x786f4256:	/* vboxsf */
		return true;
	}
	return false;
}

/* The cache word for "no SHA-256 rule names this content" (see icache). */
static __always_inline __u64 sha_miss_word(__u32 epoch, __u64 hword)
{
	return (__u64)epoch << 32 | ((hword >> 2) & 0x1fffffff) << 3;
}

static __always_inline bool sha_miss_get(struct id_inode_cache *c,
					 struct file *file, __u32 epoch,
					 __u8 hook)
{
	__u64 h = READ_ONCE(c->hash), v;

	if (!hash_current(c, file->f_inode, h, change_stamp(file->f_inode)))
		return false;
	v = READ_ONCE(c->sha_miss);
	return v >> 3 == sha_miss_word(epoch, h) >> 3 && (v & hook);
}

static __always_inline void sha_miss_set(struct id_inode_cache *c,
					 __u32 epoch, __u64 hword, __u8 hook)
{
	__u64 old = READ_ONCE(c->sha_miss);
	__u64 new = sha_miss_word(epoch, hword) | hook;

	if (old >> 3 == new >> 3)
		new |= old & 7;
	__sync_val_compare_and_swap(&c->sha_miss, old, new);
}

#define OVERLAYFS_MAGIC	0x794c7630

/* The mount the file was reached through (id + 1), when a "clean" verdict
 * may be cached for it: one name only (no hard links) and the caller under
 * pid 1's root (a chroot or another mount namespace sees other paths).
 * 0 when it may not. */
static __always_inline __u64 clean_mount(struct file *file, bool kf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fs_struct *fs = task->fs;
	struct vfsmount *mnt = file->f_path.mnt;
	struct mount *m;
	int id = -1;

	/* struct mount is reachable from a vfsmount only by container_of,
	 * which a BTF-checked load cannot follow. The *_kf programs cast
	 * (an untrusted read, no helper: it costs nothing and works under
	 * lockdown=confidentiality); the others read it with the helper,
	 * and without that have no mount id, and no clean cache (verdicts
	 * are the same). */
	if (!kf && !can_probe_read)
		return 0;
	/* an overlay file's layer file, which match_inode() walks, may
	 * change under it (copy-up): no "no path rule applies" is kept */
	if (file->f_inode->i_nlink != 1 || !fs ||
	    file->f_inode->i_sb->s_magic == OVERLAYFS_MAGIC ||
	    (__u64)fs->root.mnt != state.root_mnt ||
	    (__u64)fs->root.dentry != state.root_dentry || !state.root_mnt)
		return 0;
	if (kf) {
		m = bpf_rdonly_cast((void *)mnt -
				    bpf_core_field_offset(struct mount, mnt),
				    bpf_core_type_id_kernel(struct mount));
		id = m->mnt_id;
	} else {
		bpf_probe_read_kernel(&id, sizeof(id),
				      (void *)mnt -
				      bpf_core_field_offset(struct mount, mnt) +
				      bpf_core_field_offset(struct mount, mnt_id));
	}
	if (id < 0 || id >= (1 << 28))
		return 0;
	return id + 1;
}

/* Remember that no path or inode rule applies for hook (see icache). */
static __always_inline void clean_set(struct id_inode_cache *c, __u32 epoch,
				      __u64 mount, __u8 hook)
{
	__u64 old = READ_ONCE(c->clean);
	__u64 new = (__u64)epoch << 32 | mount << 3 | hook;

	if (old >> 3 == new >> 3)
		new |= old & 7;
	__sync_val_compare_and_swap(&c->clean, old, new);
}

static __always_inline bool clean_get(struct id_inode_cache *c, __u32 epoch,
				      __u64 mount, __u8 hook)
{
	__u64 v = READ_ONCE(c->clean);

	return mount && v >> 3 == ((__u64)epoch << 32 | mount << 3) >> 3 &&
	       (v & hook);
}

static __always_inline void consider(struct id_rule *best,
				     const struct id_rule *r, __u8 hook)
{
	if ((r->hooks & hook) && r->prio > best->prio)
		*best = *r;
}

/* The dcache's hash and length of a dentry's name (qstr.hash_len). */
static __always_inline __u64 name_hash_len(struct dentry *dentry)
{
	return (__u64)dentry->d_name.len << 32 | dentry->d_name.hash;
}

/* Whether link_names may hold an entry: every hook below asks this
 * first, so with no link change outstanding none of it costs more. */
static __always_inline bool links_moving(void)
{
	return READ_ONCE(state.link_changes) != READ_ONCE(state.links_settled) ||
	       READ_ONCE(state.names_kept);
}

/* The files a marked task opens after following the changed link are
 * the ones its lookups through it led to: each follow arms the mark, and
 * the next open is noted (a lookup that opened nothing leaves it for the
 * next open: the error is on the side of denying). Exec looks a file up
 * again after opening it on some kernels, so the last few are kept. */
static __always_inline void mark_file(struct inode *inode)
{
	struct id_mark *m;
	__u32 i;

	m = bpf_task_storage_get(&marks, bpf_get_current_task_btf(), 0, 0);
	if (!m || !m->armed)
		return;
	m->armed = 0;
	i = m->next++ & (ID_MARK_FILES - 1);
	inode_key(inode, 0, &m->file[i]);
}

static __always_inline bool same_key(const struct id_inode_key *a,
				     const struct id_inode_key *b)
{
	return a->ino == b->ino && a->dev == b->dev && a->gen == b->gen;
}

/* The rule of the changed link this task's lookup crossed on its way to
 * inode, while that change is not resolved. */
static __always_inline bool link_marked(struct inode *inode, __u8 hook,
					struct id_rule *r)
{
	struct id_inode_key k;
	struct id_mark *m;
	bool hit = false;
	__u32 i;

	m = bpf_task_storage_get(&marks, bpf_get_current_task_btf(), 0, 0);
	if (!m || !(m->rule.hooks & hook))
		return false;
	/* no file_open program noted the file the lookup led to: this one
	 * is it (on the side of denying, as mark_file()) */
	if (!READ_ONCE(state.open_hook))
		mark_file(inode);
	inode_key(inode, 0, &k);
	for (i = 0; i < ID_MARK_FILES; i++)
		hit |= same_key(&m->file[i], &k);
	if (!hit || !bpf_map_lookup_elem(&link_names, &m->name))
		return false;
	*r = m->rule;
	r->fail = ID_FAIL_LINK;
	return true;
}

static __always_inline bool len_used(__u32 slot, __u32 len)
{
	__u32 word = len >> 6;

	barrier_var(word);	/* keep the mask: the verifier needs it */
	return state.path_lens[slot & 1][word & 3] & (1ULL << (len & 63));
}

struct walk {
	struct scratch *s;
	struct id_rule *best;
	struct dentry *d;
	__u32 n, slot;
	__u8 hook;
	bool done;	/* inode walk: a rule applied, or the root reached */
};

/* One step down the prefixes of the path: prefix length n - idx. */
static long path_step(__u32 idx, void *ctx)
{
	struct walk *w = ctx;
	__u32 i = w->n - idx, at;
	struct id_rule *r;

	if (i == 0 || i >= ID_PATH_KEY_MAX)
		return 1;
	at = (i - 1) & (ID_PATH_KEY_MAX - 1);
	if (w->s->key.path[at] == '/' && len_used(w->slot, i)) {
		r = bpf_map_lookup_elem(&path_rules, &w->s->key);
		if (r && (r->hooks & w->hook)) {
			consider(w->best, r, w->hook);
			return 1;
		}
	}
	w->s->key.path[at] = 0;
	return 0;
}

/* dst = the first n bytes of src, zero-padded to ID_PATH_KEY_MAX: whole
 * words and masks, no helper (bpf_probe_read_kernel is withheld under
 * lockdown=confidentiality, the only place this runs). */
static __always_inline void copy_prefix(char *dst, const char *src, __u32 n)
{
	__u64 *d = (__u64 *)dst;
	const __u64 *sw = (const __u64 *)src;
	int i;

#pragma clang loop unroll(disable)
	for (i = 0; i < ID_PATH_KEY_MAX / 8; i++) {
		/* keep = clamp(n - 8i, 0, 8) bytes of this word, without a
		 * branch: branches here multiply the verifier's states */
		__s64 t = (__s64)n - i * 8;
		__u64 neg = (__u64)(t >> 63), over, m;

		t &= ~(__s64)neg;
		over = (__u64)((7 - t) >> 63);
		m = ((1ULL << ((t * 8) & 63)) - 1) | over;
		d[i] = sw[i] & m;
	}
}

/* Exact path, then every '/'-ending prefix from the longest down: the first
 * subtree hit is the most specific one. A global function: the verifier
 * checks it once, on its own, rather than at each of decide()'s tries in
 * each state that reaches them (at every start, a second of verifying). */
__noinline int match_path(long len, __u32 slot, __u32 hook,
			  struct id_rule *best)
{
	struct walk w = { .best = best, .hook = hook };
	struct scratch *s;
	struct id_rule *r;
	__u32 n, zero = 0;

	/* the caller's scratch (this CPU's), looked up here: 6.1 takes a
	 * map key from a map value or the stack, not from an argument */
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s || !best || len <= 1)
		return 0;
	slot &= 1;
	w.s = s;
	w.slot = slot;
	n = len - 1;
	if (n > ID_PATH_KEY_MAX - 1)
		n = ID_PATH_KEY_MAX - 1;
	s->key.slot = slot;
	if (can_probe_read) {
		/* fewer instructions for the verifier than copy_prefix() */
		__builtin_memset(s->key.path, 0, sizeof(s->key.path));
		bpf_probe_read_kernel(s->key.path, n & (ID_PATH_KEY_MAX - 1),
				      s->buf);
	} else {
		copy_prefix(s->key.path, s->buf, n);
	}

	if (len - 1 == n && len_used(slot, n)) {
		r = bpf_map_lookup_elem(&path_rules, &s->key);
		if (r)
			consider(best, r, hook);
	}
	w.n = n;
	bpf_loop(n, path_step, &w, 0);
	return 0;
}

/* The SHA-256 rule of slot for *sha, if there is one, considered for
 * *best as match_path() does; 1 if it applies to hook. A global function,
 * verified once for each program, not at each of decide()'s tries; its
 * walk of a bucket is a bounded loop (at most ID_SHA_BUCKET_MAX entries,
 * one on average), which costs less per entry than bpf_loop()'s call of a
 * callback. */
__noinline int sha_find(__u32 slot, const struct id_sha *sha, __u32 hook,
			struct id_rule *best)
{
	struct id_sha_bucket *bucket;
	struct id_sha_ent *e;
	__u32 b, nb, key, k, i;
	void *index, *ents;
	__u64 seed, diff;

	if (!sha || !best)
		return 0;
	slot &= 1;
	nb = state.sha_buckets[slot];
	seed = state.sha_seed[slot];
	if (!nb)
		return 0;
	key = slot;	/* on the stack as a key: its bound is lost there */
	ents = bpf_map_lookup_elem(&sha_ents, &key);
	index = bpf_map_lookup_elem(&sha_index, &key);
	if (!ents || !index)
		return 0;
	b = id_sha_bucket(sha, seed, nb);
	bucket = bpf_map_lookup_elem(index, &b);
	if (!bucket)
		return 0;
	k = bucket->first;
	for (i = 0; i < ID_SHA_BUCKET_MAX && k < bucket->end; i++, k++) {
		e = bpf_map_lookup_elem(ents, &k);
		if (!e)
			return 0;
		diff = (e->sha.w[0] ^ sha->w[0]) | (e->sha.w[1] ^ sha->w[1]) |
		       (e->sha.w[2] ^ sha->w[2]) | (e->sha.w[3] ^ sha->w[3]);
		if (diff)
			continue;
		consider(best, &e->rule, hook);
		return (e->rule.hooks & hook) != 0;
	}
	return 0;
}

/* One directory up from w->d; stops at the first rule that applies. */
static long inode_step(__u32 idx, void *ctx)
{
	struct walk *w = ctx;
	struct dentry *d = w->d, *parent;
	struct id_inode_key k;
	struct id_rule *r;

	inode_key(d->d_inode, w->slot, &k);
	r = bpf_map_lookup_elem(&ino_rules, &k);
	if (r && (r->hooks & w->hook)) {
		consider(w->best, r, w->hook);
		w->done = true;
		return 1;
	}
	parent = d->d_parent;
	if (!parent || parent == d) {
		w->done = true;
		return 1;
	}
	w->d = parent;
	return 0;
}


/* d if it is the dentry of a regular file that looks like a layer's (not
 * on an overlay), else NULL. */
static __always_inline struct dentry *layer_dentry(struct dentry *d)
{
	struct inode *i;

	if (!d)
		return NULL;
	i = d->d_inode;
	if (!i || (i->i_mode & S_IFMT) != S_IFREG ||
	    i->i_sb->s_magic == OVERLAYFS_MAGIC)
		return NULL;
	return d;
}

/* Overlayfs keeps the layers' dentries of a file in its inode: struct
 * ovl_inode (6.5 and later) is { ...; struct inode vfs_inode; struct
 * dentry *__upperdentry; struct ovl_entry *oe; ... }, and struct ovl_entry
 * is { unsigned int __numlower; struct ovl_path { layer, dentry }
 * __lowerstack[]; }. The upper dentry is the file once copied up (or made
 * in the overlay); the topmost lower one is the layer's file it is, or was
 * copied up from, and stays there after a copy-up. Their directories are
 * the layers' own, which subtree rules for a directory inside a layer
 * name. Those types are in overlay's module BTF, which bpf_rdonly_cast()
 * cannot take: the words are read through vmlinux types that have one of
 * the same type at that place (struct path's dentry, struct qstr's
 * leading u32), at offsets from the end of struct inode. Only the *_kf
 * programs (6.12 and later). */
static __always_inline void ovl_layers(struct inode *inode,
				       struct dentry **upper,
				       struct dentry **lower)
{
	void *end = (void *)inode + bpf_core_type_size(struct inode), *oe;
	struct path *w;
	struct qstr *count;

	/* the second word of a struct path is a dentry pointer: at end - 8
	 * it is __upperdentry, at end oe */
	w = bpf_rdonly_cast(end - 8, bpf_core_type_id_kernel(struct path));
	*upper = layer_dentry(w->dentry);
	*lower = NULL;
	w = bpf_rdonly_cast(end, bpf_core_type_id_kernel(struct path));
	oe = w->dentry;
	if (!oe)
		return;
	count = bpf_rdonly_cast(oe, bpf_core_type_id_kernel(struct qstr));
	if (!count->hash)			/* __numlower */
		return;
	w = bpf_rdonly_cast(oe + 8, bpf_core_type_id_kernel(struct path));
	*lower = layer_dentry(w->dentry);	/* __lowerstack[0].dentry */
}

/* 6.1 has no bpf_rdonly_cast(): there an overlay file's layer files are
 * reached and walked with bpf_probe_read_kernel() (not under
 * lockdown=confidentiality), from addresses the verifier knows as
 * numbers: w->d holds one. */
/* addr if it is the dentry of a regular file that looks like a layer's,
 * as layer_dentry() tells, else 0. */
static __always_inline __u64 layer_dentry_read(__u64 addr)
{
	struct dentry *d = (struct dentry *)addr;
	struct super_block *sb = NULL;
	struct inode *i = NULL;
	unsigned long magic = 0;
	unsigned short mode = 0;

	if (!addr)
		return 0;
	BPF_CORE_READ_INTO(&i, d, d_inode);
	if (!i)
		return 0;
	BPF_CORE_READ_INTO(&mode, i, i_mode);
	BPF_CORE_READ_INTO(&sb, i, i_sb);
	if (sb)
		BPF_CORE_READ_INTO(&magic, sb, s_magic);
	if ((mode & S_IFMT) != S_IFREG || !sb || magic == OVERLAYFS_MAGIC)
		return 0;
	return addr;
}

/* One directory up, as inode_step() does, through reads. */
static long inode_step_read(__u32 idx, void *ctx)
{
	struct walk *w = ctx;
	struct dentry *d = w->d, *parent = NULL;
	struct id_inode_key k = { .slot = w->slot };
	struct super_block *sb = NULL;
	struct inode *inode = NULL;
	struct id_rule *r;

	BPF_CORE_READ_INTO(&inode, d, d_inode);
	if (inode) {
		BPF_CORE_READ_INTO(&k.ino, inode, i_ino);
		BPF_CORE_READ_INTO(&k.gen, inode, i_generation);
		BPF_CORE_READ_INTO(&sb, inode, i_sb);
		if (sb)
			BPF_CORE_READ_INTO(&k.dev, sb, s_dev);
		r = bpf_map_lookup_elem(&ino_rules, &k);
		if (r && (r->hooks & w->hook)) {
			consider(w->best, r, w->hook);
			w->done = true;
			return 1;
		}
	}
	BPF_CORE_READ_INTO(&parent, d, d_parent);
	if (!parent || parent == d) {
		w->done = true;
		return 1;
	}
	w->d = parent;
	return 0;
}

/* Both layer dentries walked in turn by step (a bpf_loop() callback); 1 if
 * a walk gave up ID_MAX_DEPTH levels up. */
static __always_inline int walk_layers(struct walk *w, struct dentry *upper,
				       struct dentry *lower,
				       long (*step)(__u32, void *))
{
	bool deep = false;

	w->d = upper;
	if (w->d) {
		bpf_loop(ID_MAX_DEPTH, step, w, 0);
		deep = !w->done;
	}
	w->d = lower;
	if (w->d) {
		w->done = false;
		bpf_loop(ID_MAX_DEPTH, step, w, 0);
		deep |= !w->done;
	}
	return deep;
}

/* 6.1: the layer files of the overlay file whose inode is at inode_addr,
 * from its struct ovl_inode ({ ...; struct inode vfs_inode; struct dentry
 * *__upperdentry; struct ovl_path lowerpath; ... }), as ovl_layers() reads
 * them on 6.12. A global function: verified once for
 * each program, not at each of decide()'s tries. */
__noinline int layers_read(__u64 inode_addr, __u32 slot, __u32 hook,
			   struct id_rule *best)
{
	struct walk w = { .best = best, .slot = slot, .hook = hook };
	__u64 end = inode_addr + bpf_core_type_size(struct inode);
	__u64 upper = 0, lower = 0;

	if (!best || !inode_addr)
		return 0;
	bpf_probe_read_kernel(&upper, sizeof(upper), (void *)end);
	/* lowerpath.dentry */
	bpf_probe_read_kernel(&lower, sizeof(lower), (void *)(end + 16));
	return walk_layers(&w, (struct dentry *)layer_dentry_read(upper),
			   (struct dentry *)layer_dentry_read(lower),
			   inode_step_read);
}

/* The kernel takes a pointer argument of a global function as trusted
 * when the BTF says so (6.8 and later; only the *_kf programs call one). */
#define __arg_trusted __attribute__((btf_decl_tag("arg:trusted")))

/* 6.12 and later: an overlay file's layer files (ovl_layers()), walked as
 * match_inode() walks the file's own; 1 if a walk was too deep. A global
 * function: verified once for each program, not at each of decide()'s
 * tries (inline, the walks cost the verifier more than the rest of
 * bprm_check_kf). */
__noinline int layers_kf(struct file *file __arg_trusted, __u32 slot,
			 __u32 hook, struct id_rule *best)
{
	struct walk w = { .best = best, .slot = slot, .hook = hook };
	struct dentry *upper, *lower;

	if (!file || !best)
		return 0;
	ovl_layers(file->f_inode, &upper, &lower);
	return walk_layers(&w, upper, lower, inode_step);
}

/* The file and its directories up to the root of its file system, by inode:
 * this holds through bind mounts, hard links, chroots and mount namespaces,
 * and at any path length (bpf_d_path() stops at 4095 bytes); for a file of
 * an overlay, its layer files' too: the upper one, and the lower one it
 * is or was copied up from. True if a walk gave up ID_MAX_DEPTH levels
 * up, before a rule or the root: the caller then denies (fail closed). */
static __always_inline bool match_inode(struct file *file, __u32 slot,
					__u8 hook, struct id_rule *best,
					bool kf)
{
	struct walk w = { .best = best, .slot = slot, .hook = hook };
	bool deep;

	w.d = file->f_path.dentry;
	if (!w.d)
		return false;
	bpf_loop(ID_MAX_DEPTH, inode_step, &w, 0);
	deep = !w.done;
	if (kf) {
		if (file->f_inode->i_sb->s_magic != OVERLAYFS_MAGIC)
			return deep;
		return layers_kf(file, slot, hook, best) || deep;
	}
	if (exe_d_path && can_probe_read &&
	    file->f_inode->i_sb->s_magic == OVERLAYFS_MAGIC) {
		__u64 inode = 0;	/* a number: what a global function takes */

		BPF_CORE_READ_INTO(&inode, file, f_inode);
		if (layers_read(inode, slot, hook, best))
			deep = true;
	}
	return deep;
}

/* The verdict for a file too deep to rule out every subtree rule. */
static __always_inline void fail_closed(struct id_rule *best, __u8 hook)
{
	if (best->action == ID_ACT_ALLOW)	/* an exact or hash allow */
		return;
	best->prio = ~0U;
	best->index = ~0U;
	best->action = ID_ACT_DENY;
	best->hooks = hook;
	best->flags = 0;
	__sync_fetch_and_add(&state.deep_denied, 1);
}

/* Per-CPU room for one event record (a per-CPU value is at most 32 KiB).
 * Strings go at offsets masked with EV_OFF_MASK, each write at most
 * ID_PATH_MAX bytes: the slack keeps every write inside the buffer
 * whatever the verifier assumes of the offset. No string starts past
 * 2 * ID_ARGS_MAX + 3 * (ID_PATH_MAX - 1) < EV_OFF_MASK, so none wraps. */
#define EV_OFF_MASK	0x3fff
struct evbuf {
	__u64 owner;
	char rec[sizeof(struct id_event) + EV_OFF_MASK + 1 + ID_PATH_MAX];
};
#define EV(b)	((struct id_event *)(b)->rec)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct evbuf);
} evbuf SEC(".maps");

/* A path at data + *pos; too long for bpf_d_path(): empty, marked cut. */
static __always_inline void put_path(struct evbuf *b, __u32 *pos, int idx,
				     const struct path *p)
{
	__u32 off = *pos & EV_OFF_MASK;
	long n = bpf_d_path((struct path *)p, EV(b)->data + off, ID_PATH_MAX);

	if (n <= 1) {
		EV(b)->len[idx] = 0;
		if (n < 0)
			EV(b)->cut |= 1 << idx;
		return;
	}
	EV(b)->len[idx] = n - 1;
	*pos = off + n - 1;
}

/* The same for a file we hold a reference on (bpf_path_d_path). */
static __always_inline void put_file_path(struct evbuf *b, __u32 *pos,
					  int idx, struct file *file)
{
	__u32 off = *pos & EV_OFF_MASK;
	long n = bpf_path_d_path(&file->f_path, EV(b)->data + off,
				 ID_PATH_MAX);

	if (n <= 1) {
		EV(b)->len[idx] = 0;
		if (n < 0)
			EV(b)->cut |= 1 << idx;
		return;
	}
	EV(b)->len[idx] = n - 1;
	*pos = off + n - 1;
}

/* Bytes [start, end) of current's memory, at most ID_ARGS_MAX. */
static __always_inline void put_user(struct evbuf *b, __u32 *pos, int idx,
				     __u64 start, __u64 end)
{
	__u32 off = *pos & EV_OFF_MASK;
	__u64 n = end > start ? end - start : 0;

	if (n > ID_ARGS_MAX) {
		n = ID_ARGS_MAX;
		EV(b)->cut |= 1 << idx;
	}
	barrier_var(n);
	if (!n || n > ID_ARGS_MAX ||
	    bpf_copy_from_user(EV(b)->data + off, n, (void *)start)) {
		EV(b)->len[idx] = 0;
		return;
	}
	/* the last argument's NUL is not kept */
	if (EV(b)->data[(off + n - 1) & EV_OFF_MASK] == 0)
		n--;
	EV(b)->len[idx] = n;
	*pos = off + n;
}

struct argv_walk {
	struct evbuf *b;
	__u64 argv;
	__u32 start, off;
	bool cut;
};

/* One argument of the exec being attempted, from the caller's memory. */
static long argv_step(__u32 i, void *ctx)
{
	struct argv_walk *w = ctx;
	__u64 ptr = 0;
	long n;

	if (w->off - w->start >= ID_ARGS_MAX) {
		w->cut = true;
		return 1;
	}
	if (bpf_copy_from_user(&ptr, sizeof(ptr), (void *)(w->argv + i * 8)) ||
	    !ptr)
		return 1;
	n = bpf_probe_read_user_str(EV(w->b)->data + (w->off & EV_OFF_MASK),
				    ID_ARGS_MAX, (void *)ptr);
	if (n <= 0)
		return 1;
	w->off = (w->off & EV_OFF_MASK) + n;
	if (i == ID_ARGV_N - 1)
		w->cut = true;
	return 0;
}

/* execve(2) and execveat(2) on x86-64: where argv was passed. */
#define NR_EXECVE	59
#define NR_EXECVEAT	322

static __always_inline void put_argv(struct evbuf *b, __u32 *pos,
				     struct task_struct *task)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct argv_walk w = { .b = b, .start = *pos & EV_OFF_MASK };
	__u32 n;

	w.off = w.start;
	if (regs->orig_ax == NR_EXECVE)
		w.argv = regs->si;
	else if (regs->orig_ax == NR_EXECVEAT)
		w.argv = regs->dx;
	if (!w.argv)
		return;
	bpf_loop(ID_ARGV_N, argv_step, &w, 0);
	n = w.off - w.start;
	if (n > ID_ARGS_MAX) {
		n = ID_ARGS_MAX;
		w.cut = true;
	}
	if (n && EV(b)->data[(w.start + n - 1) & EV_OFF_MASK] == 0)
		n--;
	EV(b)->len[ID_STR_ARGV] = n;
	if (w.cut)
		EV(b)->cut |= 1 << ID_STR_ARGV;
	*pos = w.start + n;
}

/* The executables of task and of its parent, through the kfuncs of 6.12
 * and later, which any LSM hook may call (sleepable or not). */
static __always_inline void put_exes_kf(struct evbuf *b, __u32 *pos,
					struct task_struct *task)
{
	struct task_struct *parent;
	struct file *exe;

	exe = bpf_get_task_exe_file(task);
	if (exe) {
		put_file_path(b, pos, ID_STR_EXE, exe);
		bpf_put_file(exe);
	}
	bpf_rcu_read_lock();
	parent = task->real_parent;
	parent = parent ? bpf_task_acquire(parent) : NULL;
	bpf_rcu_read_unlock();
	exe = NULL;
	if (parent) {
		exe = bpf_get_task_exe_file(parent);
		bpf_task_release(parent);
	}
	if (exe) {
		put_file_path(b, pos, ID_STR_PARENT_EXE, exe);
		bpf_put_file(exe);
	}
}

/* Who did it, read now (the process may be gone when the event is read):
 * executable, parent's executable, working directory, arguments, and for
 * an exec the arguments it tried to run with. Only on the way to an event:
 * nothing here runs for a file no rule denies. */
static __always_inline __u32 put_who(struct evbuf *b, struct task_struct *task,
				     __u32 pos, bool exec, bool kf)
{
	struct mm_struct *mm = task->mm;
	struct task_struct *parent;
	struct fs_struct *fs;
	struct file *exe;

	if (mm) {
		put_user(b, &pos, ID_STR_ARGS, mm->arg_start, mm->arg_end);
		/* bpf_probe_read_user_str() goes with bpf_probe_read_kernel()
		 * under lockdown=confidentiality on 7.x */
		if (exec && can_probe_read)
			put_argv(b, &pos, task);
	}
	if (kf) {
		put_exes_kf(b, &pos, task);
		/* Inside an RCU section the verifier lets a pointer walked
		 * from the task (fs) go to bpf_d_path(), as 6.1 does
		 * everywhere; outside one a sleepable program gets it
		 * untrusted. d_path() itself takes no lock that sleeps. */
		bpf_rcu_read_lock();
		fs = task->fs;
		if (fs)
			put_path(b, &pos, ID_STR_CWD, &fs->pwd);
		bpf_rcu_read_unlock();
		return pos;
	}
	if (!exe_d_path)
		return pos;
	if (mm && (exe = mm->exe_file))
		put_path(b, &pos, ID_STR_EXE, &exe->f_path);
	parent = task->real_parent;
	if (parent && parent->mm && (exe = parent->mm->exe_file))
		put_path(b, &pos, ID_STR_PARENT_EXE, &exe->f_path);
	fs = task->fs;
	if (fs)
		put_path(b, &pos, ID_STR_CWD, &fs->pwd);
	return pos;
}

/* What an event needs from the decision, for the callback that fills it. */
struct fill {
	struct evbuf *b;
	struct file *file;
	__u64 pid_tgid, gen;
	__u32 rule_index;
	__u8 hook, decision, rule_flags, has_sha256, fail_closed;
	bool ok;
	__u8 sha256[ID_SHA256_LEN];
};

/* One try at the record (bpf_loop callback, so the verifier sees it once,
 * not at every call site): the head, the file's path and who did it. A
 * copy that sleeps lets another task on this CPU reuse the buffer: then
 * the next try starts over. */
static __always_inline long fill_try(struct fill *x, bool kf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct evbuf *b = x->b;
	struct id_event *e = EV(b);
	struct inode *inode;
	__u32 pos = 0;

	b->owner = x->pid_tgid;
	__builtin_memset(e, 0, sizeof(*e));
	inode = x->file->f_inode;
	e->boot_ns = bpf_ktime_get_boot_ns();
	e->gen = x->gen;
	e->ino = inode->i_ino;
	e->dev = inode->i_sb->s_dev;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->rule_index = x->rule_index;
	e->pid = x->pid_tgid >> 32;
	e->tid = (__u32)x->pid_tgid;
	e->ppid = task->real_parent->tgid;
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->hook = x->hook;
	e->decision = x->decision;
	e->enforce = state.enforce;
	e->rule_flags = x->rule_flags;
	e->has_sha256 = x->has_sha256;
	e->type = ID_EV_FILE;
	e->fail_closed = x->fail_closed;
	__builtin_memcpy(e->sha256, x->sha256, ID_SHA256_LEN);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	put_path(b, &pos, ID_STR_PATH, &x->file->f_path);
	pos = put_who(b, task, pos, x->hook == ID_HOOK_EXEC ||
		      x->hook == ID_EV_HOOK_EXEC_CHECK, kf);
	e->pad2 = pos;	/* scratch: bytes of data, read back by emit() */
	x->ok = READ_ONCE(b->owner) == x->pid_tgid;
	return x->ok ? 1 : 0;
}

static long fill_cb(__u32 i, void *ctx)
{
	return fill_try(ctx, false);
}

static long fill_cb_kf(__u32 i, void *ctx)
{
	return fill_try(ctx, true);
}

static __always_inline void emit(struct file *file, __u8 hook,
				 const struct id_rule *r, __u64 gen,
				 bool audit, const __u8 *sha, bool have_sha,
				 bool kf)
{
	struct fill x = {
		.file = file,
		.pid_tgid = bpf_get_current_pid_tgid(),
		.gen = gen,
		.rule_index = r->index,
		.hook = hook,
		.decision = audit ? ID_DECISION_AUDIT : ID_DECISION_DENY,
		.rule_flags = r->flags,
		.has_sha256 = have_sha,
	};
	__u32 zero = 0, size;

	if (r->prio == ~0U && r->index == ~0U)
		x.fail_closed = ID_FAIL_DEPTH;
	else if (r->fail)
		x.fail_closed = r->fail;
	if (have_sha)
		__builtin_memcpy(x.sha256, sha, ID_SHA256_LEN);
	x.b = bpf_map_lookup_elem(&evbuf, &zero);
	if (x.b)
		bpf_loop(2, kf ? fill_cb_kf : fill_cb, &x, 0);
	if (!x.b || !x.ok) {
		__sync_fetch_and_add(&state.events_lost, 1);
		return;
	}
	size = EV(x.b)->pad2;
	EV(x.b)->pad2 = 0;
	if (size > ID_EVENT_DATA_MAX)
		size = ID_EVENT_DATA_MAX;
	if (bpf_ringbuf_output(&events, EV(x.b), sizeof(struct id_event) + size,
			       0))
		__sync_fetch_and_add(&state.events_lost, 1);
}

/* One evaluation against the policy generation in force. True if it
 * stands: neither the policy nor the scratch buffer changed meanwhile
 * (seqlock-style; the old slot is emptied only after state.gen moves).
 * *path_hit tells whether a path or inode rule applied. */
static __always_inline bool decide(struct file *file, __u8 hook,
				   struct scratch *s, __u64 tid,
				   const __u8 *sha, bool have_sha, bool clean,
				   struct id_rule *best, __u64 *genp,
				   bool *path_hit, bool *sha_hit, bool *deep,
				   bool kf)
{
	__u64 gen = READ_ONCE(state.gen);
	__u32 slot = gen & 1;
	long len;

	*genp = gen;
	*deep = false;
	__builtin_memset(best, 0, sizeof(*best));
	s->owner = tid;
	if (!clean && (state.rule_hooks[slot] & hook)) {
		len = bpf_d_path(&file->f_path, s->buf, sizeof(s->buf));
		match_path(len, slot, hook, best);
		if (state.inode_rules[slot])
			*deep = match_inode(file, slot, hook, best, kf);
	}
	*path_hit = best->prio != 0 || *deep;
	*sha_hit = false;
	if (have_sha && (state.sha_hooks[slot] & hook)) {
		struct id_sha k;

		__builtin_memcpy(&k, sha, ID_SHA256_LEN);
		*sha_hit = sha_find(slot, &k, hook, best);
	}
	return READ_ONCE(state.gen) == gen && READ_ONCE(s->owner) == tid;
}

/* hook: the rules' hook bit; ev_hook: the hook named in the event (an
 * mprotect is decided by the mmap rules). content: the SHA-256 rules of
 * an open, once the file can be read (file_post_open): its path was
 * decided by file_open. */
static __always_inline int evaluate(struct file *file, __u8 hook,
				    __u8 ev_hook, bool kf, bool content)
{
	struct inode *inode = file->f_inode;
	bool have_sha = false, clean = false, sha_miss = false;
	bool stable, path_hit = true, sha_hit = false, audit, deep = false;
	bool marked = false;
	__u64 tid, gen = 0, mount, hword = 0;
	struct id_rule best = {}, mark = {};
	struct id_inode_cache *c;
	struct id_inode_key pk;
	__u8 sha[ID_SHA256_LEN];
	__u32 zero = 0, epoch;
	struct scratch *s;

	if (!((state.rule_hooks[0] | state.rule_hooks[1]) & hook))
		return 0;
	/* Only regular files run; directories and devices are never denied. */
	if ((inode->i_mode & S_IFMT) != S_IFREG)
		return 0;
	/* the daemon reads what it must, before it hashes anything */
	if (content && (bpf_get_current_pid_tgid() >> 32) == state.daemon_tgid)
		return 0;
	/* The epoch is read before anything it guards. */
	epoch = READ_ONCE(state.epoch);
	c = bpf_inode_storage_get(&icache, inode, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (content) {
		clean = true;	/* no path rule is looked at here */
		mount = 0;
	} else {
		mount = clean_mount(file, kf);
		if (c)
			clean = clean_get(c, epoch, mount, hook);
		if (links_moving())
			marked = link_marked(inode, hook, &mark);
	}
	/* Hash first: it may sleep, and nothing below may. Empty files (and
	 * the pseudo-files of /proc) have nothing to hash, and a file in the
	 * middle of file_open cannot be read yet: content_check() hashes it
	 * once it can. */
	if ((hook != ID_HOOK_OPEN || content) &&
	    ((state.sha_hooks[0] | state.sha_hooks[1]) & hook) &&
	    inode->i_size > 0) {
		/* a file of hash_uncacheable() never has a cached answer:
		 * its file system is looked at on the way to a hash only */
		if (c && sha_miss_get(c, file, epoch, hook))
			sha_miss = true;
		else
			have_sha = file_sha256(file, hash_uncacheable(inode) ?
					       NULL : c, sha, &hword) == 0;
	}
	if (clean && !have_sha && !marked)
		return 0;
	tid = bpf_get_current_pid_tgid();
	if ((tid >> 32) == state.daemon_tgid)
		return 0;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	/* Three tries, written out: 6.1 rejects a loop here. */
	stable = decide(file, hook, s, tid, sha, have_sha, clean, &best, &gen,
			&path_hit, &sha_hit, &deep, kf);
	if (!stable)
		stable = decide(file, hook, s, tid, sha, have_sha, clean,
				&best, &gen, &path_hit, &sha_hit, &deep, kf);
	if (!stable)
		stable = decide(file, hook, s, tid, sha, have_sha, clean,
				&best, &gen, &path_hit, &sha_hit, &deep, kf);
	if (deep)
		fail_closed(&best, hook);
	if (marked) {
		path_hit = true;	/* nothing here is "clean" */
		consider(&best, &mark, hook);
		if (best.fail == ID_FAIL_LINK)
			__sync_fetch_and_add(&state.link_denied, 1);
	}
	if (stable && !path_hit && !clean && c && mount)
		clean_set(c, epoch, mount, hook);
	if (stable && have_sha && hword && !sha_hit && c)
		sha_miss_set(c, epoch, hword, hook);
	if (best.action != ID_ACT_DENY)
		return 0;
	inode_key(inode, 0, &pk);
	if (bpf_map_lookup_elem(&protect, &pk))
		return 0;
	/* Report the hash the cache holds, when the lookup was skipped. */
	if (sha_miss && c) {
		hword = READ_ONCE(c->hash);
		__builtin_memcpy(sha, c->sha256, ID_SHA256_LEN);
		have_sha = (hword & 3) == 1 && READ_ONCE(c->hash) == hword;
	}
	audit = !state.enforce || (best.flags & ID_RULE_AUDIT);
	emit(file, ev_hook, &best, gen, audit, sha, have_sha, kf);
	return audit ? 0 : -EPERM;
}

/* A record for the hooks that resolve no path: file_mprotect, and
 * fileless memory. Without kf a fixed-size record reserved on the ring;
 * with kf one built in the per-CPU buffer, to which small_end() adds both
 * executables. NULL when there is no room (counted). The caller adds its
 * fields, then calls small_end(). */
static __always_inline struct id_event *small_begin(struct evbuf **bp,
						    struct inode *inode,
						    __u8 type, __u8 hook,
						    const struct id_rule *r,
						    __u64 gen, bool audit,
						    bool kf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct evbuf *b = NULL;
	struct id_event *e;
	__u32 zero = 0;

	if (kf) {
		b = bpf_map_lookup_elem(&evbuf, &zero);
		e = b ? EV(b) : NULL;
		if (b)
			b->owner = pid_tgid;
	} else {
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	}
	*bp = b;
	if (!e) {
		__sync_fetch_and_add(&state.events_lost, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->boot_ns = bpf_ktime_get_boot_ns();
	e->gen = gen;
	if (inode) {
		e->ino = inode->i_ino;
		e->dev = inode->i_sb->s_dev;
	}
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->rule_index = r->index;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->ppid = task->real_parent->tgid;
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->hook = hook;
	e->decision = audit ? ID_DECISION_AUDIT : ID_DECISION_DENY;
	e->enforce = state.enforce;
	e->rule_flags = r->flags;
	e->type = type;
	if (type == ID_EV_FILE)
		e->cut = 1 << ID_STR_PATH;	/* no path in this hook */
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

static __always_inline void small_end(struct evbuf *b, struct id_event *e,
				      bool kf)
{
	__u32 pos = 0;

	if (!kf || !b) {
		bpf_ringbuf_submit(e, 0);
		return;
	}
	put_exes_kf(b, &pos, bpf_get_current_task_btf());
	if (pos > ID_EVENT_DATA_MAX)
		pos = ID_EVENT_DATA_MAX;
	/* another program on this CPU took the buffer meanwhile: lost */
	if (READ_ONCE(b->owner) != bpf_get_current_pid_tgid() ||
	    bpf_ringbuf_output(&events, EV(b), sizeof(struct id_event) + pos,
			       0))
		__sync_fetch_and_add(&state.events_lost, 1);
}

/* interdict.conf fileless: making executable memory that no file on disk
 * holds (file NULL: anonymous; or a memfd, SysV shm or /dev/shm file, told
 * apart by their file system's s_dev), unless the executable doing it is
 * one of fileless-allow. Callable from the non-sleepable file_mprotect. */
static __always_inline int fileless_check(struct file *file, __u8 hook,
					  bool kf)
{
	__u32 mode = READ_ONCE(state.fileless), kind, dev;
	struct task_struct *task;
	struct id_rule r = { .index = ~0U };
	struct id_inode_key k;
	struct mm_struct *mm;
	struct id_event *e;
	struct evbuf *b;
	struct file *exe;
	bool audit;

	if (!mode)
		return 0;
	if (file) {
		dev = file->f_inode->i_sb->s_dev;
		if (state.memfd_dev && dev == state.memfd_dev)
			kind = ID_FL_MEMFD;
		else if (state.shm_dev && dev == state.shm_dev)
			kind = ID_FL_SHM;
		else
			return 0;
	} else {
		kind = ID_FL_ANON;
	}
	if ((bpf_get_current_pid_tgid() >> 32) == state.daemon_tgid)
		return 0;
	task = bpf_get_current_task_btf();
	mm = task->mm;
	exe = mm ? mm->exe_file : NULL;
	if (exe) {
		inode_key(exe->f_inode, 0, &k);
		/* listed, or a protected binary (pid 1's, ours, ld.so, sh) */
		if (bpf_map_lookup_elem(&fileless_allow, &k) ||
		    bpf_map_lookup_elem(&protect, &k))
			return 0;
	}
	audit = mode != ID_FILELESS_DENY || !state.enforce;
	__sync_fetch_and_add(&state.fileless_seen, 1);
	e = small_begin(&b, file ? file->f_inode : NULL, ID_EV_FILELESS, hook,
			&r, READ_ONCE(state.gen), audit, kf);
	if (e) {
		e->target = kind;
		small_end(b, e, kf);
	}
	return audit ? 0 : -EPERM;
}

/* Each file hook comes twice: *_kf name the executables through the
 * kfuncs of 6.12 and later; interdictd loads one of each pair. */
static __always_inline int bprm_check(struct linux_binprm *bprm, int ret,
				      bool kf)
{
	if (ret)
		return ret;
	/* a memfd run with fexecve(): refused here, before the point of no
	 * return, rather than at the loader's mapping of it */
	ret = fileless_check(bprm->file, ID_HOOK_EXEC, kf);
	if (ret)
		return ret;
	return evaluate(bprm->file, ID_HOOK_EXEC, ID_HOOK_EXEC, kf, false);
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(bprm_check_security, struct linux_binprm *bprm, int ret)
{
	return bprm_check(bprm, ret, false);
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(bprm_check_kf, struct linux_binprm *bprm, int ret)
{
	return bprm_check(bprm, ret, true);
}

/* execveat(fd, "", argv, envp, AT_EMPTY_PATH | AT_EXECVE_CHECK), 6.14 and
 * later: an interpreter asks whether the kernel would run a script before
 * it reads it, and refuses the script if not. The kernel returns from the
 * exec right after this hook when bprm->is_check, so bprm_check_security
 * never sees such a call: the exec rules answer here, for every rule kind,
 * as they would for a real exec. Only the *_kf flavour exists: every
 * kernel with the flag has the kfuncs. For any other exec this is one
 * load and a return. */
SEC("lsm.s/bprm_creds_for_exec")
int BPF_PROG(bprm_creds_for_exec, struct linux_binprm *bprm, int ret)
{
	struct linux_binprm___check *c = (void *)bprm;

	if (ret || !BPF_CORE_READ_BITFIELD(c, is_check))
		return ret;
	ret = fileless_check(bprm->file, ID_EV_HOOK_EXEC_CHECK, true);
	if (ret)
		return ret;
	return evaluate(bprm->file, ID_HOOK_EXEC, ID_EV_HOOK_EXEC_CHECK, true,
			false);
}

static __always_inline int mmap_check(struct file *file, unsigned long prot,
				      int ret, bool kf)
{
	if (ret)
		return ret;
	if (!(prot & PROT_EXEC))
		return 0;
	/* Self-test: interdictd maps a file it hashed itself and compares. */
	if (file && state.probe_tgid &&
	    (bpf_get_current_pid_tgid() >> 32) == state.probe_tgid) {
		state.probe_ret = bpf_ima_file_hash(file, state.probe_sha256,
						    ID_SHA256_LEN);
		state.probe_done = 1;
		return 0;
	}
	ret = fileless_check(file, ID_HOOK_MMAP, kf);
	if (ret || !file)
		return ret;
	return evaluate(file, ID_HOOK_MMAP, ID_HOOK_MMAP, kf, false);
}

SEC("lsm.s/mmap_file")
int BPF_PROG(mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	return mmap_check(file, prot, ret, false);
}

SEC("lsm.s/mmap_file")
int BPF_PROG(mmap_file_kf, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	return mmap_check(file, prot, ret, true);
}

/* Adding PROT_EXEC to a file mapping (mapped readable, then mprotect) is
 * the mmap rules' business too. The kernel runs this hook with mmap_lock
 * held and lets no sleepable program on it: no bpf_d_path(), no hashing.
 * So the file is matched by inode (exact and subtree rules have inode
 * keys) and by its cached SHA-256; when SHA-256 rules apply to mmap and
 * the file's hash is not known, adding PROT_EXEC is denied (fail closed).
 * A mapping already executable was decided when it was made. */
static __always_inline int mprotect_verdict(struct file *file, bool kf)
{
	struct inode *inode = file->f_inode;
	__u64 gen = READ_ONCE(state.gen), h = 0;
	__u32 slot = gen & 1;
	struct id_rule best = {}, unknown = { .index = ~0U };
	struct id_inode_cache *c;
	struct id_inode_key pk;
	bool have_sha = false, audit;
	struct id_event *e;
	struct evbuf *b;
	__u64 pid_tgid;
	__u8 reason = 0;

	if (!(state.rule_hooks[slot] & ID_HOOK_MMAP) ||
	    (inode->i_mode & S_IFMT) != S_IFREG)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	if ((pid_tgid >> 32) == state.daemon_tgid)
		return 0;
	if (state.inode_rules[slot] &&
	    match_inode(file, slot, ID_HOOK_MMAP, &best, kf))
		fail_closed(&best, ID_HOOK_MMAP);
	c = bpf_inode_storage_get(&icache, inode, 0, 0);
	if ((state.sha_hooks[slot] & ID_HOOK_MMAP) && inode->i_size > 0) {
		if (c)
			h = READ_ONCE(c->hash);
		if (c && hash_current(c, inode, h, change_stamp(inode))) {
			struct id_sha k;

			__builtin_memcpy(&k, c->sha256, ID_SHA256_LEN);
			have_sha = READ_ONCE(c->hash) == h;
			if (have_sha)
				sha_find(slot, &k, ID_HOOK_MMAP, &best);
		}
		if (!have_sha && best.action != ID_ACT_DENY) {
			best = unknown;
			best.action = ID_ACT_DENY;
			reason = ID_FAIL_NO_HASH;
		}
	}
	if (best.action != ID_ACT_DENY)
		return 0;
	inode_key(inode, 0, &pk);
	if (bpf_map_lookup_elem(&protect, &pk))
		return 0;
	audit = !state.enforce || (best.flags & ID_RULE_AUDIT);
	e = small_begin(&b, inode, ID_EV_FILE, ID_EV_HOOK_MPROTECT, &best, gen,
			audit, kf);
	if (e) {
		e->fail_closed = reason;
		if (best.prio == ~0U && best.index == ~0U)
			e->fail_closed = ID_FAIL_DEPTH;
		if (have_sha) {
			__builtin_memcpy(e->sha256, c->sha256, ID_SHA256_LEN);
			e->has_sha256 = 1;
		}
		small_end(b, e, kf);
	}
	return audit ? 0 : -EPERM;
}

static __always_inline int mprotect_check(struct vm_area_struct *vma,
					  unsigned long prot, int ret, bool kf)
{
	struct file *file;

	if (ret)
		return ret;
	if (!(prot & PROT_EXEC))
		return 0;
	/* vm_flags: unsigned long up to 6.2, in a union since; should a
	 * kernel change it, every PROT_EXEC mprotect is decided */
	if (bpf_core_field_exists(vma->vm_flags) && (vma->vm_flags & VM_EXEC))
		return 0;
	file = vma->vm_file;
	ret = fileless_check(file, ID_EV_HOOK_MPROTECT, kf);
	if (ret || !file)
		return ret;
	return mprotect_verdict(file, kf);
}

SEC("lsm/file_mprotect")
int BPF_PROG(file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	return mprotect_check(vma, prot, ret, false);
}

SEC("lsm/file_mprotect")
int BPF_PROG(file_mprotect_kf, struct vm_area_struct *vma,
	     unsigned long reqprot, unsigned long prot, int ret)
{
	return mprotect_check(vma, prot, ret, true);
}

/* Overlayfs (6.6 and later) opens the layer's own file for the one the
 * caller opened, on a private mount of the layer (MNT_NS_INTERNAL): its
 * path then reads as relative to that layer (/opt/x for lower/opt/x),
 * which a rule for the real /opt/x would match. The caller's open was
 * decided on its own path just before. 6.1 opens it under the overlay's
 * path instead; only the *_kf programs (6.12 and later) have the cast to
 * reach the mount, and with it none of bpf_probe_read_kernel(). */
static __always_inline bool backing_open(struct file *file, bool kf)
{
	struct vfsmount *mnt = file->f_path.mnt;
	struct mount *m;

	if (!kf)
		return false;
	m = bpf_rdonly_cast((void *)mnt - bpf_core_field_offset(struct mount,
								 mnt),
			    bpf_core_type_id_kernel(struct mount));
	return (long)m->mnt_ns == -EINVAL;
}

static __always_inline int open_check(struct file *file, int ret, bool kf)
{
	if (ret)
		return ret;
	if (file->f_mode & FMODE_WRITE)
		hash_invalidate(file->f_inode);
	if (links_moving())
		mark_file(file->f_inode);
	/* on=open is about reading a denied file (sh x.sh, python x.py); a
	 * write-only open never reads it, and removal must be able to. */
	if (!(file->f_mode & FMODE_READ))
		return 0;
	/* only a policy with on=open rules pays for the mount lookup */
	if (((state.rule_hooks[0] | state.rule_hooks[1]) & ID_HOOK_OPEN) &&
	    backing_open(file, kf))
		return 0;
	return evaluate(file, ID_HOOK_OPEN, ID_HOOK_OPEN, kf, false);
}

SEC("lsm.s/file_open")
int BPF_PROG(file_open, struct file *file, int ret)
{
	return open_check(file, ret, false);
}

SEC("lsm.s/file_open")
int BPF_PROG(file_open_kf, struct file *file, int ret)
{
	return open_check(file, ret, true);
}

/* SHA-256 rules with on=open (sh x.sh, . x.sh, python3 x.py of a denied
 * script under any name): the content of a file opened for reading, once
 * the open has made it readable. file_post_open (6.9 and later) runs
 * right after file_open, before the open returns or truncates; interdictd
 * attaches this program only while such a rule is in force. Files larger
 * than ID_CONTENT_MAX are not hashed at open (a database or log file
 * would be read whole at its first open): they are counted. */
static __always_inline int content_check(struct file *file, int ret,
					 bool kf)
{
	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_READ) ||
	    !((state.sha_hooks[0] | state.sha_hooks[1]) & ID_HOOK_OPEN))
		return 0;
	if (file->f_inode->i_size > ID_CONTENT_MAX) {
		if ((file->f_inode->i_mode & S_IFMT) == S_IFREG)
			__sync_fetch_and_add(&state.content_big, 1);
		return 0;
	}
	return evaluate(file, ID_HOOK_OPEN, ID_HOOK_OPEN, kf, true);
}

SEC("lsm.s/file_post_open")
int BPF_PROG(file_post_open, struct file *file, int mask, int ret)
{
	return content_check(file, ret, false);
}

SEC("lsm.s/file_post_open")
int BPF_PROG(file_post_open_kf, struct file *file, int mask, int ret)
{
	return content_check(file, ret, true);
}

/* Renames, links and mount changes can give a file another path: cached
 * "clean" verdicts are dropped. (Run before the change; a verdict cached in
 * between only skips path rules, which a copy of the file escapes anyway.) */
static __always_inline int epoch_bump(int ret)
{
	__sync_fetch_and_add(&state.epoch, 1);
	return ret;
}


SEC("lsm/inode_link")
int BPF_PROG(inode_link, struct dentry *old_dentry, struct inode *dir,
	     struct dentry *new_dentry, int ret)
{
	return epoch_bump(ret);
}

SEC("lsm/sb_mount")
int BPF_PROG(sb_mount, const char *dev_name, const struct path *path,
	     const char *type, unsigned long flags, void *data, int ret)
{
	return epoch_bump(ret);
}

SEC("lsm/move_mount")
int BPF_PROG(move_mount, const struct path *from_path,
	     const struct path *to_path, int ret)
{
	return epoch_bump(ret);
}


SEC("lsm/sb_pivotroot")
int BPF_PROG(sb_pivotroot, const struct path *old_path,
	     const struct path *new_path, int ret)
{
	return epoch_bump(ret);
}

SEC("lsm/path_truncate")
int BPF_PROG(path_truncate, const struct path *path, int ret)
{
	hash_invalidate(path->dentry->d_inode);
	return ret;
}

/* --- Tamper protection ----------------------------------------------------
 * Only interdictd may reach our maps, programs, links and pins, ptrace it,
 * or stop it (pid 1 and its parent excepted, so that systemd can). A
 * starting interdictd is recognised by its executable's inode, which the
 * daemon in charge lists in daemon_exe. */

static __always_inline bool trusted(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct id_inode_key k;
	struct mm_struct *mm;
	struct file *exe;

	if (state.daemon_tgid && task->tgid == state.daemon_tgid)
		return true;
	mm = task->mm;
	if (!mm)
		return false;
	exe = mm->exe_file;
	if (!exe)
		return false;
	inode_key(exe->f_inode, 0, &k);
	return bpf_map_lookup_elem(&daemon_exe, &k) != NULL;
}

/* A tamper event; with kf (the *_kf programs) it names both executables
 * from the kernel (small_end()). */
static __always_inline int tamper(__u8 what, __u32 target, __u32 signo,
				  struct inode *inode, bool kf)
{
	struct id_rule r = {};
	struct id_event *e;
	struct evbuf *b;

	__sync_fetch_and_add(&state.tamper_denied, 1);
	e = small_begin(&b, inode, ID_EV_TAMPER, 0, &r, state.gen, false, kf);
	if (!e)
		return -EPERM;
	e->tamper = what;
	e->target = target;
	e->signo = signo;
	small_end(b, e, kf);
	return -EPERM;
}

static __always_inline int guard_obj(__u32 type, __u32 id, __u8 what,
				     bool kf)
{
	struct id_obj_key k = { .type = type, .id = id };

	if (!bpf_map_lookup_elem(&own_objs, &k) || trusted())
		return 0;
	return tamper(what, id, 0, NULL, kf);
}

/* Every fd for a map or program, by id or from a pin, passes here. */
/* Two programs for each hook that guards interdict itself: the *_kf one
 * (6.12 and later) names both executables in its tamper event. */
static __always_inline int map_check(struct bpf_map *map, int ret, bool kf)
{
	if (ret)
		return ret;
	return guard_obj(ID_OBJ_MAP, map->id, ID_TAMPER_BPF_MAP, kf);
}

SEC("lsm/bpf_map")
int BPF_PROG(bpf_map, struct bpf_map *map, unsigned int fmode, int ret)
{
	return map_check(map, ret, false);
}

SEC("lsm/bpf_map")
int BPF_PROG(bpf_map_kf, struct bpf_map *map, unsigned int fmode, int ret)
{
	return map_check(map, ret, true);
}

static __always_inline int prog_check(struct bpf_prog *prog, int ret, bool kf)
{
	if (ret)
		return ret;
	return guard_obj(ID_OBJ_PROG, prog->aux->id, ID_TAMPER_BPF_PROG, kf);
}

SEC("lsm/bpf_prog")
int BPF_PROG(bpf_prog, struct bpf_prog *prog, int ret)
{
	return prog_check(prog, ret, false);
}

SEC("lsm/bpf_prog")
int BPF_PROG(bpf_prog_kf, struct bpf_prog *prog, int ret)
{
	return prog_check(prog, ret, true);
}

/* Links have no hook of their own: their ids are checked on the command.
 * A modify-return program on a security_* function would return "allowed"
 * before any LSM runs: only interdictd may load one. */
static __always_inline int bpf_cmd(int cmd, union bpf_attr *attr, bool kf)
{
	if (cmd == BPF_LINK_GET_FD_BY_ID)
		return guard_obj(ID_OBJ_LINK, attr->link_id,
				 ID_TAMPER_BPF_LINK, kf);
	if (cmd == BPF_PROG_LOAD && attr->prog_type == BPF_PROG_TYPE_TRACING &&
	    attr->expected_attach_type == BPF_MODIFY_RETURN && !trusted())
		return tamper(ID_TAMPER_FMOD_RET, 0, 0, NULL, kf);
	return 0;
}

/* The hook gained a `kernel` argument in 6.16: interdictd loads bpf or
 * bpf_caller (or their *_kf twins), whichever matches the running kernel's
 * prototype. */
static __always_inline int bpf_check(int cmd, union bpf_attr *attr, int ret,
				     bool kf)
{
	if (ret)
		return ret;
	return bpf_cmd(cmd, attr, kf);
}

SEC("lsm/bpf")
int BPF_PROG(bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	return bpf_check(cmd, attr, ret, false);
}

SEC("lsm/bpf")
int BPF_PROG(bpf_kf, int cmd, union bpf_attr *attr, unsigned int size,
	     int ret)
{
	return bpf_check(cmd, attr, ret, true);
}

SEC("lsm/bpf")
int BPF_PROG(bpf_caller, int cmd, union bpf_attr *attr, unsigned int size,
	     bool kernel, int ret)
{
	return bpf_check(cmd, attr, ret, false);
}

SEC("lsm/bpf")
int BPF_PROG(bpf_caller_kf, int cmd, union bpf_attr *attr, unsigned int size,
	     bool kernel, int ret)
{
	return bpf_check(cmd, attr, ret, true);
}

/* A record per change: interdictd resolves the rule paths again at once. */
static __always_inline void wake_daemon(struct id_inode_key *k)
{
	/* full: the daemon has a wakeup to read already */
	bpf_ringbuf_output(&link_wake, k, sizeof(*k), BPF_RB_FORCE_WAKEUP);
}

/* A watched link is about to be renamed over, moved or removed: a rule
 * path through it may lead elsewhere. For a deny rule, its name goes into
 * link_names: whatever link takes the name, a lookup through it is
 * marked and what it opens is denied for the rule's hooks until
 * interdictd has resolved the rule paths again (inode_follow_link). When
 * the link names an entry of its own directory (install-current ->
 * install-v2), the rule is also armed on that directory, so whatever it
 * names next is covered by any path. interdictd is woken to resolve the
 * rule paths again, which ends both. The change itself is never refused. */
static __always_inline void link_changed(struct dentry *dentry)
{
	struct inode *inode = dentry->d_inode;
	struct id_name_key nk = {};
	struct id_pending pv = {};
	struct id_inode_key k;
	struct id_link *l;
	__u32 slot;

	if (!inode || (inode->i_mode & S_IFMT) != S_IFLNK)
		return;
	inode_key(inode, 0, &k);
	l = bpf_map_lookup_elem(&links, &k);
	if (!l)
		return;
	/* A stale allow only denies more: allow rules wait for the
	 * daemon's next resolution, and are never armed. */
	if (l->rule.action == ID_ACT_DENY) {
		nk.dir = l->dir;
		nk.hash_len = name_hash_len(dentry);
		pv.rule = l->rule;
		pv.old = k;
		pv.seq = __sync_add_and_fetch(&state.link_changes, 1);
		if (bpf_map_update_elem(&link_names, &nk, &pv, BPF_ANY))
			__sync_fetch_and_add(&state.names_full, 1);
	} else {
		__sync_fetch_and_add(&state.link_changes, 1);
	}
	if (l->arm && l->rule.action == ID_ACT_DENY) {
		struct id_inode_key dk = l->dir;
		struct id_rule r = l->rule;

		slot = READ_ONCE(state.gen) & 1;
		dk.slot = slot;
		bpf_map_update_elem(&ino_rules, &dk, &r, BPF_NOEXIST);
		if (!state.inode_rules[slot])
			state.inode_rules[slot] = 1;
	}
	__sync_fetch_and_add(&state.epoch, 1);
	wake_daemon(&k);
}

/* A lookup follows a link at a name of link_names: the task is marked,
 * so that the file it opens next is denied for the rule's hooks (see
 * evaluate()). A kept name (missing when interdictd resolved) wakes it.
 * When the mark cannot be stored the link is not followed. */
SEC("lsm/inode_follow_link")
int BPF_PROG(inode_follow_link, struct dentry *dentry, struct inode *inode,
	     bool rcu, int ret)
{
	struct id_name_key nk = {};
	struct dentry *parent;
	struct id_pending *p;
	struct id_mark *m;

	if (ret || !links_moving())
		return ret;
	parent = dentry->d_parent;
	if (!parent || !parent->d_inode ||
	    (bpf_get_current_pid_tgid() >> 32) == state.daemon_tgid)
		return 0;
	inode_key(parent->d_inode, 0, &nk.dir);
	nk.hash_len = name_hash_len(dentry);
	p = bpf_map_lookup_elem(&link_names, &nk);
	if (!p)
		return 0;
	if (p->kept && !p->woken) {
		p->woken = 1;
		wake_daemon(&nk.dir);
	}
	m = bpf_task_storage_get(&marks, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!m)
		return -EPERM;
	if (m->name.hash_len != nk.hash_len || !same_key(&m->name.dir, &nk.dir)) {
		/* another changed link: its files are another matter */
		__builtin_memset(m->file, 0, sizeof(m->file));
		m->name = nk;
	}
	m->rule = p->rule;
	m->armed = 1;
	return 0;
}

static __always_inline bool pinned(struct inode *inode)
{
	struct id_inode_key k;

	if (!inode || !state.pin_dev || inode->i_sb->s_dev != state.pin_dev)
		return false;
	inode_key(inode, 0, &k);
	return bpf_map_lookup_elem(&pins, &k) != NULL;
}

static __always_inline int guard_pin(struct dentry *dentry, __u8 what,
				     bool kf)
{
	struct inode *inode = dentry->d_inode;

	if (!pinned(inode) || trusted())
		return 0;
	return tamper(what, 0, 0, inode, kf);
}

static __always_inline int unlink_check(struct dentry *dentry, int ret,
					bool kf)
{
	if (ret)
		return ret;
	ret = guard_pin(dentry, ID_TAMPER_UNLINK, kf);
	if (!ret)
		link_changed(dentry);
	return ret;
}

SEC("lsm/inode_unlink")
int BPF_PROG(inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	return unlink_check(dentry, ret, false);
}

SEC("lsm/inode_unlink")
int BPF_PROG(inode_unlink_kf, struct inode *dir, struct dentry *dentry,
	     int ret)
{
	return unlink_check(dentry, ret, true);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(inode_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : guard_pin(dentry, ID_TAMPER_UNLINK, false);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(inode_rmdir_kf, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : guard_pin(dentry, ID_TAMPER_UNLINK, true);
}

/* A rename can give a file another path (see epoch_bump), and must not
 * move a pin away or replace one. */
static __always_inline int rename_check(struct dentry *old_dentry,
					struct dentry *new_dentry, int ret,
					bool kf)
{
	if (ret)
		return ret;
	ret = guard_pin(old_dentry, ID_TAMPER_RENAME, kf);
	if (!ret)
		ret = guard_pin(new_dentry, ID_TAMPER_RENAME, kf);
	if (!ret) {
		link_changed(old_dentry);
		link_changed(new_dentry);
	}
	return epoch_bump(ret);
}

SEC("lsm/inode_rename")
int BPF_PROG(inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	return rename_check(old_dentry, new_dentry, ret, false);
}

SEC("lsm/inode_rename")
int BPF_PROG(inode_rename_kf, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	return rename_check(old_dentry, new_dentry, ret, true);
}

/* Unmounting the bpffs that holds the pins would drop them all; a copy of
 * that mount in another namespace (a service's sandbox being set up, say)
 * holds none of them alone. */
static __always_inline int umount_check(struct vfsmount *mnt, int ret, bool kf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct nsproxy *ns;

	if (!ret && state.pin_dev && mnt->mnt_sb->s_dev == state.pin_dev &&
	    (ns = task->nsproxy) && (__u64)ns->mnt_ns == state.root_mnt_ns &&
	    !trusted())
		ret = tamper(ID_TAMPER_UMOUNT, 0, 0, NULL, kf);
	return epoch_bump(ret);
}

SEC("lsm/sb_umount")
int BPF_PROG(sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	return umount_check(mnt, ret, false);
}

SEC("lsm/sb_umount")
int BPF_PROG(sb_umount_kf, struct vfsmount *mnt, int flags, int ret)
{
	return umount_check(mnt, ret, true);
}

/* The kernel holds the daemon's task_lock here, which naming the parent's
 * executable would take again if the tracer were a child of the daemon:
 * such a tracer's event goes without the kernel's names. */
static __always_inline int ptrace_check(struct task_struct *child,
					unsigned int mode, int ret, bool kf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 daemon = state.daemon_tgid;

	if (ret)
		return ret;
	if (!daemon || child->tgid != daemon || task->tgid == daemon ||
	    !(mode & PTRACE_MODE_ATTACH))
		return 0;
	if (kf && task->real_parent->tgid == daemon)
		return tamper(ID_TAMPER_PTRACE, daemon, 0, NULL, false);
	return tamper(ID_TAMPER_PTRACE, daemon, 0, NULL, kf);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(ptrace_access_check, struct task_struct *child,
	     unsigned int mode, int ret)
{
	return ptrace_check(child, mode, ret, false);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(ptrace_access_check_kf, struct task_struct *child,
	     unsigned int mode, int ret)
{
	return ptrace_check(child, mode, ret, true);
}

/* Signals that cannot stop or kill it: 0 (probe), SIGHUP (reload), SIGUSR1
 * (reopen the events file), SIGCHLD, SIGCONT, SIGURG, SIGWINCH. */
#define HARMLESS_SIGNALS (1U << 0 | 1U << 1 | 1U << 10 | 1U << 17 | \
			  1U << 18 | 1U << 23 | 1U << 28)

static __always_inline int kill_check(struct task_struct *p, int sig, int ret,
				      bool kf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 daemon = state.daemon_tgid;

	if (ret)
		return ret;
	if (!daemon || p->tgid != daemon)
		return 0;
	if (sig >= 0 && sig < 32 && (HARMLESS_SIGNALS & (1U << sig)))
		return 0;
	/* pid 1 (systemctl stop, restart) and whoever started the daemon */
	if (task->tgid == 1 || task->tgid == daemon ||
	    task->tgid == p->real_parent->tgid)
		return 0;
	return tamper(ID_TAMPER_SIGNAL, daemon, sig, NULL, kf);
}

SEC("lsm/task_kill")
int BPF_PROG(task_kill, struct task_struct *p, void *info, int sig,
	     const struct cred *cred, int ret)
{
	return kill_check(p, sig, ret, false);
}

SEC("lsm/task_kill")
int BPF_PROG(task_kill_kf, struct task_struct *p, void *info, int sig,
	     const struct cred *cred, int ret)
{
	return kill_check(p, sig, ret, true);
}

/* Run by interdictd over its own open files to learn the inode keys of rule
 * paths exactly as the hooks above will see them. */
SEC("iter/task_file")
int identify(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct id_inode_key k;
	struct id_ident id;
	struct inode *inode;

	if (task && task->tgid == 1 && !state.root_mnt) {
		struct fs_struct *fs = task->fs;

		/* pid 1's root: the clean cache is used under it only */
		state.root_dentry = (__u64)fs->root.dentry;
		state.root_mnt = (__u64)fs->root.mnt;
		state.root_mnt_ns = (__u64)task->nsproxy->mnt_ns;
	}
	if (!task || !file || task->tgid != state.daemon_tgid)
		return 0;
	inode = file->f_inode;
	inode_key(inode, 0, &k);
	id.ino = k.ino;
	id.dev = k.dev;
	id.gen = k.gen;
	id.fd = ctx->fd;
	id.mode = inode->i_mode;
	id.pad = 0;
	bpf_seq_write(seq, &id, sizeof(id));
	return 0;
}
