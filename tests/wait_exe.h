/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the unit and VM tests: wait until a child has exec'd, that is until
 * /proc/PID/exe names the program it was told to run; and start a
 * uniquely tagged copy of a program as a long-running process.
 */
#ifndef INTERDICT_TESTS_WAIT_EXE_H
#define INTERDICT_TESTS_WAIT_EXE_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* True once /proc/PID/exe is want (prefix: starts with want, as for
 * "/memfd:NAME (deleted)"); false after about ms milliseconds. */
static inline bool wait_exe(pid_t pid, const char *want, bool prefix, int ms)
{
	char exe[PATH_MAX], link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	for (int i = 0; pid > 0 && i < ms; i++) {
		n = readlink(link, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = 0;
			if (prefix ? !strncmp(exe, want, strlen(want)) :
			    !strcmp(exe, want))
				return true;
		}
		usleep(1000);
	}
	return false;
}

/* Copy src to path with tag appended (so its hash is its own), run it as
 * "sleep SECS" (SIGTERM ignored if told) and wait until it has exec'd.
 * The pid, or -1 if the copy failed. */
static inline pid_t start_tagged(const char *src, const char *path,
				 const char *tag, const char *secs,
				 bool ignore_term, int ms)
{
	char cmd[3 * PATH_MAX];
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && printf '%%s' '%s' >> '%s'",
		 src, path, tag, path);
	if (system(cmd))
		return -1;
	pid = fork();
	if (!pid) {
		if (ignore_term)
			signal(SIGTERM, SIG_IGN);
		execl(path, "sleep", secs, (char *)NULL);
		_exit(127);
	}
	wait_exe(pid, path, false, ms);
	return pid;
}

#endif
