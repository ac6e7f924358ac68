// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binaries that must always run: pid 1's executable, interdictd, the dynamic
 * loader and /bin/sh. A policy that would deny one is refused at validation,
 * and the kernel side allows them whatever the maps say.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "interdict.h"

/* realpath() of the longest existing prefix, with the rest appended: the
 * path the kernel will report once the missing part is created. */
int path_canonical(const char *in, char *out, size_t len)
{
	char head[PATH_MAX], real[PATH_MAX] = "";
	size_t cut = strlen(in), tail;
	bool tree = cut > 1 && in[cut - 1] == '/';

	if (cut >= sizeof(head))
		return -ENAMETOOLONG;
	if (tree)
		cut--;
	memcpy(head, in, cut);
	head[cut] = 0;
	while (cut > 0 && !realpath(head, real)) {
		while (cut > 0 && in[--cut] != '/')
			;
		head[cut] = 0;
		real[0] = 0;
	}
	tail = strlen(in) - tree - cut;
	/* A prefix that resolves to "/" (a link to the root) already ends in
	 * the slash that the rest starts with: "//x" would match nothing. */
	if (!strcmp(real, "/") && (tail || tree))
		real[0] = 0;
	if ((size_t)snprintf(out, len, "%s%.*s%s", real, (int)tail, in + cut,
			     tree ? "/" : "") >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The file the dynamic loader was mapped from, found by its base address. */
static int loader_path(char *out, size_t len)
{
	unsigned long base = getauxval(AT_BASE), start;
	char line[PATH_MAX + 128], *path;
	FILE *f;
	int err = -ENOENT;

	if (!base)
		return realpath("/lib64/ld-linux-x86-64.so.2", out) ? 0 : -errno;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-", &start) != 1 || start != base)
			continue;
		path = strchr(line, '/');
		if (path) {
			path[strcspn(path, "\n")] = 0;
			snprintf(out, len, "%s", path);
			err = 0;
		}
		break;
	}
	fclose(f);
	return err;
}

static void add(struct protected *out, size_t max, size_t *n,
		const char *what, const char *path)
{
	struct protected *pb;
	size_t i;

	if (*n >= max || !realpath(path, out[*n].path))
		return;
	for (i = 0; i < *n; i++)
		if (!strcmp(out[i].path, out[*n].path))
			return;
	pb = &out[(*n)++];
	pb->what = what;
	pb->have_sha256 = sha256_file(pb->path, pb->sha256) == 0;
}

int protected_collect(struct protected *out, size_t max)
{
	char self[PATH_MAX], buf[PATH_MAX + 16];
	size_t n = 0;
	ssize_t len;

	add(out, max, &n, "pid 1's executable", "/proc/1/exe");
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = 0;
		if (!strcmp(strrchr(self, '/'), "/interdictd")) {
			add(out, max, &n, "interdictd", self);
		} else {
			*strrchr(self, '/') = 0;
			snprintf(buf, sizeof(buf), "%s/interdictd", self);
			add(out, max, &n, "interdictd", buf);
		}
	}
	add(out, max, &n, "interdictd", "/usr/sbin/interdictd");
	if (!loader_path(buf, sizeof(buf)))
		add(out, max, &n, "the dynamic loader", buf);
	add(out, max, &n, "the dynamic loader", "/lib64/ld-linux-x86-64.so.2");
	add(out, max, &n, "/bin/sh", "/bin/sh");
	return n;
}

const struct rule *policy_match(const struct policy *p, const char *path,
				const __u8 *sha256, __u8 hook)
{
	const struct rule *r;
	struct verdict v;

	if (verdict_init(&v, p))
		return NULL;
	r = verdict_decide(&v, path, sha256, hook);
	verdict_free(&v);
	return r;
}

/* The first two bytes of the protected binaries' hashes, as a bitmap: a
 * million rules are each turned away by one test, not by one for each
 * protected binary (a fifth of a second at a million). */
struct first_bytes {
	__u64 bits[65536 / 64];
};

static void first_bytes_init(struct first_bytes *f,
			     const struct protected *pb, size_t npb)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < npb; i++)
		if (pb[i].have_sha256) {
			unsigned int k = pb[i].sha256[0] << 8 | pb[i].sha256[1];

			f->bits[k / 64] |= 1ULL << (k % 64);
		}
}

static bool names_protected(const __u8 *sha256, const struct protected *pb,
			    size_t npb, const struct first_bytes *f)
{
	unsigned int k = sha256[0] << 8 | sha256[1];
	size_t i;

	if (!(f->bits[k / 64] & 1ULL << (k % 64)))
		return false;
	for (i = 0; i < npb; i++)
		if (pb[i].have_sha256 &&
		    !memcmp(sha256, pb[i].sha256, ID_SHA256_LEN))
			return true;
	return false;
}

/* The rules that can decide on the protected binaries, in policy order:
 * every path rule and the SHA-256 rules naming one of their contents. A
 * verdict over a million SHA-256 rules sorts them all (a second at a
 * million); the others cannot match, so the answers are the same. */
static int protected_rules(const struct policy *p, const struct protected *pb,
			   size_t npb, struct policy *out)
{
	struct first_bytes *f = malloc(sizeof(*f));
	size_t i, n = 0;

	memset(out, 0, sizeof(*out));
	if (!f)
		return -ENOMEM;
	first_bytes_init(f, pb, npb);
	for (i = 0; i < p->nrules; i++)
		n += p->rules[i].kind != MATCH_SHA256 ||
		     names_protected(p->rules[i].sha256, pb, npb, f);
	out->rules = calloc(n + 1, sizeof(*out->rules));
	if (!out->rules) {
		free(f);
		return -ENOMEM;
	}
	for (i = 0; i < p->nrules && out->nrules < n; i++) {
		const struct rule *r = &p->rules[i];

		if (r->kind == MATCH_SHA256 &&
		    !names_protected(r->sha256, pb, npb, f))
			continue;
		out->rules[out->nrules++] = *r;
		if (r->kind == MATCH_SHA256)
			out->nsha++;
		else
			out->npath++;
	}
	free(f);
	return 0;
}

int policy_check_protected_diags(const struct policy *p,
				 const struct protected *pb, size_t npb,
				 struct diags *d)
{
	static const __u8 hooks[3] = { ID_HOOK_EXEC, ID_HOOK_MMAP, ID_HOOK_OPEN };
	char name[ID_NAME_ESC_MAX];
	const struct rule *r;
	struct policy few;
	struct verdict v;
	size_t i, h;
	int bad = 0;

	if (protected_rules(p, pb, npb, &few))
		return -ENOMEM;
	if (verdict_init(&v, &few)) {
		free(few.rules);
		return -ENOMEM;
	}
	for (i = 0; i < npb; i++) {
		for (h = 0; h < 3; h++) {
			r = verdict_decide(&v, pb[i].path, pb[i].have_sha256 ?
					   pb[i].sha256 : NULL, hooks[h]);
			if (!r || r->action != ID_ACT_DENY ||
			    (r->flags & ID_RULE_AUDIT))
				continue;
			diag_add(d, false, r->file, r->line, "rule '%s' would deny %s (%s), which must always run; narrow the rule or add an allow rule for it",
				 r->id, name_escape(pb[i].path, name,
						    sizeof(name)), pb[i].what);
			bad = -EINVAL;
			break;
		}
	}
	verdict_free(&v);
	free(few.rules);
	return bad;
}

int policy_check_protected(const struct policy *p, const struct protected *pb,
			   size_t npb, FILE *err)
{
	struct diags d = { .f = err };

	return policy_check_protected_diags(p, pb, npb, &d);
}

/* The files mapped executable by a process other than its executable: the
 * shared objects and the dynamic loader it runs on, as the kernel's mmap
 * hook sees them. */
static int maps_libraries(const char *pid, const char *what,
			  struct protected **out, size_t *n, size_t *cap)
{
	char path[64], exe[PATH_MAX] = "", line[PATH_MAX + 128], *file;
	struct protected *pb;
	char perms[8];
	size_t i;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	if (!realpath(path, exe))
		exe[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		file = strchr(line, '/');
		if (!file || sscanf(line, "%*s %7s", perms) != 1 ||
		    perms[2] != 'x')
			continue;
		file[strcspn(file, "\n")] = '\0';
		if (*n == *cap) {
			pb = reallocarray(*out, *cap ? 2 * *cap : 32,
					  sizeof(*pb));
			ret = -ENOMEM;
			if (!pb)
				break;
			ret = 0;
			*out = pb;
			*cap = *cap ? 2 * *cap : 32;
		}
		pb = &(*out)[*n];
		/* " (deleted)" and the like: a file that is gone resolves
		 * to nothing a rule could name. */
		if (!realpath(file, pb->path) || !strcmp(pb->path, exe))
			continue;
		for (i = 0; i < *n && strcmp((*out)[i].path, pb->path); i++)
			;
		if (i < *n)
			continue;
		pb->what = what;
		pb->have_sha256 = sha256_file(pb->path, pb->sha256) == 0;
		(*n)++;
	}
	fclose(f);
	return ret;
}

int protected_libraries(struct protected **out, size_t *n)
{
	size_t cap = 0;
	int ret;

	*out = NULL;
	*n = 0;
	ret = maps_libraries("self", "a library interdict maps", out, n, &cap);
	/* pid 1's maps need privileges; without them, interdict's own. */
	if (!ret && maps_libraries("1", "a library pid 1 maps", out, n,
				   &cap) == -ENOMEM)
		ret = -ENOMEM;
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}
