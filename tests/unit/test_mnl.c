/* Unit tests for netns/mnl.c, capsa's own implementation of the libmnl
 * functions it and libnftnl use: every case runs against ours and against the
 * real libmnl.so.0 (dlopen'ed; its symbols stay local to it) and the bytes
 * built, the values returned and errno must agree.  The socket test asks the
 * kernel for the loopback link of this network namespace (no traffic). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>

#define F(name) typeof(&name) name
struct mnl_impl {
	F(mnl_nlmsg_put_header);
	F(mnl_nlmsg_put_extra_header);
	F(mnl_nlmsg_ok);
	F(mnl_nlmsg_next);
	F(mnl_nlmsg_get_payload_tail);
	F(mnl_nlmsg_batch_start);
	F(mnl_nlmsg_batch_next);
	F(mnl_nlmsg_batch_stop);
	F(mnl_nlmsg_batch_size);
	F(mnl_nlmsg_batch_reset);
	F(mnl_nlmsg_batch_head);
	F(mnl_nlmsg_batch_current);
	F(mnl_nlmsg_batch_is_empty);
	F(mnl_attr_put);
	F(mnl_attr_put_u8);
	F(mnl_attr_put_u16);
	F(mnl_attr_put_u32);
	F(mnl_attr_put_u64);
	F(mnl_attr_put_str);
	F(mnl_attr_put_strz);
	F(mnl_attr_nest_start);
	F(mnl_attr_nest_end);
	F(mnl_attr_nest_cancel);
	F(mnl_attr_parse);
	F(mnl_attr_parse_nested);
	F(mnl_attr_validate);
	F(mnl_attr_validate2);
	F(mnl_attr_type_valid);
	F(mnl_attr_ok);
	F(mnl_attr_get_u8);
	F(mnl_attr_get_u16);
	F(mnl_attr_get_u32);
	F(mnl_attr_get_u64);
	F(mnl_attr_get_str);
	F(mnl_cb_run);
};
#undef F

/* clang-format off */
#define ALL(X) \
	X(mnl_nlmsg_put_header) X(mnl_nlmsg_put_extra_header) X(mnl_nlmsg_ok) X(mnl_nlmsg_next) \
	X(mnl_nlmsg_get_payload_tail) X(mnl_nlmsg_batch_start) X(mnl_nlmsg_batch_next) \
	X(mnl_nlmsg_batch_stop) X(mnl_nlmsg_batch_size) X(mnl_nlmsg_batch_reset) X(mnl_nlmsg_batch_head) \
	X(mnl_nlmsg_batch_current) X(mnl_nlmsg_batch_is_empty) X(mnl_attr_put) X(mnl_attr_put_u8) \
	X(mnl_attr_put_u16) X(mnl_attr_put_u32) X(mnl_attr_put_u64) X(mnl_attr_put_str) \
	X(mnl_attr_put_strz) X(mnl_attr_nest_start) X(mnl_attr_nest_end) X(mnl_attr_nest_cancel) \
	X(mnl_attr_parse) X(mnl_attr_parse_nested) X(mnl_attr_validate) X(mnl_attr_validate2) \
	X(mnl_attr_type_valid) X(mnl_attr_ok) X(mnl_attr_get_u8) X(mnl_attr_get_u16) X(mnl_attr_get_u32) \
	X(mnl_attr_get_u64) X(mnl_attr_get_str) X(mnl_cb_run)
/* clang-format on */

static struct mnl_impl ours, ref;

static void load_impls(void)
{
	void *h = dlopen("libmnl.so.0", RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		fprintf(stderr, "test_mnl: cannot load libmnl.so.0 to compare with: %s\n", dlerror());
		exit(1);
	}
#define OURS(f) ours.f = f;
#define REF(f)                                                                                    \
	ref.f = (typeof(&f))dlsym(h, #f);                                                         \
	if (!ref.f || ref.f == ours.f) {                                                          \
		fprintf(stderr, "test_mnl: %s: not the library's own (%p)\n", #f, (void *)ref.f); \
		exit(1);                                                                          \
	}
	ALL(OURS)
	ALL(REF)
#undef OURS
#undef REF
}

/* One message with every kind of attribute, padding and nesting. */
static size_t build(const struct mnl_impl *m, char *buf, int fill)
{
	static const unsigned char blob[5] = { 1, 2, 3, 4, 5 };
	struct nlmsghdr *nlh;
	struct nlattr *nest, *gone;
	unsigned char *extra;

	memset(buf, fill, 512);
	nlh = m->mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = 0x20;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 7;
	extra = m->mnl_nlmsg_put_extra_header(nlh, 5);
	extra[0] = 9;
	m->mnl_attr_put_u8(nlh, 1, 0xfe);
	m->mnl_attr_put_u16(nlh, 2, 0xbeef);
	m->mnl_attr_put_u32(nlh, 3, 0xdeadbeef);
	m->mnl_attr_put_u64(nlh, 4, 0x0102030405060708ULL);
	m->mnl_attr_put_str(nlh, 5, "ab");
	m->mnl_attr_put_strz(nlh, 6, "abc");
	m->mnl_attr_put(nlh, 7, 0, NULL);
	m->mnl_attr_put(nlh, 8, sizeof(blob), blob);
	nest = m->mnl_attr_nest_start(nlh, 9);
	m->mnl_attr_put_u32(nlh, 1, 1);
	m->mnl_attr_put_strz(nlh, 2, "x");
	m->mnl_attr_nest_end(nlh, nest);
	gone = m->mnl_attr_nest_start(nlh, 10);
	m->mnl_attr_put_u32(nlh, 1, 2);
	m->mnl_attr_nest_cancel(nlh, gone);
	return nlh->nlmsg_len;
}

static void test_build(void **state)
{
	char a[512], b[512], c[512];
	size_t la, lb;

	(void)state;
	la = build(&ours, a, 0);
	lb = build(&ref, b, 0);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, sizeof(a)); /* the bytes after the message too */
	/* Unlike libmnl 1.0.4, ours zeroes attribute padding: no stale bytes
	 * go to the kernel. */
	assert_int_equal(build(&ours, c, 0xa5), la);
	assert_memory_equal(a, c, la);
}

struct seen {
	int n, stop_at;
	uint16_t type[32], len[32];
};

static int record(const struct nlattr *attr, void *data)
{
	struct seen *s = data;

	if (s->n < 32) {
		s->type[s->n] = attr->nla_type;
		s->len[s->n] = attr->nla_len;
	}
	return ++s->n == s->stop_at ? MNL_CB_STOP : MNL_CB_OK;
}

static void parse_both(const struct nlmsghdr *nlh, unsigned offset, int stop_at)
{
	struct seen sa = { .stop_at = stop_at }, sb = { .stop_at = stop_at };
	int ra = ours.mnl_attr_parse(nlh, offset, record, &sa);
	int rb = ref.mnl_attr_parse(nlh, offset, record, &sb);

	assert_int_equal(ra, rb);
	assert_int_equal(sa.n, sb.n);
	assert_memory_equal(&sa, &sb, sizeof(sa));
}

static void test_parse(void **state)
{
	char buf[512];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	uint32_t full;

	(void)state;
	full = (uint32_t)build(&ours, buf, 0);
	parse_both(nlh, 5, 0);
	parse_both(nlh, 5, 3);	 /* the callback stops the walk */
	parse_both(nlh, 0, 0);	 /* wrong offset: garbage attributes */
	parse_both(nlh, 400, 0); /* offset past the end */
	for (uint32_t len = 0; len <= full; len++) {
		nlh->nlmsg_len = len; /* truncated messages */
		parse_both(nlh, 5, 0);
	}
	nlh->nlmsg_len = full;
	/* the nest: find it, walk it with both */
	for (struct nlattr *a = (struct nlattr *)(buf + MNL_NLMSG_HDRLEN + 8);
	     ours.mnl_attr_ok(a, (int)(buf + full - (char *)a));
	     a = (struct nlattr *)((char *)a + MNL_ALIGN(a->nla_len))) {
		struct seen sa = { 0 }, sb = { 0 };
		if ((a->nla_type & NLA_TYPE_MASK) != 9)
			continue;
		assert_int_equal(ours.mnl_attr_parse_nested(a, record, &sa),
				 ref.mnl_attr_parse_nested(a, record, &sb));
		assert_int_equal(sa.n, 2);
		assert_memory_equal(&sa, &sb, sizeof(sa));
	}
}

static void test_getters(void **state)
{
	char buf[64] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = ours.mnl_nlmsg_put_header(buf);
	struct nlattr *a = ours.mnl_nlmsg_get_payload_tail(nlh);

	(void)state;
	ours.mnl_attr_put_u64(nlh, 1, 0x1122334455667788ULL);
	assert_true(((uintptr_t)a + MNL_ATTR_HDRLEN) % 8 != 0); /* a u64 only 4-aligned */
	assert_int_equal(ours.mnl_attr_get_u64(a), ref.mnl_attr_get_u64(a));
	assert_int_equal(ours.mnl_attr_get_u32(a), ref.mnl_attr_get_u32(a));
	assert_int_equal(ours.mnl_attr_get_u16(a), ref.mnl_attr_get_u16(a));
	assert_int_equal(ours.mnl_attr_get_u8(a), ref.mnl_attr_get_u8(a));
	assert_ptr_equal(ours.mnl_attr_get_str(a), ref.mnl_attr_get_str(a));
}

/* Every type and payload length 0..12, strings with and without their NUL. */
static void test_validate(void **state)
{
	char buf[64] __attribute__((aligned(4)));
	struct nlattr *a = (struct nlattr *)buf;

	(void)state;
	for (int type = 0; type <= MNL_TYPE_MAX + 1; type++) {
		for (uint16_t len = 0; len <= 12; len++) {
			for (int nul = 0; nul < 2; nul++) {
				int ra, rb, ea, eb;
				memset(buf, 'x', sizeof(buf));
				a->nla_type = 3;
				a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + len);
				if (nul && len)
					buf[MNL_ATTR_HDRLEN + len - 1] = '\0';
				errno = 0;
				ra = ours.mnl_attr_validate(a, (enum mnl_attr_data_type)type);
				ea = errno;
				errno = 0;
				rb = ref.mnl_attr_validate(a, (enum mnl_attr_data_type)type);
				eb = errno;
				assert_int_equal(ra, rb);
				assert_int_equal(ea, eb);
				errno = 0;
				ra = ours.mnl_attr_validate2(a, (enum mnl_attr_data_type)type, 6);
				ea = errno;
				errno = 0;
				rb = ref.mnl_attr_validate2(a, (enum mnl_attr_data_type)type, 6);
				eb = errno;
				assert_int_equal(ra, rb);
				assert_int_equal(ea, eb);
			}
		}
	}
	a->nla_type = NLA_F_NESTED | 5;
	for (uint16_t max = 3; max <= 6; max++) {
		errno = 0;
		assert_int_equal(ours.mnl_attr_type_valid(a, max), ref.mnl_attr_type_valid(a, max));
	}
	for (int len = -1; len <= 12; len++)
		for (uint16_t alen = 0; alen <= 12; alen++) {
			a->nla_len = alen;
			assert_int_equal(ours.mnl_attr_ok(a, len), ref.mnl_attr_ok(a, len));
		}
}

static void test_nlmsg_walk(void **state)
{
	char buf[64] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	(void)state;
	for (int len = -1; len <= 40; len++)
		for (uint32_t mlen = 0; mlen <= 40; mlen++) {
			int la = len, lb = len;
			nlh->nlmsg_len = mlen;
			assert_int_equal(ours.mnl_nlmsg_ok(nlh, len), ref.mnl_nlmsg_ok(nlh, len));
			assert_ptr_equal(ours.mnl_nlmsg_next(nlh, &la), ref.mnl_nlmsg_next(nlh, &lb));
			assert_int_equal(la, lb);
		}
}

/* Appends a message of type `type` (payload `len` bytes) to buf at *off. */
static struct nlmsghdr *msg_at(char *buf, size_t *off, uint16_t type, uint32_t seq, uint32_t pid, size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(buf + *off);

	memset(nlh, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(len));
	nlh->nlmsg_len = (uint32_t)(MNL_NLMSG_HDRLEN + len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	*off += MNL_ALIGN(nlh->nlmsg_len);
	return nlh;
}

struct cbstate {
	int calls, ret;
};

static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct cbstate *s = data;

	(void)nlh;
	s->calls++;
	return s->ret;
}

static void run_both(const char *buf, size_t len, unsigned seq, unsigned pid, int cb_ret, int with_cb)
{
	struct cbstate sa = { 0, cb_ret }, sb = { 0, cb_ret };
	int ra, rb, ea, eb;

	errno = 0;
	ra = ours.mnl_cb_run(buf, len, seq, pid, with_cb ? on_data : NULL, &sa);
	ea = errno;
	errno = 0;
	rb = ref.mnl_cb_run(buf, len, seq, pid, with_cb ? on_data : NULL, &sb);
	eb = errno;
	assert_int_equal(ra, rb);
	assert_int_equal(ea, eb);
	assert_int_equal(sa.calls, sb.calls);
}

static void test_cb_run(void **state)
{
	char buf[512] __attribute__((aligned(4)));
	struct nlmsgerr *err;
	size_t off;
	static const uint16_t ctl[] = { NLMSG_NOOP, NLMSG_DONE, NLMSG_OVERRUN, 5, NLMSG_MIN_TYPE - 1 };

	(void)state;
	for (int variant = 0; variant < 12; variant++) {
		off = 0;
		msg_at(buf, &off, 0x20, 7, 99, 4);
		switch (variant) {
		case 0: /* data then an ack */
		case 1: /* data then an error */
		case 2: /* short error message */
			err = mnl_nlmsg_get_payload(
			    msg_at(buf, &off, NLMSG_ERROR, 7, 99, variant == 2 ? 2 : sizeof(*err)));
			if (variant != 2)
				err->error = variant == 1 ? -EEXIST : 0;
			break;
		case 3:
			msg_at(buf, &off, 0x20, 8, 99, 0); /* wrong sequence number */
			break;
		case 4:
			msg_at(buf, &off, 0x20, 7, 98, 0); /* wrong port id */
			break;
		case 5:
			msg_at(buf, &off, 0x20, 7, 99, 0)->nlmsg_flags = NLM_F_DUMP_INTR;
			break;
		default:
			msg_at(buf, &off, ctl[(variant - 6) % 5], 0, 0, 0);
			msg_at(buf, &off, 0x21, 0, 0, 8);
			break;
		}
		for (size_t len = 0; len <= off; len += 4)
			for (int cb_ret = MNL_CB_ERROR; cb_ret <= MNL_CB_OK; cb_ret++) {
				run_both(buf, len, 7, 99, cb_ret, 1);
				run_both(buf, len, 0, 0, cb_ret, 1);
				run_both(buf, len, 7, 99, cb_ret, 0);
			}
	}
}

/* The same sequence of messages into a batch: offsets relative to the buffer. */
static void batch_trace(const struct mnl_impl *m, char *buf, long *trace)
{
	struct mnl_nlmsg_batch *b = m->mnl_nlmsg_batch_start(buf, 100);
	int t = 0;

	memset(buf, 0, 256);
	for (int i = 0; i < 12; i++) {
		struct nlmsghdr *nlh = m->mnl_nlmsg_put_header(m->mnl_nlmsg_batch_current(b));
		nlh->nlmsg_seq = (uint32_t)i;
		/* 20..44 bytes: a message that does not fit never overlaps the
		 * front it moves to (libmnl 1.0.4 copies with memcpy and reads the
		 * length afterwards; test_batch_overlap checks ours alone) */
		m->mnl_attr_put(nlh, 1, (size_t)(i % 5) * 6, buf + 200);
		trace[t++] = m->mnl_nlmsg_batch_next(b);
		trace[t++] = (long)m->mnl_nlmsg_batch_size(b);
		trace[t++] = (char *)m->mnl_nlmsg_batch_current(b) - buf;
		trace[t++] = m->mnl_nlmsg_batch_is_empty(b);
		if (!trace[t - 4]) {
			m->mnl_nlmsg_batch_reset(b);
			trace[t++] = (long)m->mnl_nlmsg_batch_size(b);
			trace[t++] = ((struct nlmsghdr *)m->mnl_nlmsg_batch_head(b))->nlmsg_seq;
		}
	}
	m->mnl_nlmsg_batch_reset(b);
	trace[t++] = m->mnl_nlmsg_batch_is_empty(b);
	m->mnl_nlmsg_batch_stop(b);
}

static void test_batch(void **state)
{
	char a[256] __attribute__((aligned(4))), b[256] __attribute__((aligned(4)));
	long ta[128] = { 0 }, tb[128] = { 0 };

	(void)state;
	batch_trace(&ours, a, ta);
	batch_trace(&ref, b, tb);
	assert_memory_equal(ta, tb, sizeof(ta));
	assert_memory_equal(a, b, 200);
}

/* The message that did not fit starts before its own length from the front. */
static void test_batch_overlap(void **state)
{
	char buf[256] __attribute__((aligned(4)));
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, 100);
	struct nlmsghdr *nlh;

	(void)state;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	mnl_attr_put(nlh, 1, 12, buf + 200);
	assert_true(mnl_nlmsg_batch_next(b));
	nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	nlh->nlmsg_seq = 77;
	mnl_attr_put(nlh, 1, 80, buf + 160);
	assert_false(mnl_nlmsg_batch_next(b));
	mnl_nlmsg_batch_reset(b);
	nlh = mnl_nlmsg_batch_head(b);
	assert_int_equal(mnl_nlmsg_batch_size(b), 100);
	assert_int_equal(nlh->nlmsg_len, 100);
	assert_int_equal(nlh->nlmsg_seq, 77);
	assert_ptr_equal(mnl_nlmsg_batch_current(b), buf + 100);
	mnl_nlmsg_batch_stop(b);
}

struct link_seen {
	char name[IFNAMSIZ];
	unsigned flags;
};

static int on_link_attr(const struct nlattr *attr, void *data)
{
	struct link_seen *l = data;

	if (mnl_attr_get_type(attr) == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	((struct link_seen *)data)->flags = ifi->ifi_flags;
	return mnl_attr_parse(nlh, sizeof(*ifi), on_link_attr, data);
}

/* Sends RTM_GETLINK for ifindex 1 (lo) with sequence number seq. */
static void ask_lo(const struct mnl_socket *nl, char *buf, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 1;
	assert_int_equal(mnl_socket_sendto(nl, buf, nlh->nlmsg_len), nlh->nlmsg_len);
}

/* A real request and its reply; then a reply too big for the buffer
 * (ENOSPC).  The socket is close-on-exec. */
static void test_socket(void **state)
{
	char buf[8192] __attribute__((aligned(4)));
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, 0);
	struct link_seen seen = { "", 0 };
	ssize_t n;

	(void)state;
	assert_non_null(nl);
	assert_true(fcntl(mnl_socket_get_fd(nl), F_GETFD) & FD_CLOEXEC);
	assert_int_equal(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
	assert_int_not_equal(mnl_socket_get_portid(nl), 0);
	ask_lo(nl, buf, 42);
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(mnl_cb_run(buf, (size_t)n, 42, mnl_socket_get_portid(nl), on_link, &seen),
			 MNL_CB_OK);
	assert_string_equal(seen.name, "lo");
	assert_true(seen.flags & IFF_LOOPBACK);

	ask_lo(nl, buf, 43);
	errno = 0;
	assert_int_equal(mnl_socket_recvfrom(nl, buf, 16), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(mnl_socket_close(nl), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),	   cmocka_unit_test(test_parse),
		cmocka_unit_test(test_getters),	   cmocka_unit_test(test_validate),
		cmocka_unit_test(test_nlmsg_walk), cmocka_unit_test(test_cb_run),
		cmocka_unit_test(test_batch),	   cmocka_unit_test(test_batch_overlap),
		cmocka_unit_test(test_socket),
	};

	load_impls();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
