// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CLI's side of the control socket: one request, the daemon's answer
 * copied to stdout, and its exit status returned.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "interdict.h"

#define ANSWER_TIMEOUT_MS 120000	/* a reload of a large policy */

static int unreachable(const char *path, int err, bool json, FILE *out)
{
	char msg[512];

	if (out != stdout)
		return CLIENT_UNREACHABLE;	/* the caller says it its way */
	snprintf(msg, sizeof(msg), "cannot reach interdictd on %s: %s; is it "
		 "running? (systemctl status interdictd). Pinned enforcement, "
		 "if any, goes on without it", path, strerror(err));
	json_error(json ? stdout : stderr, json, "interdict", msg);
	return CLIENT_UNREACHABLE;
}

static int call(const char *path, const struct ctl_req *req, FILE *out);

int client_call(const char *path, const struct ctl_req *req)
{
	return call(path, req, stdout);
}

/* The answer in *buf (malloc'd); no message when no daemon answers. */
int client_call_buf(const char *path, const struct ctl_req *req, char **buf,
		    size_t *len)
{
	FILE *out = open_memstream(buf, len);
	int code;

	if (!out)
		return -ENOMEM;
	code = call(path, req, out);
	fclose(out);
	return code;
}

static int call(const char *path, const struct ctl_req *req, FILE *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd p = { .events = POLLIN };
	char buf[65536], *nl;
	bool head = true;
	int fd, code = 1, n;
	ssize_t got;

	if (strlen(path) >= sizeof(sa.sun_path))
		return unreachable(path, ENAMETOOLONG, req->json, out);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		n = errno;
		if (fd >= 0)
			close(fd);
		return unreachable(path, n, req->json, out);
	}
	n = ctl_format(buf, sizeof(buf), req);
	if (n < 0 || write(fd, buf, n) != n) {
		close(fd);
		return unreachable(path, EIO, req->json, out);
	}
	p.fd = fd;
	for (;;) {
		if (poll(&p, 1, ANSWER_TIMEOUT_MS) <= 0) {
			code = unreachable(path, ETIMEDOUT, req->json, out);
			break;
		}
		got = read(fd, buf, sizeof(buf) - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		buf[got] = 0;
		nl = buf;
		if (head) {
			/* the status line; the rest is the verb's output */
			nl = strchr(buf, '\n');
			if (!nl) {
				code = unreachable(path, EPROTO, req->json, out);
				break;
			}
			code = atoi(buf);
			head = false;
			nl++;
		}
		fwrite(nl, 1, got - (nl - buf), out);
	}
	close(fd);
	if (head && code == 1)
		return unreachable(path, EPROTO, req->json, out);
	return code;
}
