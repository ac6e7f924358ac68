// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdict.conf `fileless`: executable memory that no file on disk holds.
 * The kernel tells it apart by what it is mapped from: nothing (anonymous
 * memory: a JIT, shellcode), or a file of the kernel's own tmpfs instance
 * (memfd_create(), SysV shared memory) or of the tmpfs on /dev/shm. We
 * give it those two file systems' device numbers, as its hooks see them,
 * and the inode keys of the executables allowed to do it anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "interdict.h"
#include "interdict.skel.h"

static const char *const mode_names[] = { "off", "audit", "deny" };

const char *fileless_mode_name(unsigned int mode)
{
	return mode < 3 ? mode_names[mode] : "unknown";
}

/* The kernel's id of the file open on fd; closes fd. */
static int ident(struct interdict_bpf *skel, int fd, struct id_ident *id)
{
	int err;

	if (fd < 0)
		return -errno;
	err = loader_identify(skel, &fd, 1, id);
	if (!err && (int)id->fd != fd)
		err = -ENOENT;
	close(fd);
	return err;
}

/* Put c's setting in force; the allowed executables that cannot be found
 * are logged and left out (so not allowed). Returns how many are allowed.
 * Should memfd files' device stay unknown, anonymous memory and /dev/shm
 * are still covered (logged). */
int fileless_setup(struct interdict_bpf *skel, const struct config *c)
{
	int fd = bpf_map__fd(skel->maps.fileless_allow);
	struct id_state *st = &skel->bss->state;
	char list[sizeof(c->fileless_allow)], *save, *p;
	struct id_inode_key k, next;
	struct id_ident id;
	struct statfs sfs;
	int err, n = 0;

	/* the map may be pinned from an earlier daemon: start it empty */
	while (!bpf_map_get_next_key(fd, NULL, &next))
		if (bpf_map_delete_elem(fd, &next))
			break;
	if (c->fileless == ID_FILELESS_OFF) {
		st->fileless = ID_FILELESS_OFF;
		return 0;
	}
	err = ident(skel, memfd_create("interdict-fileless", MFD_CLOEXEC), &id);
	if (err)
		log_warnx("fileless", "cannot learn the device of memfd files "
			  "(%s): they are not covered", strerror(-err));
	st->memfd_dev = err ? 0 : id.dev;
	st->shm_dev = 0;
	fd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && !fstatfs(fd, &sfs) && sfs.f_type == TMPFS_MAGIC &&
	    !ident(skel, fd, &id))
		st->shm_dev = id.dev;
	else if (fd >= 0)
		close(fd);
	snprintf(list, sizeof(list), "%s", c->fileless_allow);
	fd = bpf_map__fd(skel->maps.fileless_allow);
	for (p = strtok_r(list, " \t,", &save); p;
	     p = strtok_r(NULL, " \t,", &save)) {
		__u32 one = 1;

		err = ident(skel, open(p, O_RDONLY | O_CLOEXEC), &id);
		if (!err && !S_ISREG(id.mode))
			err = -EINVAL;
		if (err) {
			log_warnx("fileless", "fileless-allow %s: %s; it is not "
				  "allowed", p, err == -EINVAL ?
				  "not a regular file" : strerror(-err));
			continue;
		}
		memset(&k, 0, sizeof(k));
		k.ino = id.ino;
		k.dev = id.dev;
		k.gen = id.gen;
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY)) {
			log_warn("fileless", "fileless-allow %s", p);
			continue;
		}
		n++;
	}
	st->fileless = c->fileless;
	log_info("fileless", "%s executable memory no file holds (anonymous, "
		 "memfd, %s): %d executables allowed",
		 c->fileless == ID_FILELESS_DENY ? "denying" : "auditing",
		 st->shm_dev ? "/dev/shm" : "no /dev/shm tmpfs", n);
	return n;
}
