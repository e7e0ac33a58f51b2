/*
 * probe: the static payload the integration tests run inside containers.
 *
 * One subcommand per question a test asks; every answer is printed as
 * `key=value` lines on stdout so that bats can match them exactly.  Errors
 * are printed as `error=NAME` (the errno name) and make probe exit 1, except
 * where the errno *is* the answer (syscall, open, mknod, tiocsti, forks).
 *
 * Built static by `make helpers` (build/helpers/probe) so it runs in a bare
 * busybox rootfs.  Usage: probe SUBCOMMAND [ARGS...]; `probe help` lists them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* The exit code `probe signals` uses when SIGTERM arrives. */
#define SIGTERM_EXIT 42

struct name_val {
	const char *name;
	long val;
};

#define E(x)          \
	{             \
#x, x \
	}
static const struct name_val errnos[] = {
	E(EPERM),	 E(ENOENT),    E(ESRCH),      E(EINTR),	       E(EIO),	     E(ENXIO),	E(E2BIG),
	E(ENOEXEC),	 E(EBADF),     E(ECHILD),     E(EAGAIN),       E(ENOMEM),    E(EACCES), E(EFAULT),
	E(EBUSY),	 E(EEXIST),    E(EXDEV),      E(ENODEV),       E(ENOTDIR),   E(EISDIR), E(EINVAL),
	E(ENFILE),	 E(EMFILE),    E(ENOTTY),     E(ETXTBSY),      E(EFBIG),     E(ENOSPC), E(ESPIPE),
	E(EROFS),	 E(EMLINK),    E(EPIPE),      E(EDOM),	       E(ERANGE),    E(ENOSYS), E(ELOOP),
	E(ENAMETOOLONG), E(ENOTEMPTY), E(EOPNOTSUPP), E(ECONNREFUSED), E(ETIMEDOUT), E(EDQUOT), E(ENOTSUP),
};

static const struct name_val rlimits[] = {
	{ "CPU", RLIMIT_CPU },		 { "FSIZE", RLIMIT_FSIZE },
	{ "DATA", RLIMIT_DATA },	 { "STACK", RLIMIT_STACK },
	{ "CORE", RLIMIT_CORE },	 { "RSS", RLIMIT_RSS },
	{ "NPROC", RLIMIT_NPROC },	 { "NOFILE", RLIMIT_NOFILE },
	{ "MEMLOCK", RLIMIT_MEMLOCK },	 { "AS", RLIMIT_AS },
	{ "LOCKS", RLIMIT_LOCKS },	 { "SIGPENDING", RLIMIT_SIGPENDING },
	{ "MSGQUEUE", RLIMIT_MSGQUEUE }, { "NICE", RLIMIT_NICE },
	{ "RTPRIO", RLIMIT_RTPRIO },	 { "RTTIME", RLIMIT_RTTIME },
};

static const struct name_val openflags[] = {
	{ "O_RDONLY", O_RDONLY }, { "O_WRONLY", O_WRONLY },	  { "O_RDWR", O_RDWR },
	{ "O_CREAT", O_CREAT },	  { "O_TRUNC", O_TRUNC },	  { "O_APPEND", O_APPEND },
	{ "O_EXCL", O_EXCL },	  { "O_DIRECTORY", O_DIRECTORY }, { "O_NOFOLLOW", O_NOFOLLOW },
	{ "O_PATH", O_PATH },
};

static const char *errno_name(int e)
{
	static char buf[32];

	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].val == e)
			return errnos[i].name;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static int fail(const char *what)
{
	int e = errno;

	printf("error=%s\n", errno_name(e));
	fprintf(stderr, "probe: %s: %s\n", what, strerror(e));
	return 1;
}

static int usage(void)
{
	fputs("usage: probe fds|caps|ids|umask|cwd|hostname|nnp|seccomp|tiocsti|signals\n"
	      "       probe env NAME | rlimit NAME | alloc MIB | forks N | spin SECONDS\n"
	      "       probe sleep SECONDS | exit N | kill SIGNUM | syscall mkdir PATH\n"
	      "       probe open PATH FLAG[|FLAG...] | mknod PATH c|b MAJ MIN | write PATH TEXT\n",
	      stderr);
	return 2;
}

/* Parse a non-negative decimal argument; exits 2 on garbage. */
static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "probe: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

/* Print the lines of /proc/self/status whose key is in keys. */
static int status_fields(const char *const *keys)
{
	char line[512];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return fail("open /proc/self/status");
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		char *v;

		if (!colon)
			continue;
		*colon = '\0';
		for (const char *const *k = keys; *k; k++) {
			if (strcmp(line, *k) != 0)
				continue;
			v = colon + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			printf("%s=%s\n", line, v);
		}
	}
	fclose(f);
	return 0;
}

/* Every open fd except the one used to read the directory, with its target. */
static int cmd_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int self;

	if (!d)
		return fail("opendir /proc/self/fd");
	self = dirfd(d);
	while ((de = readdir(d))) {
		char path[64], target[PATH_MAX];
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == self)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		printf("fd%d=%s\n", fd, target);
	}
	closedir(d);
	return 0;
}

static int cmd_ids(void)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (n < 0)
		return fail("getgroups");
	printf("uid=%u\neuid=%u\ngid=%u\negid=%u\ngroups=", getuid(), geteuid(), getgid(), getegid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	putchar('\n');
	return 0;
}

static int cmd_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	printf("umask=%04o\n", (unsigned)m);
	return 0;
}

static int cmd_cwd(void)
{
	char buf[PATH_MAX];

	if (!getcwd(buf, sizeof(buf)))
		return fail("getcwd");
	printf("cwd=%s\n", buf);
	return 0;
}

static int cmd_env(const char *name)
{
	const char *v = getenv(name);

	if (!v) {
		printf("%s unset\n", name);
		return 1;
	}
	printf("%s=%s\n", name, v);
	return 0;
}

static int cmd_rlimit(const char *name)
{
	struct rlimit rl;
	const char *n = strncmp(name, "RLIMIT_", 7) == 0 ? name + 7 : name;

	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
		if (strcmp(rlimits[i].name, n) != 0)
			continue;
		if (getrlimit((int)rlimits[i].val, &rl) < 0)
			return fail("getrlimit");
		if (rl.rlim_cur == RLIM_INFINITY)
			printf("soft=unlimited\n");
		else
			printf("soft=%llu\n", (unsigned long long)rl.rlim_cur);
		if (rl.rlim_max == RLIM_INFINITY)
			printf("hard=unlimited\n");
		else
			printf("hard=%llu\n", (unsigned long long)rl.rlim_max);
		return 0;
	}
	fprintf(stderr, "probe: unknown rlimit %s\n", name);
	return 2;
}

/* Allocate and touch MiB of anonymous memory, reporting progress per MiB so
 * that an OOM kill part-way still shows how far it got. */
static int cmd_alloc(long mib)
{
	long done;

	for (done = 0; done < mib; done++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("allocated=%ld\n", done);
			return fail("mmap");
		}
		for (size_t i = 0; i < (1 << 20); i += 4096)
			p[i] = 1;
	}
	printf("allocated=%ld\n", done);
	fflush(stdout);
	return 0;
}

/* Fork n children that sleep until killed; report how many forks succeeded
 * and the errno of the first failure.  The children are killed before exit. */
static int cmd_forks(long n)
{
	pid_t *pids = calloc((size_t)n + 1, sizeof(pid_t));
	long ok = 0;
	int first_err = 0;

	if (!pids)
		return fail("calloc");
	for (long i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			for (;;)
				pause();
		}
		if (p < 0) {
			if (!first_err)
				first_err = errno;
			continue;
		}
		pids[ok++] = p;
	}
	printf("forked=%ld\n", ok);
	printf("first_error=%s\n", first_err ? errno_name(first_err) : "none");
	fflush(stdout);
	for (long i = 0; i < ok; i++)
		kill(pids[i], SIGKILL);
	for (long i = 0; i < ok; i++)
		waitpid(pids[i], NULL, 0);
	free(pids);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Burn CPU for the given wall-clock seconds; report the CPU time used. */
static int cmd_spin(long seconds)
{
	double end = now() + (double)seconds;
	volatile unsigned long x = 0;
	struct timespec cpu;

	while (now() < end)
		for (int i = 0; i < 100000; i++)
			x++;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	printf("cpu_ms=%ld\n", (long)cpu.tv_sec * 1000 + cpu.tv_nsec / 1000000);
	return 0;
}

static int cmd_sleep(long seconds)
{
	struct timespec ts = { .tv_sec = seconds };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

static int cmd_syscall(const char *name, const char *path)
{
	int r;

	if (strcmp(name, "mkdir") != 0) {
		fprintf(stderr, "probe: unsupported syscall %s\n", name);
		return 2;
	}
	r = mkdir(path, 0755);
	printf("mkdir=%s\n", r == 0 ? "ok" : errno_name(errno));
	return 0;
}

/* Try to push a character into the input queue of the terminal on fd 0;
 * succeeding means the container could type into its caller's terminal. */
static int cmd_tiocsti(void)
{
	char c = ' ';
	int r = ioctl(0, TIOCSTI, &c);

	printf("tiocsti=%s\n", r == 0 ? "ok" : errno_name(errno));
	return 0;
}

static int cmd_hostname(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return fail("uname");
	printf("hostname=%s\ndomainname=%s\n", u.nodename, u.domainname);
	return 0;
}

static volatile sig_atomic_t got_sig;

static void on_signal(int sig)
{
	got_sig = sig;
}

/* Print each signal received (by number) until SIGTERM, then exit
 * SIGTERM_EXIT.  "ready" is printed once the handlers are installed so a
 * test can wait for it before signalling. */
static int cmd_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGWINCH, SIGCONT };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old;

	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int s;

		got_sig = 0;
		sigsuspend(&old);
		s = got_sig;
		if (!s)
			continue;
		printf("signal=%d\n", s);
		fflush(stdout);
		if (s == SIGTERM)
			return SIGTERM_EXIT;
	}
}

static int parse_flags(const char *spec, int *ret)
{
	char buf[256], *save = NULL;
	int flags = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *tok = strtok_r(buf, "|,", &save); tok; tok = strtok_r(NULL, "|,", &save)) {
		size_t i;

		for (i = 0; i < sizeof(openflags) / sizeof(openflags[0]); i++)
			if (strcmp(openflags[i].name, tok) == 0)
				break;
		if (i == sizeof(openflags) / sizeof(openflags[0]))
			return -1;
		flags |= (int)openflags[i].val;
	}
	*ret = flags;
	return 0;
}

static int cmd_open(const char *path, const char *flagspec)
{
	int flags, fd;

	if (parse_flags(flagspec, &flags) < 0) {
		fprintf(stderr, "probe: bad open flags '%s'\n", flagspec);
		return 2;
	}
	fd = open(path, flags | O_CLOEXEC, 0644);
	printf("open=%s\n", fd >= 0 ? "ok" : errno_name(errno));
	if (fd >= 0)
		close(fd);
	return 0;
}

static int cmd_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		printf("write=%s\n", errno_name(errno));
		if (fd >= 0)
			close(fd);
		return 0;
	}
	printf("write=%s\n", close(fd) == 0 ? "ok" : errno_name(errno));
	return 0;
}

static int cmd_mknod(const char *path, const char *type, long maj, long min)
{
	mode_t mode;

	if (strcmp(type, "c") == 0)
		mode = S_IFCHR;
	else if (strcmp(type, "b") == 0)
		mode = S_IFBLK;
	else
		return usage();
	if (mknod(path, mode | 0600, makedev((unsigned)maj, (unsigned)min)) < 0)
		printf("mknod=%s\n", errno_name(errno));
	else
		printf("mknod=ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int nargs = argc - 2;
	char **a = argv + 2;
	int r;

	/* Answers must reach the pipe even if the process is killed later. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(cmd, "fds") == 0)
		r = cmd_fds();
	else if (strcmp(cmd, "caps") == 0)
		r = status_fields(
		    (const char *const[]){ "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", NULL });
	else if (strcmp(cmd, "ids") == 0)
		r = cmd_ids();
	else if (strcmp(cmd, "umask") == 0)
		r = cmd_umask();
	else if (strcmp(cmd, "cwd") == 0)
		r = cmd_cwd();
	else if (strcmp(cmd, "hostname") == 0)
		r = cmd_hostname();
	else if (strcmp(cmd, "nnp") == 0)
		r = status_fields((const char *const[]){ "NoNewPrivs", NULL });
	else if (strcmp(cmd, "seccomp") == 0)
		r = status_fields((const char *const[]){ "Seccomp", NULL });
	else if (strcmp(cmd, "tiocsti") == 0)
		r = cmd_tiocsti();
	else if (strcmp(cmd, "signals") == 0)
		r = cmd_signals();
	else if (strcmp(cmd, "pid") == 0)
		r = printf("pid=%d\nppid=%d\n", getpid(), getppid()) < 0;
	else if (strcmp(cmd, "env") == 0 && nargs == 1)
		r = cmd_env(a[0]);
	else if (strcmp(cmd, "rlimit") == 0 && nargs == 1)
		r = cmd_rlimit(a[0]);
	else if (strcmp(cmd, "alloc") == 0 && nargs == 1)
		r = cmd_alloc(num(a[0]));
	else if (strcmp(cmd, "forks") == 0 && nargs == 1)
		r = cmd_forks(num(a[0]));
	else if (strcmp(cmd, "spin") == 0 && nargs == 1)
		r = cmd_spin(num(a[0]));
	else if (strcmp(cmd, "sleep") == 0 && nargs == 1)
		r = cmd_sleep(num(a[0]));
	else if (strcmp(cmd, "exit") == 0 && nargs == 1)
		r = (int)num(a[0]);
	else if (strcmp(cmd, "kill") == 0 && nargs == 1)
		r = kill(getpid(), (int)num(a[0])) < 0 ? fail("kill") : 0;
	else if (strcmp(cmd, "syscall") == 0 && nargs == 2)
		r = cmd_syscall(a[0], a[1]);
	else if (strcmp(cmd, "open") == 0 && nargs == 2)
		r = cmd_open(a[0], a[1]);
	else if (strcmp(cmd, "write") == 0 && nargs == 2)
		r = cmd_write(a[0], a[1]);
	else if (strcmp(cmd, "mknod") == 0 && nargs == 4)
		r = cmd_mknod(a[0], a[1], num(a[2]), num(a[3]));
	else
		r = usage();
	fflush(stdout);
	return r;
}
