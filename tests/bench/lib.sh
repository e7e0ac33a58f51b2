# What tests/bench/run.sh and compare.sh share: one private mount namespace
# for every runtime, and a scratch dir whose state/ is a tmpfs.  Sourced.

# bench_enter_ns SCRIPT ARGS...: run SCRIPT again in a private mount
# namespace (once: BENCH_IN_NS marks the second time), so that what follows
# changes no mount of the host.
bench_enter_ns() {
	[ -n "${BENCH_IN_NS:-}" ] && return 0
	exec unshare -m --propagation private env BENCH_IN_NS=1 "$@"
}

# bench_scratch_cgroup2: crun 1.8 refuses this hybrid host while cgroup2 is
# mounted at /sys/fs/cgroup/unified, and in v1 mode still makes a dir per
# container there: a scratch tmpfs in its place catches them (in the
# namespace only, gone with it).
bench_scratch_cgroup2() {
	mountpoint -q /sys/fs/cgroup/unified || return 0
	umount /sys/fs/cgroup/unified && mount -t tmpfs -o size=64m bench-scratch /sys/fs/cgroup/unified || {
		echo "bench: cannot replace /sys/fs/cgroup/unified in the private namespace" >&2
		exit 1
	}
}

# bench_workdir NAME: W, a scratch dir /tmp/NAME.XXXXXX with state/ on a
# tmpfs (the runtimes' --root dirs: their defaults, /run/..., are tmpfs too,
# and their writes are not to be timed on /tmp's journal).
bench_workdir() {
	W=$(mktemp -d "/tmp/$1.XXXXXX") && chmod 0755 "$W" || exit 1
	mkdir "$W/state" && mount -t tmpfs -o mode=0700 bench-state "$W/state" || exit 1
}

# bench_workdir_remove: undo bench_workdir.
bench_workdir_remove() {
	umount "$W/state" 2>/dev/null
	rm -rf "$W"
}

# bench_cold_page_cache FILE...: drop the page cache of the binaries under
# test (written back first), so that every one starts as after a boot: read
# from disk, in small folios.  How a file was last written changes what its
# page cache holds, and so what each of its page faults costs: the same
# capsa bytes run ~0.25 ms faster here just after `cp` (large folios: each
# fault maps a folio at once) than as ld wrote them or as read from disk
# (Session 8).  Pages some process still maps stay.
bench_cold_page_cache() {
	local f
	for f in "$@"; do
		f=$(readlink -f "$f") && [ -f "$f" ] || continue
		sync "$f" 2>/dev/null
		dd if="$f" iflag=nocache count=0 status=none 2>/dev/null
	done
}
