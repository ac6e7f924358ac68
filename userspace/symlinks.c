// SPDX-License-Identifier: GPL-2.0-only
/*
 * Symbolic links on rule paths. A rule names /opt/vendor/app/ and the
 * vendor's updater flips /var/opt/vendor/app/install-current from
 * install-v1 to install-v2: the path keys and inode keys compiled for the
 * old target no longer name what the rule's path leads to. Every link
 * crossed while resolving a rule path goes into the kernel's `links` map
 * (by the link's own inode key); when one is renamed over or removed, the
 * kernel arms the rule on the link's directory if the link names an entry
 * of it, and wakes us through `link_wake`: we then resolve every rule path
 * again (a reload of the policy directory), and drop the armed keys.
 *
 * Until then, for a deny rule, the kernel also lists the link's name in
 * `link_names`: a lookup that follows whatever link takes that name is
 * marked and the file it opens is denied for the rule's hooks (fail
 * closed, struct id_pending), whatever the new link's body. Once we have
 * resolved with the change in effect, links_settle() lifts those names;
 * one we found missing is kept until a link there is resolved too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "interdict.h"
#include "interdict.skel.h"

#define LINK_HOPS	40	/* as the kernel's MAXSYMLINKS */

struct link_ent {
	struct id_inode_key link, dir;
	struct id_link val;
};

static struct link_ent *ents;	/* what the map holds */
static size_t nents, cap;
static struct id_inode_key *armed;	/* directories the kernel may arm */
static size_t narmed;
static struct id_inode_key *missing;	/* directories where a rule path
					 * named an entry that is not there */
static size_t nmissing, capmissing;

/* Learning an inode key runs the identify iterator, too slow to repeat
 * for each of 10,000 rule paths that cross /bin -> usr/bin or end in one
 * directory: the links and directories met last are remembered by what
 * stat() says of them (ents[i] or missing[i]), in a few slots. */
struct seen {
	bool used;
	dev_t dev, dir_dev;
	ino_t ino, dir_ino;
	size_t i;
};

#define SEEN_SLOTS	64
static struct seen seen_links[SEEN_SLOTS], seen_dirs[SEEN_SLOTS];

static struct seen *seen_slot(struct seen *tab, const struct stat *st)
{
	__u64 h = (__u64)st->st_ino * 0x9e3779b97f4a7c15ULL ^ st->st_dev;

	return &tab[(h >> 32) % SEEN_SLOTS];
}

/* The kernel's inode key of an open file (slot 0), or -1. */
static int key_of(struct interdict_bpf *skel, int fd, struct id_inode_key *k,
		  __u16 *mode)
{
	struct id_ident id;

	if (loader_identify(skel, &fd, 1, &id) || (int)id.fd != fd)
		return -1;
	memset(k, 0, sizeof(*k));
	k->ino = id.ino;
	k->dev = id.dev;
	k->gen = id.gen;
	*mode = id.mode;
	return 0;
}

/* One link at `path` (in directory `dir`, a path with no links in it)
 * with body `body`, crossed by rule r (number index). */
static void add_link(struct interdict_bpf *skel, const struct rule *r,
		     size_t index, const char *dir, const char *path,
		     const char *body)
{
	struct link_ent e = {0};
	struct seen *seen = NULL;
	struct stat lst, dst;
	int lfd, dfd;
	__u16 mode;
	bool ok;

	lfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ok = lfd >= 0 && dfd >= 0 && !fstat(lfd, &lst) && !fstat(dfd, &dst) &&
	     S_ISLNK(lst.st_mode);
	if (ok) {
		seen = seen_slot(seen_links, &lst);
		if (seen->used && seen->dev == lst.st_dev && seen->ino == lst.st_ino &&
		    seen->dir_dev == dst.st_dev && seen->dir_ino == dst.st_ino) {
			e.link = ents[seen->i].link;
			e.dir = ents[seen->i].dir;
		} else {
			ok = !key_of(skel, lfd, &e.link, &mode) &&
			     S_ISLNK(mode) && !key_of(skel, dfd, &e.dir, &mode);
		}
	}
	if (ok) {
		struct link_ent *n;

		e.val.dir = e.dir;
		e.val.rule.prio = rule_prio(r);
		e.val.rule.index = index;
		e.val.rule.action = r->action;
		e.val.rule.hooks = r->hooks;
		e.val.rule.flags = r->flags;
		/* an entry of its own directory: install-current -> install-v2 */
		e.val.arm = !strchr(body, '/') && strcmp(body, ".") &&
			    strcmp(body, "..");
		if (nents == cap) {
			n = realloc(ents, (cap ? 2 * cap : 64) * sizeof(*n));
			if (n) {
				ents = n;
				cap = cap ? 2 * cap : 64;
			}
		}
		if (nents < cap) {
			*seen = (struct seen){ .used = true, .dev = lst.st_dev,
					       .ino = lst.st_ino,
					       .dir_dev = dst.st_dev,
					       .dir_ino = dst.st_ino, .i = nents };
			ents[nents++] = e;
		}
	}
	if (lfd >= 0)
		close(lfd);
	if (dfd >= 0)
		close(dfd);
}

/* The directory dir, where a rule path's next component is missing:
 * listed once however many rule paths end there. */
static void add_missing(struct interdict_bpf *skel, const char *dir)
{
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct id_inode_key *n;
	struct seen *seen;
	struct stat st;
	__u16 mode;

	if (dfd < 0)
		return;
	if (fstat(dfd, &st))
		goto out;
	seen = seen_slot(seen_dirs, &st);
	if (seen->used && seen->dev == st.st_dev && seen->ino == st.st_ino)
		goto out;
	if (nmissing == capmissing) {
		n = realloc(missing, (capmissing ? 2 * capmissing : 16) *
			    sizeof(*n));
		if (!n)
			goto out;
		missing = n;
		capmissing = capmissing ? 2 * capmissing : 16;
	}
	if (!key_of(skel, dfd, &missing[nmissing], &mode)) {
		*seen = (struct seen){ .used = true, .dev = st.st_dev,
				       .ino = st.st_ino, .i = nmissing };
		nmissing++;
	}
out:
	close(dfd);
}

/* Resolve path one component at a time as the kernel would, recording
 * each link crossed. Stops at the first component that does not exist,
 * noting its directory. */
static void walk(struct interdict_bpf *skel, const struct rule *r,
		 size_t index)
{
	char cur[PATH_MAX] = "", rest[PATH_MAX], next[PATH_MAX];
	char body[PATH_MAX], *name, *slash;
	int hops = 0;
	ssize_t n;

	snprintf(rest, sizeof(rest), "%s", r->path);
	while (rest[0]) {
		struct stat st;
		size_t clen;

		name = rest;
		while (*name == '/')
			name++;
		if (!*name)
			break;
		slash = strchr(name, '/');
		clen = slash ? (size_t)(slash - name) : strlen(name);
		if (clen == 1 && name[0] == '.') {
			memmove(rest, name + 1, strlen(name + 1) + 1);
			continue;
		}
		if (clen == 2 && name[0] == '.' && name[1] == '.') {
			char *up = strrchr(cur, '/');

			if (up)
				*up = 0;
			memmove(rest, name + 2, strlen(name + 2) + 1);
			continue;
		}
		if (snprintf(next, sizeof(next), "%s/%.*s", cur, (int)clen,
			     name) >= (int)sizeof(next))
			return;
		memmove(rest, name + clen, strlen(name + clen) + 1);
		if (lstat(next, &st)) {
			if (errno == ENOENT)
				add_missing(skel, cur[0] ? cur : "/");
			return;
		}
		if (!S_ISLNK(st.st_mode)) {
			memcpy(cur, next, sizeof(cur));
			continue;
		}
		if (++hops > LINK_HOPS)
			return;
		n = readlink(next, body, sizeof(body) - 1);
		if (n <= 0)
			return;
		body[n] = 0;
		add_link(skel, r, index, cur[0] ? cur : "/", next, body);
		/* the rest of the path now starts with the link's body */
		if (snprintf(next, sizeof(next), "%s/%s", body, rest) >=
		    (int)sizeof(next))
			return;
		memcpy(rest, next, sizeof(rest));
		if (body[0] == '/')
			cur[0] = 0;
	}
}

/* After a policy went into force: the links of its rule paths replace
 * those of the one before. Returns how many are watched. */
size_t links_watch(struct interdict_bpf *skel, const struct policy *p)
{
	int fd = bpf_map__fd(skel->maps.links);
	struct id_inode_key *a;
	size_t i;

	static bool adopted = true;
	struct id_inode_key cur;

	/* The map may be pinned from an earlier daemon: start it empty. */
	while (adopted && !bpf_map_get_next_key(fd, NULL, &cur))
		if (bpf_map_delete_elem(fd, &cur))
			break;
	adopted = false;
	for (i = 0; i < nents; i++)
		bpf_map_delete_elem(fd, &ents[i].link);
	nents = 0;
	nmissing = 0;
	/* keys are learnt again: a file may have been replaced meanwhile */
	memset(seen_links, 0, sizeof(seen_links));
	memset(seen_dirs, 0, sizeof(seen_dirs));
	for (i = 0; p && i < p->nrules; i++)
		if (p->rules[i].kind == MATCH_PATH ||
		    p->rules[i].kind == MATCH_TREE)
			walk(skel, &p->rules[i], i);
	if (nents > ID_LINKS_MAX)
		log_warn("policy", "%zu links on rule paths, %d watched: a flip of "
			 "the others is followed within --refresh seconds",
			 nents, ID_LINKS_MAX);
	for (i = 0; i < nents && i < ID_LINKS_MAX; i++) {
		if (bpf_map_update_elem(fd, &ents[i].link, &ents[i].val, BPF_ANY))
			log_warn("policy", "cannot watch the link %llu on a rule "
				 "path", (unsigned long long)ents[i].link.ino);
		if (!ents[i].val.arm)
			continue;
		a = realloc(armed, (narmed + 1) * sizeof(*a));
		if (!a)
			continue;
		armed = a;
		armed[narmed++] = ents[i].dir;
	}
	return nents;
}

/* The keys the kernel may have armed in the slot no longer in force go:
 * the slot is retired, and its listed keys go with maps_tidy(). */
void links_disarm(struct interdict_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.ino_rules);
	__u32 old = (skel->bss->state.gen & 1) ^ 1;
	struct id_inode_key *keep = NULL;
	size_t i, nkeep = 0;

	for (i = 0; i < narmed; i++) {
		struct id_inode_key k = armed[i];

		k.slot = old;
		bpf_map_delete_elem(fd, &k);
	}
	/* those of the links watched now stay listed */
	for (i = 0; i < nents; i++)
		if (ents[i].val.arm)
			nkeep++;
	if (nkeep && (keep = malloc(nkeep * sizeof(*keep)))) {
		nkeep = 0;
		for (i = 0; i < nents; i++)
			if (ents[i].val.arm)
				keep[nkeep++] = ents[i].dir;
	} else {
		nkeep = 0;
	}
	free(armed);
	armed = keep;
	narmed = nkeep;
}

static bool same_inode(const struct id_inode_key *a,
		       const struct id_inode_key *b)
{
	return a->ino == b->ino && a->dev == b->dev && a->gen == b->gen;
}

/* After links_watch(), for the resolution that began when the kernel's
 * link_changes was `before`: lift the names of link_names whose change
 * this resolution saw. One changed since, or whose old link our walk
 * still crossed (the rename was about to take effect, or failed), stays:
 * returns true when another resolution should follow soon for those. */
bool links_settle(struct interdict_bpf *skel, __u64 before)
{
	int fd = bpf_map__fd(skel->maps.link_names);
	struct id_state *st = &skel->bss->state;
	struct id_name_key *keys = NULL, k, *n;
	size_t nkeys = 0, capk = 0, i, j;
	bool busy = false, again = false;
	__u32 kept = 0;

	while (!bpf_map_get_next_key(fd, nkeys ? &keys[nkeys - 1] : NULL, &k)) {
		if (nkeys == capk) {
			n = realloc(keys, (capk = capk ? 2 * capk : 64) *
					   sizeof(*n));
			if (!n) {
				busy = true;
				break;
			}
			keys = n;
		}
		keys[nkeys++] = k;
	}
	for (i = 0; i < nkeys; i++) {
		struct id_pending v;
		bool crossed = false, gone = false;

		if (bpf_map_lookup_elem(fd, &keys[i], &v))
			continue;
		if (v.seq > before) {
			busy = true;
			continue;
		}
		for (j = 0; j < nents && !crossed; j++)
			crossed = same_inode(&ents[j].link, &v.old);
		for (j = 0; j < nmissing && !gone; j++)
			gone = same_inode(&missing[j], &keys[i].dir);
		if (crossed && ++v.tries < 3) {
			busy = again = true;
			bpf_map_update_elem(fd, &keys[i], &v, BPF_EXIST);
		} else if (crossed) {
			log_warnx("policy", "a watched link on the path of rule "
				  "%u is still in place after three resolutions: "
				  "its change did not take effect",
				  v.rule.index);
			bpf_map_delete_elem(fd, &keys[i]);
		} else if (gone) {
			/* a link appearing there wakes us (and is denied
			 * through) until we resolve it */
			v.kept = 1;
			v.woken = 0;
			kept++;
			bpf_map_update_elem(fd, &keys[i], &v, BPF_EXIST);
		} else {
			bpf_map_delete_elem(fd, &keys[i]);
		}
	}
	free(keys);
	st->names_kept = kept;
	if (!busy && before > st->links_settled)
		__atomic_store_n(&st->links_settled, before, __ATOMIC_RELEASE);
	return again;
}

static int woken_cb(void *ctx, void *data, size_t len)
{
	(void)data;
	(void)len;
	(*(int *)ctx)++;
	return 0;
}

static struct ring_buffer *wake_rb;
static int wake_count;

/* The fd to poll for changes of watched links, or -1. */
int links_wake_fd(struct interdict_bpf *skel)
{
	if (!wake_rb)
		wake_rb = ring_buffer__new(bpf_map__fd(skel->maps.link_wake),
					   woken_cb, &wake_count, NULL);
	return wake_rb ? ring_buffer__epoll_fd(wake_rb) : -1;
}

/* How many watched links changed since the last call. */
int links_woken(void)
{
	wake_count = 0;
	if (wake_rb)
		ring_buffer__consume(wake_rb);
	return wake_count;
}
