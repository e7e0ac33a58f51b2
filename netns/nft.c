#include "nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "netns/net.h"
#include "netns/nl.h"
#include "runtime/util.h"

#define NFT_BATCH_SIZE	(64 * 1024)
#define NFT_COMMENT_MAX 128
#define NFT_RECV_SIZE	16384

static void nft_rule_freep(struct nftnl_rule **r)
{
	if (*r)
		nftnl_rule_free(*r);
}

static void mnl_socket_closep(struct mnl_socket **s)
{
	if (*s)
		mnl_socket_close(*s);
}

const char *net_nft_table(void)
{
	const char *t = getenv("CAPSA_NFT_TABLE");

	return t && *t ? t : "capsa";
}

/* The comment that tags a container's rules: the id itself when it fits. */
static void rule_comment(const char *id, char ret[NFT_COMMENT_MAX])
{
	uint64_t h = 14695981039346656037ull;

	if (strlen(id) < NFT_COMMENT_MAX - 1) {
		snprintf(ret, NFT_COMMENT_MAX, "%s", id);
		return;
	}
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(ret, NFT_COMMENT_MAX, "capsa-id-hash:%016llx", (unsigned long long)h);
}

static int nft_open(struct mnl_socket **ret)
{
	struct mnl_socket *s;
	struct timeval tv = { .tv_sec = 10 };

	s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!s)
		return -errno;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		int r = -errno;

		mnl_socket_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

struct batch {
	struct mnl_nlmsg_batch *b;
	uint32_t seq;
	unsigned int n_ack; /* messages that will be acked */
	char *buf;
};

static int batch_start(struct batch *bt)
{
	bt->buf = malloc(NFT_BATCH_SIZE);
	if (!bt->buf)
		return -ENOMEM;
	bt->b = mnl_nlmsg_batch_start(bt->buf, NFT_BATCH_SIZE);
	bt->seq = (uint32_t)time(NULL) << 8;
	bt->n_ack = 0;
	nftnl_batch_begin(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);
	return 0;
}

static void batch_free(struct batch *bt)
{
	if (bt->b)
		mnl_nlmsg_batch_stop(bt->b);
	free(bt->buf);
	bt->b = NULL;
	bt->buf = NULL;
}

static struct nlmsghdr *batch_msg(struct batch *bt, uint16_t type, uint16_t flags)
{
	bt->n_ack++;
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b), type, NFPROTO_IPV4, flags | NLM_F_ACK,
				     bt->seq++);
}

static int batch_next(struct batch *bt)
{
	/* mnl_nlmsg_batch_next returns false when the buffer is full. */
	return mnl_nlmsg_batch_next(bt->b) ? 0 : -ENOBUFS;
}

/* Send the batch and collect one ack per message.  nfnetlink processes the
 * batch synchronously in sendmsg, and on failure reports the first error. */
static int batch_send(struct batch *bt, struct mnl_socket *s)
{
	char rbuf[NFT_RECV_SIZE];
	unsigned int acks = 0;
	int first_err = 0;

	nftnl_batch_end(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);
	if (mnl_socket_sendto(s, mnl_nlmsg_batch_head(bt->b), mnl_nlmsg_batch_size(bt->b)) < 0)
		return -errno;
	while (acks < bt->n_ack) {
		ssize_t n = recv(mnl_socket_get_fd(s), rbuf, sizeof(rbuf), first_err ? MSG_DONTWAIT : 0);
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (first_err && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			return first_err ? first_err : -errno;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			acks++;
			if (e->error && !first_err)
				first_err = e->error;
		}
	}
	return first_err;
}

static struct nftnl_expr *expr_payload(uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	return e;
}

static struct nftnl_expr *expr_cmp(uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return e;
}

static struct nftnl_expr *expr_mask(uint32_t mask)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint32_t zero = 0;

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	return e;
}

static struct nftnl_expr *expr_fib_local(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("fib");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	return e;
}

static struct nftnl_expr *expr_meta_l4proto(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, NFT_META_L4PROTO);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return e;
}

static struct nftnl_expr *expr_imm(uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	return e;
}

static struct nftnl_expr *expr_dnat(void)
{
	struct nftnl_expr *e = nftnl_expr_alloc("nat");

	if (!e)
		return NULL;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, NFT_REG_2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED);
	return e;
}

/* A rule under construction: add expressions, any NULL (ENOMEM) sticks. */
struct rule_b {
	struct nftnl_rule *r;
	bool oom;
};

static void rb_add(struct rule_b *rb, struct nftnl_expr *e)
{
	if (!e) {
		rb->oom = true;
		return;
	}
	nftnl_rule_add_expr(rb->r, e);
}

static int rule_new(struct rule_b *rb, const char *chain, const char *comment)
{
	struct nftnl_udata_buf *ud;

	rb->oom = false;
	rb->r = nftnl_rule_alloc();
	if (!rb->r)
		return -ENOMEM;
	nftnl_rule_set_str(rb->r, NFTNL_RULE_TABLE, net_nft_table());
	nftnl_rule_set_str(rb->r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(rb->r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	ud = nftnl_udata_buf_alloc(NFT_COMMENT_MAX + 8);
	if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment)) {
		nftnl_udata_buf_free(ud);
		return -ENOMEM;
	}
	nftnl_rule_set_data(rb->r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return 0;
}

static int batch_rule(struct batch *bt, struct rule_b *rb)
{
	struct nlmsghdr *nlh;

	if (rb->oom)
		return -ENOMEM;
	nlh = batch_msg(bt, NFT_MSG_NEWRULE, NLM_F_APPEND | NLM_F_CREATE);
	nftnl_rule_nlmsg_build_payload(nlh, rb->r);
	return batch_next(bt);
}

static int batch_table_chains(struct batch *bt)
{
	static const struct {
		const char *name;
		uint32_t hook;
		int32_t prio;
	} chains[] = {
		{ "prerouting", NF_INET_PRE_ROUTING, -100 },
		{ "output", NF_INET_LOCAL_OUT, -100 },
		{ "postrouting", NF_INET_POST_ROUTING, 100 },
	};
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int r;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, net_nft_table());
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	/* NLM_F_CREATE without EXCL: "add", a no-op when it exists. */
	nlh = batch_msg(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	r = batch_next(bt);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(chains); i++) {
		struct nftnl_chain *c = nftnl_chain_alloc();

		if (!c)
			return -ENOMEM;
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, net_nft_table());
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chains[i].name);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, chains[i].hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, chains[i].prio);
		nlh = batch_msg(bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nftnl_chain_free(c);
		r = batch_next(bt);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_dnat(struct batch *bt, const char *chain, const char *comment, struct in_addr addr,
		    const struct net_publish *p)
{
	_cleanup_(nft_rule_freep) struct nftnl_rule *owned = NULL;
	struct rule_b rb;
	uint32_t local = RTN_LOCAL;
	uint8_t proto = (uint8_t)p->proto;
	uint16_t hport = htons(p->host_port), cport = htons(p->container_port);
	int r;

	r = rule_new(&rb, chain, comment);
	owned = rb.r;
	if (r < 0)
		return r;
	rb_add(&rb, expr_fib_local());
	rb_add(&rb, expr_cmp(NFT_CMP_EQ, &local, sizeof(local)));
	rb_add(&rb, expr_meta_l4proto());
	rb_add(&rb, expr_cmp(NFT_CMP_EQ, &proto, sizeof(proto)));
	/* the destination port: 2 bytes at offset 2 of both TCP and UDP */
	rb_add(&rb, expr_payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2));
	rb_add(&rb, expr_cmp(NFT_CMP_EQ, &hport, sizeof(hport)));
	rb_add(&rb, expr_imm(NFT_REG_1, &addr.s_addr, sizeof(addr.s_addr)));
	rb_add(&rb, expr_imm(NFT_REG_2, &cport, sizeof(cport)));
	rb_add(&rb, expr_dnat());
	return batch_rule(bt, &rb);
}

/* saddr (masked with smask) == saddr_v and daddr (masked) op daddr_v: masquerade */
static int add_masq(struct batch *bt, const char *comment, uint32_t smask, uint32_t sval, uint32_t dmask,
		    uint32_t dop, uint32_t dval)
{
	_cleanup_(nft_rule_freep) struct nftnl_rule *owned = NULL;
	struct rule_b rb;
	int r;

	r = rule_new(&rb, "postrouting", comment);
	owned = rb.r;
	if (r < 0)
		return r;
	rb_add(&rb, expr_payload(NFT_PAYLOAD_NETWORK_HEADER, 12, 4));
	if (smask != 0xffffffffu)
		rb_add(&rb, expr_mask(smask));
	rb_add(&rb, expr_cmp(NFT_CMP_EQ, &sval, sizeof(sval)));
	rb_add(&rb, expr_payload(NFT_PAYLOAD_NETWORK_HEADER, 16, 4));
	if (dmask != 0xffffffffu)
		rb_add(&rb, expr_mask(dmask));
	rb_add(&rb, expr_cmp(dop, &dval, sizeof(dval)));
	rb_add(&rb, nftnl_expr_alloc("masq"));
	return batch_rule(bt, &rb);
}

int net_nft_add(const struct net_nft_container *c)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *s = NULL;
	struct batch bt = { 0 };
	char comment[NFT_COMMENT_MAX];
	uint32_t mask = c->prefix ? htonl(~0u << (32 - c->prefix)) : 0;
	uint32_t lo_mask = htonl(0xff000000u), lo_net = htonl(0x7f000000u);
	int r;

	if (!c->masquerade && c->n_publish == 0)
		return 0;
	rule_comment(c->id, comment);
	r = nft_open(&s);
	if (r < 0)
		return r;
	r = batch_start(&bt);
	if (r < 0)
		return r;
	r = batch_table_chains(&bt);
	if (r >= 0 && c->masquerade)
		r = add_masq(&bt, comment, 0xffffffffu, c->addr.s_addr, mask, NFT_CMP_NEQ,
			     c->subnet.s_addr & mask);
	for (size_t i = 0; r >= 0 && i < c->n_publish; i++) {
		r = add_dnat(&bt, "prerouting", comment, c->addr, &c->publish[i]);
		if (r >= 0)
			r = add_dnat(&bt, "output", comment, c->addr, &c->publish[i]);
	}
	if (r >= 0 && c->n_publish > 0)
		r = add_masq(&bt, comment, lo_mask, lo_net, 0xffffffffu, NFT_CMP_EQ, c->addr.s_addr);
	if (r >= 0)
		r = batch_send(&bt, s);
	batch_free(&bt);
	return r;
}

struct rule_list {
	struct nftnl_rule **v;
	size_t n, cap;
	const char *comment; /* NULL: collect all */
	bool oom;
};

static int udata_comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **ret = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && nftnl_udata_len(attr) > 0) {
		const char *v = nftnl_udata_get(attr);

		if (v[nftnl_udata_len(attr) - 1] == '\0')
			*ret = v;
	}
	return 0;
}

static int rule_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_list *l = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *comment = NULL;
	const void *ud;
	uint32_t udlen = 0;

	if (!r) {
		l->oom = true;
		return MNL_CB_OK;
	}
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0 ||
	    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE) ?: "", net_nft_table()) != 0)
		goto skip;
	if (l->comment) {
		ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &udlen);
		if (ud)
			nftnl_udata_parse(ud, udlen, udata_comment_cb, &comment);
		if (!comment || strcmp(comment, l->comment) != 0)
			goto skip;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct nftnl_rule **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = true;
			goto skip;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = r;
	return MNL_CB_OK;
skip:
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

static void rule_list_free(struct rule_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		nftnl_rule_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static int rules_dump(struct mnl_socket *s, struct rule_list *l)
{
	char buf[NFT_RECV_SIZE];
	struct nftnl_rule *filter = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL);
	unsigned int portid = mnl_socket_get_portid(s);
	ssize_t n;
	int r;

	if (!filter)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP, seq);
	nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, net_nft_table());
	nftnl_rule_nlmsg_build_payload(nlh, filter);
	nftnl_rule_free(filter);
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(s, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		r = mnl_cb_run(buf, (size_t)n, seq, portid, rule_dump_cb, l);
		if (r < 0 && errno == EINTR) {
			r = net_nl_drain_dump(mnl_socket_get_fd(s), buf, (size_t)n);
			return r < 0 ? r : -EINTR;
		}
		if (r < 0)
			return errno == ENOENT ? 0 : -errno; /* no table: no rules */
		if (r == MNL_CB_STOP)
			break;
	}
	return l->oom ? -ENOMEM : 0;
}

/* A dump interrupted by a concurrent change (NLM_F_DUMP_INTR, reported as
 * EINTR) is restarted. */
static int rules_dump_retry(struct mnl_socket *s, struct rule_list *l)
{
	int r;

	for (int i = 0;; i++) {
		r = rules_dump(s, l);
		if (r != -EINTR || i == 50)
			return r;
		rule_list_free(l);
		l->oom = false;
	}
}

int net_nft_del(const char *id)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *s = NULL;
	struct rule_list l = { 0 };
	struct batch bt = { 0 };
	char comment[NFT_COMMENT_MAX];
	int r;

	rule_comment(id, comment);
	l.comment = comment;
	r = nft_open(&s);
	if (r < 0)
		return r;
	r = rules_dump_retry(s, &l);
	if (r < 0 || l.n == 0)
		goto out;
	r = batch_start(&bt);
	for (size_t i = 0; r >= 0 && i < l.n; i++) {
		struct nftnl_rule *d = nftnl_rule_alloc();
		struct nlmsghdr *nlh;

		if (!d) {
			r = -ENOMEM;
			break;
		}
		nftnl_rule_set_str(d, NFTNL_RULE_TABLE, net_nft_table());
		nftnl_rule_set_str(d, NFTNL_RULE_CHAIN, nftnl_rule_get_str(l.v[i], NFTNL_RULE_CHAIN));
		nftnl_rule_set_u64(d, NFTNL_RULE_HANDLE, nftnl_rule_get_u64(l.v[i], NFTNL_RULE_HANDLE));
		nlh = batch_msg(&bt, NFT_MSG_DELRULE, 0);
		nftnl_rule_nlmsg_build_payload(nlh, d);
		nftnl_rule_free(d);
		r = batch_next(&bt);
	}
	if (r >= 0)
		r = batch_send(&bt, s);
	/* A concurrent detach of the same id may have deleted them first. */
	if (r == -ENOENT)
		r = 0;
	batch_free(&bt);
	if (r >= 0)
		r = (int)l.n;
out:
	rule_list_free(&l);
	return r;
}

int net_nft_count(void)
{
	_cleanup_(mnl_socket_closep) struct mnl_socket *s = NULL;
	struct rule_list l = { 0 };
	int r;

	r = nft_open(&s);
	if (r < 0)
		return r;
	r = rules_dump_retry(s, &l);
	if (r >= 0)
		r = (int)l.n;
	rule_list_free(&l);
	return r;
}
