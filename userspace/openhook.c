// SPDX-License-Identifier: GPL-2.0-only
/*
 * The programs on the open path, attached only while something needs them:
 * file_open, and file_post_open for SHA-256 rules with on=open. Any
 * program on file_open costs every open(2) on the host (the kernel's
 * trampoline alone, whatever the program does), and only on=open rules
 * need one: the hash cache learns of writes from the file systems' own
 * change counters (i_version; see change_stamp() in the BPF object). So
 * it is attached while the policy has on=open rules, and always on a
 * kernel whose common file systems count no changes (before 6.6: ext4
 * before 6.2, tmpfs before 6.6), where hashes could not be reused
 * without it. file_post_open (6.9 and later) hashes what is opened for
 * reading, up to ID_CONTENT_MAX, and is attached only while a SHA-256
 * rule with on=open is in force. Their programs are pinned beside the
 * links, so that a daemon that adopted the pins can attach them again.
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

bool content_hook_needed(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nrules; i++)
		if ((p->rules[i].hooks & ID_HOOK_OPEN) &&
		    p->rules[i].kind == MATCH_SHA256 &&
		    p->rules[i].action == ID_ACT_DENY)
			return true;
	return false;
}

/* Program i of OPEN_HOOK_PROGS: two for each hook, the *_kf one (6.12 and
 * later) first; at most one of each pair loads. */
struct bpf_program *open_hook_prog(struct interdict_bpf *skel, int i,
				   struct bpf_link ***link)
{
	struct bpf_program *const progs[OPEN_HOOK_PROGS] = {
		skel->progs.file_open_kf, skel->progs.file_open,
		skel->progs.file_post_open_kf, skel->progs.file_post_open,
	};
	struct bpf_link **const links[OPEN_HOOK_PROGS] = {
		&skel->links.file_open_kf, &skel->links.file_open,
		&skel->links.file_post_open_kf, &skel->links.file_post_open,
	};

	if (link)
		*link = links[i];
	return progs[i];
}

static const char *const hook_names[] = { "file_open", "file_post_open" };
static const char *const hook_why[] = {
	"the policy has on=open rules",
	"the policy has SHA-256 rules with on=open",
};

/* The program of hook h (OPEN_HOOK_*) for this kernel and its link slot
 * in the skeleton; a new fd of the program, from the skeleton when it was
 * loaded here, else from its pin. */
static int open_prog(struct interdict_bpf *skel, const char *dir, int h,
		     struct bpf_program **prog, struct bpf_link ***link)
{
	char path[PATH_MAX];
	int i, fd;

	for (i = 2 * h; i < 2 * h + 2; i++) {
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

static bool attached(struct interdict_bpf *skel, int h)
{
	struct bpf_link **link;

	open_hook_prog(skel, 2 * h, &link);
	if (*link)
		return true;
	open_hook_prog(skel, 2 * h + 1, &link);
	return *link != NULL;
}

bool open_hook_attached(struct interdict_bpf *skel)
{
	return attached(skel, OPEN_HOOK_OPEN);
}

bool content_hook_attached(struct interdict_bpf *skel)
{
	return attached(skel, OPEN_HOOK_CONTENT);
}

/* The kernel may trust what file_open saw from here on. */
void open_hook_started(struct interdict_bpf *skel)
{
	struct id_state *st = &skel->bss->state;

	__atomic_add_fetch(&st->open_gen, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&st->open_hook, 1, __ATOMIC_SEQ_CST);
}

static int attach(struct interdict_bpf *skel, const char *dir, int h,
		  char *why, size_t len)
{
	struct bpf_program *prog;
	struct bpf_link **link;
	char path[PATH_MAX];
	int fd, lfd, err;

	fd = open_prog(skel, dir, h, &prog, &link);
	if (fd < 0) {
		snprintf(why, len, "cannot find the %s program in %s: %s",
			 hook_names[h], dir, strerror(-fd));
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
		snprintf(why, len, "cannot attach the %s program (%s): %s",
			 hook_names[h], hook_why[h], strerror(-err));
		if (*link)
			bpf_link__destroy(*link);
		*link = NULL;
		unlink(path);
		return err;
	}
	if (h == OPEN_HOOK_OPEN)
		open_hook_started(skel);
	return 0;
}

static int detach(struct interdict_bpf *skel, const char *dir, int h,
		  char *why, size_t len)
{
	struct bpf_program *prog;
	struct bpf_link **link;
	char path[PATH_MAX];
	int i, err;

	/* First: no hash is reused on the strength of writers it no longer
	 * sees. */
	if (h == OPEN_HOOK_OPEN)
		__atomic_store_n(&skel->bss->state.open_hook, 0,
				 __ATOMIC_SEQ_CST);
	for (i = 2 * h; i < 2 * h + 2; i++) {
		prog = open_hook_prog(skel, i, &link);
		if (!*link)
			continue;
		pin_path(path, sizeof(path), dir, "link",
			 bpf_program__name(prog));
		if (unlink(path) && errno != ENOENT) {
			/* still attached through its pin: it still sees
			 * every write-open, as it did all along */
			err = -errno;
			snprintf(why, len, "cannot detach the %s program "
				 "(no rule needs it): cannot remove %s: %s",
				 hook_names[h], path, strerror(-err));
			if (h == OPEN_HOOK_OPEN)
				__atomic_store_n(&skel->bss->state.open_hook,
						 1, __ATOMIC_SEQ_CST);
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
	return on ? attach(skel, dir, OPEN_HOOK_OPEN, why, len) :
		    detach(skel, dir, OPEN_HOOK_OPEN, why, len);
}

int content_hook_set(struct interdict_bpf *skel, const char *dir, bool on,
		     char *why, size_t len)
{
	if (on == content_hook_attached(skel))
		return 0;
	return on ? attach(skel, dir, OPEN_HOOK_CONTENT, why, len) :
		    detach(skel, dir, OPEN_HOOK_CONTENT, why, len);
}
