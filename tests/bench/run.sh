#!/usr/bin/env bash
# Benchmarks: capsa beside runc and crun on one busybox bundle (issue 8).
#
#   tests/bench/run.sh CAPSA_PATH        (make bench; not part of make check)
#
# Everything runs inside ONE private mount namespace with
# /sys/fs/cgroup/unified unmounted (crun 1.8 refuses this hybrid host
# otherwise), so every runtime and the floor see the same system.  The host's
# mount table is not touched.  Each runtime has its own --root under a
# scratch dir; all containers, cgroups, daemons and dirs are removed at the end.
#
# Environment:
#   BENCH_RUNTIMES  runtimes to compare (default "capsa runc crun")
#   BENCH_RUNS      hyperfine runs per command (default 30, warmup 3)
#   BENCH_SCALE     container counts for the scale test (default "1 50 200";
#                   the largest is how many are started)
#   BENCH_PARTS     which parts (default "run lifecycle exec rss size seccomp ctr scale mounts")
#   BENCH_MOUNTS    mounts the mounts part adds (default 500)
#   BENCH_SPEC_FLOOR  the spec floor binary (default build/bench-tools/spec-floor)
#   BENCH_OUT       results dir (default build/bench): one hyperfine JSON per
#                   part, results.json (all figures) and results.md (tables)
# A runtime whose `run` of /bin/true fails is reported as failed and left
# out of the timed parts; the others still run.
set -uo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 CAPSA_PATH" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

. "$here/lib.sh"
bench_enter_ns "$0" "$@"
bench_scratch_cgroup2

CAPSA=$(readlink -f "$1" 2>/dev/null || echo "$1")
RUNTIMES=${BENCH_RUNTIMES:-capsa runc crun}
RUNS=${BENCH_RUNS:-30}
SCALE=${BENCH_SCALE:-1 50 200}
PARTS=${BENCH_PARTS:-run lifecycle exec rss size seccomp ctr scale mounts}
MOUNTS=${BENCH_MOUNTS:-500}
OUT=${BENCH_OUT:-$top/build/bench}
IMG=${BENCH_IMAGE_DIR:-$top/build/e2e-images}
TAG=capsa-bench-$$
IMAGE=localhost/busybox:latest
bench_workdir capsa-bench
mkdir -p "$OUT"
RES=$OUT/results.json
echo '{}' >"$RES"

for tool in hyperfine jq /usr/bin/time runc; do
	command -v "$tool" >/dev/null || {
		echo "bench: $tool not found (make deps)" >&2
		exit 1
	}
done

rt_bin() {
	case $1 in
	capsa) echo "$CAPSA" ;;
	runc) echo /usr/sbin/runc ;;
	crun) echo /usr/bin/crun ;;
	*) echo "/nonexistent/$1" ;;
	esac
}

# every binary timed, in the page-cache state a boot leaves (lib.sh)
bench_cold_page_cache "$CAPSA" /usr/sbin/runc /usr/bin/crun "$(command -v unshare)" /bin/true

# rt RT ARGS...: the runtime with its own root (as a word list for hyperfine).
rt() {
	local name=$1 b
	b=$(rt_bin "$1")
	shift
	echo "$b --root $W/state/root-$name $*"
}

# put PATH JSON: store a figure in results.json.
put() {
	local tmp=$RES.tmp
	jq --argjson v "$2" "$1 = \$v" "$RES" >"$tmp" && mv "$tmp" "$RES"
}

note() {
	echo "bench: $*"
}

# --- cleanup ---------------------------------------------------------------

CTD_PID=
cleanup() {
	local rt id pid d
	trap - EXIT INT TERM
	for rt in $RUNTIMES; do
		[ -d "$W/state/root-$rt" ] || continue
		for id in $(ls "$W/state/root-$rt" 2>/dev/null); do
			"$(rt_bin "$rt")" --root "$W/state/root-$rt" kill "$id" KILL >/dev/null 2>&1
			"$(rt_bin "$rt")" --root "$W/state/root-$rt" delete -f "$id" >/dev/null 2>&1
		done
		# crun/runc ids may also live in subdirs (ctr namespaces).
	done
	if [ -n "$CTD_PID" ]; then
		for id in $(ctr -a "$W/ctd/c.sock" -n "$TAG-ctd" task ls -q 2>/dev/null); do
			ctr -a "$W/ctd/c.sock" -n "$TAG-ctd" task delete -f "$id" >/dev/null 2>&1
		done
		for id in $(ctr -a "$W/ctd/c.sock" -n "$TAG-ctd" container ls -q 2>/dev/null); do
			ctr -a "$W/ctd/c.sock" -n "$TAG-ctd" container delete "$id" >/dev/null 2>&1
		done
		ctr -a "$W/ctd/c.sock" -n "$TAG-ctd" image rm "$IMAGE" >/dev/null 2>&1
		kill "$CTD_PID" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$CTD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$CTD_PID" 2>/dev/null
		# Shims of ours carry our socket path.
		for pid in $(pgrep -f "$W/ctd/c.sock"); do kill -KILL "$pid" 2>/dev/null; done
	fi
	# Cgroups named after our containers (no cgroupsPath: /ID) or ctr's ns.
	for d in $(find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -name "$TAG-*" -not -path '/sys/fs/cgroup/unified/*' 2>/dev/null | sort -r); do
		rmdir "$d" 2>/dev/null || note "warning: cannot remove cgroup $d"
	done
	for d in /run/containerd/s /run/containerd/fifo /run/containerd; do
		[ -e "$W/had-$(basename "$d")" ] || rmdir "$d" 2>/dev/null
	done
	umount -R "$W/mnts" 2>/dev/null
	bench_workdir_remove
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for d in /run/containerd/s /run/containerd/fifo /run/containerd; do
	[ -e "$d" ] && touch "$W/had-$(basename "$d")"
done

# --- bundles -----------------------------------------------------------------

"$top/tests/images/build.sh" "$IMG" >/dev/null || exit 1
mkdir -p "$W/b-true" "$W/b-sleep" "$W/b-seccomp"
(cd "$W/b-true" && runc spec) || exit 1
jq --arg r "$IMG/rootfs" '.process.args = ["/bin/true"] | .process.terminal = false | .root.path = $r' \
	"$W/b-true/config.json" >"$W/b-true/c" && mv "$W/b-true/c" "$W/b-true/config.json"
jq '.process.args = ["/bin/sleep", "100000"]' "$W/b-true/config.json" >"$W/b-sleep/config.json"

# The spec floor (spec-floor.c): the kernel work this bundle asks of any
# runtime, with no runtime around it; timed beside the runtimes in the run
# parts, so that capsa/spec floor is what capsa adds of its own.
# Built by `make all` (BENCH_SPEC_FLOOR names another build).
SPEC_FLOOR=${BENCH_SPEC_FLOOR:-$top/build/bench-tools/spec-floor}
if [ ! -x "$SPEC_FLOOR" ]; then
	note "spec floor left out: $SPEC_FLOOR missing (make all)"
	SPEC_FLOOR=
elif ! out=$("$SPEC_FLOOR" "$IMG/rootfs" "$TAG-sf-probe" 2>&1); then
	note "spec floor left out: $(printf '%s' "$out" | tail -2 | tr '\n' ' ')"
	SPEC_FLOOR=
else
	bench_cold_page_cache "$SPEC_FLOOR"
fi

# add_floors ID: append the floor and the spec floor (when it works) to the
# caller's hyperfine argument array `args`.
add_floors() {
	args+=(-n floor "unshare -fpmnui /bin/true")
	if [ -n "$SPEC_FLOOR" ]; then
		args+=(-n spec_floor "$SPEC_FLOOR $IMG/rootfs $TAG-sf-$1")
	fi
}

# The docker default seccomp profile, in OCI form, from `capsa spec`.
SECCOMP_SRC=
if "$CAPSA" spec --bundle "$W/b-seccomp" >/dev/null 2>&1 &&
	jq -e '.linux.seccomp.syscalls | length > 0' "$W/b-seccomp/config.json" >/dev/null 2>&1; then
	jq '.linux.seccomp' "$W/b-seccomp/config.json" >"$W/seccomp.json"
	jq --slurpfile s "$W/seccomp.json" '.linux.seccomp = $s[0]' "$W/b-true/config.json" >"$W/b-seccomp/config.json"
	SECCOMP_SRC="capsa spec"
fi

# --- which runtimes work ------------------------------------------------------

OK_RTS=
for RT_CUR in $RUNTIMES; do
	mkdir -p "$W/state/root-$RT_CUR"
	if out=$(timeout -k 2 20 $(rt "$RT_CUR" run -b "$W/b-true" "$TAG-$RT_CUR-probe") 2>&1 </dev/null); then
		OK_RTS="$OK_RTS $RT_CUR"
		put ".runtimes.$RT_CUR" '"ok"'
	else
		msg=$(printf '%s' "$out" | tail -2 | tr '\n' ' ')
		note "$RT_CUR: run of /bin/true failed, left out: $msg"
		put ".runtimes.$RT_CUR" "$(jq -n --arg m "run failed: $msg" '$m')"
		$(rt "$RT_CUR" delete -f "$TAG-$RT_CUR-probe") >/dev/null 2>&1
	fi
done
OK_RTS=${OK_RTS# }
note "runtimes: $OK_RTS (runs: $RUNS); results in $OUT"

# works PART RT CMD...: run CMD (a shell snippet) once with a time limit
# before RT takes part in PART; on failure print why and return 1, so a
# runtime that cannot do PART yet (or hangs) does not stall hyperfine.
works() {
	local part=$1 rt=$2 out rc
	shift 2
	out=$(timeout -k 2 20 sh -c "$*" 2>&1 </dev/null)
	rc=$?
	[ $rc = 0 ] && return 0
	[ $rc = 124 ] && out="$out (timed out after 20 s)"
	note "$part: $rt left out (exit $rc): $(printf '%s' "$out" | tail -2 | tr '\n' ' ' | cut -c1-200)"
	put ".failed.$part.$rt" "$(jq -n --arg m "$(printf '%s' "$out" | tail -2 | tr '\n' ' ')" '$m')"
	return 1
}

# hf PART ARGS...: hyperfine without a shell, results to $OUT/PART.json,
# medians (seconds) into results.json under .PART.
hf() {
	local part=$1
	shift
	hf_call "$part" "$OUT/$part.json" --warmup 3 --runs "$RUNS" "$@" || return 1
	hf_record "$part"
}

# hf_call PART JSON HYPERFINE_ARGS...: one hyperfine call writing JSON; when
# it fails, say why (the tail of its log) and return 1.
hf_call() {
	local part=$1 json=$2
	shift 2
	hyperfine -N --style basic --export-json "$json" "$@" >"$W/hf-$part.log" 2>&1 && return 0
	note "$part: hyperfine failed: $(tail -3 "$W/hf-$part.log" | tr '\n' ' ')"
	return 1
}

# hf_record PART: put $OUT/PART.json's medians into results.json and print them.
hf_record() {
	local part=$1
	put ".$part" "$(jq '[.results[] | {key: .command, value: {median: .median, mean: .mean, stddev: .stddev, min: .min}}] | from_entries' "$OUT/$part.json")"
	jq -r --arg p "$part" '.results[] | "  [\($p)] \(.command): median \(.median * 1000 | . * 100 | round / 100) ms (min \(.min * 1000 | . * 100 | round / 100))"' "$OUT/$part.json"
}

# hf_rounds PART ROUNDS -n NAME CMD -n NAME CMD...: like hf, for a difference
# between commands (a cost): ROUNDS hyperfine calls of RUNS/ROUNDS runs
# each, the order of the commands reversed every other round, and every
# run's time pooled by command.  One call runs all of A before all of B, so
# load that drifts during it (this shared host's) lands in A - B as a
# +-1 ms error; alternating spreads it over both.
hf_rounds() {
	local part=$1 rounds=$2 r n i
	shift 2
	local fwd=("$@") rev=()
	for ((i = ${#fwd[@]} - 3; i >= 0; i -= 3)); do
		rev+=("${fwd[@]:i:3}")
	done
	n=$((RUNS / rounds > 3 ? RUNS / rounds : 3))
	for ((r = 0; r < rounds; r++)); do
		if ((r % 2)); then set -- "${rev[@]}"; else set -- "${fwd[@]}"; fi
		hf_call "$part" "$W/$part-$r.json" --warmup 2 --runs "$n" "$@" || return 1
	done
	jq -s '{results: ([.[].results[]] | group_by(.command) | map(.[0].command as $c | [.[].times[]] | sort as $t |
		($t | add / length) as $m | {command: $c, times: $t, min: $t[0], mean: $m,
		stddev: (($t | map((. - $m) * (. - $m)) | add) / ($t | length) | sqrt),
		median: (if ($t | length) % 2 == 1 then $t[($t | length) / 2 | floor] else ($t[($t | length) / 2 - 1] + $t[($t | length) / 2]) / 2 end)}))}' \
		"$W/$part"-*.json >"$OUT/$part.json" || return 1
	hf_record "$part"
}

# --- 1. run to exit -------------------------------------------------------------

part_run() {
	local args=()
	note "run of /bin/true to exit"
	for RT_CUR in $OK_RTS; do
		args+=(-n "$RT_CUR" "$(rt "$RT_CUR" run -b "$W/b-true" "$TAG-$RT_CUR-run")")
	done
	add_floors run
	# Rounds (hf_rounds), since 2026-12-03 09:40: in one call each command
	# had its runs in one block, and the host's drift moved capsa/crun
	# between 0.61 and 0.75 across three runs of the same binaries.  In a
	# round a command's runs are still back to back.
	hf_rounds run 6 "${args[@]}"
	# The same 50 ms apart, as starts come in CI rather than back to
	# back: on cgroup v1 the kernel's threadgroup lock then waits a whole
	# RCU grace period for the first writer of cgroup.procs (runc and
	# crun pay it; capsa's init joins through tasks and does not).
	note "run of /bin/true to exit, 50 ms apart"
	hf run_spaced --prepare "sleep 0.05" "${args[@]}"
}

# --- 2. create, start, delete as separate commands -------------------------------

part_lifecycle() {
	local a=() b=() c=() id pre
	note "create, start, delete (separate commands)"
	for RT_CUR in $OK_RTS; do
		id=$TAG-$RT_CUR-cycle
		works lifecycle "$RT_CUR" "$(rt "$RT_CUR" create -b "$W/b-true" "$id") && $(rt "$RT_CUR" start "$id") &&
			sleep 0.5 && $(rt "$RT_CUR" state "$id") | grep -q stopped && $(rt "$RT_CUR" delete "$id")" || {
			$(rt "$RT_CUR" delete -f "$id") >/dev/null 2>&1
			continue
		}
		pre="$(rt "$RT_CUR" delete -f "$id")"
		a+=(-p "$pre" -n "$RT_CUR" "$(rt "$RT_CUR" create -b "$W/b-true" "$id")")
		b+=(-p "sh -c '$pre; $(rt "$RT_CUR" create -b "$W/b-true" "$id")'" -n "$RT_CUR" "$(rt "$RT_CUR" start "$id")")
		c+=(-p "sh -c '$pre; $(rt "$RT_CUR" create -b "$W/b-true" "$id"); $(rt "$RT_CUR" start "$id"); while $(rt "$RT_CUR" state "$id") | grep -q running; do :; done'" \
			-n "$RT_CUR" "$(rt "$RT_CUR" delete "$id")")
	done
	[ ${#a[@]} -gt 0 ] || return 0
	hf create "${a[@]}"
	hf start "${b[@]}"
	hf delete "${c[@]}"
	for RT_CUR in $OK_RTS; do $(rt "$RT_CUR" delete -f "$TAG-$RT_CUR-cycle") >/dev/null 2>&1; done
}

# --- 3. exec into a running container -------------------------------------------

part_exec() {
	local args=() id
	note "exec of /bin/true into a running container"
	for RT_CUR in $OK_RTS; do
		id=$TAG-$RT_CUR-exec
		works exec "$RT_CUR" "$(rt "$RT_CUR" run -d -b "$W/b-sleep" "$id") >/dev/null 2>&1 && $(rt "$RT_CUR" exec "$id" /bin/true)" ||
			continue
		args+=(-n "$RT_CUR" "$(rt "$RT_CUR" exec "$id" /bin/true)")
	done
	# Rounds (hf_rounds): one call timed each runtime in turn, and drift
	# moved capsa/crun between 0.7 and 1.0 across runs of the same binaries.
	[ ${#args[@]} -gt 0 ] && hf_rounds exec 6 "${args[@]}"
	for RT_CUR in $OK_RTS; do
		$(rt "$RT_CUR" kill "$TAG-$RT_CUR-exec" KILL) >/dev/null 2>&1
		sleep 0.2
		$(rt "$RT_CUR" delete -f "$TAG-$RT_CUR-exec") >/dev/null 2>&1
	done
}

# --- 4. peak RSS of the runtime process ---------------------------------------------

part_rss() {
	local i kib
	note "peak RSS of 'run' (/usr/bin/time -f %M, median of 10)"
	for RT_CUR in $OK_RTS; do
		for i in $(seq 10); do
			timeout -k 2 20 /usr/bin/time -f %M -o "$W/rss" $(rt "$RT_CUR" run -b "$W/b-true" "$TAG-$RT_CUR-rss") </dev/null >/dev/null 2>&1
			cat "$W/rss"
		done | sort -n | sed -n 5p >"$W/rss-med"
		kib=$(cat "$W/rss-med")
		put ".rss_kib.$RT_CUR" "${kib:-null}"
		echo "  $RT_CUR: ${kib} KiB"
	done
}

# --- 5. binary size -------------------------------------------------------------------

part_size() {
	local b s st libs total l
	note "binary size (as built; stripped; stripped + the shared libraries it loads besides glibc)"
	# runc and crun come stripped from Debian, build/capsa has -g: strip a
	# copy of each so the sizes compare what gets installed.  The last figure
	# is what exec maps from disk besides libc and ld.so (crun loads 9 more
	# libraries, capsa 1, libmnl, since libzstd is linked statically).
	for RT_CUR in $RUNTIMES; do
		b=$(rt_bin "$RT_CUR")
		[ -e "$b" ] || continue
		s=$(stat -L -c %s "$b")
		strip -o "$W/stripped" "$b" 2>/dev/null || cp -L "$b" "$W/stripped"
		st=$(stat -c %s "$W/stripped")
		libs=$(ldd "$b" 2>/dev/null | grep -c '=>')
		total=$st
		for l in $(ldd "$b" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | grep -vE '/(libc|ld-linux[^/]*)\.so'); do
			total=$((total + $(stat -L -c %s "$l")))
		done
		put ".size.$RT_CUR" "{\"bytes\": $s, \"stripped_bytes\": $st, \"shared_libs\": $libs, \"with_libs_bytes\": $total}"
		echo "  $RT_CUR: $s bytes, stripped $st, with its $libs shared libraries except glibc $total"
	done
	rm -f "$W/stripped"
}

# --- 6. with the default seccomp profile ------------------------------------------------

part_seccomp() {
	local args=()
	if [ -z "$SECCOMP_SRC" ]; then
		note "seccomp: skipped: '$CAPSA spec' gives no linux.seccomp profile"
		put .seccomp_run '"skipped: no profile from capsa spec"'
		return
	fi
	note "run of /bin/true with the default seccomp profile (from $SECCOMP_SRC)"
	# With and without, in alternating rounds (hf_rounds): the cost is a
	# difference of ~1 ms, and one hyperfine call's drift alone was +-1 ms.
	for RT_CUR in $OK_RTS; do
		works seccomp "$RT_CUR" "$(rt "$RT_CUR" run -b "$W/b-seccomp" "$TAG-$RT_CUR-sec")" || continue
		args+=(-n "$RT_CUR-noseccomp" "$(rt "$RT_CUR" run -b "$W/b-true" "$TAG-$RT_CUR-sec")")
		args+=(-n "$RT_CUR" "$(rt "$RT_CUR" run -b "$W/b-seccomp" "$TAG-$RT_CUR-sec")")
	done
	[ ${#args[@]} -gt 0 ] && hf_rounds seccomp_run 6 "${args[@]}"
}

# --- 7. through containerd ----------------------------------------------------------------

part_ctr() {
	local args=() i
	if ! command -v containerd >/dev/null; then
		note "ctr: skipped: containerd not installed"
		return
	fi
	note "ctr run --rm /bin/true through containerd (started in this namespace)"
	mkdir -p "$W/ctd"
	cat >"$W/ctd/config.toml" <<EOF
version = 2
root = "$W/ctd/root"
state = "$W/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$W/ctd/c.sock"
[debug]
  level = "warn"
[plugins."io.containerd.internal.v1.opt"]
  path = "$W/ctd/opt"
EOF
	setsid containerd --config "$W/ctd/config.toml" </dev/null >"$W/ctd/log" 2>&1 &
	CTD_PID=$!
	for i in $(seq 100); do ctr -a "$W/ctd/c.sock" version >/dev/null 2>&1 && break; sleep 0.1; done
	ctr -a "$W/ctd/c.sock" -n "$TAG-ctd" image import "$IMG/busybox-oci.tar" >/dev/null || return
	for RT_CUR in $OK_RTS; do
		works ctr "$RT_CUR" "ctr -a $W/ctd/c.sock -n $TAG-ctd run --rm --runc-binary $(rt_bin "$RT_CUR") --runc-root $W/state/root-ctr-$RT_CUR --fifo-dir $W/ctd/fifo $IMAGE $TAG-$RT_CUR /bin/true" || continue
		args+=(-n "$RT_CUR" "ctr -a $W/ctd/c.sock -n $TAG-ctd run --rm --runc-binary $(rt_bin "$RT_CUR") --runc-root $W/state/root-ctr-$RT_CUR --fifo-dir $W/ctd/fifo $IMAGE $TAG-$RT_CUR /bin/true")
	done
	[ ${#args[@]} -gt 0 ] && hf ctr "${args[@]}"
}

# --- 8. scale: many containers running at once -------------------------------------------

# Used memory as free(1) counts it (page cache and reclaimable slab excluded):
# namespaces, cgroups, page tables and the sleeps' own pages stay in.
mem_used_kib() {
	awk '{v[$1] = $2} END {print v["MemTotal:"] - v["MemFree:"] - v["Buffers:"] - v["Cached:"] - v["SReclaimable:"]}' /proc/meminfo
}

# median of lines FROM..TO of a file of numbers
median_of() {
	sed -n "$2,$3p" "$1" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# solo_starts FILE: 10 starts of one more container, each killed and deleted
# (its teardown waited for) before the next; the seconds of each start go
# to FILE.
solo_starts() {
	local id=$TAG-$RT_CUR-solo t0 t1
	: >"$1"
	for _ in $(seq 10); do
		t0=$EPOCHREALTIME
		$(rt "$RT_CUR" run -d -b "$W/b-sleep" "$id") </dev/null >/dev/null 2>&1
		t1=$EPOCHREALTIME
		echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >>"$1"
		$(rt "$RT_CUR" kill "$id" KILL) >/dev/null 2>&1
		for _ in $(seq 50); do $(rt "$RT_CUR" state "$id") 2>/dev/null | grep -q running || break; sleep 0.02; done
		$(rt "$RT_CUR" delete -f "$id") >/dev/null 2>&1
	done
}

part_scale() {
	local max n i t0 t1 m0 m id from json s1 fails
	max=$(tr ' ' '\n' <<<"$SCALE" | sort -n | tail -1)
	note "scale: start $max detached sleeps one after the other; time per start, host memory per container"
	for RT_CUR in $OK_RTS; do
		works scale "$RT_CUR" "$(rt "$RT_CUR" run -d -b "$W/b-sleep" "$TAG-$RT_CUR-s0") >/dev/null 2>&1 && $(rt "$RT_CUR" kill "$TAG-$RT_CUR-s0" KILL) && sleep 0.3 && $(rt "$RT_CUR" delete -f "$TAG-$RT_CUR-s0")" || {
			$(rt "$RT_CUR" delete -f "$TAG-$RT_CUR-s0") >/dev/null 2>&1
			continue
		}
		# Start time with N running (N-1 others and the one timed): the
		# same 10 solo starts at every N, so every N is measured alike.
		solo_starts "$W/solo-1"
		: >"$W/starts"
		fails=0
		sync
		m0=$(mem_used_kib)
		json="{}"
		for i in $(seq "$max"); do
			id=$TAG-$RT_CUR-s$i
			t0=$EPOCHREALTIME
			if ! $(rt "$RT_CUR" run -d -b "$W/b-sleep" "$id") </dev/null >/dev/null 2>"$W/err"; then
				fails=$((fails + 1))
				[ $fails -le 3 ] && note "$RT_CUR: start $i failed: $(tail -1 "$W/err")"
			fi
			t1=$EPOCHREALTIME
			echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >>"$W/starts"
			for n in $SCALE; do
				# N-1 running: settle, then the solo starts for N
				if [ "$n" -gt 1 ] && [ "$i" = $((n - 1)) ]; then
					sleep 1
					solo_starts "$W/solo-$n"
				fi
				if [ "$i" = "$n" ]; then
					m=$(mem_used_kib)
					s1=$(median_of "$W/solo-$n" 1 10)
					# and, for comparison with runs before 2026-12-03
					# 07:00, the median of the last (up to) 10 starts of
					# the burst that brought N up
					from=$((n > 10 ? n - 9 : 1))
					json=$(jq --arg n "$n" --argjson s "$s1" --argjson b "$(median_of "$W/starts" "$from" "$n")" \
						--argjson m "$(((m - m0) / n))" \
						'.[$n] = {start_s: $s, burst_start_s: $b, mem_kib_per_container: $m}' <<<"$json")
					echo "  $RT_CUR: $n running: start $(jq -r --arg n "$n" '.[$n].start_s * 1000 | . * 100 | round / 100' <<<"$json") ms (in the burst $(jq -r --arg n "$n" '.[$n].burst_start_s * 1000 | . * 100 | round / 100' <<<"$json") ms), $(((m - m0) / n)) KiB host memory per container"
				fi
			done
		done
		if [ $fails -gt 0 ]; then
			note "$RT_CUR: $fails of $max starts failed: scale figures invalid"
			json=$(jq --argjson f "$fails" '.failed_starts = $f' <<<"$json")
		fi
		put ".scale.$RT_CUR" "$json"
		for i in $(seq "$max"); do
			$(rt "$RT_CUR" kill "$TAG-$RT_CUR-s$i" KILL) >/dev/null 2>&1
		done
		sleep 0.5
		for i in $(seq "$max"); do
			$(rt "$RT_CUR" delete -f "$TAG-$RT_CUR-s$i") >/dev/null 2>&1
		done
	done
}

# --- 9. a host with many mounts -------------------------------------------------

# A node running containers has hundreds of mounts (their root filesystems,
# secrets, /etc/hosts binds).  Every new mount namespace copies them and
# every pivot drops the copy; what a runtime does beyond that (capsa:
# reading /proc/self/mountinfo only up to the cgroup mounts) shows here.
# The mounts are tmpfs under the scratch dir, in the bench's private mount
# namespace: the host's table is not touched.
part_mounts() {
	local args=() i
	note "run of /bin/true to exit with $MOUNTS more mounts in the namespace"
	mkdir -p "$W/mnts" && mount -t tmpfs bench-mnts "$W/mnts" || return
	for i in $(seq "$MOUNTS"); do
		mkdir "$W/mnts/$i" && mount -t tmpfs "bench-m$i" "$W/mnts/$i" || {
			note "mounts: mount $i failed, part left out"
			umount -R "$W/mnts"
			return
		}
	done
	put .mounts_added "$MOUNTS"
	for RT_CUR in $OK_RTS; do
		args+=(-n "$RT_CUR" "$(rt "$RT_CUR" run -b "$W/b-true" "$TAG-$RT_CUR-mnt")")
	done
	add_floors mnt
	hf_rounds run_mounts 6 "${args[@]}"
	umount -R "$W/mnts"
}

put .host "$(jq -n --arg k "$(uname -r)" --arg c "$(nproc)" --arg l "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--arg d "$(date -u +%FT%TZ)" --arg r "$RUNS" '{kernel: $k, cpus: $c, loadavg: $l, date: $d, runs: $r}')"
for p in $PARTS; do
	"part_$p"
done

# --- ratios and the summary table ---------------------------------------------------------

"$here/report.sh" "$RES" >"$OUT/results.md"
cat "$OUT/results.md"
