/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * interdictd's own state, shared by the files that make up the daemon:
 * interdictd.c (life cycle and verbs), sink.c (where events go) and
 * control.c (the control socket). The CLI never includes this.
 */
#ifndef INTERDICT_DAEMON_H
#define INTERDICT_DAEMON_H

#include <limits.h>
#include <time.h>
#include <sys/socket.h>

#include "interdict.h"

#define MAX_OLD		4	/* other builds' pin directories handed over */
#define EXIT_DISABLED	4	/* interdict disable: the unit must not restart */

/* sink.c */
#define SINK_HOLD_MAX	(1 << 20)	/* bytes held while the sink fails */
struct sink {
	char path[PATH_MAX];		/* "-": stdout */
	int fd;				/* -1 while it cannot be opened */
	struct jbuf out;		/* lines not written yet */
	unsigned int queued;		/* how many */
	bool failing;
	int err;			/* errno of the last failure */
	time_t next_retry;
	__u64 written, write_errors, dropped;	/* dropped: lines, with more
						 * than SINK_HOLD_MAX held */
};
int sink_open(struct sink *s);
bool sink_ready(struct sink *s);
int sink_write(struct sink *s, const char *buf, size_t len);
struct jbuf *sink_line(struct sink *s);
int sink_commit(struct sink *s, size_t start);
void sink_sync(struct sink *s);
void sink_close(struct sink *s);

struct reload_result {
	bool ok;
	__u64 gen;			/* generation in force afterwards */
	time_t when;
	char errors[4096];		/* file:line messages of a refused one */
};

struct daemon {
	struct config cfg;		/* interdict.conf, under the options */
	const char *policy_dir;
	const char *pin_base;		/* --pin-dir */
	const char *control_path;
	const char *pid_file;
	int enforce;			/* -1: keep what is pinned, else 0/1 */
	unsigned int refresh_s;		/* 0: never re-identify rule paths */
	struct limits lim;
	struct interdict_bpf *skel;
	char pin_dir[PATH_MAX];		/* pin_base/<tag> in charge */
	char exe_path[PATH_MAX];	/* where this binary is installed */
	const char *start_kind;		/* "fresh", "adopted", "upgraded" */
	const char *previous_stop;	/* of the daemon before, or "none" */
	struct old_build {
		char dir[PATH_MAX];
		struct id_state_head head;
	} old[MAX_OLD];
	int nold;
	struct protected pb[MAX_PROTECTED];
	size_t npb;
	struct sink sink;
	bool journal;			/* events to journald too */
	__u64 journal_errors;
	__u64 realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_BOOTTIME */
	char hostname[256];
	__u64 lost_seen, hash_errors_seen, deep_denied_seen;
	__u64 link_denied_seen, names_full_seen, dropped_seen;
	bool links_again;		/* resolve again: a link change was
					 * not in effect yet (links_settle) */
	__u64 adopted_gen;		/* generation found pinned, or 0 */
	__u8 adopted_digest[ID_SHA256_LEN];
	int ctl_fd;
	time_t started;
	struct reload_result last_reload;
	bool disabled;			/* interdict disable: exit */
};

/* interdictd.c: what the control socket asks for. Each writes its answer
 * (text, or one JSON object) to out and returns the CLI's exit status. */
int daemon_status(struct daemon *d, FILE *out, bool json);
int daemon_reload(struct daemon *d, FILE *out, bool json);
int daemon_rules(struct daemon *d, FILE *out, bool json);
int daemon_mode(struct daemon *d, FILE *out, bool json, bool enforce,
		const struct ucred *who);
int daemon_disable(struct daemon *d, FILE *out, bool json,
		   const struct ucred *who);

/* control.c: the control socket, root only. */
int control_open(struct daemon *d, char *why, size_t len);
void control_serve(struct daemon *d);
void control_close(struct daemon *d);

#endif /* INTERDICT_DAEMON_H */
