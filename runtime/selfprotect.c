#include "selfprotect.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* The part of an ELF file that execve and the loader read: up to the end of
 * the furthest segment in the program headers.  Section headers, symbols
 * and debug info come after it (half of a -g build); *hdr gets the ELF
 * header with no sections, for the copy.  0 = copy the whole file. */
static off_t loaded_size(int fd, off_t file_size, Elf64_Ehdr *hdr)
{
	Elf64_Phdr ph[64];
	uint64_t end;

	if (pread(fd, hdr, sizeof(*hdr), 0) != (ssize_t)sizeof(*hdr) ||
	    memcmp(hdr->e_ident, ELFMAG, SELFMAG) != 0 || hdr->e_ident[EI_CLASS] != ELFCLASS64 ||
	    hdr->e_phentsize != sizeof(Elf64_Phdr) || hdr->e_phnum == 0 || hdr->e_phnum > ARRAY_SIZE(ph) ||
	    hdr->e_phoff < sizeof(*hdr) || hdr->e_phoff > (uint64_t)file_size)
		return 0;
	if (pread(fd, ph, hdr->e_phnum * sizeof(ph[0]), (off_t)hdr->e_phoff) !=
	    (ssize_t)(hdr->e_phnum * sizeof(ph[0])))
		return 0;
	end = hdr->e_phoff + hdr->e_phnum * sizeof(ph[0]);
	for (unsigned i = 0; i < hdr->e_phnum; i++) {
		if (ph[i].p_offset > (uint64_t)file_size ||
		    ph[i].p_filesz > (uint64_t)file_size - ph[i].p_offset)
			return 0;
		if (ph[i].p_offset + ph[i].p_filesz > end)
			end = ph[i].p_offset + ph[i].p_filesz;
	}
	hdr->e_shoff = 0;
	hdr->e_shnum = 0;
	hdr->e_shstrndx = SHN_UNDEF;
	return (off_t)end;
}

/* Running from a read-only bind mount of just this file that is attached
 * nowhere (what reexec_from_ro_clone makes): /proc/self/exe then reads "/"
 * (the file is its mount's root; an attached file mount shows its mount
 * point) and the mount is read-only.  Nobody can make an anonymous mount
 * writable again without CAP_SYS_ADMIN in the host's user namespace. */
static bool on_detached_ro_mount(int exe)
{
	struct statvfs sv;
	char link[2];

	return readlink("/proc/self/exe", link, sizeof(link)) == 1 && link[0] == '/' &&
	       fstatvfs(exe, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

/* The cheap protection (SECURITY.md card 1's "read-only private mount"):
 * clone a mount of the binary alone with open_tree (5.2), make it read-only
 * with mount_setattr (5.12) and exec from it.  A container that reaches our
 * /proc/PID/exe then gets a file whose reopen for writing fails with EROFS;
 * no copy is made (half of the sealed copy's cost).  Returns only on
 * failure (old kernel, no CAP_SYS_ADMIN): the caller makes the copy. */
static void reexec_from_ro_clone(char **argv, char **envp)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	_cleanup_close_ int tree = -EBADF;

	tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0 || syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return;
	syscall(SYS_execveat, tree, "", argv, envp, AT_EMPTY_PATH);
}

int rt_protect_self(char **argv, char **envp, const char **how, struct rt_err *err)
{
	_cleanup_close_ int src = -EBADF, mfd = -EBADF;
	struct stat st;
	Elf64_Ehdr hdr;
	off_t off = 0, size;
	int seals;

	src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return rt_err_set(err, errno, "open /proc/self/exe");
	/* already the sealed copy (F_GET_SEALS fails on a plain file) */
	seals = fcntl(src, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS) == SEALS) {
		*how = "a sealed memfd copy of the binary";
		return 0;
	}
	if (on_detached_ro_mount(src)) {
		*how = "a read-only detached mount of the binary";
		return 0;
	}
	reexec_from_ro_clone(argv, envp);
	/* MFD_CLOEXEC is fine: capsa is ELF, not a script fexecve would need
	 * open.  MFD_EXEC (6.3+): with vm.memfd_noexec=1 in our pid namespace a memfd
	 * made without it is sealed non-executable; older kernels say EINVAL */
	mfd = memfd_create("capsa", MFD_ALLOW_SEALING | MFD_CLOEXEC | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL)
		mfd = memfd_create("capsa", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (mfd < 0 && errno == EACCES)
		return rt_err_set(
		    err, errno,
		    "memfd_create of the sealed capsa copy (CVE-2019-5736): refused as executable "
		    "(vm.memfd_noexec=2 in this pid namespace?)");
	if (mfd < 0)
		return rt_err_set(err, errno, "memfd_create");
	size = loaded_size(src, st.st_size, &hdr);
	if (size > 0) {
		int r = rt_write_all(mfd, &hdr, sizeof(hdr));

		if (r < 0)
			return rt_err_set(err, -r, "copy the capsa binary");
		off = sizeof(hdr);
	} else {
		size = st.st_size;
	}
	while (off < size) {
		ssize_t n = sendfile(mfd, src, &off, (size_t)(size - off));

		if (n <= 0)
			return rt_err_set(err, n < 0 ? errno : EIO, "copy the capsa binary");
	}
	if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
		return rt_err_set(err, errno, "seal the capsa copy");
	fexecve(mfd, argv, envp);
	return rt_err_set(err, errno, "re-execute from the sealed copy");
}
