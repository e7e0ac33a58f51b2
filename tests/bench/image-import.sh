#!/usr/bin/env bash
# Benchmark: `capsa image import` of a multi-layer OCI image vs `umoci unpack`
# of the same image (both end with the layers unpacked on disk; capsa keeps
# one dir per layer, umoci flattens into one rootfs), with hyperfine.
# When `capsa run --image` works, also container start from the image vs
# from a plain bundle.
# Usage: tests/bench/image-import.sh [CAPSA]   (root; needs hyperfine, umoci)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CAPSA=$(realpath "${1:-$repo/${BUILD:-build}/capsa}")
RUNS=${RUNS:-10}
for t in hyperfine umoci jq; do
	command -v "$t" >/dev/null || { echo "image-import bench: $t not installed" >&2; exit 1; }
done
work=$(mktemp -d /tmp/capsa-bench-image.XXXXXX)
trap 'rm -rf "$work"' EXIT

# a 6-layer image: busybox base, 5000 small files, a 32 MB file, a deep tree,
# a whiteout layer, symlinks and hardlinks
"$repo/tests/image/mkimage.sh" "$work/base" >/dev/null
mk_layer() { # N: build $work/L$N from $work/r$N
	tar --numeric-owner --owner=0 --group=0 --sort=name -C "$work/r$1" -cf - . | gzip -n -1 >"$work/L$1.tar.gz"
}
mkdir -p "$work/r2/usr/share/files" "$work/r3/opt" "$work/r4" "$work/r5/etc" "$work/r6/links"
for i in $(seq 1 5000); do echo "file $i" >"$work/r2/usr/share/files/f$i"; done
head -c 32M /dev/urandom >"$work/r3/opt/blob"
d=$work/r4; for i in $(seq 1 40); do d=$d/level$i; mkdir -p "$d"; for j in 1 2 3 4 5; do echo "$i.$j" >"$d/f$j"; done; done
: >"$work/r5/etc/.wh.deleteme"
for i in $(seq 1 500); do ln -s "../usr/share/files/f$i" "$work/r6/links/s$i"; echo "$i" >"$work/r6/links/h$i"; ln "$work/r6/links/h$i" "$work/r6/links/l$i"; done
cp "$work/base/l1.tar" "$work/r1.tar"; gzip -n -1 -c "$work/r1.tar" >"$work/L1.tar.gz"
for n in 2 3 4 5 6; do mk_layer $n; done

oci=$work/oci
mkdir -p "$oci/blobs/sha256"
blob() { local h; h=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$oci/blobs/sha256/$h"; echo "$h"; }
diffs=() layers=()
for n in 1 2 3 4 5 6; do
	diffs+=("sha256:$(gzip -dc "$work/L$n.tar.gz" | sha256sum | cut -d' ' -f1)")
	h=$(blob "$work/L$n.tar.gz")
	layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$h\",\"size\":$(stat -c %s "$work/L$n.tar.gz")}")
done
jq -n '{architecture:"amd64", os:"linux", config:{Cmd:["/bin/sh"]}, rootfs:{type:"layers", diff_ids:$ARGS.positional}}' \
	--args "${diffs[@]}" >"$work/config.json"
c=$(blob "$work/config.json")
printf '%s\n' "${layers[@]}" | jq -s --arg c "$c" --argjson cs "$(stat -c %s "$work/config.json")" '{schemaVersion:2,
	mediaType:"application/vnd.oci.image.manifest.v1+json",
	config:{mediaType:"application/vnd.oci.image.config.v1+json", digest:("sha256:"+$c), size:$cs}, layers:.}' >"$work/manifest.json"
m=$(blob "$work/manifest.json")
echo '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
jq -n --arg m "$m" --argjson s "$(stat -c %s "$work/manifest.json")" '{schemaVersion:2, manifests:[{
	mediaType:"application/vnd.oci.image.manifest.v1+json", digest:("sha256:"+$m), size:$s,
	annotations:{"org.opencontainers.image.ref.name":"bench"}}]}' >"$oci/index.json"
tar -C "$oci" -cf "$work/bench.oci.tar" .
echo "# image: 6 layers, $(du -sh "$oci" | cut -f1) compressed"

hyperfine -N --runs "$RUNS" --export-markdown "$work/import.md" \
	--prepare "rm -rf $work/store $work/bundle" \
	-n "capsa image import (OCI layout)" "$CAPSA --image-root $work/store image import -q $oci bench" \
	-n "capsa image import (oci-archive)" "$CAPSA --image-root $work/store image import -q $work/bench.oci.tar bench" \
	-n "umoci unpack (OCI layout)" "umoci unpack --image $oci:bench $work/bundle"
cat "$work/import.md"

if "$CAPSA" run --help 2>&1 | grep -q -- '--image' &&
	"$CAPSA" --image-root "$work/store" image import -q "$oci" bench >/dev/null; then
	mkdir -p "$work/plain/rootfs"
	tar -C "$work/plain/rootfs" -xf "$work/base/l1.tar"
	"$CAPSA" spec --help >/dev/null 2>&1 && (cd "$work/plain" && "$CAPSA" spec >/dev/null 2>&1) || true
	if [ -f "$work/plain/config.json" ]; then
		jq '.process.args=["/bin/true"] | .process.terminal=false' "$work/plain/config.json" >"$work/plain/c.json" &&
			mv "$work/plain/c.json" "$work/plain/config.json"
		if "$CAPSA" --root "$work/state" --image-root "$work/store" run --image bench "$work/plain/config.json" benchprobe >/dev/null 2>&1; then
			hyperfine -N --runs "$RUNS" \
				-n "capsa run (plain bundle)" "$CAPSA --root $work/state run $work/plain/config.json" \
				-n "capsa run --image (overlay)" "$CAPSA --root $work/state --image-root $work/store run --image bench $work/plain/config.json"
		else
			echo "# capsa run --image not working yet: start benchmark skipped"
		fi
	fi
fi
