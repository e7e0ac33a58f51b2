#include "selfprotect.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/memfd.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

/* Running, after a re-exec, from a read-only bind mount of just this file
 * that is attached nowhere (what ro_clone_of_self makes): /proc/self/exe
 * then reads "/" (the file is its mount's root; an attached file mount
 * shows its mount point) and the mount is read-only.  Nobody can make an
 * anonymous mount writable again without CAP_SYS_ADMIN in the host's user
 * namespace. */
static bool on_detached_ro_mount(int exe)
{
	struct statvfs sv;
	char link[2];

	return readlink("/proc/self/exe", link, sizeof(link)) == 1 && link[0] == '/' &&
	       fstatvfs(exe, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

/* A read-only bind mount of the binary alone, attached nowhere: open_tree
 * (5.2) + mount_setattr (5.12).  A container that reaches our /proc/PID/exe
 * then gets a file whose reopen for writing fails with EROFS.  Returns its
 * O_PATH fd, or -1 (old kernel, no CAP_SYS_ADMIN). */
static int ro_clone_of_self(void)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	int tree =
	    (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (tree >= 0 && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
		close(tree);
		return -1;
	}
	return tree;
}

/* The executable's program headers as loaded: the first object
 * dl_iterate_phdr reports is the program itself. */
struct loaded_exe {
	uintptr_t bias;
	const ElfW(Phdr) * ph;
	size_t n;
};

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
	struct loaded_exe *exe = data;

	(void)size;
	exe->bias = info->dlpi_addr;
	exe->ph = info->dlpi_phdr;
	exe->n = info->dlpi_phnum;
	return 1;
}

/* The page range [*lo, *hi) the kernel mapped from the file for segment p. */
static void file_pages(const struct loaded_exe *exe, const ElfW(Phdr) * p, uintptr_t pg, uintptr_t *lo,
		       uintptr_t *hi)
{
	*lo = (exe->bias + p->p_vaddr) & ~(pg - 1);
	*hi = (exe->bias + p->p_vaddr + p->p_filesz + pg - 1) & ~(pg - 1);
}

/* Only a layout whose file-backed segments share no page can be swapped
 * segment by segment (a shared page would hold both a writable segment's
 * changed bytes and another's file bytes). */
static bool swappable(const struct loaded_exe *exe, uintptr_t pg)
{
	uintptr_t end = 0, lo, hi;

	for (size_t i = 0; i < exe->n; i++) {
		const ElfW(Phdr) *p = &exe->ph[i];

		if (p->p_type != PT_LOAD || p->p_filesz == 0)
			continue;
		file_pages(exe, p, pg, &lo, &hi);
		if (lo < end || ((p->p_vaddr - p->p_offset) & (pg - 1)) != 0 ||
		    (!(p->p_flags & PF_W) && p->p_memsz != p->p_filesz))
			return false;
		end = hi;
	}
	return end != 0;
}

/* A word loop the compiler cannot turn into a memcpy call: under ASan,
 * memcpy would check the redzones between the globals it reads. */
__attribute__((no_sanitize("address"))) static void copy_words(unsigned long *dst,
							       const volatile unsigned long *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i];
}

/* A writable segment holds relocated and changed bytes: copy them into
 * anonymous memory and move that over the file's pages in one mremap (no
 * instant without them), then make the RELRO part read-only again. */
static int move_to_anon(uintptr_t lo, uintptr_t hi, uintptr_t ro_lo, uintptr_t ro_hi)
{
	size_t len = hi - lo;
	void *tmp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (tmp == MAP_FAILED)
		return -errno;
	copy_words(tmp, (const volatile unsigned long *)lo, len / sizeof(unsigned long));
	if (mremap(tmp, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)lo) == MAP_FAILED) {
		int e = errno;

		munmap(tmp, len);
		return -e;
	}
	ro_lo = ro_lo > lo ? ro_lo : lo;
	ro_hi = ro_hi < hi ? ro_hi : hi;
	if (ro_lo < ro_hi && mprotect((void *)ro_lo, ro_hi - ro_lo, PROT_READ) < 0)
		return -errno;
	return 0;
}

static int elf_prot(uint32_t flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) |
	       ((flags & PF_X) ? PROT_EXEC : 0);
}

/* Replace every mapping of the binary by the same bytes from `file`: the
 * read-only segments are mapped again from it (the same inode, so the same
 * page-cache pages: the code running this continues unchanged), the
 * writable ones become anonymous. */
static int remap_segments(int file, const struct loaded_exe *exe, uintptr_t pg)
{
	uintptr_t ro_lo = 0, ro_hi = 0, lo, hi;

	for (size_t i = 0; i < exe->n; i++)
		if (exe->ph[i].p_type == PT_GNU_RELRO) {
			ro_lo = (exe->bias + exe->ph[i].p_vaddr) & ~(pg - 1);
			ro_hi = (exe->bias + exe->ph[i].p_vaddr + exe->ph[i].p_memsz) & ~(pg - 1);
		}
	for (size_t i = 0; i < exe->n; i++) {
		const ElfW(Phdr) *p = &exe->ph[i];
		int r = 0;

		if (p->p_type != PT_LOAD || p->p_filesz == 0)
			continue;
		file_pages(exe, p, pg, &lo, &hi);
		if (p->p_flags & PF_W)
			r = move_to_anon(lo, hi, ro_lo, ro_hi);
		else if (mmap((void *)lo, hi - lo, elf_prot(p->p_flags), MAP_PRIVATE | MAP_FIXED, file,
			      (off_t)(p->p_offset & ~(pg - 1))) == MAP_FAILED)
			r = -errno;
		if (r < 0)
			return r;
	}
	return 0;
}

/* What PR_SET_MM_MAP needs to make `file` our /proc/self/exe: the mm's
 * addresses as they are.  Unlike PR_SET_MM_EXE_FILE it needs no
 * CAP_SYS_RESOURCE (not granted on every host: this VM's root lacks it),
 * only CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN.  The addresses are
 * /proc/self/stat's fields 26-28 and 45-51 and brk(0); nothing from here
 * to the last prctl allocates (the remapping uses mmap), so brk cannot move
 * meanwhile.  The kernel refuses (EBUSY) while any mapping of the old file
 * remains. */
static int exe_file_map(int file, struct prctl_mm_map *m)
{
	unsigned long long f[52]; /* f[N] = field N */
	char stat[2048];
	int r = rt_proc_stat_read("/proc/self/stat", stat, sizeof(stat));

	if (r < 0 || (r = rt_proc_stat_fields(stat, 26, 51, f + 26)) < 0)
		return r;
	*m = (struct prctl_mm_map){
		.start_code = f[26],
		.end_code = f[27],
		.start_stack = f[28],
		.start_data = f[45],
		.end_data = f[46],
		.start_brk = f[47],
		.arg_start = f[48],
		.arg_end = f[49],
		.env_start = f[50],
		.env_end = f[51],
		.brk = (uint64_t)syscall(SYS_brk, 0),
		.exe_fd = (uint32_t)file,
	};
	return 0;
}

static int set_exe_file(struct prctl_mm_map *m)
{
	return prctl(PR_SET_MM, PR_SET_MM_MAP, m, sizeof(*m), 0) < 0 ? -errno : 0;
}

/* SECURITY.md card 1's "read-only private mount" without running capsa
 * twice: map the binary again from the read-only clone and make the clone
 * our /proc/self/exe.  Every process capsa clones from here on has it too.
 * A first set_exe_file that fails with EBUSY (the old file is still mapped)
 * proves we may, before anything is changed; the second, after the swap,
 * is also the kernel's check that no mapping of the old file is left. */
static int map_self_from(int tree)
{
	struct loaded_exe exe = { 0 };
	uintptr_t pg = getauxval(AT_PAGESZ);
	_cleanup_close_ int file = -EBADF;
	struct prctl_mm_map m;
	char path[32];
	int r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", tree);
	file = open(path, O_RDONLY | O_CLOEXEC);
	if (file < 0)
		return -errno;
	r = exe_file_map(file, &m);
	if (r < 0)
		return r;
	r = set_exe_file(&m);
	if (r != -EBUSY)
		return r;
	dl_iterate_phdr(first_object, &exe);
	if (!exe.ph || pg == 0 || !swappable(&exe, pg))
		return -ENOEXEC;
	r = remap_segments(file, &exe, pg);
	if (r < 0)
		return r;
	return set_exe_file(&m);
}

/* The detached mount that /proc/self/exe now lives on.  Closing its last
 * fd dissolves the mount's anonymous namespace, and that waits for an
 * expedited RCU grace period (namespace_unlock, ~0.1 ms here): kept open
 * until the caller has time to spare, or exit. */
static int kept_tree = -1;

void rt_protect_self_release(void)
{
	if (kept_tree >= 0)
		close(kept_tree);
	kept_tree = -1;
}

int rt_protect_self(char **argv, char **envp, const char **how, struct rt_err *err)
{
	_cleanup_close_ int src = -EBADF, mfd = -EBADF, tree = -EBADF;
	struct stat st;
	Elf64_Ehdr hdr;
	off_t off = 0, size;
	int seals;

	/* the usual case first: nothing to look at before */
	tree = ro_clone_of_self();
	if (tree >= 0 && map_self_from(tree) == 0) {
		*how = "a read-only detached mount of the binary (mapped in place)";
		rt_protect_self_release();
		kept_tree = tree;
		tree = -EBADF;
		return 0;
	}
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
		*how = "a read-only detached mount of the binary (re-executed)";
		return 0;
	}
	if (tree >= 0)
		syscall(SYS_execveat, tree, "", argv, envp, AT_EMPTY_PATH);
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
