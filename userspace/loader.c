// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BPF object's life: open the skeleton, size the maps, load and attach
 * the LSM programs, check that the kernel really hashes with SHA-256, and
 * learn inode keys through the identify iterator.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "interdict.h"
#include "interdict.skel.h"

/* The verifier's reason is at the end of its log: keep the tail. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	char *line = NULL;
	size_t n, keep = 4096;
	const char *start;

	if (vasprintf(&line, fmt, ap) < 0)
		return 0;
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[--n] = 0;
	start = n > keep ? line + n - keep : line;
	if (level == LIBBPF_WARN)
		log_warnx("libbpf", "%s", start);
	else
		log_debug("libbpf", "%s", start);
	free(line);
	return 0;
}

/* Arguments of the running kernel's function `name` in its BTF (btf,
 * NULL if it could not be read), or -1. */
static int hook_nargs(const struct btf *btf, const char *name)
{
	const struct btf_type *t;
	int id, n = -1;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id > 0 && (t = btf__type_by_id(btf, id)) &&
	    (t = btf__type_by_id(btf, t->type)))
		n = btf_vlen(t);
	return n;
}

int loader_open(struct interdict_bpf **out, const struct limits *lim)
{
	struct interdict_bpf *skel;
	struct features f;
	struct btf *btf;
	bool kf, post_open, exec_check;
	struct bpf_program *guards[8][2];
	int err, bpf_args;
	size_t i;

	libbpf_set_print(libbpf_log);
	skel = interdict_bpf__open();
	if (!skel)
		return -errno;
	guards[0][0] = skel->progs.bpf_map;
	guards[0][1] = skel->progs.bpf_map_kf;
	guards[1][0] = skel->progs.bpf_prog;
	guards[1][1] = skel->progs.bpf_prog_kf;
	guards[2][0] = skel->progs.inode_unlink;
	guards[2][1] = skel->progs.inode_unlink_kf;
	guards[3][0] = skel->progs.inode_rmdir;
	guards[3][1] = skel->progs.inode_rmdir_kf;
	guards[4][0] = skel->progs.inode_rename;
	guards[4][1] = skel->progs.inode_rename_kf;
	guards[5][0] = skel->progs.sb_umount;
	guards[5][1] = skel->progs.sb_umount_kf;
	guards[6][0] = skel->progs.ptrace_access_check;
	guards[6][1] = skel->progs.ptrace_access_check_kf;
	guards[7][0] = skel->progs.task_kill;
	guards[7][1] = skel->progs.task_kill_kf;
	/* read once: parsing the kernel's BTF is a tenth of a second under
	 * emulation, and libbpf reads it again to load */
	btf = btf__load_vmlinux_btf();
	features_probe(&f);
	skel->rodata->can_probe_read = f.probe_read;
	/* bpf_rcu_read_lock() came with 6.2, as did the verifier's rule that
	 * makes a file reached through current->mm untrusted for d_path;
	 * 6.12 brought kfuncs that name a task's executable again */
	skel->rodata->exe_d_path = hook_nargs(btf, "bpf_rcu_read_lock") < 0;
	kf = hook_nargs(btf, "bpf_get_task_exe_file") >= 0 &&
	     hook_nargs(btf, "bpf_path_d_path") >= 0 &&
	     hook_nargs(btf, "bpf_put_file") >= 0;
	/* file_post_open came with 6.9: SHA-256 rules with on=open */
	post_open = hook_nargs(btf, "bpf_lsm_file_post_open") >= 0;
	/* execveat(AT_EXECVE_CHECK) came with 6.14 */
	exec_check = kf && btf_has_member(btf, "linux_binprm", "is_check");
	/* security_bpf() gained a fourth argument in 6.16 */
	bpf_args = hook_nargs(btf, "bpf_lsm_bpf");
	btf__free(btf);
	/* Two slots per map: the policy in force and the one being loaded
	 * (SHA-256 tables are made for each policy, of its size). */
	err = bpf_map__set_max_entries(skel->maps.path_rules,
					       2 * ID_NSLOTS * lim->path_rules);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.ino_rules,
					       2 * ID_NSLOTS * lim->path_rules);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.events,
					       lim->events_mb << 20);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.bpf_caller,
						bpf_args == 4 && !kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.bpf_caller_kf,
						bpf_args == 4 && kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.bpf,
						bpf_args != 4 && !kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.bpf_kf,
						bpf_args != 4 && kf);
	/* the guards of interdict itself: *_kf name both executables in
	 * their tamper events */
	for (i = 0; i < sizeof(guards) / sizeof(guards[0]) && !err; i++) {
		err = bpf_program__set_autoload(guards[i][0], !kf);
		if (!err)
			err = bpf_program__set_autoload(guards[i][1], kf);
	}
	if (!err)
		err = bpf_program__set_autoload(skel->progs.bprm_check_kf, kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.bprm_check_security,
						!kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.mmap_file_kf, kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.mmap_file, !kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.file_mprotect_kf,
						kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.file_mprotect, !kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.file_open_kf, kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.file_open, !kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.file_post_open_kf,
						post_open && kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.file_post_open,
						post_open && !kf);
	if (!err)
		err = bpf_program__set_autoload(skel->progs.bprm_creds_for_exec,
						exec_check);
	if (err) {
		interdict_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

/* INTERDICT_VERIFIER_LOG=FILE keeps the verifier's whole log, for reports
 * of a kernel that rejects the programs. */
static int load_logged(struct interdict_bpf *skel)
{
	const char *path = getenv("INTERDICT_VERIFIER_LOG");
	const char *level = getenv("INTERDICT_VERIFIER_LOG_LEVEL");
	size_t size = 4 << 20, i, n = 0;
	struct bpf_program *prog, *progs[64];
	char *bufs[64] = { 0 };
	FILE *f;
	int err = -ENOMEM;

	if (!path)
		return interdict_bpf__load(skel);
	bpf_object__for_each_program(prog, skel->obj) {
		if (n == 64 || !(bufs[n] = calloc(1, size)))
			goto cleanup;
		bpf_program__set_log_level(prog, level ? atoi(level) : 1);
		bpf_program__set_log_buf(prog, bufs[n], size);
		progs[n++] = prog;
	}
	err = interdict_bpf__load(skel);
	f = fopen(path, "we");
	for (i = 0; f && i < n; i++)
		if (bpf_program__autoload(progs[i]))
			fprintf(f, "--- %s\n%s", bpf_program__name(progs[i]),
				bufs[i]);
	if (f)
		fclose(f);
cleanup:
	for (i = 0; i < n; i++)
		free(bufs[i]);
	return err;
}

int loader_load(struct interdict_bpf *skel, char *why, size_t len)
{
	struct features f;
	int err;

	features_probe(&f);
	if (features_blocker(&f, why, len))
		return -EOPNOTSUPP;
	err = load_logged(skel);
	if ((err == -EACCES || err == -EINVAL || err == -E2BIG) &&
	    strcmp(f.lockdown_level, "none") &&
	    strcmp(f.lockdown_level, "unknown")) {
		snprintf(why, len, "the kernel's verifier rejected the LSM "
			 "programs (%s) with kernel lockdown in %s mode, which "
			 "withholds some BPF helpers (%s); run with "
			 "INTERDICT_VERIFIER_LOG=FILE and report the file "
			 "with the kernel version (%s)", strerror(-err),
			 f.lockdown_level, f.probe_read ? "not "
			 "bpf_probe_read_kernel(), which the programs would "
			 "use" : "bpf_probe_read_kernel() among them, which "
			 "the programs were built without", f.release);
		return err;
	}
	if (err == -EACCES || err == -EINVAL || err == -E2BIG) {
		snprintf(why, len, "the kernel's verifier rejected the LSM "
			 "programs (%s): this build of interdict does not "
			 "support kernel %s; run with INTERDICT_VERIFIER_LOG="
			 "FILE and report the file", strerror(-err),
			 f.release);
		return err;
	}
	if (err) {
		snprintf(why, len, "the kernel refused to load the LSM programs "
			 "(%s). Run interdictd as root; if it is root already, "
			 "something on this host forbids BPF LSM programs "
			 "(kernel lockdown is '%s'; a hypervisor or container "
			 "policy can also forbid them): interdict cannot "
			 "enforce on this host", strerror(-err), f.lockdown);
		return err;
	}
	if (features_off(&f))
		log_warnx("kernel", "lockdown is %s: %s", f.lockdown_level,
			  features_off(&f));
	return 0;
}

/* Attach the loaded programs not attached yet, or only the one named
 * `only` (the identify iterator goes first: the daemon needs it to fill
 * the maps the tamper hooks read before those hooks attach). */
int loader_attach(struct interdict_bpf *skel, const char *only, char *why,
		  size_t len)
{
	struct bpf_object_skeleton *s = skel->skeleton;
	int i, err;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;
		struct bpf_link **link = s->progs[i].link;

		if (*link || !bpf_program__autoload(prog) ||
		    (only && strcmp(only, bpf_program__name(prog))))
			continue;
		*link = bpf_program__attach(prog);
		if (!*link) {
			err = -errno;
			snprintf(why, len, "the kernel refused to attach %s "
				 "(%s); check that 'bpf' is in "
				 "/sys/kernel/security/lsm",
				 bpf_program__name(prog), strerror(-err));
			return err;
		}
	}
	return 0;
}

int loader_load_attach(struct interdict_bpf *skel, char *why, size_t len)
{
	int err = loader_load(skel, why, len);

	return err ? err : loader_attach(skel, NULL, why, len);
}

/* Map a copy of our own executable with PROT_EXEC: the mmap_file program
 * hashes it for us with bpf_ima_file_hash(), and we compare with OpenSSL. */
int loader_hash_selftest(struct interdict_bpf *skel, char *why, size_t len)
{
	struct id_state *st = &skel->bss->state;
	__u8 want[ID_SHA256_LEN];
	struct stat sb;
	void *map = MAP_FAILED;
	int fd, err;

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb)) {
		err = -errno;
		snprintf(why, len, "cannot open /proc/self/exe: %s",
			 strerror(-err));
		goto cleanup;
	}
	err = sha256_fd(fd, want);
	if (err) {
		snprintf(why, len, "cannot hash /proc/self/exe: %s",
			 strerror(-err));
		goto cleanup;
	}
	st->probe_done = 0;
	st->probe_ret = 0;
	__atomic_store_n(&st->probe_tgid, getpid(), __ATOMIC_SEQ_CST);
	map = mmap(NULL, sb.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	__atomic_store_n(&st->probe_tgid, 0, __ATOMIC_SEQ_CST);
	if (map == MAP_FAILED) {
		err = -errno;
		snprintf(why, len, "self-test mmap failed: %s", strerror(-err));
		goto cleanup;
	}
	if (!st->probe_done) {
		err = -EIO;
		snprintf(why, len, "the mmap_file program did not run");
	} else if (st->probe_ret < 0) {
		err = -EOPNOTSUPP;
		snprintf(why, len, "bpf_ima_file_hash() failed (%s): the kernel "
			 "needs CONFIG_IMA=y", strerror((int)-st->probe_ret));
	} else if (st->probe_ret != 4) {	/* HASH_ALGO_SHA256 */
		/* enum hash_algo, include/uapi/linux/hash_info.h */
		static const char *const algo[] = { "MD4", "MD5", "SHA-1",
			"RIPEMD-160", "SHA-256", "SHA-384", "SHA-512",
			"SHA-224" };

		err = -EOPNOTSUPP;
		snprintf(why, len, "IMA hashes with %s (algorithm %lld), not "
			 "SHA-256; boot with ima_hash=sha256 (or without "
			 "another ima_hash= setting)", st->probe_ret < 8 ?
			 algo[st->probe_ret] : "another algorithm",
			 (long long)st->probe_ret);
	} else if (memcmp(st->probe_sha256, want, ID_SHA256_LEN)) {
		err = -EIO;
		snprintf(why, len, "the kernel's SHA-256 of /proc/self/exe "
			 "differs from OpenSSL's");
	}
cleanup:
	if (map != MAP_FAILED)
		munmap(map, sb.st_size);
	if (fd >= 0)
		close(fd);
	return err;
}

/* Fill out[i] for fds[i] from one run of the identify iterator; an fd that
 * the iterator did not report gets out[i].fd = -1. */
int loader_identify(struct interdict_bpf *skel, const int *fds, size_t n,
		    struct id_ident *out)
{
	union {
		struct id_ident rec[256];
		char raw[256 * sizeof(struct id_ident)];
	} buf;
	size_t i, k, have = 0;
	ssize_t got;
	int iter, err = 0;

	for (i = 0; i < n; i++)
		out[i].fd = (__u32)-1;
	iter = bpf_iter_create(bpf_link__fd(skel->links.identify));
	if (iter < 0)
		return -errno;
	for (;;) {
		got = read(iter, buf.raw + have, sizeof(buf.raw) - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		if (got == 0)
			break;
		have += got;
		for (k = 0; k < have / sizeof(struct id_ident); k++)
			for (i = 0; i < n; i++)
				if ((int)buf.rec[k].fd == fds[i])
					out[i] = buf.rec[k];
		/* keep a partial record for the next read */
		memmove(buf.raw, buf.raw + k * sizeof(struct id_ident),
			have - k * sizeof(struct id_ident));
		have -= k * sizeof(struct id_ident);
	}
	close(iter);
	return err;
}

/* Put the inode keys of fds[] (closed here) into map_fd, value 1: the
 * protected binaries, the pins, the builds of the daemon we trust. *dev
 * (if given) gets the device of the last one. */
int loader_mark_fds(struct interdict_bpf *skel, int map_fd, int *fds,
		    size_t n, __u32 *dev)
{
	struct id_ident ids[ID_OWN_MAX];
	size_t i;
	int err = n > ID_OWN_MAX ? -E2BIG : 0;

	if (!err && n)
		err = loader_identify(skel, fds, n, ids);
	for (i = 0; i < n && !err; i++) {
		struct id_inode_key k = { .ino = ids[i].ino, .dev = ids[i].dev,
					  .gen = ids[i].gen };
		__u32 one = 1;

		if ((int)ids[i].fd != fds[i])
			continue;
		/* a full map refuses one more, and the caller says so */
		if (bpf_map_update_elem(map_fd, &k, &one, BPF_ANY))
			err = -errno;
		if (dev)
			*dev = ids[i].dev;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	return err;
}

/* The same for paths; one that does not exist is skipped. */
int loader_mark_paths(struct interdict_bpf *skel, int map_fd,
		      const char *const *paths, size_t n)
{
	int fds[ID_OWN_MAX];
	size_t i, k = 0;

	for (i = 0; i < n && k < ID_OWN_MAX; i++) {
		fds[k] = open(paths[i], O_PATH | O_CLOEXEC);
		if (fds[k] >= 0)
			k++;
	}
	return k ? loader_mark_fds(skel, map_fd, fds, k, NULL) : -ENOENT;
}

void loader_close(struct interdict_bpf *skel)
{
	interdict_bpf__destroy(skel);
}
