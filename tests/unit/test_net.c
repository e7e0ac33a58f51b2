/* Unit tests for netns/: publish and CIDR parsing, veth names, network
 * definitions and the address allocator (files only; no links are made). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "netns/alloc.h"
#include "netns/config.h"
#include "netns/net.h"

static char tmpdir[] = "/tmp/capsa-test-net.XXXXXX";

static void test_publish_parse(void **state)
{
	struct net_publish p;
	struct rt_err err = { 0 };
	static const char *const bad[] = { "",	   "80",       ":80",	   "80:",	 "0:80",
					   "80:0", "65536:80", "80:65536", "80:80/sctp", "80:80/",
					   "a:80", "80:8a",    "-1:80",	   "80:80/tcpx" };

	(void)state;
	assert_int_equal(net_publish_parse("8080:80", &p, &err), 0);
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.container_port, 80);
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_int_equal(net_publish_parse("53:5353/udp", &p, &err), 0);
	assert_int_equal(p.proto, IPPROTO_UDP);
	assert_int_equal(p.container_port, 5353);
	assert_int_equal(net_publish_parse("1:65535/tcp", &p, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(net_publish_parse(bad[i], &p, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "publish"));
	}
}

static void test_cidr_parse(void **state)
{
	struct in_addr a;
	unsigned int prefix;
	struct rt_err err = { 0 };

	(void)state;
	assert_int_equal(net_cidr_parse("10.89.0.0/24", &a, &prefix, &err), 0);
	assert_int_equal(prefix, 24);
	assert_int_equal(ntohl(a.s_addr), 0x0a590000);
	assert_int_equal(net_cidr_parse("10.89.0.1/24", &a, &prefix, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "host bits"));
	assert_int_equal(net_cidr_parse("10.89.0.0", &a, &prefix, &err), -EINVAL);
	assert_int_equal(net_cidr_parse("10.89.0.0/31", &a, &prefix, &err), -EINVAL);
	assert_int_equal(net_cidr_parse("10.0.0.0/7", &a, &prefix, &err), -EINVAL);
	assert_int_equal(net_cidr_parse("10.89.0.0/2x", &a, &prefix, &err), -EINVAL);
	assert_int_equal(net_cidr_parse("300.1.1.0/24", &a, &prefix, &err), -EINVAL);
}

static void test_contains(void **state)
{
	struct net_network n = { .prefix = 24 };
	struct in_addr a;

	(void)state;
	inet_pton(AF_INET, "10.89.0.0", &n.subnet);
	inet_pton(AF_INET, "10.89.0.5", &a);
	assert_true(net_network_contains(&n, a));
	inet_pton(AF_INET, "10.89.0.0", &a);
	assert_false(net_network_contains(&n, a)); /* network address */
	inet_pton(AF_INET, "10.89.0.255", &a);
	assert_false(net_network_contains(&n, a)); /* broadcast */
	inet_pton(AF_INET, "10.89.1.5", &a);
	assert_false(net_network_contains(&n, a));
}

static void test_veth_name(void **state)
{
	char a[16], b[16], c[16];
	char long_id[2000];

	(void)state;
	net_veth_name("web", a);
	net_veth_name("web", b);
	net_veth_name("web2", c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_true(strlen(a) <= 15);
	assert_memory_equal(a, "capsa", 5);
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	net_veth_name(long_id, a);
	assert_int_equal(strlen(a), 15);
}

static void write_def(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/networks/%s.json", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_network_load(void **state)
{
	struct net_network n;
	struct rt_err err = { 0 };
	char gw[INET_ADDRSTRLEN];

	(void)state;
	write_def("good", "{\"name\":\"good\",\"bridge\":\"br-good\",\"subnet\":\"10.250.0.0/24\"}");
	assert_int_equal(net_network_load("good", &n, &err), 0);
	assert_string_equal(n.bridge, "br-good");
	assert_int_equal(n.prefix, 24);
	inet_ntop(AF_INET, &n.gateway, gw, sizeof(gw));
	assert_string_equal(gw, "10.250.0.1"); /* the first host address by default */

	write_def("gw", "{\"name\":\"gw\",\"bridge\":\"br-gw\",\"subnet\":\"10.250.1.0/"
			"24\",\"gateway\":\"10.250.1.254\"}");
	assert_int_equal(net_network_load("gw", &n, &err), 0);
	inet_ntop(AF_INET, &n.gateway, gw, sizeof(gw));
	assert_string_equal(gw, "10.250.1.254");

	write_def(
	    "gwout",
	    "{\"name\":\"gwout\",\"bridge\":\"b\",\"subnet\":\"10.250.2.0/24\",\"gateway\":\"10.250.3.1\"}");
	assert_int_equal(net_network_load("gwout", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "outside subnet"));

	write_def("longbr",
		  "{\"name\":\"longbr\",\"bridge\":\"abcdefghijklmnop\",\"subnet\":\"10.250.4.0/24\"}");
	assert_int_equal(net_network_load("longbr", &n, &err), -ENAMETOOLONG);
	assert_non_null(strstr(err.msg, "too long"));

	write_def("dup", "{\"name\":\"dup\",\"name\":\"dup\",\"bridge\":\"b\",\"subnet\":\"10.250.5.0/24\"}");
	assert_int_equal(net_network_load("dup", &n, &err), -EINVAL);

	write_def("mismatch", "{\"name\":\"other\",\"bridge\":\"b\",\"subnet\":\"10.250.6.0/24\"}");
	assert_int_equal(net_network_load("mismatch", &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "does not match"));

	assert_int_equal(net_network_load("absent", &n, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "unknown network 'absent'"));
	assert_int_equal(net_network_load("../etc", &n, &err), -ENOENT);
}

static void mkstate(const char *id)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/state/%s", tmpdir, id);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void test_alloc(void **state)
{
	struct net_network n = { .name = "alloc", .bridge = "capsaunit0", .prefix = 29 };
	char root[256], a[INET_ADDRSTRLEN], path[256];
	struct net_publish pub = { .host_port = 8080, .container_port = 80, .proto = IPPROTO_TCP };
	struct in_addr any = { .s_addr = INADDR_ANY }, got, want;
	struct rt_err err = { 0 };

	(void)state;
	snprintf(root, sizeof(root), "%s/state", tmpdir);
	inet_pton(AF_INET, "10.250.9.0", &n.subnet);
	inet_pton(AF_INET, "10.250.9.1", &n.gateway);
	/* /29: hosts .1-.6, .1 is the gateway: 5 containers fit */
	mkstate("a");
	assert_int_equal(net_alloc_take(root, &n, "a", any, &pub, 1, &got, &err), 0);
	inet_ntop(AF_INET, &got, a, sizeof(a));
	assert_string_equal(a, "10.250.9.2");
	mkstate("b");
	assert_int_equal(net_alloc_take(root, &n, "b", any, &pub, 1, &got, &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "8080/tcp is already published by container a"));
	assert_int_equal(net_alloc_take(root, &n, "a", any, NULL, 0, &got, &err), -EEXIST);
	inet_pton(AF_INET, "10.250.9.2", &want);
	assert_int_equal(net_alloc_take(root, &n, "b", want, NULL, 0, &got, &err), -EADDRINUSE);
	assert_non_null(strstr(err.msg, "already used by container a"));
	inet_pton(AF_INET, "10.250.9.9", &want);
	assert_int_equal(net_alloc_take(root, &n, "b", want, NULL, 0, &got, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "outside"));
	inet_pton(AF_INET, "10.250.9.6", &want);
	assert_int_equal(net_alloc_take(root, &n, "b", want, NULL, 0, &got, &err), 0);
	assert_int_equal(got.s_addr, want.s_addr);
	mkstate("c");
	mkstate("d");
	mkstate("e");
	mkstate("f");
	assert_int_equal(net_alloc_take(root, &n, "c", any, NULL, 0, &got, &err), 0);
	assert_int_equal(net_alloc_take(root, &n, "d", any, NULL, 0, &got, &err), 0);
	assert_int_equal(net_alloc_take(root, &n, "e", any, NULL, 0, &got, &err), 0);
	inet_ntop(AF_INET, &got, a, sizeof(a));
	assert_string_equal(a, "10.250.9.5");
	assert_int_equal(net_alloc_take(root, &n, "f", any, NULL, 0, &got, &err), -EADDRNOTAVAIL);
	/* release gives the address back */
	assert_int_equal(net_alloc_release(root, "c", &err), 1);
	assert_int_equal(net_alloc_release(root, "c", &err), 0);
	assert_int_equal(net_alloc_take(root, &n, "f", any, NULL, 0, &got, &err), 0);
	inet_ntop(AF_INET, &got, a, sizeof(a));
	assert_string_equal(a, "10.250.9.3");
	/* a container whose state dir is gone is reclaimed, ports included */
	snprintf(path, sizeof(path), "%s/a", root);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(net_alloc_take(root, &n, "c", any, &pub, 1, &got, &err), 0);
	inet_ntop(AF_INET, &got, a, sizeof(a));
	assert_string_equal(a, "10.250.9.2");
	{
		int lock = net_alloc_lock(root, &err);

		assert_true(lock >= 0);
		assert_int_equal(net_alloc_count_locked(root, "alloc", &err), 5);
		close(lock);
	}
	for (const char *ids = "bcdef"; *ids; ids++) {
		char id[2] = { *ids, 0 };

		assert_int_equal(net_alloc_release(root, id, &err), 1);
	}
	net_alloc_path(root, "alloc", path, sizeof(path));
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, 0);
	}
}

static int setup(void **state)
{
	char path[256];

	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof(path), "%s/networks", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/state", tmpdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/networks", tmpdir);
	setenv("CAPSA_NETWORK_DIR", path, 1);
	/* reclaiming looks for rules in this (absent) table */
	setenv("CAPSA_NFT_TABLE", "capsaunitnone", 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_parse), cmocka_unit_test(test_cidr_parse),
		cmocka_unit_test(test_contains),      cmocka_unit_test(test_veth_name),
		cmocka_unit_test(test_network_load),  cmocka_unit_test(test_alloc),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
