/*
 * recvtty: the receiving end of a runtime's --console-socket, for the
 * console tests.
 *
 *   recvtty SOCKET OUTFILE TIMEOUT [INPUT]
 *
 * Listens on the unix socket SOCKET, accepts one connection and reads
 * messages from it until EOF, counting every fd that arrives by SCM_RIGHTS
 * (runc's protocol: one sendmsg carrying exactly one fd, the pty master).
 * Reports on stdout, as key=value lines:
 *   fds=N          fds received in total (every one of them is counted)
 *   msgs=N         messages carrying fds
 *   ptsname=PATH   ptsname() of the first fd, or "none" when it is no pty master
 *   stdin_tty=0|1  whether the fd also passes isatty() (a master does)
 * Then writes INPUT (with C escapes \n \r \\ expanded) to the master and
 * copies everything the master yields into OUTFILE until the slave side is
 * closed by every process in the container (EIO) or TIMEOUT seconds pass.
 * Last line: "end=eio" or "end=timeout".  Exits 0 when exactly one fd that
 * is a pty master arrived, 1 otherwise, 2 on usage or system errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 16

static int die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	exit(2);
}

static size_t unescape(const char *in, char *out)
{
	size_t n = 0;

	for (; *in; in++) {
		if (*in == '\\' && in[1]) {
			in++;
			out[n++] = *in == 'n' ? '\n' : *in == 'r' ? '\r' : *in == 't' ? '\t' : *in;
		} else {
			out[n++] = *in;
		}
	}
	return n;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read messages until EOF; collect every fd of every SCM_RIGHTS header. */
static int receive(int conn, int *fds, int *ret_msgs)
{
	int n = 0, msgs = 0;

	for (;;) {
		char data[256];
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		} u;
		struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = u.buf,
			.msg_controllen = sizeof(u.buf),
		};
		struct cmsghdr *c;
		ssize_t r = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
		int carried = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("recvmsg");
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			size_t k;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k && n < MAX_FDS; i++)
				memcpy(&fds[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			carried = 1;
		}
		if (mh.msg_flags & MSG_CTRUNC)
			fprintf(stderr, "recvtty: control data truncated\n");
		msgs += carried;
		if (r == 0 && !carried)
			break;
	}
	*ret_msgs = msgs;
	return n;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, conn, master, nfds, msgs, timeout_s, ok;
	int fds[MAX_FDS];
	const char *pts;
	FILE *out;
	long deadline;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: recvtty SOCKET OUTFILE TIMEOUT [INPUT]\n");
		return 2;
	}
	timeout_s = atoi(argv[3]);
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "recvtty: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	out = fopen(argv[2], "we");
	if (!out)
		die(argv[2]);

	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	unlink(argv[1]);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	if (listen(lfd, 1) < 0)
		die("listen");
	alarm(timeout_s + 5); /* never outlive the test by much */
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		die("accept");
	nfds = receive(conn, fds, &msgs);
	close(conn);
	close(lfd);
	unlink(argv[1]);

	printf("fds=%d\nmsgs=%d\n", nfds, msgs);
	if (nfds < 1) {
		printf("ptsname=none\n");
		return 1;
	}
	master = fds[0];
	pts = ptsname(master);
	printf("ptsname=%s\nstdin_tty=%d\n", pts ? pts : "none", isatty(master));
	fflush(stdout);
	ok = nfds == 1 && pts != NULL;

	if (argc == 5) {
		char *buf = malloc(strlen(argv[4]) + 1);
		size_t len;

		if (!buf)
			die("malloc");
		len = unescape(argv[4], buf);
		if (write(master, buf, len) != (ssize_t)len)
			die("write to the pty master");
		free(buf);
	}

	deadline = now_ms() + timeout_s * 1000L;
	for (;;) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		long left = deadline - now_ms();
		char buf[4096];
		ssize_t r;

		if (left <= 0) {
			printf("end=timeout\n");
			break;
		}
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p.revents == 0)
			continue;
		r = read(master, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* EIO: the last holder of the slave side closed it. */
			printf("end=eio\n");
			break;
		}
		fwrite(buf, 1, r, out);
		fflush(out);
	}
	fclose(out);
	return ok ? 0 : 1;
}
