/* nftables through libnftnl: capsa's own table (family ip) with three NAT
 * base chains, and per-container rules tagged with the container id in the
 * rule's comment (userdata), so they can be found and deleted later without
 * any other record.  The table name is "capsa", or $CAPSA_NFT_TABLE (tests). */
#ifndef CAPSA_NETNS_NFT_H
#define CAPSA_NETNS_NFT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_publish;

struct net_nft_container {
	const char *id;
	struct in_addr addr;   /* the container's address */
	struct in_addr subnet; /* its network */
	unsigned int prefix;
	bool masquerade; /* outbound NAT for traffic leaving the subnet */
	const struct net_publish *publish;
	size_t n_publish;
};

/* The table name in use. */
const char *net_nft_table(void);

/* Add the container's rules (and the table and chains if missing) in one
 * atomic batch: masquerade in postrouting when asked; for every published
 * port a DNAT to addr:port in prerouting and output for packets addressed to
 * a local address, and a masquerade of 127.0.0.0/8 sources towards the
 * container so replies to loopback clients come back through conntrack. */
int net_nft_add(const struct net_nft_container *c);

/* Delete every rule of the table whose comment is the container id.  A
 * missing table is not an error.  Returns the number of rules deleted. */
int net_nft_del(const char *id);

/* Number of rules in the table (0 if the table does not exist). */
int net_nft_count(void);

#endif
