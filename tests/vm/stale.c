// SPDX-License-Identifier: GPL-2.0-only
/*
 * No verdict outlives what it was made on: a file reached through an
 * overlay mount whose lower or upper file is changed beneath it is decided
 * on its new content, whichever way it changed (where the kernel has no
 * overlayfs, those cases report skipped); and a rule path through a
 * versioned vendor tree follows the tree's symbolic link when the vendor's
 * updater flips it, with no attempt in between getting through.
 */
#include <sys/mman.h>

#include "common.h"

/* lower/, upper/ and work/ in the scratch tree, merged on mnt/ (the
 * fixture's teardown unmounts it). 0, or a SKIP-worthy -errno. */
static int overlay(struct _test_data_enforce *self)
{
	char opts[3 * PATH_MAX + 64];
	const char *mnt;

	if (mkdirs(at(self, "lower")) || mkdirs(at(self, "upper")) ||
	    mkdirs(at(self, "work")))
		return -errno;
	snprintf(opts, sizeof(opts), "lowerdir=%s/lower,upperdir=%s/upper,"
		 "workdir=%s/work", self->dir, self->dir, self->dir);
	mnt = at(self, "mnt");
	return mount("overlay", mnt, "overlay", 0, opts) ? -errno : 0;
}

#define OVERLAY() do {							\
	int _rc = overlay(self);					\
	if (_rc == -ENODEV)						\
		SKIP(return, "this kernel has no overlayfs");		\
	ASSERT_EQ(0, _rc);						\
} while (0)

/* A policy denying the content make_payload() writes with tag "content-A". */
static void deny_content_a(struct _test_data_enforce *self,
			   struct __test_metadata *_metadata)
{
	char rules[256], hex[2 * ID_SHA256_LEN + 1];
	__u8 sha[ID_SHA256_LEN];

	ASSERT_EQ(0, make_payload(at(self, "other/A"), "content-A"));
	ASSERT_EQ(0, sha256_file(at(self, "other/A"), sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules), "deny sha256=%s id=t-A\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
}

/* Forget the overlay's dentries, so that a lookup through it finds what
 * the lower directory holds now (overlayfs keeps the lower dentry it
 * looked up before, which a rename on the lower layer does not change). */
static void drop_dentries(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	sync();
	if (fd >= 0) {
		if (write(fd, "2", 1) != 1)
			perror("drop_caches");
		close(fd);
	}
}

TEST_F_TIMEOUT(enforce, overlay_lower_rewritten, 180)
{
	const char *merged;

	deny_content_a(self, _metadata);
	OVERLAY();
	START("enforce");
	ASSERT_EQ(0, make_payload(at(self, "lower/f"), "content-B"));
	merged = at(self, "mnt/f");
	EXPECT_EQ(PAYLOAD_EXIT, run(merged, NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(merged, NULL));	/* the answer kept? */
	ASSERT_EQ(0, make_payload(at(self, "lower/f"), "content-A"));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "lower/f"), NULL));
}

TEST_F_TIMEOUT(enforce, overlay_lower_truncated_and_rewritten, 180)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int fd;

	deny_content_a(self, _metadata);
	OVERLAY();
	START("enforce");
	ASSERT_EQ(0, make_payload(at(self, "lower/f"), "content-B"));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "mnt/f"), NULL));
	/* truncate(2), then write through an open without O_TRUNC */
	ASSERT_EQ(0, truncate(at(self, "lower/f"), 0));
	ASSERT_EQ(0, make_payload(at(self, "other/A2"), "content-A"));
	fd = open(at(self, "other/A2"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	mem = open_memstream(&buf, &len);
	ASSERT_NE(NULL, mem);
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n <= 0)
			break;
		fwrite(chunk, 1, n, mem);
	}
	close(fd);
	fclose(mem);
	fd = open(at(self, "lower/f"), O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, write(fd, buf, len));
	close(fd);
	free(buf);
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
}

TEST_F_TIMEOUT(enforce, overlay_lower_replaced_by_rename, 180)
{
	__u8 seen[ID_SHA256_LEN], want[ID_SHA256_LEN];

	deny_content_a(self, _metadata);
	OVERLAY();
	START("enforce");
	ASSERT_EQ(0, make_payload(at(self, "lower/f"), "content-B"));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "mnt/f"), NULL));
	ASSERT_EQ(0, make_payload(at(self, "lower/f.new"), "content-A"));
	ASSERT_EQ(0, rename(at(self, "lower/f.new"), at(self, "lower/f")));
	drop_dentries();
	/* what the merged path shows now is A: it must not run */
	ASSERT_EQ(0, sha256_file(at(self, "mnt/f"), seen));
	ASSERT_EQ(0, sha256_file(at(self, "other/A"), want));
	ASSERT_EQ(0, memcmp(seen, want, sizeof(seen)));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
}

/* The reverse: banned content replaced beneath by allowed content runs. */
TEST_F_TIMEOUT(enforce, overlay_denied_lower_replaced_runs, 180)
{
	deny_content_a(self, _metadata);
	OVERLAY();
	START("enforce");
	ASSERT_EQ(0, make_payload(at(self, "lower/f"), "content-A"));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
	ASSERT_EQ(0, make_payload(at(self, "lower/f"), "content-B"));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "mnt/f"), NULL));
}

/* Copy-up (a write-open through the merged path) keeps a denied file
 * denied; the copy in the upper layer rewritten beneath is decided on its
 * new content too. */
TEST_F_TIMEOUT(enforce, overlay_copy_up_and_upper_rewritten, 180)
{
	struct stat st;
	int fd;

	deny_content_a(self, _metadata);
	OVERLAY();
	START("enforce");
	ASSERT_EQ(0, make_payload(at(self, "lower/f"), "content-A"));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
	fd = open(at(self, "mnt/f"), O_WRONLY | O_APPEND | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, stat(at(self, "upper/f"), &st));	/* copied up */
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
	ASSERT_EQ(0, make_payload(at(self, "mnt/f"), "content-B"));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "mnt/f"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "mnt/f"), NULL));
	ASSERT_EQ(0, make_payload(at(self, "upper/f"), "content-A"));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/f"), NULL));
}

/* A subtree rule for a directory inside a layer denies that layer's files
 * reached through an overlay mount of it (6.12 and later), as it denies
 * them on the layer itself; a rule for a directory of the upper layer
 * denies what is written there through the overlay. A copy-up makes the
 * file the upper layer's: it stays denied by its SHA-256 rule. */
TEST_F_TIMEOUT(enforce, overlay_layer_subtree_rules, 180)
{
	char line[16384], rules[512], hex[2 * ID_SHA256_LEN + 1];
	__u8 sha[ID_SHA256_LEN];
	struct stat st;
	int fd;

	if (!kernel_has("bpf_path_d_path") && confidentiality())
		SKIP(return, "before 6.12 the programs reach an overlay file's "
		     "layer files with bpf_probe_read_kernel(), which lockdown="
		     "confidentiality withholds");
	ASSERT_EQ(0, mkdirs(at(self, "lower/opt/vendor/bin")));
	ASSERT_EQ(0, make_payload(at(self, "lower/opt/vendor/bin/agent"),
				  "agent"));
	ASSERT_EQ(0, make_payload(at(self, "lower/opt/vendor/bin/hashed"),
				  "hashed"));
	ASSERT_EQ(0, make_payload(at(self, "lower/opt/vendor/bin/tool"),
				  "tool"));
	ASSERT_EQ(0, make_payload(at(self, "lower/opt/fine"), "fine"));
	ASSERT_EQ(0, mkdirs(at(self, "upper/srv/drop")));
	ASSERT_EQ(0, sha256_file(at(self, "lower/opt/vendor/bin/hashed"), sha));
	sha256_hex(sha, hex);
	snprintf(rules, sizeof(rules),
		 "deny path=@/lower/opt/vendor/ id=t-lower\n"
		 "deny path=@/upper/srv/drop/ id=t-upper\n"
		 "deny sha256=%s id=t-hash\n", hex);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	OVERLAY();
	START("enforce");
	/* the layer's file, through the overlay and on the layer */
	EXPECT_EQ(-EPERM, run(at(self, "mnt/opt/vendor/bin/agent"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-lower"),
			       q("path", at(self, "mnt/opt/vendor/bin/agent")),
			       NULL));
	EXPECT_NE(NULL, strstr(line, q("action", "exec-denied")))
		TH_LOG("%s", line);
	EXPECT_EQ(-EPERM, run(at(self, "lower/opt/vendor/bin/agent"), NULL));
	/* mapped executable, as ld.so would */
	fd = open(at(self, "mnt/opt/vendor/bin/agent"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, map_exec(fd));
	close(fd);
	/* control: the layer's other files */
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "mnt/opt/fine"), NULL));
	/* written through the overlay into the upper rule's directory */
	ASSERT_EQ(0, make_payload(at(self, "mnt/srv/drop/new"), "new"));
	ASSERT_EQ(0, stat(at(self, "upper/srv/drop/new"), &st));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/srv/drop/new"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-upper"),
			       NULL));
	/* copied up: the upper layer's file now, denied by its content */
	EXPECT_EQ(-EPERM, run(at(self, "mnt/opt/vendor/bin/hashed"), NULL));
	fd = open(at(self, "mnt/opt/vendor/bin/hashed"),
		  O_WRONLY | O_APPEND | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, stat(at(self, "upper/opt/vendor/bin/hashed"), &st));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/opt/vendor/bin/hashed"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-hash"),
			       NULL));
	/* Copied up, the lower rule still names the file: by an open for
	 * writing (content unchanged), by a write that changes it, by a
	 * chmod; run and mapped through the overlay. */
	fd = open(at(self, "mnt/opt/vendor/bin/agent"),
		  O_WRONLY | O_APPEND | O_CLOEXEC);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, stat(at(self, "upper/opt/vendor/bin/agent"), &st));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/opt/vendor/bin/agent"), NULL));
	fd = open(at(self, "mnt/opt/vendor/bin/agent"), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, map_exec(fd));
	close(fd);
	fd = open(at(self, "mnt/opt/vendor/bin/tool"),
		  O_WRONLY | O_APPEND | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(8, write(fd, "-changed", 8));
	close(fd);
	ASSERT_EQ(0, stat(at(self, "upper/opt/vendor/bin/tool"), &st));
	EXPECT_EQ(-EPERM, run(at(self, "mnt/opt/vendor/bin/tool"), NULL));
	ASSERT_TRUE(wait_event(self, line, sizeof(line), q("id", "t-lower"),
			       q("path", at(self, "mnt/opt/vendor/bin/tool")),
			       NULL));
	/* controls: a file of the layer outside the rule, copied up by a
	 * chmod, and one made in the overlay (no lower file) run */
	ASSERT_EQ(0, chmod(at(self, "mnt/opt/fine"), 0750));
	ASSERT_EQ(0, stat(at(self, "upper/opt/fine"), &st));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "mnt/opt/fine"), NULL));
	ASSERT_EQ(0, make_payload(at(self, "mnt/opt/made"), "made"));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "mnt/opt/made"), NULL));
}

/* The file an overlay opens on its layer for the caller (6.6 and later)
 * has a path relative to that layer: /NAME/x for lower/NAME/x. A rule for
 * the real /NAME/x must not deny reading the overlay's file; it does deny
 * the real one. */
TEST_F_TIMEOUT(enforce, overlay_layer_path_is_not_the_rule_path, 180)
{
	char name[64], real[PATH_MAX], rules[256];
	int fd;

	snprintf(name, sizeof(name), "interdict-ovl-%d", getpid());
	snprintf(real, sizeof(real), "/%s/x", name);
	ASSERT_EQ(0, mkdirs(at(self, "lower/%s", name)));
	ASSERT_EQ(0, make_payload(at(self, "lower/%s/x", name), "layer"));
	ASSERT_EQ(0, mkdirs(real));
	ASSERT_EQ(0, rmdir(real));
	ASSERT_EQ(0, make_payload(real, "real"));
	OVERLAY();
	snprintf(rules, sizeof(rules), "deny path=%s on=open id=t-open\n",
		 real);
	ASSERT_EQ(0, write_policy(self, "a.rules", rules));
	START("enforce");
	fd = open(real, O_RDONLY | O_CLOEXEC);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno);
	if (fd >= 0)
		close(fd);
	fd = open(at(self, "mnt/%s/x", name), O_RDONLY | O_CLOEXEC);
	EXPECT_LE(0, fd) TH_LOG("open through the overlay: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(real);
	*strrchr(real, '/') = 0;
	rmdir(real);
}

/* @/opt/vendor/app -> @/var/opt/vendor/app/install-current -> install-v1,
 * with bin/agent in install-v1 and install-v2; the rule names the path
 * through the links. */
static void vendor_tree(struct _test_data_enforce *self,
			struct __test_metadata *_metadata)
{
	char target[PATH_MAX];

	ASSERT_EQ(0, mkdirs(at(self, "var/opt/vendor/app/install-v1/bin")));
	ASSERT_EQ(0, mkdirs(at(self, "var/opt/vendor/app/install-v2/bin")));
	ASSERT_EQ(0, make_payload(at(self, "var/opt/vendor/app/install-v1/bin/"
				     "agent"), "v1"));
	ASSERT_EQ(0, make_payload(at(self, "var/opt/vendor/app/install-v2/bin/"
				     "agent"), "v2"));
	ASSERT_EQ(0, symlink("install-v1",
			     at(self, "var/opt/vendor/app/install-current")));
	snprintf(target, sizeof(target), "%s",
		 at(self, "var/opt/vendor/app/install-current"));
	ASSERT_EQ(0, symlink(target, at(self, "opt/vendor/app")));
	ASSERT_EQ(0, write_policy(self, "a.rules",
				  "deny path=@/opt/vendor/app/ id=t-vendor\n"));
}

/* What `ln -sfn install-v2 tmp && mv -T tmp install-current` does. */
static int flip(struct _test_data_enforce *self, const char *to)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", at(self, "var/opt/vendor/app/tmp"));
	unlink(tmp);
	if (symlink(to, tmp))
		return -errno;
	return rename(tmp, at(self, "var/opt/vendor/app/install-current")) ?
	       -errno : 0;
}

/* Wait (bounded) until interdictd says it resolved the rule paths again
 * more than `before` times. */
static int wait_resolved(struct _test_data_enforce *self, int before)
{
	int i;

	for (i = 0; i < EVENT_TIMEOUT * 10; i++) {
		if (log_count(self, "rule paths resolved again") > before)
			return 0;
		usleep(100000);
	}
	return -ETIMEDOUT;
}

/* What `ln -sfn /abs/target tmp && mv -T tmp app` does to the outer
 * link itself: a body with '/' in it, which the kernel cannot arm on a
 * directory; only the name's watch (link_names) covers it. */
static int flip_outer(struct _test_data_enforce *self, const char *to)
{
	char tmp[PATH_MAX], target[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", at(self, "opt/vendor/app.tmp"));
	snprintf(target, sizeof(target), "%s", at(self, to));
	unlink(tmp);
	if (symlink(target, tmp))
		return -errno;
	return rename(tmp, at(self, "opt/vendor/app")) ? -errno : 0;
}

/* do_flip while a loop tries the new version's binary through the rule's
 * path every 20 ms: no attempt gets through, before, during or after. */
static void flip_under_loop(struct _test_data_enforce *self,
			    struct __test_metadata *_metadata,
			    int (*do_flip)(struct _test_data_enforce *,
					   const char *), const char *to)
{
	struct shared { int stop, flipped, after, ran; } *sh;
	int status, i;
	pid_t loop;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	loop = fork();
	ASSERT_LE(0, loop);
	if (!loop) {
		const char *bin = at(self, "opt/vendor/app/bin/agent");

		while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
			int flipped = __atomic_load_n(&sh->flipped,
						      __ATOMIC_SEQ_CST);

			if (run(bin, NULL) != -EPERM)
				__atomic_fetch_add(&sh->ran, 1,
						   __ATOMIC_SEQ_CST);
			if (flipped)
				__atomic_fetch_add(&sh->after, 1,
						   __ATOMIC_SEQ_CST);
			usleep(20000);
		}
		_exit(0);
	}
	usleep(100000);
	ASSERT_EQ(0, do_flip(self, to));
	__atomic_store_n(&sh->flipped, 1, __ATOMIC_SEQ_CST);
	/* attempts that started after the flip, however long they take */
	for (i = 0; i < EVENT_TIMEOUT * 100 &&
	     __atomic_load_n(&sh->after, __ATOMIC_SEQ_CST) < 20; i++)
		usleep(10000);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	waitpid(loop, &status, 0);
	EXPECT_LE(20, sh->after);
	EXPECT_EQ(0, sh->ran);
	munmap(sh, sizeof(*sh));
}

/* The versioned-tree flip (install-current, a relative name), then the
 * outer link itself moved by an absolute target, each under the loop;
 * once interdictd has resolved the rule paths again, the old version is
 * no longer the rule's and the new one is, by its own path. */
TEST_F_TIMEOUT(enforce, symlink_flip_under_rule_path, 300)
{
	int resolved;

	vendor_tree(self, _metadata);
	ASSERT_EQ(0, mkdirs(at(self, "srv/vendor/install-v3/bin")));
	ASSERT_EQ(0, make_payload(at(self, "srv/vendor/install-v3/bin/agent"),
				  "v3"));
	START("enforce");
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/app/bin/agent"), NULL));
	/* not the rule's yet: these run, and their clean answer is cached */
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "var/opt/vendor/app/install-v2/"
				       "bin/agent"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "srv/vendor/install-v3/bin/agent"),
				    NULL));

	resolved = log_count(self, "rule paths resolved again");
	flip_under_loop(self, _metadata, flip, "install-v2");
	ASSERT_EQ(0, wait_resolved(self, resolved));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/app/bin/agent"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "var/opt/vendor/app/install-v2/bin/"
				     "agent"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "var/opt/vendor/app/install-v1/"
				       "bin/agent"), NULL));

	resolved = log_count(self, "rule paths resolved again");
	flip_under_loop(self, _metadata, flip_outer, "srv/vendor/install-v3");
	ASSERT_EQ(0, wait_resolved(self, resolved));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/app/bin/agent"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "srv/vendor/install-v3/bin/agent"),
			      NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "var/opt/vendor/app/install-v2/"
				       "bin/agent"), NULL));
}

/* The kernel's part alone: with interdictd stopped (so it cannot resolve
 * anything again), the flip by rename and one by unlink and symlink
 * (busybox's ln -sfn) leave the rule's path denied. */
TEST_F_TIMEOUT(enforce, symlink_flip_denied_before_daemon_resolves, 240)
{
	char tmp[PATH_MAX];
	int resolved;

	vendor_tree(self, _metadata);
	START("enforce");
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "var/opt/vendor/app/install-v2/"
				       "bin/agent"), NULL));
	resolved = log_count(self, "rule paths resolved again");
	ASSERT_EQ(0, kill(self->daemon, SIGSTOP));
	ASSERT_EQ(0, flip(self, "install-v2"));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/app/bin/agent"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "var/opt/vendor/app/install-v2/bin/"
				     "agent"), NULL));
	ASSERT_EQ(0, kill(self->daemon, SIGCONT));
	ASSERT_EQ(0, wait_resolved(self, resolved));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "var/opt/vendor/app/install-v1/"
				       "bin/agent"), NULL));

	resolved = log_count(self, "rule paths resolved again");
	ASSERT_EQ(0, kill(self->daemon, SIGSTOP));
	snprintf(tmp, sizeof(tmp), "%s",
		 at(self, "var/opt/vendor/app/install-current"));
	ASSERT_EQ(0, unlink(tmp));
	ASSERT_EQ(0, symlink("install-v1", tmp));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/app/bin/agent"), NULL));
	ASSERT_EQ(0, kill(self->daemon, SIGCONT));
	ASSERT_EQ(0, wait_resolved(self, resolved));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/app/bin/agent"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "var/opt/vendor/app/install-v2/"
				       "bin/agent"), NULL));
}

/* The same for the outer link moved by an absolute target, which only
 * the watch on its name covers: through the rule's path the new target
 * is denied (fail closed, said in the event) until interdictd resolves;
 * by its own path it is the rule's once resolved. Reading it is no exec:
 * allowed. A link elsewhere that is not on a rule path is not affected. */
TEST_F_TIMEOUT(enforce, symlink_absolute_flip_before_daemon_resolves, 240)
{
	char line[8192], buf[64];
	int resolved, fd;

	vendor_tree(self, _metadata);
	ASSERT_EQ(0, mkdirs(at(self, "srv/vendor/install-v3/bin")));
	ASSERT_EQ(0, make_payload(at(self, "srv/vendor/install-v3/bin/agent"),
				  "v3"));
	ASSERT_EQ(0, symlink(at(self, "srv/vendor/install-v3"),
			     at(self, "srv/other")));
	START("enforce");
	resolved = log_count(self, "rule paths resolved again");
	ASSERT_EQ(0, kill(self->daemon, SIGSTOP));
	ASSERT_EQ(0, flip_outer(self, "srv/vendor/install-v3"));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/app/bin/agent"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "srv/other/bin/agent"), NULL));
	fd = open(at(self, "opt/vendor/app/bin/agent"), O_RDONLY | O_CLOEXEC);
	EXPECT_LE(0, fd);
	EXPECT_LT(0, read(fd, buf, sizeof(buf)));
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(0, kill(self->daemon, SIGCONT));
	ASSERT_TRUE(wait_event(self, line, sizeof(line),
			       q("fail_closed", "link"), NULL));
	EXPECT_NE(NULL, strstr(line, q("action", "exec-denied")));
	EXPECT_NE(NULL, strstr(line, "install-v3/bin/agent")) TH_LOG("%s", line);
	ASSERT_EQ(0, wait_resolved(self, resolved));
	EXPECT_EQ(-EPERM, run(at(self, "srv/vendor/install-v3/bin/agent"),
			      NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "var/opt/vendor/app/install-v1/"
				       "bin/agent"), NULL));
	ASSERT_EQ(0, CTL(line, "-j", "status"));
	EXPECT_EQ(NULL, strstr(line, "\"link_denied\":0}")) TH_LOG("%s", line);

	/* removed, resolved while missing, then a link appears there: denied
	 * through it at once, and the rule follows it once resolved */
	resolved = log_count(self, "rule paths resolved again");
	ASSERT_EQ(0, unlink(at(self, "opt/vendor/app")));
	ASSERT_EQ(0, wait_resolved(self, resolved));
	resolved = log_count(self, "rule paths resolved again");
	ASSERT_EQ(0, kill(self->daemon, SIGSTOP));
	ASSERT_EQ(0, symlink(at(self, "var/opt/vendor/app/install-v2"),
			     at(self, "opt/vendor/app")));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/app/bin/agent"), NULL));
	ASSERT_EQ(0, kill(self->daemon, SIGCONT));
	ASSERT_EQ(0, wait_resolved(self, resolved));
	EXPECT_EQ(-EPERM, run(at(self, "opt/vendor/app/bin/agent"), NULL));
	EXPECT_EQ(-EPERM, run(at(self, "var/opt/vendor/app/install-v2/bin/"
				     "agent"), NULL));
	EXPECT_EQ(PAYLOAD_EXIT, run(at(self, "srv/vendor/install-v3/bin/agent"),
				    NULL));
}

TEST_HARNESS_MAIN
