/* `capsa image import`: bring an image into the store from
 *  - an OCI image layout directory (oci-layout + index.json + blobs/),
 *  - an oci-archive (that layout as a tar),
 *  - a docker-archive (manifest.json + config + layer tars: docker/podman save),
 *  - a plain rootfs tarball (one layer, like `podman import`).
 * Manifest lists pick linux/amd64.  Layers may be plain tar, gzip, zstd, xz
 * or bzip2 (libarchive detects which); their media type must be one of the
 * OCI/docker layer types, anything else is refused as unsupported.  Every blob is checked against its digest
 * (and size) while streaming, every layer against its diff id.  The store is
 * locked exclusively for the import; on failure everything the import added
 * is removed again. */
#ifndef CAPSA_IMAGE_IMPORT_H
#define CAPSA_IMAGE_IMPORT_H

#include <stdint.h>

#include "names.h"

struct img_import_opts {
	/* Called while layers stream in: layer i of n (1-based), bytes of this
	 * layer read so far and its size (0 if unknown).  done is set once per
	 * layer at its end, and for layers already in the store. */
	void (*progress)(void *userdata, unsigned i, unsigned n, uint64_t bytes, uint64_t size, int done);
	void *userdata;
	uint64_t max_entries; /* per layer; 0: the unpacker's default */
};

struct img_import_result {
	char id[IMG_DIGEST_HEX_LEN + 1];
	char ref[IMG_NAME_MAX + IMG_TAG_MAX + 2]; /* "name:tag" it was tagged as */
	const char *format; /* "oci-layout", "oci-archive", "docker-archive", "rootfs" */
	unsigned n_layers;
};

/* Import path into the store at image_root, tagging it name (NAME[:TAG]) or,
 * when name is NULL, the name the archive carries, or one made from the file
 * name.  ret may be NULL. */
int img_import(const char *image_root, const char *path, const char *name, const struct img_import_opts *opts,
	       struct img_import_result *ret, struct rt_err *err);

#endif
