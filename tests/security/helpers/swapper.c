/*
 * swapper: the attacker of the CVE-2021-30465 test.  Exchanges two paths
 * (a directory and a symlink) with renameat2(RENAME_EXCHANGE) in a tight
 * loop, so that a runtime resolving a mount destination under one of them
 * sees the symlink at a moment it expected the directory.
 *
 *   swapper PATH_A PATH_B MAXSEC
 *
 * Runs until killed or MAXSEC seconds pass; prints `swaps=N` at the end
 * (on SIGTERM too).  Exits 1 if the very first exchange fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	unsigned long swaps = 0;
	time_t deadline;
	struct sigaction sa = { .sa_handler = on_term };

	if (argc != 4) {
		fprintf(stderr, "usage: swapper PATH_A PATH_B MAXSEC\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	deadline = time(NULL) + atol(argv[3]);
	while (!stop) {
		if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0) {
			if (swaps == 0) {
				fprintf(stderr, "swapper: renameat2: %s\n", strerror(errno));
				return 1;
			}
			continue;
		}
		swaps++;
		/* An even count leaves the paths as they started. */
		if ((swaps & 0xfff) == 0 && time(NULL) >= deadline)
			break;
	}
	/* Put things back as they were. */
	if ((swaps & 1) && renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) == 0)
		swaps++;
	printf("swaps=%lu\n", swaps);
	return 0;
}
