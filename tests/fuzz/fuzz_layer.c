/* libFuzzer target for the layer unpacker (image/unpack.c): the input is a
 * layer (tar, possibly compressed) unpacked into a scratch directory that is
 * emptied after every input.  Built with clang by tests/fuzz/run.sh, and with
 * replay.c by `make fuzz-replay`.  Runs as root in CI, so device nodes and
 * ownership are exercised too; the scratch dir lives under $TMPDIR. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/fsutil.h"
#include "image/unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char scratch[256];
static int scratch_fd = -1;

static void scratch_remove(void)
{
	if (scratch_fd >= 0) {
		img_rm_rf_at(scratch_fd, "l");
		close(scratch_fd);
	}
	if (scratch[0])
		rmdir(scratch);
}

static int scratch_init(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(scratch, sizeof(scratch), "%s/capsa-fuzz-layer.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch))
		return -1;
	scratch_fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (scratch_fd < 0)
		return -1;
	atexit(scratch_remove);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_unpack_opts o = { .max_entries = 4096, .expect_size = -1 };
	struct rt_err err;
	int src, dst;

	if (scratch_fd < 0 && scratch_init() < 0)
		abort();
	src = memfd_create("layer", MFD_CLOEXEC);
	if (src < 0)
		abort();
	if (size && write(src, data, size) != (ssize_t)size)
		abort();
	lseek(src, 0, SEEK_SET);
	if (mkdirat(scratch_fd, "l", 0700) < 0)
		abort();
	dst = openat(scratch_fd, "l", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dst < 0)
		abort();
	img_unpack(src, dst, &o, NULL, &err);
	close(dst);
	close(src);
	/* a tree the unpacker made must always be removable */
	if (img_rm_rf_at(scratch_fd, "l") < 0)
		abort();
	return 0;
}
