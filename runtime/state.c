#include "state.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define OCI_VERSION "1.2.0"

int rt_id_valid(const char *id, struct rt_err *err)
{
	size_t len = id ? strlen(id) : 0;

	if (len == 0)
		return rt_err_msg(err, EINVAL, "container id: must not be empty");
	if (len > 1024)
		return rt_err_msg(err, EINVAL, "container id: longer than 1024 characters");
	for (size_t i = 0; i < len; i++) {
		char c = id[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  (i > 0 && (c == '_' || c == '+' || c == '-' || c == '.'));

		if (!ok)
			return rt_err_msg(
			    err, EINVAL,
			    "invalid container id '%s': only [A-Za-z0-9][A-Za-z0-9_+.-]* allowed", id);
	}
	return 0;
}

int rt_state_dir(const char *root, const char *id, char *buf, size_t size)
{
	if (!id || !*id || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return -EINVAL;
	if ((size_t)snprintf(buf, size, "%s/%s", root, id) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int rt_state_create_dir(const char *root, const char *id, struct rt_err *err)
{
	char dir[PATH_MAX];
	int r;

	r = rt_id_valid(id, err);
	if (r < 0)
		return r;
	r = rt_mkdir_p(root, 0700);
	if (r < 0)
		return rt_err_set(err, -r, "create state root %s", root);
	r = rt_state_dir(root, id, dir, sizeof(dir));
	if (r < 0)
		return rt_err_set(err, -r, "state dir for %s", id);
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return rt_err_msg(err, EEXIST, "container with id %s already exists", id);
		return rt_err_set(err, errno, "mkdir %s", dir);
	}
	return 0;
}

static int remove_tree_at(int parent, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	DIR *d;
	struct dirent *de;

	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -errno;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	d = fdopendir(fd);
	if (!d)
		return -errno;
	fd = -EBADF; /* owned by d */
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		remove_tree_at(dirfd(d), de->d_name);
	}
	closedir(d);
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int rt_state_remove_dir(const char *root, const char *id)
{
	char dir[PATH_MAX];
	int r = rt_state_dir(root, id, dir, sizeof(dir));

	if (r < 0)
		return r;
	return remove_tree_at(AT_FDCWD, dir);
}

int rt_state_lock(const char *root, const char *id, struct rt_err *err)
{
	char path[PATH_MAX];
	int fd, r;

	r = rt_state_dir(root, id, path, sizeof(path));
	if (r < 0)
		return rt_err_set(err, -r, "container %s", id);
	if (strlen(path) + 7 >= sizeof(path))
		return rt_err_set(err, ENAMETOOLONG, "container %s", id);
	strcat(path, "/.lock");
	fd = rt_lock_file(path);
	if (fd == -ENOENT)
		return rt_err_msg(err, ENOENT, "container %s does not exist", id);
	if (fd < 0)
		return rt_err_set(err, -fd, "lock %s", path);
	return fd;
}

static int set_str(json_t *o, const char *k, const char *v)
{
	return v ? json_object_set_new(o, k, json_string(v)) : 0;
}

int rt_state_save(const char *root, const struct rt_state *st, struct rt_err *err)
{
	char path[PATH_MAX];
	json_t *o = json_object();
	char *text;
	int r;

	if (!o)
		return rt_err_set(err, ENOMEM, "state");
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "pid_start_time", json_integer((json_int_t)st->pid_start_time));
	set_str(o, "bundle", st->bundle);
	set_str(o, "rootfs", st->rootfs);
	set_str(o, "created", st->created);
	json_object_set_new(o, "owner", json_integer(st->owner));
	set_str(o, "cgroup_path", st->cgroup_path);
	set_str(o, "image", st->image);
	set_str(o, "image_root", st->image_root);
	set_str(o, "network", st->network);
	json_object_set_new(o, "keep_rootfs", json_boolean(st->keep_rootfs));
	json_object_set_new(o, "shared_pidns", json_boolean(st->shared_pidns));
	if (st->annotations_json) {
		json_t *a = json_loads(st->annotations_json, 0, NULL);

		if (a)
			json_object_set_new(o, "annotations", a);
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return rt_err_set(err, ENOMEM, "state");
	r = rt_state_dir(root, st->id, path, sizeof(path));
	if (r >= 0) {
		strncat(path, "/state.json", sizeof(path) - strlen(path) - 1);
		r = rt_write_file_atomic(path, text, strlen(text), 0600);
	}
	free(text);
	if (r < 0)
		return rt_err_set(err, -r, "write state of %s", st->id);
	return 0;
}

static char *get_str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? strdup(s) : NULL;
}

int rt_state_load(const char *root, const char *id, struct rt_state *ret, struct rt_err *err)
{
	char path[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	json_t *o, *a;
	json_error_t jerr;
	struct rt_state st = { 0 };
	int r;

	r = rt_state_dir(root, id, path, sizeof(path));
	if (r < 0)
		return rt_err_msg(err, ENOENT, "container %s does not exist", id);
	strncat(path, "/state.json", sizeof(path) - strlen(path) - 1);
	r = rt_read_file_at(AT_FDCWD, path, 1 << 20, &buf, NULL);
	if (r == -ENOENT)
		return rt_err_msg(err, ENOENT, "container %s does not exist", id);
	if (r < 0)
		return rt_err_set(err, -r, "read %s", path);
	o = json_loads(buf, 0, &jerr);
	if (!o)
		return rt_err_msg(err, EINVAL, "%s: corrupt state: %s", path, jerr.text);
	st.id = get_str(o, "id");
	st.pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	st.pid_start_time = (uint64_t)json_integer_value(json_object_get(o, "pid_start_time"));
	st.bundle = get_str(o, "bundle");
	st.rootfs = get_str(o, "rootfs");
	st.created = get_str(o, "created");
	st.owner = (uid_t)json_integer_value(json_object_get(o, "owner"));
	st.cgroup_path = get_str(o, "cgroup_path");
	st.image = get_str(o, "image");
	st.image_root = get_str(o, "image_root");
	st.network = get_str(o, "network");
	st.keep_rootfs = json_is_true(json_object_get(o, "keep_rootfs"));
	st.shared_pidns = json_is_true(json_object_get(o, "shared_pidns"));
	a = json_object_get(o, "annotations");
	if (a)
		st.annotations_json = json_dumps(a, JSON_COMPACT);
	json_decref(o);
	if (!st.id) {
		rt_state_clear(&st);
		return rt_err_msg(err, EINVAL, "%s: corrupt state: no id", path);
	}
	*ret = st;
	return 0;
}

void rt_state_clear(struct rt_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup_path);
	free(st->annotations_json);
	free(st->image);
	free(st->image_root);
	free(st->network);
	memset(st, 0, sizeof(*st));
}

uint64_t rt_pid_start_time(pid_t pid)
{
	char path[64], buf[1024], state;
	unsigned long long v;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (rt_proc_stat_read(path, buf, sizeof(buf)) < 0)
		return 0;
	state = rt_proc_stat_state(buf);
	if (state == 'Z' || state == 'X' || rt_proc_stat_fields(buf, 22, 22, &v) < 0)
		return 0;
	return v;
}

bool rt_pid_is(pid_t pid, uint64_t start_time)
{
	uint64_t t;

	if (pid <= 0)
		return false;
	t = rt_pid_start_time(pid);
	return t != 0 && (start_time == 0 || t == start_time);
}

enum rt_status rt_state_status(const char *root, const struct rt_state *st,
			       int (*is_frozen)(const struct rt_state *st))
{
	char path[PATH_MAX];

	if (st->pid == 0)
		return RT_STATUS_CREATING;
	if (!rt_pid_is(st->pid, st->pid_start_time))
		return RT_STATUS_STOPPED;
	if (rt_state_dir(root, st->id, path, sizeof(path)) == 0) {
		strncat(path, "/exec.fifo", sizeof(path) - strlen(path) - 1);
		if (access(path, F_OK) == 0)
			return RT_STATUS_CREATED;
	}
	if (is_frozen && is_frozen(st) == 1)
		return RT_STATUS_PAUSED;
	return RT_STATUS_RUNNING;
}

const char *rt_status_name(enum rt_status s)
{
	static const char *const names[] = {
		[RT_STATUS_CREATING] = "creating", [RT_STATUS_CREATED] = "created",
		[RT_STATUS_RUNNING] = "running",   [RT_STATUS_PAUSED] = "paused",
		[RT_STATUS_STOPPED] = "stopped",
	};
	return names[s];
}

int rt_state_to_json(const struct rt_state *st, enum rt_status status, char **ret, struct rt_err *err)
{
	json_t *o = json_object();
	char *text;

	if (!o)
		return rt_err_set(err, ENOMEM, "state");
	json_object_set_new(o, "ociVersion", json_string(OCI_VERSION));
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "pid", json_integer(status == RT_STATUS_STOPPED ? 0 : st->pid));
	json_object_set_new(o, "status", json_string(rt_status_name(status)));
	set_str(o, "bundle", st->bundle);
	set_str(o, "rootfs", st->rootfs);
	set_str(o, "created", st->created);
	json_object_set_new(o, "owner", json_string(""));
	if (st->annotations_json) {
		json_t *a = json_loads(st->annotations_json, 0, NULL);

		if (a)
			json_object_set_new(o, "annotations", a);
	}
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	if (!text)
		return rt_err_set(err, ENOMEM, "state");
	*ret = text;
	return 0;
}

int rt_state_list(const char *root, char ***ret, size_t *ret_n, struct rt_err *err)
{
	DIR *d = opendir(root);
	struct dirent *de;
	char **ids = NULL;
	size_t n = 0;

	if (!d) {
		if (errno == ENOENT) {
			*ret = NULL;
			*ret_n = 0;
			return 0;
		}
		return rt_err_set(err, errno, "open %s", root);
	}
	while ((de = readdir(d))) {
		char **nids;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		nids = realloc(ids, (n + 1) * sizeof(*ids));
		if (!nids)
			break;
		ids = nids;
		ids[n] = strdup(de->d_name);
		if (ids[n])
			n++;
	}
	closedir(d);
	*ret = ids;
	*ret_n = n;
	return 0;
}
