#include "alloc.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "netns/net.h"
#include "netns/nft.h"
#include "netns/nl.h"
#include "runtime/util.h"

#define ALLOC_FILE_MAX (16 * 1024 * 1024)

struct entry {
	struct in_addr addr;
	char *id;    /* points into the file buffer */
	char *ports; /* "-" or "tcp:8080,udp:53" */
};

struct alloc_file {
	char path[PATH_MAX];
	char network[NET_NAME_MAX];
	char *buf;
	struct entry *v;
	size_t n;
	bool dirty;
};

static void alloc_file_free(struct alloc_file *f)
{
	free(f->buf);
	free(f->v);
	f->buf = NULL;
	f->v = NULL;
	f->n = 0;
}

int net_alloc_path(const char *state_root, const char *network, char *buf, size_t size)
{
	if (snprintf(buf, size, "%s/networks/%s.alloc", state_root, network) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int net_alloc_lock(const char *state_root, struct rt_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int fd, r;

	if (snprintf(dir, sizeof(dir), "%s/networks", state_root) >= (int)sizeof(dir))
		return rt_err_msg(err, ENAMETOOLONG, "state root path too long");
	r = rt_mkdir_p(dir, 0700);
	if (r < 0)
		return rt_err_set(err, -r, "create %s", dir);
	snprintf(path, sizeof(path), "%s/.lock", dir);
	fd = rt_lock_file(path);
	if (fd < 0)
		return rt_err_set(err, -fd, "lock %s", path);
	return fd;
}

static int alloc_file_load(struct alloc_file *f, struct rt_err *err)
{
	size_t cap = 0;
	char *save = NULL, *line;
	int r;

	r = rt_read_file_at(AT_FDCWD, f->path, ALLOC_FILE_MAX, &f->buf, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return rt_err_set(err, -r, "read %s", f->path);
	for (line = strtok_r(f->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s2 = NULL, *a = strtok_r(line, " ", &s2), *id = strtok_r(NULL, " ", &s2),
		     *ports = strtok_r(NULL, " ", &s2);
		struct entry e = { .id = id, .ports = ports ? ports : (char *)"-" };

		if (!a || !id || inet_pton(AF_INET, a, &e.addr) != 1)
			return rt_err_msg(err, EINVAL, "%s: malformed line", f->path);
		if (f->n == cap) {
			struct entry *nv = realloc(f->v, (cap = cap ? cap * 2 : 32) * sizeof(*nv));

			if (!nv)
				return rt_err_msg(err, ENOMEM, "out of memory");
			f->v = nv;
		}
		f->v[f->n++] = e;
	}
	return 0;
}

static int alloc_file_store(struct alloc_file *f, struct rt_err *err)
{
	_cleanup_free_ char *out = NULL;
	size_t len = 0, cap = 1;
	int r;

	for (size_t i = 0; i < f->n; i++)
		cap += INET_ADDRSTRLEN + strlen(f->v[i].id) + strlen(f->v[i].ports) + 3;
	out = malloc(cap);
	if (!out)
		return rt_err_msg(err, ENOMEM, "out of memory");
	out[0] = '\0';
	for (size_t i = 0; i < f->n; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &f->v[i].addr, a, sizeof(a));
		len += (size_t)snprintf(out + len, cap - len, "%s %s %s\n", a, f->v[i].id, f->v[i].ports);
	}
	r = rt_write_file_atomic(f->path, out, len, 0600);
	if (r < 0)
		return rt_err_set(err, -r, "write %s", f->path);
	f->dirty = false;
	return 0;
}

/* Best-effort removal of what a vanished container left on the host. */
static void reclaim_traces(const char *id)
{
	struct net_nl nl = { 0 };
	char veth[16];

	net_veth_name(id, veth);
	if (net_nl_open(&nl) >= 0) {
		(void)net_link_del(&nl, veth);
		net_nl_close(&nl);
	}
	(void)net_nft_del(id);
}

static bool id_alive(const char *state_root, const char *id)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", state_root, id) >= (int)sizeof(path))
		return true;
	return stat(path, &st) == 0 || errno != ENOENT;
}

static void alloc_file_reclaim(struct alloc_file *f, const char *state_root)
{
	size_t k = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (id_alive(state_root, f->v[i].id)) {
			f->v[k++] = f->v[i];
			continue;
		}
		reclaim_traces(f->v[i].id);
		f->dirty = true;
	}
	f->n = k;
}

/* Load every allocation file (all networks).  ret is malloc'd. */
static int load_all(const char *state_root, struct alloc_file **ret, size_t *ret_n, struct rt_err *err)
{
	char dir[PATH_MAX];
	struct alloc_file *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	snprintf(dir, sizeof(dir), "%s/networks", state_root);
	d = opendir(dir);
	if (!d)
		return rt_err_set(err, errno, "open %s", dir);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 6 || strcmp(de->d_name + len - 6, ".alloc") != 0 || len - 6 >= NET_NAME_MAX)
			continue;
		if (n == cap) {
			struct alloc_file *nv = realloc(v, (cap = cap ? cap * 2 : 4) * sizeof(*v));

			if (!nv) {
				r = rt_err_msg(err, ENOMEM, "out of memory");
				break;
			}
			v = nv;
		}
		memset(&v[n], 0, sizeof(v[n]));
		memcpy(v[n].network, de->d_name, len - 6);
		snprintf(v[n].path, sizeof(v[n].path), "%s/%s", dir, de->d_name);
		n++;
		r = alloc_file_load(&v[n - 1], err);
		if (r < 0)
			break;
		alloc_file_reclaim(&v[n - 1], state_root);
	}
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			alloc_file_free(&v[i]);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static void free_all(struct alloc_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		alloc_file_free(&v[i]);
	free(v);
}

static int store_dirty(struct alloc_file *v, size_t n, struct rt_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!v[i].dirty)
			continue;
		int r = alloc_file_store(&v[i], err);

		if (r < 0)
			return r;
	}
	return 0;
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* Does "tcp:8080,udp:53" contain proto:port? */
static bool ports_has(const char *ports, int proto, unsigned int port)
{
	char want[16];
	size_t wl;

	wl = (size_t)snprintf(want, sizeof(want), "%s:%u", proto_name(proto), port);
	for (const char *p = ports; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);

		if (l == wl && memcmp(p, want, wl) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

int net_alloc_take(const char *state_root, const struct net_network *net, const char *id, struct in_addr want,
		   const struct net_publish *publish, size_t n_publish, struct in_addr *ret,
		   struct rt_err *err)
{
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *ports = NULL;
	struct alloc_file *all = NULL, *mine = NULL, *grown;
	size_t n_all = 0, plen = 0;
	char a[INET_ADDRSTRLEN];
	uint32_t net_h = ntohl(net->subnet.s_addr), mask = ~0u << (32 - net->prefix), pick = 0;
	int r;

	lock = net_alloc_lock(state_root, err);
	if (lock < 0)
		return lock;
	r = load_all(state_root, &all, &n_all, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_all; i++) {
		for (size_t k = 0; k < all[i].n; k++) {
			struct entry *e = &all[i].v[k];

			if (strcmp(e->id, id) == 0) {
				r = rt_err_msg(err, EEXIST,
					       "container %s is already attached to network '%s'", id,
					       all[i].network);
				goto out;
			}
			for (size_t p = 0; p < n_publish; p++) {
				if (ports_has(e->ports, publish[p].proto, publish[p].host_port)) {
					r = rt_err_msg(err, EADDRINUSE,
						       "host port %u/%s is already published by container %s",
						       publish[p].host_port, proto_name(publish[p].proto),
						       e->id);
					goto out;
				}
			}
		}
		if (strcmp(all[i].network, net->name) == 0)
			mine = &all[i];
	}
	if (!mine) {
		grown = realloc(all, (n_all + 1) * sizeof(*all));
		if (!grown) {
			r = rt_err_msg(err, ENOMEM, "out of memory");
			goto out;
		}
		all = grown;
		mine = &all[n_all++];
		memset(mine, 0, sizeof(*mine));
		snprintf(mine->network, sizeof(mine->network), "%s", net->name);
		net_alloc_path(state_root, net->name, mine->path, sizeof(mine->path));
	}
	if (want.s_addr != INADDR_ANY) {
		inet_ntop(AF_INET, &want, a, sizeof(a));
		if (!net_network_contains(net, want)) {
			r = rt_err_msg(err, EINVAL, "address %s is outside network '%s'", a, net->name);
			goto out;
		}
		if (want.s_addr == net->gateway.s_addr) {
			r = rt_err_msg(err, EADDRINUSE, "address %s is the gateway of network '%s'", a,
				       net->name);
			goto out;
		}
		for (size_t k = 0; k < mine->n; k++) {
			if (mine->v[k].addr.s_addr == want.s_addr) {
				r = rt_err_msg(err, EADDRINUSE, "address %s is already used by container %s",
					       a, mine->v[k].id);
				goto out;
			}
		}
		pick = ntohl(want.s_addr);
	} else {
		for (uint32_t h = net_h + 1; h < (net_h | ~mask) && !pick; h++) {
			bool used = h == ntohl(net->gateway.s_addr);

			for (size_t k = 0; k < mine->n && !used; k++)
				used = ntohl(mine->v[k].addr.s_addr) == h;
			if (!used)
				pick = h;
		}
		if (!pick) {
			r = rt_err_msg(err, EADDRNOTAVAIL, "network '%s' has no free address", net->name);
			goto out;
		}
	}
	/* the new entry: its strings live in `ports` and the caller's id */
	ports = malloc(n_publish * 16 + 2);
	if (!ports) {
		r = rt_err_msg(err, ENOMEM, "out of memory");
		goto out;
	}
	strcpy(ports, "-");
	for (size_t p = 0; p < n_publish; p++)
		plen += (size_t)sprintf(ports + plen, "%s%s:%u", p ? "," : "", proto_name(publish[p].proto),
					publish[p].host_port);
	{
		struct entry *nv = realloc(mine->v, (mine->n + 1) * sizeof(*nv));

		if (!nv) {
			r = rt_err_msg(err, ENOMEM, "out of memory");
			goto out;
		}
		mine->v = nv;
		mine->v[mine->n++] =
		    (struct entry){ .addr.s_addr = htonl(pick), .id = (char *)id, .ports = ports };
		mine->dirty = true;
	}
	r = store_dirty(all, n_all, err);
	if (r >= 0)
		ret->s_addr = htonl(pick);
out:
	free_all(all, n_all);
	return r;
}

int net_alloc_release(const char *state_root, const char *id, struct rt_err *err)
{
	_cleanup_close_ int lock = -EBADF;
	struct alloc_file *all = NULL;
	size_t n_all = 0;
	int r, found = 0;

	lock = net_alloc_lock(state_root, err);
	if (lock < 0)
		return lock;
	r = load_all(state_root, &all, &n_all, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_all; i++) {
		size_t k = 0;

		for (size_t j = 0; j < all[i].n; j++) {
			if (strcmp(all[i].v[j].id, id) == 0) {
				found = 1;
				all[i].dirty = true;
				continue;
			}
			all[i].v[k++] = all[i].v[j];
		}
		all[i].n = k;
	}
	r = store_dirty(all, n_all, err);
	free_all(all, n_all);
	return r < 0 ? r : found;
}

int net_alloc_count_locked(const char *state_root, const char *network, struct rt_err *err)
{
	struct alloc_file f = { 0 };
	int r;

	r = net_alloc_path(state_root, network, f.path, sizeof(f.path));
	if (r < 0)
		return rt_err_set(err, -r, "allocation file path");
	r = alloc_file_load(&f, err);
	if (r >= 0) {
		alloc_file_reclaim(&f, state_root);
		r = f.dirty ? alloc_file_store(&f, err) : 0;
	}
	if (r >= 0)
		r = (int)f.n;
	alloc_file_free(&f);
	return r;
}
