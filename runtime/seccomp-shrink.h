/* A smaller seccomp program with the same decisions as libseccomp's.
 *
 * libseccomp's binary tree tests every syscall number a profile names on
 * its own (docker's default profile: 1235 instructions for x86_64, x32 and
 * i386).  The kernel pays for the size at every container start: it checks,
 * converts and JITs the program and then walks it once per syscall number
 * to find the ones always allowed (~0.35 ms here for docker's profile
 * against ~0.14 ms for 300 instructions).  Most syscall numbers need no
 * argument test, and neighbours mostly share their action, so a tree over
 * ranges of numbers with one action is far smaller.
 *
 * rt_seccomp_shrink never interprets the profile: it reads the decision of
 * every range off libseccomp's program itself (rt_bpf_run), builds the
 * tree, and for the few numbers where arguments count jumps to where
 * libseccomp's program first loads one on their path, in a copy of the
 * part of that program reachable from such places (its argument tests:
 * whatever libseccomp emits there, socketcall demultiplexing included).
 * Before
 * returning it runs both programs on every breakpoint of both (each
 * architecture and syscall number either compares with, and its neighbour)
 * and, where arguments count, on argument values around every constant
 * they are compared with; any difference is an error, and the caller keeps
 * libseccomp's program.
 *
 * Why breakpoints suffice: rt_bpf_keys refuses any program that does more
 * with nr or arch than compare them with constants (jeq, jgt, jge), so
 * where no argument is read, a decision is the same for every value
 * between two consecutive breakpoints K and K + 1: checking one value of
 * each range checks them all.  Where arguments are read, ours runs
 * libseccomp's own instructions from the point its path reached (the path
 * there depends on nr and arch alone); the argument values tried check
 * the copy, they are not a proof. */
#ifndef CAPSA_RUNTIME_SECCOMP_SHRINK_H
#define CAPSA_RUNTIME_SECCOMP_SHRINK_H

#include <linux/filter.h>
#include <stddef.h>

/* 0 with *ret (malloc'ed, *ret_len instructions, fewer than full_len);
 * -ENOTSUP (full does something the check does not model), -E2BIG (no
 * smaller), -EPROTO (the check found a difference: a bug here), -EINVAL,
 * -ENOMEM. */
int rt_seccomp_shrink(const struct sock_filter *full, size_t full_len, struct sock_filter **ret,
		      size_t *ret_len);

/* The check: 0 when b decides as a on every breakpoint of both (and, where
 * either reads arguments, on the argument values tried), -EPROTO at the
 * first difference, -ENOTSUP/-EINVAL/-ENOMEM as rt_bpf_keys. */
int rt_seccomp_same(const struct sock_filter *a, size_t a_len, const struct sock_filter *b, size_t b_len);

#endif
