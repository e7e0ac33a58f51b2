#!/usr/bin/env bash
# fetch-kernel.sh: put Debian's amd64 kernel into tests/vm/cache/ (never into /boot).
#
# Result:  cache/kernel/        the package unpacked with dpkg -x (boot/, lib/modules/VERSION/)
#          cache/vmlinux        the uncompressed ELF kernel (qemu boots it through PVH)
#          cache/kernel.stamp   "<hash of this script and the extractor> <package>" when complete
# A complete cache is reused without asking apt anything, so later runs work offline.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${VM_CACHE:-$here/cache}
mkdir -p "$cache"

key=$(cat "$here/fetch-kernel.sh" "$here/extract-vmlinux.sh" | sha256sum | cut -c1-16)
if [ -f "$cache/kernel.stamp" ] && [ "$(cut -d' ' -f1 "$cache/kernel.stamp")" = "$key" ] &&
	[ -f "$cache/vmlinux" ]; then
	exit 0
fi

# linux-image-amd64 is a metapackage; the kernel is its linux-image-<abi>-amd64 dependency.
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
}
pkg=$(resolve)
if [ -z "$pkg" ]; then
	apt-get update -q >/dev/null
	pkg=$(resolve)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64's kernel package" >&2; exit 1; }

echo "fetch-kernel: $pkg" >&2
rm -rf "$cache/kernel" "$cache/vmlinux" "$cache/kernel.stamp" "$cache/deb"
mkdir -p "$cache/deb"
# apt drops privileges to _apt for the download; give it a directory it may write.
chown _apt "$cache/deb" 2>/dev/null || true
(cd "$cache/deb" && apt-get download -q "$pkg" >/dev/null)
deb=$(ls "$cache/deb"/"$pkg"_*.deb)
dpkg -x "$deb" "$cache/kernel"
rm -rf "$cache/deb"

version=$(ls "$cache/kernel/lib/modules")
[ "$(echo "$version" | wc -l)" -eq 1 ] || { echo "fetch-kernel: expected one module tree" >&2; exit 1; }
moddir="$cache/kernel/lib/modules/$version"

# Newer Debian kernels ship compressed modules; busybox's insmod/modprobe want them plain.
find "$moddir" -name '*.ko.xz' -exec xz -d {} +
find "$moddir" -name '*.ko.zst' -exec zstd -dq --rm {} +
# The package has no modules.dep (depmod runs at install time): make one for the guest's
# busybox modprobe and for mkinitramfs.sh's dependency order.
busybox depmod -b "$cache/kernel" "$version"

"$here/extract-vmlinux.sh" "$cache/kernel/boot/vmlinuz-$version" "$cache/vmlinux"
echo "$key $pkg $version" >"$cache/kernel.stamp"
