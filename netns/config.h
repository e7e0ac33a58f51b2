/* Network definitions: NAME -> bridge, subnet, gateway.  Each network is a
 * JSON file $CAPSA_NETWORK_DIR/NAME.json (default /etc/capsa/networks):
 *   {"name": "capsa", "bridge": "capsa0", "subnet": "10.89.0.0/24", "gateway": "10.89.0.1"}
 * The default network "capsa" needs no file: on first use its subnet is the
 * first candidate private range that overlaps nothing on the host or in
 * another network, and the choice is written down so it stays stable. */
#ifndef CAPSA_NETNS_CONFIG_H
#define CAPSA_NETNS_CONFIG_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>

#include "runtime/err.h"

#define NET_DEFAULT_NETWORK "capsa"
#define NET_DEFAULT_BRIDGE  "capsa0"
#define NET_NAME_MAX	    64

struct net_network {
	char name[NET_NAME_MAX];
	char bridge[IFNAMSIZ];
	struct in_addr subnet; /* network address, host bits clear */
	unsigned int prefix;   /* 8..30 */
	struct in_addr gateway;
};

/* $CAPSA_NETWORK_DIR or /etc/capsa/networks. */
const char *net_config_dir(void);

/* Parse "A.B.C.D/N" (N 8..30, host bits must be clear). */
int net_cidr_parse(const char *s, struct in_addr *ret_net, unsigned int *ret_prefix, struct rt_err *err);

/* True if addr is a usable host address of the network (not the network or
 * broadcast address; the gateway counts as usable here). */
int net_network_contains(const struct net_network *n, struct in_addr addr);

/* Load network NAME (NULL = the default).  -ENOENT "unknown network" if it
 * is neither on disk nor the default. */
int net_network_load(const char *name, struct net_network *ret, struct rt_err *err);

/* Check that the network's subnet overlaps no host route or address (other
 * than those on its own bridge): -EADDRINUSE naming the conflict. */
int net_network_check_host(const struct net_network *n, struct rt_err *err);

/* Define a new network.  bridge NULL = "capsa-" + name when that fits;
 * gateway NULL = the first host address.  Refuses names in use, bridges
 * used by another network, subnets overlapping the host or another network. */
int net_network_create(const char *name, const char *subnet, const char *bridge, const char *gateway,
		       struct rt_err *err);

/* All defined networks (the default one included), sorted by name.
 * Free *ret with free(). */
int net_network_list(struct net_network **ret, size_t *ret_n, struct rt_err *err);

#endif
