#include "sync.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int rt_sync_send_fds(int sock, enum rt_sync_type type, int32_t value, const int *fds, size_t n,
		     const struct rt_err *err)
{
	struct rt_sync_msg m = { .type = type, .value = value };
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * RT_SYNC_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t r;

	if (n > RT_SYNC_MAX_FDS)
		return -E2BIG;
	if (err)
		m.err = *err;
	if (n > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == (ssize_t)sizeof(m) ? 0 : -EPROTO;
}

int rt_sync_send(int sock, enum rt_sync_type type, int32_t value, int fd, const struct rt_err *err)
{
	return rt_sync_send_fds(sock, type, value, &fd, fd >= 0 ? 1 : 0, err);
}

int rt_sync_recv_fds(int sock, struct rt_sync_msg *ret, int *fds, size_t max, size_t *ret_n)
{
	struct iovec iov = { .iov_base = ret, .iov_len = sizeof(*ret) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * RT_SYNC_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)
	};
	int got[RT_SYNC_MAX_FDS];
	size_t nfds = 0;
	ssize_t n;

	*ret_n = 0;
	/* ECONNRESET: the peer went while a message of ours sat unread in its
	 * queue; the kernel reports that (once) before what the peer sent
	 * first, such as its error.  Read on: that message, or EOF. */
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && (errno == EINTR || errno == ECONNRESET));
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		size_t k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (k > RT_SYNC_MAX_FDS - nfds)
			k = RT_SYNC_MAX_FDS - nfds;
		memcpy(got + nfds, CMSG_DATA(c), k * sizeof(int));
		nfds += k;
	}
	if (n == 0 || n != (ssize_t)sizeof(*ret) || nfds > max || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (size_t i = 0; i < nfds; i++)
			close(got[i]);
		return n == 0 ? -EPIPE : -EPROTO;
	}
	ret->err.msg[sizeof(ret->err.msg) - 1] = '\0';
	memcpy(fds, got, nfds * sizeof(int));
	*ret_n = nfds;
	return 0;
}

int rt_sync_recv(int sock, struct rt_sync_msg *ret, int *ret_fd)
{
	int fd = -1;
	size_t n;
	int r = rt_sync_recv_fds(sock, ret, &fd, 1, &n);

	if (ret_fd)
		*ret_fd = n ? fd : -1;
	else if (n)
		close(fd);
	return r;
}

int rt_sync_expect_fds(int sock, enum rt_sync_type type, const char *what, int *fds, size_t max,
		       size_t *ret_n, struct rt_err *err)
{
	struct rt_sync_msg m;
	size_t n = 0;
	int r;

	*ret_n = 0;
	r = rt_sync_recv_fds(sock, &m, fds, max, &n);
	if (r < 0)
		return rt_err_msg(err, -r == EPIPE ? EPIPE : -r,
				  "%s: the container process exited unexpectedly", what);
	if (m.type != (uint32_t)type) {
		for (size_t i = 0; i < n; i++)
			close(fds[i]);
		if (m.type == RT_SYNC_ERROR) {
			*err = m.err;
			return rt_err_ret(err);
		}
		return rt_err_msg(err, EPROTO, "%s: unexpected message %u from the container process", what,
				  m.type);
	}
	*ret_n = n;
	return m.value;
}

int rt_sync_expect(int sock, enum rt_sync_type type, const char *what, int *ret_fd, struct rt_err *err)
{
	int fd = -1, r;
	size_t n;

	r = rt_sync_expect_fds(sock, type, what, &fd, 1, &n, err);
	if (ret_fd)
		*ret_fd = n ? fd : -1;
	else if (n)
		close(fd);
	return r;
}
