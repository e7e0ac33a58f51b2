#!/usr/bin/env bash
# `run` of /bin/true on a pure cgroup v2 kernel: capsa beside crun, runc, the
# spec floor (spec-floor.c) and the floor (`unshare -fpmnui /bin/true`), in
# the VM of tests/vm (Debian's kernel under qemu, software emulation, no
# KVM; this host is hybrid, so this is the only v2 here).  The same bundle as
# run.sh; crun runs there without a wrapper.
#
#   tests/bench/vm-run.sh [CAPSA]        default: build/capsa (in the checkout)
#
# Emulation changes what things cost (a page fault or an exec of a dynamic
# binary is far dearer than on hardware, CPUID far cheaper), so compare only
# ratios from one run, and not with run.sh's.  Environment: BENCH_RUNS (per
# command, default 20; 6 alternating rounds as run.sh's hf_rounds),
# BENCH_OUT (default build/bench): vm-run.json (hyperfine's, pooled) and
# vm-run.md.  Needs `make all` (the spec floor binary) and what `make vm`
# needs.  Leaves nothing behind (the guest is discarded).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ "${1:-}" = --guest ]; then
	# In the guest: cwd is the checkout; /tmp is the guest's tmpfs.
	CAPSA=$2 RUNS=$3 SPEC_FLOOR=$top/build/bench-tools/spec-floor IMG=$top/build/e2e-images
	W=$(mktemp -d /tmp/capsa-vmbench.XXXXXX)
	mkdir -p "$W/b" "$W/state" || exit 1
	(cd "$W/b" && runc spec) || exit 1
	jq --arg r "$IMG/rootfs" '.process.args = ["/bin/true"] | .process.terminal = false | .root.path = $r' \
		"$W/b/config.json" >"$W/c" && mv "$W/c" "$W/b/config.json" || exit 1
	grep -q '^0::/' /proc/self/cgroup && [ "$(wc -l </proc/self/cgroup)" = 1 ] || {
		echo "vm-run: the guest is not cgroup2-only" >&2
		exit 1
	}
	args=(-n capsa "$CAPSA --root $W/state/capsa run -b $W/b c"
		-n runc "/usr/sbin/runc --root $W/state/runc run -b $W/b r"
		-n crun "/usr/bin/crun --root $W/state/crun run -b $W/b k"
		-n spec_floor "$SPEC_FLOOR $IMG/rootfs sf"
		-n floor "unshare -fpmnui /bin/true")
	rev=()
	for ((i = ${#args[@]} - 3; i >= 0; i -= 3)); do rev+=("${args[@]:i:3}"); done
	n=$((RUNS / 6 > 2 ? RUNS / 6 : 2))
	for r in 0 1 2 3 4 5; do
		if ((r % 2)); then set -- "${rev[@]}"; else set -- "${args[@]}"; fi
		hyperfine -N --style none --warmup 1 --runs "$n" --export-json "$W/r$r.json" "$@" >/dev/null 2>"$W/err" || {
			cat "$W/err" >&2
			exit 1
		}
	done
	# pooled per command, as run.sh's hf_rounds
	jq -M -c -s '{results: ([.[].results[]] | group_by(.command) | map(.[0].command as $c | [.[].times[]] | sort as $t |
		{command: $c, times: $t, min: $t[0], mean: ($t | add / length),
		 median: (if ($t | length) % 2 == 1 then $t[($t | length) / 2 | floor] else ($t[($t | length) / 2 - 1] + $t[($t | length) / 2]) / 2 end)}))}' \
		"$W"/r*.json
	exit
fi

CAPSA=$(realpath "${1:-$top/build/capsa}")
RUNS=${BENCH_RUNS:-20}
OUT=${BENCH_OUT:-$top/build/bench}
case $CAPSA in "$top"/*) ;; *)
	echo "vm-run: CAPSA must be inside the checkout (the guest sees only it, /usr and /etc)" >&2
	exit 2
	;;
esac
for f in "$CAPSA" "$top/build/bench-tools/spec-floor"; do
	[ -x "$f" ] || {
		echo "vm-run: $f missing (make all)" >&2
		exit 1
	}
done
"$top/tests/images/build.sh" "$top/build/e2e-images" >/dev/null || exit 1
mkdir -p "$OUT"
"$top/tests/vm/run-in-vm.sh" --timeout 900 -- "$here/vm-run.sh" --guest "$CAPSA" "$RUNS" | tr -d '\r' >"$OUT/vm-run.json" && [ "${PIPESTATUS[0]}" = 0 ] || {
	echo "vm-run: the guest run failed" >&2
	exit 1
}
jq -r '
def ms: (. * 1000 * 10 | round / 10 | tostring) + " ms";
def ratio(a; b): (a / b * 100 | round / 100 | tostring);
([.results[] | {key: .command, value: .median}] | from_entries) as $m |
"Pure cgroup v2 (tests/vm: Debian kernel under qemu TCG), \(.results[0].times | length) runs per command; medians.",
"",
"| median wall time | capsa | runc | crun | floor | spec floor | capsa/crun | capsa/runc | capsa/floor | capsa/spec floor |",
"|---|---|---|---|---|---|---|---|---|---|",
"| run /bin/true to exit (emulated) | \($m.capsa | ms) | \($m.runc | ms) | \($m.crun | ms) | \($m.floor | ms) | \($m.spec_floor | ms) | \(ratio($m.capsa; $m.crun)) | \(ratio($m.capsa; $m.runc)) | \(ratio($m.capsa; $m.floor)) | \(ratio($m.capsa; $m.spec_floor)) |"
' "$OUT/vm-run.json" | tee "$OUT/vm-run.md"
