#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "digest.h"
#include "fsutil.h"
#include "runtime/util.h"

#define IO_BUF (128 * 1024)

/* The raw input: counts and hashes every byte handed to libarchive. */
struct src {
	int fd;
	struct img_sha256 h;
	uint64_t bytes;
	const struct img_unpack_opts *opts;
	char buf[IO_BUF];
};

/* The decompressed tar: pulled from the "raw" reader, hashed for the diff id. */
struct mid {
	struct archive *raw;
	struct img_sha256 h;
	uint64_t bytes;
	char buf[IO_BUF];
};

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct unpacker {
	int rootfd;
	unsigned flags;
	struct archive *tar;
	/* the parent directory of the last entry, reused while entries stay in it */
	char cache_path[PATH_MAX];
	int cache_fd;
	struct dir_time *dir_times;
	size_t n_dir_times, cap_dir_times;
	struct rt_err *err;
};

static la_ssize_t src_read(struct archive *a, void *ud, const void **buf)
{
	struct src *s = ud;
	ssize_t n;

	do
		n = read(s->fd, s->buf, sizeof(s->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	img_sha256_update(&s->h, s->buf, (size_t)n);
	s->bytes += (uint64_t)n;
	if (s->opts->progress && n > 0)
		s->opts->progress(s->opts->userdata, s->bytes);
	*buf = s->buf;
	return n;
}

static la_ssize_t mid_read(struct archive *a, void *ud, const void **buf)
{
	struct mid *m = ud;
	la_ssize_t n = archive_read_data(m->raw, m->buf, sizeof(m->buf));

	if (n < 0) {
		archive_set_error(a, archive_errno(m->raw) > 0 ? archive_errno(m->raw) : EIO, "%s",
				  archive_error_string(m->raw) ? archive_error_string(m->raw) : "read error");
		return -1;
	}
	img_sha256_update(&m->h, m->buf, (size_t)n);
	m->bytes += (uint64_t)n;
	*buf = m->buf;
	return n;
}

static void cache_drop(struct unpacker *u)
{
	if (u->cache_fd >= 0)
		close(u->cache_fd);
	u->cache_fd = -EBADF;
	u->cache_path[0] = '\0';
}

/* Open the parent dir of an entry, creating missing components. */
static int open_parent(struct unpacker *u, const char *entry, const char *parent, int *ret_fd)
{
	int fd, r;

	if (u->cache_fd >= 0 && strcmp(u->cache_path, parent) == 0) {
		*ret_fd = u->cache_fd;
		return 0;
	}
	cache_drop(u);
	r = img_open_dir_at(u->rootfd, parent, true, &fd);
	if (r == -ELOOP)
		return rt_err_msg(u->err, ELOOP, "entry '%.200s': path goes through a symlink, refused",
				  entry);
	if (r == -ENOTDIR)
		return rt_err_msg(u->err, ENOTDIR, "entry '%.200s': a parent is not a directory", entry);
	if (r < 0)
		return rt_err_set(u->err, -r, "entry '%.200s': open parent directory", entry);
	u->cache_fd = fd;
	snprintf(u->cache_path, sizeof(u->cache_path), "%s", parent);
	*ret_fd = fd;
	return 0;
}

/* Split a cleaned name into parent ("." for top level) and base. */
static void split(char *name, const char **parent, const char **base)
{
	char *slash = strrchr(name, '/');

	if (!slash) {
		*parent = ".";
		*base = name;
		return;
	}
	*slash = '\0';
	*parent = name;
	*base = slash + 1;
}

static size_t depth_of(const char *name)
{
	size_t d = 1;

	for (; *name; name++)
		d += *name == '/';
	return d;
}

/* Make room for a new non-directory (or a directory over a non-directory):
 * anything already there from an earlier entry goes. */
static int clear_target(struct unpacker *u, const char *entry, int pfd, const char *base, bool want_dir,
			bool *ret_is_dir)
{
	struct stat st;
	int r;

	*ret_is_dir = false;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return rt_err_set(u->err, errno, "entry '%.200s': stat", entry);
	}
	if (want_dir && S_ISDIR(st.st_mode)) {
		*ret_is_dir = true;
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		r = img_rm_rf_at(pfd, base);
		if (r < 0)
			return rt_err_set(u->err, -r, "entry '%.200s': remove existing directory", entry);
		/* the cached fd is base's parent, never below it: still valid */
		return 0;
	}
	if (unlinkat(pfd, base, 0) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': remove existing file", entry);
	return 0;
}

static int apply_xattrs(struct unpacker *u, const char *entry, int fd, struct archive_entry *e)
{
	const char *name;
	const void *value;
	size_t size;

	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		/* overlay's own xattrs would let a layer forge opaque dirs or
		 * redirects; only whiteout entries produce them */
		if (strncmp(name, "trusted.overlay.", 16) == 0)
			continue;
		if (fsetxattr(fd, name, value, size, 0) < 0) {
			if (errno == ENOTSUP || errno == EOPNOTSUPP)
				continue;
			return rt_err_set(u->err, errno, "entry '%.200s': set xattr %.100s", entry, name);
		}
	}
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
	if (!archive_entry_mtime_is_set(e)) {
		ts[0].tv_nsec = UTIME_OMIT;
		ts[1].tv_nsec = UTIME_OMIT;
	}
	if (ts[0].tv_nsec < 0 || ts[0].tv_nsec > 999999999)
		ts[0].tv_nsec = 0;
	if (ts[1].tv_nsec < 0 || ts[1].tv_nsec > 999999999)
		ts[1].tv_nsec = 0;
}

/* Ownership, mode, xattrs on an open fd; mode after chown (chown clears set-id bits). */
static int apply_meta_fd(struct unpacker *u, const char *entry, int fd, struct archive_entry *e,
			 mode_t plain_mode)
{
	if (u->flags & IMG_UNPACK_PLAIN) {
		if (fchmod(fd, plain_mode) < 0)
			return rt_err_set(u->err, errno, "entry '%.200s': chmod", entry);
		return 0;
	}
	if (fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': chown", entry);
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': chmod", entry);
	return apply_xattrs(u, entry, fd, e);
}

static int write_data(struct unpacker *u, const char *entry, int fd, struct archive_entry *e)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	for (;;) {
		r = archive_read_data_block(u->tar, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return rt_err_msg(u->err, EIO, "entry '%.200s': %s", entry,
					  archive_error_string(u->tar) ? archive_error_string(u->tar)
								       : "read error");
		while (size > 0) {
			ssize_t n = pwrite(fd, buf, size, off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return rt_err_set(u->err, n < 0 ? errno : EIO, "entry '%.200s': write",
						  entry);
			buf = (const char *)buf + n;
			size -= (size_t)n;
			off += n;
		}
	}
	if (archive_entry_size_is_set(e) && ftruncate(fd, archive_entry_size(e)) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': truncate", entry);
	return 0;
}

static int do_file(struct unpacker *u, const char *entry, int pfd, const char *base, struct archive_entry *e)
{
	_cleanup_close_ int fd = -EBADF;
	struct timespec ts[2];
	int r;

	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': create", entry);
	r = write_data(u, entry, fd, e);
	if (r < 0)
		return r;
	r = apply_meta_fd(u, entry, fd, e, 0644);
	if (r < 0)
		return r;
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': set times", entry);
	return 0;
}

static int defer_dir_time(struct unpacker *u, const char *entry, struct archive_entry *e);

static int do_dir(struct unpacker *u, const char *entry, int pfd, const char *base, struct archive_entry *e,
		  bool exists)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!exists && mkdirat(pfd, base, 0700) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': mkdir", entry);
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': open directory", entry);
	r = apply_meta_fd(u, entry, fd, e, 0755);
	if (r < 0)
		return r;
	if (u->flags & IMG_UNPACK_PLAIN)
		return 0;
	return defer_dir_time(u, entry, e);
}

/* Children change a directory's mtime: set it once everything is written. */
static int defer_dir_time(struct unpacker *u, const char *entry, struct archive_entry *e)
{
	struct dir_time *dt;

	if (u->n_dir_times == u->cap_dir_times) {
		size_t cap = u->cap_dir_times ? 2 * u->cap_dir_times : 64;
		struct dir_time *n = realloc(u->dir_times, cap * sizeof(*n));

		if (!n)
			return rt_err_set(u->err, ENOMEM, "entry '%.200s'", entry);
		u->dir_times = n;
		u->cap_dir_times = cap;
	}
	dt = &u->dir_times[u->n_dir_times];
	dt->path = strdup(entry);
	if (!dt->path)
		return rt_err_set(u->err, ENOMEM, "entry '%.200s'", entry);
	entry_times(e, dt->ts);
	u->n_dir_times++;
	return 0;
}

static int do_node(struct unpacker *u, const char *entry, int pfd, const char *base, struct archive_entry *e,
		   mode_t type)
{
	struct timespec ts[2];
	dev_t dev = type == S_IFIFO ? 0 : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));

	if (mknodat(pfd, base, type | 0600, dev) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': mknod", entry);
	if (fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
		     AT_SYMLINK_NOFOLLOW) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': chown", entry);
	/* base was just created by us in a directory nobody else writes */
	if (fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': chmod", entry);
	entry_times(e, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': set times", entry);
	return 0;
}

static int do_symlink(struct unpacker *u, const char *entry, int pfd, const char *base,
		      struct archive_entry *e)
{
	const char *target = archive_entry_symlink(e);
	struct timespec ts[2];

	if (!target || !*target)
		return rt_err_msg(u->err, EINVAL, "entry '%.200s': symlink without a target", entry);
	if (symlinkat(target, pfd, base) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': symlink", entry);
	if (u->flags & IMG_UNPACK_PLAIN)
		return 0;
	if (fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
		     AT_SYMLINK_NOFOLLOW) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': chown", entry);
	entry_times(e, ts);
	if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': set times", entry);
	return 0;
}

static int do_hardlink(struct unpacker *u, const char *entry, int pfd, const char *base, const char *link)
{
	_cleanup_close_ int tfd = -EBADF;
	char tname[PATH_MAX];
	const char *tparent, *tbase;
	struct stat st;
	int r;

	if (strlen(link) >= sizeof(tname))
		return rt_err_msg(u->err, ENAMETOOLONG, "entry '%.200s': hardlink target too long", entry);
	strcpy(tname, link);
	r = img_entry_name_clean(tname, u->err);
	if (r < 0)
		return rt_err_prefix(u->err, "entry '%.200s': hardlink target", entry);
	if (strcmp(tname, ".") == 0)
		return rt_err_msg(u->err, EINVAL, "entry '%.200s': hardlink to the layer root refused",
				  entry);
	split(tname, &tparent, &tbase);
	r = img_open_dir_at(u->rootfd, tparent, false, &tfd);
	if (r == -ELOOP)
		return rt_err_msg(u->err, ELOOP,
				  "entry '%.200s': hardlink target '%.200s' goes through a symlink, refused",
				  entry, link);
	if (r < 0)
		return rt_err_set(u->err, -r, "entry '%.200s': hardlink target '%.200s'", entry, link);
	if (fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': hardlink target '%.200s'", entry, link);
	if (S_ISDIR(st.st_mode))
		return rt_err_msg(u->err, EPERM, "entry '%.200s': hardlink to a directory refused", entry);
	/* flags 0: a symlink target is linked itself, never followed */
	if (linkat(tfd, tbase, pfd, base, 0) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': link to '%.200s'", entry, link);
	return 0;
}

static int do_whiteout(struct unpacker *u, const char *entry, int pfd, enum img_whiteout kind,
		       const char *target)
{
	bool is_dir;
	int r;

	if (kind == IMG_WH_OPAQUE) {
		if (fsetxattr(pfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return rt_err_set(u->err, errno, "entry '%.200s': set trusted.overlay.opaque", entry);
		return 0;
	}
	r = clear_target(u, entry, pfd, target, false, &is_dir);
	if (r < 0)
		return r;
	if (mknodat(pfd, target, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': create whiteout", entry);
	if (fchownat(pfd, target, 0, 0, AT_SYMLINK_NOFOLLOW) < 0)
		return rt_err_set(u->err, errno, "entry '%.200s': chown whiteout", entry);
	return 0;
}

static int do_root(struct unpacker *u, struct archive_entry *e)
{
	int r;

	if (archive_entry_filetype(e) != AE_IFDIR)
		return rt_err_msg(u->err, EINVAL, "entry '.': the layer root must be a directory");
	if (u->flags & IMG_UNPACK_PLAIN)
		return 0;
	r = apply_meta_fd(u, ".", u->rootfd, e, 0755);
	if (r < 0)
		return r;
	return defer_dir_time(u, ".", e);
}

static int do_entry(struct unpacker *u, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e);
	char name[PATH_MAX], entry[PATH_MAX];
	const char *parent, *base, *wh_target = NULL, *link;
	enum img_whiteout kind;
	mode_t type;
	bool exists = false;
	int pfd = -EBADF, r;

	if (!raw)
		return rt_err_msg(u->err, EINVAL, "entry with a name that is not valid in this locale");
	if (strlen(raw) >= sizeof(name))
		return rt_err_msg(u->err, ENAMETOOLONG, "entry '%.200s...': name too long", raw);
	strcpy(name, raw);
	r = img_entry_name_clean(name, u->err);
	if (r < 0)
		return r;
	if (depth_of(name) > IMG_UNPACK_MAX_DEPTH)
		return rt_err_msg(u->err, ELOOP, "entry '%.200s': deeper than %d levels", raw,
				  IMG_UNPACK_MAX_DEPTH);
	strcpy(entry, name);
	if (strcmp(name, ".") == 0)
		return do_root(u, e);
	split(name, &parent, &base);

	kind = IMG_WH_NONE;
	if (!(u->flags & IMG_UNPACK_PLAIN) && img_whiteout_parse(base, &kind, &wh_target) < 0)
		return rt_err_msg(u->err, EINVAL, "entry '%.200s': invalid whiteout name", entry);
	if (kind == IMG_WH_META)
		return 0;

	r = open_parent(u, entry, parent, &pfd);
	if (r < 0)
		return r;
	if (kind != IMG_WH_NONE) {
		return do_whiteout(u, entry, pfd, kind, wh_target);
	}

	link = archive_entry_hardlink(e);
	type = archive_entry_filetype(e);
	if (u->flags & IMG_UNPACK_PLAIN) {
		if (link)
			return rt_err_msg(u->err, EINVAL, "entry '%.200s': hardlinks are not allowed here",
					  entry);
		if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
			return rt_err_msg(u->err, EINVAL, "entry '%.200s': unexpected file type", entry);
	}
	r = clear_target(u, entry, pfd, base, !link && type == AE_IFDIR, &exists);
	if (r < 0)
		return r;

	if (link)
		return do_hardlink(u, entry, pfd, base, link);
	switch (type) {
	case AE_IFREG:
		return do_file(u, entry, pfd, base, e);
	case AE_IFDIR:
		return do_dir(u, entry, pfd, base, e, exists);
	case AE_IFLNK:
		return do_symlink(u, entry, pfd, base, e);
	case AE_IFCHR:
		return do_node(u, entry, pfd, base, e, S_IFCHR);
	case AE_IFBLK:
		return do_node(u, entry, pfd, base, e, S_IFBLK);
	case AE_IFIFO:
		return do_node(u, entry, pfd, base, e, S_IFIFO);
	case AE_IFSOCK:
		return 0; /* sockets are runtime objects; tar cannot restore them */
	default:
		return rt_err_msg(u->err, EINVAL, "entry '%.200s': unknown file type 0%o", entry,
				  (unsigned)type);
	}
}

static int apply_dir_times(struct unpacker *u)
{
	for (size_t i = u->n_dir_times; i-- > 0;) {
		_cleanup_close_ int fd = -EBADF;
		int r = img_open_dir_at(u->rootfd, u->dir_times[i].path, false, &fd);

		if (r == -ENOENT || r == -ELOOP || r == -ENOTDIR)
			continue; /* replaced by a later entry */
		if (r < 0)
			return rt_err_set(u->err, -r, "entry '%.200s': reopen directory",
					  u->dir_times[i].path);
		if (futimens(fd, u->dir_times[i].ts) < 0)
			return rt_err_set(u->err, errno, "entry '%.200s': set times", u->dir_times[i].path);
	}
	return 0;
}

static void unpacker_clear(struct unpacker *u)
{
	cache_drop(u);
	for (size_t i = 0; i < u->n_dir_times; i++)
		free(u->dir_times[i].path);
	free(u->dir_times);
	u->dir_times = NULL;
	u->n_dir_times = 0;
}

static int drain(struct src *s, struct mid *m, struct rt_err *err)
{
	for (;;) {
		la_ssize_t n = archive_read_data(m->raw, m->buf, sizeof(m->buf));

		if (n < 0)
			return rt_err_msg(err, EIO, "%s",
					  archive_error_string(m->raw) ? archive_error_string(m->raw)
								       : "read error");
		if (n == 0)
			break;
		img_sha256_update(&m->h, m->buf, (size_t)n);
		m->bytes += (uint64_t)n;
	}
	for (;;) {
		ssize_t n = read(s->fd, s->buf, sizeof(s->buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rt_err_set(err, errno, "read");
		if (n == 0)
			break;
		img_sha256_update(&s->h, s->buf, (size_t)n);
		s->bytes += (uint64_t)n;
	}
	return 0;
}

static int run(struct src *s, struct mid *m, struct unpacker *u, const struct img_unpack_opts *opts,
	       struct img_unpack_result *res, struct rt_err *err)
{
	struct archive_entry *e;
	uint64_t max = opts->max_entries ? opts->max_entries : IMG_UNPACK_MAX_ENTRIES_DEFAULT;
	int r;

	m->raw = archive_read_new();
	u->tar = archive_read_new();
	if (!m->raw || !u->tar)
		return rt_err_set(err, ENOMEM, "libarchive");
	/* explicit decompressors only: filter_all may run external programs */
	archive_read_support_filter_gzip(m->raw);
	archive_read_support_filter_zstd(m->raw);
	archive_read_support_filter_xz(m->raw);
	archive_read_support_filter_bzip2(m->raw);
	archive_read_support_format_raw(m->raw);
	if (archive_read_open(m->raw, s, NULL, src_read, NULL) != ARCHIVE_OK)
		return rt_err_msg(err, EINVAL, "%s",
				  archive_error_string(m->raw) ? archive_error_string(m->raw) : "open");
	r = archive_read_next_header(m->raw, &e);
	if (r == ARCHIVE_EOF)
		return rt_err_msg(err, EINVAL, "empty input, not a tar archive");
	if (r < ARCHIVE_WARN)
		return rt_err_msg(err, EINVAL, "%s",
				  archive_error_string(m->raw) ? archive_error_string(m->raw) : "read");

	archive_read_support_format_tar(u->tar);
	if (archive_read_open(u->tar, m, NULL, mid_read, NULL) != ARCHIVE_OK)
		return rt_err_msg(err, EINVAL, "%s",
				  archive_error_string(u->tar) ? archive_error_string(u->tar) : "open");
	for (;;) {
		r = archive_read_next_header(u->tar, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return rt_err_msg(
			    err, EINVAL, "after %llu entries: %s", (unsigned long long)res->entries,
			    archive_error_string(u->tar) ? archive_error_string(u->tar) : "read error");
		if (++res->entries > max)
			return rt_err_msg(err, E2BIG, "more than %llu entries, refused",
					  (unsigned long long)max);
		r = do_entry(u, e);
		if (r < 0)
			return r;
	}
	r = apply_dir_times(u);
	if (r < 0)
		return r;
	return drain(s, m, err);
}

int img_unpack(int srcfd, int dirfd, const struct img_unpack_opts *opts, struct img_unpack_result *ret,
	       struct rt_err *err)
{
	_cleanup_free_ struct src *s = calloc(1, sizeof(*s));
	_cleanup_free_ struct mid *m = calloc(1, sizeof(*m));
	struct unpacker u = { .rootfd = dirfd, .flags = opts->flags, .cache_fd = -EBADF, .err = err };
	struct img_unpack_result res = { 0 };
	int r;

	if (!s || !m)
		return rt_err_set(err, ENOMEM, "unpack");
	s->fd = srcfd;
	s->opts = opts;
	if (img_sha256_init(&s->h) < 0 || img_sha256_init(&m->h) < 0) {
		img_sha256_free(&s->h);
		return rt_err_set(err, ENOMEM, "sha256");
	}
	r = run(s, m, &u, opts, &res, err);
	unpacker_clear(&u);
	if (u.tar)
		archive_read_free(u.tar);
	if (m->raw)
		archive_read_free(m->raw);
	if (r < 0) {
		img_sha256_free(&s->h);
		img_sha256_free(&m->h);
		return r;
	}
	img_sha256_final(&s->h, res.blob_hex);
	img_sha256_final(&m->h, res.diff_hex);
	res.bytes_in = s->bytes;
	res.bytes_out = m->bytes;
	if (opts->expect_size >= 0 && (uint64_t)opts->expect_size != res.bytes_in)
		return rt_err_msg(err, EINVAL, "size mismatch: expected %lld bytes, got %llu",
				  (long long)opts->expect_size, (unsigned long long)res.bytes_in);
	if (opts->expect_blob_hex && strcmp(opts->expect_blob_hex, res.blob_hex) != 0)
		return rt_err_msg(err, EINVAL, "digest mismatch: expected sha256:%s, got sha256:%s",
				  opts->expect_blob_hex, res.blob_hex);
	if (opts->expect_diff_hex && strcmp(opts->expect_diff_hex, res.diff_hex) != 0)
		return rt_err_msg(err, EINVAL, "diff id mismatch: expected sha256:%s, got sha256:%s",
				  opts->expect_diff_hex, res.diff_hex);
	if (ret)
		*ret = res;
	return 0;
}
