#!/usr/bin/env bash
# Build the busybox test image in every format the tests and clients need.
#
#   tests/images/build.sh OUTDIR
#
# OUTDIR gets:
#   rootfs/               busybox-static with one symlink per applet, passwd/group
#   busybox-rootfs.tar    that tree as a tarball (numeric owners 0:0, sorted, fixed mtime)
#   oci/                  an OCI image layout (umoci), tag "busybox"
#   busybox-oci.tar       oci-archive, ref localhost/busybox:latest (ctr image import, podman load)
#   busybox-docker.tar    docker-archive, localhost/busybox:latest (docker load)
# The image config: CMD /bin/sh, PATH, workdir /, amd64/linux.
# Cached: nothing is rebuilt when every output is newer than this script and
# the busybox binary.  The tar is reproducible, so the layer digest is stable.
# Needs Debian packages busybox-static, umoci, skopeo.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1
busybox=${BUSYBOX:-/bin/busybox}
self=$(readlink -f "$0")
ref=localhost/busybox:latest

for tool in umoci skopeo tar; do
	command -v "$tool" >/dev/null || {
		echo "$0: $tool not found: install it (make deps)" >&2
		exit 1
	}
done
if [ ! -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
	echo "$0: $busybox is missing or not static: install busybox-static" >&2
	exit 1
fi

outputs=(busybox-rootfs.tar oci/index.json busybox-oci.tar busybox-docker.tar)
uptodate() {
	local f
	for f in "${outputs[@]}"; do
		[ -e "$out/$f" ] && [ "$out/$f" -nt "$self" ] && [ "$out/$f" -nt "$busybox" ] || return 1
	done
}
mkdir -p "$out"
# Concurrent callers (several suites at once) wait for each other.
exec 9>"$out/.lock"
flock 9
if uptodate; then
	exit 0
fi

# Build everything in a temp dir inside OUTDIR, then move into place.
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1. rootfs
r=$tmp/rootfs
mkdir -p "$r"
for d in bin sbin usr/bin usr/sbin etc proc sys dev tmp root var/run run; do
	mkdir -p "$r/$d"
done
chmod 1777 "$r/tmp"
cp "$busybox" "$r/bin/busybox"
"$busybox" --list-full | while read -r a; do
	[ "$a" = bin/busybox ] && continue
	mkdir -p "$r/$(dirname "$a")"
	ln -sf /bin/busybox "$r/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
: >"$r/etc/hosts"
: >"$r/etc/resolv.conf"
: >"$r/etc/hostname"

# 2. tarball
tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 \
	-C "$r" -cf "$tmp/busybox-rootfs.tar" .

# 3. OCI layout
(
	cd "$tmp"
	umoci init --layout oci
	umoci new --image oci:busybox
	umoci raw add-layer --image oci:busybox busybox-rootfs.tar
	umoci config --image oci:busybox --config.cmd /bin/sh \
		--config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		--config.workingdir / --architecture amd64 --os linux \
		--created 1970-01-01T00:00:00Z --history.created 1970-01-01T00:00:00Z
	# 4. single-file archives
	skopeo copy -q oci:oci:busybox "oci-archive:busybox-oci.tar:$ref"
	skopeo copy -q oci:oci:busybox "docker-archive:busybox-docker.tar:$ref"
) >/dev/null

rm -rf "$out/rootfs" "$out/oci"
mv "$tmp/rootfs" "$tmp/oci" "$out/"
mv "$tmp/busybox-rootfs.tar" "$tmp/busybox-oci.tar" "$tmp/busybox-docker.tar" "$out/"
echo "images: built $out (ref $ref)"
