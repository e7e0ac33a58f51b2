/* Seccomp compile + install: every filter is checked by loading it in a
 * forked child, making syscalls and reporting errno through the exit code. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp-lib.h>

#include "runtime/seccomp-default.h"
#include "runtime/seccomp.h"

#define ERRNO_ACT SCMP_ACT_ERRNO(0)
#define CAP(c)	  (UINT64_C(1) << (c))
#define DOCKER_CAPS                                                                                    \
	(CAP(CAP_CHOWN) | CAP(CAP_DAC_OVERRIDE) | CAP(CAP_FSETID) | CAP(CAP_FOWNER) | CAP(CAP_MKNOD) | \
	 CAP(CAP_NET_RAW) | CAP(CAP_SETGID) | CAP(CAP_SETUID) | CAP(CAP_SETFCAP) | CAP(CAP_SETPCAP) |  \
	 CAP(CAP_NET_BIND_SERVICE) | CAP(CAP_SYS_CHROOT) | CAP(CAP_KILL) | CAP(CAP_AUDIT_WRITE))

/* --- building profiles by hand (the parser is someone else's) ------------ */

static struct rt_seccomp_rule rule(uint32_t action, int errno_ret, const char *name)
{
	struct rt_seccomp_rule r = { .action = action };

	r.names = calloc(1, sizeof(char *));
	r.names[0] = strdup(name);
	r.n_names = 1;
	if (errno_ret >= 0) {
		r.has_errno_ret = true;
		r.errno_ret = (uint32_t)errno_ret;
	}
	return r;
}

static void rule_add_name(struct rt_seccomp_rule *r, const char *name)
{
	r->names = realloc(r->names, (r->n_names + 1) * sizeof(char *));
	r->names[r->n_names++] = strdup(name);
}

static void rule_add_arg(struct rt_seccomp_rule *r, uint32_t index, int op, uint64_t v, uint64_t v2)
{
	r->args = realloc(r->args, (r->n_args + 1) * sizeof(*r->args));
	r->args[r->n_args++] =
	    (struct rt_seccomp_arg){ .index = index, .op = op, .value = v, .value_two = v2 };
}

static struct rt_seccomp profile(uint32_t def, int def_errno)
{
	struct rt_seccomp s = { .present = true, .default_action = def };

	if (def_errno >= 0) {
		s.has_default_errno_ret = true;
		s.default_errno_ret = (uint32_t)def_errno;
	}
	return s;
}

static struct rt_seccomp_rule *add(struct rt_seccomp *s, struct rt_seccomp_rule r)
{
	s->syscalls = realloc(s->syscalls, (s->n_syscalls + 1) * sizeof(r));
	s->syscalls[s->n_syscalls] = r;
	return &s->syscalls[s->n_syscalls++];
}

static struct rt_seccomp_prog *compile_ok(const struct rt_seccomp *s)
{
	struct rt_seccomp_prog *p = NULL;
	struct rt_err err = { 0 };
	int r = rt_seccomp_compile(s, &p, &err);

	if (r < 0)
		fail_msg("compile: %s", err.msg);
	assert_non_null(p);
	return p;
}

/* --- the child harness ---------------------------------------------------- */

/* A probe runs after the filter is loaded and returns its exit code. */
typedef int (*probe_fn)(void *arg);

/* errno of a raw syscall, 0 on success: the exit code of a probe */
static int sc_errno(long r)
{
	return r < 0 ? errno : 0;
}

/* Fork, install p, run probe; returns the wait status. */
static int run_in_child(const struct rt_seccomp_prog *p, probe_fn probe, void *arg)
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rt_err err = { 0 };
		int fd = -1;

		if (rt_seccomp_install(p, &fd, &err) < 0) {
			fprintf(stderr, "install: %s\n", err.msg);
			_exit(200);
		}
		_exit(probe(arg));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int expect_exit(const struct rt_seccomp_prog *p, probe_fn probe, void *arg)
{
	int status = run_in_child(p, probe, arg);

	if (!WIFEXITED(status))
		fail_msg("child did not exit: status 0x%x", status);
	return WEXITSTATUS(status);
}

/* --- probes --------------------------------------------------------------- */

static int probe_getcwd(void *arg)
{
	char buf[256];

	(void)arg;
	return sc_errno(syscall(SYS_getcwd, buf, sizeof(buf)));
}

static char root_path[] = "/";

static int probe_mkdir(void *arg)
{
	return sc_errno(syscall(SYS_mkdir, (const char *)arg, 0700));
}

static int probe_getppid(void *arg)
{
	(void)arg;
	syscall(SYS_getppid);
	return 0;
}

struct sc {
	long nr;
	long a[3];
};

static int probe_syscall(void *arg)
{
	const struct sc *c = arg;

	return sc_errno(syscall(c->nr, c->a[0], c->a[1], c->a[2]));
}

/* --- tests ---------------------------------------------------------------- */

static void test_errno_ret(void **state)
{
	struct rt_seccomp s = profile(SCMP_ACT_ALLOW, -1);
	struct rt_seccomp_prog *p;

	(void)state;
	add(&s, rule(ERRNO_ACT, EOPNOTSUPP, "getcwd"));
	add(&s, rule(ERRNO_ACT, -1, "mkdir")); /* no errnoRet: EPERM */
	p = compile_ok(&s);
	assert_int_equal(expect_exit(p, probe_getcwd, NULL), EOPNOTSUPP);
	/* EPERM, not EEXIST: the kernel never sees the mkdir of "/" */
	assert_int_equal(expect_exit(p, probe_mkdir, root_path), EPERM);
	assert_int_equal(rt_seccomp_prog_skipped(p), 0);
	rt_seccomp_prog_free(p);
	rt_seccomp_default_clear(&s);
}

/* Under ASan the sanitizer runtime in the probe child makes syscalls that a
 * filter allowing only a handful denies: those probes only mean something in
 * a plain build. */
static void skip_under_sanitizer(void)
{
#if defined(__SANITIZE_ADDRESS__)
	skip();
#endif
}

static void test_default_errno_ret(void **state)
{
	struct rt_seccomp s = profile(ERRNO_ACT, ENOTTY);
	struct rt_seccomp_prog *p;

	(void)state;
	skip_under_sanitizer();
	add(&s, rule(SCMP_ACT_ALLOW, -1, "exit_group"));
	rule_add_name(&s.syscalls[0], "exit");
	rule_add_name(&s.syscalls[0], "getcwd");
	p = compile_ok(&s);
	assert_int_equal(expect_exit(p, probe_getcwd, NULL), 0);
	/* mkdir (83) is below exit_group (231): the default errno, not ENOSYS */
	assert_int_equal(expect_exit(p, probe_mkdir, root_path), ENOTTY);
	rt_seccomp_prog_free(p);
	rt_seccomp_default_clear(&s);
}

static void test_kill_process(void **state)
{
	struct rt_seccomp s = profile(SCMP_ACT_ALLOW, -1);
	struct rt_seccomp_prog *p;
	int status;

	(void)state;
	add(&s, rule(SCMP_ACT_KILL_PROCESS, -1, "getppid"));
	p = compile_ok(&s);
	status = run_in_child(p, probe_getppid, NULL);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	rt_seccomp_prog_free(p);
	rt_seccomp_default_clear(&s);
}

static void test_arg_operators(void **state)
{
	struct rt_seccomp s = profile(SCMP_ACT_ALLOW, -1);
	struct rt_seccomp_prog *p;
	struct rt_seccomp_rule *r;

	(void)state;
	/* getpgid(pid): each operator its own errno */
	r = add(&s, rule(ERRNO_ACT, 11, "getpgid"));
	rule_add_arg(r, 0, SCMP_CMP_EQ, 12345, 0);
	r = add(&s, rule(ERRNO_ACT, 12, "getpgid"));
	rule_add_arg(r, 0, SCMP_CMP_GT, 1000000, 0);
	r = add(&s, rule(ERRNO_ACT, 13, "getpgid"));
	rule_add_arg(r, 0, SCMP_CMP_MASKED_EQ, 0xff00, 0x4200);
	/* lseek(fd, off, whence): two indices are ANDed */
	r = add(&s, rule(ERRNO_ACT, 14, "lseek"));
	rule_add_arg(r, 1, SCMP_CMP_EQ, 7, 0);
	rule_add_arg(r, 2, SCMP_CMP_EQ, 3, 0);
	/* the same index twice: split into ORed rules, like runc */
	r = add(&s, rule(ERRNO_ACT, 15, "lseek"));
	rule_add_arg(r, 1, SCMP_CMP_EQ, 5, 0);
	rule_add_arg(r, 1, SCMP_CMP_EQ, 6, 0);
	/* GE on dup's fd */
	r = add(&s, rule(ERRNO_ACT, 16, "dup"));
	rule_add_arg(r, 0, SCMP_CMP_GE, 5000, 0);
	p = compile_ok(&s);

	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_getpgid, { 12345 } }), 11);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_getpgid, { 2000000 } }), 12);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_getpgid, { 0x4277 } }), 13);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_getpgid, { 0 } }), 0);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_lseek, { -1, 7, 3 } }), 14);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_lseek, { -1, 7, 0 } }), EBADF);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_lseek, { -1, 8, 3 } }), EBADF);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_lseek, { -1, 5, 0 } }), 15);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_lseek, { -1, 6, 0 } }), 15);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_lseek, { -1, 4, 0 } }), EBADF);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_dup, { 5000 } }), 16);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_dup, { 4999 } }), EBADF);
	rt_seccomp_prog_free(p);
	rt_seccomp_default_clear(&s);
}

static void test_arches_and_unknown_names(void **state)
{
	struct rt_seccomp s = profile(SCMP_ACT_ALLOW, -1);
	struct rt_seccomp_prog *p1, *p2;
	size_t len1;

	(void)state;
	add(&s, rule(ERRNO_ACT, EOPNOTSUPP, "no_such_syscall_at_all"));
	rule_add_name(&s.syscalls[0], "getcwd");
	rule_add_name(&s.syscalls[0], "chown32"); /* x86 only: fine on x86_64 */
	p1 = compile_ok(&s);
	assert_int_equal(rt_seccomp_prog_skipped(p1), 1);
	len1 = rt_seccomp_prog_len(p1);
	assert_int_equal(expect_exit(p1, probe_getcwd, NULL), EOPNOTSUPP);

	s.architectures = calloc(3, sizeof(uint32_t));
	s.architectures[0] = SCMP_ARCH_X86_64; /* native: accepted again */
	s.architectures[1] = SCMP_ARCH_X86;
	s.architectures[2] = SCMP_ARCH_X32;
	s.n_architectures = 3;
	p2 = compile_ok(&s);
	assert_true(rt_seccomp_prog_len(p2) > len1);
	assert_int_equal(expect_exit(p2, probe_getcwd, NULL), EOPNOTSUPP);
	rt_seccomp_prog_free(p1);
	rt_seccomp_prog_free(p2);
	rt_seccomp_default_clear(&s);
}

static void test_bad_input(void **state)
{
	struct rt_seccomp s = profile(SCMP_ACT_ALLOW, -1);
	struct rt_seccomp_prog *p = NULL;
	struct rt_err err = { 0 };
	struct rt_seccomp_rule *r;

	(void)state;
	s.present = false;
	assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
	s.present = true;
	/* errnoRet on ALLOW */
	add(&s, rule(SCMP_ACT_KILL_PROCESS, 3, "getcwd"));
	assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "syscalls[0]"));
	s.syscalls[0].has_errno_ret = false;
	r = &s.syscalls[0];
	rule_add_arg(r, 6, SCMP_CMP_EQ, 1, 0);
	assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "index"));
	r->args[0].index = 0;
	s.flags = calloc(1, sizeof(char *));
	s.flags[0] = strdup("SECCOMP_FILTER_FLAG_BOGUS");
	s.n_flags = 1;
	assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "BOGUS"));
	free(s.flags[0]);
	s.flags[0] = strdup("SECCOMP_FILTER_FLAG_LOG");
	p = compile_ok(&s);
	assert_int_equal(rt_seccomp_prog_flags(p), SECCOMP_FILTER_FLAG_LOG);
	rt_seccomp_prog_free(p);
	assert_null(NULL);
	s.default_action = 0x12345;
	assert_int_equal(rt_seccomp_compile(&s, &p, &err), -EINVAL);
	rt_seccomp_default_clear(&s);
}

static void test_enosys_stub(void **state)
{
	struct rt_seccomp s = profile(ERRNO_ACT, -1);
	struct rt_seccomp_prog *p;

	(void)state;
	skip_under_sanitizer();
	add(&s, rule(SCMP_ACT_ALLOW, -1, "exit_group")); /* 231: the highest named */
	rule_add_name(&s.syscalls[0], "exit");
	rule_add_name(&s.syscalls[0], "getpid");
	p = compile_ok(&s);
	assert_int_equal(rt_seccomp_prog_flags(p), SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	/* gettid (186) is known to the profile's range: the default EPERM */
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ .nr = SYS_gettid }), EPERM);
	/* fanotify_init (300) is newer than anything named: ENOSYS */
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ SYS_fanotify_init, { -1 } }), ENOSYS);
	assert_int_equal(expect_exit(p, probe_syscall, &(struct sc){ .nr = SYS_getpid }), 0);
	rt_seccomp_prog_free(p);
	/* KILL default: no stub */
	s.default_action = SCMP_ACT_KILL_PROCESS;
	p = compile_ok(&s);
	assert_true(WIFSIGNALED(run_in_child(p, probe_syscall, &(struct sc){ SYS_fanotify_init, { -1 } })));
	rt_seccomp_prog_free(p);
	rt_seccomp_default_clear(&s);
}

static int probe_default_profile(void *arg)
{
	struct clone_args {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} ca = { .exit_signal = SIGCHLD };
	int sys_admin = *(int *)arg;
	char msg[] = "";
	long r;

	if (syscall(SYS_getpid) <= 0 || write(1, msg, 0) != 0)
		return 100;
	if (syscall(SYS_personality, 0xffffffff) < 0)
		return 101;
	/* keyctl is not in the allow list */
	if (syscall(SYS_keyctl, 0, 0, 0) != -1 || errno != EPERM)
		return 102;
	/* AF_VSOCK denied, AF_UNIX allowed */
	if (socket(40, SOCK_STREAM, 0) != -1 || errno != EPERM)
		return 103;
	r = socket(AF_UNIX, SOCK_STREAM, 0);
	if (r < 0)
		return 104;
	close((int)r);
	/* clone3 -> ENOSYS so libc falls back to clone */
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (!sys_admin && (r != -1 || errno != ENOSYS))
		return 105;
	if (r == 0)
		_exit(0);
	/* a syscall newer than the profile: ENOSYS */
	if (syscall(460, 0, 0, 0) != -1 || errno != ENOSYS)
		return 106;
	/* namespaces need CAP_SYS_ADMIN in the profile too */
	r = syscall(SYS_unshare, CLONE_NEWUTS);
	if (!sys_admin && (r != -1 || errno != EPERM))
		return 107;
	if (sys_admin && r != 0)
		return 108;
	/* a fork without namespace flags is fine */
	r = fork();
	if (r == 0)
		_exit(0);
	if (r < 0)
		return 109;
	return 0;
}

static void test_default_profile(void **state)
{
	struct rt_seccomp s;
	struct rt_seccomp_prog *p;
	struct rt_err err = { 0 };
	int sys_admin = 0;

	(void)state;
	assert_int_equal(rt_seccomp_default(DOCKER_CAPS, &s, &err), 0);
	p = compile_ok(&s);
	assert_true(rt_seccomp_prog_len(p) > 100);
	assert_int_equal(expect_exit(p, probe_default_profile, &sys_admin), 0);
	rt_seccomp_prog_free(p);
	rt_seccomp_default_clear(&s);

	sys_admin = 1;
	assert_int_equal(rt_seccomp_default(DOCKER_CAPS | CAP(CAP_SYS_ADMIN), &s, &err), 0);
	p = compile_ok(&s);
	assert_int_equal(expect_exit(p, probe_default_profile, &sys_admin), 0);
	rt_seccomp_prog_free(p);
	rt_seccomp_default_clear(&s);
}

static void test_default_json(void **state)
{
	json_t *j = NULL, *calls;
	struct rt_err err = { 0 };
	size_t i;
	bool vsock = false, mount = false;

	(void)state;
	assert_int_equal(rt_seccomp_default_json(DOCKER_CAPS, &j, &err), 0);
	assert_string_equal(json_string_value(json_object_get(j, "defaultAction")), "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(json_object_get(j, "defaultErrnoRet")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "architectures"), 0)),
			    "SCMP_ARCH_X86_64");
	calls = json_object_get(j, "syscalls");
	json_t *c;
	json_array_foreach(calls, i, c)
	{
		json_t *n = json_array_get(json_object_get(c, "names"), 0);

		if (strcmp(json_string_value(n), "socket") == 0) {
			json_t *a = json_array_get(json_object_get(c, "args"), 0);

			vsock = json_integer_value(json_object_get(a, "value")) == 40 &&
				strcmp(json_string_value(json_object_get(a, "op")), "SCMP_CMP_NE") == 0;
		}
		for (size_t k = 0; k < json_array_size(json_object_get(c, "names")); k++)
			if (strcmp(json_string_value(json_array_get(json_object_get(c, "names"), k)),
				   "mount") == 0)
				mount = true;
	}
	assert_true(vsock);
	assert_false(mount); /* no CAP_SYS_ADMIN */
	json_decref(j);
}

static char cache_top[64], cache_dir[80];

/* The temp dir is removed by the teardown, so a failed assertion leaves
 * nothing behind either. */
static int cache_setup(void **state)
{
	(void)state;
	snprintf(cache_top, sizeof(cache_top), "/tmp/capsa-test-seccomp.XXXXXX");
	if (!mkdtemp(cache_top))
		return -1;
	snprintf(cache_dir, sizeof(cache_dir), "%s/cache", cache_top); /* created by the cache */
	return 0;
}

static int cache_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache_top);
	return system(cmd) == 0 ? 0 : -1;
}

static void cache_file(char *path, size_t size)
{
	char cmd[128];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls %s/*.bpf", cache_dir);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(path, (int)size, f));
	path[strcspn(path, "\n")] = '\0';
	pclose(f);
}

static void test_cache(void **state)
{
	struct rt_seccomp s;
	struct rt_seccomp_prog *p1, *p2, *p3;
	struct rt_err err = { 0 };
	char path[256];
	struct stat st1, st2;
	int fd;

	(void)state;
	assert_int_equal(rt_seccomp_default(DOCKER_CAPS, &s, &err), 0);

	assert_int_equal(rt_seccomp_compile_cached(&s, cache_dir, &p1, &err), 0); /* miss */
	assert_int_equal(rt_seccomp_compile_cached(&s, cache_dir, &p2, &err), 1); /* hit */
	assert_int_equal(rt_seccomp_prog_len(p1), rt_seccomp_prog_len(p2));
	assert_int_equal(rt_seccomp_prog_flags(p1), rt_seccomp_prog_flags(p2));
	int sys_admin = 0;
	assert_int_equal(expect_exit(p2, probe_default_profile, &sys_admin), 0);
	cache_file(path, sizeof(path));
	assert_int_equal(stat(path, &st1), 0);

	/* a different profile: another file */
	s.default_errno_ret = EACCES;
	assert_int_equal(rt_seccomp_compile_cached(&s, cache_dir, &p3, &err), 0);
	rt_seccomp_prog_free(p3);
	s.default_errno_ret = EPERM;

	/* corrupt: truncated, then garbage of the right size; ignored and rewritten */
	assert_int_equal(truncate(path, 100), 0);
	assert_int_equal(rt_seccomp_compile_cached(&s, cache_dir, &p3, &err), 0);
	rt_seccomp_prog_free(p3);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_size, st1.st_size);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXXXXXX", 8, 0), 8);
	close(fd);
	assert_int_equal(rt_seccomp_compile_cached(&s, cache_dir, &p3, &err), 0);
	rt_seccomp_prog_free(p3);
	assert_int_equal(rt_seccomp_compile_cached(&s, cache_dir, &p3, &err), 1);
	rt_seccomp_prog_free(p3);

	rt_seccomp_prog_free(p1);
	rt_seccomp_prog_free(p2);
	rt_seccomp_default_clear(&s);
}

/* SCMP_ACT_NOTIFY: the child installs the filter, sends its listener to us
 * through rt_seccomp_send_listener; we answer its getppid() with 4242. */
static const char *notify_sock;

static int probe_notify(void *arg)
{
	struct rt_seccomp_prog *p = arg;
	struct rt_err err = { 0 };
	int fd = -1;

	if (rt_seccomp_install(p, &fd, &err) < 0 || fd < 0)
		return 120;
	if (rt_seccomp_send_listener(notify_sock, fd, "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"]}",
				     &err) < 0)
		return 121;
	close(fd);
	return syscall(SYS_getppid) == 4242 ? 0 : 122;
}

static void test_notify_listener(void **state)
{
	struct rt_seccomp s = profile(SCMP_ACT_ALLOW, -1);
	struct rt_seccomp_prog *p;
	char path[128], buf[256];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b)
	};
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int lfd, cfd, nfd, status;
	ssize_t n;
	pid_t pid;

	(void)state;
	add(&s, rule(SCMP_ACT_NOTIFY, -1, "getppid"));
	p = compile_ok(&s);
	assert_true(rt_seccomp_prog_wants_listener(p));

	snprintf(path, sizeof(path), "%s/sock", cache_top);
	strcpy(sa.sun_path, path);
	notify_sock = path;
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(probe_notify(p));
	cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	assert_true(cfd >= 0);
	n = recvmsg(cfd, &msg, MSG_CMSG_CLOEXEC);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "seccompFd"));
	assert_non_null(CMSG_FIRSTHDR(&msg));
	memcpy(&nfd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	/* the connection carries exactly one state and is then closed */
	assert_int_equal(read(cfd, buf, sizeof(buf)), 0);

	memset(&req, 0, sizeof(req));
	assert_int_equal(ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
	assert_int_equal(req.data.nr, SYS_getppid);
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.val = 4242;
	assert_int_equal(ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	close(nfd);
	close(cfd);
	close(lfd);
	rt_seccomp_prog_free(p);
	rt_seccomp_default_clear(&s);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Not an assertion on speed (CI machines vary): prints the numbers. */
static void test_timing(void **state)
{
	const char *dir = cache_dir;
	struct rt_seccomp s;
	struct rt_seccomp_prog *p;
	struct rt_err err = { 0 };
	double t0, t_compile, t_cached;
	const int rounds = 20;

	(void)state;
	assert_int_equal(rt_seccomp_default(DOCKER_CAPS, &s, &err), 0);
	t0 = now_ms();
	for (int i = 0; i < rounds; i++) {
		p = compile_ok(&s);
		rt_seccomp_prog_free(p);
	}
	t_compile = (now_ms() - t0) / rounds;
	assert_int_equal(rt_seccomp_compile_cached(&s, dir, &p, &err), 0);
	rt_seccomp_prog_free(p);
	t0 = now_ms();
	for (int i = 0; i < rounds; i++) {
		assert_int_equal(rt_seccomp_compile_cached(&s, dir, &p, &err), 1);
		rt_seccomp_prog_free(p);
	}
	t_cached = (now_ms() - t0) / rounds;
	print_message("default profile: compile %.3f ms, cache hit %.3f ms\n", t_compile, t_cached);
	rt_seccomp_default_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_ret),
		cmocka_unit_test(test_default_errno_ret),
		cmocka_unit_test(test_kill_process),
		cmocka_unit_test(test_arg_operators),
		cmocka_unit_test(test_arches_and_unknown_names),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_enosys_stub),
		cmocka_unit_test(test_default_profile),
		cmocka_unit_test(test_default_json),
		cmocka_unit_test_setup_teardown(test_cache, cache_setup, cache_teardown),
		cmocka_unit_test_setup_teardown(test_notify_listener, cache_setup, cache_teardown),
		cmocka_unit_test_setup_teardown(test_timing, cache_setup, cache_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
