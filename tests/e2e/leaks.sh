# The leak check of the end-to-end suite (sourced by run.sh).
#
# After every client and daemon is stopped, nothing of ours may remain:
# no process with our scratch dir on its command line or in one of our
# cgroups, no mount under the scratch dir nor anywhere else that was not
# there before (a tracefs at /sys/kernel/tracing once stayed after a whole
# `make check`, unnoticed: `perf record -e` of a tracepoint mounts it, as
# the bench sessions used it; not capsa), no container cgroup under the
# cgroup parents we gave the clients ($TAG-*), no container state in the
# runtimes' roots.  Each leak is a failed check; then it is removed so the
# host is clean anyway.  The clients also create a few fixed dirs under
# /run; those we remove when they did not exist before and are empty.

LEAK_RUNDIRS="/run/containerd/s /run/containerd/fifo /run/containerd /run/docker/plugins /run/docker /run/containers/networks /run/containers /run/libpod"

leaks_snapshot() {
	local d
	: >"$W/rundirs-before"
	for d in $LEAK_RUNDIRS; do
		[ -e "$d" ] && echo "$d" >>"$W/rundirs-before"
	done
	ls /run/containerd/s 2>/dev/null | sort >"$W/shim-sockets-before"
	awk '{print $5}' /proc/self/mountinfo | sort -u >"$W/mounts-before"
}

leaks_check() {
	local pid d m n=0 root

	for pid in $( (pids_matching "$W"; cgroup_pids "$TAG") | sort -un); do
		[ -d "/proc/$pid" ] || continue
		fail "leak: process $pid ($(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline"))"
		kill -KILL "$pid" 2>/dev/null
		n=$((n + 1))
	done
	[ $n -gt 0 ] && sleep 0.5

	# Deepest first, so nested mounts come off before their parents.
	for m in $(awk -v w="$W" '$5 == w || index($5, w "/") == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		fail "leak: mount $m"
		umount -l "$m" 2>/dev/null
	done
	for m in $(awk '{print $5}' /proc/self/mountinfo | sort -u | comm -13 "$W/mounts-before" - | sort -r); do
		fail "leak: mount $m (not there before the suite)"
		umount -l "$m" 2>/dev/null
	done

	# Container cgroups under our parents.  The parents themselves are made
	# by the runtime (runc leaves them, as with /default) and podman's
	# "conmon" child holds conmon; both are expected, removed silently.
	for d in $(find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d -name "$TAG-*" 2>/dev/null); do
		for m in $(find "$d" -mindepth 1 -type d | sort -r); do
			[ "${m##*/}" = conmon ] && [ "$(dirname "$m")" = "$d" ] || fail "leak: cgroup $m"
			rmdir "$m" 2>/dev/null || fail "leak: cgroup $m cannot be removed (processes in it?)"
		done
		rmdir "$d" 2>/dev/null || fail "leak: cgroup $d cannot be removed"
	done

	# Container state left in the runtimes' roots.
	for root in "$W"/ctd/runc-root-*/* "$W"/pm/rt-* "$W"/dk/exec/runtime-*/*; do
		[ -d "$root" ] || continue
		for d in "$root"/*; do
			[ -e "$d" ] && fail "leak: runtime state $d"
		done
	done

	# A shim that had to be killed leaves its socket file in /run/containerd/s
	# (named by a hash, so only "new and nobody listening" identifies ours).
	for m in $(ls /run/containerd/s 2>/dev/null | sort | comm -13 "$W/shim-sockets-before" -); do
		ss -xl 2>/dev/null | grep -qF "/run/containerd/s/$m" && continue
		fail "leak: shim socket /run/containerd/s/$m"
		rm -f "/run/containerd/s/$m"
	done

	for d in $LEAK_RUNDIRS; do
		grep -qxF "$d" "$W/rundirs-before" 2>/dev/null && continue
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	return 0
}
