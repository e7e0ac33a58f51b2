#!/usr/bin/env bash
# mkinitramfs.sh: build tests/vm/cache/initramfs.cpio, the guest's first userspace.
#
# Contents (cpio newc, uncompressed: the guest would only spend emulated cycles unpacking it):
#   /init                   stage 1 (tests/vm/init): load the 9p modules, switch_root to a tmpfs
#   /vm/init2               stage 2 (tests/vm/init2): mounts, cgroup2, run the command, power off
#   /vm/bin/                busybox-static and one symlink per applet
#   /vm/modules/*.ko, order the virtio/9p/overlay modules and their load order (from modules.dep)
#   /vm/rootlinks           the host's top-level symlinks (merged /usr: bin -> usr/bin, ...)
# Rebuilt when any of those scripts, busybox or the kernel changes (cache/initramfs.stamp).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${VM_CACHE:-$here/cache}

"$here/fetch-kernel.sh"
read -r _ _ kver <"$cache/kernel.stamp"
moddir="$cache/kernel/lib/modules/$kver"
busybox=$(command -v busybox)

key=$(
	{
		cat "$here/mkinitramfs.sh" "$here/init" "$here/init2" "$cache/kernel.stamp"
		sha256sum "$busybox"
	} | sha256sum | cut -c1-16
)
if [ -f "$cache/initramfs.stamp" ] && [ "$(cat "$cache/initramfs.stamp")" = "$key" ] &&
	[ -f "$cache/initramfs.cpio" ]; then
	exit 0
fi
file "$busybox" 2>/dev/null | grep -q 'dynamically linked' && {
	echo "mkinitramfs: $busybox is not static (install busybox-static)" >&2
	exit 1
}

stage=$(mktemp -d "$cache/initramfs.XXXXXX")
trap 'rm -rf "$stage" "$stage.cpio"' EXIT
mkdir -p "$stage"/{vm/bin,vm/modules,proc,sys,dev,newroot}
install -m 0755 "$busybox" "$stage/vm/bin/busybox"
for applet in $(busybox --list); do
	[ "$applet" = busybox ] || ln -s busybox "$stage/vm/bin/$applet"
done
install -m 0755 "$here/init" "$stage/init"
install -m 0755 "$here/init2" "$stage/vm/init2"

# Top-level symlinks of the host, recreated in the guest root so /lib64/ld-linux-x86-64.so.2
# and friends resolve into the shared /usr.
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then
		echo "$d $(readlink "/$d")"
	elif [ -e "/$d" ]; then
		echo "mkinitramfs: /$d is a directory; the guest needs a merged-/usr host" >&2
		exit 1
	fi
done >"$stage/vm/rootlinks"

# Modules in dependency order: each one after everything modules.dep says it needs.  A module
# that is built into this kernel (modules.builtin) needs no loading.
declare -A deps=() path=() seen=()
while IFS= read -r line; do
	mod=${line%%:*}
	name=${mod##*/}
	name=${name%.ko}
	path[$name]=$mod
	deps[$name]=${line#*:}
done <"$moddir/modules.dep"
order=()
want() {
	local name=$1 d
	[ -n "${seen[$name]:-}" ] && return 0
	if [ -z "${path[$name]:-}" ]; then
		grep -q "/$name\.ko$" "$moddir/modules.builtin" && { seen[$name]=1; return 0; }
		echo "mkinitramfs: module $name is neither in modules.dep nor built in" >&2
		exit 1
	fi
	for d in ${deps[$name]}; do
		d=${d##*/}
		want "${d%.ko}"
	done
	seen[$name]=1
	order+=("$name")
}
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
	9pnet 9pnet_virtio netfs fscache 9p overlay; do
	want "$m"
done
for m in "${order[@]}"; do
	cp "$moddir/${path[$m]}" "$stage/vm/modules/$m.ko"
done
printf '%s\n' "${order[@]}" >"$stage/vm/modules/order"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) \
	>"$stage.cpio"
mv "$stage.cpio" "$cache/initramfs.cpio"
echo "$key" >"$cache/initramfs.stamp"
