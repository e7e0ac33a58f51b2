/* Idmapped bind mounts (the "idmap"/"ridmap" mount options): the source tree
 * is cloned with open_tree(), given the id mapping of a user namespace made
 * for it (mount_setattr MOUNT_ATTR_IDMAP), and moved onto the destination. */
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount.h"
#include "util.h"

static int write_map(pid_t pid, const char *file, const struct rt_idmap *m, size_t n)
{
	char path[64], buf[2048];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				 m[i].size);

		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return -E2BIG;
		len += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return rt_write_file_at(AT_FDCWD, path, buf, len);
}

/* A user namespace with the given mappings, as an fd: a child unshares it
 * and waits while we write its maps and open it. */
static int make_userns_fd(const struct rt_idmap *uids, size_t n_uids, const struct rt_idmap *gids,
			  size_t n_gids, struct rt_err *err)
{
	char path[64];
	int pipefd[2], fd, r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return rt_err_set(err, errno, "pipe");
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		char b;

		close(pipefd[1]);
		/* wait until the parent has what it needs, then go */
		while (read(pipefd[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pipefd[0]);
	if (pid < 0) {
		close(pipefd[1]);
		return rt_err_set(err, errno, "clone a user namespace for an idmap mount");
	}
	r = write_map(pid, "uid_map", uids, n_uids);
	if (r >= 0)
		r = write_map(pid, "gid_map", gids, n_gids);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	fd = r >= 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (r >= 0 && fd < 0)
		r = -errno;
	close(pipefd[1]);
	waitpid(pid, NULL, 0);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return rt_err_set(err, -r, "set up the id mapping of an idmap mount");
	}
	return fd;
}

int rt_idmap_userns(const struct rt_mount *m, const struct rt_spec *spec, struct rt_err *err)
{
	const struct rt_idmap *uids = m->n_uid_mappings ? m->uid_mappings : spec->linux_.uid_mappings;
	const struct rt_idmap *gids = m->n_gid_mappings ? m->gid_mappings : spec->linux_.gid_mappings;
	size_t n_uids = m->n_uid_mappings ? m->n_uid_mappings : spec->linux_.n_uid_mappings;
	size_t n_gids = m->n_gid_mappings ? m->n_gid_mappings : spec->linux_.n_gid_mappings;
	int fd;

	if (!n_uids || !n_gids)
		return rt_err_msg(
		    err, EINVAL,
		    "mount %s: idmap needs uidMappings and gidMappings (on the mount or in linux)",
		    m->destination);
	fd = make_userns_fd(uids, n_uids, gids, n_gids, err);
	if (fd < 0)
		return rt_err_prefix(err, "mount %s", m->destination);
	return fd;
}

int rt_mount_idmapped(const struct rt_mount *m, int userns_fd, int target_fd, struct rt_err *err)
{
	_cleanup_close_ int tree = -EBADF;
	bool rec = m->recursive || m->idmap_recursive;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };

	if (!m->source)
		return rt_err_msg(err, EINVAL, "mount %s: an idmap mount needs a source", m->destination);
	if (userns_fd < 0)
		return rt_err_msg(err, EINVAL, "mount %s: no user namespace for the idmap", m->destination);
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, m->source,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
	if (tree < 0)
		return rt_err_set(err, errno, "mount %s: open_tree %s", m->destination, m->source);
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &attr,
		    sizeof(attr)) < 0)
		return rt_err_set(err, errno, "mount %s: idmap %s", m->destination, m->source);
	if (syscall(SYS_move_mount, tree, "", target_fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return rt_err_set(err, errno, "mount %s: move the idmapped tree", m->destination);
	return 0;
}
