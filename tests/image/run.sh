#!/usr/bin/env bash
# The image suite: builds its test images, then checks import of every
# format, the layer contents, the overlay rootfs API, rm/prune, crash
# recovery, the malicious corpus and round trips through skopeo and podman.
# Usage: tests/image/run.sh [CAPSA]   (default: $BUILD/capsa, BUILD=build)
# Needs root.  Prints "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
CAPSA=$(realpath "${1:-$repo/${BUILD:-build}/capsa}")
build=$(dirname "$CAPSA")
[ -x "$CAPSA" ] || { echo "image tests: $CAPSA not built" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "image tests: need root" >&2; exit 1; }

work=$(mktemp -d /tmp/capsa-image-test.XXXXXX)
cleanup() {
	# the mount tests run in private mount namespaces; this is a safety net
	grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf "$work"
}
trap cleanup EXIT
pass=0 failed=0 failures=()

# t NAME CMD...: run one test, its output shown only on failure
t() {
	local name=$1
	shift
	if "$@" >"$work/log" 2>&1; then
		pass=$((pass + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "not ok - $name"
		sed 's/^/#   /' "$work/log" | tail -n 30
	fi
}
die() { echo "$*" >&2; return 1; }
capsa() { "$CAPSA" --image-root "$store" "$@"; }

echo "# building test images"
"$here/mkimage.sh" "$work/img" >/dev/null || { echo "mkimage.sh failed" >&2; exit 1; }
img=$work/img
cc -std=gnu11 -D_GNU_SOURCE -O1 -g ${IMGTOOL_CFLAGS:-} -Wall -Wextra -Werror -I"$repo" -I"$repo/runtime" -o "$work/imgtool" \
	"$here/imgtool.c" "$build/libcapsa.a" $(pkg-config --libs jansson libseccomp libcap libbpf libarchive nettle libmnl libnftnl) ||
	{ echo "imgtool build failed" >&2; exit 1; }
imgtool=$work/imgtool

# ---------------------------------------------------------------- unpacker
check_layers() { # DIR1 DIR2 DIR3: the three unpacked test layers
	local l1=$1 l2=$2 l3=$3
	[ -x "$l1/bin/busybox" ] || die "busybox missing"
	[ "$(readlink "$l1/bin/sh")" = busybox ] || die "bin/sh symlink wrong"
	[ "$(stat -c %a "$l1/tmp")" = 1777 ] || die "tmp mode $(stat -c %a "$l1/tmp")"
	[ "$(stat -c %Y "$l1/etc/passwd")" = "$(date -d 2020-01-01 +%s)" ] || die "mtime not restored"
	[ "$(stat -c %Y "$l1/etc")" = "$(date -d 2020-01-01 +%s)" ] || die "dir mtime not restored"
	[ "$(stat -c '%F %t:%T %u:%g' "$l2/etc/deleteme")" = "character special file 0:0 0:0" ] ||
		die "whiteout: $(stat -c '%F %t:%T %u:%g' "$l2/etc/deleteme")"
	[ ! -e "$l2/etc/.wh.deleteme" ] || die ".wh. file left"
	[ ! -e "$l2/opq/.wh..wh..opq" ] || die ".wh..wh..opq file left"
	[ "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$l2/opq")" = y ] ||
		die "opaque xattr missing"
	[ "$(stat -c %i "$l3/data/orig")" = "$(stat -c %i "$l3/data/hl")" ] || die "hardlink not a hardlink"
	[ "$(stat -c %h "$l3/data/orig")" = 2 ] || die "link count"
	[ "$(stat -c %a "$l3/data/orig")" = 640 ] || die "mode $(stat -c %a "$l3/data/orig")"
	[ "$(readlink "$l3/data/sl")" = orig ] || die "relative symlink"
	[ "$(readlink "$l3/data/abs")" = /bin/busybox ] || die "absolute symlink"
	[ -p "$l3/data/fifo" ] || die "fifo"
}

unpack_all() { # MODE
	local d=$work/unpack-$1
	rm -rf "$d"
	mkdir -p "$d"/{1,2,3}
	for i in 1 2 3; do "$imgtool" unpack "$img/l$i.tar" "$d/$i" "$1" || return 1; done
	check_layers "$d/1" "$d/2" "$d/3"
	rm -rf "$d"
}
t "unpack: layers with openat2" unpack_all openat2
t "unpack: layers with the O_NOFOLLOW walk fallback" unpack_all walk

# ---------------------------------------------------------------- import
store=$work/store
import_formats() {
	local a b c d e
	a=$(capsa image import -q "$img/oci" multi:oci) || return 1
	b=$(capsa image import -q "$img/oci.tar" multi:ocitar) || return 1
	c=$(capsa image import -q "$img/docker.tar") || return 1
	d=$(capsa image import -q "$img/oci-index") || return 1
	e=$(capsa image import -q "$img/rootfs.tar.gz" base) || return 1
	[ "$a" = "$b" ] && [ "$b" = "$c" ] && [ "$c" = "$d" ] || die "ids differ: $a $b $c $d"
	[ "$e" != "$a" ] || die "rootfs id equals the layered one"
	capsa image ls >"$work/ls"
	cat "$work/ls"
	for n in multi:oci multi:ocitar capsa-test/multi:docker capsa-test/indexed:v1 base:latest; do
		grep -q "^$n " "$work/ls" || die "ls misses $n"
	done
	[ "$(ls "$store/layers" | wc -l)" = 3 ] || die "expected 3 layer dirs: $(ls "$store/layers")"
	[ -z "$(ls "$store/tmp")" ] || die "tmp not empty"
}
t "import: OCI layout, oci-archive, docker-archive, manifest list, rootfs tarball" import_formats

store_layers() {
	local id
	id=$(jq -r 'select(.layers|length==3) | .id' "$store"/images/*.json | head -1)
	mapfile -t L < <(jq -r '.layers[]' "$store/images/$id.json")
	check_layers "$store/layers/${L[0]}" "$store/layers/${L[1]}" "$store/layers/${L[2]}"
}
t "import: layer dirs hold whiteouts, opaque dirs, links" store_layers

inspect_cfg() {
	capsa image inspect multi:oci | jq -e '.config.Entrypoint == ["/bin/sh","-c"] and .config.User == "app"' >/dev/null || return 1
	local short
	short=$(capsa image ls -q | head -1 | cut -c1-12)
	capsa image inspect "$short" >/dev/null || die "inspect by short id"
	! capsa image inspect nosuch:image 2>"$work/err" && grep -q "not found" "$work/err"
}
t "inspect: config JSON, by name and short id; unknown name fails" inspect_cfg

bad_names() {
	! capsa image import "$img/oci" 'UPPER:case' 2>/dev/null || die "uppercase accepted"
	! capsa image import "$img/oci" 'a/../b' 2>/dev/null || die "'..' accepted"
	! capsa image import "$img/oci" 'x@sha256:00' 2>/dev/null || die "digest ref accepted"
	! capsa image import "$work/nonexistent" 2>/dev/null || die "missing file accepted"
}
t "import: bad names and paths refused" bad_names

concurrent() {
	local s=$work/conc pids=() rc=0
	for i in 1 2 3 4; do
		"$CAPSA" --image-root "$s" image import -q "$img/oci.tar" "c:$i" >/dev/null &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	[ $rc = 0 ] || die "a concurrent import failed"
	[ "$(ls "$s/layers" | wc -l)" = 3 ] || die "layers: $(ls "$s/layers")"
	[ -z "$(ls "$s/tmp")" ] || die "tmp leftovers"
	[ "$("$CAPSA" --image-root "$s" image ls | grep -c '^c:')" = 4 ] || die "not 4 tags"
}
t "import: four concurrent imports of the same image" concurrent

crash() {
	local s=$work/crash big=$work/big.tar.gz
	mkdir -p "$work/bigroot"
	head -c 64M /dev/urandom >"$work/bigroot/blob"
	for i in $(seq 1 2000); do echo "$i" >"$work/bigroot/f$i"; done
	tar -C "$work/bigroot" -czf "$big" .
	# kill imports at several points; whatever is left must not look valid
	for delay in 0.05 0.2 0.5 1; do
		timeout -s KILL "$delay" "$CAPSA" --image-root "$s" image import -q "$big" big >/dev/null 2>&1
		if [ -d "$s/images" ]; then
			for r in "$s"/images/*.json; do
				[ -e "$r" ] || continue
				for l in $(jq -r '.layers[]' "$r"); do [ -d "$s/layers/$l" ] || die "record $r names missing layer $l"; done
			done
			for l in "$s"/layers/*; do
				[ -e "$l" ] || continue
				[ -e "$l/blob" ] && [ "$(ls "$l" | wc -l)" = 2001 ] || die "incomplete layer $l visible"
			done
		fi
	done
	"$CAPSA" --image-root "$s" image import -q "$work/img/rootfs.tar.gz" after >/dev/null || die "import after crash"
	[ -z "$(ls "$s/tmp")" ] || die "tmp not cleaned by the next import"
	"$CAPSA" --image-root "$s" image prune >/dev/null
	for l in "$s"/layers/*; do
		grep -q "$(basename "$l")" "$s"/images/*.json || die "prune left unreferenced layer $l"
	done
	rm -rf "$work/bigroot" "$big"
}
t "crash: SIGKILL mid-import leaves nothing that looks valid; next import and prune clean up" crash

# ---------------------------------------------------------------- rootfs API
layer_sum() { (cd "$store/layers" && find . -printf '%p %s %m %U:%G %T@ %i\n' | sort | sha256sum); }

mount_check() { # MODE ("" or classic)
	local sd=$work/state-$1 before after
	mkdir -p "$sd"
	before=$(layer_sum)
	unshare -m --propagation private bash -es -- "$imgtool" "$store" "$sd" "$1" "$CAPSA" <<-'EOS'
		imgtool=$1 store=$2 sd=$3 mode=$4 capsa=$5
		fail() { echo "FAIL: $*"; "$imgtool" unmount "$store" c1 "$sd"; exit 1; }
		"$imgtool" mount "$store" multi:oci c1 "$sd" $mode >"$sd/out"
		grep -q "^rootfs=$sd/rootfs$" "$sd/out" || fail "rootfs path"
		grep -q '^entrypoint=/bin/sh|-c$' "$sd/out" || fail "entrypoint"
		grep -q '^user=app$' "$sd/out" || fail "user"
		r=$sd/rootfs
		grep -q " $r .* - overlay " /proc/self/mountinfo || fail "not an overlay"
		[ ! -e "$r/etc/deleteme" ] || fail "whited-out file visible"
		[ -e "$r/etc/passwd" ] || fail "passwd gone"
		[ "$(ls "$r/opq")" = new ] || fail "opaque dir shows: $(ls "$r/opq" | tr '\n' ' ')"
		[ "$(cat "$r/keep/a")" = a ] || fail "lower content"
		[ "$(stat -c %i "$r/data/orig")" = "$(stat -c %i "$r/data/hl")" ] || fail "hardlink"
		[ "$(cat "$r/data/sl")" = original ] || fail "symlink"
		[ -x "$r/bin/busybox" ] && [ "$(readlink "$r/bin/ls")" = busybox ] || fail "busybox"
		chroot "$r" /bin/sh -c 'echo written >/data/new; rm /data/orig; echo x >>/keep/a' || fail "write in chroot"
		[ "$(cat "$sd/upper/data/new")" = written ] || fail "write not in upper"
		[ -c "$sd/upper/data/orig" ] || fail "delete not a whiteout in upper"
		[ "$(cat "$store/containers/c1")" = "$(jq -r 'select(.layers|length==3) | .id' "$store"/images/*.json | head -1)" ] || fail "user record"
		! "$capsa" --image-root "$store" image rm multi:oci 2>"$sd/rmerr" || fail "rm of a used image succeeded"
		grep -q "used by container c1" "$sd/rmerr" || fail "rm message: $(cat "$sd/rmerr")"
		"$imgtool" unmount "$store" c1 "$sd"
		! grep -q " $r " /proc/self/mountinfo || fail "still mounted"
		[ ! -e "$sd/upper" ] && [ ! -e "$sd/work" ] && [ ! -e "$sd/rootfs" ] || fail "state dirs left: $(ls "$sd")"
		[ ! -e "$store/containers/c1" ] || fail "user record left"
		"$imgtool" unmount "$store" c1 "$sd" || fail "second unmount not idempotent"
	EOS
	after=$(layer_sum)
	[ "$before" = "$after" ] || die "layer dirs changed by the container"
	rm -rf "$sd"
}
t "rootfs: overlay via lowerdir+ (merged view, writes to upper, unmount cleans)" mount_check ""
t "rootfs: overlay via classic mount options" mount_check classic

keep_upper() {
	local sd=$work/state-keep
	mkdir -p "$sd"
	unshare -m --propagation private bash -ec "
		'$imgtool' mount '$store' base k1 '$sd' >/dev/null
		echo kept >'$sd/rootfs/kept'
		'$imgtool' unmount '$store' k1 '$sd' keep"
	[ "$(cat "$sd/upper/kept")" = kept ] || die "upper not kept"
	[ ! -e "$store/containers/k1" ] || die "user record left"
	rm -rf "$sd"
}
t "rootfs: unmount with keep leaves the upper dir" keep_upper

mount_errors() {
	local sd=$work/state-err
	mkdir -p "$sd"
	! "$imgtool" mount "$store" nosuch:tag c2 "$sd" 2>"$work/err" || die "mounted an unknown image"
	grep -q "not found" "$work/err" || die "message: $(cat "$work/err")"
	! "$imgtool" mount "$store" base ../evil "$sd" 2>/dev/null || die "bad container id accepted"
	[ -z "$(ls "$sd")" ] && [ ! -e "$store/containers/c2" ] || die "left state behind"
	rm -rf "$sd"
}
t "rootfs: unknown image and bad container id fail cleanly" mount_errors

apply_cfg() {
	local sd=$work/state-apply
	mkdir -p "$sd"
	unshare -m --propagation private bash -ec "
		'$imgtool' mount '$store' multi:oci a1 '$sd' >/dev/null
		trap \"'$imgtool' unmount '$store' a1 '$sd'\" EXIT
		'$imgtool' apply '$sd/rootfs' x app >'$work/apply1'
		'$imgtool' apply '$sd/rootfs' x 1234:0 >'$work/apply2'
		'$imgtool' apply '$sd/rootfs' x app:extra >'$work/apply3'
		! '$imgtool' apply '$sd/rootfs' x nobody 2>'$work/apply4'"
	grep -qx 'args=/bin/sh|-c|echo hi' "$work/apply1" || die "args: $(cat "$work/apply1")"
	grep -qx 'env=SHARED=spec|PATH=/spec|IMAGE_VAR=image' "$work/apply1" || die "env merge"
	grep -qx 'cwd=/data' "$work/apply1" || die "cwd"
	grep -qx 'uid=1234' "$work/apply1" && grep -qx 'gid=2345' "$work/apply1" && grep -qx 'gids=3456' "$work/apply1" || die "user by name"
	grep -qx 'gid=0' "$work/apply2" || die "numeric uid:gid"
	grep -qx 'gid=3456' "$work/apply3" && grep -qx 'gids=' "$work/apply3" || die "user:group"
	grep -q "no such user" "$work/apply4" || die "unknown user message"
	rm -rf "$sd"
}
t "config: Entrypoint+Cmd, Env merge, WorkingDir, User resolved in the rootfs" apply_cfg

# ---------------------------------------------------------------- rm / prune
rm_prune() {
	local s=$work/rmstore
	"$CAPSA" --image-root "$s" image import -q "$img/oci" one:a >/dev/null
	"$CAPSA" --image-root "$s" image import -q "$img/oci" one:b >/dev/null
	"$CAPSA" --image-root "$s" image import -q "$img/rootfs.tar.gz" two >/dev/null
	"$CAPSA" --image-root "$s" image rm one:a >/dev/null
	[ "$(ls "$s/layers" | wc -l)" = 3 ] || die "untag removed layers"
	"$CAPSA" --image-root "$s" image rm one:b >/dev/null
	# the base layer is shared with "two" and stays
	[ "$(ls "$s/layers" | wc -l)" = 1 ] || die "after rm: $(ls "$s/layers")"
	[ "$(ls "$s/images" | wc -l)" = 1 ] || die "record left"
	"$CAPSA" --image-root "$s" image rm two >/dev/null
	[ -z "$(ls "$s/layers")" ] && [ -z "$(ls "$s/blobs/sha256")" ] || die "store not empty"
	! "$CAPSA" --image-root "$s" image rm two 2>/dev/null || die "rm of a missing image succeeded"
	# forced rm of a used image: untagged, kept for the user, pruned afterwards
	"$CAPSA" --image-root "$s" image import -q "$img/oci" three >/dev/null
	id=$(ls "$s/images" | sed 's/.json//')
	echo -n "$id" >"$s/containers/u1"
	"$CAPSA" --image-root "$s" image rm --force three >/dev/null
	[ -e "$s/images/$id.json" ] && [ "$(ls "$s/layers" | wc -l)" = 3 ] || die "forced rm removed layers in use"
	"$CAPSA" --image-root "$s" image prune >/dev/null
	[ -e "$s/images/$id.json" ] || die "prune removed an image in use"
	rm "$s/containers/u1"
	"$CAPSA" --image-root "$s" image prune | grep -q "pruned 1 image" || die "prune count"
	[ -z "$(ls "$s/layers")" ] && [ -z "$(ls "$s/images")" ] || die "prune left content"
}
t "rm and prune: untag, shared layers kept, in-use images kept" rm_prune

# ---------------------------------------------------------------- malicious corpus
canary=$work/canary
mkdir -p "$canary"
echo canary >"$canary/file"
python3 "$here/malicious/gen.py" "$work/mal" "$canary" || { echo "gen.py failed" >&2; exit 1; }
snap() { (cd "$store" && find . -path ./lock -prune -o -printf '%p %s %m %T@\n' | sort | sha256sum); }
host_snap() { (ls -la --time-style=full-iso "$canary"; ls / /tmp /etc | grep -c capsa-escape; sha256sum /etc/passwd) | sha256sum; }
while IFS=$'\t' read -r name expect flags; do
	mal_case() {
		local before hbefore out rc
		before=$(snap)
		hbefore=$(host_snap)
		out=$(cd "$work" && capsa image import $flags "$work/mal/$name" "mal:x" 2>&1)
		rc=$?
		echo "$out"
		[ $rc != 0 ] || die "import succeeded"
		case "$out" in *"$expect"*) ;; *) die "message lacks: $expect" ;; esac
		[ "$(snap)" = "$before" ] || die "store changed"
		[ "$(host_snap)" = "$hbefore" ] || die "host changed"
		[ ! -e "$work/capsa-escape-traversal" ] || die "escaped into the work dir"
	}
	t "malicious: $name" mal_case
done <"$work/mal/cases.tsv"

# ---------------------------------------------------------------- real tools
podman_() {
	podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver vfs \
		--cgroup-manager=cgroupfs --events-backend=file "$@"
}
run_busybox() { # IMAGE: `capsa run --image IMAGE` prints what busybox echoes inside
	local b=$work/rt-bundle out
	rm -rf "$b" && mkdir -p "$b" && (cd "$b" && "$CAPSA" spec >/dev/null) || return 1
	jq '.process.args=["/bin/busybox","echo","ran-in-image"] | .process.terminal=false' "$b/config.json" >"$b/c" &&
		mv "$b/c" "$b/config.json" || return 1
	out=$("$CAPSA" --root "$work/rt-state" --image-root "$store" run --image "$1" "$b/config.json" 2>&1) ||
		die "run --image $1 failed: $out"
	[ "$out" = ran-in-image ] || die "run --image $1 printed: $out"
}
mount_busybox() { # IMAGE: mount it, run busybox in a chroot, unmount
	local sd=$work/state-rt
	mkdir -p "$sd"
	unshare -m --propagation private bash -ec "
		'$imgtool' mount '$store' '$1' rt1 '$sd' >/dev/null
		trap \"'$imgtool' unmount '$store' rt1 '$sd'\" EXIT
		chroot '$sd/rootfs' /bin/busybox true
		[ -e '$sd/rootfs/etc/passwd' ]"
	rm -rf "$sd"
}
if command -v skopeo >/dev/null; then
	skopeo_rt() {
		skopeo copy -q "oci:$img/oci:multi" "oci:$work/sk-oci:copied" || return 1
		capsa image import -q "$work/sk-oci" sk:oci >/dev/null || return 1
		# docker archives cannot hold zstd layers: recompress first
		skopeo copy -q --dest-compress --dest-compress-format gzip "oci:$img/oci:multi" "oci:$work/sk-gz:multi" || return 1
		skopeo copy -q "oci:$work/sk-gz:multi" "docker-archive:$work/sk-docker.tar:sk/docker:v1" || return 1
		capsa image import -q "$work/sk-docker.tar" >/dev/null || return 1
		skopeo copy -q "oci:$img/oci:multi" "oci-archive:$work/sk-oci.tar:v2" || return 1
		capsa image import -q "$work/sk-oci.tar" sk:ociarchive >/dev/null || return 1
		capsa image ls | grep -qE '^(docker.io/)?sk/docker:v1 ' || die "docker-archive name not taken"
		mount_busybox sk:oci && mount_busybox sk/docker:v1 && mount_busybox sk:ociarchive &&
			run_busybox sk:oci && run_busybox sk/docker:v1 && run_busybox sk:ociarchive
	}
	t "round trip: skopeo copy to OCI layout, docker-archive, oci-archive; each imports and runs" skopeo_rt
else
	echo "# skopeo not installed: skipping (tests/packages.txt lists it)"
fi
if command -v podman >/dev/null; then
	podman_rt() {
		podman_ import "$img/rootfs.tar.gz" localhost/pimg:latest >/dev/null || return 1
		podman_ save -q --format oci-archive -o "$work/p-oci.tar" localhost/pimg:latest || return 1
		podman_ save -q --format docker-archive -o "$work/p-docker.tar" localhost/pimg:latest || return 1
		capsa image import -q "$work/p-oci.tar" p:oci >/dev/null || return 1
		capsa image import -q "$work/p-docker.tar" >/dev/null || return 1
		capsa image ls | grep -q '^localhost/pimg:latest ' || die "podman's name not taken: $(capsa image ls)"
		mount_busybox p:oci && mount_busybox localhost/pimg:latest &&
			run_busybox p:oci && run_busybox localhost/pimg:latest
	}
	t "round trip: podman import, save as oci-archive and docker-archive; each imports and runs" podman_rt
	podman_ system reset -f >/dev/null 2>&1 || true
else
	echo "# podman not installed: skipping (tests/packages.txt lists it)"
fi

# ---------------------------------------------------------------- capsa run --image
# only once the run path is wired to image/rootfs.h (the lead's cmd/run.c)
probe_run() {
	local b=$work/probe
	mkdir -p "$b" && (cd "$b" && "$CAPSA" spec) || return 1
	jq '.process.args=["/bin/true"] | .process.terminal=false' "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
	"$CAPSA" --root "$work/probe-state" --image-root "$store" run --image base "$b/config.json" 2>&1
}
if ! command -v bats >/dev/null; then
	echo "# bats not installed: skipping tests/image/run.bats"
elif probe_run >"$work/probe.out"; grep -q "not built into this capsa" "$work/probe.out"; then
	echo "# capsa run --image is not wired yet: skipping tests/image/run.bats"
else
	t "capsa run --image (tests/image/run.bats)" env CAPSA="$CAPSA" IMG="$img" bats "$here/run.bats"
fi

[ -z "$(ls "$store/tmp" 2>/dev/null)" ] || { echo "not ok - store tmp/ not empty at the end"; failed=$((failed + 1)); }
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
