// SPDX-License-Identifier: GPL-2.0-only
/*
 * package= rules resolved from the dpkg database into the rules the kernel
 * matches: an exact path rule for each regular file a package installed and
 * a SHA-256 rule for each of its executables and libraries.
 *
 * The database is read directly (status, info/NAME[:ARCH].list,
 * diversions): the formats are dpkg's documented on-disk interface, and
 * libdpkg is a static library without a stable API.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interdict.h"

#define DB_MAX		(1UL << 30)	/* larger than any real status file */

struct diversion {
	char *from, *to, *by;		/* by: the diverting package, ":" local */
};

struct db {
	const char *admindir;
	char *status;			/* the status file, in memory */
	size_t status_len;
	struct diversion *div;
	size_t ndiv;
	char *div_buf;
};

const char *dpkg_admindir(void)
{
	const char *dir = getenv("INTERDICT_DPKG_ADMINDIR");

	return dir && *dir ? dir : ID_DPKG_ADMINDIR;
}

/* Everything a reload must notice: dpkg rewrites status at each change
 * and diversions when one is added or removed. */
static void stamp_read(const char *admindir, struct dpkg_stamp *s)
{
	static const char *const names[] = { "status", "diversions" };
	char path[PATH_MAX];
	struct stat st;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", admindir, names[i]);
		if (stat(path, &st))
			continue;
		s->ino[i] = st.st_ino;
		s->size[i] = st.st_size;
		s->mtime_ns[i] = st.st_mtim.tv_sec * 1000000000LL +
				 st.st_mtim.tv_nsec;
	}
}

/* Groups of three lines: the diverted path, where it went, and the
 * package that diverts it (":" for a local diversion). */
static int diversions_read(struct db *db, struct diags *d)
{
	char path[PATH_MAX], *s, *lines[3];
	struct diversion *v;
	size_t len = 0;
	mode_t type;
	int ret, k;

	snprintf(path, sizeof(path), "%s/diversions", db->admindir);
	ret = file_read(path, DB_MAX, &db->div_buf, &len, &type);
	if (ret == -ENOENT)
		return 0;
	if (ret) {
		diag_read_error(d, path, ret, type);
		return ret;
	}
	s = db->div_buf;
	while (s < db->div_buf + len) {
		for (k = 0; k < 3; k++) {
			char *eol = memchr(s, '\n', db->div_buf + len - s);

			if (!eol) {
				if (k < 2 || s >= db->div_buf + len)
					return 0;	/* truncated: ignored */
				eol = db->div_buf + len;
			}
			*eol = '\0';
			lines[k] = s;
			s = eol + 1;
		}
		v = reallocarray(db->div, db->ndiv + 1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		db->div = v;
		v[db->ndiv++] = (struct diversion){ lines[0], lines[1], lines[2] };
	}
	return 0;
}

/* Where the file a package lists as path really is on disk. */
static const char *diverted(const struct db *db, const char *path,
			    const char *pkg)
{
	size_t i;

	for (i = 0; i < db->ndiv; i++)
		if (!strcmp(db->div[i].from, path))
			return strcmp(db->div[i].by, pkg) ? db->div[i].to : path;
	return path;
}

/* One stanza's field value (first line only), NUL-terminated into out. */
static void field(const char *stanza, size_t len, const char *name,
		  char *out, size_t outlen)
{
	size_t n = strlen(name);
	const char *s = stanza, *end = stanza + len, *eol, *v;

	out[0] = '\0';
	for (; s < end; s = eol + 1) {
		eol = memchr(s, '\n', end - s);
		if (!eol)
			eol = end;
		if ((size_t)(eol - s) <= n || strncasecmp(s, name, n) ||
		    s[n] != ':')
			continue;
		for (v = s + n + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		n = eol - v < (ptrdiff_t)outlen ? (size_t)(eol - v) : outlen - 1;
		memcpy(out, v, n);
		out[n] = '\0';
		return;
	}
}

/* The package rule that names this package, searched from `from`. */
static size_t match_rule(const struct policy *p, size_t nrules, size_t from,
			 const char *name, const char *arch)
{
	char full[512];
	size_t i;

	snprintf(full, sizeof(full), "%s:%s", name, arch);
	for (i = from; i < nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (r->kind != MATCH_PACKAGE)
			continue;
		if (!fnmatch(r->path, strchr(r->path, ':') ? full : name, 0))
			return i;
	}
	return SIZE_MAX;
}

/* A candidate rule made from one file. */
struct made {
	size_t rule;			/* the package= rule */
	size_t pkg;			/* index in policy_pkgs.pkg */
	enum match_kind kind;		/* MATCH_PATH or MATCH_SHA256 */
	__u8 sha256[ID_SHA256_LEN];
	char *path;			/* owned */
};

struct resolution {
	struct policy_pkgs *s;
	struct made *v;
	size_t n, cap;
};

static int made_add(struct resolution *res, const struct made *m)
{
	struct made *v;

	if (res->n == res->cap) {
		res->cap = res->cap ? 2 * res->cap : 256;
		v = reallocarray(res->v, res->cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		res->v = v;
	}
	res->v[res->n] = *m;
	res->v[res->n].path = strdup(m->path);
	if (!res->v[res->n].path)
		return -ENOMEM;
	res->n++;
	return 0;
}

static bool is_elf(int fd)
{
	char magic[4];

	return pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "\177ELF", 4);
}

/* One listed path: a rule for a regular file, two for an executable or a
 * library; directories, links and devices are shared or named elsewhere. */
static int add_file(struct resolution *res, const struct verdict *explicit,
		    const struct rule *pr, struct made *m, struct dpkg_pkg *pkg)
{
	const struct rule *carve;
	char canon[PATH_MAX];
	struct stat st;
	int fd, ret;

	if (lstat(m->path, &st)) {
		pkg->missing += errno == ENOENT || errno == ENOTDIR;
		return 0;
	}
	if (!S_ISREG(st.st_mode) || strlen(m->path) >= ID_PATH_KEY_MAX)
		return 0;
	/* An allow rule on the path is a carve-out from the package too. */
	if (path_canonical(m->path, canon, sizeof(canon)))
		snprintf(canon, sizeof(canon), "%s", m->path);
	carve = verdict_decide(explicit, canon, NULL, pr->hooks);
	if (carve && carve->action == ID_ACT_ALLOW && pr->action != ID_ACT_ALLOW)
		return 0;
	m->kind = MATCH_PATH;
	ret = made_add(res, m);
	if (ret)
		return ret;
	pkg->nfiles++;
	/* The kernel never hashes an empty file, and at open it cannot. */
	if (!st.st_size || !(pr->hooks & (ID_HOOK_EXEC | ID_HOOK_MMAP)))
		return 0;
	fd = open(m->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
		  O_NOCTTY);
	if (fd < 0)
		return 0;
	ret = 0;
	if ((st.st_mode & 0111) || is_elf(fd)) {
		ret = sha256_fd(fd, m->sha256);
		if (!ret) {
			m->kind = MATCH_SHA256;
			ret = made_add(res, m);
			pkg->nsha += !ret;
		} else if (ret != -ENOMEM) {
			ret = 0;	/* vanished or unreadable: path rule only */
		}
	}
	close(fd);
	return ret;
}

static int add_package(struct resolution *res, const struct db *db,
		       const struct policy *p, const struct verdict *explicit,
		       size_t rule, const char *name, const char *arch,
		       const char *version, struct diags *d)
{
	struct policy_pkgs *s = res->s;
	const struct rule *pr = &p->rules[rule];
	char path[PATH_MAX], *buf = NULL, *line, *eol;
	struct dpkg_pkg *pkg;
	struct made m = { .rule = rule };
	size_t len = 0;
	mode_t type;
	int ret;

	pkg = reallocarray(s->pkg, s->npkg + 1, sizeof(*pkg));
	if (!pkg)
		return -ENOMEM;
	s->pkg = pkg;
	pkg = &s->pkg[s->npkg];
	memset(pkg, 0, sizeof(*pkg));
	pkg->rule = rule;
	snprintf(pkg->name, sizeof(pkg->name), "%s", name);
	snprintf(pkg->version, sizeof(pkg->version), "%s", version);
	snprintf(pkg->arch, sizeof(pkg->arch), "%s", arch);
	m.pkg = s->npkg++;
	/* Multi-Arch: same packages list their files as NAME:ARCH.list. */
	snprintf(path, sizeof(path), "%s/info/%s:%s.list", db->admindir, name,
		 arch);
	ret = file_read(path, DB_MAX, &buf, &len, &type);
	if (ret == -ENOENT) {
		snprintf(path, sizeof(path), "%s/info/%s.list", db->admindir,
			 name);
		ret = file_read(path, DB_MAX, &buf, &len, &type);
	}
	if (ret == -ENOENT) {
		diag_add(d, true, pr->file, pr->line, "package %s (matched by package=%s in rule '%s') has no file list in %s/info; no rule is made from it",
			 name, pr->path, pr->id, db->admindir);
		return 0;
	}
	if (ret) {
		diag_read_error(d, path, ret, type);
		return ret;
	}
	for (line = buf; !ret && line < buf + len; line = eol + 1) {
		eol = memchr(line, '\n', buf + len - line);
		if (!eol)
			eol = buf + len;
		*eol = '\0';
		if (line[0] != '/' || !line[1] || !strcmp(line, "/."))
			continue;
		m.path = (char *)diverted(db, line, name);
		ret = add_file(res, explicit, pr, &m, pkg);
	}
	free(buf);
	return ret;
}

/* Walks the status file's stanzas: every package dpkg has files of. */
static int walk_status(struct resolution *res, const struct db *db,
		       const struct policy *p, size_t nrules,
		       const struct verdict *explicit, struct diags *d)
{
	char name[256], arch[64], version[256], status[128], *state;
	const char *s = db->status, *end = db->status + db->status_len, *next;
	size_t rule;
	int ret = 0;

	for (; !ret && s < end; s = next) {
		next = memmem(s, end - s, "\n\n", 2);
		next = next ? next + 2 : end;
		field(s, next - s, "Package", name, sizeof(name));
		if (!name[0])
			continue;
		field(s, next - s, "Status", status, sizeof(status));
		state = strrchr(status, ' ');
		/* not-installed and config-files: nothing of it runs */
		if (!state || !strcmp(state, " not-installed") ||
		    !strcmp(state, " config-files"))
			continue;
		field(s, next - s, "Architecture", arch, sizeof(arch));
		field(s, next - s, "Version", version, sizeof(version));
		for (rule = 0; !ret; rule++) {
			rule = match_rule(p, nrules, rule, name, arch);
			if (rule == SIZE_MAX)
				break;
			ret = add_package(res, db, p, explicit, rule, name,
					  arch, version, d);
		}
	}
	return ret;
}

static const struct policy *sort_policy;

static int made_cmp(const void *a, const void *b)
{
	const struct made *x = a, *y = b;
	int c = (int)x->kind - (int)y->kind;
	__u32 px, py;

	if (!c)
		c = x->kind == MATCH_SHA256 ?
		    memcmp(x->sha256, y->sha256, ID_SHA256_LEN) :
		    strcmp(x->path, y->path);
	if (c)
		return c;
	/* A key two package= rules make: the stronger action first, as the
	 * kernel keeps it (allow > deny > audit), then the rule read first. */
	px = rule_prio(&sort_policy->rules[x->rule]) & 0xff;
	py = rule_prio(&sort_policy->rules[y->rule]) & 0xff;
	if (px != py)
		return px > py ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static bool made_same(const struct made *x, const struct made *y)
{
	return x->kind == y->kind && (x->kind == MATCH_SHA256 ?
		!memcmp(x->sha256, y->sha256, ID_SHA256_LEN) :
		!strcmp(x->path, y->path));
}

/* Appends the made rules, one per key: a key a written rule already has is
 * left to that rule, which says what its author meant. */
static int append(struct policy *p, struct resolution *res,
		  const struct verdict *explicit)
{
	struct policy_pkgs *s = res->s;
	const struct rule *have;
	struct rule *rules;
	size_t i, need;

	sort_policy = p;
	qsort(res->v, res->n, sizeof(*res->v), made_cmp);
	need = p->nrules + res->n;
	if (need > p->cap) {
		rules = reallocarray(p->rules, need, sizeof(*rules));
		if (!rules)
			return -ENOMEM;
		p->rules = rules;
		p->cap = need;
	}
	s->origin = calloc(res->n + 1, sizeof(*s->origin));
	if (!s->origin)
		return -ENOMEM;
	s->first = p->nrules;
	for (i = 0; i < res->n; i++) {
		const struct made *m = &res->v[i];
		const struct rule *pr = &p->rules[m->rule];
		struct rule *r;

		if (i && made_same(m, &res->v[i - 1]))
			continue;
		have = m->kind == MATCH_SHA256 ?
		       verdict_decide(explicit, NULL, m->sha256, ID_HOOK_ALL) :
		       verdict_decide(explicit, m->path, NULL, ID_HOOK_ALL);
		if (have && have->kind == m->kind &&
		    (m->kind == MATCH_SHA256 || !strcmp(have->path, m->path)))
			continue;
		r = &p->rules[p->nrules];
		*r = *pr;
		r->kind = m->kind;
		if (m->kind == MATCH_SHA256) {
			r->path = "";
			memcpy(r->sha256, m->sha256, ID_SHA256_LEN);
			r->hooks &= ~ID_HOOK_OPEN;
			p->nsha++;
		} else {
			r->path = policy_strdup(p, m->path);
			if (!r->path)
				return -ENOMEM;
			p->npath++;
		}
		s->origin[p->nrules - s->first] = m->pkg;
		p->nrules++;
	}
	return 0;
}

static void resolution_free(struct resolution *res)
{
	size_t i;

	for (i = 0; i < res->n; i++)
		free(res->v[i].path);
	free(res->v);
}

static void db_free(struct db *db)
{
	free(db->status);
	free(db->div);
	free(db->div_buf);
}

int dpkg_resolve(struct policy *p, struct diags *d)
{
	struct db db = { .admindir = dpkg_admindir() };
	struct resolution res = { 0 };
	struct verdict explicit = { 0 };
	char path[PATH_MAX];
	size_t i, nrules = p->nrules;
	mode_t type;
	int ret;

	for (i = 0; i < nrules && p->rules[i].kind != MATCH_PACKAGE; i++)
		;
	if (i == nrules)
		return 0;
	res.s = calloc(1, sizeof(*res.s));
	if (!res.s)
		return -ENOMEM;
	p->pkgs = res.s;
	snprintf(res.s->admindir, sizeof(res.s->admindir), "%s", db.admindir);
	stamp_read(db.admindir, &res.s->stamp);
	snprintf(path, sizeof(path), "%s/status", db.admindir);
	ret = file_read(path, DB_MAX, &db.status, &db.status_len, &type);
	if (ret == -ENOENT) {
		const struct rule *r = &p->rules[i];

		diag_add(d, true, r->file, r->line, "no dpkg database at %s: package= rules match nothing on this host",
			 db.admindir);
		return 0;
	}
	if (ret) {
		diag_read_error(d, path, ret, type);
		return ret;
	}
	ret = diversions_read(&db, d);
	if (!ret)
		ret = verdict_init(&explicit, p);
	if (!ret)
		ret = walk_status(&res, &db, p, nrules, &explicit, d);
	if (!ret)
		ret = append(p, &res, &explicit);
	verdict_free(&explicit);
	resolution_free(&res);
	db_free(&db);
	return ret;
}

const struct dpkg_pkg *dpkg_rule_package(const struct policy *p,
					 const struct rule *r)
{
	size_t i = r - p->rules;

	if (!p->pkgs || i < p->pkgs->first || i >= p->nrules)
		return NULL;
	return &p->pkgs->pkg[p->pkgs->origin[i - p->pkgs->first]];
}

bool dpkg_changed(const struct policy *p, struct dpkg_stamp *tried)
{
	struct dpkg_stamp now;

	if (!p || !p->pkgs)
		return false;
	stamp_read(p->pkgs->admindir, &now);
	if (!memcmp(&now, &p->pkgs->stamp, sizeof(now)))
		return false;
	if (tried && !memcmp(&now, tried, sizeof(now)))
		return false;
	if (tried)
		*tried = now;
	return true;
}

void dpkg_free(struct policy_pkgs *s)
{
	if (!s)
		return;
	free(s->pkg);
	free(s->origin);
	free(s);
}

/*
 * Owners: which installed package put a file on disk (dpkg -S), for the
 * findings of rules that were not made from a package.
 */

/* Directory -> canonical directory, open addressing; the lists are
 * root's files, so a plain FNV-1a hash does. glibc's hsearch hashed the
 * similar paths of a package list into long chains (1.5 s for 150,000
 * lines). */
#define DIR_SLOTS	(1U << 17)

struct dir_cache {
	struct { char *dir, *canon; } *slot;
	size_t used;
	char last[PATH_MAX];		/* lists name a directory's files together */
	const char *last_canon;
};

static __u32 fnv1a(const char *s)
{
	__u32 h = 2166136261U;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619U;
	return h;
}

/* The canonical form of directory dir (as scan reports paths): lists name
 * /bin/x where merged-/usr systems have /usr/bin/x. */
static const char *dir_canonical(struct dir_cache *c, const char *dir)
{
	char canon[PATH_MAX];
	__u32 k;

	if (c->last_canon && !strcmp(c->last, dir))
		return c->last_canon;
	for (k = fnv1a(dir) & (DIR_SLOTS - 1); c->slot[k].dir;
	     k = (k + 1) & (DIR_SLOTS - 1))
		if (!strcmp(c->slot[k].dir, dir))
			goto found;
	if (c->used + 1 >= DIR_SLOTS / 2)
		return dir;		/* full: the names as listed */
	c->slot[k].dir = strdup(dir);
	c->slot[k].canon = strdup(path_canonical(dir, canon, sizeof(canon)) ?
				  dir : canon);
	if (!c->slot[k].dir || !c->slot[k].canon) {
		free(c->slot[k].dir);
		free(c->slot[k].canon);
		c->slot[k].dir = c->slot[k].canon = NULL;
		return dir;
	}
	c->used++;
found:
	snprintf(c->last, sizeof(c->last), "%s", dir);
	c->last_canon = c->slot[k].canon;
	return c->last_canon;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Marks the paths one list names as owned by package k. */
static void own_list(struct dir_cache *c, char *buf, size_t len,
		     const struct db *db, const char *name, char *const *paths,
		     size_t n, size_t *owner, size_t k, bool *any)
{
	char full[2 * PATH_MAX], parent[PATH_MAX], *line, *eol, *slash;
	const char *path, *key = full, *dir;
	char *const *hit;

	for (line = buf; line < buf + len; line = eol + 1) {
		eol = memchr(line, '\n', buf + len - line);
		if (!eol)
			eol = buf + len;
		*eol = '\0';
		if (line[0] != '/' || !line[1])
			continue;
		path = diverted(db, line, name);
		slash = strrchr(path, '/');
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
		dir = slash == path ? "" : dir_canonical(c, parent);
		snprintf(full, sizeof(full), "%s%s", dir, slash);
		hit = bsearch(&key, paths, n, sizeof(*paths), str_cmp);
		if (hit && !owner[hit - paths]) {
			owner[hit - paths] = k + 1;
			*any = true;
		}
	}
}

int dpkg_owners(char *const *paths, size_t n, struct dpkg_pkg **pkgs,
		size_t *npkgs, size_t *owner)
{
	char name[256], arch[64], version[256], status[128], *state, *buf;
	char path[PATH_MAX];
	struct db db = { .admindir = dpkg_admindir() };
	struct dir_cache c = { 0 };
	struct dpkg_pkg *v;
	const char *s, *end, *next;
	size_t len, i;
	mode_t type;
	bool any;
	int ret;

	*pkgs = NULL;
	*npkgs = 0;
	memset(owner, 0, n * sizeof(*owner));
	snprintf(path, sizeof(path), "%s/status", db.admindir);
	ret = file_read(path, DB_MAX, &db.status, &db.status_len, &type);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	ret = -ENOMEM;
	c.slot = calloc(DIR_SLOTS, sizeof(*c.slot));
	if (!c.slot)
		goto cleanup;
	ret = diversions_read(&db, &(struct diags){ 0 });
	s = db.status;
	end = db.status + db.status_len;
	for (; !ret && s < end; s = next) {
		next = memmem(s, end - s, "\n\n", 2);
		next = next ? next + 2 : end;
		field(s, next - s, "Package", name, sizeof(name));
		field(s, next - s, "Status", status, sizeof(status));
		state = strrchr(status, ' ');
		if (!name[0] || !state || !strcmp(state, " not-installed") ||
		    !strcmp(state, " config-files"))
			continue;
		field(s, next - s, "Architecture", arch, sizeof(arch));
		field(s, next - s, "Version", version, sizeof(version));
		snprintf(path, sizeof(path), "%s/info/%s:%s.list", db.admindir,
			 name, arch);
		buf = NULL;
		if (file_read(path, DB_MAX, &buf, &len, &type)) {
			snprintf(path, sizeof(path), "%s/info/%s.list",
				 db.admindir, name);
			if (file_read(path, DB_MAX, &buf, &len, &type))
				continue;
		}
		any = false;
		own_list(&c, buf, len, &db, name, paths, n, owner, *npkgs, &any);
		free(buf);
		if (!any)
			continue;
		v = reallocarray(*pkgs, *npkgs + 1, sizeof(*v));
		if (!v) {
			ret = -ENOMEM;
			break;
		}
		*pkgs = v;
		memset(&v[*npkgs], 0, sizeof(*v));
		snprintf(v[*npkgs].name, sizeof(v->name), "%s", name);
		snprintf(v[*npkgs].version, sizeof(v->version), "%s", version);
		snprintf(v[*npkgs].arch, sizeof(v->arch), "%s", arch);
		v[*npkgs].rule = SIZE_MAX;
		(*npkgs)++;
	}
cleanup:
	for (i = 0; c.slot && i < DIR_SLOTS; i++) {
		free(c.slot[i].dir);
		free(c.slot[i].canon);
	}
	free(c.slot);
	db_free(&db);
	return ret;
}
