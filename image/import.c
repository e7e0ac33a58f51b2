#include "import.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "fsutil.h"
#include "store.h"
#include "unpack.h"

#define META_MAX	  (4u * 1024 * 1024)
#define OUTER_MAX_ENTRIES 100000
#define INDEX_MAX_DEPTH	  4

#define MT_OCI_MANIFEST	   "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_INDEX	   "application/vnd.oci.image.index.v1+json"
#define MT_OCI_CONFIG	   "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_LIST	   "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"

static const char *const layer_types[] = {
	"application/vnd.oci.image.layer.v1.tar",
	"application/vnd.oci.image.layer.v1.tar+gzip",
	"application/vnd.oci.image.layer.v1.tar+zstd",
	"application/vnd.oci.image.layer.nondistributable.v1.tar",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
	"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
	"application/vnd.docker.image.rootfs.diff.tar.gzip",
	"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
};

enum src_kind { SRC_OCI, SRC_DOCKER, SRC_ROOTFS };

struct imp {
	struct img_store *s;
	const struct img_import_opts *o;
	struct rt_err *err;
	const char *path;
	const struct img_ref *want; /* NULL when no name was given */
	struct img_ref name;	    /* the name found in the archive */
	bool have_name;
	struct img_ref derived; /* from the file name, the fallback */
	bool have_derived;
	/* progress of the current layer */
	unsigned cur, n;
	uint64_t cur_size;
};

static bool is_manifest_type(const char *mt)
{
	return !mt || strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0;
}

static bool is_index_type(const char *mt)
{
	return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

static bool is_layer_type(const char *mt)
{
	for (size_t i = 0; i < ARRAY_SIZE(layer_types); i++)
		if (strcmp(mt, layer_types[i]) == 0)
			return true;
	return false;
}

/* Open a regular file below dirfd, symlinks resolved inside dirfd only. */
static int open_in(int dirfd, const char *rel, int *ret_fd)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	struct stat st;
	long fd = -1;

	if (!img_fs_no_openat2)
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	if (fd < 0 && (img_fs_no_openat2 || errno == ENOSYS || errno == EPERM)) {
		char buf[PATH_MAX];
		struct rt_err ignore;
		_cleanup_close_ int pfd = -EBADF;
		char *slash;
		int r;

		if (strlen(rel) >= sizeof(buf))
			return -ENAMETOOLONG;
		strcpy(buf, rel);
		if (img_entry_name_clean(buf, &ignore) < 0)
			return -EXDEV;
		slash = strrchr(buf, '/');
		if (slash)
			*slash = '\0';
		r = img_open_dir_at(dirfd, slash ? buf : ".", false, &pfd);
		if (r < 0)
			return r;
		fd = openat(pfd, slash ? slash + 1 : buf, (int)how.flags | O_NOFOLLOW);
	}
	if (fd < 0)
		return -errno;
	if (fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close((int)fd);
		return -EINVAL;
	}
	fcntl((int)fd, F_SETFL, 0);
	*ret_fd = (int)fd;
	return 0;
}

/* Read a metadata file (index.json, manifest.json, a blob) below dirfd. */
static int read_in(struct imp *im, int dirfd, const char *rel, const char *what, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	int r = open_in(dirfd, rel, &fd);

	if (r == -ENOENT)
		return rt_err_msg(im->err, ENOENT, "%s (%s): missing", what, rel);
	if (r == -EINVAL)
		return rt_err_msg(im->err, EINVAL, "%s (%s): not a regular file", what, rel);
	if (r < 0)
		return rt_err_set(im->err, -r, "%s (%s)", what, rel);
	r = rt_read_fd(fd, META_MAX, ret, ret_len);
	if (r == -EFBIG)
		return rt_err_msg(im->err, EFBIG, "%s (%s): larger than %u bytes", what, rel, META_MAX);
	if (r < 0)
		return rt_err_set(im->err, -r, "%s (%s): read", what, rel);
	return 0;
}

static int parse_json(struct imp *im, const char *buf, size_t len, const char *what, json_t **ret)
{
	json_error_t je;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);

	if (!j)
		return rt_err_msg(im->err, EINVAL, "%s: invalid JSON at line %d: %s", what, je.line, je.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return rt_err_msg(im->err, EINVAL, "%s: expected a JSON object", what);
	}
	*ret = j;
	return 0;
}

/* A descriptor {mediaType, digest, size}: digest checked, size -1 when absent. */
static int desc_parse(struct imp *im, json_t *d, const char *what, char hex[IMG_DIGEST_HEX_LEN + 1],
		      int64_t *ret_size)
{
	json_t *size = json_object_get(d, "size");
	int r;

	if (!json_is_object(d))
		return rt_err_msg(im->err, EINVAL, "%s: descriptor is not an object", what);
	r = img_digest_parse(json_string_value(json_object_get(d, "digest")), hex, im->err);
	if (r < 0)
		return rt_err_prefix(im->err, "%s", what);
	*ret_size = -1;
	if (size) {
		if (!json_is_integer(size) || json_integer_value(size) < 0)
			return rt_err_msg(im->err, EINVAL, "%s: size must be a non-negative integer", what);
		*ret_size = json_integer_value(size);
	}
	return 0;
}

/* Read a blob of an OCI layout and check digest and size. */
static int read_blob(struct imp *im, int dirfd, const char *hex, int64_t size, const char *what, char **ret,
		     size_t *ret_len)
{
	char rel[128], got[IMG_DIGEST_HEX_LEN + 1], label[160];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
	snprintf(label, sizeof(label), "%s sha256:%s", what, hex);
	r = read_in(im, dirfd, rel, label, &buf, &len);
	if (r < 0)
		return r;
	img_sha256_buf(buf, len, got);
	if (strcmp(got, hex) != 0)
		return rt_err_msg(im->err, EINVAL, "%s: digest mismatch (content is sha256:%s)", label, got);
	if (size >= 0 && (uint64_t)size != len)
		return rt_err_msg(im->err, EINVAL, "%s: size mismatch (descriptor %lld, blob %zu)", label,
				  (long long)size, len);
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static void unpack_progress(void *ud, uint64_t bytes)
{
	struct imp *im = ud;

	if (im->o && im->o->progress)
		im->o->progress(im->o->userdata, im->cur, im->n, bytes, im->cur_size, 0);
}

static void layer_done(struct imp *im, uint64_t bytes)
{
	if (im->o && im->o->progress)
		im->o->progress(im->o->userdata, im->cur, im->n, bytes, im->cur_size, 1);
}

/* Unpack one layer stream into tmp/, verify, then move it into layers/. */
static int unpack_layer(struct imp *im, int srcfd, const char *blob_hex, int64_t size, const char *diff_hex,
			char ret_diff[IMG_DIGEST_HEX_LEN + 1])
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int tfd = -EBADF;
	struct img_unpack_opts uo = {
		.max_entries = im->o ? im->o->max_entries : 0,
		.expect_blob_hex = blob_hex,
		.expect_size = size,
		.expect_diff_hex = diff_hex,
		.progress = unpack_progress,
		.userdata = im,
	};
	struct img_unpack_result res;
	int r;

	r = img_store_mktemp(im->s, "layer-", &tmp, &tfd, im->err);
	if (r < 0)
		return r;
	r = img_unpack(srcfd, tfd, &uo, &res, im->err);
	/* the layer's data must be on disk before its name says it is complete */
	if (r >= 0 && syncfs(tfd) < 0)
		r = rt_err_set(im->err, errno, "sync layer");
	if (r >= 0)
		r = img_store_commit_layer(im->s, tmp, res.diff_hex, im->err);
	else
		img_rm_rf_at(im->s->rootfd, tmp);
	if (r < 0)
		return r;
	layer_done(im, res.bytes_in);
	if (ret_diff)
		memcpy(ret_diff, res.diff_hex, sizeof(res.diff_hex));
	return 0;
}

/* config.rootfs.diff_ids as hex strings, checked. */
static int config_diff_ids(struct imp *im, json_t *config, json_t **ret)
{
	json_t *rootfs = json_object_get(config, "rootfs"), *ids = json_object_get(rootfs, "diff_ids");
	json_auto_t *out = json_array();
	const char *os = json_string_value(json_object_get(config, "os"));
	const char *arch = json_string_value(json_object_get(config, "architecture"));
	size_t i;
	json_t *v;

	if (os && strcmp(os, "linux") != 0)
		return rt_err_msg(im->err, EINVAL, "image config: os '%.40s' is not linux", os);
	if (arch && strcmp(arch, "amd64") != 0)
		return rt_err_msg(im->err, EINVAL, "image config: architecture '%.40s' is not amd64", arch);
	if (!json_is_array(ids))
		return rt_err_msg(im->err, EINVAL, "image config: rootfs.diff_ids missing");
	json_array_foreach(ids, i, v)
	{
		char hex[IMG_DIGEST_HEX_LEN + 1];

		if (img_digest_parse(json_string_value(v), hex, im->err) < 0)
			return rt_err_prefix(im->err, "image config: rootfs.diff_ids[%zu]", i);
		json_array_append_new(out, json_string(hex));
	}
	*ret = TAKE_PTR(out);
	return 0;
}

/* The image config and its diff ids, checked against the manifest's list of
 * layers (`what` names the manifest in messages, `key` its layers field). */
static int config_and_layers(struct imp *im, const char *cbuf, size_t clen, json_t *layers, const char *what,
			     const char *key, json_t **ret_config, json_t **ret_diffs)
{
	int r = parse_json(im, cbuf, clen, "image config", ret_config);

	if (r < 0)
		return r;
	r = config_diff_ids(im, *ret_config, ret_diffs);
	if (r < 0)
		return r;
	if (!json_is_array(layers))
		return rt_err_msg(im->err, EINVAL, "%s: %s missing", what, key);
	if (json_array_size(layers) != json_array_size(*ret_diffs))
		return rt_err_msg(im->err, EINVAL, "%s lists %zu layers but the config lists %zu diff ids",
				  what, json_array_size(layers), json_array_size(*ret_diffs));
	im->n = (unsigned)json_array_size(layers);
	return 0;
}

/* Store config (and manifest), write the record, tag it. */
static int finish(struct imp *im, const char *config_buf, size_t config_len, const char *manifest_buf,
		  size_t manifest_len, json_t *diffs, uint64_t size, const char *format,
		  struct img_import_result *res)
{
	json_auto_t *config = NULL, *rec = NULL;
	char id[IMG_DIGEST_HEX_LEN + 1], mhex[IMG_DIGEST_HEX_LEN + 1], cdig[80], mdig[80];
	const struct img_ref *ref = im->want ? im->want : im->have_name ? &im->name : &im->derived;
	int r;

	if (!im->want && !im->have_name && !im->have_derived)
		return rt_err_msg(im->err, EINVAL,
				  "no image name in the archive and none derivable from '%s': give NAME",
				  im->path);
	r = parse_json(im, config_buf, config_len, "image config", &config);
	if (r < 0)
		return r;
	img_sha256_buf(config_buf, config_len, id);
	r = img_store_put_blob(im->s, id, config_buf, config_len, im->err);
	if (r < 0)
		return r;
	snprintf(cdig, sizeof(cdig), "sha256:%s", id);
	rec = json_pack("{s:s, s:s, s:O, s:I, s:s}", "id", id, "config", cdig, "layers", diffs, "size",
			(json_int_t)size, "format", format);
	if (!rec)
		return rt_err_set(im->err, ENOMEM, "image record");
	if (json_is_string(json_object_get(config, "created")))
		json_object_set(rec, "created", json_object_get(config, "created"));
	if (manifest_buf) {
		img_sha256_buf(manifest_buf, manifest_len, mhex);
		r = img_store_put_blob(im->s, mhex, manifest_buf, manifest_len, im->err);
		if (r < 0)
			return r;
		snprintf(mdig, sizeof(mdig), "sha256:%s", mhex);
		json_object_set_new(rec, "manifest", json_string(mdig));
	}
	r = img_store_put_image(im->s, id, rec, im->err);
	if (r < 0)
		return r;
	r = img_store_tag(im->s, ref, id, im->err);
	if (r < 0)
		return r;
	memcpy(res->id, id, sizeof(id));
	img_ref_format(ref, res->ref, sizeof(res->ref));
	res->format = format;
	res->n_layers = (unsigned)json_array_size(diffs);
	return 0;
}

/* A name carried by the archive, if it parses. */
static void take_name(struct imp *im, const char *s)
{
	struct rt_err ignore;

	if (!im->have_name && s && img_ref_parse(s, &im->name, &ignore) == 0)
		im->have_name = true;
}

/* Pick the image manifest from an index: linux/amd64 among platform-tagged
 * entries, else the one whose ref.name matches the requested tag, else the first. */
static int select_manifest(struct imp *im, int dirfd, json_t *index, int depth, char **ret_buf,
			   size_t *ret_len)
{
	json_t *ms = json_object_get(index, "manifests"), *d, *pick = NULL;
	bool any_platform = false;
	char hex[IMG_DIGEST_HEX_LEN + 1];
	int64_t size;
	size_t i;
	const char *mt;
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	if (depth > INDEX_MAX_DEPTH)
		return rt_err_msg(im->err, ELOOP, "image index nested deeper than %d levels",
				  INDEX_MAX_DEPTH);
	if (!json_is_array(ms) || json_array_size(ms) == 0)
		return rt_err_msg(im->err, EINVAL, "image index: no manifests");
	json_array_foreach(ms, i, d)
	{
		json_t *p = json_object_get(d, "platform");

		if (!p)
			continue;
		any_platform = true;
		if (!pick && json_is_object(p) &&
		    strcmp(json_string_value(json_object_get(p, "os")) ?: "", "linux") == 0 &&
		    strcmp(json_string_value(json_object_get(p, "architecture")) ?: "", "amd64") == 0)
			pick = d;
	}
	if (any_platform && !pick)
		return rt_err_msg(im->err, ENOENT, "image index: no manifest for linux/amd64 (%zu entries)",
				  json_array_size(ms));
	if (!pick && im->want) {
		json_array_foreach(ms, i, d)
		{
			const char *rn = json_string_value(json_object_get(
			    json_object_get(d, "annotations"), "org.opencontainers.image.ref.name"));

			if (rn && (strcmp(rn, im->want->tag) == 0 || strstr(rn, im->want->name)))
				pick = d;
		}
	}
	if (!pick)
		pick = json_array_get(ms, 0);

	if (depth == 0) {
		json_t *ann = json_object_get(pick, "annotations");
		const char *full = json_string_value(json_object_get(ann, "io.containerd.image.name"));
		const char *rn = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));

		take_name(im, full);
		if (rn && (strchr(rn, ':') || strchr(rn, '/')))
			take_name(im, rn);
		else if (rn && im->have_derived) { /* only a tag: the derived name with this tag */
			struct img_ref t;
			struct rt_err ignore;
			char rbuf[IMG_NAME_MAX + IMG_TAG_MAX + 2];

			snprintf(rbuf, sizeof(rbuf), "%s:%s", im->derived.name, rn);
			if (img_ref_parse(rbuf, &t, &ignore) == 0)
				im->derived = t;
		}
	}

	mt = json_string_value(json_object_get(pick, "mediaType"));
	r = desc_parse(im, pick, "image index entry", hex, &size);
	if (r < 0)
		return r;
	if (!is_manifest_type(mt) && !is_index_type(mt))
		return rt_err_msg(im->err, EINVAL, "image index entry sha256:%s: unknown media type '%.100s'",
				  hex, mt);
	r = read_blob(im, dirfd, hex, size, is_index_type(mt) ? "image index" : "image manifest", &buf, &len);
	if (r < 0)
		return r;
	if (is_index_type(mt)) {
		json_auto_t *sub = NULL;

		r = parse_json(im, buf, len, "image index", &sub);
		if (r < 0)
			return r;
		return select_manifest(im, dirfd, sub, depth + 1, ret_buf, ret_len);
	}
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int import_oci(struct imp *im, int dirfd, const char *format, struct img_import_result *res)
{
	_cleanup_free_ char *ibuf = NULL, *mbuf = NULL, *cbuf = NULL;
	json_auto_t *index = NULL, *manifest = NULL, *config = NULL, *diffs = NULL;
	size_t ilen, mlen, clen, i;
	json_t *layers, *d;
	char chex[IMG_DIGEST_HEX_LEN + 1];
	const char *mt;
	int64_t csize;
	uint64_t total = 0;
	int r;

	r = read_in(im, dirfd, "index.json", "OCI layout index", &ibuf, &ilen);
	if (r < 0)
		return r;
	r = parse_json(im, ibuf, ilen, "index.json", &index);
	if (r < 0)
		return r;
	r = select_manifest(im, dirfd, index, 0, &mbuf, &mlen);
	if (r < 0)
		return r;
	r = parse_json(im, mbuf, mlen, "image manifest", &manifest);
	if (r < 0)
		return r;
	mt = json_string_value(json_object_get(manifest, "mediaType"));
	if (mt && !is_manifest_type(mt))
		return rt_err_msg(im->err, EINVAL, "image manifest: unknown media type '%.100s'", mt);
	d = json_object_get(manifest, "config");
	r = desc_parse(im, d, "image manifest: config", chex, &csize);
	if (r < 0)
		return r;
	mt = json_string_value(json_object_get(d, "mediaType"));
	if (!mt || (strcmp(mt, MT_OCI_CONFIG) != 0 && strcmp(mt, MT_DOCKER_CONFIG) != 0))
		return rt_err_msg(im->err, EINVAL, "image config sha256:%s: unknown media type '%.100s'",
				  chex, mt ?: "(none)");
	r = read_blob(im, dirfd, chex, csize, "image config", &cbuf, &clen);
	if (r < 0)
		return r;
	layers = json_object_get(manifest, "layers");
	r = config_and_layers(im, cbuf, clen, layers, "image manifest", "layers", &config, &diffs);
	if (r < 0)
		return r;
	/* check every descriptor before unpacking anything */
	json_array_foreach(layers, i, d)
	{
		char hex[IMG_DIGEST_HEX_LEN + 1];
		int64_t size;

		r = desc_parse(im, d, "image manifest: layer", hex, &size);
		if (r < 0)
			return rt_err_prefix(im->err, "layer %zu/%u", i + 1, im->n);
		mt = json_string_value(json_object_get(d, "mediaType"));
		if (!mt || !is_layer_type(mt))
			return rt_err_msg(im->err, EINVAL,
					  "layer %zu/%u sha256:%s: unsupported media type '%.100s'", i + 1,
					  im->n, hex, mt ?: "(none)");
		if (size > 0)
			total += (uint64_t)size;
	}
	json_array_foreach(layers, i, d)
	{
		const char *diff = json_string_value(json_array_get(diffs, i));
		char hex[IMG_DIGEST_HEX_LEN + 1], rel[128];
		_cleanup_close_ int fd = -EBADF;
		int64_t size;

		desc_parse(im, d, "layer", hex, &size);
		im->cur = (unsigned)i + 1;
		im->cur_size = size > 0 ? (uint64_t)size : 0;
		if (img_store_has_layer(im->s, diff)) {
			layer_done(im, im->cur_size);
			continue;
		}
		snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
		r = open_in(dirfd, rel, &fd);
		if (r == -ENOENT)
			return rt_err_msg(im->err, ENOENT, "layer %zu/%u sha256:%s: blob missing", i + 1,
					  im->n, hex);
		if (r < 0)
			return rt_err_set(im->err, -r, "layer %zu/%u sha256:%s: open blob", i + 1, im->n,
					  hex);
		r = unpack_layer(im, fd, hex, size, diff, NULL);
		if (r < 0)
			return rt_err_prefix(im->err, "layer %zu/%u sha256:%s", i + 1, im->n, hex);
	}
	return finish(im, cbuf, clen, mbuf, mlen, diffs, total, format, res);
}

static int import_docker(struct imp *im, int dirfd, struct img_import_result *res)
{
	_cleanup_free_ char *mbuf = NULL, *cbuf = NULL;
	json_auto_t *manifest = NULL, *config = NULL, *diffs = NULL;
	json_error_t je;
	json_t *entry = NULL, *layers, *v;
	size_t mlen, clen, i;
	uint64_t total = 0;
	const char *cpath;
	int r;

	r = read_in(im, dirfd, "manifest.json", "docker-archive manifest", &mbuf, &mlen);
	if (r < 0)
		return r;
	manifest = json_loadb(mbuf, mlen, JSON_REJECT_DUPLICATES, &je);
	if (!manifest)
		return rt_err_msg(im->err, EINVAL, "manifest.json: invalid JSON at line %d: %s", je.line,
				  je.text);
	if (!json_is_array(manifest) || json_array_size(manifest) == 0)
		return rt_err_msg(im->err, EINVAL, "manifest.json: expected a non-empty array");
	if (im->want) {
		char key[IMG_NAME_MAX + IMG_TAG_MAX + 2];

		img_ref_format(im->want, key, sizeof(key));
		json_array_foreach(manifest, i, v)
		{
			size_t j;
			json_t *t;

			json_array_foreach(json_object_get(v, "RepoTags"), j,
					   t) if (json_is_string(t) &&
						  strcmp(json_string_value(t), key) == 0 && !entry) entry = v;
		}
	}
	if (!entry)
		entry = json_array_get(manifest, 0);
	take_name(im, json_string_value(json_array_get(json_object_get(entry, "RepoTags"), 0)));
	cpath = json_string_value(json_object_get(entry, "Config"));
	if (!cpath)
		return rt_err_msg(im->err, EINVAL, "manifest.json: Config missing");
	r = read_in(im, dirfd, cpath, "image config", &cbuf, &clen);
	if (r < 0)
		return r;
	layers = json_object_get(entry, "Layers");
	r = config_and_layers(im, cbuf, clen, layers, "manifest.json", "Layers", &config, &diffs);
	if (r < 0)
		return r;
	json_array_foreach(layers, i, v)
	{
		const char *diff = json_string_value(json_array_get(diffs, i));
		const char *lpath = json_string_value(v);
		_cleanup_close_ int fd = -EBADF;
		struct stat st;

		if (!lpath)
			return rt_err_msg(im->err, EINVAL, "manifest.json: Layers[%zu] is not a string", i);
		im->cur = (unsigned)i + 1;
		r = open_in(dirfd, lpath, &fd);
		if (r == -ENOENT)
			return rt_err_msg(im->err, ENOENT, "layer %zu/%u (%s): missing from the archive",
					  i + 1, im->n, lpath);
		if (r < 0)
			return rt_err_set(im->err, -r, "layer %zu/%u (%s): open", i + 1, im->n, lpath);
		im->cur_size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
		total += im->cur_size;
		if (img_store_has_layer(im->s, diff)) {
			layer_done(im, im->cur_size);
			continue;
		}
		r = unpack_layer(im, fd, NULL, -1, diff, NULL);
		if (r < 0)
			return rt_err_prefix(im->err, "layer %zu/%u (%s)", i + 1, im->n, lpath);
	}
	return finish(im, cbuf, clen, NULL, 0, diffs, total, "docker-archive", res);
}

static int import_rootfs(struct imp *im, int fd, struct img_import_result *res)
{
	char diff[IMG_DIGEST_HEX_LEN + 1], created[64], ddig[80];
	json_auto_t *config = NULL, *diffs = NULL;
	_cleanup_free_ char *cbuf = NULL;
	struct stat st;
	struct timespec now;
	int r;

	im->n = im->cur = 1;
	im->cur_size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	r = unpack_layer(im, fd, NULL, -1, NULL, diff);
	if (r < 0)
		return rt_err_prefix(im->err, "rootfs tarball %s", im->path);
	clock_gettime(CLOCK_REALTIME, &now);
	rt_utc_rfc3339(&now, false, created, sizeof(created));
	snprintf(ddig, sizeof(ddig), "sha256:%s", diff);
	config =
	    json_pack("{s:s, s:s, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "architecture", "amd64", "os",
		      "linux", "created", created, "config", "rootfs", "type", "layers", "diff_ids", ddig,
		      "history", "created", created, "created_by", "capsa image import");
	diffs = json_pack("[s]", diff);
	if (!config || !diffs)
		return rt_err_set(im->err, ENOMEM, "image config");
	cbuf = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
	if (!cbuf)
		return rt_err_set(im->err, ENOMEM, "image config");
	return finish(im, cbuf, strlen(cbuf), NULL, 0, diffs, im->cur_size, "rootfs", res);
}

/* What the tar at fd holds: an OCI layout, a docker save, or a rootfs. */
static int detect_file(struct imp *im, int fd, enum src_kind *ret)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	bool oci = false, docker = false;
	uint64_t n = 0;
	int r;

	if (!a)
		return rt_err_set(im->err, ENOMEM, "libarchive");
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_format_tar(a);
	r = archive_read_open_fd(a, fd, 65536);
	while (r == ARCHIVE_OK && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);

		if (!p)
			continue;
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		if (strcmp(p, "oci-layout") == 0)
			oci = true;
		else if (strcmp(p, "manifest.json") == 0)
			docker = true;
		if (++n > IMG_UNPACK_MAX_ENTRIES_DEFAULT) {
			r = ARCHIVE_EOF;
			break;
		}
	}
	if (r != ARCHIVE_EOF) {
		rt_err_msg(im->err, EINVAL, "%s: not a readable tar archive: %s", im->path,
			   archive_error_string(a) ?: "unknown format");
		archive_read_free(a);
		return -EINVAL;
	}
	archive_read_free(a);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return rt_err_set(im->err, errno, "%s: seek", im->path);
	*ret = oci ? SRC_OCI : docker ? SRC_DOCKER : SRC_ROOTFS;
	return 0;
}

/* A name from the file name: "busybox.tar.gz" -> busybox:latest. */
static void derive_name(struct imp *im)
{
	static const char *const exts[] = { ".tar.gz",	    ".tar.zst",	      ".tar.xz", ".tar.bz2",
					    ".tgz",	    ".tar",	      ".oci",	 ".docker",
					    ".oci-archive", ".docker-archive" };
	char buf[PATH_MAX], *b;
	struct rt_err ignore;
	size_t n;

	snprintf(buf, sizeof(buf), "%s", im->path);
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	b = basename(buf);
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t bl = strlen(b), el = strlen(exts[i]);

		if (bl > el && strcmp(b + bl - el, exts[i]) == 0) {
			b[bl - el] = '\0';
			break;
		}
	}
	for (char *p = b; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		      *p == '-'))
			*p = '-';
	}
	if (img_ref_parse(b, &im->derived, &ignore) == 0)
		im->have_derived = true;
}

static int import_locked(struct imp *im, struct img_import_result *res)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *tmp = NULL;
	struct stat st;
	enum src_kind kind;
	int r;

	fd = open(im->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0)
		return rt_err_set(im->err, errno, "%s", im->path);
	if (S_ISDIR(st.st_mode)) {
		if (faccessat(fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
		    faccessat(fd, "index.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return import_oci(im, fd, "oci-layout", res);
		if (faccessat(fd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			return import_docker(im, fd, res);
		return rt_err_msg(im->err, EINVAL,
				  "%s: neither an OCI image layout nor a docker-archive directory", im->path);
	}
	if (!S_ISREG(st.st_mode))
		return rt_err_msg(im->err, EINVAL, "%s: not a file or directory", im->path);
	fcntl(fd, F_SETFL, 0);
	r = detect_file(im, fd, &kind);
	if (r < 0)
		return r;
	if (kind == SRC_ROOTFS)
		return import_rootfs(im, fd, res);

	/* archives: extract the plain files to a scratch dir, then read it as a directory */
	{
		_cleanup_close_ int tfd = -EBADF;
		struct img_unpack_opts uo = { .flags = IMG_UNPACK_PLAIN,
					      .max_entries = OUTER_MAX_ENTRIES,
					      .expect_size = -1 };

		r = img_store_mktemp(im->s, "src-", &tmp, &tfd, im->err);
		if (r < 0)
			return r;
		r = img_unpack(fd, tfd, &uo, NULL, im->err);
		if (r < 0)
			r = rt_err_prefix(im->err, "%s", im->path);
		else if (kind == SRC_OCI)
			r = import_oci(im, tfd, "oci-archive", res);
		else
			r = import_docker(im, tfd, res);
	}
	img_rm_rf_at(im->s->rootfd, tmp);
	return r;
}

int img_import(const char *image_root, const char *path, const char *name, const struct img_import_opts *opts,
	       struct img_import_result *ret, struct rt_err *err)
{
	struct img_import_result res = { 0 };
	struct img_ref want;
	struct imp im = { .o = opts, .err = err, .path = path };
	struct rt_err ignore;
	int r;

	if (name) {
		r = img_ref_parse(name, &want, err);
		if (r < 0)
			return r;
		im.want = &want;
	}
	r = img_store_open(image_root, true, IMG_LOCK_EXCLUSIVE, &im.s, err);
	if (r < 0)
		return r;
	/* we hold the lock: whatever is in tmp/ is a crashed import's */
	r = img_store_clean_tmp(im.s, err);
	if (r >= 0) {
		derive_name(&im);
		r = import_locked(&im, &res);
	}
	if (r < 0)
		img_store_gc(im.s, &ignore); /* drop layers this import committed */
	img_store_close(im.s);
	if (r >= 0 && ret)
		*ret = res;
	return r;
}
