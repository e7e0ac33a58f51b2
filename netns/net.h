/* Bridge networking for capsa's own run/create: one host bridge per network,
 * a veth pair per container, an address from a per-network allocation file,
 * outbound NAT and published ports in capsa's nftables table, and the
 * /etc/hosts, /etc/resolv.conf and /etc/hostname the runtime bind-mounts.
 *
 * Everything goes through netlink in-process (libmnl, libnftnl); nothing
 * shells out.  Networks are described in net-config.h. */
#ifndef CAPSA_NETNS_NET_H
#define CAPSA_NETNS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/err.h"

struct net_publish {
	uint16_t host_port, container_port;
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

struct net_request {
	const char *network; /* NULL = the default network "capsa" */
	bool nat;	     /* outbound masquerade; turns on net.ipv4.ip_forward */
	const struct net_publish *publish;
	size_t n_publish;
	const char *hostname;	 /* NULL = the first 12 characters of the id */
	const char *address;	 /* NULL = allocate; else a fixed IPv4 address inside the subnet */
	const char *resolv_conf; /* NULL = /etc/resolv.conf: the source of files_dir/resolv.conf */
};

/* Parse "HOSTPORT:PORT[/tcp|/udp]" (ports 1..65535, tcp by default). */
int net_publish_parse(const char *s, struct net_publish *ret, struct rt_err *err);

/* Attach the container whose init has host pid `pid` (already in its own
 * network namespace, not yet running user code) to the network:
 *  - the bridge is created on first use (gateway address, up), after checking
 *    that the subnet overlaps no host route or address;
 *  - an address is taken in state_root/networks/NETWORK.alloc under a lock;
 *    entries of ids without a state_root/<id> directory are reclaimed, so the
 *    caller must have created state_root/<id> before calling;
 *  - a veth pair "capsa<hash>" <-> eth0 (in the container), bridge MTU, host
 *    end on the bridge and up; eth0 address, up; lo up; default route;
 *  - nftables rules for req->nat and req->publish;
 *  - files_dir/hosts, files_dir/resolv.conf (the source's lines minus
 *    127.x nameservers) and files_dir/hostname.
 * On failure everything done so far is undone.  -EEXIST if id is attached. */
int net_attach(const char *state_root, const char *id, pid_t pid, const struct net_request *req,
	       const char *files_dir, struct rt_err *err);

/* Undo net_attach: delete the veth (if still there), the id's nftables rules
 * and its address.  Idempotent, and safe after an attacher was SIGKILLed at
 * any point. */
int net_detach(const char *state_root, const char *id, struct rt_err *err);

/* Number of containers attached to network NAME (stale entries reclaimed). */
int net_network_users(const char *state_root, const char *name, struct rt_err *err);

/* Remove network NAME: refused (-EBUSY) while a container uses it or its
 * bridge has ports; deletes the bridge, the definition and the allocation file. */
int net_network_remove(const char *state_root, const char *name, struct rt_err *err);

/* The host-side veth name for an id: "capsa" + 10 hex digits of its hash. */
void net_veth_name(const char *id, char ret[16]);

#endif
