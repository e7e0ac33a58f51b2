#!/bin/sh
# Build a minimal busybox root filesystem for the examples and the tests.
#
#   examples/mkrootfs.sh DIR [PROGRAM...]
#
# DIR gets Debian's static busybox (package busybox-static) with a symlink per
# applet, /etc/passwd and /etc/group (root, nobody, user 1000 "user" with
# supplementary groups), and the empty mount points a container expects.
# Each PROGRAM (e.g. build/helpers/probe, which must be static) is copied into
# DIR/bin.  Idempotent and fast: the tree is built once (a .capsa-rootfs stamp
# marks a finished one) and programs are recopied only when they changed.
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 DIR [PROGRAM...]" >&2
	exit 2
fi
dir=$1
shift

busybox=${BUSYBOX:-/bin/busybox}
if [ ! -x "$busybox" ]; then
	echo "$0: $busybox not found: install Debian's busybox-static (make deps)" >&2
	exit 1
fi
# A dynamically linked busybox would not run in the bare rootfs.
if ldd "$busybox" >/dev/null 2>&1; then
	echo "$0: $busybox is not static: install busybox-static, not busybox" >&2
	exit 1
fi

# Two test runs may start at once: one builds, the other waits.
parent=$(dirname "$dir")
mkdir -p "$parent"
if command -v flock >/dev/null; then
	exec 9>"$parent/.$(basename "$dir").lock"
	flock 9
fi

if [ ! -e "$dir/.capsa-rootfs" ]; then
	# Build in a sibling temp dir and rename, so an interrupted build never
	# leaves a half tree that looks finished.
	tmp=$(mktemp -d "$parent/.rootfs.XXXXXX")
	chmod 0755 "$tmp"
	trap 'rm -rf "$tmp"' EXIT
	for d in bin sbin usr/bin usr/sbin usr/local/bin etc root home/user tmp var/tmp \
		proc sys dev dev/pts dev/shm dev/mqueue sys/fs/cgroup run mnt opt; do
		mkdir -p "$tmp/$d"
	done
	chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
	chmod 0700 "$tmp/root"
	cp "$busybox" "$tmp/bin/busybox"
	# One relative symlink per applet, each in the directory busybox lists
	# it in (bin/sh, usr/bin/env, sbin/ip ...).
	"$busybox" --list-full | while read -r path; do
		[ -e "$tmp/$path" ] || [ -L "$tmp/$path" ] && continue
		case $path in
		bin/*) target=busybox ;;
		sbin/*) target=../bin/busybox ;;
		usr/bin/* | usr/sbin/*) target=../../bin/busybox ;;
		*) continue ;;
		esac
		ln -s "$target" "$tmp/$path"
	done
	cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
EOF
	cat >"$tmp/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
tty:x:5:
audio:x:29:user
video:x:44:user
users:x:100:user
nogroup:x:65534:
user:x:1000:
EOF
	echo capsa >"$tmp/etc/hostname"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$tmp/etc/hosts"
	: >"$tmp/etc/resolv.conf"
	chown -R 1000:1000 "$tmp/home/user"
	touch "$tmp/.capsa-rootfs"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	trap - EXIT
fi

for prog in "$@"; do
	name=$(basename "$prog")
	if ! cmp -s "$prog" "$dir/bin/$name"; then
		# Replace, never rewrite in place: the old file may be running
		# (ETXTBSY) or hard-linked elsewhere.
		cp "$prog" "$dir/bin/.$name.new"
		chmod 0755 "$dir/bin/.$name.new"
		mv -f "$dir/bin/.$name.new" "$dir/bin/$name"
	fi
done
