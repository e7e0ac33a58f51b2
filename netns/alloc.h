/* Address allocation: one text file per network,
 * STATE_ROOT/networks/NETWORK.alloc, a line per attached container:
 *     ADDRESS ID PORTS        e.g. "10.89.0.2 web tcp:8080,udp:5353" ("-": none)
 * Every reader and writer holds an exclusive flock on STATE_ROOT/networks/.lock
 * (one lock for all networks, because published host ports are host-wide);
 * files are replaced atomically.  An entry whose STATE_ROOT/ID directory is
 * gone belongs to a container that no longer exists: it is reclaimed (its
 * veth and nftables rules deleted too) by the next locked operation. */
#ifndef CAPSA_NETNS_ALLOC_H
#define CAPSA_NETNS_ALLOC_H

#include <netinet/in.h>
#include <stddef.h>

#include "netns/config.h"
#include "runtime/err.h"

struct net_publish;

/* Take the lock: returns the lock fd (close it to unlock). */
int net_alloc_lock(const char *state_root, struct rt_err *err);

/* Under the lock: reclaim stale entries, refuse an id attached anywhere
 * (-EEXIST), a host port already published (-EADDRINUSE), a wanted address
 * outside the subnet (-EINVAL) or in use (-EADDRINUSE); then record the id
 * with `want` (INADDR_ANY: the lowest free address) and return the address. */
int net_alloc_take(const char *state_root, const struct net_network *net, const char *id, struct in_addr want,
		   const struct net_publish *publish, size_t n_publish, struct in_addr *ret,
		   struct rt_err *err);

/* Under the lock: drop the id's entry from whichever network has it.
 * Returns 1 if it was there, 0 if not. */
int net_alloc_release(const char *state_root, const char *id, struct rt_err *err);

/* Number of live entries of a network, reclaiming stale ones.  The caller
 * holds the lock (lock_fd from net_alloc_lock). */
int net_alloc_count_locked(const char *state_root, const char *network, struct rt_err *err);

/* Path of a network's allocation file. */
int net_alloc_path(const char *state_root, const char *network, char *buf, size_t size);

#endif
