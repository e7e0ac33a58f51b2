#include "net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netns/alloc.h"
#include "netns/config.h"
#include "netns/nft.h"
#include "netns/nl.h"
#include "runtime/util.h"

#define RESOLV_MAX (64 * 1024)

static void net_nl_closep(struct net_nl *nl)
{
	net_nl_close(nl);
}

void net_veth_name(const char *id, char ret[16])
{
	uint64_t h = 14695981039346656037ull;

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(ret, 16, "capsa%010llx", (unsigned long long)(h & 0xffffffffffull));
}

int net_publish_parse(const char *s, struct net_publish *ret, struct rt_err *err)
{
	const char *colon = strchr(s, ':'), *slash;
	unsigned long hp, cp;
	int proto = IPPROTO_TCP;
	char *end;

	if (!colon)
		return rt_err_msg(err, EINVAL, "publish '%s': expected HOSTPORT:PORT[/tcp|/udp]", s);
	errno = 0;
	hp = strtoul(s, &end, 10);
	if (errno || end != colon || end == s || hp == 0 || hp > 65535)
		return rt_err_msg(err, EINVAL, "publish '%s': host port must be 1..65535", s);
	cp = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || cp == 0 || cp > 65535 || (*end && *end != '/'))
		return rt_err_msg(err, EINVAL, "publish '%s': container port must be 1..65535", s);
	slash = *end == '/' ? end + 1 : NULL;
	if (slash && strcmp(slash, "udp") == 0)
		proto = IPPROTO_UDP;
	else if (slash && strcmp(slash, "tcp") != 0)
		return rt_err_msg(err, EINVAL, "publish '%s': protocol must be tcp or udp", s);
	ret->host_port = (uint16_t)hp;
	ret->container_port = (uint16_t)cp;
	ret->proto = proto;
	return 0;
}

static bool id_valid(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '/' || *p == 0x7f)
			return false;
	return true;
}

static bool hostname_valid(const char *h)
{
	size_t len = strlen(h);

	if (len == 0 || len > 64)
		return false;
	for (const char *p = h; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
		    *p != '-' && *p != '.' && *p != '_')
			return false;
	return true;
}

static int request_check(const char *id, const struct net_request *req, struct rt_err *err)
{
	if (!id_valid(id))
		return rt_err_msg(err, EINVAL, "container id '%s' cannot be used for networking", id);
	if (req->hostname && !hostname_valid(req->hostname))
		return rt_err_msg(err, EINVAL, "hostname '%s': use 1-64 of [A-Za-z0-9.-_]", req->hostname);
	for (size_t i = 0; i < req->n_publish; i++) {
		const struct net_publish *p = &req->publish[i];

		if (p->host_port == 0 || p->container_port == 0)
			return rt_err_msg(err, EINVAL, "publish: port 0 is not allowed");
		if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
			return rt_err_msg(err, EINVAL, "publish: protocol must be tcp or udp");
		for (size_t k = 0; k < i; k++)
			if (req->publish[k].host_port == p->host_port && req->publish[k].proto == p->proto)
				return rt_err_msg(err, EADDRINUSE, "publish: host port %u is given twice",
						  p->host_port);
	}
	return 0;
}

/* The bridge, created with its gateway address and up on first use. */
static int bridge_ensure(struct net_nl *nl, const struct net_network *net, struct net_link *ret,
			 struct rt_err *err)
{
	int r;

	r = net_link_get(nl, net->bridge, ret);
	if (r == -ENODEV) {
		r = net_network_check_host(net, err);
		if (r < 0)
			return r;
		r = net_bridge_add(nl, net->bridge);
		if (r < 0 && r != -EEXIST) /* EEXIST: a concurrent first user won */
			return rt_err_set(err, -r, "create bridge %s", net->bridge);
		r = net_link_get(nl, net->bridge, ret);
	}
	if (r < 0)
		return rt_err_set(err, -r, "bridge %s", net->bridge);
	/* Idempotent, and repairs a bridge whose creator died half-way. */
	r = net_addr_add(nl, ret->ifindex, net->gateway, net->prefix);
	if (r < 0 && r != -EEXIST)
		return rt_err_set(err, -r, "add gateway address to %s", net->bridge);
	if (!ret->up) {
		r = net_link_set(nl, ret->ifindex, -1, true);
		if (r < 0)
			return rt_err_set(err, -r, "set %s up", net->bridge);
	}
	return 0;
}

/* Inside the container's namespace: eth0 address and up, lo up, default route. */
static int configure_inside(int nsfd, const struct net_network *net, struct in_addr addr, struct rt_err *err)
{
	_cleanup_(net_nl_closep) struct net_nl nl = { 0 };
	struct net_link eth0, lo;
	int r;

	r = net_nl_open_in(nsfd, &nl);
	if (r < 0)
		return rt_err_set(err, -r, "open rtnetlink socket in the container's namespace");
	r = net_link_get(&nl, "eth0", &eth0);
	if (r < 0)
		return rt_err_set(err, -r, "container eth0");
	r = net_addr_add(&nl, eth0.ifindex, addr, net->prefix);
	if (r < 0)
		return rt_err_set(err, -r, "add address to container eth0");
	r = net_link_set(&nl, eth0.ifindex, -1, true);
	if (r < 0)
		return rt_err_set(err, -r, "set container eth0 up");
	r = net_link_get(&nl, "lo", &lo);
	if (r >= 0)
		r = net_link_set(&nl, lo.ifindex, -1, true);
	if (r < 0)
		return rt_err_set(err, -r, "set container lo up");
	r = net_route_add_default(&nl, net->gateway);
	if (r < 0)
		return rt_err_set(err, -r, "add default route in the container");
	return 0;
}

static int sysctl_set(const char *path, struct rt_err *err)
{
	char cur[8] = "";
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd >= 0 && read(fd, cur, sizeof(cur) - 1) > 0 && cur[0] == '1')
		return 0;
	r = rt_write_file_at(AT_FDCWD, path, "1\n", 2);
	if (r < 0)
		return rt_err_set(err, -r, "write %s", path);
	return 0;
}

static int write_file(const char *dir, const char *name, const char *text, struct rt_err *err)
{
	char path[PATH_MAX];
	int r;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return rt_err_msg(err, ENAMETOOLONG, "%s/%s: path too long", dir, name);
	r = rt_write_file_atomic(path, text, strlen(text), 0644);
	if (r < 0)
		return rt_err_set(err, -r, "write %s", path);
	return 0;
}

/* Copy the resolver configuration without loopback nameservers: the
 * container's own loopback has no resolver behind it. */
static int write_resolv(const char *dir, const char *src, struct rt_err *err)
{
	_cleanup_free_ char *in = NULL, *out = NULL;
	size_t len = 0, o = 0;
	int r;

	r = rt_read_file_at(AT_FDCWD, src, RESOLV_MAX, &in, &len);
	if (r == -ENOENT) {
		in = strdup("");
		len = 0;
		if (!in)
			return rt_err_msg(err, ENOMEM, "out of memory");
	} else if (r < 0) {
		return rt_err_set(err, -r, "read %s", src);
	}
	out = malloc(len + 2);
	if (!out)
		return rt_err_msg(err, ENOMEM, "out of memory");
	for (char *line = in, *next; line && *line; line = next) {
		char *nl = strchr(line, '\n'), *p = line;
		size_t l;

		next = nl ? nl + 1 : NULL;
		l = nl ? (size_t)(nl - line) : strlen(line);
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "nameserver", 10) == 0 && (p[10] == ' ' || p[10] == '\t')) {
			p += 10;
			while (*p == ' ' || *p == '\t')
				p++;
			if (strncmp(p, "127.", 4) == 0 || strncmp(p, "::1", 3) == 0)
				continue;
		}
		memcpy(out + o, line, l);
		o += l;
		out[o++] = '\n';
	}
	out[o] = '\0';
	return write_file(dir, "resolv.conf", out, err);
}

static int write_files(const char *dir, const char *hostname, struct in_addr addr, const char *resolv,
		       struct rt_err *err)
{
	char hosts[512], hn[80], a[INET_ADDRSTRLEN];
	int r;

	inet_ntop(AF_INET, &addr, a, sizeof(a));
	snprintf(hosts, sizeof(hosts),
		 "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n", a, hostname);
	snprintf(hn, sizeof(hn), "%s\n", hostname);
	r = write_file(dir, "hosts", hosts, err);
	if (r >= 0)
		r = write_file(dir, "hostname", hn, err);
	if (r >= 0)
		r = write_resolv(dir, resolv ? resolv : "/etc/resolv.conf", err);
	return r;
}

/* Remove the id's veth and rules; the address only when release is set. */
static int undo(const char *state_root, const char *id, bool release, struct rt_err *err)
{
	struct net_nl nl = { 0 };
	char veth[16];
	int r, ret = 0;

	net_veth_name(id, veth);
	r = net_nl_open(&nl);
	if (r >= 0) {
		r = net_link_del(&nl, veth);
		net_nl_close(&nl);
	}
	if (r < 0 && r != -ENODEV)
		ret = rt_err_set(err, -r, "delete %s", veth);
	r = net_nft_del(id);
	if (r < 0 && ret == 0)
		ret = rt_err_set(err, -r, "delete nftables rules of %s in table %s", id, net_nft_table());
	if (release) {
		struct rt_err e2;

		r = net_alloc_release(state_root, id, &e2);
		if (r < 0 && ret == 0) {
			*err = e2;
			ret = r;
		}
	}
	return ret;
}

int net_attach(const char *state_root, const char *id, pid_t pid, const struct net_request *req,
	       const char *files_dir, struct rt_err *err)
{
	_cleanup_(net_nl_closep) struct net_nl nl = { 0 };
	_cleanup_close_ int nsfd = -EBADF;
	struct net_network net;
	struct net_link br, veth;
	struct in_addr want = { .s_addr = INADDR_ANY }, addr;
	char vname[16], nspath[64], hostname[65];
	struct rt_err e2;
	int r;

	r = request_check(id, req, err);
	if (r < 0)
		return r;
	r = net_network_load(req->network, &net, err);
	if (r < 0)
		return r;
	if (req->address && inet_pton(AF_INET, req->address, &want) != 1)
		return rt_err_msg(err, EINVAL, "address '%s' is not an IPv4 address", req->address);
	if (req->address && !net_network_contains(&net, want))
		return rt_err_msg(err, EINVAL, "address %s is outside network '%s'", req->address, net.name);
	snprintf(hostname, sizeof(hostname), "%.12s", id);
	if (req->hostname)
		snprintf(hostname, sizeof(hostname), "%s", req->hostname);
	else if (!hostname_valid(hostname))
		snprintf(hostname, sizeof(hostname), "container");
	snprintf(nspath, sizeof(nspath), "/proc/%d/ns/net", (int)pid);
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return rt_err_set(err, errno, "open %s", nspath);
	r = net_nl_open(&nl);
	if (r < 0)
		return rt_err_set(err, -r, "open rtnetlink socket");
	r = bridge_ensure(&nl, &net, &br, err);
	if (r < 0)
		return r;
	r = net_alloc_take(state_root, &net, id, want, req->publish, req->n_publish, &addr, err);
	if (r < 0)
		return r;

	/* From here on every failure undoes what exists. */
	net_veth_name(id, vname);
	r = net_veth_add(&nl, vname, "eth0", nsfd, br.mtu);
	if (r < 0) {
		rt_err_set(err, -r, "create veth %s", vname);
		if (r == -EEXIST) {
			/* not ours: keep it, only give the address back */
			(void)net_alloc_release(state_root, id, &e2);
			return r;
		}
		goto fail;
	}
	r = net_link_get(&nl, vname, &veth);
	if (r >= 0)
		r = net_link_set(&nl, veth.ifindex, br.ifindex, true);
	if (r < 0) {
		rt_err_set(err, -r, "attach %s to %s", vname, net.bridge);
		goto fail;
	}
	r = configure_inside(nsfd, &net, addr, err);
	if (r < 0)
		goto fail;
	if (req->nat || req->n_publish > 0) {
		struct net_nft_container c = {
			.id = id,
			.addr = addr,
			.subnet = net.subnet,
			.prefix = net.prefix,
			.masquerade = req->nat,
			.publish = req->publish,
			.n_publish = req->n_publish,
		};

		r = net_nft_add(&c);
		if (r < 0) {
			rt_err_set(err, -r, "add nftables rules to table %s", net_nft_table());
			goto fail;
		}
	}
	if (req->nat) {
		r = sysctl_set("/proc/sys/net/ipv4/ip_forward", err);
		if (r < 0)
			goto fail;
	}
	if (req->n_publish > 0) {
		char path[PATH_MAX];

		/* DNAT of connections to 127.0.0.1 sends loopback-sourced
		 * packets out of the bridge: allowed only with route_localnet. */
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", net.bridge);
		r = sysctl_set(path, err);
		if (r < 0)
			goto fail;
	}
	r = write_files(files_dir, hostname, addr, req->resolv_conf, err);
	if (r < 0)
		goto fail;
	return 0;
fail:
	(void)undo(state_root, id, true, &e2);
	return r;
}

int net_detach(const char *state_root, const char *id, struct rt_err *err)
{
	if (!id_valid(id))
		return rt_err_msg(err, EINVAL, "container id '%s' cannot be used for networking", id);
	return undo(state_root, id, true, err);
}

int net_network_users(const char *state_root, const char *name, struct rt_err *err)
{
	_cleanup_close_ int lock = -EBADF;

	lock = net_alloc_lock(state_root, err);
	if (lock < 0)
		return lock;
	return net_alloc_count_locked(state_root, name, err);
}

int net_network_remove(const char *state_root, const char *name, struct rt_err *err)
{
	_cleanup_(net_nl_closep) struct net_nl nl = { 0 };
	_cleanup_close_ int lock = -EBADF;
	struct net_network net;
	struct net_link br;
	char path[PATH_MAX];
	int r, users;

	r = net_network_load(name, &net, err);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s.json", net_config_dir(), net.name);
	lock = net_alloc_lock(state_root, err);
	if (lock < 0)
		return lock;
	users = net_alloc_count_locked(state_root, net.name, err);
	if (users < 0)
		return users;
	if (users > 0)
		return rt_err_msg(err, EBUSY, "network '%s' is in use by %d container(s)", net.name, users);
	r = net_nl_open(&nl);
	if (r < 0)
		return rt_err_set(err, -r, "open rtnetlink socket");
	r = net_link_get(&nl, net.bridge, &br);
	if (r >= 0) {
		int ports = net_link_count_ports(&nl, br.ifindex);

		if (ports > 0)
			return rt_err_msg(err, EBUSY, "network '%s': bridge %s still has %d port(s)",
					  net.name, net.bridge, ports);
		r = net_link_del(&nl, net.bridge);
	}
	if (r < 0 && r != -ENODEV)
		return rt_err_set(err, -r, "delete bridge %s", net.bridge);
	if (unlink(path) < 0 && errno != ENOENT)
		return rt_err_set(err, errno, "remove %s", path);
	if (net_alloc_path(state_root, net.name, path, sizeof(path)) >= 0 && unlink(path) < 0 &&
	    errno != ENOENT)
		return rt_err_set(err, errno, "remove %s", path);
	return 0;
}
