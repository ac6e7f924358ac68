// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's verdict on a file, written once in userspace: the rule that
 * bpf/interdict.bpf.c decide() would pick, from the same keys that maps.c
 * compile() writes. scan, check and the protected-binary checks use it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "interdict.h"

/* One key of the kernel's path map: a rule's path or its canonical form. */
struct verdict_key {
	const char *path;
	const struct rule *rule;
	bool owned;			/* a canonical form, strdup'd */
};

static int key_sort(const void *a, const void *b)
{
	const struct verdict_key *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	/* maps.c keeps the higher prio of one key; the lower index breaks a
	 * tie so that the answer does not depend on qsort's order. */
	if (!c)
		c = rule_prio(y->rule) > rule_prio(x->rule) ? 1 :
		    rule_prio(y->rule) < rule_prio(x->rule) ? -1 :
		    x->rule < y->rule ? -1 : x->rule > y->rule;
	return c;
}

static int sha_sort(const void *a, const void *b)
{
	const struct rule *const *x = a, *const *y = b;

	return memcmp((*x)->sha256, (*y)->sha256, ID_SHA256_LEN);
}

static void add_key(struct verdict *v, const char *path,
		    const struct rule *r, bool owned)
{
	/* maps.c add_path(): a canonical form too long to ever match */
	if (strlen(path) >= ID_PATH_KEY_MAX) {
		if (owned)
			free((char *)path);
		return;
	}
	v->keys[v->nkeys++] = (struct verdict_key){ path, r, owned };
}

/* Equal keys collapse to the first after sorting: the highest prio. */
static void keys_dedup(struct verdict *v)
{
	size_t i, out = 0;

	qsort(v->keys, v->nkeys, sizeof(*v->keys), key_sort);
	for (i = 0; i < v->nkeys; i++) {
		if (out && !strcmp(v->keys[out - 1].path, v->keys[i].path)) {
			if (v->keys[i].owned)
				free((char *)v->keys[i].path);
			continue;
		}
		v->keys[out++] = v->keys[i];
	}
	v->nkeys = out;
}

int verdict_init(struct verdict *v, const struct policy *p)
{
	char canon[PATH_MAX], *dup;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->p = p;
	v->keys = calloc(2 * p->npath + 1, sizeof(*v->keys));
	v->sha = calloc(p->nsha + 1, sizeof(*v->sha));
	if (!v->keys || !v->sha)
		goto cleanup;
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (r->kind == MATCH_PACKAGE)
			continue;	/* its resolution is in p->rules */
		if (r->kind == MATCH_SHA256) {
			v->sha[v->nsha++] = r;
			v->sha_hooks |= r->hooks;
			continue;
		}
		add_key(v, r->path, r, false);
		if (path_canonical(r->path, canon, sizeof(canon)) ||
		    !strcmp(canon, r->path))
			continue;
		dup = strdup(canon);
		if (!dup)
			goto cleanup;
		add_key(v, dup, r, true);
	}
	keys_dedup(v);
	qsort(v->sha, v->nsha, sizeof(*v->sha), sha_sort);
	return 0;
cleanup:
	verdict_free(v);
	return -ENOMEM;
}

void verdict_free(struct verdict *v)
{
	size_t i;

	for (i = 0; v->keys && i < v->nkeys; i++)
		if (v->keys[i].owned)
			free((char *)v->keys[i].path);
	free(v->keys);
	free(v->sha);
	memset(v, 0, sizeof(*v));
}

/* The rule keyed by the first n bytes of path, or NULL. */
static const struct rule *key_find(const struct verdict *v, const char *path,
				   size_t n)
{
	size_t lo = 0, hi = v->nkeys, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strncmp(path, v->keys[mid].path, n);
		if (!c)
			c = v->keys[mid].path[n] ? -1 : 0;
		if (!c)
			return v->keys[mid].rule;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct rule *sha_find(const struct verdict *v, const __u8 *sha)
{
	size_t lo = 0, hi = v->nsha, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(sha, v->sha[mid]->sha256, ID_SHA256_LEN);
		if (!c)
			return v->sha[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* consider() in the kernel: a rule for this hook with a higher prio. */
static void consider(const struct rule **best, const struct rule *r,
		     __u8 hook)
{
	if (r && (r->hooks & hook) &&
	    (!*best || rule_prio(r) > rule_prio(*best)))
		*best = r;
}

/* match_path(): the exact key, then the '/'-ending prefixes from the
 * longest down, stopping at the first whose rule applies to the hook. A
 * deeper key wins even over a rule whose own path is longer. */
static void match_path(const struct verdict *v, const char *path, __u8 hook,
		       const struct rule **best)
{
	size_t len = strlen(path), i;
	const struct rule *r;

	if (len < ID_PATH_KEY_MAX)
		consider(best, key_find(v, path, len), hook);
	for (i = len < ID_PATH_KEY_MAX ? len : ID_PATH_KEY_MAX - 1; i > 0; i--) {
		if (path[i - 1] != '/')
			continue;
		r = key_find(v, path, i);
		if (r && (r->hooks & hook)) {
			consider(best, r, hook);
			return;
		}
	}
}

const struct rule *verdict_decide(const struct verdict *v, const char *path,
				  const __u8 *sha256, __u8 hook)
{
	const struct rule *best = NULL;

	if (path && path[0] == '/' && path[1])
		match_path(v, path, hook, &best);
	if (sha256 && (v->sha_hooks & hook))
		consider(&best, sha_find(v, sha256), hook);
	return best;
}

bool verdict_wants_sha256(const struct verdict *v, __u8 hook)
{
	return v->sha_hooks & hook;
}

const char *rule_decision(const struct rule *r)
{
	if (r->action == ID_ACT_ALLOW)
		return "allow";
	return r->flags & ID_RULE_AUDIT ? "audit" : "deny";
}
