/* deny-syscall NAME[,NAME...] PROGRAM [ARGS...]: run PROGRAM with the named
 * system calls failing with ENOSYS, as on a kernel that lacks them, so the
 * runtime's fallback paths are what the tests exercise:
 *   openat2  kernels before 5.6 (the in-root path walk)
 *   clone3   kernels before 5.3 (plain clone; no CLONE_INTO_CGROUP)
 *   mount_setattr  kernels before 5.12 (one remount per mount instead)
 *   open_tree  kernels before 5.2 (the self-protection's sealed-copy fallback)
 *   prctl_set_mm  prctl(PR_SET_MM, ...) only, failing with EPERM, as for a
 *              caller without CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN (the
 *              self-protection then re-executes instead of mapping in place)
 *   unshare  failing with EPERM, as under a seccomp policy that forbids it
 *              (the init's own namespaces at an early start fail: the error
 *              path after the clone)
 * A classic BPF seccomp filter; inherited by everything PROGRAM starts. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

#define MAX_DENY 8
#define ANY_ARG	 (-1L)

static const struct deny {
	const char *name;
	long nr;
	long arg0; /* only calls whose first argument is this, or ANY_ARG */
	int err;
} known[] = { { "openat2", SYS_openat2, ANY_ARG, ENOSYS },
	      { "clone3", SYS_clone3, ANY_ARG, ENOSYS },
	      { "mount_setattr", SYS_mount_setattr, ANY_ARG, ENOSYS },
	      { "open_tree", SYS_open_tree, ANY_ARG, ENOSYS },
	      { "prctl_set_mm", SYS_prctl, PR_SET_MM, EPERM },
	      { "unshare", SYS_unshare, ANY_ARG, EPERM } };

static const struct deny *find_deny(const char *name)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, name) == 0)
			return &known[i];
	return NULL;
}

/* The filter's instructions for d, with the syscall number loaded: 5 at most. */
static size_t emit(struct sock_filter *f, const struct deny *d)
{
	size_t k = 0;
	struct sock_filter ret =
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned)d->err & SECCOMP_RET_DATA));

	if (d->arg0 == ANY_ARG) {
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)d->nr, 0, 1);
		f[k++] = ret;
		return k;
	}
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)d->nr, 0, 3);
	f[k++] =
	    (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)d->arg0, 0, 1);
	f[k++] = ret;
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	return k;
}

/* Does the filter take?  A harmless call of each kind must fail as denied. */
static bool denied(const struct deny *d)
{
	unsigned size = 0;

	if (d->arg0 == PR_SET_MM)
		return prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, &size, 0, 0) == -1 && errno == d->err;
	return syscall(d->nr, -1, 0, 0, 0) == -1 && errno == d->err;
}

int main(int argc, char **argv)
{
	struct sock_filter f[4 + 5 * MAX_DENY + 1];
	struct sock_fprog prog = { .filter = f };
	char names[256], *save = NULL;
	const struct deny *d[MAX_DENY];
	size_t n = 0, k = 0;

	if (argc < 3 || strlen(argv[1]) >= sizeof(names)) {
		fprintf(stderr, "usage: deny-syscall NAME[,NAME...] PROGRAM [ARGS...]\n");
		return 2;
	}
	strcpy(names, argv[1]);
	for (char *w = strtok_r(names, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (n == MAX_DENY || !(d[n] = find_deny(w))) {
			fprintf(stderr,
				"deny-syscall: %s: unknown or too many (known: openat2, clone3, "
				"mount_setattr, open_tree, prctl_set_mm, unshare)\n",
				w);
			return 2;
		}
		n++;
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++)
		k += emit(f + k, d[i]);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;

	/* root needs no no_new_privs for a filter; keep it off so the tests see the spec's */
	if ((geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("deny-syscall: seccomp");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!denied(d[i])) {
			fprintf(stderr, "deny-syscall: the filter did not take\n");
			return 1;
		}
	execvp(argv[2], argv + 2);
	perror("deny-syscall: exec");
	return 127;
}
