// SPDX-License-Identifier: GPL-2.0-only
/*
 * interdictd's control socket: accept, check the peer (root only, by
 * SO_PEERCRED), read one request, run the verb, answer, close. No other
 * file of the daemon touches the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"

#define READ_TIMEOUT_MS	2000	/* a silent client is dropped, not waited on */

static int mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int control_open(struct daemon *d, char *why, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	d->ctl_fd = -1;
	if (strlen(d->control_path) >= sizeof(sa.sun_path)) {
		snprintf(why, len, "control socket path %s is longer than %zu "
			 "bytes", d->control_path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, d->control_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	/* A socket that answers belongs to a daemon that runs: leave it. */
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		snprintf(why, len, "another interdictd answers on %s; stop it "
			 "first (systemctl stop interdictd)", d->control_path);
		return -EADDRINUSE;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || mkdir_parent(d->control_path))
		goto fail;
	unlink(d->control_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(d->control_path, 0600) || listen(fd, 16))
		goto fail;
	d->ctl_fd = fd;
	return 0;
fail:
	err = -errno;
	snprintf(why, len, "cannot listen on %s: %s", d->control_path,
		 strerror(-err));
	if (fd >= 0)
		close(fd);
	return err;
}

static ssize_t read_request(int fd, char *buf, size_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t have = 0;
	ssize_t n;

	while (have < len) {
		if (poll(&p, 1, READ_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + have, len - have);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return n < 0 ? -errno : (ssize_t)have;
		have += n;
		if (buf[have - 1] == '\n')
			return have;
	}
	return -EMSGSIZE;
}

static void answer(int fd, int code, const char *body, size_t len)
{
	char head[16];
	int n = snprintf(head, sizeof(head), "%d\n", code);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	const char *parts[2] = { head, body };
	size_t lens[2] = { (size_t)n, len }, off;
	ssize_t w;
	int i;

	for (i = 0; i < 2; i++)
		for (off = 0; off < lens[i];) {
			if (poll(&p, 1, READ_TIMEOUT_MS) <= 0)
				return;
			w = write(fd, parts[i] + off, lens[i] - off);
			if (w < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (w <= 0)
				return;
			off += w;
		}
}

static int dispatch(struct daemon *d, const struct ctl_req *req, FILE *out,
		    const struct ucred *who)
{
	switch (req->verb) {
	case CTL_STATUS:
		return daemon_status(d, out, req->json);
	case CTL_RELOAD:
		return daemon_reload(d, out, req->json);
	case CTL_RULES:
		return daemon_rules(d, out, req->json);
	case CTL_MODE:
		return daemon_mode(d, out, req->json, req->enforce, who);
	case CTL_DISABLE:
		return daemon_disable(d, out, req->json, who);
	default:
		return 2;
	}
}

/* One connection, if one is waiting. */
void control_serve(struct daemon *d)
{
	struct ucred who;
	socklen_t wl = sizeof(who);
	struct ctl_req req;
	char buf[CTL_REQ_MAX + 1];
	char *body = NULL;
	size_t blen = 0;
	FILE *out;
	ssize_t n;
	int fd, code = 2, err;

	fd = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	out = open_memstream(&body, &blen);
	if (!out)
		goto cleanup;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &who, &wl) ||
	    who.uid != 0) {
		log_warnx("control", "refused a request from uid %d (pid %d): "
			  "only root may control interdictd",
			  (int)who.uid, (int)who.pid);
		json_error(out, false, "error", "permission denied: "
			   "interdict talks to interdictd as root only");
		goto reply;
	}
	n = read_request(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	err = n < 0 ? (int)n : ctl_parse(buf, n, &req);
	if (err) {
		json_error(out, strstr(buf, " json ") != NULL, "error",
			   err == -EINVAL ? "unknown verb or argument" :
			   "malformed request (expected \"" CTL_MAGIC
			   " text|json VERB [ARG]\")");
		goto reply;
	}
	log_debug("control", "%s from pid %d", ctl_verb_name(req.verb),
		  (int)who.pid);
	code = dispatch(d, &req, out, &who);
reply:
	fclose(out);
	out = NULL;
	answer(fd, code, body ? body : "", body ? blen : 0);
cleanup:
	free(body);
	close(fd);
}

void control_close(struct daemon *d)
{
	if (d->ctl_fd < 0)
		return;
	close(d->ctl_fd);
	d->ctl_fd = -1;
	unlink(d->control_path);
}
