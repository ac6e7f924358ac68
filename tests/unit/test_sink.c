// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of userspace/sink.c: lines gather in one batch and go out in
 * one write; a write that stops part way or fails leaves the rest for the
 * retry, and every line comes out exactly once, counted when it is whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#define LINES 200

static size_t make_line(char *buf, size_t cap, int i)
{
	return snprintf(buf, cap, "{\"n\":%d,\"pad\":\"%0*d\"}\n", i,
			40 + i % 50, 0);
}

/* Append line i the way the daemon does: in place, then committed. */
static int add_line(struct sink *s, int i)
{
	struct jbuf *b = sink_line(s);
	size_t start = b->len;

	if (jbuf_reserve(b, 256))
		return -ENOMEM;
	b->len += make_line(b->p + b->len, 256, i);
	return sink_commit(s, start);
}

static size_t drain(int fd, char *out, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap && (n = read(fd, out + len, cap - len)) > 0)
		len += n;
	return len;
}

TEST(batched_until_sync)
{
	struct sink s = { .fd = -1 };
	char path[] = "/tmp/interdict-sink-XXXXXX", want[256], *text;
	size_t len = 0, n;
	int i, fd;
	FILE *f;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(s.path, sizeof(s.path), "%s", path);
	ASSERT_EQ(0, sink_open(&s));
	for (i = 0; i < LINES; i++)
		ASSERT_EQ(0, add_line(&s, i));
	/* small lines: nothing written before the daemon would sleep */
	EXPECT_EQ(0U, s.written);
	EXPECT_EQ((unsigned)LINES, s.queued);
	sink_sync(&s);
	EXPECT_EQ((__u64)LINES, s.written);
	EXPECT_EQ(0U, s.queued);
	/* a line of the daemon's own goes out at once */
	ASSERT_EQ(0, sink_write(&s, "{\"own\":1}\n", 10));
	EXPECT_EQ((__u64)LINES + 1, s.written);
	sink_close(&s);

	f = fopen(path, "re");
	ASSERT_NE(NULL, f);
	text = malloc(1 << 20);
	ASSERT_NE(NULL, text);
	len = fread(text, 1, 1 << 20, f);
	fclose(f);
	unlink(path);
	for (i = 0, n = 0; i < LINES; i++) {
		size_t k = make_line(want, sizeof(want), i);

		ASSERT_GE(len - n, k);
		ASSERT_EQ(0, memcmp(text + n, want, k)) TH_LOG("line %d", i);
		n += k;
	}
	EXPECT_EQ(n + 10, len);
	free(text);
}

/* A pipe that takes a few KiB, then refuses (EAGAIN): the batch stops part
 * way through a line, is held, and the retry writes the rest. */
TEST(partial_write_retried)
{
	struct sink s = { .fd = -1 };
	char want[256], *out;
	size_t len = 0, n, k;
	int p[2], i;

	ASSERT_EQ(0, pipe2(p, O_NONBLOCK | O_CLOEXEC));
	ASSERT_LT(0, fcntl(p[1], F_SETPIPE_SZ, 4096));
	out = malloc(1 << 20);
	ASSERT_NE(NULL, out);
	snprintf(s.path, sizeof(s.path), "-");
	s.fd = p[1];
	for (i = 0; i < LINES; i++)
		ASSERT_EQ(0, add_line(&s, i));
	sink_sync(&s);			/* fills the pipe, then fails */
	EXPECT_TRUE(s.failing);
	EXPECT_LT(s.written, (__u64)LINES);
	EXPECT_EQ((__u64)LINES, s.written + s.queued);
	/* while it fails, the lines are held and consuming stops */
	EXPECT_EQ(-EAGAIN, add_line(&s, LINES));
	for (k = 0; k < 1000 && s.queued; k++) {
		len += drain(p[0], out + len, (1 << 20) - len);
		s.next_retry = 0;	/* it is time to retry */
		sink_sync(&s);
	}
	len += drain(p[0], out + len, (1 << 20) - len);
	EXPECT_FALSE(s.failing);
	EXPECT_EQ(0U, s.queued);
	EXPECT_EQ((__u64)LINES + 1, s.written);
	for (i = 0, n = 0; i <= LINES; i++) {
		k = make_line(want, sizeof(want), i);
		ASSERT_GE(len - n, k);
		ASSERT_EQ(0, memcmp(out + n, want, k)) TH_LOG("line %d", i);
		n += k;
	}
	EXPECT_EQ(n, len);
	s.fd = -1;
	sink_close(&s);
	close(p[0]);
	close(p[1]);
	free(out);
}

/* While the sink fails, what is held is bounded: a line past
 * SINK_HOLD_MAX is dropped and counted, never lost silently, and every
 * line is either written, held or counted dropped. */
TEST(held_lines_bounded_and_dropped_counted)
{
	struct sink s = { .fd = -1 };
	int p[2], i, n = 0;

	ASSERT_EQ(0, pipe2(p, O_NONBLOCK | O_CLOEXEC));
	ASSERT_LT(0, fcntl(p[1], F_SETPIPE_SZ, 4096));
	snprintf(s.path, sizeof(s.path), "-");
	s.fd = p[1];
	for (i = 0; !s.dropped && i < 100000; i++, n++)
		add_line(&s, i);
	ASSERT_TRUE(s.failing);
	EXPECT_EQ(1U, s.dropped);
	EXPECT_GE(s.out.len, (size_t)SINK_HOLD_MAX);
	EXPECT_LE(s.out.len, (size_t)SINK_HOLD_MAX + 256);
	/* the next one too, and the bound holds */
	EXPECT_EQ(-EAGAIN, add_line(&s, i));
	n++;
	EXPECT_EQ(2U, s.dropped);
	EXPECT_LE(s.out.len, (size_t)SINK_HOLD_MAX + 256);
	EXPECT_EQ((__u64)n, s.written + s.queued + s.dropped);
	s.fd = -1;
	sink_close(&s);
	close(p[0]);
	close(p[1]);
}

TEST_HARNESS_MAIN
