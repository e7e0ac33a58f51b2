#!/usr/bin/env bash
# Build the test images with tar, gzip, zstd, sha256sum and jq only (no registry):
#   layer 1: busybox (/bin/busybox + applet symlinks), /etc/passwd with user app,
#            /etc/deleteme, /opq/{old1,old2}, /keep/a
#   layer 2: whiteout of /etc/deleteme, /opq made opaque with /opq/new
#   layer 3: /data/orig, /data/hl (hardlink), /data/sl -> orig, /data/abs -> /bin/busybox
# Output in OUT:
#   l1.tar l2.tar l3.tar       the layer tars (uncompressed)
#   oci/                       OCI layout (layer 1 gzip, 2 zstd, 3 plain), tag "multi"
#   oci.tar                    the same as an oci-archive
#   docker.tar                 docker-archive (docker save layout), RepoTags capsa-test/multi:docker
#   rootfs.tar.gz              layer 1 as a plain rootfs tarball
#   oci-index/                 OCI layout whose index.json points at a manifest list (arm64 + amd64)
# Usage: mkimage.sh OUT
set -euo pipefail
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
busybox=$(command -v busybox || echo /bin/busybox)
TAR=(tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=2020-01-01 --format=pax --pax-option=delete=atime,delete=ctime)

# layer 1
r=$work/l1; mkdir -p "$r"/{bin,etc,opq,keep,tmp,root,home/app}
cp "$busybox" "$r/bin/busybox"
for a in $("$busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$r/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345:app:/home/app:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\napp:x:2345:\nextra:x:3456:app\n' >"$r/etc/group"
echo "delete me" >"$r/etc/deleteme"
echo old1 >"$r/opq/old1"; echo old2 >"$r/opq/old2"; echo a >"$r/keep/a"
chmod 1777 "$r/tmp"
"${TAR[@]}" -C "$r" -cf "$out/l1.tar" .

# layer 2: whiteout + opaque dir
r=$work/l2; mkdir -p "$r"/{etc,opq}
: >"$r/etc/.wh.deleteme"
: >"$r/opq/.wh..wh..opq"
echo new >"$r/opq/new"
"${TAR[@]}" -C "$r" -cf "$out/l2.tar" .

# layer 3: hardlink + symlinks + a fifo
r=$work/l3; mkdir -p "$r/data"
echo original >"$r/data/orig"
chmod 0640 "$r/data/orig"
ln "$r/data/orig" "$r/data/hl"
ln -s orig "$r/data/sl"
ln -s /bin/busybox "$r/data/abs"
mkfifo "$r/data/fifo"
"${TAR[@]}" -C "$r" -cf "$out/l3.tar" .

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# put FILE into the layout's blobs, print its hex
blob() {
	local h; h=$(sha "$2")
	mkdir -p "$1/blobs/sha256"
	cp "$2" "$1/blobs/sha256/$h"
	echo "$h"
}

config_json() { # diff ids...
	jq -n --arg created 2020-01-01T00:00:00Z '{
	  architecture: "amd64", os: "linux", created: $created,
	  config: { Entrypoint: ["/bin/sh", "-c"], Cmd: ["echo hello from the image"],
	            Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "IMAGE_VAR=image", "SHARED=image"],
	            WorkingDir: "/data", User: "app" },
	  rootfs: { type: "layers", diff_ids: [$ARGS.positional[] | "sha256:" + .] },
	  history: [ { created: $created, created_by: "tests/image/mkimage.sh" } ] }' --args "$@"
}

# OCI layout with layers gzip / zstd / plain
oci=$out/oci; rm -rf "$oci"; mkdir -p "$oci"
gzip -n -c "$out/l1.tar" >"$work/l1.tar.gz"
zstd -q -c "$out/l2.tar" >"$work/l2.tar.zst"
config_json "$(sha "$out/l1.tar")" "$(sha "$out/l2.tar")" "$(sha "$out/l3.tar")" >"$work/config.json"
c=$(blob "$oci" "$work/config.json")
l1=$(blob "$oci" "$work/l1.tar.gz"); l2=$(blob "$oci" "$work/l2.tar.zst"); l3=$(blob "$oci" "$out/l3.tar")
jq -n --arg c "$c" --argjson cs "$(size "$work/config.json")" \
	--arg l1 "$l1" --argjson s1 "$(size "$work/l1.tar.gz")" \
	--arg l2 "$l2" --argjson s2 "$(size "$work/l2.tar.zst")" \
	--arg l3 "$l3" --argjson s3 "$(size "$out/l3.tar")" '{
	schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
	config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: ("sha256:" + $c), size: $cs },
	layers: [
	  { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: ("sha256:" + $l1), size: $s1 },
	  { mediaType: "application/vnd.oci.image.layer.v1.tar+zstd", digest: ("sha256:" + $l2), size: $s2 },
	  { mediaType: "application/vnd.oci.image.layer.v1.tar", digest: ("sha256:" + $l3), size: $s3 } ] }' >"$work/manifest.json"
m=$(blob "$oci" "$work/manifest.json")
echo '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
jq -n --arg m "$m" --argjson ms "$(size "$work/manifest.json")" '{ schemaVersion: 2, manifests: [
	{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: ("sha256:" + $m), size: $ms,
	  annotations: { "org.opencontainers.image.ref.name": "multi" } } ] }' >"$oci/index.json"
tar -C "$oci" -cf "$out/oci.tar" .

# OCI layout whose index points at a manifest list with two platforms
idx=$out/oci-index; rm -rf "$idx"; cp -r "$oci" "$idx"
jq -n --arg m "$m" --argjson ms "$(size "$work/manifest.json")" '{ schemaVersion: 2,
	mediaType: "application/vnd.oci.image.index.v1+json", manifests: [
	{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: ("sha256:" + "0000000000000000000000000000000000000000000000000000000000000000"), size: 1,
	  platform: { architecture: "arm64", os: "linux" } },
	{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: ("sha256:" + $m), size: $ms,
	  platform: { architecture: "amd64", os: "linux" } } ] }' >"$work/list.json"
li=$(blob "$idx" "$work/list.json")
jq -n --arg li "$li" --argjson s "$(size "$work/list.json")" '{ schemaVersion: 2, manifests: [
	{ mediaType: "application/vnd.oci.image.index.v1+json", digest: ("sha256:" + $li), size: $s,
	  annotations: { "io.containerd.image.name": "capsa-test/indexed:v1" } } ] }' >"$idx/index.json"

# docker-archive (docker save / podman save layout, uncompressed layer tars)
d=$work/docker; mkdir -p "$d"
ch=$(sha "$work/config.json"); cp "$work/config.json" "$d/$ch.json"
layers=()
for l in l1 l2 l3; do
	h=$(sha "$out/$l.tar"); mkdir -p "$d/$h"; cp "$out/$l.tar" "$d/$h/layer.tar"; layers+=("$h/layer.tar")
done
jq -n --arg c "$ch.json" '[{ Config: $c, RepoTags: ["capsa-test/multi:docker"], Layers: $ARGS.positional }]' \
	--args "${layers[@]}" >"$d/manifest.json"
tar -C "$d" -cf "$out/docker.tar" .

# plain rootfs tarball
gzip -n -c "$out/l1.tar" >"$out/rootfs.tar.gz"
