/* rtnetlink through libmnl: the few link, address and route operations the
 * bridge network needs.  Every function returns >= 0 or a negative errno; the
 * caller adds the human context.  A struct net_nl is bound to the network
 * namespace it was opened in, whatever the thread does afterwards. */
#ifndef CAPSA_NETNS_NL_H
#define CAPSA_NETNS_NL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mnl_socket;

struct net_nl {
	struct mnl_socket *sock;
	uint32_t seq;
	unsigned int portid;
};

struct net_link {
	int ifindex;
	unsigned int mtu;
	int master; /* ifindex of the master device, 0 if none */
	bool up;
};

/* Open an rtnetlink socket in the caller's network namespace. */
int net_nl_open(struct net_nl *ret);

/* Open an rtnetlink socket inside the namespace nsfd (an open
 * /proc/PID/ns/net): setns into it, open the socket, setns back.  The calling
 * thread is back in its own namespace on return, success or not. */
int net_nl_open_in(int nsfd, struct net_nl *ret);

void net_nl_close(struct net_nl *nl);

/* Look up a link by name: -ENODEV if there is none. */
int net_link_get(struct net_nl *nl, const char *name, struct net_link *ret);

/* Create a bridge (-EEXIST if the name is taken). */
int net_bridge_add(struct net_nl *nl, const char *name);

/* Create a veth pair: host end NAME in this namespace, peer PEER created
 * directly inside the namespace peer_nsfd; both with the given MTU (0 = default). */
int net_veth_add(struct net_nl *nl, const char *name, const char *peer, int peer_nsfd, unsigned int mtu);

/* Change a link: master ifindex (< 0 leaves it), up if up is true. */
int net_link_set(struct net_nl *nl, int ifindex, int master, bool up);

/* Delete a link by name: -ENODEV if it does not exist. */
int net_link_del(struct net_nl *nl, const char *name);

/* Add an IPv4 address addr/prefix to ifindex (-EEXIST if present). */
int net_addr_add(struct net_nl *nl, int ifindex, struct in_addr addr, unsigned int prefix);

/* Add the default route via gw. */
int net_route_add_default(struct net_nl *nl, struct in_addr gw);

/* Find an IPv4 route or address of this namespace that overlaps net/prefix,
 * ignoring default routes and anything on ignore_ifindex (0 = none).  Returns
 * 1 and describes it in desc ("route 192.0.2.0/24 dev eth0"), 0 if none. */
int net_find_overlap(struct net_nl *nl, struct in_addr net, unsigned int prefix, int ignore_ifindex,
		     char *desc, size_t desc_size);

/* First IPv4 address (and its prefix) on ifindex: -ENOENT if none. */
int net_addr_first(struct net_nl *nl, int ifindex, struct in_addr *ret, unsigned int *ret_prefix);

/* After libmnl reported an interrupted dump (EINTR) while parsing buf:
 * read and discard the rest of the dump from the netlink socket fd, so the
 * socket can be used again.  Returns 0 or a negative errno. */
int net_nl_drain_dump(int fd, const void *buf, size_t len);

/* Number of links enslaved to master_ifindex. */
int net_link_count_ports(struct net_nl *nl, int master_ifindex);

#endif
