// SPDX-License-Identifier: GPL-2.0-only
/*
 * Logging for interdictd and interdict: one line per message on stderr,
 * "prog: subsystem: text"; log_warn adds strerror(errno), log_warnx does not.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "interdict.h"

static const char *log_prog = "interdict";
static bool log_verbose;

void log_init(const char *prog, bool verbose)
{
	log_prog = prog;
	log_verbose = verbose;
}

static void log_vline(const char *sub, int err, const char *fmt, va_list ap)
{
	char text[1024];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (err)
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog, sub, text,
			strerror(err));
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, sub, text);
}

void log_warn(const char *sub, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(sub, err, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(sub, 0, fmt, ap);
	va_end(ap);
}

void log_info(const char *sub, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(sub, 0, fmt, ap);
	va_end(ap);
}

void log_debug(const char *sub, const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vline(sub, 0, fmt, ap);
	va_end(ap);
}
