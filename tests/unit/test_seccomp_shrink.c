/* The cBPF emulator (runtime/seccomp-bpf.c) and the shrunk seccomp program
 * (runtime/seccomp-shrink.c): the shrunk program must decide as
 * libseccomp's does for every architecture, syscall number and argument we
 * try here, independently of the check rt_seccomp_shrink runs itself. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <seccomp-lib.h>

#include "runtime/seccomp-bpf.h"
#include "runtime/seccomp-default.h"
#include "runtime/seccomp-shrink.h"
#include "runtime/seccomp.h"

#define CAP(c) (UINT64_C(1) << (c))
#define N(a)   (sizeof(a) / sizeof((a)[0]))
#define LD(off)                                                                              \
	(struct sock_filter)                                                                 \
	{                                                                                    \
		BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)offsetof(struct seccomp_data, off) \
	}
#define RET(k)	       (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, k)
#define JGE(k, jt, jf) (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, jt, jf)
#define JEQ(k, jt, jf) (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf)
#define ALLOW	       SECCOMP_RET_ALLOW
#define EPERM_RET      (SECCOMP_RET_ERRNO | EPERM)
#define KILL	       SECCOMP_RET_KILL_PROCESS

static uint32_t run(const struct sock_filter *p, size_t len, uint32_t arch, uint32_t nr, uint64_t arg0,
		    bool *reads_more)
{
	struct seccomp_data d = { .nr = (int)nr, .arch = arch, .args = { arg0 } };
	struct rt_bpf_result res;

	assert_int_equal(rt_bpf_run(p, len, &d, &res), 0);
	if (reads_more)
		*reads_more = res.reads_more;
	return res.ret;
}

/* --- the emulator ---------------------------------------------------------- */

static const struct sock_filter small[] = {
	LD(arch),	JEQ(AUDIT_ARCH_X86_64, 1, 0),
	RET(KILL),	LD(nr),
	JGE(100, 0, 1), RET(EPERM_RET),
	JEQ(7, 0, 3),	LD(args[0]),
	JEQ(42, 1, 0),	RET(EPERM_RET),
	RET(ALLOW),
};

static void test_run(void **state)
{
	bool more;

	(void)state;
	assert_int_equal(run(small, N(small), AUDIT_ARCH_I386, 1, 0, &more), KILL);
	assert_false(more);
	assert_int_equal(run(small, N(small), AUDIT_ARCH_X86_64, 100, 0, &more), EPERM_RET);
	assert_int_equal(run(small, N(small), AUDIT_ARCH_X86_64, 99, 0, &more), ALLOW);
	assert_false(more);
	assert_int_equal(run(small, N(small), AUDIT_ARCH_X86_64, 7, 42, &more), ALLOW);
	assert_true(more);
	assert_int_equal(run(small, N(small), AUDIT_ARCH_X86_64, 7, 41, &more), EPERM_RET);
	assert_true(more);
}

static void test_run_rejects(void **state)
{
	const struct sock_filter off_end[] = { LD(nr), JEQ(1, 5, 0), RET(ALLOW) };
	const struct sock_filter falls_off[] = { LD(nr) };
	const struct sock_filter bad_load[] = { { BPF_LD | BPF_W | BPF_ABS, 0, 0, 64 }, RET(ALLOW) };
	const struct sock_filter odd_load[] = { { BPF_LD | BPF_W | BPF_ABS, 0, 0, 2 }, RET(ALLOW) };
	const struct sock_filter ldx[] = { BPF_STMT(BPF_LDX | BPF_IMM, 1), RET(ALLOW) };
	struct seccomp_data d = { .nr = 1 };
	struct rt_bpf_result res;

	(void)state;
	assert_int_equal(rt_bpf_run(off_end, N(off_end), &d, &res), -EINVAL);
	assert_int_equal(rt_bpf_run(falls_off, N(falls_off), &d, &res), -EINVAL);
	assert_int_equal(rt_bpf_run(bad_load, N(bad_load), &d, &res), -EINVAL);
	assert_int_equal(rt_bpf_run(odd_load, N(odd_load), &d, &res), -EINVAL);
	assert_int_equal(rt_bpf_run(ldx, N(ldx), &d, &res), -ENOTSUP);
}

static void test_keys(void **state)
{
	const struct sock_filter alu_on_nr[] = { LD(nr), BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
						 RET(ALLOW) };
	const struct sock_filter jset_on_arch[] = { LD(arch), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 0),
						    RET(ALLOW) };
	struct rt_u32set nr = { 0 }, arch = { 0 }, other = { 0 };

	(void)state;
	assert_int_equal(rt_bpf_keys(small, N(small), &nr, &arch, &other), 0);
	rt_u32set_finish(&nr);
	rt_u32set_finish(&arch);
	rt_u32set_finish(&other);
	assert_int_equal(nr.n, 2);
	assert_int_equal(nr.v[0], 7);
	assert_int_equal(nr.v[1], 100);
	assert_int_equal(arch.n, 1);
	assert_int_equal(arch.v[0], AUDIT_ARCH_X86_64);
	assert_int_equal(other.n, 1);
	assert_int_equal(other.v[0], 42);
	assert_int_equal(rt_bpf_keys(alu_on_nr, N(alu_on_nr), &nr, &arch, NULL), -ENOTSUP);
	assert_int_equal(rt_bpf_keys(jset_on_arch, N(jset_on_arch), &nr, &arch, NULL), -ENOTSUP);
	rt_u32set_free(&nr);
	rt_u32set_free(&arch);
	rt_u32set_free(&other);
}

/* --- shrunk against libseccomp's ---------------------------------------------- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Argument values worth trying for docker's rules: personality's and
 * clone's constants, socket families, and random ones. */
static uint64_t arg_value(size_t i)
{
	static const uint64_t fixed[] = {
		0,	    0x8,	0x20000,     0x20008,		0xffffffff,
		0x7e020000, 0x10000000, 0x100000000, 40 /* AF_VSOCK */, UINT64_MAX
	};

	return i < N(fixed) ? fixed[i] : (rnd() & 1 ? rnd() : rnd() & 0xffffffff);
}

static void same_decisions(const struct rt_seccomp_prog *a, const struct rt_seccomp_prog *b,
			   const uint64_t *extra, size_t n_extra)
{
	static const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0,
					   UINT32_MAX,	      SCMP_ARCH_X32 };
	const struct sock_filter *pa = rt_seccomp_prog_insns(a), *pb = rt_seccomp_prog_insns(b);
	size_t la = rt_seccomp_prog_len(a), lb = rt_seccomp_prog_len(b);

	for (size_t i = 0; i < N(arches); i++) {
		for (uint32_t base = 0; base <= 0x40000000u; base += 0x40000000u)
			for (uint32_t nr = base; nr < base + 1100; nr++)
				for (size_t v = 0; v < 24 + n_extra; v++) {
					uint64_t arg = v < n_extra ? extra[v] : arg_value(v - n_extra);
					struct seccomp_data d = { .nr = (int)nr, .arch = arches[i] };
					struct rt_bpf_result ra, rb;

					for (size_t k = 0; k < 6; k++)
						d.args[k] = v < n_extra + 10 ? arg : arg_value(v);
					assert_int_equal(rt_bpf_run(pa, la, &d, &ra), 0);
					assert_int_equal(rt_bpf_run(pb, lb, &d, &rb), 0);
					if (ra.ret != rb.ret)
						fail_msg("arch 0x%x nr %u args[0] 0x%llx: 0x%x vs 0x%x",
							 arches[i], nr, (unsigned long long)d.args[0], ra.ret,
							 rb.ret);
					if (!ra.reads_more)
						break; /* the arguments do not count here */
				}
		for (size_t n = 0; n < 20000; n++) {
			struct seccomp_data d = { .nr = (int)rnd(),
						  .arch = arches[i],
						  .args = { rnd(), rnd() } };
			struct rt_bpf_result ra, rb;

			assert_int_equal(rt_bpf_run(pa, la, &d, &ra), 0);
			assert_int_equal(rt_bpf_run(pb, lb, &d, &rb), 0);
			assert_int_equal(ra.ret, rb.ret);
		}
	}
}

static void check_profile(const struct rt_seccomp *s, size_t at_most_percent)
{
	struct rt_seccomp_prog *full = NULL, *small_prog = NULL;
	struct rt_err err;

	assert_int_equal(rt_seccomp_compile_full(s, &full, &err), 0);
	assert_int_equal(rt_seccomp_compile(s, &small_prog, &err), 0);
	assert_int_equal(rt_seccomp_prog_shrink_error(small_prog), 0);
	assert_true(rt_seccomp_prog_len(small_prog) * 100 <= rt_seccomp_prog_len(full) * at_most_percent);
	same_decisions(full, small_prog, NULL, 0);
	rt_seccomp_prog_free(full);
	rt_seccomp_prog_free(small_prog);
}

static void test_docker_default(void **state)
{
	struct rt_seccomp s;
	struct rt_err err;

	(void)state;
	assert_int_equal(rt_seccomp_default(CAP(CAP_CHOWN) | CAP(CAP_NET_RAW), &s, &err), 0);
	check_profile(&s, 30);
	rt_seccomp_default_clear(&s);
	assert_int_equal(rt_seccomp_default(CAP(CAP_SYS_ADMIN) | CAP(CAP_SYS_PTRACE), &s, &err), 0);
	check_profile(&s, 30);
	rt_seccomp_default_clear(&s);
}

/* The check finds a program that decides differently: its refusals
 * changed, or everything allowed. */
static void test_check_catches_a_difference(void **state)
{
	const struct sock_filter allow_all[] = { RET(ALLOW) };
	struct rt_seccomp_prog *full = NULL;
	struct sock_filter *copy;
	struct rt_seccomp s;
	struct rt_err err;
	size_t len;

	(void)state;
	assert_int_equal(rt_seccomp_default(CAP(CAP_CHOWN), &s, &err), 0);
	assert_int_equal(rt_seccomp_compile_full(&s, &full, &err), 0);
	len = rt_seccomp_prog_len(full);
	copy = malloc(len * sizeof(*copy));
	memcpy(copy, rt_seccomp_prog_insns(full), len * sizeof(*copy));
	assert_int_equal(rt_seccomp_same(copy, len, copy, len), 0);
	assert_int_equal(rt_seccomp_same(copy, len, allow_all, N(allow_all)), -EPROTO);
	/* its refusals (EPERM: mount, ptrace, ...) now allow */
	for (size_t i = 0; i < len; i++)
		if (copy[i].code == (BPF_RET | BPF_K) && copy[i].k == EPERM_RET)
			copy[i].k = ALLOW;
	assert_int_equal(rt_seccomp_same(rt_seccomp_prog_insns(full), len, copy, len), -EPROTO);
	free(copy);
	rt_seccomp_prog_free(full);
	rt_seccomp_default_clear(&s);
}

/* What the shrink cannot model, or cannot make smaller, it leaves. */
static void test_leaves_what_it_cannot_model(void **state)
{
	const struct sock_filter alu_on_nr[] = { LD(nr), BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
						 JEQ(1, 0, 1), RET(ALLOW), RET(KILL) };
	struct sock_filter *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(rt_seccomp_shrink(alu_on_nr, N(alu_on_nr), &out, &len), -ENOTSUP);
	assert_int_equal(rt_seccomp_shrink(small, N(small), &out, &len), -E2BIG);
	assert_null(out);
}

/* --- random profiles ----------------------------------------------------------- */

static const char *const names[] = {
	"read",
	"write",
	"open",
	"close",
	"stat",
	"fstat",
	"mmap",
	"mprotect",
	"munmap",
	"brk",
	"ioctl",
	"access",
	"pipe",
	"select",
	"dup",
	"nanosleep",
	"getpid",
	"socket",
	"connect",
	"clone",
	"fork",
	"execve",
	"exit",
	"kill",
	"uname",
	"fcntl",
	"flock",
	"mkdir",
	"rmdir",
	"unlink",
	"chmod",
	"chown",
	"umask",
	"ptrace",
	"getuid",
	"syslog",
	"setuid",
	"personality",
	"prctl",
	"mount",
	"umount2",
	"reboot",
	"gettid",
	"futex",
	"exit_group",
	"openat",
	"unshare",
	"setns",
	"bpf",
	"clone3",
	"io_uring_setup",
	"pidfd_open",
	"faccessat2",
	"socketcall",
	"ipc",
	"no_such_syscall_name",
};

static const uint32_t actions[] = {
	SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(0), SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD,
	SCMP_ACT_TRAP,	SCMP_ACT_LOG,	   SCMP_ACT_ERRNO(0),	  SCMP_ACT_ALLOW,
};

static const int ops[] = { SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,	SCMP_CMP_EQ,
			   SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ };

static uint64_t rnd_value(void)
{
	switch (rnd() % 4) {
	case 0:
		return rnd() % 16;
	case 1:
		return rnd() & 0xffffffff;
	case 2:
		return rnd();
	default:
		return (rnd() % 4) << 32 | (rnd() % 4);
	}
}

/* A profile of a few rules of random actions over random names, some with
 * argument tests; the values those tests use go to *vals. */
static void random_profile(struct rt_seccomp *s, uint64_t *vals, size_t *n_vals)
{
	static const uint32_t arches[] = { SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64 };
	size_t n_rules = 1 + rnd() % 40;

	*n_vals = 0;
	*s = (struct rt_seccomp){ .present = true, .default_action = actions[rnd() % N(actions)] };
	if (s->default_action == SCMP_ACT_ERRNO(0) && rnd() % 2) {
		s->has_default_errno_ret = true;
		s->default_errno_ret = 1 + rnd() % 100;
	}
	s->architectures = calloc(N(arches), sizeof(uint32_t));
	for (size_t i = 0; i < N(arches); i++)
		if (rnd() % 2)
			s->architectures[s->n_architectures++] = arches[i];
	s->syscalls = calloc(n_rules + 1, sizeof(*s->syscalls));
	if (rnd() % 2) {
		/* dense, as docker's: most of x86_64's syscalls, one action */
		struct rt_seccomp_rule *r = &s->syscalls[s->n_syscalls++];

		r->action = actions[rnd() % N(actions)];
		r->names = calloc(460, sizeof(char *));
		for (int nr = 0; nr < 460; nr++) {
			char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);

			if (name && rnd() % 10)
				r->names[r->n_names++] = name;
			else
				free(name);
		}
	}
	for (size_t i = 0; i < n_rules; i++) {
		struct rt_seccomp_rule *r = &s->syscalls[s->n_syscalls++];
		size_t n_names = 1 + rnd() % 12, n_args = rnd() % 4 ? 0 : 1 + rnd() % 2;

		r->action = actions[rnd() % N(actions)];
		if (r->action == SCMP_ACT_ERRNO(0) && rnd() % 2) {
			r->has_errno_ret = true;
			r->errno_ret = rnd() % 200;
		}
		r->names = calloc(n_names, sizeof(char *));
		for (size_t j = 0; j < n_names; j++)
			r->names[r->n_names++] = strdup(names[rnd() % N(names)]);
		r->args = calloc(n_args, sizeof(*r->args));
		for (size_t j = 0; j < n_args; j++) {
			struct rt_seccomp_arg *a = &r->args[r->n_args++];

			*a = (struct rt_seccomp_arg){ .index = (uint32_t)(rnd() % 6),
						      .op = ops[rnd() % N(ops)],
						      .value = rnd_value(),
						      .value_two = rnd_value() };
			if (*n_vals + 4 <= 64) {
				vals[(*n_vals)++] = a->value;
				vals[(*n_vals)++] = a->value + 1;
				vals[(*n_vals)++] = a->value - 1;
				vals[(*n_vals)++] = a->value_two;
			}
		}
	}
}

/* Whatever libseccomp makes of a profile, the compiled program decides as
 * libseccomp's (shrunk or not: the shrink gives up on what it cannot
 * model), and compiling fails exactly when libseccomp's compile does. */
static void test_random_profiles(void **state)
{
	size_t shrunk = 0;

	(void)state;
	for (int n = 0; n < 150; n++) {
		struct rt_seccomp_prog *full = NULL, *p = NULL;
		struct rt_seccomp s;
		struct rt_err err;
		uint64_t vals[64];
		size_t n_vals;
		int rf, rp;

		random_profile(&s, vals, &n_vals);
		rf = rt_seccomp_compile_full(&s, &full, &err);
		rp = rt_seccomp_compile(&s, &p, &err);
		assert_int_equal(rf, rp);
		if (rf == 0) {
			same_decisions(full, p, vals, n_vals);
			/* never kept for a difference its own check found */
			assert_int_not_equal(rt_seccomp_prog_shrink_error(p), -EPROTO);
			shrunk += rt_seccomp_prog_len(p) < rt_seccomp_prog_len(full);
		}
		rt_seccomp_prog_free(full);
		rt_seccomp_prog_free(p);
		rt_seccomp_default_clear(&s);
	}
	print_message("%zu of 150 shrunk\n", shrunk);
	/* a good share is smaller (dense profiles, as docker's): the test is
	 * not only of the fallback; sparse ones gain nothing */
	assert_true(shrunk >= 25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_run_rejects),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_docker_default),
		cmocka_unit_test(test_check_catches_a_difference),
		cmocka_unit_test(test_leaves_what_it_cannot_model),
		cmocka_unit_test(test_random_profiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
