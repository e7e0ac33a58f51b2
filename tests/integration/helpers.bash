# Shared setup for the capsa integration tests (bats).  Load it from every
# .bats file:
#
#   load helpers
#   setup_file()    { common_setup_file; }
#   teardown_file() { common_teardown_file; }
#   setup()         { common_setup; }
#   teardown()      { common_teardown; }
#
# Environment (tests/integration/run.sh sets the first three):
#   RUNTIME       runtime binary to test (default: build/capsa; RUNTIME=runc for
#                 the reference).  Command line as runc's.
#   TEST_ROOTFS   cached busybox+probe rootfs (default build/test-rootfs; run.sh
#                 builds it with examples/mkrootfs.sh).
#   RUNTIME_TIMEOUT seconds before a runtime call is killed (default 60).
#   LEAKCHECK_STRICT=1  count every new host mount/cgroup/link as a leak.
#
# What each test gets (fresh per test):
#   $BUNDLE       a bundle dir: $BUNDLE/rootfs (a copy of TEST_ROOTFS) and
#                 $BUNDLE/config.json (the base spec below).
#   $CID          a container id unique to this test; use "$CID-2" etc. for
#                 more containers: every id starting with "$CID-" is covered
#                 by the leak check.
#   $ROOT         the runtime's --root (private to the .bats file).
#   $TEST_TMP     a scratch dir on the host for the test, removed afterwards.
#
# The base spec is `runc spec` with terminal false, args ["true"], hostname
# "itest", no /sys/fs/cgroup mount (mounts.bats tests that one explicitly),
# and the env marker CAPSA_ITEST=$CID that the leak check looks for in
# leftover processes.  root.readonly is true as in `runc spec`: add a tmpfs
# (spec_add_tmpfs /tmp) or spec_set '.root.readonly=false' to write.
#
# Functions:
#   spec_set JQ_EXPR [JQ_ARGS...]   edit $BUNDLE/config.json in place:
#                                   spec_set '.hostname=$h' --arg h foo
#   spec_args ARG...                process.args = [ARG...]
#   json_array ARG...               print ARGs as a JSON array of strings
#                                   (for --argjson; safe with "-c" etc.)
#   spec_add_mount JSON             append a mount object
#   spec_add_tmpfs DEST [OPTS...]   append a tmpfs mount at DEST
#   spec_ns_path TYPE PATH          join the namespace TYPE at PATH
#   runtime ARG...                  $RUNTIME --root $ROOT ARG... (with timeout);
#                                   use as `run runtime state "$CID"`
#   run_container [ID]              `runtime run --bundle $BUNDLE ID` with stdin
#                                   from $STDIN_FILE or /dev/null; sets $status,
#                                   $output (stdout+stderr) and $lines as bats'
#                                   `run` does
#   kv KEY                          value of the first `KEY=value` line of $output
#   assert_kv KEY VALUE             ... equals VALUE, or fail with the output
#   cap_mask CAP_NAME...            the 16-digit hex mask /proc/PID/status shows
#   host_cap_bnd                    the host's CapBnd (every cap this kernel has)
#   wait_for SECONDS CMD...         retry CMD every 0.1 s until it succeeds
#   is_runc                         true when $RUNTIME is runc (for documented
#                                   differences between runc and the spec)
#   container_pid_known [ID]        true once the container's init process
#                                   exists (found by its CAPSA_ITEST=ID env
#                                   marker); sets $CPID to its host pid
#   wait_exit PID [SECONDS]         wait (default 30 s) for a background child
#                                   to exit; sets $rc to its exit status, fails
#                                   when it does not exit in time
#   need_runtime_verb VERB          skip (visibly) when the runtime lacks VERB
#   mountinfo_line DEST             from $output holding the container's
#                                   /proc/self/mountinfo: the last line whose
#                                   mount point is DEST
#   mount_opts DEST / mount_fstype DEST / mount_super DEST
#                                   per-mount options, fs type and super options
#                                   of that line
#   has_opt LIST OPT                OPT is in the comma-separated LIST
#   pids_gone PID...                none of the PIDs is alive (zombies = gone)
#   force_cleanup                   delete --force every container in $ROOT
#   CLEANUP_PIDS, CLEANUP_MOUNTS    set by a test: killed / lazily unmounted in
#                                   teardown, before the leak check
#   fail MESSAGE                    print MESSAGE (and $output) and fail
#
# The payload /bin/probe (tests/helpers/probe.c) answers with key=value
# lines: probe caps|ids|umask|cwd|hostname|nnp|seccomp|fds|pid|tiocsti|signals,
# probe env NAME|rlimit NAME|alloc MIB|forks N|spin S|sleep S|exit N|kill SIG,
# probe syscall mkdir PATH|open PATH FLAGS|write PATH TEXT|mknod PATH c MAJ MIN.
#
# Every test ends with the leak check (tests/leakcheck.sh): no mount under
# the test's paths, no process/cgroup/link carrying its ids, and an empty
# --root.  A test that leaks fails even if its assertions passed; leftovers
# are then force-deleted so the next test starts clean.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
: "${RUNTIME:=$REPO/build/capsa}"
: "${TEST_ROOTFS:=$REPO/build/test-rootfs}"
: "${RUNTIME_TIMEOUT:=60}"
LEAKCHECK=$REPO/tests/leakcheck.sh

# Base spec: `runc spec` (runc 1.1) with the changes listed above.
base_spec() {
	cat <<'EOF'
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": [ "true" ],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"ambient": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
		},
		"rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
		"noNewPrivileges": true
	},
	"root": { "path": "rootfs", "readonly": true },
	"hostname": "itest",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
		{ "destination": "/dev/pts", "type": "devpts", "source": "devpts",
		  "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" ] },
		{ "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
		  "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
		{ "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
		  "options": [ "nosuid", "noexec", "nodev" ] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs",
		  "options": [ "nosuid", "noexec", "nodev", "ro" ] }
	],
	"linux": {
		"resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
		"namespaces": [
			{ "type": "pid" }, { "type": "network" }, { "type": "ipc" },
			{ "type": "uts" }, { "type": "mount" }
		],
		"maskedPaths": [
			"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
			"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
			"/proc/sched_debug", "/sys/firmware", "/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
		]
	}
}
EOF
}

fail() {
	{
		echo "FAIL: $*"
		[ -z "${output+x}" ] || printf 'status=%s output:\n%s\n' "${status:-}" "$output"
	} >&2
	return 1
}

common_setup_file() {
	if [ ! -x "$RUNTIME" ] && ! command -v "$RUNTIME" >/dev/null; then
		echo "runtime '$RUNTIME' not found (set RUNTIME)" >&2
		return 1
	fi
	if [ ! -e "$TEST_ROOTFS/.capsa-rootfs" ] || [ ! -x "$TEST_ROOTFS/bin/probe" ]; then
		echo "test rootfs $TEST_ROOTFS missing: run tests/integration/run.sh" >&2
		return 1
	fi
	# Random per file so reruns and parallel files never share ids.
	export ITEST_TAG
	ITEST_TAG=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
	export ROOT="$BATS_FILE_TMPDIR/root"
	mkdir -p "$ROOT"
}

common_teardown_file() {
	# Best effort: a test's teardown already failed for anything left here.
	force_cleanup
	rm -rf "$ROOT"
}

common_setup() {
	CID="it-$ITEST_TAG-$BATS_TEST_NUMBER"
	TEST_TMP=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/t.XXXXXX")
	BUNDLE=$TEST_TMP/bundle
	mkdir -p "$BUNDLE"
	cp -a "$TEST_ROOTFS" "$BUNDLE/rootfs"
	base_spec | jq --arg id "$CID" '.process.env += ["CAPSA_ITEST=" + $id]' >"$BUNDLE/config.json"
	LEAK_DIR=$TEST_TMP/.leak
	"$LEAKCHECK" snapshot "$LEAK_DIR" --id "$CID" --path "$TEST_TMP" --path "$ROOT" --empty "$ROOT"
}

common_teardown() {
	local leaks rc=0
	# A failed test may have stopped half-way: tidy up through the runtime
	# first, so that the leak check reports what even that cannot remove.
	# A passed test is checked as it left things.
	[ -n "${BATS_TEST_COMPLETED:-}" ] || force_cleanup
	# Background processes a test started (runtimes in the foreground,
	# namespace holders): TERM, then KILL.
	if [ -n "${CLEANUP_PIDS:-}" ]; then
		kill $CLEANUP_PIDS 2>/dev/null || true
		wait_for 5 pids_gone $CLEANUP_PIDS || kill -9 $CLEANUP_PIDS 2>/dev/null || true
		wait $CLEANUP_PIDS 2>/dev/null || true
	fi
	# Host mounts the test made itself (listed innermost first).
	if [ -n "${CLEANUP_MOUNTS:-}" ]; then
		umount -l $CLEANUP_MOUNTS 2>/dev/null || true
	fi
	leaks=$("$LEAKCHECK" check "$LEAK_DIR") || rc=$?
	force_cleanup
	rm -rf "$TEST_TMP"
	if [ "$rc" != 0 ]; then
		echo "leak check failed after '$BATS_TEST_DESCRIPTION':" >&2
		echo "$leaks" >&2
		return 1
	fi
}

# pids_gone PID...: none of them is alive (zombies count as gone).
pids_gone() {
	local p st
	for p in "$@"; do
		st=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) || continue
		[ -z "$st" ] || [ "$st" = Z ] || return 1
	done
}

# Delete every container in $ROOT and kill what carries this file's ids.
force_cleanup() {
	local d
	[ -d "${ROOT:-}" ] || return 0
	for d in "$ROOT"/*; do
		[ -e "$d" ] || continue
		timeout 30 "$RUNTIME" --root "$ROOT" delete --force "${d##*/}" >/dev/null 2>&1 || true
	done
	# A runtime that lost track of its state: remove the dirs so the next
	# test's check starts from an empty root.
	rm -rf "${ROOT:?}"/* 2>/dev/null || true
}

# rootfs_for_mapped_root HOSTUID: make the bundle's rootfs usable by a
# user namespace's root mapped to HOSTUID, and the path to it reachable.
rootfs_for_mapped_root() {
	local d=$BUNDLE
	chown -R "$1:$1" "$BUNDLE/rootfs"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

runtime() {
	timeout --kill-after=5 "$RUNTIME_TIMEOUT" "$RUNTIME" --root "$ROOT" "$@"
}

run_container() {
	# Like bats' `run` (status, output, lines), without its warning about
	# status 127, which the exec-error tests expect.
	status=0
	output=$(runtime run --bundle "$BUNDLE" "${1:-$CID}" 2>&1 <"${STDIN_FILE:-/dev/null}") || status=$?
	lines=()
	[ -z "$output" ] || mapfile -t lines <<<"$output"
}

spec_set() {
	local expr=$1
	shift
	jq "$@" "$expr" <"$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
		mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# json_array ARG...: a JSON array of strings.  (jq's --args would take
# "-c" or "-n" among the arguments for its own options.)
json_array() {
	local -a a=()
	local i=0 x
	for x in "$@"; do
		a+=(--arg "$(printf 'a%05d' $i)" "$x")
		i=$((i + 1))
	done
	jq -cn "${a[@]}" '[$ARGS.named | to_entries | sort_by(.key)[] | .value]'
}

# exec_helper_exe GLOB: start `exec $CID probe sleep 3` in the background
# (its pid in CLEANUP_PIDS) and set EXEC_EXE to /proc/PID/exe of the capsa
# process serving it, once that exe's link matches GLOB (the self-protection
# tests: "/" for the read-only detached mount, "/memfd:capsa*" for the copy).
exec_helper_exe() {
	local p
	runtime exec "$CID" probe sleep 3 &
	CLEANUP_PIDS=$!
	EXEC_EXE=
	for _ in $(seq 50); do
		for p in $(pgrep -f -- "exec $CID probe sleep 3"); do
			# shellcheck disable=SC2053 # $1 is a glob
			[[ $(readlink "/proc/$p/exe" 2>/dev/null) == $1 ]] && EXEC_EXE=/proc/$p/exe && return 0
		done
		sleep 0.1
	done
	fail "no capsa exec process whose exe matches '$1'"
}

spec_args() {
	spec_set '.process.args = $a' --argjson a "$(json_array "$@")"
}

spec_add_mount() {
	spec_set '.mounts += [$m]' --argjson m "$1"
}

spec_add_tmpfs() {
	local dest=$1
	shift
	spec_set '.mounts += [{destination: $d, type: "tmpfs", source: "tmpfs", options: $o}]' \
		--arg d "$dest" --argjson o "$(json_array "$@")"
}

spec_ns_path() {
	spec_set '.linux.namespaces |= map(select(.type != $t)) + [{type: $t, path: $p}]' \
		--arg t "$1" --arg p "$2"
}

kv() {
	printf '%s\n' "$output" | awk -v k="$1=" 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }'
}

assert_kv() {
	local got
	got=$(kv "$1")
	[ "$got" = "$2" ] || fail "$1: expected '$2', got '$got'"
}

wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# Capability numbers as in linux/capability.h.
declare -gA CAP_NUM=(
	[CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_DAC_READ_SEARCH]=2 [CAP_FOWNER]=3
	[CAP_FSETID]=4 [CAP_KILL]=5 [CAP_SETGID]=6 [CAP_SETUID]=7 [CAP_SETPCAP]=8
	[CAP_LINUX_IMMUTABLE]=9 [CAP_NET_BIND_SERVICE]=10 [CAP_NET_BROADCAST]=11
	[CAP_NET_ADMIN]=12 [CAP_NET_RAW]=13 [CAP_IPC_LOCK]=14 [CAP_IPC_OWNER]=15
	[CAP_SYS_MODULE]=16 [CAP_SYS_RAWIO]=17 [CAP_SYS_CHROOT]=18 [CAP_SYS_PTRACE]=19
	[CAP_SYS_PACCT]=20 [CAP_SYS_ADMIN]=21 [CAP_SYS_BOOT]=22 [CAP_SYS_NICE]=23
	[CAP_SYS_RESOURCE]=24 [CAP_SYS_TIME]=25 [CAP_SYS_TTY_CONFIG]=26 [CAP_MKNOD]=27
	[CAP_LEASE]=28 [CAP_AUDIT_WRITE]=29 [CAP_AUDIT_CONTROL]=30 [CAP_SETFCAP]=31
	[CAP_MAC_OVERRIDE]=32 [CAP_MAC_ADMIN]=33 [CAP_SYSLOG]=34 [CAP_WAKE_ALARM]=35
	[CAP_BLOCK_SUSPEND]=36 [CAP_AUDIT_READ]=37 [CAP_PERFMON]=38 [CAP_BPF]=39
	[CAP_CHECKPOINT_RESTORE]=40
)

cap_mask() {
	local mask=0 c
	for c in "$@"; do
		[ -n "${CAP_NUM[$c]+x}" ] || {
			echo "cap_mask: unknown capability $c" >&2
			return 1
		}
		mask=$((mask | (1 << ${CAP_NUM[$c]})))
	done
	printf '%016x\n' "$mask"
}

# The full bounding set of this kernel as /proc/self/status shows it.
host_cap_bnd() {
	sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status
}

# Skip, saying so, when the runtime has no such verb (capsa while it grows).
need_runtime_verb() {
	local out
	out=$("$RUNTIME" "$1" --help 2>&1) && return 0
	case $out in
	*"unknown command"* | *"No help topic"* | *"not a valid command"* | *"unknown verb"*)
		skip "$(basename "$RUNTIME") has no '$1' verb"
		;;
	esac
	return 0
}

is_runc() {
	[ "$(basename "$RUNTIME")" = runc ]
}

container_pid_known() {
	local id=${1:-$CID} f pid
	CPID=
	# The container's init carries CAPSA_ITEST=ID (base spec) and is PID 1
	# of its pid namespace (last NSpid field).  This does not depend on the
	# runtime keeping state for a foreground run.
	for f in $(grep -lzx "CAPSA_ITEST=$id" /proc/[0-9]*/environ 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/environ}
		if awk '$1 == "NSpid:" && $NF == 1 { ok = 1 } END { exit !ok }' "/proc/$pid/status" 2>/dev/null; then
			CPID=$pid
			return 0
		fi
	done
	return 1
}

mountinfo_line() {
	printf '%s\n' "$output" | awk -v d="$1" '$5 == d { l = $0 } END { if (l == "") exit 1; print l }'
}

mount_opts() {
	mountinfo_line "$1" | awk '{print $6}'
}

mount_fstype() {
	mountinfo_line "$1" | sed 's/.* - //' | awk '{print $1}'
}

mount_super() {
	mountinfo_line "$1" | sed 's/.* - //' | awk '{print $3}'
}

# has_opt LIST OPT: OPT is one of the comma-separated LIST.
has_opt() {
	[[ ",$1," == *",$2,"* ]]
}

wait_exit() {
	wait_for "${2:-30}" pids_gone "$1" || {
		echo "process $1 did not exit within ${2:-30}s" >&2
		return 1
	}
	rc=0
	wait "$1" || rc=$?
}

# deny_runtime NAME: point RUNTIME at a wrapper that runs it with NAME denied.
deny_runtime() {
	local deny=$HELPERS_DIR/deny-syscall
	[ -x "$deny" ] || fail "$deny missing (make helpers)"
	printf '#!/bin/sh\nexec %s %s %s "$@"\n' "$deny" "$1" "$RUNTIME" >"$TEST_TMP/runtime-no-$1"
	chmod +x "$TEST_TMP/runtime-no-$1"
	RUNTIME=$TEST_TMP/runtime-no-$1
}

# assert_in_cgroup PATH: every hierarchy capsa's host has mounted lists PATH
# in $output (a /proc/PID/cgroup).
assert_in_cgroup() {
	local want=$1 line h path n=0
	while IFS= read -r line; do
		h=${line#*:}
		h=${h%%:*}
		path=${line#*:*:}
		# a v1 hierarchy the host has not mounted (nothing to join)
		if [ -n "$h" ] && ! awk -v h="$h" '$3 == "cgroup" && ("," $4 ",") ~ ("," h ",")' /proc/mounts |
			grep -q .; then
			continue
		fi
		[ "$path" = "$want" ] || fail "hierarchy '${h:-unified}': in '$path', expected '$want'"
		n=$((n + 1))
	done <<<"$output"
	[ "$n" -gt 0 ] || fail "no cgroup lines in: $output"
}
