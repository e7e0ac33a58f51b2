/* What capsa's own run/create adds on top of the spec: a network mode
 * (--net none|host|bridge[=NAME]|ns:PATH, or the annotation org.capsa.net),
 * published ports, and an image rootfs (--image, or org.capsa.image).
 * Under containerd and podman none of this is used: they hand us a ready
 * rootfs and network namespace path. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "container-internal.h"
#include "image/rootfs.h"
#include "netns/net.h"
#include "util.h"

#define ANN_NET	  "org.capsa.net"
#define ANN_IMAGE "org.capsa.image"

static const char *annotation(const struct rt_spec *s, const char *key)
{
	for (size_t i = 0; i < s->n_annotations; i++)
		if (strcmp(s->annotations[i].key, key) == 0)
			return s->annotations[i].value;
	return NULL;
}

static int add_bind(struct launch *l, const char *dest, const char *file)
{
	struct rt_mount *m;
	char src[PATH_MAX];

	m = realloc(l->extra_mounts, (l->n_extra_mounts + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	l->extra_mounts = m;
	m = &m[l->n_extra_mounts];
	memset(m, 0, sizeof(*m));
	snprintf(src, sizeof(src), "%s/%s", l->state_dir, file);
	m->destination = strdup(dest);
	m->source = strdup(src);
	m->type = strdup("bind");
	m->bind = true;
	m->flags = MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (!m->destination || !m->source || !m->type)
		return -ENOMEM;
	l->n_extra_mounts++;
	return 0;
}

static void free_binds(struct launch *l)
{
	for (size_t i = 0; i < l->n_extra_mounts; i++) {
		free(l->extra_mounts[i].destination);
		free(l->extra_mounts[i].source);
		free(l->extra_mounts[i].type);
	}
	free(l->extra_mounts);
	l->extra_mounts = NULL;
	l->n_extra_mounts = 0;
}

static int apply_net_mode(struct launch *l, const char *mode, struct rt_err *err)
{
	struct rt_namespace *ns = &l->spec->linux_.namespaces[RT_NS_NET];

	if (strcmp(mode, "none") == 0) {
		ns->present = true;
		free(ns->path);
		ns->path = NULL;
	} else if (strcmp(mode, "host") == 0) {
		ns->present = false;
		free(ns->path);
		ns->path = NULL;
	} else if (strncmp(mode, "ns:", 3) == 0 && mode[3] == '/') {
		free(ns->path);
		ns->present = true;
		ns->path = strdup(mode + 3);
		if (!ns->path)
			return rt_err_set(err, ENOMEM, "--net");
	} else if (strcmp(mode, "bridge") == 0 || strncmp(mode, "bridge=", 7) == 0) {
		ns->present = true;
		free(ns->path);
		ns->path = NULL;
		free(l->st.network);
		l->st.network = strdup(mode[6] == '=' ? mode + 7 : "capsa");
		if (!l->st.network || !*l->st.network)
			return rt_err_msg(err, EINVAL, "--net %s: empty network name", mode);
	} else {
		return rt_err_msg(err, EINVAL, "--net %s: expected none, host, bridge[=NAME] or ns:PATH",
				  mode);
	}
	return 0;
}

/* The rootfs becomes a fresh overlay of the image under the state dir; the
 * image config fills what the spec leaves empty. */
static int mount_image(struct launch *l, const char *image, struct rt_err *err)
{
	struct img_config *cfg = NULL;
	char *rootfs = NULL;
	int r;

	l->st.image = strdup(image);
	l->st.image_root = strdup(l->o->image_root);
	if (!l->st.image || !l->st.image_root)
		return rt_err_set(err, ENOMEM, "--image");
	/* recorded before mounting, so a delete --force after a kill unmounts it */
	r = rt_state_save(l->o->root, &l->st, err);
	if (r < 0)
		return r;
	r = img_rootfs_mount(l->o->image_root, image, l->o->id, l->state_dir, &rootfs, &cfg, err);
	if (r < 0)
		return r;
	l->image_mounted = true;
	snprintf(l->rootfs, sizeof(l->rootfs), "%s", rootfs);
	free(l->spec->root_path);
	l->spec->root_path = rootfs;
	r = img_config_apply(cfg, l->spec, err);
	img_config_free(cfg);
	return r;
}

int launch_prepare_extras(struct launch *l, struct rt_err *err)
{
	const char *net = l->o->net ? l->o->net : annotation(l->spec, ANN_NET);
	const char *image = l->o->image ? l->o->image : annotation(l->spec, ANN_IMAGE);
	int r;

	if (l->o->n_publish && (!net || strncmp(net, "bridge", 6) != 0))
		return rt_err_msg(err, EINVAL, "--publish needs --net bridge");
	if (net) {
		r = apply_net_mode(l, net, err);
		if (r < 0)
			return r;
	}
	if (l->st.network) {
		/* recorded before anything is attached (see mount_image) */
		r = rt_state_save(l->o->root, &l->st, err);
		if (r < 0)
			return r;
		if ((r = add_bind(l, "/etc/hosts", "hosts")) < 0 ||
		    (r = add_bind(l, "/etc/resolv.conf", "resolv.conf")) < 0 ||
		    (r = add_bind(l, "/etc/hostname", "hostname")) < 0)
			return rt_err_set(err, -r, "network files");
	}
	if (image)
		return mount_image(l, image, err);
	return 0;
}

int launch_attach_network(struct launch *l, struct rt_err *err)
{
	struct net_publish pub[64];
	struct net_request req = { 0 };
	int r;

	if (!l->st.network)
		return 0;
	if (l->o->n_publish > ARRAY_SIZE(pub))
		return rt_err_msg(err, E2BIG, "--publish: at most %zu ports", ARRAY_SIZE(pub));
	for (size_t i = 0; i < l->o->n_publish; i++) {
		r = net_publish_parse(l->o->publish[i], &pub[i], err);
		if (r < 0)
			return rt_err_prefix(err, "--publish");
	}
	req.network = l->st.network;
	req.nat = true;
	req.publish = pub;
	req.n_publish = l->o->n_publish;
	req.hostname = l->spec->hostname;
	r = net_attach(l->o->root, l->o->id, l->pid, &req, l->state_dir, err);
	if (r < 0)
		return r;
	l->net_attached = true;
	/* delete must find it even if we die now */
	return rt_state_save(l->o->root, &l->st, err);
}

int launch_release_extras(struct launch *l, struct rt_err *err)
{
	int r = 0;

	if (l->net_attached && net_detach(l->o->root, l->o->id, err) < 0)
		r = rt_err_ret(err);
	l->net_attached = false;
	if (l->image_mounted &&
	    img_rootfs_unmount(l->o->image_root, l->o->id, l->state_dir, l->o->keep_rootfs, err) < 0)
		r = rt_err_ret(err);
	l->image_mounted = false;
	free_binds(l);
	return r;
}

int rt_release_extras_of(const char *root, const struct rt_state *st, const char *image_root,
			 struct rt_err *err)
{
	char dir[PATH_MAX];
	int r = 0;

	if (st->network && net_detach(root, st->id, err) < 0)
		r = rt_err_ret(err);
	if (st->image && rt_state_dir(root, st->id, dir, sizeof(dir)) == 0 &&
	    img_rootfs_unmount(image_root ? image_root : st->image_root, st->id, dir, st->keep_rootfs, err) <
		0)
		r = rt_err_ret(err);
	return r;
}
