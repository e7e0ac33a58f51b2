#!/usr/bin/env bash
# Before/after: two or more capsa builds beside crun and runc, each verb in ONE
# hyperfine call (so load drift on the shared host hits all alike), plus the
# instruction count of each build's process (callgrind: repeatable here).
#
#   tests/bench/compare.sh NAME=CAPSA_PATH NAME=CAPSA_PATH...
#   e.g. tests/bench/compare.sh before=/tmp/old/capsa after=build/capsa
#
# Same wrapper and bundle as run.sh (private mount namespace, cgroup2 replaced
# by a scratch tmpfs, the busybox /bin/true bundle).  Prints one line per
# verb and build: median wall time (ms) of run, start, delete; instructions of
# --version, start, delete.  Environment: BENCH_RUNS (default 30),
# COMPARE_REFS (default "crun runc").  Leaves nothing behind.
set -uo pipefail

if [ $# -lt 1 ] || [ "$(id -u)" != 0 ]; then
	echo "usage (as root): $0 NAME=CAPSA_PATH..." >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
bench_enter_ns "$0" "$@"
bench_scratch_cgroup2
RUNS=${BENCH_RUNS:-30}
REFS=${COMPARE_REFS:-crun runc}
IMG=${BENCH_IMAGE_DIR:-$top/build/e2e-images}
TAG=capsa-cmp-$$
bench_workdir capsa-compare
declare -A BIN
NAMES=()
for a in "$@"; do
	n=${a%%=*}
	BIN[$n]=$(readlink -f "${a#*=}")
	[ -x "${BIN[$n]}" ] || { echo "compare: ${a#*=} is not executable" >&2; exit 2; }
	NAMES+=("$n")
done
for r in $REFS; do
	command -v "$r" >/dev/null && { BIN[$r]=$(command -v "$r"); NAMES+=("$r"); }
done

# the builds in the page-cache state a boot leaves: a build just copied
# would otherwise run faster than the same bytes read from disk (lib.sh)
for n in "${NAMES[@]}"; do
	bench_cold_page_cache "${BIN[$n]}"
done
rt() { echo "${BIN[$1]} --root $W/state/root-$1"; }
cleanup() {
	for n in "${NAMES[@]}"; do
		$(rt "$n") delete -f "$TAG-$n" >/dev/null 2>&1
	done
	bench_workdir_remove
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$top/tests/images/build.sh" "$IMG" >/dev/null || exit 1
mkdir -p "$W/b"
(cd "$W/b" && runc spec) || exit 1
jq --arg r "$IMG/rootfs" '.process.args = ["/bin/true"] | .process.terminal = false | .root.path = $r' \
	"$W/b/config.json" >"$W/c" && mv "$W/c" "$W/b/config.json"

run=() st=() de=()
for n in "${NAMES[@]}"; do
	id=$TAG-$n
	pre="$(rt "$n") delete -f $id"
	run+=(-n "$n" "$(rt "$n") run -b $W/b $id")
	st+=(-p "sh -c '$pre; $(rt "$n") create -b $W/b $id'" -n "$n" "$(rt "$n") start $id")
	de+=(-p "sh -c '$pre; $(rt "$n") create -b $W/b $id; $(rt "$n") start $id; while $(rt "$n") state $id | grep -q running; do :; done'" \
		-n "$n" "$(rt "$n") delete $id")
done
echo "compare: load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs per command"
for part in run start delete; do
	case $part in run) args=("${run[@]}") ;; start) args=("${st[@]}") ;; delete) args=("${de[@]}") ;; esac
	hyperfine -N --warmup 3 --runs "$RUNS" --style none --export-json "$W/$part.json" "${args[@]}" >/dev/null 2>&1 ||
		{ echo "compare: hyperfine $part failed" >&2; continue; }
	jq -r --arg p "$part" '.results[] | "\($p) \(.command): median \(.median * 100000 | round / 100) ms"' "$W/$part.json"
done

# Instructions of the capsa process alone (the container's init is created
# natively for start and delete; valgrind does not follow it into namespaces).
command -v valgrind >/dev/null || exit 0
ir() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		awk '/refs:/ { gsub(",", "", $4); print $4 }' | tail -1
}
for n in "$@"; do
	n=${n%%=*}
	id=$TAG-$n
	v=$(ir ${BIN[$n]} --version)
	$(rt "$n") delete -f "$id" >/dev/null 2>&1
	$(rt "$n") create -b "$W/b" "$id" || continue
	s=$(ir $(rt "$n") start "$id")
	while $(rt "$n") state "$id" | grep -q running; do :; done
	d=$(ir $(rt "$n") delete "$id")
	echo "instructions $n: --version $v, start $s, delete $d"
done
