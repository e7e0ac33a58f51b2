/* runtime/sync.c: the parent <-> child messages and the fds that ride on them. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/sync.h"

static int sv[2];

static int pair_setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

static int pair_teardown(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static int open_fds(void)
{
	struct stat st;
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fstat(fd, &st) == 0;
	return n;
}

/* n fds of /dev/null sent with GO arrive as n new fds on the same file */
static void send_and_check(size_t n)
{
	int out[RT_SYNC_MAX_FDS] = { 0 }, in[RT_SYNC_MAX_FDS];
	struct stat a, b;
	struct rt_err err = { 0 };
	size_t got = 99;

	for (size_t i = 0; i < n; i++)
		assert_true((out[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(rt_sync_send_fds(sv[0], RT_SYNC_GO, 7, out, n, NULL), 0);
	assert_int_equal(rt_sync_expect_fds(sv[1], RT_SYNC_GO, "go", in, RT_SYNC_MAX_FDS, &got, &err), 7);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(fstat(out[i], &a), 0);
		assert_int_equal(fstat(in[i], &b), 0);
		assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
		assert_true(fcntl(in[i], F_GETFD) & FD_CLOEXEC);
		close(out[i]);
		close(in[i]);
	}
}

static void test_fds_ride_along(void **state)
{
	(void)state;
	send_and_check(0);
	send_and_check(1);
	send_and_check(9);
	send_and_check(RT_SYNC_MAX_FDS);
}

static void test_too_many_fds(void **state)
{
	int out[RT_SYNC_MAX_FDS + 1], in[2], before;
	struct rt_err err = { 0 };
	size_t got;

	(void)state;
	for (size_t i = 0; i <= RT_SYNC_MAX_FDS; i++)
		out[i] = STDIN_FILENO;
	assert_int_equal(rt_sync_send_fds(sv[0], RT_SYNC_GO, 0, out, RT_SYNC_MAX_FDS + 1, NULL), -E2BIG);
	/* more than the receiver takes: refused, and none of them stays open */
	before = open_fds();
	assert_int_equal(rt_sync_send_fds(sv[0], RT_SYNC_GO, 0, out, 3, NULL), 0);
	assert_true(rt_sync_expect_fds(sv[1], RT_SYNC_GO, "go", in, 2, &got, &err) < 0);
	assert_int_equal(got, 0);
	assert_int_equal(open_fds(), before);
	/* the one-fd calls refuse two */
	assert_int_equal(rt_sync_send_fds(sv[0], RT_SYNC_PTY, 0, out, 2, NULL), 0);
	assert_int_equal(rt_sync_recv(sv[1], &(struct rt_sync_msg){ 0 }, &in[0]), -EPROTO);
	assert_int_equal(open_fds(), before);
}

static void test_error_and_eof(void **state)
{
	struct rt_err sent = { 0 }, err = { 0 };
	int fd = STDIN_FILENO, in[4];
	size_t got;

	(void)state;
	rt_err_msg(&sent, EACCES, "mount /proc: denied");
	/* an error from the peer instead of what was expected: its errno and
	 * message, and an fd that came with it is closed */
	assert_int_equal(rt_sync_send(sv[0], RT_SYNC_ERROR, 1, fd, &sent), 0);
	assert_int_equal(rt_sync_expect_fds(sv[1], RT_SYNC_GO, "go", in, 4, &got, &err), -EACCES);
	assert_string_equal(err.msg, "mount /proc: denied");
	assert_int_equal(got, 0);
	/* the wrong message */
	assert_int_equal(rt_sync_send(sv[0], RT_SYNC_READY, 0, -1, NULL), 0);
	assert_int_equal(rt_sync_expect(sv[1], RT_SYNC_GO, "go", NULL, &err), -EPROTO);
	/* the peer gone */
	close(sv[0]);
	sv[0] = open("/dev/null", O_RDONLY);
	assert_int_equal(rt_sync_expect(sv[1], RT_SYNC_GO, "setup", NULL, &err), -EPIPE);
	assert_non_null(strstr(err.msg, "setup: the container process exited"));
}

/* The child said why it failed and went while our next message (GO) sat
 * unread in its queue: the kernel then resets the connection, and that
 * ECONNRESET comes before the message the child sent.  Its error must
 * still arrive, then EPIPE. */
static void test_error_before_reset(void **state)
{
	struct rt_err sent = { 0 }, err = { 0 };

	(void)state;
	rt_err_msg(&sent, EPERM, "unshare the container's namespaces: not permitted");
	assert_int_equal(rt_sync_send(sv[0], RT_SYNC_ERROR, 1, -1, &sent), 0);
	assert_int_equal(rt_sync_send(sv[1], RT_SYNC_GO, 0, -1, NULL), 0);
	close(sv[0]);
	sv[0] = open("/dev/null", O_RDONLY);
	assert_int_equal(rt_sync_expect(sv[1], RT_SYNC_NS_READY, "setup", NULL, &err), -EPERM);
	assert_string_equal(err.msg, sent.msg);
	assert_int_equal(rt_sync_expect(sv[1], RT_SYNC_NS_READY, "setup", NULL, &err), -EPIPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fds_ride_along, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_too_many_fds, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_error_and_eof, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_error_before_reset, pair_setup, pair_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
