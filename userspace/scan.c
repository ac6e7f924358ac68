// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdict scan: the files on disk that the policy decides on, with the
 * kernel's verdict for exec (verdict.c). One thread walks the trees and
 * opens what must be hashed, --threads N hash it; findings come out as a
 * table or ECS JSON lines, and --write-rules turns what path rules found
 * into sha256= rules, so that a copy moved anywhere is still denied.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "interdict.h"

#define USAGE "usage: interdict scan [-j] [--policy FILE|DIR] [--config FILE] [--write-rules FILE]\n" \
	      "                      [--threads N] [--xdev|--cross-filesystems]\n" \
	      "                      [--packages] [--processes [--kill [--kill-grace SECONDS]]] [--report] [PATH...]\n" \
	      "  with no PATH, --packages or --processes: files under /, processes and packages\n" \
	      "  --report: all three (files under PATH, default /) as one report (-j: one JSON object)\n" \
	      "  -j is the JSON output (as for every command); -t N is --threads N"
#define QUEUE_PER_THREAD 64	/* open files waiting to be hashed */
#define THREADS_MAX	1024
#define ID_HEX_MIN	12	/* hex digits of a hash in a written rule's id */
#define ID_PREFIX	"scan-"
#define SCHEMA		"interdict-scan/1"	/* interdict.schema of every line */

struct scan_args {
	const char *policy;		/* --policy, or NULL: the config's */
	const char *config;		/* --config, or NULL: the default */
	const char *write_rules;
	unsigned int threads;
	bool cross;			/* --cross-filesystems */
	bool packages, processes;	/* what besides files (or instead) */
	bool kill;			/* --kill: stop what --processes found */
	bool report;			/* --report: one report for the host */
	unsigned int kill_grace;	/* seconds from SIGTERM to SIGKILL */
	char **paths;			/* files under these; none: no files */
	int npaths;
};

/* A file some rule decided on: deny, audit or allow. */
struct finding {
	char *path;
	const struct rule *rule;
	__u64 size, ino, dev;		/* dev: the kernel's encoding, as events */
	__u8 sha256[ID_SHA256_LEN];
	bool have_sha256;
};

/* A file the walker opened for a worker to hash. */
struct item {
	int fd;
	char *path;
	struct stat st;			/* before it was opened */
	const struct rule *rule;	/* decided by its path already, or NULL */
};

struct scan {
	const struct scan_args *a;
	const struct policy *p;
	struct verdict v;
	bool hash_all;			/* a SHA-256 rule applies to exec */
	bool progress;			/* stderr is a terminal */

	pthread_mutex_t lock;		/* the queue and the findings */
	pthread_cond_t queued, taken;
	struct item *q;
	size_t qcap, qhead, qlen;
	bool done;
	struct finding *f;
	size_t nf, fcap;
	int oom;
	struct proc_match *pm;		/* --processes: deny and audit findings */
	size_t npm, pmcap;
	struct dpkg_pkg *owners;	/* packages that own findings' files */
	size_t nowners;
	size_t *owner;			/* of f[i]: 1 + index in owners, or 0 */

	pthread_mutex_t out;		/* stderr lines */
	atomic_ullong files, bytes, errors;
	atomic_bool stop;
	struct timespec start, end;	/* monotonic, for durations */
	struct timespec wall_start, wall_end;
};

/* A path being built as the walk goes down: it may pass PATH_MAX. */
struct pathbuf {
	char *s;
	size_t len, cap;
};

/* A directory on the way down, for loops and the file system. */
struct dir_frame {
	const struct dir_frame *up;
	dev_t dev;
	ino_t ino;
};

static double elapsed(const struct timespec *from, const struct timespec *to)
{
	return (to->tv_sec - from->tv_sec) + (to->tv_nsec - from->tv_nsec) / 1e9;
}

static void iso_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	size_t n;

	gmtime_r(&ts->tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts->tv_nsec / 1000000);
}

static const char *human_bytes(unsigned long long n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

/* "interdict: scan: PATH: detail", clear of the progress line. */
static void say(struct scan *s, const char *path, const char *detail)
{
	char name[ID_NAME_ESC_MAX];

	pthread_mutex_lock(&s->out);
	fprintf(stderr, "%sinterdict: scan: %s: %s\n",
		s->progress ? "\r\033[K" : "",
		name_escape(path, name, sizeof(name)), detail);
	pthread_mutex_unlock(&s->out);
}

/* Reported, counted, never fatal: the scan goes on. */
static void scan_error(struct scan *s, const char *path, const char *what,
		       int err)
{
	char detail[256];

	atomic_fetch_add(&s->errors, 1);
	snprintf(detail, sizeof(detail), "%s%s%s", what, err ? ": " : "",
		 err ? strerror(err) : "");
	say(s, path, detail);
}

static void progress_line(struct scan *s)
{
	unsigned long long files = atomic_load(&s->files);
	unsigned long long bytes = atomic_load(&s->bytes);
	char total[32], rate[32];
	struct timespec now;
	double t;

	clock_gettime(CLOCK_MONOTONIC, &now);
	t = elapsed(&s->start, &now);
	if (t <= 0)
		return;
	pthread_mutex_lock(&s->out);
	fprintf(stderr, "\r\033[Kscan: %llu files, %s hashed, %.0f files/s, %s/s",
		files, human_bytes(bytes, total, sizeof(total)), files / t,
		human_bytes(bytes / t, rate, sizeof(rate)));
	pthread_mutex_unlock(&s->out);
}

static void *progress_main(void *arg)
{
	struct timespec tick = { 0, 200 * 1000 * 1000 };
	struct scan *s = arg;
	unsigned int n = 0;

	while (!atomic_load(&s->stop)) {
		nanosleep(&tick, NULL);
		if (++n % 5 == 0)
			progress_line(s);
	}
	pthread_mutex_lock(&s->out);
	fputs("\r\033[K", stderr);
	pthread_mutex_unlock(&s->out);
	return NULL;
}

static void record(struct scan *s, const char *path, const struct stat *st,
		   const struct rule *r, const __u8 *sha256)
{
	struct finding *f;
	size_t cap;

	pthread_mutex_lock(&s->lock);
	if (s->nf == s->fcap) {
		cap = s->fcap ? 2 * s->fcap : 64;
		f = reallocarray(s->f, cap, sizeof(*f));
		if (!f) {
			s->oom = -ENOMEM;
			goto cleanup;
		}
		s->f = f;
		s->fcap = cap;
	}
	f = &s->f[s->nf];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path) {
		s->oom = -ENOMEM;
		goto cleanup;
	}
	f->rule = r;
	f->size = st->st_size;
	f->ino = st->st_ino;
	f->dev = (__u64)major(st->st_dev) << 20 | minor(st->st_dev);
	f->have_sha256 = sha256;
	if (sha256)
		memcpy(f->sha256, sha256, ID_SHA256_LEN);
	s->nf++;
cleanup:
	pthread_mutex_unlock(&s->lock);
}

/* The same file as when it was found: not replaced, resized, rewritten
 * or removed while it was read. */
static bool unchanged(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_size == b->st_size && b->st_nlink > 0 &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Hash one file, then decide as the kernel would with that hash. A file
 * that could not be hashed is still decided by its path. */
static void hash_item(struct scan *s, struct item *it)
{
	const struct rule *r = it->rule;
	__u8 sha[ID_SHA256_LEN];
	struct stat after;
	int err;

	err = sha256_fd(it->fd, sha);
	if (err) {
		scan_error(s, it->path, "cannot read", -err);
	} else if (fstat(it->fd, &after) || !unchanged(&it->st, &after)) {
		scan_error(s, it->path, "changed or removed while it was read; not hashed", 0);
		err = -ESTALE;
	} else {
		atomic_fetch_add(&s->bytes, it->st.st_size);
	}
	close(it->fd);
	if (!r)
		r = verdict_decide(&s->v, it->path, err ? NULL : sha,
				   ID_HOOK_EXEC);
	if (r)
		record(s, it->path, &it->st, r, err ? NULL : sha);
	free(it->path);
}

static void *worker_main(void *arg)
{
	struct scan *s = arg;
	struct item it;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (!s->qlen && !s->done)
			pthread_cond_wait(&s->queued, &s->lock);
		if (!s->qlen) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		it = s->q[s->qhead];
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qlen--;
		pthread_cond_signal(&s->taken);
		pthread_mutex_unlock(&s->lock);
		hash_item(s, &it);
	}
}

static void enqueue(struct scan *s, const struct item *it)
{
	pthread_mutex_lock(&s->lock);
	while (s->qlen == s->qcap)
		pthread_cond_wait(&s->taken, &s->lock);
	s->q[(s->qhead + s->qlen++) % s->qcap] = *it;
	pthread_cond_signal(&s->queued);
	pthread_mutex_unlock(&s->lock);
}

/* Opened without following a link, waiting on a FIFO or taking a
 * terminal; without touching its access time where we may. */
static int open_file(int dfd, const char *name)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	int fd = openat(dfd, name, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dfd, name, flags);
	return fd;
}

/* A regular file: decided by its path, or queued for hashing when a hash
 * could change that (a SHA-256 rule on exec; --write-rules for what a path
 * rule found). The kernel never hashes an empty file, nor does this. */
static void scan_file(struct scan *s, int dfd, const char *name,
		      const struct stat *st, const char *path)
{
	struct item it = { .st = *st };
	int err;

	atomic_fetch_add(&s->files, 1);
	if (!s->hash_all || !st->st_size) {
		it.rule = verdict_decide(&s->v, path, NULL, ID_HOOK_EXEC);
		if (!it.rule)
			return;
		if (!s->a->write_rules || !st->st_size ||
		    it.rule->action != ID_ACT_DENY) {
			record(s, path, st, it.rule, NULL);
			return;
		}
	}
	it.fd = open_file(dfd, name);
	if (it.fd < 0) {
		err = errno;
		scan_error(s, path, err == ENOENT ? "removed during the scan" :
			   err == ELOOP ? "replaced by a symbolic link during the scan" :
			   "cannot open", err == ENOENT || err == ELOOP ? 0 : err);
		if (!it.rule)
			it.rule = verdict_decide(&s->v, path, NULL, ID_HOOK_EXEC);
		if (it.rule && err != ENOENT)
			record(s, path, st, it.rule, NULL);
		return;
	}
	it.path = strdup(path);
	if (!it.path) {
		close(it.fd);
		scan_error(s, path, "cannot queue", ENOMEM);
		return;
	}
	enqueue(s, &it);
}

/* Pseudo file systems hold no software: /proc, /sys and the like, whose
 * files are generated (and some block or have side effects when read). */
static bool pseudo_fs(int fd)
{
	static const unsigned long types[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC, CGROUP_SUPER_MAGIC,
		CGROUP2_SUPER_MAGIC, BPF_FS_MAGIC, SECURITYFS_MAGIC,
		DEBUGFS_MAGIC, TRACEFS_MAGIC, DEVPTS_SUPER_MAGIC,
		PSTOREFS_MAGIC, EFIVARFS_MAGIC, SELINUX_MAGIC, SMACK_MAGIC,
		BINFMTFS_MAGIC, NSFS_MAGIC, AUTOFS_SUPER_MAGIC,
		0x62656570 /* configfs */, 0x65735543 /* fusectl */,
		0x19800202 /* mqueue */,
	};
	struct statfs sf;
	size_t i;

	if (fstatfs(fd, &sf))
		return false;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if ((unsigned long)sf.f_type == types[i])
			return true;
	return false;
}

static int path_push(struct pathbuf *b, const char *name)
{
	size_t n = strlen(name), need = b->len + n + 2;
	char *s;

	if (need > b->cap) {
		s = realloc(b->s, need * 2);
		if (!s)
			return -ENOMEM;
		b->s = s;
		b->cap = need * 2;
	}
	if (!b->len || b->s[b->len - 1] != '/')
		b->s[b->len++] = '/';
	memcpy(b->s + b->len, name, n + 1);
	b->len += n;
	return 0;
}

static void walk_dir(struct scan *s, int fd, struct pathbuf *b,
		     const struct dir_frame *here);

/* A subdirectory: on another file system only when told so (and never a
 * pseudo one); never a directory that is its own ancestor (a bind mount). */
static void enter_dir(struct scan *s, int dfd, const char *name,
		      const struct stat *st, struct pathbuf *b,
		      const struct dir_frame *up)
{
	struct dir_frame me = { up, st->st_dev, st->st_ino };
	const struct dir_frame *f;
	struct stat now;
	int fd;

	if (st->st_dev != up->dev && !s->a->cross)
		return;
	for (f = up; f; f = f->up) {
		if (f->dev == st->st_dev && f->ino == st->st_ino) {
			scan_error(s, b->s, "a directory inside itself (a bind mount?); not entered", 0);
			return;
		}
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		scan_error(s, b->s, errno == ENOENT ? "removed during the scan" :
			   "cannot read directory", errno == ENOENT ? 0 : errno);
		return;
	}
	if (fstat(fd, &now) || now.st_ino != st->st_ino ||
	    now.st_dev != st->st_dev) {
		scan_error(s, b->s, "replaced during the scan; not entered", 0);
		close(fd);
		return;
	}
	if (st->st_dev != up->dev && pseudo_fs(fd)) {
		close(fd);
		return;
	}
	walk_dir(s, fd, b, &me);
}

/* Links, FIFOs, sockets and devices are passed over without a stat. */
static void walk_entry(struct scan *s, int dfd, const struct dirent *e,
		       struct pathbuf *b, const struct dir_frame *here)
{
	struct stat st;

	if (e->d_type != DT_UNKNOWN && e->d_type != DT_DIR &&
	    e->d_type != DT_REG)
		return;
	if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
		scan_error(s, b->s, errno == ENOENT ? "removed during the scan" :
			   "cannot stat", errno == ENOENT ? 0 : errno);
		return;
	}
	if (S_ISDIR(st.st_mode))
		enter_dir(s, dfd, e->d_name, &st, b, here);
	else if (S_ISREG(st.st_mode) && (s->a->cross || st.st_dev == here->dev))
		scan_file(s, dfd, e->d_name, &st, b->s);
}

/* Takes fd. One descriptor per level is held on the way down. */
static void walk_dir(struct scan *s, int fd, struct pathbuf *b,
		     const struct dir_frame *here)
{
	size_t mark = b->len;
	struct dirent *e;
	DIR *d;

	d = fdopendir(fd);
	if (!d) {
		scan_error(s, b->s, "cannot read directory", errno);
		close(fd);
		return;
	}
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e)
			break;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (path_push(b, e->d_name)) {
			scan_error(s, b->s, "cannot walk", ENOMEM);
			continue;
		}
		walk_entry(s, dirfd(d), e, b, here);
		b->len = mark;
		b->s[mark] = '\0';
	}
	if (errno)
		scan_error(s, b->s, "cannot read directory", errno);
	closedir(d);
}

/* One PATH argument, resolved first: what the walk reports below it is
 * then the path d_path gives, as rules are matched on. */
static void scan_root(struct scan *s, const char *arg)
{
	struct pathbuf b = { 0 };
	struct dir_frame root;
	struct stat st;
	int fd;

	b.s = realpath(arg, NULL);
	if (!b.s) {
		scan_error(s, arg, "cannot scan", errno);
		return;
	}
	b.len = strlen(b.s);
	b.cap = b.len + 1;
	if (lstat(b.s, &st)) {
		scan_error(s, b.s, "cannot scan", errno);
	} else if (S_ISREG(st.st_mode)) {
		scan_file(s, AT_FDCWD, b.s, &st, b.s);
	} else if (S_ISDIR(st.st_mode)) {
		fd = open(b.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		root = (struct dir_frame){ NULL, st.st_dev, st.st_ino };
		if (fd < 0) {
			scan_error(s, b.s, "cannot read directory", errno);
		} else if (pseudo_fs(fd)) {
			say(s, b.s, "a pseudo file system; not scanned");
			close(fd);
		} else {
			walk_dir(s, fd, &b, &root);
		}
	}
	free(b.s);
}

/* Deep trees hold a descriptor a level, the queue one a file. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int run_threads(struct scan *s)
{
	pthread_t *tid, prog;
	unsigned int i, n = 0;
	bool hashing = s->hash_all || s->a->write_rules;
	int err = 0;

	tid = calloc(s->a->threads, sizeof(*tid));
	s->qcap = QUEUE_PER_THREAD * s->a->threads;
	s->q = calloc(s->qcap, sizeof(*s->q));
	if (!tid || !s->q) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (; hashing && n < s->a->threads; n++)
		if (pthread_create(&tid[n], NULL, worker_main, s))
			break;
	if (hashing && !n) {
		err = -EAGAIN;
		goto cleanup;
	}
	if (s->progress && pthread_create(&prog, NULL, progress_main, s))
		s->progress = false;
	for (i = 0; i < (unsigned int)s->a->npaths; i++)
		scan_root(s, s->a->paths[i]);
	pthread_mutex_lock(&s->lock);
	s->done = true;
	pthread_cond_broadcast(&s->queued);
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	atomic_store(&s->stop, true);
	if (s->progress)
		pthread_join(prog, NULL);
cleanup:
	free(tid);
	free(s->q);
	return err ? err : s->oom;
}

static int finding_cmp(const void *a, const void *b)
{
	return strcmp(((const struct finding *)a)->path,
		      ((const struct finding *)b)->path);
}

static bool is_finding(const struct finding *f)
{
	return f->rule->action == ID_ACT_DENY;
}

static void json_host(struct json *j, const char *host)
{
	json_obj_open(j, "host");
	json_str(j, "hostname", host);
	json_obj_close(j);
}

/*
 * --processes: what runs now; --kill stops what a deny rule found.
 */

/* Carve-outs (allow) are not findings of a process: it may run. */
static int proc_found(const struct proc_match *m, void *arg)
{
	struct scan *s = arg;
	struct proc_match *v;
	size_t cap;

	if (m->rule->action != ID_ACT_DENY)
		return 0;
	if (s->npm == s->pmcap) {
		cap = s->pmcap ? 2 * s->pmcap : 16;
		v = reallocarray(s->pm, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->pm = v;
		s->pmcap = cap;
	}
	s->pm[s->npm++] = *m;
	return 0;
}

/* Which package a finding's rule was made from, or NULL. */
static const struct dpkg_pkg *rule_package(const struct scan *s,
					   const struct rule *r)
{
	return dpkg_rule_package(s->p, r);
}

/* The package a found file belongs to: the one its rule was made from,
 * else the installed package that lists it, or NULL. */
static const struct dpkg_pkg *finding_package(const struct scan *s,
					      const struct finding *f)
{
	const struct dpkg_pkg *pkg = rule_package(s, f->rule);
	size_t i = f - s->f;

	if (!pkg && s->owner && s->owner[i])
		pkg = &s->owners[s->owner[i] - 1];
	return pkg;
}

/* dpkg -S for the files found under rules not made from a package. */
static int find_owners(struct scan *s)
{
	char **paths = calloc(s->nf + 1, sizeof(*paths));
	size_t i, n = 0, *owner = calloc(s->nf + 1, sizeof(*owner));
	size_t *at = calloc(s->nf + 1, sizeof(*at));
	int err = -ENOMEM;

	if (!paths || !owner || !at)
		goto cleanup;
	for (i = 0; i < s->nf; i++) {	/* sorted by path already */
		if (rule_package(s, s->f[i].rule))
			continue;
		at[n] = i;
		paths[n++] = s->f[i].path;
	}
	err = n ? dpkg_owners(paths, n, &s->owners, &s->nowners, owner) : 0;
	if (err || !n)
		goto cleanup;
	s->owner = calloc(s->nf + 1, sizeof(*s->owner));
	if (!s->owner) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n; i++)
		s->owner[at[i]] = owner[i];
cleanup:
	free(paths);
	free(owner);
	free(at);
	return err;
}

static void json_proc(const struct scan *s, const struct proc_match *m,
		      const char *when, const char *host)
{
	struct json j;

	json_event_head(&j, stdout, when, "event", "process-found");
	json_obj_close(&j);
	proc_match_json(&j, s->p, m, true);
	json_obj_open(&j, "interdict");
	json_str(&j, "schema", SCHEMA);
	proc_match_json_interdict(&j, m);
	json_obj_close(&j);
	json_host(&j, host);
	json_end(&j);
}

static void text_procs(const struct scan *s)
{
	char when[40], user[64], name[ID_NAME_ESC_MAX], file[ID_NAME_ESC_MAX];
	size_t i;

	printf("%-7s  %-10s  %-24s  %-24s  %-8s  %-20s  %s\n", "PID", "USER",
	       "START", "UNIT", "DECISION", "RULE", "EXECUTABLE (FILE)");
	for (i = 0; i < s->npm; i++) {
		const struct proc_match *m = &s->pm[i];

		proc_start_time(m, when, sizeof(when));
		name_escape(m->exe, name, sizeof(name));
		name_escape(m->file, file, sizeof(file));
		printf("%-7d  %-10s  %-24s  %-24s  %-8s  %-20s  %s", (int)m->pid,
		       proc_user_name(m->uid, user, sizeof(user)), when,
		       m->unit[0] ? m->unit : "-", rule_decision(m->rule),
		       m->rule->id, name);
		if (strcmp(m->exe, m->file))
			printf(" (%s%s)", file, m->deleted ? ", deleted" : "");
		else if (m->deleted)
			printf(" (deleted)");
		putchar('\n');
	}
}

/* Never pid 1, this process, or a process running a protected binary. */
static bool protected_proc(const struct proc_match *m,
			   const struct protected *pb, size_t npb)
{
	size_t i;

	if (m->pid == 1 || m->pid == getpid())
		return true;
	for (i = 0; i < npb; i++)
		if (!strcmp(pb[i].path, m->exe))
			return true;
	return false;
}

static void kill_log(const struct proc_match *m, const char *what,
		     const char *when, const char *host)
{
	char name[ID_NAME_ESC_MAX];
	struct json j;

	if (!json_out) {
		printf("pid %d (%s): %s\n", (int)m->pid,
		       name_escape(m->exe, name, sizeof(name)), what);
		fflush(stdout);
		return;
	}
	json_event_head(&j, stdout, when, "event", "process-signaled");
	json_obj_close(&j);
	proc_match_json(&j, NULL, m, true);
	json_obj_open(&j, "interdict");
	json_str(&j, "schema", SCHEMA);
	json_str(&j, "signal", what);
	json_obj_close(&j);
	json_host(&j, host);
	json_end(&j);
	fflush(stdout);
}

/* SIGTERM to each process a deny rule found, SIGKILL to those still
 * there after the grace period. A pidfd holds each process, so a pid
 * reused meanwhile is never signalled; its start time is checked first. */
static int kill_found(const struct scan *s, const char *when,
		      const char *host)
{
	struct protected pb[MAX_PROTECTED];
	size_t npb = protected_collect(pb, MAX_PROTECTED), i, k, n = 0;
	struct pollfd *fds = calloc(s->npm + 1, sizeof(*fds));
	const struct proc_match **who = calloc(s->npm + 1, sizeof(*who));
	struct proc_match now;
	struct timespec t0, t;
	int left, err = 0, fd;

	if (!fds || !who) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < s->npm; i++) {
		const struct proc_match *m = &s->pm[i];

		if (m->rule->flags & ID_RULE_AUDIT)
			continue;		/* audit: watched, not stopped */
		for (k = 0; k < n && who[k]->pid != m->pid; k++)
			;
		if (k < n)
			continue;		/* one process, several files */
		if (protected_proc(m, pb, npb)) {
			kill_log(m, "protected; not signalled", when, host);
			continue;
		}
		fd = syscall(SYS_pidfd_open, m->pid, 0);
		if (fd < 0 || proc_identity(m->pid, &now) ||
		    now.start_ticks != m->start_ticks) {
			kill_log(m, "exited before it was signalled", when, host);
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0)) {
			kill_log(m, errno == ESRCH ? "exited before it was signalled" :
				 "cannot signal", when, host);
			close(fd);
			continue;
		}
		kill_log(m, "SIGTERM", when, host);
		fds[n] = (struct pollfd){ .fd = fd, .events = POLLIN };
		who[n++] = m;
	}
	/* a pidfd is readable once its process has exited */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (i = 0, left = 0; i < n; i++)
			left += fds[i].fd >= 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (!left || elapsed(&t0, &t) >= s->a->kill_grace)
			break;
		if (poll(fds, n, 100) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
				continue;
			kill_log(who[i], "exited after SIGTERM", when, host);
			close(fds[i].fd);
			fds[i].fd = -1;
		}
	}
	for (i = 0; i < n; i++) {
		if (fds[i].fd < 0)
			continue;
		if (syscall(SYS_pidfd_send_signal, fds[i].fd, SIGKILL, NULL, 0))
			kill_log(who[i], "exited before SIGKILL", when, host);
		else
			kill_log(who[i], "SIGKILL", when, host);
		close(fds[i].fd);
	}
cleanup:
	free(fds);
	free(who);
	return err;
}

/* Packages a deny or audit package= rule matched. */
static bool pkg_found(const struct scan *s, const struct dpkg_pkg *pkg)
{
	return s->p->rules[pkg->rule].action == ID_ACT_DENY;
}

static size_t npkgs_found(const struct scan *s)
{
	size_t i, n = 0;

	for (i = 0; s->a->packages && s->p->pkgs && i < s->p->pkgs->npkg; i++)
		n += pkg_found(s, &s->p->pkgs->pkg[i]);
	return n;
}

static void json_pkg(const struct scan *s, const struct dpkg_pkg *pkg,
		     const char *when, const char *host)
{
	const struct rule *r = &s->p->rules[pkg->rule];
	struct json j;

	json_event_head(&j, stdout, when, "event", "package-found");
	json_obj_close(&j);
	package_json(&j, pkg);
	rule_json(&j, r);
	json_obj_open(&j, "interdict");
	json_str(&j, "schema", SCHEMA);
	json_str(&j, "decision", rule_decision(r));
	json_str(&j, "match", r->path);
	json_uint(&j, "path_rules", pkg->nfiles);
	json_uint(&j, "sha256_rules", pkg->nsha);
	json_uint(&j, "missing_files", pkg->missing);
	json_obj_close(&j);
	json_host(&j, host);
	json_end(&j);
}

static void text_pkgs(const struct scan *s)
{
	size_t i;

	printf("%-24s  %-20s  %-8s  %-8s  %-20s  %s\n", "PACKAGE", "VERSION",
	       "ARCH", "DECISION", "RULE", "FILES");
	for (i = 0; i < s->p->pkgs->npkg; i++) {
		const struct dpkg_pkg *pkg = &s->p->pkgs->pkg[i];

		if (!pkg_found(s, pkg))
			continue;
		printf("%-24s  %-20s  %-8s  %-8s  %-20s  %zu (%zu executables or libraries)\n",
		       pkg->name, pkg->version, pkg->arch,
		       rule_decision(&s->p->rules[pkg->rule]),
		       s->p->rules[pkg->rule].id, pkg->nfiles, pkg->nsha);
	}
}

/*
 * Output: a table and a summary, or one JSON line a finding (carve-outs
 * too, flagged) and a summary line.
 */

static void json_finding(const struct scan *s, const struct finding *f,
			 const char *when, const char *host)
{
	const char *name = strrchr(f->path, '/') + 1;
	char hex[2 * ID_SHA256_LEN + 1];
	struct json j;

	json_event_head(&j, stdout, when, "event", "file-found");
	json_obj_close(&j);
	json_obj_open(&j, "interdict");
	json_str(&j, "schema", SCHEMA);
	json_str(&j, "decision", rule_decision(f->rule));
	json_str(&j, "hook", "exec");
	json_bool(&j, "carve_out", f->rule->action == ID_ACT_ALLOW);
	json_obj_close(&j);
	rule_json(&j, f->rule);
	json_obj_open(&j, "file");
	json_str(&j, "path", f->path);
	json_str(&j, "name", name);
	json_uint(&j, "size", f->size);
	json_uint(&j, "inode", f->ino);
	json_uint(&j, "device", f->dev);
	if (f->have_sha256) {
		sha256_hex(f->sha256, hex);
		json_obj_open(&j, "hash");
		json_str(&j, "sha256", hex);
		json_obj_close(&j);
	}
	json_obj_close(&j);
	package_json(&j, finding_package(s, f));
	json_host(&j, host);
	json_end(&j);
}

struct totals {
	size_t findings, carve_outs;
	size_t processes, packages;	/* process and package findings */
	unsigned int *by_rule;		/* files each rule decided, by index */
	char digest[2 * ID_SHA256_LEN + 1];
	const char *host;
	char start[40], end[40];
};

/* @timestamp and event.* with the scan's start, end and duration. */
static void scan_event_head(struct json *j, const struct scan *s,
			    const struct totals *t, const char *kind,
			    const char *action)
{
	json_event_head(j, stdout, t->end, kind, action);
	json_str(j, "start", t->start);
	json_str(j, "end", t->end);
	json_uint(j, "duration",
		  (unsigned long long)(elapsed(&s->start, &s->end) * 1e9));
	json_obj_close(j);
}

static void json_paths(struct json *j, const struct scan *s)
{
	int k;

	json_arr_open(j, "paths");
	for (k = 0; k < s->a->npaths; k++)
		json_str(j, NULL, s->a->paths[k]);
	json_arr_close(j);
}

static void json_summary(const struct scan *s, const struct totals *t)
{
	struct json j;
	size_t i;

	scan_event_head(&j, s, t, "metric", "scan-summary");
	json_obj_open(&j, "interdict");
	json_str(&j, "schema", SCHEMA);
	json_str(&j, "policy_digest", t->digest);
	json_obj_open(&j, "scan");
	json_paths(&j, s);
	json_uint(&j, "files", atomic_load(&s->files));
	json_uint(&j, "bytes_hashed", atomic_load(&s->bytes));
	json_uint(&j, "findings", t->findings);
	json_uint(&j, "carve_outs", t->carve_outs);
	if (s->a->processes)
		json_uint(&j, "processes", t->processes);
	if (s->a->packages)
		json_uint(&j, "packages", t->packages);
	json_uint(&j, "errors", atomic_load(&s->errors));
	json_uint(&j, "threads", s->a->threads);
	json_arr_open(&j, "rules");
	for (i = 0; i < s->p->nrules; i++) {
		if (!t->by_rule[i])
			continue;
		json_obj_open(&j, NULL);
		json_str(&j, "id", s->p->rules[i].id);
		json_str(&j, "ruleset", s->p->rules[i].file);
		json_str(&j, "decision", rule_decision(&s->p->rules[i]));
		json_uint(&j, "files", t->by_rule[i]);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
	json_obj_close(&j);
	json_host(&j, t->host);
	json_end(&j);
}

static void text_table(const struct scan *s)
{
	char name[ID_NAME_ESC_MAX], hex[2 * ID_SHA256_LEN + 1];
	int width = 4;
	size_t i;

	for (i = 0; i < s->nf; i++)
		if (is_finding(&s->f[i]) &&
		    (int)strlen(name_escape(s->f[i].path, name, sizeof(name))) > width)
			width = strlen(name);
	if (width > 72)
		width = 72;
	if (s->p->pkgs || s->nowners)
		printf("%-*s  %-8s  %-24s  %-12s  PACKAGE\n", width, "PATH",
		       "DECISION", "RULE", "SHA256");
	else
		printf("%-*s  %-8s  %-24s  SHA256\n", width, "PATH",
		       "DECISION", "RULE");
	for (i = 0; i < s->nf; i++) {
		const struct finding *f = &s->f[i];
		const struct dpkg_pkg *pkg = finding_package(s, f);

		if (!is_finding(f))
			continue;
		sha256_hex(f->sha256, hex);
		hex[12] = '\0';
		printf("%-*s  %-8s  %-24s  %-*s", width,
		       name_escape(f->path, name, sizeof(name)),
		       rule_decision(f->rule), f->rule->id,
		       s->p->pkgs || s->nowners ? 12 : 0,
		       f->have_sha256 ? hex : "-");
		if (pkg)
			printf("  %s %s", pkg->name, pkg->version);
		putchar('\n');
	}
}

static void text_summary(const struct scan *s, const struct totals *t)
{
	double secs = elapsed(&s->start, &s->end);
	unsigned long long files = atomic_load(&s->files);
	char bytes[32];
	size_t i;

	if (s->a->packages && t->packages)
		text_pkgs(s);
	if (t->processes)
		text_procs(s);
	if (t->findings)
		text_table(s);
	if (s->a->packages)
		printf("packages found  %zu\n", t->packages);
	if (s->a->processes)
		printf("processes found %zu\n", t->processes);
	if (!s->a->npaths)
		goto end;
	printf("files examined  %llu\n", files);
	printf("bytes hashed    %llu (%s)\n", atomic_load(&s->bytes),
	       human_bytes(atomic_load(&s->bytes), bytes, sizeof(bytes)));
	printf("findings        %zu\n", t->findings);
	for (i = 0; i < s->p->nrules; i++)
		if (t->by_rule[i] && s->p->rules[i].action == ID_ACT_DENY)
			printf("  %-24s %u %s\n", s->p->rules[i].id,
			       t->by_rule[i], rule_decision(&s->p->rules[i]));
	printf("carve-outs      %zu (files an allow rule lets run; listed by -j)\n",
	       t->carve_outs);
end:
	printf("errors          %llu\n", atomic_load(&s->errors));
	printf("duration        %.2f s (%.0f files/s, %u threads)\n", secs,
	       secs > 0 ? files / secs : 0.0, s->a->threads);
}

static int totals_make(const struct scan *s, struct totals *t, char *host,
		       size_t hlen)
{
	__u8 digest[ID_SHA256_LEN];
	size_t i;

	memset(t, 0, sizeof(*t));
	t->by_rule = calloc(s->p->nrules + 1, sizeof(*t->by_rule));
	if (!t->by_rule || policy_digest(s->p, digest))
		return -ENOMEM;
	sha256_hex(digest, t->digest);
	for (i = 0; i < s->nf; i++) {
		const struct dpkg_pkg *pkg = rule_package(s, s->f[i].rule);

		/* rules made from a package= rule count as that rule */
		t->by_rule[pkg ? pkg->rule : (size_t)(s->f[i].rule - s->p->rules)]++;
		if (is_finding(&s->f[i]))
			t->findings++;
		else
			t->carve_outs++;
	}
	t->processes = s->npm;
	t->packages = npkgs_found(s);
	if (gethostname(host, hlen - 1))
		snprintf(host, hlen, "unknown");
	host[hlen - 1] = '\0';
	t->host = host;
	iso_time(&s->wall_start, t->start, sizeof(t->start));
	iso_time(&s->wall_end, t->end, sizeof(t->end));
	return 0;
}

/*
 * --report: one report a host files, for an agency to add up across its
 * fleet: what is installed, what runs, what is on disk, and whether
 * interdict enforces there.
 */

struct enforcement {
	bool active;			/* a daemon answered */
	char mode[16];
	char gen[24];
	char digest[2 * ID_SHA256_LEN + 1];
	char why[PATH_MAX + 64];	/* when not active */
};

/* The string or number after key in text, into out; false if none. */
static bool json_value(const char *text, const char *key, char *out,
		       size_t len)
{
	const char *v = strstr(text, key);
	size_t n;

	if (!v)
		return false;
	v += strlen(key);
	v += *v == '"';
	n = strcspn(v, "\",}");
	snprintf(out, len, "%.*s", (int)n, v);
	return n > 0;
}

/* From the daemon's status on the control socket (--control, else the
 * config file's): its answer starts {"version":..,"mode":..,"policy":
 * {"generation":..,"digest":..}, which is all that is read here. */
static void enforcement_get(const struct scan *s, struct enforcement *e)
{
	struct ctl_req req = { .verb = CTL_STATUS, .json = true };
	const char *path = cli_control_path, *pol;
	char *buf = NULL;
	size_t len = 0;
	struct config c;
	FILE *quiet;
	int code;

	memset(e, 0, sizeof(*e));
	if (!path) {
		config_defaults(&c);
		quiet = fopen("/dev/null", "we");
		config_parse_file(&c, s->a->config ? s->a->config :
				  ID_CONFIG_PATH, quiet);
		if (quiet)
			fclose(quiet);
		path = c.control;
	}
	code = client_call_buf(path, &req, &buf, &len);
	pol = buf ? strstr(buf, "\"policy\":{") : NULL;
	if (code || !pol || !json_value(buf, "\"mode\":", e->mode,
					sizeof(e->mode))) {
		snprintf(e->why, sizeof(e->why), "no interdictd answered on %s",
			 path);
		goto cleanup;
	}
	e->active = true;
	json_value(pol, "\"generation\":", e->gen, sizeof(e->gen));
	json_value(pol, "\"digest\":", e->digest, sizeof(e->digest));
cleanup:
	free(buf);
}

static void json_report(const struct scan *s, const struct totals *t,
			const struct enforcement *e)
{
	char hex[2 * ID_SHA256_LEN + 1], when[40], user[256];
	const struct dpkg_pkg *pkg;
	struct json j;
	size_t i;

	scan_event_head(&j, s, t, "state", "scan-report");
	json_host(&j, t->host);
	json_obj_open(&j, "interdict");
	json_str(&j, "schema", SCHEMA);
	json_str(&j, "version", INTERDICT_VERSION);
	json_str(&j, "policy_digest", t->digest);
	json_obj_open(&j, "policy");
	json_uint(&j, "files", s->p->nfiles);
	json_uint(&j, "rules", s->p->nrules);
	json_obj_close(&j);
	json_obj_open(&j, "enforcement");
	json_bool(&j, "active", e->active);
	if (e->active) {
		json_str(&j, "mode", e->mode);
		json_str(&j, "policy_generation", e->gen);
		json_str(&j, "policy_digest", e->digest);
		json_bool(&j, "same_policy", !strcmp(e->digest, t->digest));
	} else {
		json_str(&j, "reason", e->why);
	}
	json_obj_close(&j);
	json_obj_open(&j, "scan");
	json_paths(&j, s);
	json_uint(&j, "files", atomic_load(&s->files));
	json_uint(&j, "bytes_hashed", atomic_load(&s->bytes));
	json_uint(&j, "errors", atomic_load(&s->errors));
	json_obj_close(&j);
	json_obj_open(&j, "found");
	json_uint(&j, "packages", t->packages);
	json_uint(&j, "processes", t->processes);
	json_uint(&j, "files", t->findings);
	json_uint(&j, "carve_outs", t->carve_outs);
	json_obj_close(&j);
	json_arr_open(&j, "packages");
	for (i = 0; s->p->pkgs && i < s->p->pkgs->npkg; i++) {
		pkg = &s->p->pkgs->pkg[i];
		if (!pkg_found(s, pkg))
			continue;
		json_obj_open(&j, NULL);
		json_str(&j, "name", pkg->name);
		json_str(&j, "version", pkg->version);
		json_str(&j, "architecture", pkg->arch);
		json_str(&j, "rule", s->p->rules[pkg->rule].id);
		json_str(&j, "decision", rule_decision(&s->p->rules[pkg->rule]));
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_arr_open(&j, "processes");
	for (i = 0; i < s->npm; i++) {
		const struct proc_match *m = &s->pm[i];

		proc_start_time(m, when, sizeof(when));
		json_obj_open(&j, NULL);
		json_int(&j, "pid", m->pid);
		json_str(&j, "executable", m->exe);
		json_str(&j, "start", when);
		json_str(&j, "user", proc_user_name(m->uid, user, sizeof(user)));
		if (m->unit[0])
			json_str(&j, "systemd_unit", m->unit);
		json_str(&j, "file", m->file);
		if (m->have_sha256) {
			sha256_hex(m->sha256, hex);
			json_str(&j, "sha256", hex);
		}
		json_str(&j, "rule", m->rule->id);
		json_str(&j, "decision", rule_decision(m->rule));
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_arr_open(&j, "files");
	for (i = 0; i < s->nf; i++) {
		const struct finding *f = &s->f[i];

		if (!is_finding(f))
			continue;
		json_obj_open(&j, NULL);
		json_str(&j, "path", f->path);
		if (f->have_sha256) {
			sha256_hex(f->sha256, hex);
			json_str(&j, "sha256", hex);
		}
		json_str(&j, "rule", f->rule->id);
		json_str(&j, "decision", rule_decision(f->rule));
		if ((pkg = finding_package(s, f)))
			json_str(&j, "package", pkg->name);
		json_obj_close(&j);
	}
	json_arr_close(&j);
	json_obj_close(&j);
	json_end(&j);
}

static void text_report(const struct scan *s, const struct totals *t,
			const struct enforcement *e)
{
	char bytes[32];
	int k;

	printf("interdict scan report\n");
	printf("host            %s\n", t->host);
	printf("time            %s\n", t->end);
	printf("policy digest   %s (%zu files, %zu rules)\n", t->digest,
	       s->p->nfiles, s->p->nrules);
	if (e->active)
		printf("enforcement     active, mode %s, generation %s (%s)\n",
		       e->mode, e->gen, strcmp(e->digest, t->digest) ?
		       "another policy than the one scanned with" :
		       "the policy scanned with");
	else
		printf("enforcement     not confirmed: %s\n", e->why);
	printf("scanned        ");
	for (k = 0; k < s->a->npaths; k++)
		printf(" %s", s->a->paths[k]);
	printf(" (%llu files, %s hashed, %llu errors, %.1f s)\n",
	       atomic_load(&s->files),
	       human_bytes(atomic_load(&s->bytes), bytes, sizeof(bytes)),
	       atomic_load(&s->errors), elapsed(&s->start, &s->end));
	printf("found           %zu packages, %zu processes, %zu files\n\n",
	       t->packages, t->processes, t->findings);
	if (t->packages) {
		text_pkgs(s);
		putchar('\n');
	}
	if (t->processes) {
		text_procs(s);
		putchar('\n');
	}
	if (t->findings)
		text_table(s);
}

static void report(const struct scan *s, const struct totals *t)
{
	struct enforcement e;
	size_t i;

	if (s->a->report) {
		enforcement_get(s, &e);
		if (json_out)
			json_report(s, t, &e);
		else
			text_report(s, t, &e);
		return;
	}
	if (!json_out) {
		text_summary(s, t);
		return;
	}
	for (i = 0; s->a->packages && s->p->pkgs && i < s->p->pkgs->npkg; i++)
		if (pkg_found(s, &s->p->pkgs->pkg[i]))
			json_pkg(s, &s->p->pkgs->pkg[i], t->end, t->host);
	for (i = 0; i < s->npm; i++)
		json_proc(s, &s->pm[i], t->end, t->host);
	for (i = 0; i < s->nf; i++)
		json_finding(s, &s->f[i], t->end, t->host);
	json_summary(s, t);
}

/*
 * --write-rules: one deny sha256= rule a distinct hash that a path rule
 * found, its id scan-<hex> long enough to be unique.
 */

/* Bytes the rules language cannot hold (control characters, tab
 * included) become '?'; the text is cut to max bytes from its end, where
 * a path's file name is, without splitting a UTF-8 sequence. */
static void rules_text(char *out, size_t max, const char *in)
{
	size_t n = strlen(in), off = 0, i;
	unsigned char c;

	if (n > max) {
		off = n - max + 4;
		while (off < n && ((unsigned char)in[off] & 0xc0) == 0x80)
			off++;
		memcpy(out, ".../", 4);
		out += 4;
	}
	for (i = off; i < n; i++) {
		c = in[i];
		*out++ = c < ' ' || c == 0x7f ? '?' : c;
	}
	*out = '\0';
}

static void write_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int candidate_cmp(const void *a, const void *b)
{
	const struct finding *x = *(const struct finding *const *)a;
	const struct finding *y = *(const struct finding *const *)b;
	int c = memcmp(x->sha256, y->sha256, ID_SHA256_LEN);

	return c ? c : strcmp(x->path, y->path);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Hex digits two hashes share at their start. */
static size_t hex_common(const __u8 *a, const __u8 *b)
{
	size_t i = 0;

	while (i < 2 * ID_SHA256_LEN &&
	       ((a[i / 2] >> (i % 2 ? 0 : 4)) & 15) ==
	       ((b[i / 2] >> (i % 2 ? 0 : 4)) & 15))
		i++;
	return i;
}

/* Files found by a path deny or audit rule, hashed, whose hash no rule of
 * the policy names already; one per hash (the first path), sorted. */
static size_t candidates(const struct scan *s, const struct finding **c)
{
	size_t i, n = 0, out = 0;

	for (i = 0; i < s->nf; i++) {
		const struct finding *f = &s->f[i];

		if (is_finding(f) && f->rule->kind != MATCH_SHA256 &&
		    f->have_sha256 &&
		    !verdict_decide(&s->v, NULL, f->sha256, ID_HOOK_ALL))
			c[n++] = f;
	}
	qsort(c, n, sizeof(*c), candidate_cmp);
	for (i = 0; i < n; i++)
		if (!out || memcmp(c[out - 1]->sha256, c[i]->sha256,
				   ID_SHA256_LEN))
			c[out++] = c[i];
	return out;
}

/* The hex digits of c[i]'s id: ID_HEX_MIN, more where a neighbour shares
 * them, more again where the policy has that id already. */
static void rule_id(const struct finding *const *c, size_t n, size_t i,
		    const char *const *ids, size_t nids, char *id)
{
	size_t len = ID_HEX_MIN, maxlen = ID_RULE_ID_MAX - 1 - strlen(ID_PREFIX);
	char hex[2 * ID_SHA256_LEN + 1];
	const char *key = id;

	if (i > 0 && hex_common(c[i - 1]->sha256, c[i]->sha256) >= len)
		len = hex_common(c[i - 1]->sha256, c[i]->sha256) + 1;
	if (i + 1 < n && hex_common(c[i + 1]->sha256, c[i]->sha256) >= len)
		len = hex_common(c[i + 1]->sha256, c[i]->sha256) + 1;
	sha256_hex(c[i]->sha256, hex);
	do {
		snprintf(id, ID_RULE_ID_MAX, ID_PREFIX "%.*s",
			 (int)(len < maxlen ? len : maxlen), hex);
	} while (len++ < maxlen &&
		 bsearch(&key, ids, nids, sizeof(*ids), str_cmp));
}

static void write_rule(FILE *f, const struct finding *c, const char *id,
		       const char *host)
{
	static const char fmt[] = "found at %s by interdict scan on %s";
	char hex[2 * ID_SHA256_LEN + 1], h[64], path[ID_MSG_MAX];
	/* room for what snprintf could write; what it does fits ID_MSG_MAX */
	char msg[sizeof(fmt) + sizeof(h) + sizeof(path)];

	rules_text(h, sizeof(h) - 1, host);
	rules_text(path, ID_MSG_MAX - 1 - (sizeof(fmt) - 5) - strlen(h),
		   c->path);
	snprintf(msg, sizeof(msg), fmt, path, h);
	sha256_hex(c->sha256, hex);
	fprintf(f, "deny sha256=%s id=%s msg=", hex, id);
	write_quoted(f, msg);
	fputc('\n', f);
}

static void write_header(FILE *f, const struct scan *s, const struct totals *t)
{
	char line[PATH_MAX];
	int i;

	rules_text(line, 255, t->host);
	fprintf(f, "# interdict scan --write-rules: a SHA-256 rule for each file a path\n"
		   "# rule found, so that a copy under any other name is denied too.\n"
		   "# host: %s\n# time: %s\n# policy digest: %s (files: %zu, rules: %zu)\n",
		line, t->end, t->digest, s->p->nfiles, s->p->nrules);
	for (i = 0; i < s->a->npaths; i++) {
		rules_text(line, 3072, s->a->paths[i]);
		fprintf(f, "# scanned: %s\n", line);
	}
}

/* The ids starting with ID_PREFIX that the policy has, sorted. */
static size_t policy_ids(const struct policy *p, const char **ids)
{
	size_t i, n = 0;

	for (i = 0; i < p->nrules; i++)
		if (!strncmp(p->rules[i].id, ID_PREFIX, strlen(ID_PREFIX)))
			ids[n++] = p->rules[i].id;
	qsort(ids, n, sizeof(*ids), str_cmp);
	return n;
}

static int write_rules_to(FILE *f, const struct scan *s, const struct totals *t)
{
	const struct finding **c = calloc(s->nf + 1, sizeof(*c));
	const char **ids = calloc(s->p->nrules + 1, sizeof(*ids));
	char id[ID_RULE_ID_MAX];
	size_t n, nids, i;
	int err = -ENOMEM;

	if (!c || !ids)
		goto cleanup;
	n = candidates(s, c);
	nids = policy_ids(s->p, ids);
	write_header(f, s, t);
	for (i = 0; i < n; i++) {
		rule_id(c, n, i, ids, nids, id);
		write_rule(f, c[i], id, t->host);
	}
	err = 0;
cleanup:
	free(c);
	free(ids);
	return err;
}

/* Written beside FILE and renamed over it: never half a rules file. */
static int write_rules(const struct scan *s, const struct totals *t)
{
	const char *path = s->a->write_rules;
	size_t len = strlen(path) + sizeof(".XXXXXX");
	char *tmp = malloc(len);
	FILE *f = NULL;
	int fd = -1, err = -ENOMEM;

	if (!tmp)
		goto cleanup;
	snprintf(tmp, len, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		err = -errno;
		goto cleanup;
	}
	fd = -1;
	err = write_rules_to(f, s, t);
	if (fflush(f) || fsync(fileno(f)))
		err = err ? err : -errno;
	if (fclose(f) && !err)
		err = -errno;
	f = NULL;
	if (!err && rename(tmp, path))
		err = -errno;
cleanup:
	if (fd >= 0)
		close(fd);
	if (f)
		fclose(f);
	if (err && tmp && tmp[len - 2] != 'X')
		unlink(tmp);
	free(tmp);
	return err;
}

/*
 * Options and the policy.
 */

/* "ARG: problem"; in JSON mode stdout still holds one object. */
static int usage_error(const char *arg, const char *problem)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s: %s", arg, problem);
	fprintf(stderr, "interdict: scan: %s\n%s\n", msg, USAGE);
	if (json_out)
		json_error(stdout, true, NULL, msg);
	return -EINVAL;
}

/* 0, 1 for --help, or -EINVAL after a usage error. */
static int parse_args(struct scan_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'c' },
		{ "write-rules", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "xdev", no_argument, NULL, 'x' },
		{ "cross-filesystems", no_argument, NULL, 'X' },
		{ "packages", no_argument, NULL, 'P' },
		{ "processes", no_argument, NULL, 'r' },
		{ "kill", no_argument, NULL, 'k' },
		{ "report", no_argument, NULL, 'R' },
		{ "kill-grace", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static char *root[] = { "/" };
	bool grace = false;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char *end;
	int o;

	memset(a, 0, sizeof(*a));
	a->threads = cpus > 0 ? (cpus < THREADS_MAX ? cpus : THREADS_MAX) : 1;
	a->kill_grace = 5;
	/* argv[-1] is the verb: getopt takes it for the program's name */
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc + 1, argv - 1, ":t:h", opts, NULL)) != -1) {
		switch (o) {
		case 'p': a->policy = optarg; break;
		case 'c': a->config = optarg; break;
		case 'w': a->write_rules = optarg; break;
		case 'x': a->cross = false; break;
		case 'X': a->cross = true; break;
		case 'P': a->packages = true; break;
		case 'r': a->processes = true; break;
		case 'k': a->kill = true; break;
		case 'R': a->report = true; break;
		case 'h': return 1;
		case 'g':
			errno = 0;
			a->kill_grace = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || a->kill_grace > 3600)
				return usage_error("--kill-grace", "expected seconds from 0 to 3600");
			grace = true;
			break;
		case 't':
			errno = 0;
			a->threads = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || !a->threads ||
			    a->threads > THREADS_MAX)
				return usage_error("--threads", "expected a number from 1 to 1024");
			break;
		case ':':
			return usage_error(argv[optind - 2], "needs a value");
		default:
			return usage_error(argv[optind - 2], "unknown option");
		}
	}
	a->paths = argv + optind - 1;
	a->npaths = argc + 1 - optind;
	if (a->kill && !a->processes)
		return usage_error("--kill", "needs --processes");
	if (grace && !a->kill)
		return usage_error("--kill-grace", "needs --kill");
	/* A report covers what runs and what is installed, always. */
	if (a->report && !a->npaths) {
		a->paths = root;
		a->npaths = 1;
	}
	if (a->report)
		a->packages = a->processes = true;
	/* The full scan: files under /, what runs and what is installed. */
	if (!a->npaths && !a->packages && !a->processes) {
		a->paths = root;
		a->npaths = 1;
		a->packages = a->processes = true;
	}
	return 0;
}

/* --policy, or the policy directory the config file names. */
static int load_policy(const struct scan_args *a, struct policy *p)
{
	const char *config = a->config ? a->config : ID_CONFIG_PATH;
	char *paths[1] = { (char *)a->policy };
	struct config c;
	int err;

	if (a->policy)
		return policy_load_paths(p, paths, 1, stderr);
	config_defaults(&c);
	err = config_parse_file(&c, config, stderr);
	if (err == -ENOENT && !a->config)
		err = 0;
	else if (err == -ENOENT)
		fprintf(stderr, "%s: cannot read: %s\n", config, strerror(ENOENT));
	return err ? err : policy_load_dir(p, c.policy_dir, stderr);
}

static void scan_free(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->nf; i++)
		free(s->f[i].path);
	free(s->f);
	free(s->pm);
	free(s->owners);
	free(s->owner);
	verdict_free(&s->v);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->out);
	pthread_cond_destroy(&s->queued);
	pthread_cond_destroy(&s->taken);
}

/* Everything after the policy loaded; msg says what failed. */
static int scan_policy(struct scan *s, struct totals *t, char *host,
		       size_t hlen, char *msg, size_t mlen)
{
	int err;

	err = verdict_init(&s->v, s->p);
	if (err)
		goto cleanup;
	s->hash_all = verdict_wants_sha256(&s->v, ID_HOOK_EXEC);
	s->progress = isatty(STDERR_FILENO);
	raise_nofile();
	clock_gettime(CLOCK_REALTIME, &s->wall_start);
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	err = run_threads(s);
	if (!err && s->a->processes)
		err = proc_scan(&s->v, proc_found, s);
	clock_gettime(CLOCK_MONOTONIC, &s->end);
	clock_gettime(CLOCK_REALTIME, &s->wall_end);
	if (err)
		goto cleanup;
	qsort(s->f, s->nf, sizeof(*s->f), finding_cmp);
	if (find_owners(s))
		fprintf(stderr, "interdict: scan: cannot read the dpkg database; findings name no package\n");
	err = totals_make(s, t, host, hlen);
	if (err)
		goto cleanup;
	report(s, t);
	if (s->a->kill) {
		err = kill_found(s, t->end, t->host);
		if (err)
			goto cleanup;
	}
	if (s->a->write_rules) {
		err = write_rules(s, t);
		if (err)
			snprintf(msg, mlen, "cannot write %s: %s",
				 s->a->write_rules, strerror(-err));
	}
cleanup:
	if (err && !msg[0])
		snprintf(msg, mlen, "%s", strerror(-err));
	return err;
}

int do_scan(int argc, char **argv)
{
	struct policy p = { 0 };
	struct scan_args a;
	struct totals t = { 0 };
	struct scan s = {
		.a = &a, .p = &p,
		.lock = PTHREAD_MUTEX_INITIALIZER, .out = PTHREAD_MUTEX_INITIALIZER,
		.queued = PTHREAD_COND_INITIALIZER, .taken = PTHREAD_COND_INITIALIZER,
	};
	char host[256], msg[PATH_MAX + 64] = "";
	int ret, err;

	err = parse_args(&a, argc, argv);
	if (err > 0)
		printf("%s\n", USAGE);
	if (err)
		return err > 0 ? 0 : EXIT_POLICY;
	err = load_policy(&a, &p);
	if (err)
		snprintf(msg, sizeof(msg), "the policy %s cannot be used (%s)",
			 a.policy ? a.policy : "directory",
			 err == -EINVAL ? "errors above" : strerror(-err));
	else
		err = scan_policy(&s, &t, host, sizeof(host), msg, sizeof(msg));
	ret = t.findings || t.processes || t.packages ? 1 : 0;
	if (err) {
		fprintf(stderr, "interdict: scan: %s\n", msg);
		if (json_out)
			json_error(stdout, true, NULL, msg);
		ret = EXIT_POLICY;
	}
	free(t.by_rule);
	scan_free(&s);
	policy_free(&p);
	return ret;
}
