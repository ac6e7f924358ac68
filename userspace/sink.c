// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where event lines go: a file (appended) or stdout. Lines gather in one
 * buffer and go out in one write(2) per batch; the daemon flushes it before
 * it sleeps, so no line waits there. Enforcement never waits on the sink:
 * when it cannot be written (missing directory, read-only, full disk) the
 * buffer holds what it has, the ring buffer is left to hold the rest (the
 * kernel counts what overflows), and the sink is tried again every few
 * seconds. Each change of state is logged once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

#define RETRY_S		5
#define BATCH_BYTES	(256 << 10)	/* a batch this big is written at once */

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

/* The lines that end in buf[0..len). */
static unsigned int count_lines(const char *buf, size_t len)
{
	const char *end = buf + len;
	unsigned int n = 0;

	while ((buf = memchr(buf, '\n', end - buf))) {
		n++;
		buf++;
	}
	return n;
}

/* Write what is held; true when none is left. A write that stops part way
 * leaves the rest, so a line is never written twice. */
static bool sink_flush(struct sink *s)
{
	struct jbuf *b = &s->out;
	size_t done = 0;
	ssize_t n;

	while (done < b->len) {
		if (s->fd < 0 && sink_open(s))
			break;
		n = write(s->fd, b->p + done, b->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sink_fail(s, n < 0 ? errno : EIO, "write to");
			break;
		}
		done += n;
	}
	if (done) {
		/* all of it: the lines queued (each commit queued one) */
		unsigned int lines = done == b->len ? s->queued :
				     count_lines(b->p, done);

		s->written += lines;
		s->queued -= lines;
		b->len -= done;
		memmove(b->p, b->p + done, b->len);
	}
	if (b->len)
		return false;
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
	if (!s->failing && s->fd >= 0)
		return true;
	if (s->failing && mono_now() < s->next_retry)
		return false;
	if (s->fd < 0 && sink_open(s))
		return false;
	return sink_flush(s);
}

/* Before the daemon sleeps: nothing may wait in the buffer. */
void sink_sync(struct sink *s)
{
	if (s->out.len && sink_ready(s))
		sink_flush(s);
}

/* Where the next line is appended; sink_commit() says it is complete. */
struct jbuf *sink_line(struct sink *s)
{
	return &s->out;
}

/* The line appended since start is complete: it goes out with its batch.
 * -EAGAIN tells the caller to stop taking events off the ring buffer: the
 * sink fails (the line is held, or, with too much held, dropped). */
int sink_commit(struct sink *s, size_t start)
{
	if (s->out.len == start)
		return 0;
	if (s->failing && start >= SINK_HOLD_MAX) {
		s->out.len = start;
		s->dropped++;
		return -EAGAIN;
	}
	s->queued++;
	if (s->failing || s->fd < 0)
		return sink_ready(s) ? 0 : -EAGAIN;
	if (s->out.len >= BATCH_BYTES && !sink_flush(s))
		return -EAGAIN;
	return 0;
}

/* Write one line now, after what is batched (or hold it, as sink_commit()
 * says): the daemon's own lines (life cycle, metrics) are out before it
 * answers whoever caused them. */
int sink_write(struct sink *s, const char *buf, size_t len)
{
	size_t start = s->out.len;
	int err;

	if (jbuf_reserve(&s->out, len)) {
		s->out.failed = false;
		s->dropped++;
		return -EAGAIN;
	}
	memcpy(s->out.p + start, buf, len);
	s->out.len += len;
	err = sink_commit(s, start);
	if (!err && s->out.len && !sink_flush(s))
		err = -EAGAIN;
	return err;
}

void sink_close(struct sink *s)
{
	sink_sync(s);
	jbuf_free(&s->out);
	s->queued = 0;
	if (s->fd > STDERR_FILENO)
		close(s->fd);
	s->fd = -1;
}
