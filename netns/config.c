#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "netns/nl.h"
#include "runtime/util.h"

#define NET_CONFIG_MAX (64 * 1024)

/* Private ranges tried in order for the default network; docker takes
 * 172.17/16 and podman 10.88/16, so neither is on the list. */
static const char *const default_candidates[] = {
	"10.89.0.0/24",	 "10.89.1.0/24",  "10.89.2.0/24",     "10.89.3.0/24",
	"172.30.0.0/24", "172.30.1.0/24", "192.168.230.0/24", "192.168.231.0/24",
};

const char *net_config_dir(void)
{
	const char *d = getenv("CAPSA_NETWORK_DIR");

	return d && *d ? d : "/etc/capsa/networks";
}

static uint32_t prefix_mask(unsigned int prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

int net_cidr_parse(const char *s, struct in_addr *ret_net, unsigned int *ret_prefix, struct rt_err *err)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long prefix;
	struct in_addr a;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return rt_err_msg(err, EINVAL, "subnet '%s': expected A.B.C.D/N", s);
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return rt_err_msg(err, EINVAL, "subnet '%s': '%s' is not an IPv4 address", s, buf);
	errno = 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || prefix < 8 || prefix > 30)
		return rt_err_msg(err, EINVAL, "subnet '%s': prefix length must be 8..30", s);
	if (ntohl(a.s_addr) & ~prefix_mask((unsigned int)prefix))
		return rt_err_msg(err, EINVAL, "subnet '%s': host bits are set", s);
	*ret_net = a;
	*ret_prefix = (unsigned int)prefix;
	return 0;
}

int net_network_contains(const struct net_network *n, struct in_addr addr)
{
	uint32_t mask = prefix_mask(n->prefix), a = ntohl(addr.s_addr), net = ntohl(n->subnet.s_addr);

	if ((a & mask) != net)
		return 0;
	return a != net && a != (net | ~mask);
}

static bool name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= NET_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
		    *p != '-' && *p != '_' && *p != '.')
			return false;
	return true;
}

static int bridge_name_check(const char *bridge, struct rt_err *err)
{
	size_t len = strlen(bridge);

	if (len == 0)
		return rt_err_msg(err, EINVAL, "bridge name is empty");
	if (len >= IFNAMSIZ)
		return rt_err_msg(err, ENAMETOOLONG,
				  "bridge name '%s' is too long (%zu characters, at most %d)", bridge, len,
				  IFNAMSIZ - 1);
	for (const char *p = bridge; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			return rt_err_msg(err, EINVAL, "bridge name '%s': invalid character", bridge);
	return 0;
}

/* Fill in and validate a network from its parts. */
static int network_build(const char *name, const char *subnet, const char *bridge, const char *gateway,
			 struct net_network *ret, struct rt_err *err)
{
	struct net_network n = { 0 };
	char gw[INET_ADDRSTRLEN];
	int r;

	if (!name_valid(name))
		return rt_err_msg(err, EINVAL, "network name '%s': use 1-%d of [A-Za-z0-9_.-]", name,
				  NET_NAME_MAX - 1);
	snprintf(n.name, sizeof(n.name), "%s", name);
	r = bridge_name_check(bridge, err);
	if (r < 0)
		return r;
	snprintf(n.bridge, sizeof(n.bridge), "%s", bridge);
	r = net_cidr_parse(subnet, &n.subnet, &n.prefix, err);
	if (r < 0)
		return r;
	if (gateway) {
		if (inet_pton(AF_INET, gateway, &n.gateway) != 1)
			return rt_err_msg(err, EINVAL, "gateway '%s' is not an IPv4 address", gateway);
		if (!net_network_contains(&n, n.gateway))
			return rt_err_msg(err, EINVAL, "gateway %s is outside subnet %s", gateway, subnet);
	} else {
		n.gateway.s_addr = htonl(ntohl(n.subnet.s_addr) + 1);
	}
	inet_ntop(AF_INET, &n.gateway, gw, sizeof(gw));
	*ret = n;
	return 0;
}

static int network_read(const char *path, const char *want_name, struct net_network *ret, struct rt_err *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_(json_decrefp) json_t *j = NULL;
	json_error_t jerr;
	const char *name, *bridge, *subnet, *gateway = NULL;
	json_t *g;
	int r;

	r = rt_read_file_at(AT_FDCWD, path, NET_CONFIG_MAX, &buf, NULL);
	if (r < 0)
		return rt_err_set(err, -r, "read %s", path);
	j = json_loads(buf, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return rt_err_msg(err, EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	if (json_unpack_ex(j, &jerr, 0, "{s:s, s:s, s:s}", "name", &name, "bridge", &bridge, "subnet",
			   &subnet) < 0)
		return rt_err_msg(err, EINVAL, "%s: %s", path, jerr.text);
	g = json_object_get(j, "gateway");
	if (g && !json_is_string(g))
		return rt_err_msg(err, EINVAL, "%s: gateway: expected a string", path);
	if (g)
		gateway = json_string_value(g);
	if (want_name && strcmp(name, want_name) != 0)
		return rt_err_msg(err, EINVAL, "%s: name '%s' does not match the file name", path, name);
	r = network_build(name, subnet, bridge, gateway, ret, err);
	if (r < 0)
		return rt_err_prefix(err, "%s", path);
	return 0;
}

static int network_write(const struct net_network *n, bool exclusive, struct rt_err *err)
{
	_cleanup_(json_decrefp) json_t *j = NULL;
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX], sub[INET_ADDRSTRLEN + 4], gw[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN];
	int fd, r;

	inet_ntop(AF_INET, &n->subnet, a, sizeof(a));
	snprintf(sub, sizeof(sub), "%s/%u", a, n->prefix);
	inet_ntop(AF_INET, &n->gateway, gw, sizeof(gw));
	j = json_pack("{s:s, s:s, s:s, s:s}", "name", n->name, "bridge", n->bridge, "subnet", sub, "gateway",
		      gw);
	text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
	if (!text)
		return rt_err_msg(err, ENOMEM, "out of memory");
	r = rt_mkdir_p(net_config_dir(), 0755);
	if (r < 0)
		return rt_err_set(err, -r, "create %s", net_config_dir());
	if (snprintf(path, sizeof(path), "%s/%s.json", net_config_dir(), n->name) >= (int)sizeof(path))
		return rt_err_msg(err, ENAMETOOLONG, "network directory path too long");
	if (exclusive) {
		/* Claim the name first so two creators cannot both succeed. */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 && errno == EEXIST)
			return rt_err_msg(err, EEXIST, "network '%s' already exists", n->name);
		if (fd < 0)
			return rt_err_set(err, errno, "create %s", path);
		close(fd);
	}
	r = rt_write_file_atomic(path, text, strlen(text), 0644);
	if (r < 0) {
		if (exclusive)
			unlink(path);
		return rt_err_set(err, -r, "write %s", path);
	}
	return 0;
}

static int network_cmp(const void *a, const void *b)
{
	return strcmp(((const struct net_network *)a)->name, ((const struct net_network *)b)->name);
}

/* The networks on disk. */
static int networks_on_disk(struct net_network **ret, size_t *ret_n, struct rt_err *err)
{
	DIR *d = opendir(net_config_dir());
	struct net_network *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (errno != ENOENT)
			return rt_err_set(err, errno, "open %s", net_config_dir());
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	while ((de = readdir(d))) {
		char path[PATH_MAX], name[NET_NAME_MAX];
		size_t len = strlen(de->d_name);

		if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0 || len - 5 >= sizeof(name))
			continue;
		memcpy(name, de->d_name, len - 5);
		name[len - 5] = '\0';
		if (n == cap) {
			struct net_network *nv = realloc(v, (cap = cap ? cap * 2 : 8) * sizeof(*v));

			if (!nv) {
				r = rt_err_msg(err, ENOMEM, "out of memory");
				break;
			}
			v = nv;
		}
		snprintf(path, sizeof(path), "%s/%s", net_config_dir(), de->d_name);
		r = network_read(path, name, &v[n], err);
		if (r < 0)
			break;
		n++;
	}
	closedir(d);
	if (r < 0) {
		free(v);
		return r;
	}
	qsort(v, n, sizeof(*v), network_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool subnets_overlap(const struct net_network *a, struct in_addr net, unsigned int prefix)
{
	unsigned int len = a->prefix < prefix ? a->prefix : prefix;
	uint32_t mask = prefix_mask(len);

	return ((ntohl(a->subnet.s_addr) ^ ntohl(net.s_addr)) & mask) == 0;
}

int net_network_check_host(const struct net_network *n, struct rt_err *err)
{
	struct net_nl nl = { 0 };
	struct net_link br;
	char desc[128], sub[INET_ADDRSTRLEN];
	int r;

	r = net_nl_open(&nl);
	if (r < 0)
		return rt_err_set(err, -r, "open rtnetlink socket");
	if (net_link_get(&nl, n->bridge, &br) < 0)
		br.ifindex = 0;
	r = net_find_overlap(&nl, n->subnet, n->prefix, br.ifindex, desc, sizeof(desc));
	net_nl_close(&nl);
	if (r < 0)
		return rt_err_set(err, -r, "list host routes");
	if (r > 0) {
		inet_ntop(AF_INET, &n->subnet, sub, sizeof(sub));
		return rt_err_msg(err, EADDRINUSE, "network '%s': subnet %s/%u overlaps host %s", n->name,
				  sub, n->prefix, desc);
	}
	return 0;
}

/* Choose and record the default network's subnet. */
static int default_network(struct net_network *ret, struct rt_err *err)
{
	_cleanup_free_ struct net_network *all = NULL;
	size_t n_all = 0;
	int r;

	r = networks_on_disk(&all, &n_all, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(default_candidates); i++) {
		struct net_network cand;
		struct rt_err e2;
		bool taken = false;

		r = network_build(NET_DEFAULT_NETWORK, default_candidates[i], NET_DEFAULT_BRIDGE, NULL, &cand,
				  err);
		if (r < 0)
			return r;
		for (size_t k = 0; k < n_all; k++)
			taken = taken || subnets_overlap(&all[k], cand.subnet, cand.prefix);
		if (taken || net_network_check_host(&cand, &e2) < 0)
			continue;
		/* Record it so the next container gets the same network even
		 * after the bridge's own route appears. */
		r = network_write(&cand, true, err);
		if (r == -EEXIST) {
			char path[PATH_MAX];

			snprintf(path, sizeof(path), "%s/%s.json", net_config_dir(), NET_DEFAULT_NETWORK);
			return network_read(path, NET_DEFAULT_NETWORK, ret, err);
		}
		if (r < 0)
			return r;
		*ret = cand;
		return 0;
	}
	return rt_err_msg(err, EADDRNOTAVAIL,
			  "default network: every candidate subnet overlaps a host route or another network; "
			  "define one with `capsa network create`");
}

int net_network_load(const char *name, struct net_network *ret, struct rt_err *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (!name)
		name = NET_DEFAULT_NETWORK;
	if (!name_valid(name))
		return rt_err_msg(err, ENOENT, "unknown network '%s'", name);
	snprintf(path, sizeof(path), "%s/%s.json", net_config_dir(), name);
	if (stat(path, &st) == 0)
		return network_read(path, name, ret, err);
	if (strcmp(name, NET_DEFAULT_NETWORK) == 0)
		return default_network(ret, err);
	return rt_err_msg(err, ENOENT, "unknown network '%s' (no %s)", name, path);
}

int net_network_create(const char *name, const char *subnet, const char *bridge, const char *gateway,
		       struct rt_err *err)
{
	_cleanup_free_ struct net_network *all = NULL;
	char brbuf[64];
	struct net_network n;
	size_t n_all = 0;
	int r;

	if (!bridge) {
		snprintf(brbuf, sizeof(brbuf), "capsa-%s", name);
		bridge = brbuf;
	}
	r = network_build(name, subnet, bridge, gateway, &n, err);
	if (r < 0)
		return r;
	r = networks_on_disk(&all, &n_all, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_all; i++) {
		if (strcmp(all[i].name, n.name) == 0)
			return rt_err_msg(err, EEXIST, "network '%s' already exists", n.name);
		if (strcmp(all[i].bridge, n.bridge) == 0)
			return rt_err_msg(err, EEXIST, "bridge %s is already used by network '%s'", n.bridge,
					  all[i].name);
		if (subnets_overlap(&all[i], n.subnet, n.prefix))
			return rt_err_msg(err, EADDRINUSE, "subnet %s overlaps network '%s'", subnet,
					  all[i].name);
	}
	r = net_network_check_host(&n, err);
	if (r < 0)
		return r;
	return network_write(&n, true, err);
}

int net_network_list(struct net_network **ret, size_t *ret_n, struct rt_err *err)
{
	struct net_network *all = NULL, def, *nv;
	size_t n = 0;
	int r;

	r = networks_on_disk(&all, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].name, NET_DEFAULT_NETWORK) == 0)
			goto done;
	/* The default exists without a file: show what it would be. */
	r = default_network(&def, err);
	if (r < 0) {
		free(all);
		return r;
	}
	nv = realloc(all, (n + 1) * sizeof(*all));
	if (!nv) {
		free(all);
		return rt_err_msg(err, ENOMEM, "out of memory");
	}
	all = nv;
	all[n++] = def;
	qsort(all, n, sizeof(*all), network_cmp);
done:
	*ret = all;
	*ret_n = n;
	return 0;
}
