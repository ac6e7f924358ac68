// SPDX-License-Identifier: GPL-2.0-only
/*
 * Logging for interdictd and interdict: one line per message on stderr,
 * "prog: subsystem: text"; log_warn adds strerror(errno), log_warnx does not.
 * When stderr is the journal's stream, each line starts with its syslog
 * priority ("<4>"), which journald reads as PRIORITY=.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interdict.h"

enum { PRIO_WARNING = 4, PRIO_INFO = 6, PRIO_DEBUG = 7 };

static const char *log_prog = "interdict";
static bool log_verbose, log_journal;

/* $JOURNAL_STREAM is "device:inode" of the stream systemd connected. */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
	       !fstat(STDERR_FILENO, &st) && st.st_dev == dev &&
	       st.st_ino == ino;
}

void log_init(const char *prog, bool verbose)
{
	log_prog = prog;
	log_verbose = verbose;
	log_journal = stderr_is_journal();
}

static void log_vline(int prio, const char *sub, int err, const char *fmt,
		      va_list ap)
{
	char text[1024], pre[8] = "";

	vsnprintf(text, sizeof(text), fmt, ap);
	if (log_journal)
		snprintf(pre, sizeof(pre), "<%d>", prio);
	if (err)
		fprintf(stderr, "%s%s: %s: %s: %s\n", pre, log_prog, sub, text,
			strerror(err));
	else
		fprintf(stderr, "%s%s: %s: %s\n", pre, log_prog, sub, text);
}

void log_warn(const char *sub, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(PRIO_WARNING, sub, err, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(PRIO_WARNING, sub, 0, fmt, ap);
	va_end(ap);
}

void log_info(const char *sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(PRIO_INFO, sub, 0, fmt, ap);
	va_end(ap);
}

void log_debug(const char *sub, const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vline(PRIO_DEBUG, sub, 0, fmt, ap);
	va_end(ap);
}
