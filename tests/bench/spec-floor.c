/* spec-floor ROOTFS CGROUP: the kernel work that the bench's bundle (config
 * from `runc spec`, process /bin/true) asks of any runtime, and nothing else:
 * no spec parse, no state, no lock, no checks of what a mount landed on, no
 * protection of the runtime's own binary, no seccomp (the bundle has none).
 * What a runtime takes beyond this program is the runtime's own work; what
 * this program takes is the least any runtime can (tests/bench/README.md).
 *
 * The same steps as capsa, runc and crun make, in the order they make them
 * (strace): clone3 into a new pid namespace; the child unshares mount, net,
 * ipc and uts, brings lo up, joins the cgroups, mounts the seven mounts of the
 * spec (the cgroup mount as a tmpfs of read-only binds, one per v1
 * hierarchy, as runc does without a cgroup namespace), makes the default
 * devices and links, pivots, masks and read-only-binds the spec's paths,
 * remounts the root read-only, sets the hostname, rlimit, capabilities and
 * no_new_privs and execs.  The parent meanwhile makes the cgroups (cpuset
 * copied from the parent cgroup, the default device rules), then waits and
 * removes them.  v1 and hybrid hosts: one cgroup per v1 hierarchy in
 * /proc/self/cgroup; cgroup2-only hosts: one under /sys/fs/cgroup.
 *
 * Exit status: /bin/true's; 125 and a message on stderr when a step fails,
 * with the cgroups removed. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CG 16
#define FAIL   125

struct cg {
	char dir[256]; /* the container's cgroup */
	char name[64]; /* its hierarchy's directory under /sys/fs/cgroup ("" for v2) */
};

static struct cg cgs[MAX_CG];
static int ncg;

static int fail(const char *what)
{
	fprintf(stderr, "spec-floor: %s: %s\n", what, strerror(errno));
	return -1;
}

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return fail(path);
	if (write(fd, value, strlen(value)) < 0)
		r = fail(path);
	close(fd);
	return r;
}

static int read_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return fail(path);
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return fail(path);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* One cgroup per v1 hierarchy this process is in ("N:ctrl,ctrl:/path"), named
 * as its mount is ("name=systemd" -> "systemd"); cgroup2 alone: one. */
static int find_hierarchies(const char *name)
{
	char buf[4096], *line, *save = NULL;
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return fail("/proc/self/cgroup");
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return fail("/proc/self/cgroup");
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && ncg < MAX_CG; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':'), *end;

		if (!ctrl || !(end = strchr(++ctrl, ':')) || end == ctrl)
			continue; /* 0::/path, the unified hierarchy */
		*end = '\0';
		if (!strncmp(ctrl, "name=", 5))
			ctrl += 5;
		snprintf(cgs[ncg].name, sizeof cgs[ncg].name, "%s", ctrl);
		snprintf(cgs[ncg].dir, sizeof cgs[ncg].dir, "/sys/fs/cgroup/%.64s/%.100s", ctrl, name);
		ncg++;
	}
	if (ncg == 0) {
		snprintf(cgs[0].dir, sizeof cgs[0].dir, "/sys/fs/cgroup/%.100s", name);
		ncg = 1;
	}
	return 0;
}

/* v1 cpuset starts empty: copy the parent's cpus and mems, as runtimes do. */
static int copy_cpuset(const struct cg *c)
{
	static const char *files[] = { "cpuset.cpus", "cpuset.mems" };
	char path[320], value[256];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "/sys/fs/cgroup/cpuset/%s", files[i]);
		if (read_line(path, value, sizeof value) < 0)
			return -1;
		snprintf(path, sizeof path, "%.255s/%s", c->dir, files[i]);
		if (write_file(path, value) < 0)
			return -1;
	}
	return 0;
}

/* linux.resources.devices denies all; the spec's default devices are allowed. */
static int device_rules(const struct cg *c)
{
	static const char *allow[] = { "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm",	"c 5:0 rwm", "c 1:5 rwm",
				       "c 1:9 rwm", "c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm" };
	char path[320];
	int fd, r = 0;

	snprintf(path, sizeof path, "%.255s/devices.deny", c->dir);
	if (write_file(path, "a") < 0)
		return -1;
	snprintf(path, sizeof path, "%.255s/devices.allow", c->dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(path);
	for (size_t i = 0; i < sizeof allow / sizeof allow[0] && r == 0; i++)
		if (write(fd, allow[i], strlen(allow[i])) < 0)
			r = fail(path);
	close(fd);
	return r;
}

static void remove_cgroups(int n)
{
	while (n-- > 0)
		rmdir(cgs[n].dir);
}

static int make_cgroups(void)
{
	for (int i = 0; i < ncg; i++) {
		int r = 0;

		if (mkdir(cgs[i].dir, 0755) < 0) {
			fail(cgs[i].dir);
			remove_cgroups(i);
			return -1;
		}
		if (!strcmp(cgs[i].name, "cpuset"))
			r = copy_cpuset(&cgs[i]);
		else if (!strcmp(cgs[i].name, "devices"))
			r = device_rules(&cgs[i]);
		if (r < 0) {
			remove_cgroups(i + 1);
			return -1;
		}
	}
	return 0;
}

/* ---- the child, in the container's namespaces ---- */

static int loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (s < 0)
		return fail("socket");
	ifr.ifr_flags = IFF_UP | IFF_LOOPBACK;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		r = fail("lo up");
	close(s);
	return r;
}

static int join_cgroups(void)
{
	char path[320];

	for (int i = 0; i < ncg; i++) {
		snprintf(path, sizeof path, "%.255s/%s", cgs[i].dir,
			 cgs[i].name[0] ? "tasks" : "cgroup.procs");
		if (write_file(path, "0") < 0)
			return -1;
	}
	return 0;
}

static int mnt(const char *src, const char *dst, const char *type, unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0)
		return fail(dst);
	return 0;
}

static int mkdir_mnt(const char *src, const char *dst, const char *type, unsigned long flags,
		     const char *data)
{
	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		return fail(dst);
	return mnt(src, dst, type, flags, data);
}

#define RO_BIND (MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* The spec's cgroup mount on v1 without a cgroup namespace: a tmpfs with a
 * read-only bind of the container's cgroup per hierarchy (runc's layout). */
static int cgroup_mount(void)
{
	char dst[320];

	if (mnt("tmpfs", "sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return -1;
	for (int i = 0; i < ncg; i++) {
		snprintf(dst, sizeof dst, "sys/fs/cgroup/%.63s", cgs[i].name);
		if (mkdir_mnt(cgs[i].dir, dst, NULL, MS_BIND, NULL) < 0 ||
		    mnt(NULL, dst, NULL, RO_BIND, NULL) < 0)
			return -1;
	}
	return mnt(NULL, "sys/fs/cgroup", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		   "mode=755");
}

static int spec_mounts(const char *rootfs)
{
	if (mnt(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mnt(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	if (chdir(rootfs) < 0)
		return fail(rootfs);
	if (mnt("proc", "proc", "proc", 0, NULL) < 0 ||
	    mnt("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0 ||
	    mkdir_mnt("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		      "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 ||
	    mkdir_mnt("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") <
		0 ||
	    mkdir_mnt("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
	    mnt("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	return ncg > 1 || cgs[0].name[0] ? cgroup_mount()
					 : mnt("cgroup2", "sys/fs/cgroup", "cgroup2",
					       MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* The runtime spec's default devices and /dev links. */
static int default_devices(void)
{
	static const struct {
		const char *path;
		unsigned int major, minor;
	} devs[] = { { "dev/null", 1, 3 },   { "dev/zero", 1, 5 },    { "dev/full", 1, 7 },
		     { "dev/random", 1, 8 }, { "dev/urandom", 1, 9 }, { "dev/tty", 5, 0 } };
	static const char *links[][2] = { { "/proc/self/fd", "dev/fd" },
					  { "/proc/self/fd/0", "dev/stdin" },
					  { "/proc/self/fd/1", "dev/stdout" },
					  { "/proc/self/fd/2", "dev/stderr" },
					  { "pts/ptmx", "dev/ptmx" } };
	mode_t old = umask(0);
	int r = 0;

	for (size_t i = 0; i < sizeof devs / sizeof devs[0] && r == 0; i++)
		if (mknod(devs[i].path, S_IFCHR | 0666, makedev(devs[i].major, devs[i].minor)) < 0)
			r = fail(devs[i].path);
	for (size_t i = 0; i < sizeof links / sizeof links[0] && r == 0; i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			r = fail(links[i][1]);
	umask(old);
	return r;
}

static int pivot(void)
{
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail("pivot_root");
	if (mnt(NULL, ".", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return -1;
	if (umount2(".", MNT_DETACH) < 0)
		return fail("umount old root");
	if (chdir("/") < 0)
		return fail("chdir /");
	return 0;
}

/* linux.maskedPaths and linux.readonlyPaths of `runc spec`; missing ones
 * are skipped.  Masked directories share one empty read-only tmpfs. */
static int masked_and_readonly(void)
{
	static const char *masked[] = { "/proc/acpi",	     "/proc/asound",	    "/proc/kcore",
					"/proc/keys",	     "/proc/latency_stats", "/proc/timer_list",
					"/proc/timer_stats", "/proc/sched_debug",   "/sys/firmware",
					"/proc/scsi" };
	static const char *readonly[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					  "/proc/sysrq-trigger" };
	const char *empty_dir = NULL;
	struct stat st;

	for (size_t i = 0; i < sizeof masked / sizeof masked[0]; i++) {
		if (stat(masked[i], &st) < 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			if (mnt("/dev/null", masked[i], NULL, MS_BIND, NULL) < 0)
				return -1;
		} else if (empty_dir) {
			if (mnt(empty_dir, masked[i], NULL, MS_BIND, NULL) < 0)
				return -1;
		} else {
			if (mnt("tmpfs", masked[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				"size=0k") < 0)
				return -1;
			empty_dir = masked[i];
		}
	}
	for (size_t i = 0; i < sizeof readonly / sizeof readonly[0]; i++) {
		if (stat(readonly[i], &st) < 0)
			continue;
		if (mnt(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mnt(NULL, readonly[i], NULL, RO_BIND, NULL) < 0)
			return -1;
	}
	return mnt(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
}

/* process.capabilities of `runc spec`: AUDIT_WRITE, KILL, NET_BIND_SERVICE
 * in every set but inheritable (so the ambient raise fails, as in runc). */
static int capabilities(void)
{
	const unsigned int keep = 1u << CAP_AUDIT_WRITE | 1u << CAP_KILL | 1u << CAP_NET_BIND_SERVICE;
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { .effective = keep, .permitted = keep } };
	int last = 0;
	char buf[16];

	if (read_line("/proc/sys/kernel/cap_last_cap", buf, sizeof buf) < 0)
		return -1;
	last = atoi(buf);
	for (int c = 0; c <= last; c++)
		if (!(c < 32 && keep & 1u << c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return fail("PR_CAPBSET_DROP");
	if (setgroups(0, NULL) < 0 || syscall(SYS_capset, &h, d) < 0)
		return fail("capset");
	return 0;
}

static int child(const char *rootfs, int go)
{
	struct rlimit nofile = { 1024, 1024 };
	static char true_path[] = "/bin/true",
		    path_env[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		    term_env[] = "TERM=xterm";
	char *argv[] = { true_path, NULL }, *envp[] = { path_env, term_env, NULL };
	char c;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC) < 0)
		return fail("unshare");
	if (loopback_up() < 0)
		return -1;
	if (read(go, &c, 1) != 1) /* the parent made the cgroups */
		return -1;
	if (join_cgroups() < 0 || spec_mounts(rootfs) < 0 || default_devices() < 0 || pivot() < 0 ||
	    masked_and_readonly() < 0)
		return -1;
	if (sethostname("runc", 4) < 0 || setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return fail("hostname, rlimit");
	if (capabilities() < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail("no_new_privs");
	execve(argv[0], argv, envp);
	return fail(argv[0]);
}

int main(int argc, char **argv)
{
	struct clone_args args = { .flags = CLONE_NEWPID, .exit_signal = SIGCHLD };
	int go[2], status;
	pid_t pid;

	if (argc != 3) {
		fprintf(stderr, "usage: %s ROOTFS CGROUP_NAME\n", argv[0]);
		return 2;
	}
	if (find_hierarchies(argv[2]) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return FAIL;
	pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid < 0)
		return fail("clone3"), FAIL;
	if (pid == 0) {
		close(go[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(child(argv[1], go[0]) < 0 ? FAIL : 0);
	}
	close(go[0]);
	if (make_cgroups() < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return FAIL;
	}
	if (write(go[1], "g", 1) != 1)
		fail("go");
	close(go[1]);
	if (waitpid(pid, &status, 0) < 0)
		return fail("wait"), FAIL;
	remove_cgroups(ncg);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
