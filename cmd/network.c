/* capsa network ls|create|rm: manage the bridge networks of netns/. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "netns/config.h"
#include "netns/net.h"

static void network_usage(FILE *out)
{
	fprintf(out,
		"usage: capsa network ls [-q]\n"
		"       capsa network create NAME --subnet CIDR [--bridge BRIDGE] [--gateway IP]\n"
		"       capsa network rm NAME...\n\n"
		"Networks are defined in $CAPSA_NETWORK_DIR (default /etc/capsa/networks).\n"
		"The default network \"%s\" (bridge %s) needs no definition.\n",
		NET_DEFAULT_NETWORK, NET_DEFAULT_BRIDGE);
}

static int network_ls(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' }, { 0 } };
	struct net_network *v = NULL;
	struct rt_err err = { 0 };
	bool quiet = false;
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		if (c != 'q') {
			network_usage(stderr);
			return 2;
		}
		quiet = true;
	}
	if (net_network_list(&v, &n, &err) < 0)
		return cmd_fail(g, &err);
	if (!quiet)
		printf("%-20s %-16s %-18s %-16s %s\n", "NAME", "BRIDGE", "SUBNET", "GATEWAY", "CONTAINERS");
	for (size_t i = 0; i < n; i++) {
		char sub[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], cidr[INET_ADDRSTRLEN + 4];
		int users;

		if (quiet) {
			printf("%s\n", v[i].name);
			continue;
		}
		users = net_network_users(g->root, v[i].name, &err);
		inet_ntop(AF_INET, &v[i].subnet, sub, sizeof(sub));
		inet_ntop(AF_INET, &v[i].gateway, gw, sizeof(gw));
		snprintf(cidr, sizeof(cidr), "%s/%u", sub, v[i].prefix);
		if (users < 0)
			printf("%-20s %-16s %-18s %-16s ?\n", v[i].name, v[i].bridge, cidr, gw);
		else
			printf("%-20s %-16s %-18s %-16s %d\n", v[i].name, v[i].bridge, cidr, gw, users);
	}
	free(v);
	return 0;
}

static int network_create(int argc, char **argv, struct cmd_globals *g)
{
	static const struct option opts[] = {
		{ "subnet", required_argument, NULL, 's' },
		{ "bridge", required_argument, NULL, 'b' },
		{ "gateway", required_argument, NULL, 'g' },
		{ 0 },
	};
	const char *subnet = NULL, *bridge = NULL, *gateway = NULL;
	struct rt_err err = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			subnet = optarg;
			break;
		case 'b':
			bridge = optarg;
			break;
		case 'g':
			gateway = optarg;
			break;
		default:
			network_usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1)
		return cmd_failf(g, "network create: expected exactly one NAME");
	if (!subnet)
		return cmd_failf(g, "network create: --subnet CIDR is required");
	if (net_network_create(argv[optind], subnet, bridge, gateway, &err) < 0)
		return cmd_fail(g, &err);
	printf("%s\n", argv[optind]);
	return 0;
}

static int network_rm(int argc, char **argv, struct cmd_globals *g)
{
	struct rt_err err = { 0 };
	int ret = 0;

	if (argc < 2)
		return cmd_failf(g, "network rm: expected at least one NAME");
	for (int i = 1; i < argc; i++) {
		if (net_network_remove(g->root, argv[i], &err) < 0)
			ret = cmd_fail(g, &err);
		else
			printf("%s\n", argv[i]);
	}
	return ret;
}

static int cmd_network(int argc, char **argv, struct cmd_globals *g)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		network_usage(sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
		return network_ls(argc - 1, argv + 1, g);
	if (strcmp(sub, "create") == 0)
		return network_create(argc - 1, argv + 1, g);
	if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0)
		return network_rm(argc - 1, argv + 1, g);
	return cmd_failf(g, "network: unknown subcommand '%s' (ls, create, rm)", sub);
}

CMD_REGISTER("network", cmd_network, "manage bridge networks (ls, create, rm)")
