#!/usr/bin/env bash
# Regenerate cmd/hot-text.ld, the link order that puts the code a run
# executes first (tests/bench/README.md, Session 8): build capsa with a
# link map and without the current order, sample where it runs during
# BENCH_RUNS (600) runs of the bench's /bin/true bundle, in the bench's
# private mount namespace, and list the input sections of those
# functions, hottest first.  Needs perf and python3.  Then rebuild and
# measure (compare.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"
bench_enter_ns "$0" "$@"
bench_scratch_cgroup2
for tool in perf python3 jq runc; do
	command -v "$tool" >/dev/null || { echo "hot-text: $tool not found" >&2; exit 1; }
done
RUNS=${BENCH_RUNS:-600}
B=$top/build-hottext
bench_workdir capsa-hottext
trap 'bench_workdir_remove; rm -rf "$B"' EXIT
make -s -C "$top" BUILD="$B" HOT_TEXT= LDFLAGS="-Wl,-Map=$B/capsa.map" "$B/capsa"
"$top/tests/images/build.sh" "$top/build/e2e-images" >/dev/null
mkdir -p "$W/b"
(cd "$W/b" && runc spec)
jq --arg r "$top/build/e2e-images/rootfs" '.process.args = ["/bin/true"] | .process.terminal = false | .root.path = $r' \
	"$W/b/config.json" >"$W/c" && mv "$W/c" "$W/b/config.json"
cat >"$W/loop" <<LOOP
#!/bin/sh
i=0
while [ \$i -lt $RUNS ]; do
	"$B/capsa" --root "$W/state/r" run -b "$W/b" hot-\$i || exit 1
	i=\$((i + 1))
done
LOOP
chmod +x "$W/loop"
perf record -q -F 20000 -a -o "$W/perf.data" -- "$W/loop" >/dev/null
perf script -i "$W/perf.data" -F comm,pid,ip --show-mmap-events >"$W/samples" 2>/dev/null
python3 "$here/hot-text.py" "$B/capsa.map" "$B/capsa" "$W/samples" "$top/cmd/hot-text.ld"
