#include "store.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "fsutil.h"
#include "runtime/util.h"

#define META_MAX (4u * 1024 * 1024)

static const char *const store_dirs[] = { "blobs", "blobs/sha256", "layers", "images", "containers", "tmp" };

int img_store_open(const char *root, bool create, enum img_lock lock, struct img_store **ret,
		   struct rt_err *err)
{
	_cleanup_close_ int rootfd = -EBADF, lockfd = -EBADF;
	struct img_store *s;

	if (create) {
		int r = rt_mkdir_p(root, 0700);

		if (r < 0)
			return rt_err_set(err, -r, "image store %s", root);
	}
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rt_err_set(err, errno, "image store %s", root);
	if (create) {
		for (size_t i = 0; i < ARRAY_SIZE(store_dirs); i++)
			if (mkdirat(rootfd, store_dirs[i], 0700) < 0 && errno != EEXIST)
				return rt_err_set(err, errno, "image store %s/%s", root, store_dirs[i]);
	}
	lockfd = openat(rootfd, "lock", O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	if (lockfd < 0)
		return rt_err_set(err, errno, "image store %s/lock", root);
	while (flock(lockfd, lock == IMG_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return rt_err_set(err, errno, "image store %s: lock", root);
	s = calloc(1, sizeof(*s));
	if (!s || !(s->root = strdup(root))) {
		free(s);
		return rt_err_set(err, ENOMEM, "image store");
	}
	s->rootfd = TAKE_FD(rootfd);
	s->lockfd = TAKE_FD(lockfd);
	*ret = s;
	return 0;
}

void img_store_close(struct img_store *s)
{
	if (!s)
		return;
	if (s->lockfd >= 0)
		close(s->lockfd); /* drops the flock */
	if (s->rootfd >= 0)
		close(s->rootfd);
	free(s->root);
	free(s);
}

int img_store_open_file(struct img_store *s, const char *rel, int *ret_fd)
{
	_cleanup_close_ int dfd = -EBADF;
	char buf[PATH_MAX];
	const char *base = rel;
	char *slash;
	int fd, r;

	if (strlen(rel) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		base = slash + 1;
		r = img_open_dir_at(s->rootfd, buf, false, &dfd);
		if (r < 0)
			return r;
	}
	fd = openat(slash ? dfd : s->rootfd, base, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int img_store_mktemp(struct img_store *s, const char *prefix, char **ret_rel, int *ret_fd, struct rt_err *err)
{
	char name[64];
	int fd;

	for (int i = 0; i < 100; i++) {
		unsigned long long rnd;
		_cleanup_close_ int urnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (urnd < 0 || read(urnd, &rnd, sizeof(rnd)) != sizeof(rnd))
			rnd = (unsigned long long)getpid() * 1000003ULL + (unsigned long long)i;
		snprintf(name, sizeof(name), "tmp/%s%016llx", prefix, rnd);
		if (mkdirat(s->rootfd, name, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return rt_err_set(err, errno, "%s/%s", s->root, name);
		}
		fd = openat(s->rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;

			unlinkat(s->rootfd, name, AT_REMOVEDIR);
			return rt_err_set(err, e, "%s/%s", s->root, name);
		}
		*ret_rel = strdup(name);
		if (!*ret_rel) {
			close(fd);
			img_rm_rf_at(s->rootfd, name);
			return rt_err_set(err, ENOMEM, "mktemp");
		}
		*ret_fd = fd;
		return 0;
	}
	return rt_err_msg(err, EEXIST, "%s/tmp: cannot create a scratch directory", s->root);
}

int img_store_clean_tmp(struct img_store *s, struct rt_err *err)
{
	_cleanup_close_ int fd = -EBADF;
	DIR *d;
	struct dirent *de;
	int r = 0;

	fd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : rt_err_set(err, errno, "%s/tmp", s->root);
	d = fdopendir(TAKE_FD(fd));
	if (!d)
		return rt_err_set(err, errno, "%s/tmp", s->root);
	while ((de = readdir(d))) {
		int q;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		q = img_rm_rf_at(dirfd(d), de->d_name);
		if (q < 0 && r == 0)
			r = rt_err_set(err, -q, "%s/tmp/%s: remove", s->root, de->d_name);
	}
	closedir(d);
	return r;
}

/* Write a file under the root atomically (tmp name in the same dir, rename). */
static int write_atomic_at(struct img_store *s, const char *rel, const void *buf, size_t len,
			   struct rt_err *err)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -EBADF;
	int r;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", rel, (int)getpid());
	fd = openat(s->rootfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return rt_err_set(err, errno, "%s/%s", s->root, tmp);
	r = rt_write_all(fd, buf, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && renameat(s->rootfd, tmp, s->rootfd, rel) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(s->rootfd, tmp, 0);
		return rt_err_set(err, -r, "%s/%s", s->root, rel);
	}
	return 0;
}

static int write_json_at(struct img_store *s, const char *rel, json_t *j, struct rt_err *err)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);

	if (!text)
		return rt_err_set(err, ENOMEM, "%s/%s: encode", s->root, rel);
	return write_atomic_at(s, rel, text, strlen(text), err);
}

static int read_json_at(struct img_store *s, const char *rel, json_t **ret, struct rt_err *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	json_error_t je;
	json_t *j;
	int r = rt_read_file_at(s->rootfd, rel, META_MAX, &buf, &len);

	if (r < 0)
		return rt_err_set(err, -r, "%s/%s", s->root, rel);
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return rt_err_msg(err, EINVAL, "%s/%s: line %d: %s", s->root, rel, je.line, je.text);
	*ret = j;
	return 0;
}

int img_store_put_blob(struct img_store *s, const char *hex, const void *buf, size_t len, struct rt_err *err)
{
	char got[IMG_DIGEST_HEX_LEN + 1], rel[128];
	struct stat st;

	img_sha256_buf(buf, len, got);
	if (strcmp(got, hex) != 0)
		return rt_err_msg(err, EINVAL, "blob sha256:%s: digest mismatch (content is sha256:%s)", hex,
				  got);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
	if (fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == len)
		return 0;
	return write_atomic_at(s, rel, buf, len, err);
}

int img_store_get_blob(struct img_store *s, const char *hex, size_t max, char **ret, size_t *ret_len,
		       struct rt_err *err)
{
	char rel[128], got[IMG_DIGEST_HEX_LEN + 1];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	if (!img_hex_valid(hex))
		return rt_err_msg(err, EINVAL, "bad blob id '%.80s'", hex);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
	r = rt_read_file_at(s->rootfd, rel, max, &buf, &len);
	if (r < 0)
		return rt_err_set(err, -r, "blob sha256:%s", hex);
	img_sha256_buf(buf, len, got);
	if (strcmp(got, hex) != 0)
		return rt_err_msg(err, EIO, "blob sha256:%s: corrupt in the store (content is sha256:%s)",
				  hex, got);
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

bool img_store_has_layer(struct img_store *s, const char *diff_hex)
{
	char rel[128];
	struct stat st;

	snprintf(rel, sizeof(rel), "layers/%s", diff_hex);
	return fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int img_store_commit_layer(struct img_store *s, const char *tmp_rel, const char *diff_hex, struct rt_err *err)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "layers/%s", diff_hex);
	if (renameat(s->rootfd, tmp_rel, s->rootfd, rel) == 0)
		return 0;
	if (errno == EEXIST || errno == ENOTEMPTY) {
		img_rm_rf_at(s->rootfd, tmp_rel);
		return 0;
	}
	return rt_err_set(err, errno, "%s/%s: rename to %s", s->root, tmp_rel, rel);
}

int img_store_put_image(struct img_store *s, const char *id_hex, json_t *record, struct rt_err *err)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "images/%s.json", id_hex);
	return write_json_at(s, rel, record, err);
}

int img_store_get_image(struct img_store *s, const char *id_hex, json_t **ret, struct rt_err *err)
{
	char rel[128];

	if (!img_hex_valid(id_hex))
		return rt_err_msg(err, EINVAL, "bad image id '%.80s'", id_hex);
	snprintf(rel, sizeof(rel), "images/%s.json", id_hex);
	return read_json_at(s, rel, ret, err);
}

static int index_load(struct img_store *s, json_t **ret, struct rt_err *err)
{
	struct stat st;
	int r;

	if (fstatat(s->rootfd, "index.json", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
		*ret = json_object();
		return *ret ? 0 : rt_err_set(err, ENOMEM, "index");
	}
	r = read_json_at(s, "index.json", ret, err);
	if (r < 0)
		return r;
	if (!json_is_object(*ret)) {
		json_decref(*ret);
		return rt_err_msg(err, EINVAL, "%s/index.json: not an object", s->root);
	}
	return 0;
}

int img_store_tag(struct img_store *s, const struct img_ref *ref, const char *id_hex, struct rt_err *err)
{
	_cleanup_json_ json_t *idx = NULL;
	char key[IMG_NAME_MAX + IMG_TAG_MAX + 2];
	int r = index_load(s, &idx, err);

	if (r < 0)
		return r;
	img_ref_format(ref, key, sizeof(key));
	if (json_object_set_new(idx, key, json_string(id_hex)) < 0)
		return rt_err_set(err, ENOMEM, "index");
	return write_json_at(s, "index.json", idx, err);
}

static bool all_hex(const char *p)
{
	if (!*p)
		return false;
	for (; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int img_store_list(struct img_store *s, json_t **ret, struct rt_err *err)
{
	_cleanup_json_ json_t *out = json_array();
	_cleanup_close_ int fd = -EBADF;
	DIR *d;
	struct dirent *de;

	if (!out)
		return rt_err_set(err, ENOMEM, "list");
	fd = openat(s->rootfd, "images", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rt_err_set(err, errno, "%s/images", s->root);
	d = fdopendir(TAKE_FD(fd));
	if (!d)
		return rt_err_set(err, errno, "%s/images", s->root);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char hex[IMG_DIGEST_HEX_LEN + 1];

		if (n != IMG_DIGEST_HEX_LEN + 5 || strcmp(de->d_name + IMG_DIGEST_HEX_LEN, ".json") != 0)
			continue;
		memcpy(hex, de->d_name, IMG_DIGEST_HEX_LEN);
		hex[IMG_DIGEST_HEX_LEN] = '\0';
		if (img_hex_valid(hex))
			json_array_append_new(out, json_string(hex));
	}
	closedir(d);
	*ret = TAKE_PTR(out);
	return 0;
}

static int lookup_name(json_t *idx, const char *key, char ret_hex[IMG_DIGEST_HEX_LEN + 1])
{
	json_t *v = json_object_get(idx, key);

	if (!json_is_string(v) || !img_hex_valid(json_string_value(v)))
		return -ENOENT;
	memcpy(ret_hex, json_string_value(v), IMG_DIGEST_HEX_LEN + 1);
	return 0;
}

/* The first path component names a registry when it has a '.' or ':' or is
 * "localhost" (docker's rule). */
static bool has_registry(const char *name)
{
	const char *slash = strchr(name, '/');
	size_t len = slash ? (size_t)(slash - name) : 0;

	if (!slash)
		return false;
	return memchr(name, '.', len) || memchr(name, ':', len) ||
	       (len == 9 && strncmp(name, "localhost", 9) == 0);
}

int img_store_resolve(struct img_store *s, const char *what, char ret_hex[IMG_DIGEST_HEX_LEN + 1],
		      struct rt_err *err)
{
	_cleanup_json_ json_t *idx = NULL, *ids = NULL;
	struct img_ref ref;
	struct rt_err ignore;
	const char *q = what;
	char key[IMG_NAME_MAX + IMG_TAG_MAX + 2];
	json_t *v;
	size_t i, n = 0;
	int r;

	r = index_load(s, &idx, err);
	if (r < 0)
		return r;
	if (img_ref_parse(what, &ref, &ignore) == 0) {
		img_ref_format(&ref, key, sizeof(key));
		if (lookup_name(idx, key, ret_hex) == 0)
			return 0;
		/* docker's short names: "sk/app:v1" is docker.io/sk/app:v1 and
		 * "busybox" docker.io/library/busybox, as docker save writes them */
		if (!has_registry(key)) {
			char longer[sizeof(key) + 32];

			snprintf(longer, sizeof(longer), "docker.io/%s%s", strchr(key, '/') ? "" : "library/",
				 key);
			if (lookup_name(idx, longer, ret_hex) == 0)
				return 0;
		}
	}
	if (strncmp(q, "sha256:", 7) == 0)
		q += 7;
	if (strlen(q) >= 4 && strlen(q) <= IMG_DIGEST_HEX_LEN && all_hex(q)) {
		r = img_store_list(s, &ids, err);
		if (r < 0)
			return r;
		json_array_foreach(ids, i, v)
		{
			if (strncmp(json_string_value(v), q, strlen(q)) != 0)
				continue;
			if (n++ == 0)
				memcpy(ret_hex, json_string_value(v), IMG_DIGEST_HEX_LEN + 1);
		}
		if (n > 1)
			return rt_err_msg(err, EINVAL, "image id prefix '%.80s' is ambiguous", what);
		if (n == 1)
			return 0;
	}
	return rt_err_msg(err, ENOENT, "image '%.200s': not found in %s", what, s->root);
}

int img_store_names_of(struct img_store *s, const char *id_hex, json_t **ret, struct rt_err *err)
{
	_cleanup_json_ json_t *idx = NULL, *out = json_array();
	const char *k;
	json_t *v;
	int r;

	if (!out)
		return rt_err_set(err, ENOMEM, "names");
	r = index_load(s, &idx, err);
	if (r < 0)
		return r;
	json_object_foreach(idx, k, v) if (json_is_string(v) && strcmp(json_string_value(v), id_hex) == 0)
	    json_array_append_new(out, json_string(k));
	*ret = TAKE_PTR(out);
	return 0;
}

int img_store_user_add(struct img_store *s, const char *container_id, const char *id_hex, struct rt_err *err)
{
	char rel[300];

	if (!img_container_id_valid(container_id))
		return rt_err_msg(err, EINVAL, "container id '%.80s': invalid", container_id);
	snprintf(rel, sizeof(rel), "containers/%s", container_id);
	return write_atomic_at(s, rel, id_hex, strlen(id_hex), err);
}

int img_store_user_del(struct img_store *s, const char *container_id, struct rt_err *err)
{
	char rel[300];

	if (!img_container_id_valid(container_id))
		return rt_err_msg(err, EINVAL, "container id '%.80s': invalid", container_id);
	snprintf(rel, sizeof(rel), "containers/%s", container_id);
	if (unlinkat(s->rootfd, rel, 0) < 0 && errno != ENOENT)
		return rt_err_set(err, errno, "%s/%s", s->root, rel);
	return 0;
}

int img_store_users_of(struct img_store *s, const char *id_hex, json_t **ret, struct rt_err *err)
{
	_cleanup_json_ json_t *out = json_array();
	_cleanup_close_ int fd = -EBADF;
	DIR *d;
	struct dirent *de;

	if (!out)
		return rt_err_set(err, ENOMEM, "users");
	fd = openat(s->rootfd, "containers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rt_err_set(err, errno, "%s/containers", s->root);
	d = fdopendir(TAKE_FD(fd));
	if (!d)
		return rt_err_set(err, errno, "%s/containers", s->root);
	while ((de = readdir(d))) {
		_cleanup_free_ char *buf = NULL;

		if (!img_container_id_valid(de->d_name) || strstr(de->d_name, ".tmp-"))
			continue;
		if (rt_read_file_at(dirfd(d), de->d_name, 256, &buf, NULL) < 0)
			continue;
		if (strcmp(buf, id_hex) == 0)
			json_array_append_new(out, json_string(de->d_name));
	}
	closedir(d);
	*ret = TAKE_PTR(out);
	return 0;
}

/* Remove what no record references: layers, blobs; then tmp/. */
int img_store_gc(struct img_store *s, struct rt_err *err)
{
	_cleanup_json_ json_t *ids = NULL, *keep = json_object();
	static const char *const dirs[] = { "layers", "blobs/sha256" };
	size_t i;
	json_t *v;
	int r;

	if (!keep)
		return rt_err_set(err, ENOMEM, "gc");
	r = img_store_list(s, &ids, err);
	if (r < 0)
		return r;
	json_array_foreach(ids, i, v)
	{
		_cleanup_json_ json_t *rec = NULL;
		json_t *l;
		size_t j;

		r = img_store_get_image(s, json_string_value(v), &rec, err);
		if (r < 0)
			return r; /* never delete layers when a record cannot be read */
		json_array_foreach(json_object_get(rec, "layers"), j, l) if (json_is_string(l))
		    json_object_set_new(keep, json_string_value(l), json_true());
		for (const char *const *k = (const char *const[]){ "config", "manifest", NULL }; *k; k++) {
			const char *d = json_string_value(json_object_get(rec, *k));

			if (d && strncmp(d, "sha256:", 7) == 0)
				json_object_set_new(keep, d + 7, json_true());
		}
	}
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_close_ int fd =
		    openat(s->rootfd, dirs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *de;

		if (fd < 0)
			continue;
		d = fdopendir(TAKE_FD(fd));
		if (!d)
			return rt_err_set(err, errno, "%s/%s", s->root, dirs[i]);
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (json_object_get(keep, de->d_name))
				continue;
			r = img_rm_rf_at(dirfd(d), de->d_name);
			if (r < 0) {
				closedir(d);
				return rt_err_set(err, -r, "%s/%s/%s: remove", s->root, dirs[i], de->d_name);
			}
		}
		closedir(d);
	}
	return img_store_clean_tmp(s, err);
}

static int remove_image(struct img_store *s, const char *id_hex, struct rt_err *err)
{
	_cleanup_json_ json_t *idx = NULL;
	char rel[128];
	const char *k;
	json_t *v;
	void *tmp;
	int r = index_load(s, &idx, err);

	if (r < 0)
		return r;
	json_object_foreach_safe(idx, tmp, k,
				 v) if (json_is_string(v) && strcmp(json_string_value(v), id_hex) == 0)
	    json_object_del(idx, k);
	r = write_json_at(s, "index.json", idx, err);
	if (r < 0)
		return r;
	snprintf(rel, sizeof(rel), "images/%s.json", id_hex);
	if (unlinkat(s->rootfd, rel, 0) < 0 && errno != ENOENT)
		return rt_err_set(err, errno, "%s/%s", s->root, rel);
	return 0;
}

int img_store_remove(struct img_store *s, const char *what, bool force, struct rt_err *err)
{
	_cleanup_json_ json_t *users = NULL, *names = NULL, *idx = NULL;
	char hex[IMG_DIGEST_HEX_LEN + 1], key[IMG_NAME_MAX + IMG_TAG_MAX + 2];
	struct img_ref ref;
	struct rt_err ignore;
	bool by_name = false;
	int r;

	r = img_store_resolve(s, what, hex, err);
	if (r < 0)
		return r;
	r = img_store_users_of(s, hex, &users, err);
	if (r < 0)
		return r;
	if (json_array_size(users) > 0 && !force)
		return rt_err_msg(err, EBUSY, "image '%.200s' is used by container %s%s; use --force", what,
				  json_string_value(json_array_get(users, 0)),
				  json_array_size(users) > 1 ? " and others" : "");
	r = img_store_names_of(s, hex, &names, err);
	if (r < 0)
		return r;
	if (json_array_size(users) > 0) {
		/* forced while in use: the names go, the record and layers stay
		 * for the running containers; prune removes them afterwards */
		r = index_load(s, &idx, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < json_array_size(names); i++)
			json_object_del(idx, json_string_value(json_array_get(names, i)));
		return write_json_at(s, "index.json", idx, err);
	}
	if (img_ref_parse(what, &ref, &ignore) == 0) {
		img_ref_format(&ref, key, sizeof(key));
		for (size_t i = 0; i < json_array_size(names); i++)
			if (strcmp(json_string_value(json_array_get(names, i)), key) == 0)
				by_name = true;
	}
	if (by_name && json_array_size(names) > 1) {
		/* other names keep the image: only untag */
		r = index_load(s, &idx, err);
		if (r < 0)
			return r;
		json_object_del(idx, key);
		return write_json_at(s, "index.json", idx, err);
	}
	r = remove_image(s, hex, err);
	if (r < 0)
		return r;
	return img_store_gc(s, err);
}

int img_store_prune(struct img_store *s, unsigned *ret_n, struct rt_err *err)
{
	_cleanup_json_ json_t *ids = NULL;
	unsigned n = 0;
	size_t i;
	json_t *v;
	int r = img_store_list(s, &ids, err);

	if (r < 0)
		return r;
	json_array_foreach(ids, i, v)
	{
		_cleanup_json_ json_t *names = NULL, *users = NULL;
		const char *hex = json_string_value(v);

		r = img_store_names_of(s, hex, &names, err);
		if (r < 0)
			return r;
		r = img_store_users_of(s, hex, &users, err);
		if (r < 0)
			return r;
		if (json_array_size(names) > 0 || json_array_size(users) > 0)
			continue;
		r = remove_image(s, hex, err);
		if (r < 0)
			return r;
		n++;
	}
	r = img_store_gc(s, err);
	if (r < 0)
		return r;
	if (ret_n)
		*ret_n = n;
	return 0;
}
