/*
 * consock: a console socket receiver (runc's --console-socket protocol) for
 * the terminal tests.  Listens on a unix socket, takes one connection,
 * receives the pty master with SCM_RIGHTS, and copies everything the
 * container writes to its terminal into OUTFILE until the pty closes.
 *
 *   consock SOCKET OUTFILE MAXSEC
 *
 * Prints `ready` once listening, then `ptn=N` (the pts number of the
 * received master, TIOCGPTN) and `bytes=N`.  Exits 1 if no fd arrives.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int recv_fd(int conn)
{
	char buf[256];
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, conn, master, out;
	unsigned int ptn = 0;
	long total = 0;
	time_t deadline;
	struct pollfd pfd;

	if (argc != 4) {
		fprintf(stderr, "usage: consock SOCKET OUTFILE MAXSEC\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = time(NULL) + atol(argv[3]);
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "consock: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0) {
		perror("consock: listen");
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		perror("consock: outfile");
		return 1;
	}
	printf("ready\n");
	pfd = (struct pollfd){ .fd = lfd, .events = POLLIN };
	if (poll(&pfd, 1, (int)(atol(argv[3]) * 1000)) <= 0) {
		fprintf(stderr, "consock: no connection\n");
		return 1;
	}
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		perror("consock: accept");
		return 1;
	}
	master = recv_fd(conn);
	if (master < 0) {
		perror("consock: recvmsg");
		return 1;
	}
	close(conn);
	close(lfd);
	unlink(argv[1]);
	if (ioctl(master, TIOCGPTN, &ptn) == 0)
		printf("ptn=%u\n", ptn);
	else
		printf("ptn=none\n");
	/* Copy until the last slave closes (EIO) or the time is up. */
	while (time(NULL) < deadline) {
		char buf[4096];
		ssize_t n;

		pfd = (struct pollfd){ .fd = master, .events = POLLIN };
		if (poll(&pfd, 1, 200) == 0)
			continue;
		n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (write(out, buf, (size_t)n) != n)
			break;
		total += n;
	}
	close(out);
	close(master);
	printf("bytes=%ld\n", total);
	return 0;
}
