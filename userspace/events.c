// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdict events: recent or live events as readable lines (when, what,
 * which file, who, which rule), or as the JSON lines themselves (-j), from
 * the events file or, when the daemon writes to the journal, from there.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "interdict.h"

#define TAIL_BYTES	(16 << 20)	/* how far back the file is read */
#define FOLLOW_US	250000

static struct flat flat;

static void show(const char *line, size_t len, bool json)
{
	static char esc[ID_NAME_ESC_MAX];
	char text[2048];
	const char *when;

	if (!len)
		return;
	if (json) {
		fwrite(line, 1, len, stdout);
		if (line[len - 1] != '\n')
			fputc('\n', stdout);
	} else if (json_flatten(line, len, &flat) < 0) {
		printf("(not an event line: %.*s)\n", (int)strcspn(line, "\n"),
		       line);
	} else {
		when = flat_get(&flat, "@timestamp");
		event_summary(&flat, text, sizeof(text));
		/* a file name cannot split the line or colour the terminal */
		printf("%s  %s\n", when ? when : "?",
		       name_escape(text, esc, sizeof(esc)));
	}
	fflush(stdout);
}

/* Lines of buf[0..len) from the last `keep` on (all if keep < 0). */
static void show_lines(const char *buf, size_t len, long keep, bool json)
{
	const char *p = buf + len, *end = buf + len, *nl;
	long n = 0;

	while (keep >= 0 && p > buf) {
		const char *q = p - 1;

		while (q > buf && q[-1] != '\n')
			q--;
		if (p - q > 1 && ++n > keep)
			break;
		p = q;
	}
	if (keep < 0)
		p = buf;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			break;	/* a line being written: the next read has it */
		show(p, nl + 1 - p, json);
	}
}

static int from_file(const char *path, long keep, bool follow, bool json)
{
	char *buf = NULL;
	struct stat st, now;
	off_t off;
	ssize_t got;
	size_t have;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "interdict: events: cannot read %s: %s\n", path,
			fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return 1;
	}
	off = st.st_size > TAIL_BYTES ? st.st_size - TAIL_BYTES : 0;
	buf = malloc(TAIL_BYTES + 1);
	if (!buf) {
		close(fd);
		return 1;
	}
	for (;;) {
		got = pread(fd, buf, TAIL_BYTES, off);
		have = got > 0 ? got : 0;
		/* show whole lines only; a partial one is read again */
		while (have && buf[have - 1] != '\n')
			have--;
		show_lines(buf, have, keep, json);
		off += have;
		keep = -1;
		if (!follow)
			break;
		for (;;) {
			usleep(FOLLOW_US);
			/* rotated (renamed and recreated): start the new file */
			if (!stat(path, &now) && now.st_ino != st.st_ino) {
				int nfd = open(path, O_RDONLY | O_CLOEXEC);

				if (nfd >= 0) {
					close(fd);
					fd = nfd;
					st = now;
					off = 0;
					break;
				}
			}
			if (fstat(fd, &now))
				break;
			if (now.st_size < off)
				off = 0;	/* truncated */
			if (now.st_size != off)
				break;
		}
	}
	free(buf);
	close(fd);
	return 0;
}

static int from_journal(long keep, bool follow, bool json)
{
	sd_journal *j = NULL;
	const void *data;
	size_t len;
	int err;

	err = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
	if (!err)
		err = sd_journal_add_match(j, "INTERDICT_EVENT=1", 0);
	if (!err)
		err = sd_journal_seek_tail(j);
	/* on the keep-th last entry; the loop's first next() steps past it */
	if (!err && keep > 0)
		err = sd_journal_previous_skip(j, keep + 1) < 0 ? -EIO : 0;
	if (err) {
		fprintf(stderr, "interdict: events: cannot read the journal: "
			"%s\n", strerror(-err));
		sd_journal_close(j);
		return 1;
	}
	for (;;) {
		while (sd_journal_next(j) > 0) {
			if (sd_journal_get_data(j, "INTERDICT_JSON", &data,
						&len) < 0 || len < 15)
				continue;
			show((const char *)data + 15, len - 15, json);
		}
		if (!follow)
			break;
		sd_journal_wait(j, (uint64_t)-1);
	}
	sd_journal_close(j);
	return 0;
}

int do_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "file", required_argument, NULL, 'F' },
		{ "journal", no_argument, NULL, 'J' },
		{ "config", required_argument, NULL, 'c' },
		{ 0 }
	};
	const char *file = NULL, *conf = ID_CONFIG_PATH;
	bool follow = false, journal = false;
	struct config c;
	long keep = 20;
	char *end;
	int opt;

	optind = 0;	/* argv[0] is the verb */
	while ((opt = getopt_long(argc + 1, argv - 1, "fn:", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': follow = true; break;
		case 'n':
			keep = strtol(optarg, &end, 10);
			if (*end || keep < 0)
				goto usage;
			break;
		case 'F': file = optarg; break;
		case 'J': journal = true; break;
		case 'c': conf = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc + 1)
		goto usage;
	if (!file && !journal) {
		/* where the daemon writes them: its config says */
		config_defaults(&c);
		if (config_parse_file(&c, conf, stderr) == -EINVAL)
			return 1;
		journal = !strcmp(c.events, "-");
		file = journal ? NULL : c.events;
	}
	return journal ? from_journal(keep, follow, json_out) :
			 from_file(file, keep, follow, json_out);
usage:
	fprintf(stderr, "usage: interdict [-j] events [-f] [-n LINES] "
		"[--file PATH | --journal] [--config FILE]\n");
	return EXIT_POLICY;
}
