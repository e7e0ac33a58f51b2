#include "nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "runtime/util.h"

/* Netlink buffers: requests are small, dump parts fit MNL_SOCKET_BUFFER_SIZE. */
#define NL_BUF_SIZE 8192

int net_nl_open(struct net_nl *ret)
{
	struct mnl_socket *s;

	s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s)
		return -errno;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;

		mnl_socket_close(s);
		return r;
	}
	ret->sock = s;
	ret->portid = mnl_socket_get_portid(s);
	ret->seq = (uint32_t)time(NULL);
	return 0;
}

int net_nl_open_in(int nsfd, struct net_nl *ret)
{
	_cleanup_close_ int self = -EBADF;
	int r;

	/* thread-self: the namespace is a property of the thread. */
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	r = net_nl_open(ret);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Being stuck in the container's namespace is not recoverable
		 * for the caller: everything after would act on the wrong host. */
		abort();
	}
	return r;
}

void net_nl_close(struct net_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

static bool has_end(const void *buf, size_t len)
{
	int l = (int)len;

	for (const struct nlmsghdr *h = buf; mnl_nlmsg_ok(h, l); h = mnl_nlmsg_next(h, &l))
		if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
			return true;
	return false;
}

int net_nl_drain_dump(int fd, const void *buf, size_t len)
{
	char rbuf[NL_BUF_SIZE];

	while (!has_end(buf, len)) {
		ssize_t n = recv(fd, rbuf, sizeof(rbuf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		buf = rbuf;
		len = (size_t)n;
	}
	return 0;
}

/* Send a request with NLM_F_ACK and wait for its ack (or reply + ack). */
static int nl_talk(struct net_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[NL_BUF_SIZE];
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (r < 0 && errno == EINTR) {
			r = net_nl_drain_dump(mnl_socket_get_fd(nl->sock), buf, (size_t)n);
			return r < 0 ? r : -EINTR;
		}
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *nl_req(struct net_nl *nl, char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static void link_parse(const struct nlmsghdr *nlh, struct net_link *ret, const struct nlattr **tb)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb);
	memset(ret, 0, sizeof(*ret));
	ret->ifindex = ifm->ifi_index;
	ret->up = (ifm->ifi_flags & IFF_UP) != 0;
	if (tb[IFLA_MTU])
		ret->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_MASTER])
		ret->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
}

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	link_parse(nlh, data, tb);
	return MNL_CB_OK;
}

int net_link_get(struct net_nl *nl, const char *name, struct net_link *ret)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_req(nl, buf, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct net_link link = { 0 };
	int r;

	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = nl_talk(nl, nlh, link_get_cb, &link);
	if (r < 0)
		return r;
	if (link.ifindex <= 0)
		return -ENODEV;
	*ret = link;
	return 0;
}

int net_bridge_add(struct net_nl *nl, const char *name)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_req(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *li;

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, li);
	return nl_talk(nl, nlh, NULL, NULL);
}

int net_veth_add(struct net_nl *nl, const char *name, const char *peer, int peer_nsfd, unsigned int mtu)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_req(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *li, *data, *pi;
	struct ifinfomsg *pifm;

	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pi = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer is described by a struct ifinfomsg followed by its attributes. */
	pifm = mnl_nlmsg_get_payload_tail(nlh);
	memset(pifm, 0, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifm));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (peer_nsfd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_nsfd);
	mnl_attr_nest_end(nlh, pi);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return nl_talk(nl, nlh, NULL, NULL);
}

int net_link_set(struct net_nl *nl, int ifindex, int master, bool up)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_req(nl, buf, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	if (up) {
		ifm->ifi_change = IFF_UP;
		ifm->ifi_flags = IFF_UP;
	}
	if (master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nl_talk(nl, nlh, NULL, NULL);
}

int net_link_del(struct net_nl *nl, const char *name)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_req(nl, buf, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh, NULL, NULL);
}

int net_addr_add(struct net_nl *nl, int ifindex, struct in_addr addr, unsigned int prefix)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_req(nl, buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
	struct in_addr brd = { .s_addr = addr.s_addr | ~mask };

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
	if (prefix < 31)
		mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
	return nl_talk(nl, nlh, NULL, NULL);
}

int net_route_add_default(struct net_nl *nl, struct in_addr gw)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_req(nl, buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
	return nl_talk(nl, nlh, NULL, NULL);
}

static bool overlaps(uint32_t a, unsigned int alen, uint32_t b, unsigned int blen)
{
	unsigned int len = alen < blen ? alen : blen;
	uint32_t mask = len ? ~0u << (32 - len) : 0;

	return ((ntohl(a) ^ ntohl(b)) & mask) == 0;
}

struct overlap_ctx {
	uint32_t net;
	unsigned int prefix;
	int ignore_ifindex;
	char *desc;
	size_t desc_size;
	bool found;
	struct net_nl *nl;
};

static int attr_cb_any(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	/* RTA_MAX and IFA_MAX are both small; the tables below are sized 64. */
	if (type < 64)
		tb[type] = attr;
	return MNL_CB_OK;
}

static void describe(struct overlap_ctx *c, const char *what, uint32_t dst, unsigned int len, int ifindex)
{
	char a[INET_ADDRSTRLEN], ifname[IFNAMSIZ] = "?";
	struct in_addr in = { .s_addr = dst };

	inet_ntop(AF_INET, &in, a, sizeof(a));
	if (ifindex > 0 && !if_indextoname((unsigned int)ifindex, ifname))
		snprintf(ifname, sizeof(ifname), "#%d", ifindex);
	snprintf(c->desc, c->desc_size, "%s %s/%u dev %s", what, a, len, ifname);
	c->found = true;
}

static int route_overlap_cb(const struct nlmsghdr *nlh, void *data)
{
	struct overlap_ctx *c = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { 0 };
	uint32_t dst = 0;
	int oif = 0;

	if (c->found || nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET)
		return MNL_CB_OK;
	if (rtm->rtm_dst_len == 0) /* default routes overlap everything by nature */
		return MNL_CB_OK;
	if (rtm->rtm_type != RTN_UNICAST && rtm->rtm_type != RTN_LOCAL && rtm->rtm_type != RTN_BLACKHOLE &&
	    rtm->rtm_type != RTN_UNREACHABLE && rtm->rtm_type != RTN_PROHIBIT)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb_any, tb);
	if (tb[RTA_DST])
		memcpy(&dst, mnl_attr_get_payload(tb[RTA_DST]), sizeof(dst));
	if (tb[RTA_OIF])
		oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	if (c->ignore_ifindex > 0 && oif == c->ignore_ifindex)
		return MNL_CB_OK;
	if (overlaps(dst, rtm->rtm_dst_len, c->net, c->prefix))
		describe(c, "route", dst, rtm->rtm_dst_len, oif);
	return MNL_CB_OK;
}

static int addr_overlap_cb(const struct nlmsghdr *nlh, void *data)
{
	struct overlap_ctx *c = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { 0 };
	const struct nlattr *a;
	uint32_t addr;

	if (c->found || nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return MNL_CB_OK;
	if (c->ignore_ifindex > 0 && (int)ifa->ifa_index == c->ignore_ifindex)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), attr_cb_any, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return MNL_CB_OK;
	memcpy(&addr, mnl_attr_get_payload(a), sizeof(addr));
	if (overlaps(addr, ifa->ifa_prefixlen, c->net, c->prefix))
		describe(c, "address", addr, ifa->ifa_prefixlen, (int)ifa->ifa_index);
	return MNL_CB_OK;
}

static int nl_dump_once(struct net_nl *nl, uint16_t type, unsigned char family, mnl_cb_t cb, void *data)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh = nl_req(nl, buf, type, NLM_F_DUMP);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));

	/* An ifinfomsg-sized header is accepted by every dump and keeps
	 * strict-checking kernels happy about the length. */
	g->rtgen_family = family;
	return nl_talk(nl, nlh, cb, data);
}

/* Restart a dump interrupted by a concurrent change (EINTR from libmnl on
 * NLM_F_DUMP_INTR).  The callbacks only look for a match or count, so the
 * caller resets nothing but what reset() clears. */
static int nl_dump(struct net_nl *nl, uint16_t type, unsigned char family, mnl_cb_t cb, void *data,
		   void (*reset)(void *data))
{
	int r;

	for (int i = 0;; i++) {
		r = nl_dump_once(nl, type, family, cb, data);
		if (r != -EINTR || i == 50)
			return r;
		if (reset)
			reset(data);
	}
}

int net_find_overlap(struct net_nl *nl, struct in_addr net, unsigned int prefix, int ignore_ifindex,
		     char *desc, size_t desc_size)
{
	struct overlap_ctx c = {
		.net = net.s_addr,
		.prefix = prefix,
		.ignore_ifindex = ignore_ifindex,
		.desc = desc,
		.desc_size = desc_size,
		.nl = nl,
	};
	int r;

	r = nl_dump(nl, RTM_GETROUTE, AF_INET, route_overlap_cb, &c, NULL);
	if (r < 0)
		return r;
	if (c.found)
		return 1;
	r = nl_dump(nl, RTM_GETADDR, AF_INET, addr_overlap_cb, &c, NULL);
	if (r < 0)
		return r;
	return c.found ? 1 : 0;
}

struct addr_first_ctx {
	int ifindex;
	bool found;
	struct in_addr addr;
	unsigned int prefix;
};

static int addr_first_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_first_ctx *c = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { 0 };
	const struct nlattr *a;

	if (c->found || nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    (int)ifa->ifa_index != c->ifindex)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), attr_cb_any, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return MNL_CB_OK;
	memcpy(&c->addr, mnl_attr_get_payload(a), sizeof(c->addr));
	c->prefix = ifa->ifa_prefixlen;
	c->found = true;
	return MNL_CB_OK;
}

int net_addr_first(struct net_nl *nl, int ifindex, struct in_addr *ret, unsigned int *ret_prefix)
{
	struct addr_first_ctx c = { .ifindex = ifindex };
	int r;

	r = nl_dump(nl, RTM_GETADDR, AF_INET, addr_first_cb, &c, NULL);
	if (r < 0)
		return r;
	if (!c.found)
		return -ENOENT;
	*ret = c.addr;
	*ret_prefix = c.prefix;
	return 0;
}

struct ports_ctx {
	int master;
	int count;
};

static int ports_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ports_ctx *c = data;
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct net_link link;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	link_parse(nlh, &link, tb);
	if (link.master == c->master)
		c->count++;
	return MNL_CB_OK;
}

static void ports_reset(void *data)
{
	((struct ports_ctx *)data)->count = 0;
}

int net_link_count_ports(struct net_nl *nl, int master_ifindex)
{
	struct ports_ctx c = { .master = master_ifindex };
	int r;

	r = nl_dump(nl, RTM_GETLINK, AF_UNSPEC, ports_cb, &c, ports_reset);
	return r < 0 ? r : c.count;
}
