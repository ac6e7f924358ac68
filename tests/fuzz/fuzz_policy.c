// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the rules language (userspace/policy.c): any bytes a
 * policy file may hold must be parsed or refused without a memory error, and
 * what is accepted must hold the invariants the compiler and the kernel rely
 * on (see check_rule()).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interdict.h"

#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
		 "0123456789._:-"
#define HOOKS_STR_MAX sizeof("exec,mmap,open")

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Errors are printed rather than dropped (err == NULL) so that every
 * message's format and arguments run too. */
static FILE *devnull;

#define require(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_policy: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	require(devnull);
	return 0;
}

/* hooks_str() into a buffer of exactly len bytes, so that ASan sees a write
 * one past it: the output is a NUL-terminated list of whole names, all of
 * them when there is room. */
static void check_hooks_str(__u8 hooks, size_t len)
{
	char *buf = len ? malloc(len) : NULL, *name, *save;
	__u8 seen = 0, bit;

	require(!len || buf);
	require(hooks_str(hooks, buf, len) == buf);
	if (!len)
		return;
	require(memchr(buf, '\0', len));
	for (name = strtok_r(buf, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		bit = !strcmp(name, "exec") ? ID_HOOK_EXEC :
		      !strcmp(name, "mmap") ? ID_HOOK_MMAP :
		      !strcmp(name, "open") ? ID_HOOK_OPEN : 0;
		require(bit && (hooks & bit) && !(seen & bit));
		seen |= bit;
	}
	if (len >= HOOKS_STR_MAX)
		require(seen == (hooks & ID_HOOK_ALL));
	free(buf);
}

static bool has_nul(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_rule(const struct rule *r)
{
	size_t len = 0, i;
	__u32 prio;

	require(has_nul(r->id, ID_RULE_ID_MAX) && r->id[0]);
	require(strspn(r->id, ID_CHARS) == strlen(r->id));
	require(has_nul(r->msg, ID_MSG_MAX));
	require(r->file && r->line > 0);
	require(r->action == ID_ACT_ALLOW || r->action == ID_ACT_DENY);
	require(!(r->flags & ~ID_RULE_AUDIT));
	require(!(r->action == ID_ACT_ALLOW && (r->flags & ID_RULE_AUDIT)));
	require(r->hooks && !(r->hooks & ~ID_HOOK_ALL));

	switch (r->kind) {
	case MATCH_SHA256:
		break;
	case MATCH_PATH:
	case MATCH_TREE:
		require(has_nul(r->path, ID_PATH_KEY_MAX));
		len = strlen(r->path);
		require(len >= 2 && r->path[0] == '/');
		require((r->path[len - 1] == '/') == (r->kind == MATCH_TREE));
		/* The kernel matches resolved paths, which never hold these. */
		require(!strstr(r->path, "//"));
		require(!strstr(r->path, "/./") && !strstr(r->path, "/../"));
		require(strcmp(r->path + len - 2, "/.") &&
			(len < 3 || strcmp(r->path + len - 3, "/..")));
		break;
	case MATCH_PACKAGE:
		/* A name pattern, resolved by dpkg.c into the kinds above. */
		require(has_nul(r->path, 256) && r->path[0]);
		len = strlen(r->path);
		require(strspn(r->path, "*?") != len);
		break;
	default:
		require(!"rule without a match kind");
	}

	/* More specific kinds, then longer paths, then allow > deny > audit. */
	prio = rule_prio(r);
	require(prio >> 24 == r->kind);
	require((prio >> 8 & 0xffff) == len);
	require((prio & 0xff) == (r->action == ID_ACT_ALLOW ? 3 :
				  r->flags & ID_RULE_AUDIT ? 1 : 2));

	for (i = 0; i <= HOOKS_STR_MAX; i++)
		check_hooks_str(r->hooks, i);
}

/* After a successful call no two rules share an id or a match. */
static void check_unique(const struct policy *p)
{
	const struct rule *a, *b;
	size_t i, k;

	for (i = 0; i < p->nrules; i++) {
		a = &p->rules[i];
		for (k = i + 1; k < p->nrules; k++) {
			b = &p->rules[k];
			require(strcmp(a->id, b->id));
			if (a->kind == MATCH_SHA256 && b->kind == MATCH_SHA256)
				require(memcmp(a->sha256, b->sha256,
					       ID_SHA256_LEN));
			else if (a->kind != MATCH_SHA256 &&
				 b->kind != MATCH_SHA256)
				require(strcmp(a->path, b->path));
		}
	}
}

static void check_policy(const struct policy *p, int ret)
{
	size_t i, npackage = 0;

	require(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	require(p->nrules <= p->cap);
	for (i = 0; i < p->nrules; i++)
		npackage += p->rules[i].kind == MATCH_PACKAGE;
	require(p->nsha + p->npath + npackage == p->nrules);
	for (i = 0; i < p->nrules; i++)
		check_rule(&p->rules[i]);
	if (ret == 0)
		check_unique(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct policy p = { 0 };
	int ret;

	ret = policy_parse_buf(&p, "fuzz.rules", buf, size, devnull);
	check_policy(&p, ret);
	/* The same bytes as a second file of the same policy: every rule is
	 * now a duplicate of one from an earlier call, which is how the
	 * daemon's directory load sees two copies of one file. */
	ret = policy_parse_buf(&p, "copy.rules", buf, size, devnull);
	require(p.nrules == 0 || ret == -EINVAL || ret == -ENOMEM);
	check_policy(&p, -EINVAL);
	/* Bits no rule can hold must not reach the output either. */
	check_hooks_str(size ? data[0] : 0, HOOKS_STR_MAX);
	policy_free(&p);
	return 0;
}
