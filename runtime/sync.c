#include "sync.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int rt_sync_send(int sock, enum rt_sync_type type, int32_t value, int fd, const struct rt_err *err)
{
	struct rt_sync_msg m = { .type = type, .value = value };
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (err)
		m.err = *err;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(m) ? 0 : -EPROTO;
}

int rt_sync_recv(int sock, struct rt_sync_msg *ret, int *ret_fd)
{
	struct iovec iov = { .iov_base = ret, .iov_len = sizeof(*ret) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)
	};
	int nfds = 0, fds[4];
	ssize_t n;

	if (ret_fd)
		*ret_fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (nfds > 4)
			nfds = 4;
		memcpy(fds, CMSG_DATA(c), (size_t)nfds * sizeof(int));
	}
	if (n == 0 || n != (ssize_t)sizeof(*ret) || nfds > 1 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return n == 0 ? -EPIPE : -EPROTO;
	}
	ret->err.msg[sizeof(ret->err.msg) - 1] = '\0';
	if (nfds == 1) {
		if (ret_fd)
			*ret_fd = fds[0];
		else
			close(fds[0]);
	}
	return 0;
}

int rt_sync_expect(int sock, enum rt_sync_type type, const char *what, int *ret_fd, struct rt_err *err)
{
	struct rt_sync_msg m;
	int fd = -1, r;

	r = rt_sync_recv(sock, &m, &fd);
	if (r < 0)
		return rt_err_msg(err, -r == EPIPE ? EPIPE : -r,
				  "%s: the container process exited unexpectedly", what);
	if (m.type == RT_SYNC_ERROR) {
		if (fd >= 0)
			close(fd);
		*err = m.err;
		return rt_err_ret(err);
	}
	if (m.type != (uint32_t)type) {
		if (fd >= 0)
			close(fd);
		return rt_err_msg(err, EPROTO, "%s: unexpected message %u from the container process", what,
				  m.type);
	}
	if (ret_fd)
		*ret_fd = fd;
	else if (fd >= 0)
		close(fd);
	return m.value;
}
