// SPDX-License-Identifier: GPL-2.0-only
/*
 * Enforcement that outlives the daemon: restarts, kills and a hand-over
 * to another build leave no gap; only `interdict disable` ends it; root
 * processes other than interdictd cannot reach its maps, links, pins or
 * process; the control socket's verbs; an event sink that fails.
 */
#include <dirent.h>
#include <sys/ptrace.h>
#include <bpf/bpf.h>

#include "common.h"

/* Seconds into the hour, as event timestamps give them (UTC). */
static double now_in_hour(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (ts.tv_sec % 3600) + ts.tv_nsec / 1e9;
}

/* A child that tries path every 20 ms until stop_file exists, then exits
 * with the number of runs that succeeded (capped), after writing the
 * number of attempts to count_file. */
static pid_t looper(const char *path, const char *stop_file,
		    const char *count_file)
{
	pid_t pid = fork();
	int ran = 0, tries = 0, other = 0, last = 0, ret;
	char times_file[PATH_MAX + 8];
	FILE *f, *times;

	if (pid)
		return pid;
	snprintf(times_file, sizeof(times_file), "%s.times", count_file);
	times = fopen(times_file, "we");
	while (access(stop_file, F_OK)) {
		tries++;
		if (times)
			fprintf(times, "%.3f\n", now_in_hour());
		ret = run(path, NULL);
		ran += ret == PAYLOAD_EXIT;
		if (ret != PAYLOAD_EXIT && ret != -EPERM) {
			other++;	/* neither ran nor denied: say how */
			last = ret;
		}
		usleep(20000);
	}
	if (times)
		fclose(times);
	f = fopen(count_file, "we");
	if (f) {
		fprintf(f, "%d %d %d\n", tries, other, last);
		fclose(f);
	}
	_exit(ran > 100 ? 100 : ran);
}

static int looper_stop(pid_t pid, const char *stop_file, const char *count_file,
		       int *tries)
{
	int status, other = 0, last = 0;
	FILE *f;

	close(open(stop_file, O_WRONLY | O_CREAT, 0644));
	waitpid(pid, &status, 0);
	f = fopen(count_file, "re");
	*tries = -1;
	if (f) {
		if (fscanf(f, "%d %d %d", tries, &other, &last) != 3)
			*tries = -1;
		fclose(f);
	}
	if (other)
		fprintf(stderr, "# %d of %d attempts neither ran nor were "
			"denied (last: %d)\n", other, *tries, last);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

static void stop_daemon(struct _test_data_enforce *self, int sig)
{
	int status;

	kill(self->daemon, sig);
	waitpid(self->daemon, &status, 0);
	self->daemon = -1;
}

/* Pin directories (one per build) under the test's pin base. */
static int pin_dirs(struct _test_data_enforce *self, char *first)
{
	char pins[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	test_paths(self, pins, NULL);
	d = opendir(pins);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (first && !n)
			snprintf(first, PATH_MAX, "%s/%s", pins, de->d_name);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Seconds into the hour of an event line's @timestamp, or -1. */
static double line_time(const char *line)
{
	const char *t = strstr(line, "\"@timestamp\":\"");
	int mm;
	double ss;

	if (!t || sscanf(t + 14, "%*4d-%*2d-%*2dT%*2d:%2d:%lf", &mm, &ss) != 2)
		return -1;
	return mm * 60 + ss;
}

/* When denials of path are missing: the daemon's own lines, and each
 * attempt (times the looper wrote) that no denial follows within 2 s
 * before the next attempt's, to tell which step lost them. */
static void log_missing(struct _test_data_enforce *self, const char *path,
			const char *count_file)
{
	char file[PATH_MAX + 8], buf[16384], *a;
	static double ev[4096], at_[4096];
	int nev = 0, nat = 0, i, k = 0;
	double t;
	FILE *f;

	snprintf(file, sizeof(file), "%s/events.json", self->dir);
	f = fopen(file, "re");
	while (f && fgets(buf, sizeof(buf), f)) {
		t = line_time(buf);
		if (!strstr(buf, q("action", "exec-denied"))) {
			a = strstr(buf, "\"action\":\"");
			fprintf(stderr, "# %.3f %.30s\n", t, a ? a : buf);
		} else if (strstr(buf, q("path", path)) && nev < 4096) {
			ev[nev++] = t;
		}
	}
	if (f)
		fclose(f);
	snprintf(file, sizeof(file), "%s.times", count_file);
	f = fopen(file, "re");
	while (f && nat < 4096 && fscanf(f, "%lf", &at_[nat]) == 1)
		nat++;
	if (f)
		fclose(f);
	/* events sorted by time: each attempt takes the first one at or
	 * after it */
	for (i = 1; i < nev; i++)
		for (k = i; k > 0 && ev[k - 1] > ev[k]; k--) {
			t = ev[k];
			ev[k] = ev[k - 1];
			ev[k - 1] = t;
		}
	for (i = 0, k = 0; i < nat; i++) {
		while (k < nev && ev[k] < at_[i] - 0.002)
			k++;
		if (k < nev && (i + 1 == nat || ev[k] < at_[i + 1]))
			k++;
		else
			fprintf(stderr, "# %.3f attempt with no denial\n",
				at_[i]);
	}
}

TEST_F_TIMEOUT(enforce, no_gap_across_kill_restart_and_upgrade, 300)
{
	char stop[PATH_MAX], count[PATH_MAX], line[16384];
	int ran, tries, i, denied;
	pid_t loop;

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	START("enforce");
	snprintf(stop, sizeof(stop), "%s/stop", self->dir);
	snprintf(count, sizeof(count), "%s/count", self->dir);
	loop = looper(at(self, "bin/tool"), stop, count);
	usleep(300000);
	/* kill -9: no daemon at all for a while */
	stop_daemon(self, SIGKILL);
	usleep(1000000);
	START("enforce");
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("action", "daemon-started"),
			       q("previous_stop", "unclean (killed, crashed or "
				 "out of memory)"), NULL));
	/* SIGTERM and start again */
	stop_daemon(self, SIGTERM);
	usleep(500000);
	START("enforce");
	/* another build (here: other map sizes) takes over */
	stop_daemon(self, SIGTERM);
	self->extra[0] = "--max-sha256-rules";
	self->extra[1] = "4096";
	START("enforce");
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("start", "upgraded"), NULL));
	EXPECT_EQ(1, pin_dirs(self, NULL));
	usleep(300000);
	ran = looper_stop(loop, stop, count, &tries);
	EXPECT_EQ(0, ran);
	ASSERT_LT(20, tries);
	/* every attempt is an event, including those made with no daemon */
	for (i = 0; i < EVENT_TIMEOUT * 10; i++) {
		denied = count_lines(self, q("action", "exec-denied"),
				     q("path", at(self, "bin/tool")));
		if (denied >= tries)
			break;
		usleep(100000);
	}
	EXPECT_EQ(tries, denied);
	if (denied != tries)
		log_missing(self, at(self, "bin/tool"), count);
	EXPECT_EQ(0, count_lines(self, q("action", "events-lost"), NULL));
	TH_LOG("%d attempts, every 20 ms, across kill -9, restart, SIGTERM "
	       "and start, hand-over: %d ran, %d denied events", tries, ran,
	       denied);
}

TEST_F_TIMEOUT(enforce, disable_is_the_off_switch, 180)
{
	char out[4096], line[16384];
	int status;

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	START("enforce");
	EXPECT_EQ(1, pin_dirs(self, NULL));
	ASSERT_EQ(0, CTL(out, "disable")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "enforcement ended"));
	ASSERT_EQ(self->daemon, waitpid(self->daemon, &status, 0));
	self->daemon = -1;
	EXPECT_EQ(EXIT_DISABLED_STATUS, WEXITSTATUS(status));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(0, pin_dirs(self, NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("action", "disabled"), NULL));
	snprintf(out, sizeof(out), "\"process\":{\"pid\":");
	EXPECT_NE(NULL, strstr(line, out));
}

/* Each attempt a root process makes on interdict: bit set when it
 * did not fail with EPERM. */
enum {
	T_KILL = 1, T_STOP = 2, T_TERM = 4, T_PTRACE = 8, T_OBJ_GET = 16,
	T_UNLINK = 32, T_RENAME = 64, T_MAP_ID = 128, T_LINK_ID = 256,
	T_PROG_ID = 512, T_UMOUNT = 1024, T_PROBE = 2048,
};

static int by_id_denied(int (*next)(__u32, __u32 *), int (*get)(__u32))
{
	__u32 id = 0;
	int fd, denied = 0;

	while (!next(id, &id)) {
		fd = get(id);
		if (fd >= 0)
			close(fd);
		else if (errno == EPERM)
			denied++;
	}
	return denied;
}

static int tamper_attempts(pid_t daemon, const char *dir)
{
	char path[PATH_MAX], to[PATH_MAX];
	struct dirent *de;
	int bad = 0, maps = 0, fd;
	DIR *d;

	if (kill(daemon, 0))
		bad |= T_PROBE;
	if (!kill(daemon, SIGKILL) || errno != EPERM)
		bad |= T_KILL;
	if (!kill(daemon, SIGSTOP) || errno != EPERM)
		bad |= T_STOP;
	if (!kill(daemon, SIGTERM) || errno != EPERM)
		bad |= T_TERM;
	if (!ptrace(PTRACE_ATTACH, daemon, 0, 0) || errno != EPERM)
		bad |= T_PTRACE;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, "map_", 4))
			continue;
		maps++;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		fd = bpf_obj_get(path);
		if (fd >= 0 || errno != EPERM)
			bad |= T_OBJ_GET;
		if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	if (!maps)
		bad |= T_OBJ_GET;
	snprintf(path, sizeof(path), "%s/map_events", dir);
	snprintf(to, sizeof(to), "%s/moved", dir);
	if (!unlink(path) || errno != EPERM)
		bad |= T_UNLINK;
	if (!rename(path, to) || errno != EPERM)
		bad |= T_RENAME;
	/* every map of ours is refused by id (ten at least) */
	if (by_id_denied(bpf_map_get_next_id, bpf_map_get_fd_by_id) < 10)
		bad |= T_MAP_ID;
	if (by_id_denied(bpf_link_get_next_id, bpf_link_get_fd_by_id) < 5)
		bad |= T_LINK_ID;
	if (by_id_denied(bpf_prog_get_next_id, bpf_prog_get_fd_by_id) < 5)
		bad |= T_PROG_ID;
	if (!umount2("/sys/fs/bpf", 0) || errno != EPERM)
		bad |= T_UMOUNT;
	return bad;
}

TEST_F_TIMEOUT(enforce, tamper_is_denied_and_reported, 180)
{
	char dir[PATH_MAX], line[16384];
	int status;
	pid_t child;

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	START("enforce");
	ASSERT_EQ(1, pin_dirs(self, dir));
	/* a root process that neither started the daemon nor is pid 1 */
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(tamper_attempts(self->daemon, dir));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("attempts that got "
		 "through (see enum in lifecycle.c): %#x", WEXITSTATUS(status));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(0, kill(self->daemon, 0));
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("action", "tamper-denied"),
			       q("tamper", "signal"), NULL));
	EXPECT_NE(NULL, strstr(line, "\"signal\":9"));
	EXPECT_TRUE(wait_event(self, line, sizeof(line),
			       q("tamper", "ptrace"), NULL));
	EXPECT_TRUE(wait_event(self, line, sizeof(line),
			       q("tamper", "bpf-map"), NULL));
	EXPECT_TRUE(wait_event(self, line, sizeof(line),
			       q("tamper", "bpf-link"), NULL));
	EXPECT_TRUE(wait_event(self, line, sizeof(line),
			       q("tamper", "pin-unlink"), NULL));
	EXPECT_TRUE(wait_event(self, line, sizeof(line),
			       q("tamper", "pin-rename"), NULL));
	EXPECT_TRUE(wait_event(self, line, sizeof(line),
			       q("tamper", "umount"), NULL));
	/* 6.12 and later: a process that tries once and exits at once is
	 * named, with its parent, by the kernel when it is refused */
	if (kernel_has("bpf_get_task_exe_file")) {
		char want[PATH_MAX + 64];

		ASSERT_NE(0, self_exe()[0]);
		child = fork();
		ASSERT_LE(0, child);
		if (!child)
			_exit(kill(self->daemon, SIGKILL) ? errno != EPERM : 2);
		ASSERT_EQ(child, waitpid(child, &status, 0));
		EXPECT_EQ(0, status);
		snprintf(want, sizeof(want), "\"pid\":%d,", child);
		ASSERT_TRUE(wait_event(self, line, sizeof(line),
				       q("tamper", "signal"), want, NULL));
		snprintf(want, sizeof(want), "\"name\":\"lifecycle\","
			 "\"executable\":\"%s\",", self_exe());
		EXPECT_NE(NULL, strstr(line, want)) TH_LOG("%s", line);
		EXPECT_NE(NULL, strstr(line, parent_is_self()))
			TH_LOG("%s", line);
	}
	/* the process that started it can still stop it */
	stop_daemon(self, SIGTERM);
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	START("enforce");	/* for the teardown's disable */
}

TEST_F_TIMEOUT(enforce, control_socket_verbs, 240)
{
	char out[16384];

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"
				  "deny sha256=0000000000000000000000000000000000000000000000000000000000000001 id=t-sha\n"));
	START("audit");
	ASSERT_EQ(0, CTL(out, "status")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "mode               audit\n"));
	EXPECT_NE(NULL, strstr(out, "generation 1, 2 rules (1 SHA-256, 1 path)"));
	EXPECT_NE(NULL, strstr(out, "fail closed        0 files denied because "
			       "their path was deeper than 1024 directories, "
			       "0 reached through a changed link not resolved "
			       "yet\n"));
	ASSERT_EQ(0, CTL(out, "-j", "status"));
	EXPECT_NE(NULL, strstr(out, "\"mode\":\"audit\""));
	EXPECT_NE(NULL, strstr(out, "\"fail_closed\":{\"deep_denied\":0,"
			       "\"max_depth\":1024,\"link_denied\":0}"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"generation\":1,"));
	EXPECT_NE(NULL, strstr(out, "\"version\":\"" INTERDICT_VERSION "\""));
	ASSERT_EQ(0, CTL(out, "rules"));
	EXPECT_NE(NULL, strstr(out, "t-exact"));
	EXPECT_NE(NULL, strstr(out, "a.rules:1\n"));
	ASSERT_EQ(0, CTL(out, "-j", "rules"));
	EXPECT_NE(NULL, strstr(out, "\"id\":\"t-sha\""));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "bin/tool"), NULL));
	/* audit -> enforce: denied from the moment the command returns */
	ASSERT_EQ(0, CTL(out, "mode", "enforce"));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	EXPECT_TRUE(wait_event(self, out, sizeof(out),
			       q("action", "mode-changed"), NULL));
	/* a bad policy: reload fails, names the line, keeps generation 1 */
	ASSERT_EQ(0, write_policy(self, "b.rules", "deny pth=/x id=bad\n"));
	ASSERT_EQ(1, CTL(out, "reload"));
	EXPECT_NE(NULL, strstr(out, "b.rules:1:"));
	EXPECT_NE(NULL, strstr(out, "generation 1 stays in force"));
	ASSERT_EQ(1, CTL(out, "-j", "reload"));
	EXPECT_NE(NULL, strstr(out, "\"ok\":false"));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	ASSERT_EQ(0, write_policy(self, "b.rules",
				  "deny path=@/bin/fine id=t-fine\n"));
	ASSERT_EQ(0, CTL(out, "reload")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "generation 2 in force"));
	EXPECT_EQ(-EPERM, run(at(self, "bin/fine"), NULL));
	ASSERT_EQ(0, CTL(out, "-j", "status"));
	EXPECT_NE(NULL, strstr(out, "\"mode\":\"enforce\""));
	EXPECT_NE(NULL, strstr(out, "\"rules\":3"));
	EXPECT_EQ(2, CTL(out, "mode", "loud"));
}

/* After setup the daemon keeps three capabilities and a seccomp filter;
 * reload, status and refresh still work inside them. */
TEST_F_TIMEOUT(enforce, daemon_is_sandboxed, 180)
{
	char path[64], buf[4096], out[4096];
	size_t n;
	FILE *f;

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	START("enforce");
	snprintf(path, sizeof(path), "/proc/%d/status", self->daemon);
	f = fopen(path, "re");
	ASSERT_NE(NULL, f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	EXPECT_NE(NULL, strstr(buf, "\nSeccomp:\t2\n"));
	EXPECT_NE(NULL, strstr(buf, "\nNoNewPrivs:\t1\n"));
	/* CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAP_BPF */
	EXPECT_NE(NULL, strstr(buf, "\nCapEff:\t0000008000080004\n"));
	EXPECT_NE(NULL, strstr(buf, "\nCapBnd:\t0000008000080004\n"));
	EXPECT_LE(1, log_count(self, "seccomp allowlist of "));
	ASSERT_EQ(0, write_policy(self, "b.rules",
				  "deny path=@/bin/fine id=t-fine\n"));
	ASSERT_EQ(0, CTL(out, "reload")) TH_LOG("%s", out);
	EXPECT_EQ(-EPERM, run(at(self, "bin/fine"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
}

TEST_F_TIMEOUT(enforce, enforcement_does_not_wait_on_the_event_sink, 180)
{
	char out[16384];

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	self->extra[0] = "--events";
	self->extra[1] = "/nonexistent/events.json";
	START("enforce");
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	EXPECT_LE(1, log_count(self, "cannot open /nonexistent/events.json"));
	ASSERT_EQ(0, CTL(out, "-j", "status"));
	EXPECT_NE(NULL, strstr(out, "\"sink_failing\":true"));
	EXPECT_EQ(NULL, strstr(out, "\"write_errors\":0,"));
}

/* A full disk: events wait (counted as write errors), enforcement holds,
 * and every event is written once there is room again. */
TEST_F_TIMEOUT(enforce, full_event_disk_delays_but_loses_nothing, 180)
{
	char sink[PATH_MAX], events[PATH_MAX], fill[PATH_MAX], out[16384];
	char buf[4096];
	int i, fd, denied = 0;

	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/bin/tool id=t-exact\n"));
	snprintf(sink, sizeof(sink), "%s/sink", self->dir);
	ASSERT_EQ(0, mkdirs(sink));
	ASSERT_EQ(0, mount("none", sink, "tmpfs", 0, "size=64k"));
	snprintf(events, sizeof(events), "%s/events.json", sink);
	snprintf(fill, sizeof(fill), "%s/fill", sink);
	self->extra[0] = "--events";
	self->extra[1] = events;
	START("enforce");
	/* fill the file system to the last byte */
	fd = open(fill, O_WRONLY | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	memset(buf, 'x', sizeof(buf));
	while (write(fd, buf, sizeof(buf)) > 0)
		;
	while (write(fd, buf, 1) > 0)
		;
	close(fd);
	/* more than the events file's last, partly used page holds */
	for (i = 0; i < 20; i++)
		EXPECT_EQ(-EPERM, run(at(self, "bin/tool"), NULL));
	usleep(1500000);
	ASSERT_EQ(0, CTL(out, "-j", "status"));
	EXPECT_NE(NULL, strstr(out, "\"sink_failing\":true")) TH_LOG("%s", out);
	EXPECT_LE(1, log_count(self, "No space left on device"));
	/* room again: within the retry delay, all twenty are written */
	ASSERT_EQ(0, unlink(fill));
	for (i = 0; i < 100 && denied < 20; i++) {
		FILE *f = fopen(events, "re");

		denied = 0;
		while (f && fgets(out, sizeof(out), f))
			denied += strstr(out, "\"exec-denied\"") != NULL;
		if (f)
			fclose(f);
		usleep(100000);
	}
	EXPECT_EQ(20, denied);
	ASSERT_EQ(0, CTL(out, "-j", "status"));
	EXPECT_NE(NULL, strstr(out, "\"sink_failing\":false"));
	EXPECT_NE(NULL, strstr(out, "\"lost\":0,"));
	EXPECT_EQ(0, CTL(out, "disable"));
	umount2(sink, MNT_DETACH);
}

TEST_HARNESS_MAIN
