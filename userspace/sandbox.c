// SPDX-License-Identifier: GPL-2.0-only
/*
 * What interdictd may still do once it enforces: no new privileges, only the
 * capabilities its event loop, reloads and refreshes use, and a seccomp
 * allowlist of the system calls behind them. The kernel enforces either way;
 * this bounds what a daemon turned by a hostile event or policy could do.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <cap-ng.h>
#include <linux/bpf.h>
#include <seccomp.h>

#include "interdict.h"

struct sandbox_rule {
	const char *name;
	int nr;			/* < 0: no such call on this arch */
	unsigned int nargs;	/* 0: any arguments, 1: arg must match */
	struct scmp_arg_cmp arg;
};

/* Any arguments; argument n equal to v; argument n without these bits. */
#define ANY(sys)		{ #sys, SCMP_SYS(sys), 0, { 0 } }
#define ARG_IS(sys, n, v)	{ #sys, SCMP_SYS(sys), 1, \
				  { n, SCMP_CMP_EQ, v, 0 } }
#define ARG_LACKS(sys, n, bits)	{ #sys, SCMP_SYS(sys), 1, \
				  { n, SCMP_CMP_MASKED_EQ, bits, 0 } }

/*
 * Calls that only a turned daemon would make: running a program, tracing or
 * writing into another process, loading kernel code. Dying is better than
 * an error it could retry or work around.
 */
static const struct sandbox_rule sandbox_kill[] = {
	ANY(execve), ANY(execveat), ANY(ptrace), ANY(process_vm_writev),
	ANY(init_module), ANY(finit_module), ANY(kexec_load),
	ANY(kexec_file_load),
};

/*
 * Everything else the daemon does after setup; any other call fails with
 * EPERM. Rows of one system call are adjacent (sandbox_seccomp() counts
 * calls, not rows).
 */
static const struct sandbox_rule sandbox_allow[] = {
	/* files: the events file and its reopening on SIGHUP, the pid file
	 * (written, renamed, unlinked), policy reloads (directory listing,
	 * reads), rule paths opened O_PATH for their inodes, /proc/PID/exe;
	 * glibc on x86_64 calls the old unlink, rename, mkdir and readlink */
	ANY(read), ANY(write), ANY(close), ANY(openat), ANY(newfstatat),
	ANY(fstat), ANY(statx), ANY(lseek), ANY(pread64), ANY(getdents64),
	ANY(readlink), ANY(readlinkat), ANY(unlink), ANY(unlinkat),
	ANY(rename), ANY(renameat), ANY(renameat2), ANY(mkdir), ANY(mkdirat),
	ANY(fcntl), ANY(dup), ANY(dup3), ANY(fsync), ANY(fdatasync),
	ANY(ftruncate), ANY(flock), ANY(umask),
	/* interdict disable: the pin directory goes */
	ANY(rmdir),
	/* sd_journal_sendv() passes a large entry in a sealed memfd */
	ANY(memfd_create),
	/* glibc's fatal messages (malloc corruption, assert) before abort() */
	ANY(writev),
	/* isatty(), which stdio asks to choose line or full buffering */
	ARG_IS(ioctl, 1, TCGETS),
	/* memory: malloc, libbpf's ring buffer mapping; never a new
	 * executable mapping, which only injected code would want */
	ANY(brk), ANY(munmap), ANY(mremap), ANY(madvise),
	ARG_LACKS(mmap, 2, PROT_EXEC), ARG_LACKS(mprotect, 2, PROT_EXEC),
	/* the event loop: one epoll set over the signalfd, the ring buffer
	 * and the control socket; a client's request is waited on with poll */
	ANY(epoll_create1), ANY(epoll_ctl), ANY(epoll_wait), ANY(epoll_pwait),
	ANY(epoll_pwait2), ANY(poll), ANY(ppoll),
	/* signals: SIGHUP and SIGTERM are read from a signalfd; abort()
	 * raises SIGABRT with tgkill (the daemon signals no one else) */
	ANY(signalfd4), ANY(rt_sigprocmask), ANY(rt_sigaction),
	ANY(rt_sigreturn), ANY(sigaltstack), ANY(tgkill),
	/* the control socket; only AF_UNIX sockets can be created, so
	 * connect and sendto reach nothing off the host */
	ARG_IS(socket, 0, AF_UNIX), ANY(bind), ANY(listen), ANY(accept),
	ANY(accept4), ANY(connect), ANY(getsockopt), ANY(setsockopt),
	ANY(recvfrom), ANY(recvmsg), ANY(sendto), ANY(sendmsg), ANY(shutdown),
	/* time: event timestamps, the refresh deadline (the vDSO answers
	 * first; these are its fallbacks) */
	ANY(clock_gettime), ANY(clock_nanosleep), ANY(nanosleep),
	ANY(gettimeofday), ANY(time),
	/* who we are (event context, gethostname() on SIGHUP) and what
	 * glibc's start-up, locks and exit use */
	ANY(getpid), ANY(gettid), ANY(getuid), ANY(geteuid), ANY(getgid),
	ANY(getegid), ANY(getppid), ANY(uname), ANY(sysinfo), ANY(getrandom),
	ANY(futex), ANY(sched_yield), ANY(set_robust_list), ANY(rseq),
	ANY(restart_syscall), ANY(exit), ANY(exit_group),
	/* prctl: naming itself and reading its own state, changing none */
	ARG_IS(prctl, 0, PR_SET_NAME), ARG_IS(prctl, 0, PR_GET_NAME),
	ARG_IS(prctl, 0, PR_GET_DUMPABLE), ARG_IS(prctl, 0, PR_GET_KEEPCAPS),
	ARG_IS(prctl, 0, PR_GET_SECCOMP), ARG_IS(prctl, 0, PR_CAPBSET_READ),
	ARG_IS(prctl, 0, PR_GET_SECUREBITS),
	ARG_IS(prctl, 0, PR_GET_NO_NEW_PRIVS),
	/* bpf: policy generations written on reload (a new policy's SHA-256
	 * table is a pair of arrays made for it: maps.c), inode keys on
	 * refresh (the identify iterator's link exists already), counters,
	 * the ring buffer's setup, pinned objects, and the link of the
	 * file_open program loaded at start, made and pinned when a reload
	 * brings on=open rules (openhook.c); never a new program */
	ARG_IS(bpf, 0, BPF_MAP_CREATE),
	ARG_IS(bpf, 0, BPF_MAP_LOOKUP_ELEM),
	ARG_IS(bpf, 0, BPF_MAP_UPDATE_ELEM),
	ARG_IS(bpf, 0, BPF_MAP_DELETE_ELEM),
	ARG_IS(bpf, 0, BPF_MAP_GET_NEXT_KEY),
	ARG_IS(bpf, 0, BPF_MAP_LOOKUP_BATCH),
	ARG_IS(bpf, 0, BPF_MAP_UPDATE_BATCH),
	ARG_IS(bpf, 0, BPF_MAP_DELETE_BATCH),
	ARG_IS(bpf, 0, BPF_ITER_CREATE),
	ARG_IS(bpf, 0, BPF_OBJ_GET_INFO_BY_FD),
	ARG_IS(bpf, 0, BPF_OBJ_GET),
	ARG_IS(bpf, 0, BPF_LINK_CREATE),
	ARG_IS(bpf, 0, BPF_OBJ_PIN),
};

/* CAP_BPF came with Linux 5.8; before it, bpf() wanted CAP_SYS_ADMIN. The
 * kernel answers EINVAL about a capability it does not know. */
static unsigned int sandbox_bpf_cap(void)
{
	return prctl(PR_CAPBSET_READ, CAP_BPF, 0, 0, 0) < 0 ? CAP_SYS_ADMIN :
								  CAP_BPF;
}

/*
 * Keep, in the effective, permitted and bounding sets, only what the daemon
 * uses after setup, and clear the inheritable and ambient sets:
 *   CAP_BPF              map updates and the identify iterator
 *   CAP_DAC_READ_SEARCH  open rule paths under any directory for their inode
 *   CAP_SYS_PTRACE       read /proc/PID/exe of other users' processes
 * A capability the process does not have is not asked for, so an
 * unprivileged run narrows to nothing instead of failing. The kept set is
 * printed into kept.
 */
static int sandbox_drop_caps(char *kept, size_t klen, char *why, size_t len)
{
	const unsigned int keep[] = {
		sandbox_bpf_cap(), CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE,
	};
	bool have[sizeof(keep) / sizeof(keep[0])];
	capng_select_t set = CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT;
	char *text;
	size_t i;
	int err;

	if (capng_get_caps_process()) {
		err = errno ? -errno : -EPERM;
		snprintf(why, len, "cannot read the capabilities: %s",
			 strerror(-err));
		return err;
	}
	/* Shrinking the bounding set takes CAP_SETPCAP. Without it (an
	 * unprivileged run, a unit that bounded it already) the set stays:
	 * it only matters on execve, which the filter makes fatal. */
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		set |= CAPNG_SELECT_BOUNDS;
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		have[i] = capng_have_capability(CAPNG_PERMITTED, keep[i]);
	capng_clear(CAPNG_SELECT_ALL);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (have[i] &&
		    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
				 CAPNG_BOUNDING_SET, keep[i])) {
			snprintf(why, len, "cannot keep capability %s",
				 capng_capability_to_name(keep[i]));
			return -EINVAL;
		}
	errno = 0;
	if (capng_apply(set)) {
		err = errno ? -errno : -EPERM;
		snprintf(why, len, "cannot drop capabilities: %s",
			 strerror(-err));
		return err;
	}
	text = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_PERMITTED);
	snprintf(kept, klen, "%s", text ? text : "none");
	free(text);
	return 0;
}

static int sandbox_add(scmp_filter_ctx ctx, uint32_t action,
		       const struct sandbox_rule *r, char *why, size_t len)
{
	int err;

	err = seccomp_rule_add_array(ctx, action, r->nr, r->nargs, &r->arg);
	if (err)
		snprintf(why, len, "cannot install the seccomp filter: rule "
			 "for %s: %s", r->name, strerror(-err));
	return err;
}

/* Build and load the filter; *nallowed is the number of system calls it
 * lets through (with or without an argument check). */
static int sandbox_seccomp(unsigned int *nallowed, char *why, size_t len)
{
	const size_t nkill = sizeof(sandbox_kill) / sizeof(sandbox_kill[0]);
	const size_t nallow = sizeof(sandbox_allow) / sizeof(sandbox_allow[0]);
	scmp_filter_ctx ctx;
	unsigned int n = 0;
	size_t i;
	int err = 0, prev = -1;

	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx) {
		snprintf(why, len, "cannot install the seccomp filter: "
			 "libseccomp cannot start one");
		return -ENOMEM;
	}
	/* A thread left without the filter would be a way around it; a call
	 * through another ABI (i386 on x86_64) would dodge the table. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!err)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
				       SCMP_ACT_KILL_PROCESS);
	if (err) {
		snprintf(why, len, "cannot install the seccomp filter: %s",
			 strerror(-err));
		goto cleanup;
	}
	for (i = 0; !err && i < nkill; i++)
		if (sandbox_kill[i].nr >= 0)
			err = sandbox_add(ctx, SCMP_ACT_KILL_PROCESS,
					  &sandbox_kill[i], why, len);
	for (i = 0; !err && i < nallow; i++) {
		if (sandbox_allow[i].nr < 0)
			continue;
		err = sandbox_add(ctx, SCMP_ACT_ALLOW, &sandbox_allow[i], why,
				  len);
		n += sandbox_allow[i].nr != prev;
		prev = sandbox_allow[i].nr;
	}
	if (err)
		goto cleanup;
	err = seccomp_load(ctx);
	if (err) {
		snprintf(why, len, "cannot install the seccomp filter: %s",
			 strerror(-err));
		goto cleanup;
	}
	*nallowed = n;
cleanup:
	seccomp_release(ctx);
	return err;
}

int sandbox_enter(char *why, size_t len)
{
	unsigned int nallowed;
	char kept[256];
	int err;

	/* Also what lets an unprivileged process load a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		snprintf(why, len, "cannot set no_new_privs: %s",
			 strerror(-err));
		return err;
	}
	err = sandbox_drop_caps(kept, sizeof(kept), why, len);
	if (!err)
		err = sandbox_seccomp(&nallowed, why, len);
	if (err)
		return err;
	log_info("sandbox", "seccomp allowlist of %u system calls; "
		 "capabilities kept: %s", nallowed, kept);
	return 0;
}
