#include "selfprotect.h"

#include <fcntl.h>
#include <linux/memfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool running_sealed(void)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int seals;

	if (fd < 0)
		return false;
	seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & SEALS) == SEALS;
}

int rt_ensure_sealed_self(char **argv, char **envp, struct rt_err *err)
{
	_cleanup_close_ int src = -EBADF, mfd = -EBADF;
	struct stat st;
	off_t off = 0;

	if (running_sealed())
		return 0;
	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return rt_err_set(err, errno, "open /proc/self/exe");
	/* not MFD_CLOEXEC: fexecve of a script would need it open; capsa is ELF,
	 * and the exec replaces us anyway */
	mfd = memfd_create("capsa", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (mfd < 0)
		return rt_err_set(err, errno, "memfd_create");
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));

		if (n <= 0)
			return rt_err_set(err, n < 0 ? errno : EIO, "copy the capsa binary");
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
		return rt_err_set(err, errno, "seal the capsa copy");
	fexecve(mfd, argv, envp);
	return rt_err_set(err, errno, "re-execute from the sealed copy");
}
