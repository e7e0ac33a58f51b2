/* no-openat2 PROGRAM [ARGS...]: run PROGRAM with openat2(2) failing with
 * ENOSYS, as on kernels before 5.6, so the runtime's fallback path walk is
 * what the tests exercise.  A classic BPF seccomp filter; inherited by
 * everything PROGRAM starts. */
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

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (argc < 2) {
		fprintf(stderr, "usage: no-openat2 PROGRAM [ARGS...]\n");
		return 2;
	}
	/* root needs no no_new_privs for a filter; keep it off so the tests see the spec's */
	if ((geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("no-openat2: seccomp");
		return 1;
	}
	if (syscall(SYS_openat2, -1, "/", NULL, 0) != -1 || errno != ENOSYS) {
		fprintf(stderr, "no-openat2: the filter did not take\n");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror("no-openat2: exec");
	return 127;
}
