#include "rootfs.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"
#include "store.h"

bool img_rootfs_no_new_mount_api;

#define CONFIG_MAX (4u * 1024 * 1024)
#define ETC_MAX	   (1u * 1024 * 1024)

static void strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void img_config_free(struct img_config *c)
{
	if (!c)
		return;
	strv_free(c->entrypoint, c->n_entrypoint);
	strv_free(c->cmd, c->n_cmd);
	strv_free(c->env, c->n_env);
	free(c->working_dir);
	free(c->user);
	free(c);
}

static int strv_from_json(json_t *a, const char *what, char ***ret, size_t *ret_n, struct rt_err *err)
{
	char **v;
	size_t n = json_array_size(a);

	if (a && !json_is_array(a) && !json_is_null(a))
		return rt_err_msg(err, EINVAL, "image config: %s must be an array of strings", what);
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return rt_err_set(err, ENOMEM, "image config");
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));

		if (!s || !(v[i] = strdup(s))) {
			strv_free(v, i);
			return s ? rt_err_set(err, ENOMEM, "image config")
				 : rt_err_msg(err, EINVAL, "image config: %s[%zu] must be a string", what, i);
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int str_from_json(json_t *s, const char *what, char **ret, struct rt_err *err)
{
	if (!s || json_is_null(s) || (json_is_string(s) && !*json_string_value(s)))
		return 0;
	if (!json_is_string(s))
		return rt_err_msg(err, EINVAL, "image config: %s must be a string", what);
	*ret = strdup(json_string_value(s));
	return *ret ? 0 : rt_err_set(err, ENOMEM, "image config");
}

int img_config_parse(const char *buf, size_t len, struct img_config **ret, struct rt_err *err)
{
	json_auto_t *j = NULL;
	json_error_t je;
	json_t *cc;
	struct img_config *c;
	int r;

	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j))
		return rt_err_msg(err, EINVAL, "image config: invalid JSON (line %d: %s)", je.line,
				  j ? "not an object" : je.text);
	cc = json_object_get(j, "config");
	c = calloc(1, sizeof(*c));
	if (!c)
		return rt_err_set(err, ENOMEM, "image config");
	if ((r = strv_from_json(json_object_get(cc, "Entrypoint"), "Entrypoint", &c->entrypoint,
				&c->n_entrypoint, err)) < 0 ||
	    (r = strv_from_json(json_object_get(cc, "Cmd"), "Cmd", &c->cmd, &c->n_cmd, err)) < 0 ||
	    (r = strv_from_json(json_object_get(cc, "Env"), "Env", &c->env, &c->n_env, err)) < 0 ||
	    (r = str_from_json(json_object_get(cc, "WorkingDir"), "WorkingDir", &c->working_dir, err)) < 0 ||
	    (r = str_from_json(json_object_get(cc, "User"), "User", &c->user, err)) < 0) {
		img_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

/* Read the overlay's own error log from an fs context fd into err. */
static int fs_error(int fsfd, struct rt_err *err, int e, const char *what)
{
	char buf[256];
	ssize_t n = read(fsfd, buf, sizeof(buf) - 1);

	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		return rt_err_set(err, e, "%s (%s)", what, buf);
	}
	return rt_err_set(err, e, "%s", what);
}

static int mount_new_api(const char *layers_dir, json_t *layers, const char *upper, const char *work,
			 const char *target, struct rt_err *err)
{
	_cleanup_close_ int fsfd = -EBADF, mfd = -EBADF;
	char path[PATH_MAX];

	fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return -errno; /* the caller falls back */
	for (size_t i = json_array_size(layers); i-- > 0;) {
		snprintf(path, sizeof(path), "%s/%s", layers_dir,
			 json_string_value(json_array_get(layers, i)));
		if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", path, 0) < 0) {
			if (errno == EINVAL && i == json_array_size(layers) - 1)
				return -ENOTSUP; /* kernel without lowerdir+ (< 6.8) */
			return fs_error(fsfd, err, errno, "overlay: lowerdir+ layer");
		}
	}
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0)
		return fs_error(fsfd, err, errno, "overlay: upperdir");
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0)
		return fs_error(fsfd, err, errno, "overlay: workdir");
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_error(fsfd, err, errno, "overlay: create");
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return fs_error(fsfd, err, errno, "overlay: fsmount");
	if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return rt_err_set(err, errno, "overlay: move_mount to %s", target);
	return 0;
}

static int mount_classic(const char *layers_dir, json_t *layers, const char *upper, const char *work,
			 const char *target, struct rt_err *err)
{
	long page = sysconf(_SC_PAGESIZE);
	_cleanup_free_ char *opts = NULL;
	size_t cap = (size_t)(page > 0 ? page : 4096), len = 0;
	int n;

	if (strpbrk(layers_dir, ",:") || strpbrk(upper, ",:") || strpbrk(work, ",:"))
		return rt_err_msg(err, EINVAL, "overlay: paths with ',' or ':' need the new mount API");
	opts = malloc(cap);
	if (!opts)
		return rt_err_set(err, ENOMEM, "overlay");
	n = snprintf(opts, cap, "lowerdir=");
	len = (size_t)n;
	for (size_t i = json_array_size(layers); i-- > 0;) {
		n = snprintf(opts + len, cap - len, "%s%s/%s", i == json_array_size(layers) - 1 ? "" : ":",
			     layers_dir, json_string_value(json_array_get(layers, i)));
		if (n < 0 || (size_t)n >= cap - len)
			goto too_long;
		len += (size_t)n;
	}
	n = snprintf(opts + len, cap - len, ",upperdir=%s,workdir=%s", upper, work);
	if (n < 0 || (size_t)n >= cap - len)
		goto too_long;
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		return rt_err_set(err, errno, "overlay: mount on %s", target);
	return 0;
too_long:
	return rt_err_msg(
	    err, E2BIG,
	    "overlay: %zu layers do not fit in the %zu-byte mount options and this kernel has no lowerdir+",
	    json_array_size(layers), cap);
}

static int mkdir_empty(const char *dir, const char *name, mode_t mode, char *out, size_t size,
		       struct rt_err *err)
{
	snprintf(out, size, "%s/%s", dir, name);
	if (mkdir(out, mode) < 0) {
		if (errno != EEXIST)
			return rt_err_set(err, errno, "mkdir %s", out);
		if (rmdir(out) < 0 || mkdir(out, mode) < 0) /* leftovers must not leak into a new container */
			return rt_err_set(err, errno, "%s: exists and is not empty", out);
	}
	return 0;
}

int img_rootfs_mount(const char *image_root, const char *name, const char *id, const char *state_dir,
		     char **ret_rootfs, struct img_config **ret_cfg, struct rt_err *err)
{
	json_auto_t *rec = NULL;
	_cleanup_free_ char *cbuf = NULL, *rootfs_out = NULL;
	struct img_store *s = NULL;
	struct img_config *cfg = NULL;
	char hex[IMG_DIGEST_HEX_LEN + 1], chex[IMG_DIGEST_HEX_LEN + 1];
	char layers_dir[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], target[PATH_MAX], real[PATH_MAX];
	json_t *layers;
	size_t clen;
	int r;

	if (!img_container_id_valid(id))
		return rt_err_msg(err, EINVAL, "container id '%.80s': not usable as an image user record",
				  id);
	if (!realpath(image_root, real))
		return rt_err_set(err, errno, "image store %s", image_root);
	r = img_store_open(real, false, IMG_LOCK_SHARED, &s, err);
	if (r < 0)
		return r;
	r = img_store_resolve(s, name, hex, err);
	if (r >= 0)
		r = img_store_get_image(s, hex, &rec, err);
	if (r >= 0)
		r = img_digest_parse(json_string_value(json_object_get(rec, "config")), chex, err);
	if (r >= 0)
		r = img_store_get_blob(s, chex, CONFIG_MAX, &cbuf, &clen, err);
	if (r >= 0)
		r = img_config_parse(cbuf, clen, &cfg, err);
	if (r < 0)
		goto out;
	layers = json_object_get(rec, "layers");
	if (!json_is_array(layers) || json_array_size(layers) == 0) {
		r = rt_err_msg(err, EINVAL, "image %s: record has no layers", hex);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(layers); i++) {
		const char *l = json_string_value(json_array_get(layers, i));

		if (!l || !img_hex_valid(l) || !img_store_has_layer(s, l)) {
			r = rt_err_msg(err, ENOENT, "image %s: layer %zu missing from the store", hex, i + 1);
			goto out;
		}
	}
	snprintf(layers_dir, sizeof(layers_dir), "%s/layers", real);
	/* upper's root becomes the container's "/": 0755 like any root dir */
	if ((r = mkdir_empty(state_dir, "upper", 0755, upper, sizeof(upper), err)) < 0 ||
	    (r = mkdir_empty(state_dir, "work", 0700, work, sizeof(work), err)) < 0 ||
	    (r = mkdir_empty(state_dir, "rootfs", 0755, target, sizeof(target), err)) < 0)
		goto fail;
	r = img_store_user_add(s, id, hex, err);
	if (r < 0)
		goto fail;
	r = -ENOSYS;
	if (!img_rootfs_no_new_mount_api)
		r = mount_new_api(layers_dir, layers, upper, work, target, err);
	if (r == -ENOSYS || r == -ENOTSUP || r == -EPERM)
		r = mount_classic(layers_dir, layers, upper, work, target, err);
	if (r < 0) {
		struct rt_err ignore;

		img_store_user_del(s, id, &ignore);
		goto fail;
	}
	rootfs_out = strdup(target);
	if (!rootfs_out) {
		umount2(target, MNT_DETACH);
		r = rt_err_set(err, ENOMEM, "rootfs");
		goto fail;
	}
	*ret_rootfs = TAKE_PTR(rootfs_out);
	*ret_cfg = TAKE_PTR(cfg);
	r = 0;
	goto out;
fail:
	rmdir(target);
	{
		_cleanup_close_ int sfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (sfd >= 0) {
			img_rm_rf_at(sfd, "upper");
			img_rm_rf_at(sfd, "work");
		}
	}
out:
	img_config_free(cfg);
	img_store_close(s);
	return r;
}

int img_rootfs_unmount(const char *image_root, const char *id, const char *state_dir, bool keep,
		       struct rt_err *err)
{
	_cleanup_close_ int sfd = -EBADF;
	char target[PATH_MAX];
	struct img_store *s = NULL;
	int r;

	snprintf(target, sizeof(target), "%s/rootfs", state_dir);
	if (umount2(target, UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT) {
		if (errno != EBUSY)
			return rt_err_set(err, errno, "umount %s", target);
		if (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
			return rt_err_set(err, errno, "umount (detach) %s", target);
	}
	sfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd >= 0) {
		if (unlinkat(sfd, "rootfs", AT_REMOVEDIR) < 0 && errno != ENOENT && !keep)
			return rt_err_set(err, errno, "rmdir %s", target);
		if (!keep) {
			if ((r = img_rm_rf_at(sfd, "upper")) < 0)
				return rt_err_set(err, -r, "remove %s/upper", state_dir);
			if ((r = img_rm_rf_at(sfd, "work")) < 0)
				return rt_err_set(err, -r, "remove %s/work", state_dir);
		}
	} else if (errno != ENOENT) {
		return rt_err_set(err, errno, "%s", state_dir);
	}
	if (!img_container_id_valid(id) || access(image_root, F_OK) < 0)
		return 0;
	r = img_store_open(image_root, false, IMG_LOCK_SHARED, &s, err);
	if (r < 0)
		return r;
	r = img_store_user_del(s, id, err);
	img_store_close(s);
	return r;
}

/* ---- the image config applied to a spec ---- */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int parse_id(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX - 1)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

/* Read rootfs/etc/<file> with every symlink resolved inside the rootfs. */
static int read_etc(const char *root, const char *file, char **ret)
{
	_cleanup_close_ int rfd = -EBADF, fd = -EBADF;
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	struct stat st;
	long f;

	if (!root || !*root)
		return -ENOENT;
	rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	f = syscall(SYS_openat2, rfd, file, &how, sizeof(how));
	if (f < 0)
		return -errno;
	fd = (int)f;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)ETC_MAX)
		return -EINVAL;
	/* +1: a file of exactly ETC_MAX bytes is fine, as the size check says */
	return rt_read_fd(fd, ETC_MAX + 1, ret, NULL);
}

/* Find a line of passwd/group whose field 0 (name) or field 2 (id) matches;
 * copy the fields (at most 4) into f as pointers into line. */
static bool find_entry(char *text, const char *name, bool by_id, uint32_t id, char *f[4], char **save_line)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line;
		int k;

		for (k = 0; k < 4; k++) {
			f[k] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (k < 2)
			continue;
		if (by_id) {
			uint32_t v;

			if (k >= 2 && parse_id(f[2], &v) == 0 && v == id)
				goto found;
		} else if (strcmp(f[0], name) == 0) {
			goto found;
		}
		continue;
	found:
		if (k < 3)
			f[3] = (char *)"";
		*save_line = save;
		return true;
	}
	return false;
}

static int resolve_user(const char *root, const char *spec_user, struct rt_user *u, struct rt_err *err)
{
	_cleanup_free_ char *user = strdup(spec_user), *passwd = NULL, *group = NULL;
	char *grp, *f[4], *save;
	uint32_t uid, gid = 0, *gids = NULL;
	size_t n_gids = 0;
	bool have_gid = false;
	const char *uname = NULL;

	if (!user)
		return rt_err_set(err, ENOMEM, "user");
	grp = strchr(user, ':');
	if (grp)
		*grp++ = '\0';
	if (!*user || (grp && !*grp))
		return rt_err_msg(err, EINVAL, "image config: User '%.80s': expected user[:group]",
				  spec_user);
	read_etc(root, "etc/passwd", &passwd);
	if (all_digits(user)) {
		if (parse_id(user, &uid) < 0)
			return rt_err_msg(err, EINVAL, "image config: User '%.80s': bad uid", spec_user);
		/* the primary group of a numeric uid comes from passwd too, if listed */
		if (passwd && find_entry(passwd, NULL, true, uid, f, &save) && parse_id(f[3], &gid) == 0) {
			have_gid = true;
			uname = f[0];
		}
	} else {
		if (!passwd)
			return rt_err_msg(err, ENOENT,
					  "image config: User '%.80s': no /etc/passwd in the image",
					  spec_user);
		if (!find_entry(passwd, user, false, 0, f, &save) || parse_id(f[2], &uid) < 0)
			return rt_err_msg(
			    err, ENOENT,
			    "image config: User '%.80s': no such user in the image's /etc/passwd", spec_user);
		uname = f[0];
		have_gid = parse_id(f[3], &gid) == 0;
	}
	read_etc(root, "etc/group", &group);
	if (grp) {
		_cleanup_free_ char *g2 = group ? strdup(group) : NULL;

		if (all_digits(grp)) {
			if (parse_id(grp, &gid) < 0)
				return rt_err_msg(err, EINVAL, "image config: User '%.80s': bad gid",
						  spec_user);
		} else if (!g2 || !find_entry(g2, grp, false, 0, f, &save) || parse_id(f[2], &gid) < 0) {
			return rt_err_msg(
			    err, ENOENT,
			    "image config: User '%.80s': no such group in the image's /etc/group", spec_user);
		}
		have_gid = true;
	}
	if (!have_gid)
		gid = 0;
	/* supplementary groups: every group listing the user by name */
	if (uname && group && !grp) {
		char *gsave = NULL;

		for (char *line = strtok_r(group, "\n", &gsave); line; line = strtok_r(NULL, "\n", &gsave)) {
			char *gf[4] = { 0 }, *p = line, *msave = NULL;
			uint32_t g;
			int k;

			for (k = 0; k < 4 && p; k++) {
				gf[k] = p;
				p = strchr(p, ':');
				if (p)
					*p++ = '\0';
			}
			if (k < 4 || parse_id(gf[2], &g) < 0 || g == gid)
				continue;
			for (char *m = strtok_r(gf[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave)) {
				if (strcmp(m, uname) != 0)
					continue;
				uint32_t *ng = realloc(gids, (n_gids + 1) * sizeof(*gids));

				if (!ng) {
					free(gids);
					return rt_err_set(err, ENOMEM, "user");
				}
				gids = ng;
				gids[n_gids++] = g;
				break;
			}
		}
	}
	u->uid = uid;
	u->gid = gid;
	free(u->additional_gids);
	u->additional_gids = gids;
	u->n_additional_gids = n_gids;
	return 0;
}

static char **strv_dup(char *const *a, size_t na, char *const *b, size_t nb)
{
	char **v = calloc(na + nb + 1, sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < na + nb; i++) {
		v[i] = strdup(i < na ? a[i] : b[i - na]);
		if (!v[i]) {
			strv_free(v, i);
			return NULL;
		}
	}
	return v;
}

static bool env_has(char *const *env, size_t n, const char *var)
{
	size_t k = strcspn(var, "=");

	for (size_t i = 0; i < n; i++)
		if (strncmp(env[i], var, k) == 0 && (env[i][k] == '=' || env[i][k] == '\0'))
			return true;
	return false;
}

int img_config_apply(const struct img_config *c, struct rt_spec *spec, struct rt_err *err)
{
	struct rt_process *p = &spec->process;

	if (p->n_args == 0) {
		char **args;

		if (c->n_entrypoint + c->n_cmd == 0)
			return rt_err_msg(
			    err, EINVAL,
			    "no command: process.args is empty and the image has no Entrypoint or Cmd");
		args = strv_dup(c->entrypoint, c->n_entrypoint, c->cmd, c->n_cmd);
		if (!args)
			return rt_err_set(err, ENOMEM, "process.args");
		strv_free(p->args, p->n_args);
		p->args = args;
		p->n_args = c->n_entrypoint + c->n_cmd;
	}
	if (c->n_env) {
		char **env = calloc(p->n_env + c->n_env + 1, sizeof(*env));
		size_t n = p->n_env;

		if (!env)
			return rt_err_set(err, ENOMEM, "process.env");
		memcpy(env, p->env, p->n_env * sizeof(*env));
		for (size_t i = 0; i < c->n_env; i++) {
			if (env_has(p->env, p->n_env, c->env[i]) ||
			    env_has(env + p->n_env, n - p->n_env, c->env[i]))
				continue;
			env[n] = strdup(c->env[i]);
			if (!env[n]) {
				for (size_t j = p->n_env; j < n; j++)
					free(env[j]);
				free(env);
				return rt_err_set(err, ENOMEM, "process.env");
			}
			n++;
		}
		free(p->env); /* the strings moved to env */
		p->env = env;
		p->n_env = n;
	}
	if (c->working_dir && (!p->cwd || !*p->cwd || strcmp(p->cwd, "/") == 0)) {
		char *cwd = c->working_dir[0] == '/' ? strdup(c->working_dir) : NULL;

		if (c->working_dir[0] != '/' && asprintf(&cwd, "/%s", c->working_dir) < 0)
			cwd = NULL;
		if (!cwd)
			return rt_err_set(err, ENOMEM, "process.cwd");
		free(p->cwd);
		p->cwd = cwd;
	}
	if (c->user && p->user.uid == 0 && p->user.gid == 0 && p->user.n_additional_gids == 0) {
		int r = resolve_user(spec->root_path, c->user, &p->user, err);

		if (r < 0)
			return r;
	}
	spec->has_process = true;
	return 0;
}
