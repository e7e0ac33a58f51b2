/*
 * secwatch: the hostile process inside the container for the tests of
 * CVE-2019-5736 (runtime binary reachable through /proc/PID/exe) and
 * CVE-2016-9962 (runtime helper readable while it joins the container).
 *
 *   secwatch STOPFILE MAXSEC [CONTAINER_BINARY...]
 *
 * Until STOPFILE exists (or MAXSEC seconds pass) it scans /proc in a tight
 * loop.  For every process that is not running one of CONTAINER_BINARY
 * (identified by device and inode), i.e. a runtime helper on its way into
 * the container or a runtime binary exec'd inside it, it
 *   - keeps an O_PATH fd of /proc/PID/exe (what the 2019 exploit does),
 *   - tries to open /proc/PID/environ and /proc/PID/fd.
 * At the end it tries to reopen every kept exe for writing (without
 * writing) for up to a second each, as the exploit does once ETXTBSY clears.
 *
 * Output, one line each (the test compares dev:ino with the host binary):
 *   exe pid=P comm=C dev=D ino=I link=L     a kept exe
 *   environ pid=P comm=C dev=D ino=I        environ readable while P ran
 *                                           a non-container binary
 *   fddir pid=P comm=C dev=D ino=I          same for /proc/P/fd
 *   wronly dev=D ino=I result=ok|sealed|ERRNO
 *                                           the reopen for writing; "sealed":
 *                                           it opened, but the file carries
 *                                           F_SEAL_WRITE (a runtime's sealed
 *                                           memfd copy), so no write lands
 *   summary helpers=N kept=N environ=N fddir=N wronly_ok=N scans=N
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 8192
#define MAX_BINS 16

struct proc_seen {
	int pid;
	int done;   /* a container binary now: nothing more to learn */
	int helper; /* seen running something else */
	int exefd;  /* kept O_PATH fd of its exe, or -1 */
	dev_t dev;
	ino_t ino;
};

static struct proc_seen seen[MAX_PIDS];
static int nseen;
static struct stat bins[MAX_BINS];
static int nbins;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int is_container_binary(const struct stat *st)
{
	for (int i = 0; i < nbins; i++)
		if (bins[i].st_dev == st->st_dev && bins[i].st_ino == st->st_ino)
			return 1;
	return 0;
}

static void read_comm(int pid, char *buf, size_t len)
{
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	for (char *c = buf; *c; c++)
		if (*c == ' ')
			*c = '_';
}

static struct proc_seen *lookup(int pid)
{
	for (int i = 0; i < nseen; i++)
		if (seen[i].pid == pid)
			return &seen[i];
	if (nseen == MAX_PIDS)
		return NULL;
	seen[nseen] = (struct proc_seen){ .pid = pid, .exefd = -1 };
	return &seen[nseen++];
}

/* The exe of pid as an O_PATH fd; -1 when not accessible. */
static int open_exe(int pid, struct stat *st)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int counts_environ, counts_fddir, counts_helpers, counts_kept;

static void visit(int pid)
{
	struct proc_seen *p = lookup(pid);
	struct stat st;
	char path[64], comm[64], link[256];
	int fd, efd;
	ssize_t n;
	DIR *d;

	if (!p || p->done)
		return;

	/* Read environ first, then look at the exe: exec only goes from the
	 * runtime to the payload, so an exe that is still not a container
	 * binary afterwards was not one during the read either. */
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	int environ_ok = 0;
	if (fd >= 0) {
		char c;
		environ_ok = read(fd, &c, 1) >= 0;
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	int fddir_ok = d != NULL;
	if (d)
		closedir(d);

	efd = open_exe(pid, &st);
	if (efd < 0) {
		/* Not ours to see (yet): a privileged runtime helper. */
		if (!p->helper) {
			p->helper = 1;
			counts_helpers++;
		}
		return;
	}
	if (is_container_binary(&st)) {
		close(efd);
		p->done = 1;
		return;
	}
	if (!p->helper) {
		p->helper = 1;
		counts_helpers++;
	}
	read_comm(pid, comm, sizeof(comm));
	if (environ_ok) {
		counts_environ++;
		printf("environ pid=%d comm=%s dev=%lu ino=%lu\n", pid, comm, (unsigned long)st.st_dev,
		       (unsigned long)st.st_ino);
	}
	if (fddir_ok) {
		counts_fddir++;
		printf("fddir pid=%d comm=%s dev=%lu ino=%lu\n", pid, comm, (unsigned long)st.st_dev,
		       (unsigned long)st.st_ino);
	}
	if (p->exefd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		n = readlink(path, link, sizeof(link) - 1);
		link[n < 0 ? 0 : n] = '\0';
		for (char *c = link; *c; c++)
			if (*c == ' ')
				*c = '_';
		p->exefd = efd;
		p->dev = st.st_dev;
		p->ino = st.st_ino;
		counts_kept++;
		printf("exe pid=%d comm=%s dev=%lu ino=%lu link=%s\n", pid, comm, (unsigned long)st.st_dev,
		       (unsigned long)st.st_ino, link);
		/* One report per process is enough once its exe is kept and
		 * its environ was tried. */
		if (!environ_ok && !fddir_ok)
			return;
		p->done = 1;
		return;
	}
	close(efd);
}

int main(int argc, char **argv)
{
	const char *stopfile;
	double deadline;
	long scans = 0;
	int self = getpid(), wronly_ok = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: secwatch STOPFILE MAXSEC [CONTAINER_BINARY...]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	stopfile = argv[1];
	deadline = now() + atof(argv[2]);
	for (int i = 3; i < argc && nbins < MAX_BINS; i++)
		if (stat(argv[i], &bins[nbins]) == 0)
			nbins++;
	printf("ready\n");

	while (now() < deadline && access(stopfile, F_OK) != 0) {
		DIR *d = opendir("/proc");
		struct dirent *e;

		if (!d) {
			perror("secwatch: /proc");
			return 1;
		}
		while ((e = readdir(d))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);

			if (*end || pid <= 0 || pid == self)
				continue;
			visit((int)pid);
		}
		closedir(d);
		scans++;
	}

	for (int i = 0; i < nseen; i++) {
		char path[64];
		const char *result = "ETXTBSY";
		char ebuf[16];
		double until = now() + 1.0;

		if (seen[i].exefd < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", seen[i].exefd);
		for (;;) {
			int fd = open(path, O_WRONLY | O_CLOEXEC);

			if (fd >= 0) {
				int seals = fcntl(fd, F_GET_SEALS);

				close(fd);
				if (seals >= 0 && (seals & F_SEAL_WRITE)) {
					result = "sealed";
					break;
				}
				result = "ok";
				wronly_ok++;
				break;
			}
			if (errno != ETXTBSY || now() > until) {
				snprintf(ebuf, sizeof(ebuf), "E%d", errno);
				result = ebuf;
				break;
			}
			usleep(10000);
		}
		printf("wronly dev=%lu ino=%lu result=%s\n", (unsigned long)seen[i].dev,
		       (unsigned long)seen[i].ino, result);
	}
	printf("summary helpers=%d kept=%d environ=%d fddir=%d wronly_ok=%d scans=%ld\n", counts_helpers,
	       counts_kept, counts_environ, counts_fddir, wronly_ok, scans);
	return 0;
}
