// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running processes the policy decides on: each process's executable and
 * every file-backed executable mapping (/proc/PID/maps, deleted files and
 * memfd included), decided as the kernel would (verdict.c). Shared by
 * `interdict scan --processes` and interdictd's process-running events.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "interdict.h"

#define DELETED		" (deleted)"

/* The content of a file seen before, by identity: a library mapped by
 * every process is hashed once. */
struct hash_entry {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int err;			/* 0: sha256 holds the hash */
	__u8 sha256[ID_SHA256_LEN];
};

struct proc_scan {
	const struct verdict *v;
	bool hash;			/* a SHA-256 rule could decide */
	struct hash_entry *cache;
	size_t ncache, cap;
	long long btime;		/* boot, seconds since the epoch */
	long hz;
};

static int hash_fd(struct proc_scan *ps, int fd, __u8 out[ID_SHA256_LEN])
{
	struct hash_entry *e;
	struct stat st;
	size_t i;
	int err;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return -EINVAL;
	if (!st.st_size)
		return -ENODATA;	/* the kernel never hashes an empty file */
	for (i = 0; i < ps->ncache; i++) {
		e = &ps->cache[i];
		if (e->dev == st.st_dev && e->ino == st.st_ino &&
		    e->size == st.st_size &&
		    e->mtime.tv_sec == st.st_mtim.tv_sec &&
		    e->mtime.tv_nsec == st.st_mtim.tv_nsec) {
			memcpy(out, e->sha256, ID_SHA256_LEN);
			return e->err;
		}
	}
	err = sha256_fd(fd, out);
	if (ps->ncache == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 64;

		e = reallocarray(ps->cache, cap, sizeof(*e));
		if (!e)
			return err;
		ps->cache = e;
		ps->cap = cap;
	}
	e = &ps->cache[ps->ncache++];
	*e = (struct hash_entry){ st.st_dev, st.st_ino, st.st_size,
				  st.st_mtim, err, { 0 } };
	memcpy(e->sha256, out, ID_SHA256_LEN);
	return err;
}

/* Content of one mapped file: map_files (needs CAP_SYS_ADMIN, and works
 * for deleted files and memfd), then the path itself. */
static int hash_mapping(struct proc_scan *ps, pid_t pid, const char *range,
			const char *path, __u8 out[ID_SHA256_LEN])
{
	char mf[128];
	int fd, err;

	snprintf(mf, sizeof(mf), "/proc/%d/map_files/%s", (int)pid, range);
	fd = open(mf, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && path)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	err = hash_fd(ps, fd, out);
	close(fd);
	return err;
}

static int hash_exe(struct proc_scan *ps, pid_t pid, __u8 out[ID_SHA256_LEN])
{
	char exe[64];
	int fd, err;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	fd = open(exe, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	err = hash_fd(ps, fd, out);
	close(fd);
	return err;
}

/* The first line of /proc/PID/NAME starting with key, its value copied. */
static int proc_field(pid_t pid, const char *name, const char *key,
		      char *out, size_t len)
{
	char path[64], line[4096];
	size_t n = strlen(key);
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, n))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out, len, "%s", line + n);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* The unit of a process is the first .service or .scope of its cgroup
 * (those hold no other units; what is below is the service's own). */
static void proc_unit(pid_t pid, char *out, size_t len)
{
	char cg[4096], *c, *end;
	size_t n;

	out[0] = '\0';
	if (proc_field(pid, "cgroup", "0::", cg, sizeof(cg)))
		return;
	for (c = cg; *c; c = *end ? end + 1 : end) {
		end = strchrnul(c, '/');
		n = end - c;
		if ((n > 8 && !strncmp(end - 8, ".service", 8)) ||
		    (n > 6 && !strncmp(end - 6, ".scope", 6))) {
			snprintf(out, len, "%.*s", (int)n, c);
			return;
		}
	}
}

/* Field 22 of /proc/PID/stat: start time in clock ticks after boot. */
static int proc_start(pid_t pid, unsigned long long *ticks)
{
	char path[64], buf[2048], *c;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	c = strrchr(buf, ')');		/* the name may hold spaces and ')' */
	for (i = 2; c && i < 22; i++)
		c = strchr(c + 1, ' ');
	if (!c || sscanf(c + 1, "%llu", ticks) != 1)
		return -EIO;
	return 0;
}

int proc_identity(pid_t pid, struct proc_match *m)
{
	char uid[128];
	int err;

	memset(m, 0, sizeof(*m));
	m->pid = pid;
	err = proc_start(pid, &m->start_ticks);
	if (err)
		return err;
	m->uid = (uid_t)-1;
	if (!proc_field(pid, "status", "Uid:", uid, sizeof(uid)))
		m->uid = strtoul(uid, NULL, 10);
	proc_unit(pid, m->unit, sizeof(m->unit));
	return 0;
}

static void strip_deleted(char *path, bool *deleted)
{
	size_t n = strlen(path), d = strlen(DELETED);

	*deleted = n > d && !strcmp(path + n - d, DELETED);
	if (*deleted)
		path[n - d] = '\0';
}

/* One file of a process: decided, and reported when a rule decides. */
static int consider(struct proc_scan *ps, struct proc_match *m,
		    const char *file, int herr, const __u8 *sha, __u8 hook,
		    bool deleted, proc_match_fn *fn, void *arg)
{
	bool memfd = !strncmp(file, "/memfd:", 7);
	const struct rule *r;

	/* herr: why sha holds no hash, 0 when it does */
	r = verdict_decide(ps->v, memfd ? NULL : file, herr ? NULL : sha,
			   hook);
	if (!r)
		return 0;
	snprintf(m->file, sizeof(m->file), "%s", file);
	m->rule = r;
	m->hook = hook;
	m->deleted = deleted;
	m->memfd = memfd;
	m->have_sha256 = !herr;
	if (!herr)
		memcpy(m->sha256, sha, ID_SHA256_LEN);
	m->start = ps->btime + (long long)(m->start_ticks / ps->hz);
	return fn(m, arg);
}

/* skip: a file already reported (the executable, mapped too) */
static int scan_maps(struct proc_scan *ps, struct proc_match *m,
		     const char *skip, proc_match_fn *fn, void *arg)
{
	char path[64], line[PATH_MAX + 256], perms[8], range[64], *file;
	char seen_file[PATH_MAX];
	__u8 sha[ID_SHA256_LEN];
	bool deleted;
	FILE *f;
	int n, err = 0, herr;

	snprintf(seen_file, sizeof(seen_file), "%s", skip);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)m->pid);
	f = fopen(path, "re");
	if (!f)
		return 0;		/* gone, or a kernel thread */
	while (!err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		n = 0;
		if (sscanf(line, "%63s %7s %*s %*s %*s %n", range, perms, &n) < 2 ||
		    !n || perms[2] != 'x')
			continue;
		file = line + n;
		if (file[0] != '/')
			continue;	/* [vdso], anonymous memory */
		strip_deleted(file, &deleted);
		/* a file maps in several pieces: one answer for the run */
		if (!strcmp(file, seen_file) || !strcmp(file, skip))
			continue;
		snprintf(seen_file, sizeof(seen_file), "%s", file);
		herr = ps->hash ? hash_mapping(ps, m->pid, range,
					      deleted ? NULL : file, sha) : -1;
		err = consider(ps, m, file, herr, sha, ID_HOOK_MMAP, deleted,
			       fn, arg);
	}
	fclose(f);
	return err;
}

static int scan_pid(struct proc_scan *ps, pid_t pid, proc_match_fn *fn,
		    void *arg)
{
	char link[64], exe[PATH_MAX];
	__u8 sha[ID_SHA256_LEN];
	struct proc_match m;
	bool deleted;
	ssize_t n;
	int herr, err;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;		/* a kernel thread, gone, or not ours */
	exe[n] = '\0';
	if (proc_identity(pid, &m))
		return 0;
	strip_deleted(exe, &deleted);
	snprintf(m.exe, sizeof(m.exe), "%s", exe);
	herr = ps->hash ? hash_exe(ps, pid, sha) : -1;
	err = consider(ps, &m, exe, herr, sha, ID_HOOK_EXEC, deleted, fn, arg);
	if (!err)
		err = scan_maps(ps, &m, m.rule ? exe : "", fn, arg);
	return err;
}

static long long boot_time(void)
{
	char line[256];
	long long t = 0;
	FILE *f = fopen("/proc/stat", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &t) == 1)
			break;
	if (f)
		fclose(f);
	return t;
}

int proc_scan(const struct verdict *v, proc_match_fn *fn, void *arg)
{
	struct proc_scan ps = {
		.v = v,
		.hash = verdict_wants_sha256(v, ID_HOOK_EXEC | ID_HOOK_MMAP),
		.btime = boot_time(),
		.hz = sysconf(_SC_CLK_TCK),
	};
	pid_t self = getpid();
	struct dirent *de;
	char *end;
	long pid;
	DIR *d;
	int err = 0;

	if (ps.hz <= 0)
		ps.hz = 100;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		err = scan_pid(&ps, pid, fn, arg);
	}
	closedir(d);
	free(ps.cache);
	return err;
}

/*
 * The fields of a match in events: scan's process-found and
 * process-signaled, interdictd's process-running.
 */

const char *proc_user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (uid == (uid_t)-1)
		snprintf(buf, len, "?");
	else if (!getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) && res)
		snprintf(buf, len, "%s", pw.pw_name);
	else
		snprintf(buf, len, "%u", (unsigned int)uid);
	return buf;
}

void proc_start_time(const struct proc_match *m, char *buf, size_t len)
{
	struct tm tm;
	time_t t = m->start;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rule_json(struct json *j, const struct rule *r)
{
	json_obj_open(j, "rule");
	json_str(j, "id", r->id);
	if (r->msg[0])
		json_str(j, "description", r->msg);
	json_str(j, "ruleset", r->file);
	json_obj_close(j);
}

void package_json(struct json *j, const struct dpkg_pkg *pkg)
{
	if (!pkg)
		return;
	json_obj_open(j, "package");
	json_str(j, "name", pkg->name);
	json_str(j, "version", pkg->version);
	json_str(j, "architecture", pkg->arch);
	json_obj_close(j);
}

void proc_match_json(struct json *j, const struct policy *p,
		     const struct proc_match *m, bool names)
{
	char when[40], user[256], hex[2 * ID_SHA256_LEN + 1];
	const char *name = strrchr(m->exe, '/');

	proc_start_time(m, when, sizeof(when));
	json_obj_open(j, "process");
	json_int(j, "pid", m->pid);
	json_str(j, "executable", m->exe);
	json_str(j, "name", name ? name + 1 : m->exe);
	json_str(j, "start", when);
	json_obj_close(j);
	json_obj_open(j, "user");
	if (m->uid != (uid_t)-1)
		json_uint(j, "id", m->uid);
	if (names)
		json_str(j, "name", proc_user_name(m->uid, user, sizeof(user)));
	json_obj_close(j);
	json_obj_open(j, "file");
	json_str(j, "path", m->file);
	if (m->have_sha256) {
		sha256_hex(m->sha256, hex);
		json_obj_open(j, "hash");
		json_str(j, "sha256", hex);
		json_obj_close(j);
	}
	json_obj_close(j);
	rule_json(j, m->rule);
	if (p)
		package_json(j, dpkg_rule_package(p, m->rule));
}

void proc_match_json_interdict(struct json *j, const struct proc_match *m)
{
	json_str(j, "decision", rule_decision(m->rule));
	json_str(j, "hook", m->hook == ID_HOOK_EXEC ? "exec" : "mmap");
	json_bool(j, "deleted", m->deleted);
	json_bool(j, "memfd", m->memfd);
	if (m->unit[0])
		json_str(j, "systemd_unit", m->unit);
}
