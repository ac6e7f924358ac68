// SPDX-License-Identifier: GPL-2.0-only
/*
 * The file_open program, attached only while something needs it. Any
 * program on file_open costs every open(2) on the host (the kernel's
 * trampoline alone, whatever the program does), and only on=open rules
 * need one: the hash cache learns of writes from the file systems' own
 * change counters (i_version; see change_stamp() in the BPF object). So
 * it is attached while the policy has on=open rules, and always on a
 * kernel whose common file systems count no changes (before 6.6: ext4
 * before 6.2, tmpfs before 6.6), where hashes could not be reused
 * without it. Its program is pinned beside the links, so that a daemon
 * that adopted the pins can attach it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "interdict.h"
#include "interdict.skel.h"

/* Whether the kernel's ext4 and tmpfs count changes (6.6 and later). */
static bool counters_everywhere(void)
{
	static int known = -1;
	unsigned int major = 0, minor = 0;
	struct utsname u;

	if (known < 0)
		known = !uname(&u) &&
			sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
			(major > 6 || (major == 6 && minor >= 6));
	return known;
}

bool open_hook_needed(const struct policy *p)
{
	size_t i;

	if (!counters_everywhere())
		return true;
	for (i = 0; i < p->nrules; i++)
		if ((p->rules[i].hooks & ID_HOOK_OPEN) &&
		    p->rules[i].action == ID_ACT_DENY)
			return true;
	return false;
}

struct bpf_program *open_hook_prog(struct interdict_bpf *skel, int i,
				   struct bpf_link ***link)
{
	if (link)
		*link = i ? &skel->links.file_open : &skel->links.file_open_kf;
	return i ? skel->progs.file_open : skel->progs.file_open_kf;
}

/* The file_open program of this kernel (the *_kf one on 6.12 and later)
 * and its link slot in the skeleton; a new fd of the program, from the
 * skeleton when it was loaded here, else from its pin. */
static int open_prog(struct interdict_bpf *skel, const char *dir,
		     struct bpf_program **prog, struct bpf_link ***link)
{
	char path[PATH_MAX];
	int i, fd;

	for (i = 0; i < OPEN_HOOK_PROGS; i++) {
		*prog = open_hook_prog(skel, i, link);
		fd = bpf_program__fd(*prog);
		if (fd >= 0) {
			fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
			return fd < 0 ? -errno : fd;
		}
		pin_path(path, sizeof(path), dir, "prog",
			 bpf_program__name(*prog));
		fd = bpf_obj_get(path);
		if (fd >= 0)
			return fd;
	}
	return -ENOENT;
}

bool open_hook_attached(struct interdict_bpf *skel)
{
	return skel->links.file_open_kf || skel->links.file_open;
}

/* The kernel may trust what file_open saw from here on. */
void open_hook_started(struct interdict_bpf *skel)
{
	struct id_state *st = &skel->bss->state;

	__atomic_add_fetch(&st->open_gen, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&st->open_hook, 1, __ATOMIC_SEQ_CST);
}

static int attach(struct interdict_bpf *skel, const char *dir,
		  char *why, size_t len)
{
	struct bpf_program *prog;
	struct bpf_link **link;
	char path[PATH_MAX];
	int fd, lfd, err;

	fd = open_prog(skel, dir, &prog, &link);
	if (fd < 0) {
		snprintf(why, len, "cannot find the file_open program in %s: "
			 "%s", dir, strerror(-fd));
		return fd;
	}
	lfd = bpf_link_create(fd, 0, BPF_LSM_MAC, NULL);
	err = lfd < 0 ? -errno : 0;
	close(fd);
	pin_path(path, sizeof(path), dir, "link", bpf_program__name(prog));
	if (!err && bpf_obj_pin(lfd, path))
		err = -errno;
	if (lfd >= 0)
		close(lfd);
	if (!err && !(*link = bpf_link__open(path)))
		err = -errno;
	if (!err)
		err = pin_register_link(skel, *link, path);
	if (err) {
		snprintf(why, len, "cannot attach the file_open program (the "
			 "policy has on=open rules): %s", strerror(-err));
		if (*link)
			bpf_link__destroy(*link);
		*link = NULL;
		unlink(path);
		return err;
	}
	open_hook_started(skel);
	return 0;
}

static int detach(struct interdict_bpf *skel, const char *dir,
		  char *why, size_t len)
{
	struct bpf_program *prog;
	struct bpf_link **link;
	char path[PATH_MAX];
	int i, err;

	/* First: no hash is reused on the strength of writers it no longer
	 * sees. */
	__atomic_store_n(&skel->bss->state.open_hook, 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < OPEN_HOOK_PROGS; i++) {
		prog = open_hook_prog(skel, i, &link);
		if (!*link)
			continue;
		pin_path(path, sizeof(path), dir, "link",
			 bpf_program__name(prog));
		if (unlink(path) && errno != ENOENT) {
			/* still attached through its pin: it still sees
			 * every write-open, as it did all along */
			err = -errno;
			snprintf(why, len, "cannot detach the file_open program "
				 "(no on=open rule needs it): cannot remove %s: "
				 "%s", path, strerror(-err));
			__atomic_store_n(&skel->bss->state.open_hook, 1,
					 __ATOMIC_SEQ_CST);
			return err;
		}
		bpf_link__destroy(*link);
		*link = NULL;
	}
	return 0;
}

int open_hook_set(struct interdict_bpf *skel, const char *dir, bool on,
		  char *why, size_t len)
{
	if (on && open_hook_attached(skel)) {
		/* attached, but not yet trusted (a daemon stopped between
		 * the two): trust it from a new generation on */
		if (!__atomic_load_n(&skel->bss->state.open_hook,
				     __ATOMIC_SEQ_CST))
			open_hook_started(skel);
		return 0;
	}
	if (!on && !open_hook_attached(skel))
		return 0;
	return on ? attach(skel, dir, why, len) : detach(skel, dir, why, len);
}
