/* The default seccomp profile as data: groups of syscall names with an
 * action and the conditions under which a group applies (capabilities held
 * or not held, native architecture).  See seccomp-default.h. */
#include <linux/capability.h>
#include <seccomp-lib.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp-default.h"
#include "util.h"

/* Architecture families, by native arch. */
enum {
	FAM_X86 = 1 << 0, /* x86_64 native (docker "amd64") */
	FAM_ARM = 1 << 1, /* aarch64 or arm */
	FAM_S390 = 1 << 2,
	FAM_PPC64LE = 1 << 3,
	FAM_RISCV64 = 1 << 4,
};

#define CAP(c) (UINT64_C(1) << (c))

struct group {
	const char *const *names; /* NULL-terminated */
	uint32_t action;	  /* SCMP_ACT_* base */
	int errno_ret;		  /* 0: none */
	uint64_t caps_any;	  /* applies only when one of these caps is held (0: always) */
	uint64_t caps_none;	  /* does not apply when one of these caps is held */
	unsigned int fam_only;	  /* applies only on these families (0: all) */
	unsigned int fam_not;	  /* does not apply on these families */
	bool has_arg;
	struct rt_seccomp_arg arg;
};

#define NAMES(...)   ((const char *const[]){ __VA_ARGS__, NULL })
#define ALLOW	     SCMP_ACT_ALLOW
#define ARG(i, o, v) .has_arg = true, .arg = { .index = (i), .op = (o), .value = (v) }

/* Harmless on every architecture: no privilege, no namespace, no kernel
 * global state beyond what the process owns. */
static const char *const allow_always[] = {
	"accept",
	"accept4",
	"access",
	"adjtimex",
	"alarm",
	"bind",
	"brk",
	"capget",
	"capset",
	"chdir",
	"chmod",
	"chown",
	"chown32",
	"clock_adjtime",
	"clock_adjtime64",
	"clock_getres",
	"clock_getres_time64",
	"clock_gettime",
	"clock_gettime64",
	"clock_nanosleep",
	"clock_nanosleep_time64",
	"close",
	"close_range",
	"connect",
	"copy_file_range",
	"creat",
	"dup",
	"dup2",
	"dup3",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_ctl_old",
	"epoll_pwait",
	"epoll_pwait2",
	"epoll_wait",
	"epoll_wait_old",
	"eventfd",
	"eventfd2",
	"execve",
	"execveat",
	"exit",
	"exit_group",
	"faccessat",
	"faccessat2",
	"fadvise64",
	"fadvise64_64",
	"fallocate",
	"fanotify_mark",
	"fchdir",
	"fchmod",
	"fchmodat",
	"fchown",
	"fchown32",
	"fchownat",
	"fcntl",
	"fcntl64",
	"fdatasync",
	"fgetxattr",
	"flistxattr",
	"flock",
	"fork",
	"fremovexattr",
	"fsetxattr",
	"fstat",
	"fstat64",
	"fstatat64",
	"fstatfs",
	"fstatfs64",
	"fsync",
	"ftruncate",
	"ftruncate64",
	"futex",
	"futex_time64",
	"futex_waitv",
	"futimesat",
	"getcpu",
	"getcwd",
	"getdents",
	"getdents64",
	"getegid",
	"getegid32",
	"geteuid",
	"geteuid32",
	"getgid",
	"getgid32",
	"getgroups",
	"getgroups32",
	"getitimer",
	"getpeername",
	"getpgid",
	"getpgrp",
	"getpid",
	"getppid",
	"getpriority",
	"getrandom",
	"getresgid",
	"getresgid32",
	"getresuid",
	"getresuid32",
	"getrlimit",
	"get_robust_list",
	"getrusage",
	"getsid",
	"getsockname",
	"getsockopt",
	"get_thread_area",
	"gettid",
	"gettimeofday",
	"getuid",
	"getuid32",
	"getxattr",
	"inotify_add_watch",
	"inotify_init",
	"inotify_init1",
	"inotify_rm_watch",
	"io_cancel",
	"ioctl",
	"io_destroy",
	"io_getevents",
	"io_pgetevents",
	"io_pgetevents_time64",
	"ioprio_get",
	"ioprio_set",
	"io_setup",
	"io_submit",
	"ipc",
	"kill",
	"landlock_add_rule",
	"landlock_create_ruleset",
	"landlock_restrict_self",
	"lchown",
	"lchown32",
	"lgetxattr",
	"link",
	"linkat",
	"listen",
	"listxattr",
	"llistxattr",
	"_llseek",
	"lremovexattr",
	"lseek",
	"lsetxattr",
	"lstat",
	"lstat64",
	"madvise",
	"membarrier",
	"memfd_create",
	"memfd_secret",
	"mincore",
	"mkdir",
	"mkdirat",
	"mknod",
	"mknodat",
	"mlock",
	"mlock2",
	"mlockall",
	"mmap",
	"mmap2",
	"mprotect",
	"mq_getsetattr",
	"mq_notify",
	"mq_open",
	"mq_timedreceive",
	"mq_timedreceive_time64",
	"mq_timedsend",
	"mq_timedsend_time64",
	"mq_unlink",
	"mremap",
	"msgctl",
	"msgget",
	"msgrcv",
	"msgsnd",
	"msync",
	"munlock",
	"munlockall",
	"munmap",
	"name_to_handle_at",
	"nanosleep",
	"newfstatat",
	"_newselect",
	"open",
	"openat",
	"openat2",
	"pause",
	"pidfd_open",
	"pidfd_send_signal",
	"pipe",
	"pipe2",
	"pkey_alloc",
	"pkey_free",
	"pkey_mprotect",
	"poll",
	"ppoll",
	"ppoll_time64",
	"prctl",
	"pread64",
	"preadv",
	"preadv2",
	"prlimit64",
	"process_mrelease",
	"pselect6",
	"pselect6_time64",
	"pwrite64",
	"pwritev",
	"pwritev2",
	"read",
	"readahead",
	"readlink",
	"readlinkat",
	"readv",
	"recv",
	"recvfrom",
	"recvmmsg",
	"recvmmsg_time64",
	"recvmsg",
	"remap_file_pages",
	"removexattr",
	"rename",
	"renameat",
	"renameat2",
	"restart_syscall",
	"rmdir",
	"rseq",
	"rt_sigaction",
	"rt_sigpending",
	"rt_sigprocmask",
	"rt_sigqueueinfo",
	"rt_sigreturn",
	"rt_sigsuspend",
	"rt_sigtimedwait",
	"rt_sigtimedwait_time64",
	"rt_tgsigqueueinfo",
	"sched_getaffinity",
	"sched_getattr",
	"sched_getparam",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"sched_getscheduler",
	"sched_rr_get_interval",
	"sched_rr_get_interval_time64",
	"sched_setaffinity",
	"sched_setattr",
	"sched_setparam",
	"sched_setscheduler",
	"sched_yield",
	"seccomp",
	"select",
	"semctl",
	"semget",
	"semop",
	"semtimedop",
	"semtimedop_time64",
	"send",
	"sendfile",
	"sendfile64",
	"sendmmsg",
	"sendmsg",
	"sendto",
	"setfsgid",
	"setfsgid32",
	"setfsuid",
	"setfsuid32",
	"setgid",
	"setgid32",
	"setgroups",
	"setgroups32",
	"setitimer",
	"setpgid",
	"setpriority",
	"setregid",
	"setregid32",
	"setresgid",
	"setresgid32",
	"setresuid",
	"setresuid32",
	"setreuid",
	"setreuid32",
	"setrlimit",
	"set_robust_list",
	"setsid",
	"setsockopt",
	"set_thread_area",
	"set_tid_address",
	"setuid",
	"setuid32",
	"setxattr",
	"shmat",
	"shmctl",
	"shmdt",
	"shmget",
	"shutdown",
	"sigaltstack",
	"signalfd",
	"signalfd4",
	"sigprocmask",
	"sigreturn",
	"socketcall",
	"socketpair",
	"splice",
	"stat",
	"stat64",
	"statfs",
	"statfs64",
	"statx",
	"symlink",
	"symlinkat",
	"sync",
	"sync_file_range",
	"syncfs",
	"sysinfo",
	"tee",
	"tgkill",
	"time",
	"timer_create",
	"timer_delete",
	"timer_getoverrun",
	"timer_gettime",
	"timer_gettime64",
	"timer_settime",
	"timer_settime64",
	"timerfd_create",
	"timerfd_gettime",
	"timerfd_gettime64",
	"timerfd_settime",
	"timerfd_settime64",
	"times",
	"tkill",
	"truncate",
	"truncate64",
	"ugetrlimit",
	"umask",
	"uname",
	"unlink",
	"unlinkat",
	"utime",
	"utimensat",
	"utimensat_time64",
	"utimes",
	"vfork",
	"vmsplice",
	"wait4",
	"waitid",
	"waitpid",
	"write",
	"writev",
	NULL,
};

/* personality(2): only PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32,
 * and the 0xffffffff query. */
#define PERSONA(v)                                                                       \
	{                                                                                \
		.names = NAMES("personality"), .action = ALLOW, ARG(0, SCMP_CMP_EQ, (v)) \
	}

/* clone flags that create namespaces: CLONE_NEWNS | NEWCGROUP | NEWUTS |
 * NEWIPC | NEWUSER | NEWPID | NEWNET (0x7e020000). */
#define CLONE_NS_FLAGS UINT64_C(0x7e020000)
#define AF_VSOCK_NR    40

static const struct group groups[] = {
	{ .names = allow_always, .action = ALLOW },
	/* docker: minKernel 4.8 (ptrace can no longer bypass seccomp) */
	{ .names = NAMES("process_vm_readv", "process_vm_writev", "ptrace"), .action = ALLOW },
	/* sockets of every family but vsock, which reaches the host */
	{ .names = NAMES("socket"), .action = ALLOW, ARG(0, SCMP_CMP_NE, AF_VSOCK_NR) },
	PERSONA(0x0),
	PERSONA(0x8),
	PERSONA(0x20000),
	PERSONA(0x20008),
	PERSONA(0xffffffff),
	{ .names = NAMES("sync_file_range2", "swapcontext"), .action = ALLOW, .fam_only = FAM_PPC64LE },
	{ .names = NAMES("arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint",
			 "cacheflush", "set_tls"),
	  .action = ALLOW,
	  .fam_only = FAM_ARM },
	{ .names = NAMES("arch_prctl", "modify_ldt"), .action = ALLOW, .fam_only = FAM_X86 },
	{ .names = NAMES("s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"),
	  .action = ALLOW,
	  .fam_only = FAM_S390 },
	{ .names = NAMES("riscv_flush_icache"), .action = ALLOW, .fam_only = FAM_RISCV64 },
	{ .names = NAMES("open_by_handle_at"), .action = ALLOW, .caps_any = CAP(CAP_DAC_READ_SEARCH) },
	{ .names = NAMES("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick",
			 "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree",
			 "perf_event_open", "quotactl", "quotactl_fd", "setdomainname", "sethostname",
			 "setns", "syslog", "umount", "umount2", "unshare"),
	  .action = ALLOW,
	  .caps_any = CAP(CAP_SYS_ADMIN) },
	/* without CAP_SYS_ADMIN: clone without namespace flags (arg 1 on s390) */
	{ .names = NAMES("clone"),
	  .action = ALLOW,
	  .caps_none = CAP(CAP_SYS_ADMIN),
	  .fam_not = FAM_S390,
	  .has_arg = true,
	  .arg = { .index = 0, .op = SCMP_CMP_MASKED_EQ, .value = CLONE_NS_FLAGS, .value_two = 0 } },
	{ .names = NAMES("clone"),
	  .action = ALLOW,
	  .caps_none = CAP(CAP_SYS_ADMIN),
	  .fam_only = FAM_S390,
	  .has_arg = true,
	  .arg = { .index = 1, .op = SCMP_CMP_MASKED_EQ, .value = CLONE_NS_FLAGS, .value_two = 0 } },
	/* clone3's flags live in memory seccomp cannot read: ENOSYS, libc falls back to clone */
	{ .names = NAMES("clone3"),
	  .action = SCMP_ACT_ERRNO(0),
	  .errno_ret = ENOSYS,
	  .caps_none = CAP(CAP_SYS_ADMIN) },
	{ .names = NAMES("reboot"), .action = ALLOW, .caps_any = CAP(CAP_SYS_BOOT) },
	{ .names = NAMES("chroot"), .action = ALLOW, .caps_any = CAP(CAP_SYS_CHROOT) },
	{ .names = NAMES("delete_module", "init_module", "finit_module"),
	  .action = ALLOW,
	  .caps_any = CAP(CAP_SYS_MODULE) },
	{ .names = NAMES("acct"), .action = ALLOW, .caps_any = CAP(CAP_SYS_PACCT) },
	{ .names = NAMES("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv", "process_vm_writev",
			 "ptrace"),
	  .action = ALLOW,
	  .caps_any = CAP(CAP_SYS_PTRACE) },
	{ .names = NAMES("iopl", "ioperm"), .action = ALLOW, .caps_any = CAP(CAP_SYS_RAWIO) },
	{ .names = NAMES("settimeofday", "stime", "clock_settime", "clock_settime64"),
	  .action = ALLOW,
	  .caps_any = CAP(CAP_SYS_TIME) },
	{ .names = NAMES("vhangup"), .action = ALLOW, .caps_any = CAP(CAP_SYS_TTY_CONFIG) },
	{ .names = NAMES("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node"),
	  .action = ALLOW,
	  .caps_any = CAP(CAP_SYS_NICE) },
	{ .names = NAMES("syslog"), .action = ALLOW, .caps_any = CAP(CAP_SYSLOG) },
	{ .names = NAMES("bpf"), .action = ALLOW, .caps_any = CAP(CAP_BPF) },
	{ .names = NAMES("perf_event_open"), .action = ALLOW, .caps_any = CAP(CAP_PERFMON) },
};

static unsigned int native_family(uint32_t native, uint32_t arches[static 3], size_t *n)
{
	switch (native) {
	case SCMP_ARCH_X86_64:
		arches[0] = SCMP_ARCH_X86_64;
		arches[1] = SCMP_ARCH_X86;
		arches[2] = SCMP_ARCH_X32;
		*n = 3;
		return FAM_X86;
	case SCMP_ARCH_AARCH64:
		arches[0] = SCMP_ARCH_AARCH64;
		arches[1] = SCMP_ARCH_ARM;
		*n = 2;
		return FAM_ARM;
	case SCMP_ARCH_ARM:
		arches[0] = SCMP_ARCH_ARM;
		*n = 1;
		return FAM_ARM;
	case SCMP_ARCH_S390X:
		arches[0] = SCMP_ARCH_S390X;
		arches[1] = SCMP_ARCH_S390;
		*n = 2;
		return FAM_S390;
	case SCMP_ARCH_PPC64LE:
		arches[0] = SCMP_ARCH_PPC64LE;
		*n = 1;
		return FAM_PPC64LE;
	case SCMP_ARCH_RISCV64:
		arches[0] = SCMP_ARCH_RISCV64;
		*n = 1;
		return FAM_RISCV64;
	default:
		arches[0] = native;
		*n = 1;
		return 0;
	}
}

static bool group_applies(const struct group *g, uint64_t caps, unsigned int fam)
{
	if (g->caps_any && !(caps & g->caps_any))
		return false;
	if (caps & g->caps_none)
		return false;
	if (g->fam_only && !(fam & g->fam_only))
		return false;
	if (fam & g->fam_not)
		return false;
	return true;
}

void rt_seccomp_default_clear(struct rt_seccomp *s)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		for (size_t j = 0; j < s->syscalls[i].n_names; j++)
			free(s->syscalls[i].names[j]);
		free(s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s->architectures);
	for (size_t i = 0; i < s->n_flags; i++)
		free(s->flags[i]);
	free(s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	memset(s, 0, sizeof(*s));
}

static int fill_rule(const struct group *g, struct rt_seccomp_rule *r)
{
	size_t n = 0;

	while (g->names[n])
		n++;
	r->names = calloc(n, sizeof(char *));
	if (!r->names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r->names[i] = strdup(g->names[i]);
		if (!r->names[i])
			return -ENOMEM;
		r->n_names++;
	}
	r->action = g->action;
	if (g->errno_ret) {
		r->has_errno_ret = true;
		r->errno_ret = (uint32_t)g->errno_ret;
	}
	if (g->has_arg) {
		r->args = malloc(sizeof(*r->args));
		if (!r->args)
			return -ENOMEM;
		r->args[0] = g->arg;
		r->n_args = 1;
	}
	return 0;
}

int rt_seccomp_default(uint64_t caps, struct rt_seccomp *ret, struct rt_err *err)
{
	struct rt_seccomp s = {
		.present = true,
		.default_action = SCMP_ACT_ERRNO(0),
		.has_default_errno_ret = true,
		.default_errno_ret = EPERM,
	};
	uint32_t arches[3];
	size_t n_arches = 0;
	unsigned int fam = native_family(seccomp_arch_native(), arches, &n_arches);
	int r = -ENOMEM;

	s.architectures = malloc(n_arches * sizeof(uint32_t));
	s.syscalls = calloc(ARRAY_SIZE(groups), sizeof(*s.syscalls));
	if (!s.architectures || !s.syscalls)
		goto fail;
	memcpy(s.architectures, arches, n_arches * sizeof(uint32_t));
	s.n_architectures = n_arches;
	for (size_t i = 0; i < ARRAY_SIZE(groups); i++) {
		if (!group_applies(&groups[i], caps, fam))
			continue;
		/* counted first so a half-filled rule is freed by clear */
		r = fill_rule(&groups[i], &s.syscalls[s.n_syscalls++]);
		if (r < 0)
			goto fail;
	}
	*ret = s;
	return 0;
fail:
	rt_seccomp_default_clear(&s);
	return rt_err_set(err, -r, "default seccomp profile");
}

/* --- JSON ------------------------------------------------------------------ */

static const struct {
	uint32_t arch;
	const char *name;
} arch_names[] = {
	{ SCMP_ARCH_X86, "SCMP_ARCH_X86" },
	{ SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64" },
	{ SCMP_ARCH_X32, "SCMP_ARCH_X32" },
	{ SCMP_ARCH_ARM, "SCMP_ARCH_ARM" },
	{ SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64" },
	{ SCMP_ARCH_MIPS, "SCMP_ARCH_MIPS" },
	{ SCMP_ARCH_MIPS64, "SCMP_ARCH_MIPS64" },
	{ SCMP_ARCH_MIPS64N32, "SCMP_ARCH_MIPS64N32" },
	{ SCMP_ARCH_MIPSEL, "SCMP_ARCH_MIPSEL" },
	{ SCMP_ARCH_MIPSEL64, "SCMP_ARCH_MIPSEL64" },
	{ SCMP_ARCH_MIPSEL64N32, "SCMP_ARCH_MIPSEL64N32" },
	{ SCMP_ARCH_PPC, "SCMP_ARCH_PPC" },
	{ SCMP_ARCH_PPC64, "SCMP_ARCH_PPC64" },
	{ SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE" },
	{ SCMP_ARCH_S390, "SCMP_ARCH_S390" },
	{ SCMP_ARCH_S390X, "SCMP_ARCH_S390X" },
	{ SCMP_ARCH_PARISC, "SCMP_ARCH_PARISC" },
	{ SCMP_ARCH_PARISC64, "SCMP_ARCH_PARISC64" },
	{ SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64" },
};

static const struct {
	uint32_t action;
	const char *name;
} action_names[] = {
	{ SCMP_ACT_KILL_THREAD, "SCMP_ACT_KILL" }, { SCMP_ACT_KILL_PROCESS, "SCMP_ACT_KILL_PROCESS" },
	{ SCMP_ACT_TRAP, "SCMP_ACT_TRAP" },	   { SCMP_ACT_ERRNO(0), "SCMP_ACT_ERRNO" },
	{ SCMP_ACT_TRACE(0), "SCMP_ACT_TRACE" },   { SCMP_ACT_ALLOW, "SCMP_ACT_ALLOW" },
	{ SCMP_ACT_LOG, "SCMP_ACT_LOG" },	   { SCMP_ACT_NOTIFY, "SCMP_ACT_NOTIFY" },
};

static const char *const op_names[] = {
	[SCMP_CMP_NE] = "SCMP_CMP_NE",
	[SCMP_CMP_LT] = "SCMP_CMP_LT",
	[SCMP_CMP_LE] = "SCMP_CMP_LE",
	[SCMP_CMP_EQ] = "SCMP_CMP_EQ",
	[SCMP_CMP_GE] = "SCMP_CMP_GE",
	[SCMP_CMP_GT] = "SCMP_CMP_GT",
	[SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const char *action_name(uint32_t action)
{
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
		if (action_names[i].action == action)
			return action_names[i].name;
	return NULL;
}

static const char *arch_name(uint32_t arch)
{
	for (size_t i = 0; i < ARRAY_SIZE(arch_names); i++)
		if (arch_names[i].arch == arch)
			return arch_names[i].name;
	return NULL;
}

/* json_object_set_new/json_array_append_new take the reference even on
 * failure, so each step only needs its status collected. */
static json_t *rule_json(const struct rt_seccomp_rule *rule, struct rt_err *err)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	json_t *names = json_array(), *args;
	const char *act = action_name(rule->action);
	int bad = 0;

	if (!o || !names) {
		json_decref(names);
		rt_err_set(err, ENOMEM, "seccomp rule");
		return NULL;
	}
	if (!act) {
		json_decref(names);
		rt_err_msg(err, EINVAL, "seccomp rule: unknown action 0x%x", rule->action);
		return NULL;
	}
	for (size_t i = 0; i < rule->n_names; i++)
		bad |= json_array_append_new(names, json_string(rule->names[i]));
	bad |= json_object_set_new(o, "names", names);
	bad |= json_object_set_new(o, "action", json_string(act));
	if (rule->has_errno_ret)
		bad |= json_object_set_new(o, "errnoRet", json_integer(rule->errno_ret));
	if (rule->n_args) {
		args = json_array();
		for (size_t i = 0; i < rule->n_args; i++) {
			const struct rt_seccomp_arg *a = &rule->args[i];

			if (a->op < SCMP_CMP_NE || a->op > SCMP_CMP_MASKED_EQ || a->value > INT64_MAX ||
			    a->value_two > INT64_MAX) {
				json_decref(args);
				rt_err_msg(err, EINVAL, "seccomp rule: argument not representable");
				return NULL;
			}
			json_t *arg = json_pack("{sI sI ss}", "index", (json_int_t)a->index, "value",
						(json_int_t)a->value, "op", op_names[a->op]);

			if (arg && a->value_two)
				bad |= json_object_set_new(arg, "valueTwo",
							   json_integer((json_int_t)a->value_two));
			bad |= json_array_append_new(args, arg);
		}
		bad |= json_object_set_new(o, "args", args);
	}
	if (bad) {
		rt_err_set(err, ENOMEM, "seccomp rule");
		return NULL;
	}
	return TAKE_PTR(o);
}

int rt_seccomp_to_json(const struct rt_seccomp *s, json_t **ret, struct rt_err *err)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	json_t *arches = json_array(), *calls = json_array();
	const char *def = action_name(s->default_action);
	int bad = 0;

	if (!o || !arches || !calls) {
		json_decref(arches);
		json_decref(calls);
		return rt_err_set(err, ENOMEM, "seccomp json");
	}
	bad |= json_object_set_new(o, "defaultAction", def ? json_string(def) : NULL);
	if (s->has_default_errno_ret)
		bad |= json_object_set_new(o, "defaultErrnoRet", json_integer(s->default_errno_ret));
	for (size_t i = 0; i < s->n_architectures; i++) {
		const char *name = arch_name(s->architectures[i]);

		if (!name) {
			json_decref(arches);
			json_decref(calls);
			return rt_err_msg(err, EINVAL, "seccomp json: unknown architecture 0x%x",
					  s->architectures[i]);
		}
		bad |= json_array_append_new(arches, json_string(name));
	}
	bad |= json_object_set_new(o, "architectures", arches);
	if (s->n_flags) {
		json_t *flags = json_array();

		for (size_t i = 0; i < s->n_flags; i++)
			bad |= json_array_append_new(flags, json_string(s->flags[i]));
		bad |= json_object_set_new(o, "flags", flags);
	}
	if (s->listener_path)
		bad |= json_object_set_new(o, "listenerPath", json_string(s->listener_path));
	if (s->listener_metadata)
		bad |= json_object_set_new(o, "listenerMetadata", json_string(s->listener_metadata));
	for (size_t i = 0; i < s->n_syscalls; i++) {
		json_t *rule = rule_json(&s->syscalls[i], err);

		if (!rule) {
			json_decref(calls);
			return rt_err_prefix(err, "linux.seccomp.syscalls[%zu]", i);
		}
		bad |= json_array_append_new(calls, rule);
	}
	bad |= json_object_set_new(o, "syscalls", calls);
	if (!def)
		return rt_err_msg(err, EINVAL, "seccomp json: unknown default action 0x%x",
				  s->default_action);
	if (bad)
		return rt_err_set(err, ENOMEM, "seccomp json");
	*ret = TAKE_PTR(o);
	return 0;
}

int rt_seccomp_default_json(uint64_t caps, json_t **ret, struct rt_err *err)
{
	struct rt_seccomp s;
	int r;

	r = rt_seccomp_default(caps, &s, err);
	if (r < 0)
		return r;
	r = rt_seccomp_to_json(&s, ret, err);
	rt_seccomp_default_clear(&s);
	return r;
}
