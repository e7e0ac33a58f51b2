/* Parent <-> child messages over one SOCK_SEQPACKET socketpair.
 *
 * Fixed-size typed messages; an optional fd rides along by SCM_RIGHTS.  EOF or
 * a short read means the peer died: always an error, never success.  The
 * child's socket end is close-on-exec, so the parent seeing EOF after
 * RT_SYNC_EXEC_NOW means the execve succeeded. */
#ifndef CAPSA_RUNTIME_SYNC_H
#define CAPSA_RUNTIME_SYNC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum rt_sync_type {
	RT_SYNC_GO = 1,	    /* parent: ids mapped, cgroup joined, network up */
	RT_SYNC_HOOKS,	    /* child: namespaces ready, run prestart/createRuntime */
	RT_SYNC_HOOKS_DONE, /* parent: those hooks ran */
	RT_SYNC_PTY,	    /* child: here is the pty master (fd attached) */
	RT_SYNC_READY,	    /* child: all set up, waiting for start */
	RT_SYNC_EXEC_NOW,   /* parent (run, exec): go ahead and exec */
	RT_SYNC_ERROR,	    /* child: failed, err holds why */
	RT_SYNC_NS_READY,   /* child (early start): its namespaces exist, before GO */
};

struct rt_sync_msg {
	uint32_t type;
	int32_t value;
	struct rt_err err;
};

/* At most this many fds ride on one message (the tasks files of every v1
 * hierarchy, see cgroups/join.c). */
#define RT_SYNC_MAX_FDS 32

/* Send a message, with fd >= 0 attached. */
int rt_sync_send(int sock, enum rt_sync_type type, int32_t value, int fd, const struct rt_err *err);
/* Whether a send's result r says the peer has closed its end (it exited,
 * or exec'd: the socket is close-on-exec).  A child that fails sends
 * RT_SYNC_ERROR before it goes, so the caller should then read that
 * instead of reporting the send's error. */
static inline bool rt_sync_peer_gone(int r)
{
	return r == -EPIPE || r == -ECONNRESET;
}
/* The same with n fds (n <= RT_SYNC_MAX_FDS) attached. */
int rt_sync_send_fds(int sock, enum rt_sync_type type, int32_t value, const int *fds, size_t n,
		     const struct rt_err *err);

/* Receive one message; *ret_fd gets an attached fd (or -1).  A message of the
 * wrong size, EOF, or more than one fd is -EPROTO/-EPIPE.  The error text
 * inside is NUL-terminated by construction. */
int rt_sync_recv(int sock, struct rt_sync_msg *ret, int *ret_fd);
/* The same with up to max fds into fds[], *ret_n of them; more is -EPROTO. */
int rt_sync_recv_fds(int sock, struct rt_sync_msg *ret, int *fds, size_t max, size_t *ret_n);

/* Receive and require a given type; an RT_SYNC_ERROR from the peer is copied
 * into err and returned as its errno.  what names the rendezvous in messages. */
int rt_sync_expect(int sock, enum rt_sync_type type, const char *what, int *ret_fd, struct rt_err *err);
/* The same with up to max fds attached (closed again unless it returns >= 0). */
int rt_sync_expect_fds(int sock, enum rt_sync_type type, const char *what, int *fds, size_t max,
		       size_t *ret_n, struct rt_err *err);

#endif
