#include "terminal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

_Static_assert(sizeof(struct termios) <= 64, "termios fits");

int rt_pty_open(int *ret_master, int *ret_slave, struct rt_err *err)
{
	int master, slave, unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return rt_err_set(err, errno, "open /dev/ptmx in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0) {
		int r = rt_err_set(err, errno, "unlock pty");

		close(master);
		return r;
	}
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		int r = rt_err_set(err, errno, "open the pty peer");

		close(master);
		return r;
	}
	*ret_master = master;
	*ret_slave = slave;
	return 0;
}

int rt_pty_become(int slave, unsigned int rows, unsigned int cols, struct rt_err *err)
{
	if (rows && cols) {
		struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };

		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return rt_err_set(err, errno, "set console size");
	}
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return rt_err_set(err, errno, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup3(slave, i, 0) < 0 && !(slave == i))
			return rt_err_set(err, errno, "dup the pty to fd %d", i);
	return 0;
}

int rt_console_socket_send(const char *path, int fd, struct rt_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int s = -EBADF;
	char dummy = '\0';
	struct iovec iov = { .iov_base = &dummy, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)
	};
	struct cmsghdr *c;

	if (strlen(path) >= sizeof(sa.sun_path))
		return rt_err_msg(err, ENAMETOOLONG, "--console-socket %s: path too long", path);
	strcpy(sa.sun_path, path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return rt_err_set(err, errno, "console socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return rt_err_set(err, errno, "connect to console socket %s", path);
	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
		return rt_err_set(err, errno, "send the console to %s", path);
	return 0;
}

int rt_tty_raw(int fd, struct rt_tty_saved *saved)
{
	struct termios t;

	saved->saved = false;
	if (!isatty(fd) || tcgetattr(fd, &t) < 0)
		return 0;
	memcpy(saved->termios, &t, sizeof(t));
	saved->fd = fd;
	saved->saved = true;
	cfmakeraw(&t);
	t.c_oflag |= OPOST; /* keep output post-processing, as runc */
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

void rt_tty_restore(struct rt_tty_saved *saved)
{
	struct termios t;

	if (!saved->saved)
		return;
	memcpy(&t, saved->termios, sizeof(t));
	tcsetattr(saved->fd, TCSANOW, &t);
	saved->saved = false;
}

void rt_pty_copy_winsize(int from_fd, int master)
{
	struct winsize ws;

	if (ioctl(from_fd, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}
