// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where event lines go: a file (appended) or stdout. Enforcement never
 * waits on it: when it cannot be written (missing directory, read-only,
 * full disk) lines wait in a bounded queue, the ring buffer is left to
 * hold the rest (the kernel counts what overflows), and the sink is tried
 * again every few seconds. Each change of state is logged once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

#define RETRY_S		5
#define QUEUE_MAX	256	/* lines held while the sink fails */

struct line {
	struct line *next;
	size_t len;
	char text[];
};

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void sink_fail(struct sink *s, int err, const char *what)
{
	s->write_errors++;
	s->next_retry = mono_now() + RETRY_S;
	if (s->failing && s->err == err)
		return;
	s->failing = true;
	s->err = err;
	log_warnx("events", "cannot %s %s: %s; enforcement goes on, events "
		  "wait in the kernel's ring buffer (what overflows is "
		  "counted); retrying every %d s", what,
		  strcmp(s->path, "-") ? s->path : "stdout", strerror(err),
		  RETRY_S);
}

/* (Re)open the file: after log rotation (SIGUSR1) or after a failure. */
int sink_open(struct sink *s)
{
	int fd;

	if (!strcmp(s->path, "-")) {
		s->fd = STDOUT_FILENO;
		return 0;
	}
	fd = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		sink_fail(s, errno, "open");
		return -s->err;
	}
	if (s->fd > STDERR_FILENO)
		close(s->fd);
	s->fd = fd;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Write the queued lines; true when none is left. */
static bool sink_flush(struct sink *s)
{
	struct line *l;
	int err;

	while ((l = s->queue)) {
		if (s->fd < 0 && sink_open(s))
			return false;
		err = write_all(s->fd, l->text, l->len);
		if (err) {
			sink_fail(s, -err, "write to");
			return false;
		}
		s->written++;
		s->queue = l->next;
		s->queued--;
		free(l);
	}
	s->tail = NULL;
	if (s->failing) {
		s->failing = false;
		log_info("events", "writing to %s again (%llu failed attempts)",
			 strcmp(s->path, "-") ? s->path : "stdout",
			 (unsigned long long)s->write_errors);
	}
	return true;
}

/* Can events be taken off the ring buffer now? Retries when it is time. */
bool sink_ready(struct sink *s)
{
	if (!s->failing && !s->queue && s->fd >= 0)
		return true;
	if (s->failing && mono_now() < s->next_retry)
		return false;
	if (s->fd < 0 && sink_open(s))
		return false;
	return sink_flush(s);
}

/* Write one line; when the sink fails the line is queued (or, with the
 * queue full, counted as dropped) and -EAGAIN tells the caller to stop
 * taking events off the ring buffer. */
int sink_write(struct sink *s, const char *buf, size_t len)
{
	struct line *l;

	if (sink_ready(s)) {
		int err = write_all(s->fd, buf, len);

		if (!err) {
			s->written++;
			return 0;
		}
		sink_fail(s, -err, "write to");
	}
	if (s->queued >= QUEUE_MAX || !(l = malloc(sizeof(*l) + len))) {
		s->dropped++;
		return -EAGAIN;
	}
	l->next = NULL;
	l->len = len;
	memcpy(l->text, buf, len);
	if (s->tail)
		s->tail->next = l;
	else
		s->queue = l;
	s->tail = l;
	s->queued++;
	return -EAGAIN;
}

void sink_close(struct sink *s)
{
	struct line *l;

	sink_ready(s);
	while ((l = s->queue)) {
		s->queue = l->next;
		free(l);
	}
	if (s->fd > STDERR_FILENO)
		close(s->fd);
	s->fd = -1;
}
