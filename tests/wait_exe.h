/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the unit and VM tests: wait until a child has exec'd, that is until
 * /proc/PID/exe names the program it was told to run.
 */
#ifndef INTERDICT_TESTS_WAIT_EXE_H
#define INTERDICT_TESTS_WAIT_EXE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
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

#endif
