#!/usr/bin/env bash
# extract-vmlinux.sh BZIMAGE OUT: write the uncompressed ELF kernel inside an x86 bzImage to OUT.
#
# Booting the ELF directly (qemu -kernel with a PVH note) skips the in-guest decompression,
# which costs 4-5 s under software emulation.  The x86 boot protocol (>= 2.08) says where the
# payload is: setup_sects at 0x1f1 gives the size of the real-mode part, payload_offset (0x248)
# and payload_length (0x24c) locate the compressed kernel inside the protected-mode part.  The
# format is recognised by its magic; the result must be an ELF file or we fail.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 BZIMAGE OUT" >&2; exit 2; }
img=$1 out=$2

u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }

[ "$(od -An -c -j $((0x202)) -N4 "$img" | tr -d ' ')" = HdrS ] || {
	echo "$img: not a bzImage (no HdrS signature)" >&2
	exit 1
}
setup_sects=$(u8 "$img" $((0x1f1)))
[ "$setup_sects" -eq 0 ] && setup_sects=4
pm_start=$(((setup_sects + 1) * 512))
payload_offset=$(u32 "$img" $((0x248)))
payload_length=$(u32 "$img" $((0x24c)))
start=$((pm_start + payload_offset))

magic=$(od -An -tx1 -j "$start" -N6 "$img" | tr -d ' \n')
case $magic in
fd377a585a00) dec=(xz -dc --single-stream) ;;
28b52ffd*) dec=(zstd -dcq) ;;
1f8b*) dec=(gzip -dc) ;;
*)
	echo "$img: unknown payload format (magic $magic at $start)" >&2
	exit 1
	;;
esac

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
# The payload is followed by the decompressed size (4 bytes) for some formats; only feed the
# exact payload so every decompressor sees a clean stream.
dd if="$img" bs=64k iflag=skip_bytes,count_bytes skip="$start" count="$payload_length" status=none |
	"${dec[@]}" >"$tmp"
[ "$(od -An -c -N4 "$tmp" | tr -d ' ')" = 177ELF ] || {
	echo "$img: the decompressed payload is not an ELF file" >&2
	exit 1
}
mv "$tmp" "$out"
trap - EXIT
