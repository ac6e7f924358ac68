// SPDX-License-Identifier: GPL-2.0-only
/*
 * Enforcement that belongs to the host: every map and link of the BPF
 * object is pinned under PIN_DIR/<tag>, so the kernel keeps enforcing when
 * interdictd exits. A starting daemon adopts the pins of its own build, or
 * loads its build next to another one's and then removes the other: there
 * is never a moment with neither attached.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <openssl/evp.h>

#include "interdict.h"
#include "interdict.skel.h"

_Static_assert(offsetof(struct id_state, obj_tag) ==
	       offsetof(struct id_state_head, obj_tag), "state head");
_Static_assert(offsetof(struct id_state, gen) ==
	       offsetof(struct id_state_head, gen), "state head");
_Static_assert(offsetof(struct id_state, policy_digest) ==
	       offsetof(struct id_state_head, policy_digest), "state head");
_Static_assert(offsetof(struct id_state, epoch) ==
	       sizeof(struct id_state_head), "state head ends at epoch");

/* The build of the object and the map sizes: what must match for pinned
 * maps and links to be reused as they are. */
__u64 pin_tag(const struct limits *lim)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	const void *elf;
	unsigned int n = 0;
	size_t sz;
	__u64 tag = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	elf = interdict_bpf__elf_bytes(&sz);
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, elf, sz) ||
	    !EVP_DigestUpdate(ctx, lim, sizeof(*lim)) ||
	    !EVP_DigestFinal_ex(ctx, md, &n))
		n = 0;
	EVP_MD_CTX_free(ctx);
	if (n >= sizeof(tag))
		memcpy(&tag, md, sizeof(tag));
	return tag ? tag : 1;
}

/* The pin directory's parent must be a bpffs; /sys/fs/bpf is mounted if
 * it is not yet (as systemd does at boot). */
int pin_prepare(const char *base, char *why, size_t len)
{
	char parent[PATH_MAX], host[PATH_MAX + 16], *slash;
	struct stat mine, theirs;
	struct statfs sfs;

	snprintf(parent, sizeof(parent), "%s", base);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent) {
		snprintf(why, len, "pin directory %s: expected a directory "
			 "inside a bpf file system, such as /sys/fs/bpf/interdict",
			 base);
		return -EINVAL;
	}
	*slash = 0;
	if (statfs(parent, &sfs) == 0 && sfs.f_type != BPF_FS_MAGIC &&
	    !strcmp(parent, "/sys/fs/bpf") &&
	    mount("bpf", parent, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700")) {
		snprintf(why, len, "cannot mount the bpf file system on %s: %s",
			 parent, strerror(errno));
		return -errno;
	}
	if (statfs(parent, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		snprintf(why, len, "%s is not a bpf file system (mount -t bpf "
			 "bpf %s): interdict pins its programs there so that "
			 "they outlive the daemon", parent, parent);
		return -ENOTDIR;
	}
	/* The host's, not one private to this mount namespace (a service
	 * sandbox with its own /sys): those pins would die with it. */
	snprintf(host, sizeof(host), "/proc/1/root%s", parent);
	if (!stat(parent, &mine) && !stat(host, &theirs) &&
	    mine.st_dev != theirs.st_dev) {
		snprintf(why, len, "%s is another bpf file system than pid 1's "
			 "(this process has a mount namespace of its own, such "
			 "as a systemd unit with MountAPIVFS=yes): pins there "
			 "would not outlive the daemon", parent);
		return -EXDEV;
	}
	if (mkdir(base, 0700) && errno != EEXIST) {
		snprintf(why, len, "cannot create %s: %s", base,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* bpffs reserves names with dots: "interdi.bss" is pinned as
 * map_interdi_bss, a program's link as link_<program>. */
void pin_path(char *out, size_t len, const char *dir, const char *kind,
	      const char *name)
{
	size_t n = strlen(dir) + 1;
	char *p;

	if ((size_t)snprintf(out, len, "%s/%s_%s", dir, kind, name) >= len) {
		out[0] = 0;	/* names nothing: the caller's open fails */
		return;
	}
	for (p = out + n; *p; p++)
		if (*p == '.')
			*p = '_';
}

/* Open the skeleton on the maps and links pinned in dir; the programs
 * are not loaded again (they are attached already). */
int pin_adopt(struct interdict_bpf *skel, const char *dir, char *why,
	      size_t len)
{
	struct bpf_object_skeleton *s = skel->skeleton;
	char path[PATH_MAX];
	int i, fd, err;
	size_t sz;

	for (i = 0; i < s->map_cnt; i++) {
		struct bpf_map *map = *s->maps[i].map;

		pin_path(path, sizeof(path), dir, "map", bpf_map__name(map));
		fd = bpf_obj_get(path);
		if (fd < 0) {
			err = -errno;
			snprintf(why, len, "cannot open %s: %s", path,
				 strerror(-err));
			return err;
		}
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err) {
			snprintf(why, len, "cannot reuse %s: %s", path,
				 strerror(-err));
			return err;
		}
	}
	for (i = 0; i < s->prog_cnt; i++)
		bpf_program__set_autoload(*s->progs[i].prog, false);
	err = interdict_bpf__load(skel);
	if (err) {
		snprintf(why, len, "cannot map the pinned state in %s: %s",
			 dir, strerror(-err));
		return err;
	}
	/* Newer libbpf (Debian 13's 1.5) maps an internal map's memory when
	 * it creates the map, not when it is reused: skel->bss would then be
	 * a private copy, and what the daemon writes there would never reach
	 * the programs. Map the pinned one over it, whatever the version. */
	sz = bpf_map__value_size(skel->maps.bss);
	sz = (sz + getpagesize() - 1) / getpagesize() * getpagesize();
	if (mmap(skel->bss, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 bpf_map__fd(skel->maps.bss), 0) == MAP_FAILED) {
		err = -errno;
		snprintf(why, len, "cannot map the pinned state in %s: %s",
			 dir, strerror(-err));
		return err;
	}
	for (i = 0; i < s->prog_cnt; i++) {
		const char *name = bpf_program__name(*s->progs[i].prog);

		pin_path(path, sizeof(path), dir, "link", name);
		if (access(path, F_OK))
			continue;	/* a program this kernel does not run */
		*s->progs[i].link = bpf_link__open(path);
		if (!*s->progs[i].link) {
			err = -errno;
			snprintf(why, len, "cannot open %s: %s", path,
				 strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Pin every map and link into dir-tmp, then make it dir in one rename: a
 * directory named by a tag is always complete. */
int pin_all(struct interdict_bpf *skel, const char *dir, char *why, size_t len)
{
	struct bpf_object_skeleton *s = skel->skeleton;
	char tmp[PATH_MAX], path[PATH_MAX];
	int i, err = 0;

	snprintf(tmp, sizeof(tmp), "%s-tmp", dir);
	pin_remove(tmp);
	if (mkdir(tmp, 0700)) {
		err = -errno;
		snprintf(why, len, "cannot create %s: %s", tmp, strerror(-err));
		return err;
	}
	for (i = 0; i < s->map_cnt && !err; i++) {
		struct bpf_map *map = *s->maps[i].map;

		pin_path(path, sizeof(path), tmp, "map", bpf_map__name(map));
		if (bpf_obj_pin(bpf_map__fd(map), path))
			err = -errno;
	}
	for (i = 0; i < s->prog_cnt && !err; i++) {
		if (!*s->progs[i].link)
			continue;
		pin_path(path, sizeof(path), tmp, "link",
			 bpf_program__name(*s->progs[i].prog));
		if (bpf_obj_pin(bpf_link__fd(*s->progs[i].link), path))
			err = -errno;
	}
	/* the program openhook.c attaches and detaches, for whoever adopts */
	for (i = 0; i < OPEN_HOOK_PROGS && !err; i++) {
		struct bpf_program *prog = open_hook_prog(skel, i, NULL);

		if (bpf_program__fd(prog) < 0)
			continue;
		pin_path(path, sizeof(path), tmp, "prog",
			 bpf_program__name(prog));
		if (bpf_obj_pin(bpf_program__fd(prog), path))
			err = -errno;
	}
	if (!err && rename(tmp, dir))
		err = -errno;
	if (err) {
		snprintf(why, len, "cannot pin %s: %s", path, strerror(-err));
		pin_remove(tmp);
	}
	return err;
}

static int own_add(int fd, __u32 type, __u32 id)
{
	struct id_obj_key k = { .type = type, .id = id };
	__u32 one = 1;

	return bpf_map_update_elem(fd, &k, &one, BPF_ANY) ? -errno : 0;
}

/* A map made after pin_register() (a SHA-256 table), or one dropped. */
int pin_own_map(struct interdict_bpf *skel, __u32 id, bool add)
{
	struct id_obj_key k = { .type = ID_OBJ_MAP, .id = id };
	int fd = bpf_map__fd(skel->maps.own_objs);

	if (add)
		return own_add(fd, ID_OBJ_MAP, id);
	return bpf_map_delete_elem(fd, &k) && errno != ENOENT ? -errno : 0;
}

/* Tell the programs what is ours: map, program and link ids, and the
 * inodes of the pins (and the bpffs they are on). */
int pin_register(struct interdict_bpf *skel, const char *dir)
{
	struct bpf_object_skeleton *s = skel->skeleton;
	int own = bpf_map__fd(skel->maps.own_objs);
	int pinfd = bpf_map__fd(skel->maps.pins);
	int fds[ID_OWN_MAX], i, n = 0, err = 0;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dp;

	for (i = 0; i < s->map_cnt && !err; i++) {
		struct bpf_map_info info = { 0 };
		__u32 ilen = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_map__fd(*s->maps[i].map), &info,
					   &ilen))
			return -errno;
		err = own_add(own, ID_OBJ_MAP, info.id);
	}
	for (i = 0; i < s->prog_cnt && !err; i++) {
		struct bpf_link_info info = { 0 };
		__u32 ilen = sizeof(info);

		if (!*s->progs[i].link)
			continue;
		if (bpf_obj_get_info_by_fd(bpf_link__fd(*s->progs[i].link),
					   &info, &ilen))
			return -errno;
		err = own_add(own, ID_OBJ_LINK, info.id);
		if (!err)
			err = own_add(own, ID_OBJ_PROG, info.prog_id);
	}
	for (i = 0; i < OPEN_HOOK_PROGS && !err; i++) {
		struct bpf_prog_info info = { 0 };
		__u32 ilen = sizeof(info);
		int fd;

		pin_path(path, sizeof(path), dir, "prog", bpf_program__name(
			 open_hook_prog(skel, i, NULL)));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		err = bpf_obj_get_info_by_fd(fd, &info, &ilen) ? -errno :
		      own_add(own, ID_OBJ_PROG, info.id);
		close(fd);
	}
	if (err)
		return err;

	fds[n] = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fds[n] < 0)
		return -errno;
	n++;
	dp = opendir(dir);
	while (dp && (de = readdir(dp)) && n < ID_OWN_MAX) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fds[n] = open(path, O_PATH | O_CLOEXEC);
		if (fds[n] >= 0)
			n++;
	}
	if (dp)
		closedir(dp);
	return loader_mark_fds(skel, pinfd, fds, n, &skel->bss->state.pin_dev);
}

/* A link attached after pin_register() (openhook.c), pinned at path. */
int pin_register_link(struct interdict_bpf *skel, struct bpf_link *link,
		      const char *path)
{
	struct bpf_link_info info = { 0 };
	__u32 ilen = sizeof(info);
	int own = bpf_map__fd(skel->maps.own_objs), fd, err;

	if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &ilen))
		return -errno;
	err = own_add(own, ID_OBJ_LINK, info.id);
	if (!err)
		err = own_add(own, ID_OBJ_PROG, info.prog_id);
	fd = err ? -1 : open(path, O_PATH | O_CLOEXEC);
	if (!err && fd < 0)
		err = -errno;
	if (!err)
		err = loader_mark_fds(skel, bpf_map__fd(skel->maps.pins), &fd,
				      1, NULL);
	return err;
}

/* Let the executables at these paths take charge after this daemon: its
 * own, and whatever is installed at its path now (an upgrade). */
int pin_trust(struct interdict_bpf *skel, const char *const *paths, int n)
{
	return loader_mark_paths(skel, bpf_map__fd(skel->maps.daemon_exe),
				 paths, n);
}

/* Remove a pin directory: the links it holds detach when the last
 * reference goes (the daemon's own fds are closed by the caller). */
int pin_remove(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *dp = opendir(dir);

	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	closedir(dp);
	if (rmdir(dir) && errno != ENOENT && !err)
		err = -errno;
	return err;
}

/* Remove another build's pins and detach its programs before returning.
 * Unlinking a pinned link drops its last reference in the kernel's
 * deferred work, so for a moment after pin_remove() the programs would
 * still run, deny first and write to their own ring; holding each link
 * open across the removal makes our close() the last reference, which
 * detaches it there and then. A link we cannot open is left to the
 * kernel, as before. */
int pin_detach(const char *dir)
{
	char path[PATH_MAX];
	int fds[ID_OWN_OBJS], n = 0, err, i;
	struct dirent *de;
	DIR *dp = opendir(dir);

	while (dp && (de = readdir(dp)) && n < ID_OWN_OBJS) {
		if (strncmp(de->d_name, "link_", 5))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fds[n] = bpf_obj_get(path);
		if (fds[n] >= 0)
			n++;
	}
	if (dp)
		closedir(dp);
	err = pin_remove(dir);
	for (i = 0; i < n; i++)
		close(fds[i]);
	return err;
}

/* Read the stable head of the state pinned in dir (any build's). */
int pin_read_head(const char *dir, struct id_state_head *head)
{
	char path[PATH_MAX], *buf = NULL;
	struct bpf_map_info info = { 0 };
	__u32 ilen = sizeof(info), zero = 0;
	struct dirent *de;
	int fd = -1, err;
	DIR *dp = opendir(dir);

	if (!dp)
		return -errno;
	while ((de = readdir(dp)))
		if (!strncmp(de->d_name, "map_", 4) &&
		    strstr(de->d_name, "_bss"))
			break;
	if (de)
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
	closedir(dp);
	if (!de)
		return -ENOENT;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &ilen) ? -errno : 0;
	if (!err && info.value_size < sizeof(*head))
		err = -EPROTO;
	if (!err && !(buf = calloc(1, info.value_size)))
		err = -ENOMEM;
	if (!err && bpf_map_lookup_elem(fd, &zero, buf))
		err = -errno;
	if (!err)
		memcpy(head, buf, sizeof(*head));
	free(buf);
	close(fd);
	return err;
}

/* Open the events ring buffer pinned in dir, for draining it. */
int pin_open_events(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	pin_path(path, sizeof(path), dir, "map", "events");
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}
