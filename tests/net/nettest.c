/* nettest: drive the netns library the way the runtime will, for
 * tests/net/run.sh (until `capsa run --net bridge` exists).
 *
 *   nettest attach STATE ID PID FILES [--network N] [--nat] [--publish H:C[/udp]]...
 *                  [--hostname H] [--address A] [--resolv PATH]
 *   nettest detach STATE ID
 *   nettest veth ID                      host-side veth name of ID
 *   nettest nft-count                    rules in capsa's table
 *   nettest net-create NAME SUBNET [BRIDGE]
 *   nettest net-rm STATE NAME
 *   nettest net-users STATE NAME
 *   nettest parse-publish SPEC           prints "host container proto"
 */
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns/config.h"
#include "netns/net.h"
#include "netns/nft.h"

static int fail(const struct rt_err *err)
{
	fprintf(stderr, "nettest: %s\n", err->msg);
	return 1;
}

static int cmd_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "network", required_argument, NULL, 'n' },
		{ "nat", no_argument, NULL, 'N' },
		{ "publish", required_argument, NULL, 'p' },
		{ "hostname", required_argument, NULL, 'h' },
		{ "address", required_argument, NULL, 'a' },
		{ "resolv", required_argument, NULL, 'r' },
		{ 0 },
	};
	struct net_publish pub[16];
	struct net_request req = { .publish = pub };
	struct rt_err err = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			req.network = optarg;
			break;
		case 'N':
			req.nat = true;
			break;
		case 'p':
			if (req.n_publish == 16)
				return 2;
			if (net_publish_parse(optarg, &pub[req.n_publish], &err) < 0)
				return fail(&err);
			req.n_publish++;
			break;
		case 'h':
			req.hostname = optarg;
			break;
		case 'a':
			req.address = optarg;
			break;
		case 'r':
			req.resolv_conf = optarg;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 4)
		return 2;
	if (net_attach(argv[optind], argv[optind + 1], (pid_t)atoi(argv[optind + 2]), &req, argv[optind + 3],
		       &err) < 0)
		return fail(&err);
	return 0;
}

int main(int argc, char **argv)
{
	struct rt_err err = { 0 };
	const char *verb = argc > 1 ? argv[1] : "";

	if (strcmp(verb, "attach") == 0)
		return cmd_attach(argc - 1, argv + 1);
	if (strcmp(verb, "detach") == 0 && argc == 4)
		return net_detach(argv[2], argv[3], &err) < 0 ? fail(&err) : 0;
	if (strcmp(verb, "veth") == 0 && argc == 3) {
		char name[16];

		net_veth_name(argv[2], name);
		printf("%s\n", name);
		return 0;
	}
	if (strcmp(verb, "nft-count") == 0) {
		int n = net_nft_count();

		if (n < 0)
			return 1;
		printf("%d\n", n);
		return 0;
	}
	if (strcmp(verb, "net-create") == 0 && (argc == 4 || argc == 5))
		return net_network_create(argv[2], argv[3], argc == 5 ? argv[4] : NULL, NULL, &err) < 0
			   ? fail(&err)
			   : 0;
	if (strcmp(verb, "net-rm") == 0 && argc == 4)
		return net_network_remove(argv[2], argv[3], &err) < 0 ? fail(&err) : 0;
	if (strcmp(verb, "net-users") == 0 && argc == 4) {
		int n = net_network_users(argv[2], argv[3], &err);

		if (n < 0)
			return fail(&err);
		printf("%d\n", n);
		return 0;
	}
	if (strcmp(verb, "parse-publish") == 0 && argc == 3) {
		struct net_publish p;

		if (net_publish_parse(argv[2], &p, &err) < 0)
			return fail(&err);
		printf("%u %u %s\n", p.host_port, p.container_port, p.proto == IPPROTO_UDP ? "udp" : "tcp");
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of tests/net/nettest.c\n");
	return 2;
}
