/* Terminals: the container's pty is allocated inside the container (its own
 * devpts), the peer taken with TIOCGPTPEER (never by path, CVE-2025-52565),
 * and the master handed to the caller: to a --console-socket, or to capsa run
 * which proxies it to its own terminal. */
#ifndef CAPSA_RUNTIME_TERMINAL_H
#define CAPSA_RUNTIME_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

/* In the container, after pivot_root: open /dev/ptmx, return master and slave. */
int rt_pty_open(int *ret_master, int *ret_slave, struct rt_err *err);

/* Make slave the controlling terminal and stdio of the calling process
 * (which must be a session leader), with the given size when non-zero. */
int rt_pty_become(int slave, unsigned int rows, unsigned int cols, struct rt_err *err);

/* Send fd by SCM_RIGHTS in one sendmsg to the unix socket at path. */
int rt_console_socket_send(const char *path, int fd, struct rt_err *err);

/* capsa run with a terminal: raw mode on our stdin when it is a tty, copy
 * both ways until the master hangs up; returns when the container's side
 * closes.  Window size changes are forwarded on SIGWINCH by the caller
 * through rt_pty_copy_winsize. */
struct rt_tty_saved {
	bool saved;
	int fd;
	unsigned char termios[64]; /* struct termios, opaque here */
};
int rt_tty_raw(int fd, struct rt_tty_saved *saved);
void rt_tty_restore(struct rt_tty_saved *saved);
void rt_pty_copy_winsize(int from_fd, int master);

#endif
