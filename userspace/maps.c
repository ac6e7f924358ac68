// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy compilation into the BPF maps. A new policy is written into the
 * free slot next to the one in force, made current by one store to
 * state.gen, and only then is the old slot emptied: no moment without a
 * complete policy, and a policy that fails to load leaves the old in force.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "interdict.h"
#include "interdict.skel.h"

#define BATCH 4096	/* entries per map syscall */
#define OPEN_BATCH 256	/* rule paths opened at once for identification */

struct entries {
	void *keys;
	struct id_rule *vals;
	size_t n, cap, ksize;
};

static int entries_add(struct entries *e, const void *key,
		       const struct id_rule *val)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 256;
		void *k = realloc(e->keys, cap * e->ksize);
		void *v;

		if (!k)
			return -ENOMEM;
		e->keys = k;
		v = realloc(e->vals, cap * sizeof(*e->vals));
		if (!v)
			return -ENOMEM;
		e->vals = v;
		e->cap = cap;
	}
	memcpy((char *)e->keys + e->n * e->ksize, key, e->ksize);
	e->vals[e->n++] = *val;
	return 0;
}

static void entries_free(struct entries *e)
{
	free(e->keys);
	free(e->vals);
	e->keys = NULL;
	e->vals = NULL;
	e->n = e->cap = 0;
}

static size_t sort_ksize;
static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sort_ksize);
}

/* One entry per key; where two rules give the same key (a path and the
 * canonical form of another, two hard links), the higher prio stays. */
static void entries_dedup(struct entries *e)
{
	size_t i, out = 0, rec = e->ksize + sizeof(struct id_rule);
	char *tmp = malloc(e->n * rec);

	if (!tmp || e->n < 2) {
		free(tmp);
		return;
	}
	for (i = 0; i < e->n; i++) {
		memcpy(tmp + i * rec, (char *)e->keys + i * e->ksize, e->ksize);
		memcpy(tmp + i * rec + e->ksize, &e->vals[i],
		       sizeof(struct id_rule));
	}
	sort_ksize = e->ksize;
	qsort(tmp, e->n, rec, key_cmp);
	for (i = 0; i < e->n; i++) {
		struct id_rule v;

		memcpy(&v, tmp + i * rec + e->ksize, sizeof(v));
		if (out && !memcmp((char *)e->keys + (out - 1) * e->ksize,
				   tmp + i * rec, e->ksize)) {
			if (v.prio > e->vals[out - 1].prio)
				e->vals[out - 1] = v;
			continue;
		}
		memcpy((char *)e->keys + out * e->ksize, tmp + i * rec,
		       e->ksize);
		e->vals[out++] = v;
	}
	e->n = out;
	free(tmp);
}

/* Batch operations on hash maps came with 5.6: without them (ENOTSUPP,
 * 524 in the kernel's numbering, or EOPNOTSUPP), one call per key. */
static bool batch_unsupported(int err)
{
	return err == 524 || err == EOPNOTSUPP || err == ENOSYS;
}

static int update_batch(int fd, const void *keys, const struct id_rule *vals,
			size_t ksize, __u32 *count)
{
	__u32 i, n = *count;

	if (!bpf_map_update_batch(fd, keys, vals, count, NULL))
		return 0;
	if (!batch_unsupported(errno))
		return -errno;
	for (i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, (const char *)keys + i * ksize,
					&vals[i], BPF_ANY)) {
			*count = i;
			return -errno;
		}
	*count = n;
	return 0;
}

static void delete_batch(int fd, const void *keys, size_t ksize, __u32 n)
{
	__u32 count = n, i;

	if (!bpf_map_delete_batch(fd, keys, &count, NULL))
		return;
	/* a missing key stops a batch, as does a kernel without batches:
	 * finish one by one */
	for (i = count < n ? count : 0; i < n; i++)
		bpf_map_delete_elem(fd, (const char *)keys + i * ksize);
}

static int map_put(struct bpf_map *map, const struct entries *e,
		   size_t *done)
{
	size_t off;
	__u32 count;
	int err;

	for (off = 0; off < e->n; off += count) {
		count = e->n - off < BATCH ? e->n - off : BATCH;
		err = update_batch(bpf_map__fd(map),
				   (char *)e->keys + off * e->ksize,
				   &e->vals[off], e->ksize, &count);
		*done = off + count;
		if (err)
			return err;
	}
	*done = e->n;
	return 0;
}

static void map_del(struct bpf_map *map, const struct entries *e, size_t n)
{
	size_t off;
	__u32 count;

	for (off = 0; off < n; off += count) {
		count = n - off < BATCH ? n - off : BATCH;
		delete_batch(bpf_map__fd(map), (char *)e->keys + off * e->ksize,
			     e->ksize, count);
	}
}

/* SHA-256 keys are not kept: they are made again from the policy, a batch
 * at a time, to write them and to delete them (24 bytes less per rule than
 * a copy of a million keys and values held for the life of the slot). */
struct compiled {
	size_t nsha;		/* SHA-256 rules; keys in rule order */
	struct entries path, ino;
	__u32 sha_hooks, rule_hooks;
	__u64 path_lens[ID_PATH_KEY_MAX / 64];
};

static void compiled_free(struct compiled *c)
{
	entries_free(&c->path);
	entries_free(&c->ino);
}

static void rule_value(const struct rule *r, __u32 index, struct id_rule *v)
{
	memset(v, 0, sizeof(*v));
	v->prio = rule_prio(r);
	v->index = index;
	v->action = r->action;
	v->hooks = r->hooks;
	v->flags = r->flags;
}

static int add_path(struct compiled *c, const char *path, __u32 slot,
		    const struct id_rule *v)
{
	struct id_path_key k;
	size_t len = strlen(path);

	if (len >= ID_PATH_KEY_MAX)
		return 0;	/* a canonical form too long to ever match */
	memset(&k, 0, sizeof(k));
	k.slot = slot;
	memcpy(k.path, path, len);
	c->path_lens[len / 64] |= 1ULL << (len % 64);
	return entries_add(&c->path, &k, v);
}

/* Open up to OPEN_BATCH rule paths and learn their inode keys from the
 * kernel. A path that does not exist yet is matched by its name only. */
static int identify_batch(struct interdict_bpf *skel, struct compiled *c,
			  const struct policy *p, size_t from, size_t to,
			  __u32 slot, bool quiet)
{
	struct id_ident ids[OPEN_BATCH];
	int fds[OPEN_BATCH];
	size_t idx[OPEN_BATCH], i, n = 0;
	int err = 0;

	for (i = from; i < to; i++) {
		const struct rule *r = &p->rules[i];
		int fd;

		if (r->kind == MATCH_SHA256 || r->kind == MATCH_PACKAGE)
			continue;
		fd = open(r->path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;
		fds[n] = fd;
		idx[n++] = i;
	}
	if (n)
		err = loader_identify(skel, fds, n, ids);
	for (i = 0; i < n && !err; i++) {
		const struct rule *r = &p->rules[idx[i]];
		bool dir = (ids[i].mode & S_IFMT) == S_IFDIR;
		struct id_inode_key k = {0};
		struct id_rule v;

		if ((int)ids[i].fd != fds[i])
			continue;
		if (dir != (r->kind == MATCH_TREE)) {
			if (!quiet)
				log_warnx("policy", "%s:%u: %s is %s; the rule matches "
					  "it by name only", r->file, r->line,
					  r->path, dir ? "a directory" :
					  "not a directory");
			continue;
		}
		k.ino = ids[i].ino;
		k.dev = ids[i].dev;
		k.gen = ids[i].gen;
		k.slot = slot;
		rule_value(r, idx[i], &v);
		err = entries_add(&c->ino, &k, &v);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return err;
}

static int identify_all(struct interdict_bpf *skel, struct compiled *c,
			const struct policy *p, __u32 slot, bool quiet)
{
	size_t i;
	int err = 0;

	for (i = 0; i < p->nrules && !err; i += OPEN_BATCH)
		err = identify_batch(skel, c, p, i,
				     i + OPEN_BATCH < p->nrules ?
				     i + OPEN_BATCH : p->nrules, slot, quiet);
	entries_dedup(&c->ino);
	return err;
}

static int compile(struct interdict_bpf *skel, const struct policy *p,
		   __u32 slot, struct compiled *c)
{
	char canon[4096];
	size_t i;
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->path.ksize = sizeof(struct id_path_key);
	c->ino.ksize = sizeof(struct id_inode_key);
	for (i = 0; i < p->nrules && !err; i++) {
		const struct rule *r = &p->rules[i];
		struct id_rule v;

		if (r->kind == MATCH_PACKAGE)
			continue;	/* dpkg.c resolved it into rules */
		c->rule_hooks |= r->hooks;
		if (r->kind != MATCH_SHA256)
			rule_value(r, i, &v);
		if (r->kind == MATCH_SHA256) {
			c->sha_hooks |= r->hooks;
			c->nsha++;
			continue;
		}
		err = add_path(c, r->path, slot, &v);
		if (!err && !path_canonical(r->path, canon, sizeof(canon)) &&
		    strcmp(canon, r->path))
			err = add_path(c, canon, slot, &v);
	}
	entries_dedup(&c->path);
	if (!err)
		err = identify_all(skel, c, p, slot, false);
	return err;
}

/* A slot's SHA-256 table (see struct id_sha_ent): the two arrays, made
 * for this policy and of its size, written through a mapping of their
 * memory and handed to the kernel by putting them in sha_ents and
 * sha_index. Held open while the slot is used, so that the memlock of
 * the daemon's maps counts them. */
struct sha_table {
	bool made;
	int ents, index;	/* map fds, -1: none */
	__u32 ents_id, index_id;
	__u32 nbuckets;
	__u64 seed;
};

#define SHA_SEED_TRIES	8

/* The kernel spaces an array's values 8 bytes apart at least: written
 * here as plain C arrays, they must be whole multiples of 8. */
_Static_assert(sizeof(struct id_sha_ent) % 8 == 0, "id_sha_ent stride");
_Static_assert(sizeof(struct id_sha_bucket) % 8 == 0, "id_sha_bucket stride");

/* Tables taken out of the kernel's maps are held a while longer before
 * the kernel may free them: a program that looked up the slot just
 * before may still read them (kernels before 6.8 free an inner map after
 * an RCU grace period, which a sleepable program does not hold up). One
 * an earlier daemon made is held by id, which takes CAP_SYS_ADMIN: at the
 * start, not once the sandbox dropped it. */
static int held[2 * 2 * ID_NSLOTS];
static size_t nheld;
static struct timespec held_at;

static void hold_fd(int fd)
{
	if (fd < 0)
		return;
	if (nheld == sizeof(held) / sizeof(held[0]))
		close(held[--nheld]);
	held[nheld++] = fd;
	clock_gettime(CLOCK_MONOTONIC, &held_at);
}

static void sha_table_close(struct sha_table *t)
{
	if (!t->made)
		return;
	hold_fd(t->ents);
	hold_fd(t->index);
	memset(t, 0, sizeof(*t));
}

static int map_id(int fd, __u32 *id)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

/* An mmap-able array of n values of size bytes, and its memory. */
static int table_array(const char *name, __u32 size, __u32 n, void **mem,
		       size_t *len)
{
	LIBBPF_OPTS(bpf_map_create_opts, o,
		    .map_flags = BPF_F_MMAPABLE | BPF_F_INNER_MAP);
	long page = sysconf(_SC_PAGESIZE);
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(__u32), size, n,
			    &o);
	if (fd < 0)
		return -errno;
	*len = ((size_t)size * n + page - 1) / page * page;
	*mem = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*mem == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Count the SHA-256 rules of p into count[b + 1] for their bucket b;
 * false if a bucket would hold more than ID_SHA_BUCKET_MAX. */
static bool sha_count(const struct policy *p, __u32 *count, __u32 nb,
		      __u64 seed)
{
	struct id_sha s;
	size_t i;
	__u32 b;

	memset(count, 0, (nb + 1) * sizeof(*count));
	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].kind != MATCH_SHA256)
			continue;
		memcpy(&s, p->rules[i].sha256, sizeof(s));
		b = id_sha_bucket(&s, seed, nb);
		if (++count[b + 1] > ID_SHA_BUCKET_MAX)
			return false;
	}
	return true;
}

/* Build the table of p's n SHA-256 rules for slot and put it in the
 * kernel's maps. The rules go in bucket order (a counting sort: pos[]
 * counts, then holds where each bucket starts); in a bucket, in rule
 * order. One bucket per rule: a lookup compares one hash on average. */
static int sha_put(struct interdict_bpf *skel, const struct policy *p,
		   size_t n, __u32 slot, struct sha_table *t)
{
	struct id_sha_bucket *index = NULL;
	struct id_sha_ent *ents = NULL;
	size_t elen = 0, ilen = 0, i;
	__u32 *pos = NULL, nb = n, b;
	int err = 0, tries;
	struct id_sha s;

	memset(t, 0, sizeof(*t));
	t->ents = t->index = -1;
	t->made = true;
	if (!n)
		return 0;
	if (n >= UINT32_MAX)
		return -E2BIG;
	pos = malloc((nb + 1) * sizeof(*pos));
	if (!pos)
		return -ENOMEM;
	for (tries = 0; tries < SHA_SEED_TRIES; tries++) {
		if (getrandom(&t->seed, sizeof(t->seed), 0) != sizeof(t->seed))
			t->seed = (__u64)random() << 32 ^ (__u64)random();
		if (sha_count(p, pos, nb, t->seed))
			break;
	}
	if (tries == SHA_SEED_TRIES) {
		err = -EOVERFLOW;
		goto out;
	}
	t->ents = table_array("id_sha_ents", sizeof(*ents), n,
			      (void **)&ents, &elen);
	if (t->ents < 0) {
		err = t->ents;
		t->ents = -1;
		goto out;
	}
	t->index = table_array("id_sha_index", sizeof(*index), nb,
			       (void **)&index, &ilen);
	if (t->index < 0) {
		err = t->index;
		t->index = -1;
		goto out;
	}
	for (b = 0; b < nb; b++) {
		pos[b + 1] += pos[b];
		index[b].first = pos[b];
		index[b].end = pos[b + 1];
	}
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		struct id_sha_ent *e;

		if (r->kind != MATCH_SHA256)
			continue;
		memcpy(&s, r->sha256, sizeof(s));
		b = id_sha_bucket(&s, t->seed, nb);
		e = &ents[pos[b]++];
		e->sha = s;
		rule_value(r, i, &e->rule);
		e->pad = 0;
	}
	err = map_id(t->ents, &t->ents_id);
	if (!err)
		err = map_id(t->index, &t->index_id);
	/* ours before the programs can reach them: no one else gets an fd */
	if (!err)
		err = pin_own_map(skel, t->ents_id, true);
	if (!err)
		err = pin_own_map(skel, t->index_id, true);
	if (!err && bpf_map_update_elem(bpf_map__fd(skel->maps.sha_ents),
					&slot, &t->ents, BPF_ANY))
		err = -errno;
	if (!err && bpf_map_update_elem(bpf_map__fd(skel->maps.sha_index),
					&slot, &t->index, BPF_ANY))
		err = -errno;
	if (!err)
		t->nbuckets = nb;
out:
	if (ents)
		munmap(ents, elen);
	if (index)
		munmap(index, ilen);
	free(pos);
	return err;
}

/* Take slot's table out of the kernel's maps (the programs reach it no
 * more, and the kernel frees it once the last reference goes) and drop
 * its ids from own_objs. For a table this daemon did not make, the ids
 * are asked of the maps. */
static void sha_del(struct interdict_bpf *skel, __u32 slot,
		    struct sha_table *t)
{
	int outer[2] = { bpf_map__fd(skel->maps.sha_ents),
			 bpf_map__fd(skel->maps.sha_index) };
	__u32 ids[2] = { t ? t->ents_id : 0, t ? t->index_id : 0 };
	int i;

	skel->bss->state.sha_buckets[slot] = 0;
	for (i = 0; i < 2; i++) {
		if (!t && !bpf_map_lookup_elem(outer[i], &slot, &ids[i]))
			hold_fd(bpf_map_get_fd_by_id(ids[i]));
		bpf_map_delete_elem(outer[i], &slot);
		if (ids[i])
			pin_own_map(skel, ids[i], false);
	}
	if (t)
		sha_table_close(t);
}

struct maps_slot {
	struct compiled c;
	struct sha_table sha;
	struct policy *policy;
	__u64 gen;
	bool used;
};

static struct maps_slot slots[ID_NSLOTS];
static bool slot_unknown[ID_NSLOTS];	/* written by another daemon */

/* Delete every key of one slot, found by walking the map: for the maps an
 * earlier daemon filled, whose key lists died with it. */
static int map_purge_slot(struct bpf_map *map, size_t off, __u32 slot)
{
	size_t ksize = bpf_map__key_size(map), cap = 0;
	struct entries e = { .ksize = ksize };
	int fd = bpf_map__fd(map), err = 0;
	char cur[sizeof(struct id_path_key)], *k;
	bool first = true;

	if (ksize > sizeof(cur))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, first ? NULL : cur, cur)) {
		first = false;
		if (memcmp(cur + off, &slot, sizeof(slot)))
			continue;
		if (e.n == cap) {
			k = realloc(e.keys, (cap = cap ? 2 * cap : 1024) * ksize);
			if (!k) {
				err = -ENOMEM;
				break;
			}
			e.keys = k;
		}
		memcpy((char *)e.keys + e.n++ * ksize, cur, ksize);
	}
	if (!err && errno != ENOENT)
		err = -errno;
	if (!err)
		map_del(map, &e, e.n);
	free(e.keys);
	return err;
}

static int slot_purge(struct interdict_bpf *skel, __u32 slot)
{
	int err;

	sha_del(skel, slot, NULL);
	err = map_purge_slot(skel->maps.path_rules,
				     offsetof(struct id_path_key, slot), slot);
	if (!err)
		err = map_purge_slot(skel->maps.ino_rules,
				     offsetof(struct id_inode_key, slot), slot);
	if (!err)
		slot_unknown[slot] = false;
	return err;
}

/* The maps hold another daemon's policy: neither slot's keys are known. */
void maps_adopt(void)
{
	slot_unknown[0] = slot_unknown[1] = true;
}
static void slot_clear(struct interdict_bpf *skel, struct maps_slot *s,
		       __u32 slot, size_t npath, size_t nino)
{
	sha_del(skel, slot, &s->sha);
	map_del(skel->maps.path_rules, &s->c.path, npath);
	map_del(skel->maps.ino_rules, &s->c.ino, nino);
	compiled_free(&s->c);
}

static struct policy *retired;	/* last replaced policy, for late events */
static __u64 retired_gen;
static struct timespec retired_at;
#define RETIRED_KEEP_MS	1000	/* then every event it decided was read */
/* The slot a reload replaced, whose keys are deleted after the reply (by
 * maps_tidy(), or by the next install before it writes there): a million
 * deletions are not part of the time a new policy takes to be in force. */
static int stale_slot = -1;

static long long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000LL +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Delete the stale slot's keys; its policy stays to describe late events
 * until RETIRED_KEEP_MS after the switch. */
static void stale_clear(struct interdict_bpf *skel)
{
	struct maps_slot *s;

	if (stale_slot < 0)
		return;
	s = &slots[stale_slot];
	slot_clear(skel, s, stale_slot, s->c.path.n, s->c.ino.n);
	policy_free(retired);
	free(retired);
	retired = s->policy;
	retired_gen = s->gen;
	s->used = false;
	s->policy = NULL;
	stale_slot = -1;
}

int maps_install(struct interdict_bpf *skel, struct policy *p,
		 const struct limits *lim, const __u8 *digest, char *why,
		 size_t len)
{
	struct id_state *st = &skel->bss->state;
	__u64 gen = st->gen + 1;
	__u32 slot = gen & 1, old = !slot;
	struct maps_slot *s = &slots[slot];
	size_t npath = 0, nino = 0;
	struct timespec t0, t1;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (p->nsha > lim->sha_rules || p->npath > lim->path_rules) {
		snprintf(why, len, "the policy has %zu SHA-256 and %zu path "
			 "rules; interdictd was started for at most %u and %u "
			 "(--max-sha256-rules, --max-path-rules): restart it "
			 "with larger limits", p->nsha, p->npath,
			 lim->sha_rules, lim->path_rules);
		return -E2BIG;
	}
	if (stale_slot == (int)slot)
		stale_clear(skel);
	if (slot_unknown[slot] && (err = slot_purge(skel, slot))) {
		snprintf(why, len, "cannot clear the free policy slot: %s",
			 strerror(-err));
		return err;
	}
	err = compile(skel, p, slot, &s->c);
	if (err) {
		snprintf(why, len, "cannot compile the policy: %s",
			 strerror(-err));
		goto fail;
	}
	err = sha_put(skel, p, s->c.nsha, slot, &s->sha);
	if (err == -EOVERFLOW) {
		snprintf(why, len, "cannot place the SHA-256 rules in buckets "
			 "of %d: the same bucket came up in %d tries",
			 ID_SHA_BUCKET_MAX, SHA_SEED_TRIES);
		goto fail;
	}
	if (!err)
		err = map_put(skel->maps.path_rules, &s->c.path, &npath);
	if (!err)
		err = map_put(skel->maps.ino_rules, &s->c.ino, &nino);
	if (err) {
		snprintf(why, len, "cannot write the policy maps: %s",
			 strerror(-err));
		goto fail;
	}
	memcpy(st->policy_digest[slot], digest, ID_SHA256_LEN);
	st->sha_seed[slot] = s->sha.seed;
	st->sha_buckets[slot] = s->sha.nbuckets;
	st->sha_hooks[slot] = s->c.sha_hooks;
	st->rule_hooks[slot] = s->c.rule_hooks;
	st->inode_rules[slot] = s->c.ino.n;
	memcpy(st->path_lens[slot], s->c.path_lens, sizeof(s->c.path_lens));
	__atomic_store_n(&st->gen, gen, __ATOMIC_SEQ_CST);
	/* after the flip: a verdict cached from now on saw the new policy */
	__atomic_fetch_add(&st->epoch, 1, __ATOMIC_SEQ_CST);

	/* The new policy is in force: take the old one out of the maps. */
	if (slot_unknown[old]) {
		st->sha_hooks[old] = 0;
		st->rule_hooks[old] = 0;
		st->inode_rules[old] = 0;
		if (slot_purge(skel, old))
			log_warnx("policy", "cannot clear the previous "
				  "daemon's policy slot; it is cleared at the "
				  "next reload");
	}
	if (slots[old].used) {
		st->sha_hooks[old] = 0;
		st->rule_hooks[old] = 0;
		st->inode_rules[old] = 0;
		stale_slot = old;
		clock_gettime(CLOCK_MONOTONIC, &retired_at);
	}
	s->policy = p;
	s->gen = gen;
	s->used = true;
	/* What loading freed (libbpf's copy of the kernel's BTF at the start,
	 * the parse's buffers) goes back to the system, not only to malloc. */
	malloc_trim(0);
	/* Compile and map writes: what `make bench` reports as the load time. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("policy", "generation %llu in force: %zu rules (%zu SHA-256, "
		 "%zu path keys, %zu inode keys) in %lld ms",
		 (unsigned long long)gen, p->nrules, s->c.nsha, s->c.path.n,
		 s->c.ino.n, (t1.tv_sec - t0.tv_sec) * 1000LL +
		 (t1.tv_nsec - t0.tv_nsec) / 1000000);
	return 0;
fail:
	slot_clear(skel, s, slot, npath, nino);
	return err;
}

/* Learn the inode keys of rule paths that appeared, or were replaced, since
 * the policy in force was loaded, so that software installed afterwards is
 * also caught through bind mounts and hard links. Keys are only added; the
 * next maps_install() takes them out with the rest. */
int maps_refresh(struct interdict_bpf *skel)
{
	struct id_state *st = &skel->bss->state;
	__u64 gen = st->gen;
	struct maps_slot *s = &slots[gen & 1];
	struct compiled fresh = { .ino.ksize = sizeof(struct id_inode_key) };
	int fd = bpf_map__fd(skel->maps.ino_rules), err;
	struct id_rule cur;
	size_t i, added = 0;

	if (!s->used || s->gen != gen)
		return 0;
	err = identify_all(skel, &fresh, s->policy, gen & 1, true);
	for (i = 0; i < fresh.ino.n && !err; i++) {
		const void *k = (char *)fresh.ino.keys + i * fresh.ino.ksize;

		if (!bpf_map_lookup_elem(fd, k, &cur))
			continue;
		if (bpf_map_update_elem(fd, k, &fresh.ino.vals[i], BPF_NOEXIST))
			err = -errno;
		else
			err = entries_add(&s->c.ino, k, &fresh.ino.vals[i]);
		added += !err;
	}
	if (added) {
		st->inode_rules[gen & 1] = s->c.ino.n;
		__atomic_fetch_add(&st->epoch, 1, __ATOMIC_SEQ_CST);
		log_info("policy", "%zu new inode keys for rule paths that "
			 "appeared since generation %llu loaded", added,
			 (unsigned long long)gen);
	}
	compiled_free(&fresh);
	return err;
}

static __u64 alias_from, alias_to;

/* Events of generation `from` (an earlier daemon's, loaded from the same
 * files) are described by the rules of generation `to`. */
void maps_alias(__u64 from, __u64 to)
{
	alias_from = from;
	alias_to = to;
}

/* The policy a generation's events refer to, or NULL when long gone. */
const struct policy *maps_policy(__u64 gen)
{
	if (alias_from && gen == alias_from)
		gen = alias_to;
	if (slots[gen & 1].used && slots[gen & 1].gen == gen)
		return slots[gen & 1].policy;
	if (retired && retired_gen == gen)
		return retired;
	return NULL;
}

/* Called after the ring buffer was read, with no request waiting: the
 * replaced slot's keys are deleted, and the replaced policy, which
 * describes the events its generation decided (all queued within moments
 * of the switch), is freed a second after it; kept until the next reload,
 * a million rules would be held twice for nothing. */
void maps_tidy(struct interdict_bpf *skel)
{
	while (nheld && ms_since(&held_at) >= RETIRED_KEEP_MS)
		close(held[--nheld]);
	if (stale_slot < 0 && !retired)
		return;
	if (ms_since(&retired_at) < RETIRED_KEEP_MS)
		return;
	stale_clear(skel);
	policy_free(retired);
	free(retired);
	retired = NULL;
	malloc_trim(0);
}

void maps_free(void)
{
	size_t i;

	for (i = 0; i < ID_NSLOTS; i++) {
		compiled_free(&slots[i].c);
		policy_free(slots[i].policy);
		free(slots[i].policy);
		slots[i].policy = NULL;
		slots[i].used = false;
	}
	policy_free(retired);
	free(retired);
	retired = NULL;
}

/* Inode keys of the protected binaries, which the programs never deny. */
int maps_protect(struct interdict_bpf *skel, const struct protected *pb,
		 size_t n)
{
	const char *paths[MAX_PROTECTED];
	size_t i;

	for (i = 0; i < n && i < MAX_PROTECTED; i++)
		paths[i] = pb[i].path;
	return loader_mark_paths(skel, bpf_map__fd(skel->maps.protect), paths,
				 i);
}
