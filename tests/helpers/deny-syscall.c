/* deny-syscall NAME[,NAME...] PROGRAM [ARGS...]: run PROGRAM with the named
 * system calls failing with ENOSYS, as on a kernel that lacks them, so the
 * runtime's fallback paths are what the tests exercise:
 *   openat2  kernels before 5.6 (the in-root path walk)
 *   clone3   kernels before 5.3 (plain clone; no CLONE_INTO_CGROUP)
 *   mount_setattr  kernels before 5.12 (one remount per mount instead)
 *   open_tree  kernels before 5.2 (the self-protection's sealed-copy fallback)
 * A classic BPF seccomp filter; inherited by everything PROGRAM starts. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
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

static const struct {
	const char *name;
	long nr;
} known[] = { { "openat2", SYS_openat2 },
	      { "clone3", SYS_clone3 },
	      { "mount_setattr", SYS_mount_setattr },
	      { "open_tree", SYS_open_tree } };

static long syscall_nr(const char *name)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, name) == 0)
			return known[i].nr;
	return -1;
}

int main(int argc, char **argv)
{
	struct sock_filter f[4 + 2 * MAX_DENY + 1];
	struct sock_fprog prog = { .filter = f };
	char names[256], *save = NULL;
	long nrs[MAX_DENY];
	size_t n = 0, k = 0;

	if (argc < 3 || strlen(argv[1]) >= sizeof(names)) {
		fprintf(stderr, "usage: deny-syscall NAME[,NAME...] PROGRAM [ARGS...]\n");
		return 2;
	}
	strcpy(names, argv[1]);
	for (char *w = strtok_r(names, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (n == MAX_DENY || (nrs[n] = syscall_nr(w)) < 0) {
			fprintf(stderr,
				"deny-syscall: %s: unknown or too many (known: openat2, clone3, "
				"mount_setattr, open_tree)\n",
				w);
			return 2;
		}
		n++;
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++) {
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[i], 0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						      SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;

	/* root needs no no_new_privs for a filter; keep it off so the tests see the spec's */
	if ((geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("deny-syscall: seccomp");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (syscall(nrs[i], -1, 0, 0, 0) != -1 || errno != ENOSYS) {
			fprintf(stderr, "deny-syscall: the filter did not take\n");
			return 1;
		}
	execvp(argv[2], argv + 2);
	perror("deny-syscall: exec");
	return 127;
}
