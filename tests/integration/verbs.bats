#!/usr/bin/env bats
# The runc verbs beyond the lifecycle: list, ps, pause/resume, update,
# events and features.  Every test passes with RUNTIME=runc (1.1) too.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() {
	common_setup
	spec_args probe sleep 1000
}
teardown() { common_teardown; }

# create_container [ID] [OPTIONS...]: `create` with the container's stdio in
# $TEST_TMP/ID.out, never bats' output pipe (see lifecycle.bats).
create_container() {
	local id=${1:-$CID}
	shift || true
	runtime create --bundle "$BUNDLE" "$@" "$id" </dev/null >"$TEST_TMP/$id.out" 2>&1
}

# run_detached [ID]: create + start.
run_detached() {
	create_container "$@" && runtime start "${1:-$CID}"
}

state_status() {
	runtime state "${1:-$CID}" 2>/dev/null | jq -r .status
}

status_is() {
	[ "$(state_status "$2")" = "$1" ]
}

init_pid() {
	runtime state "${1:-$CID}" | jq -r .pid
}

# cg_dir CONTROLLER PID: the v1 cgroup directory of PID for CONTROLLER (the
# runtimes choose different cgroup paths: ask the process, not the runtime).
cg_dir() {
	local rel
	rel=$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$2/cgroup")
	[ -n "$rel" ] || return 1
	echo "/sys/fs/cgroup/$1$rel"
}

# ---- list -----------------------------------------------------------------

@test "list: table, json and -q with a created and a running container" {
	create_container "$CID-1" || fail "create failed: $(cat "$TEST_TMP/$CID-1.out")"
	run_detached "$CID-2" || fail "run failed: $(cat "$TEST_TMP/$CID-2.out")"
	wait_for 10 status_is running "$CID-2" || fail "not running"
	pid1=$(init_pid "$CID-1")
	pid2=$(init_pid "$CID-2")

	run runtime list
	[ "$status" -eq 0 ] || fail "list failed"
	# runc's tabwriter: columns at least 12 wide, 3 spaces of padding.
	[[ ${lines[0]} =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]] || fail "header: '${lines[0]}'"
	[ "${#lines[@]}" -eq 3 ] || fail "expected header + 2 rows"
	read -r -a row <<<"${lines[1]}"
	[ "${row[*]:0:4}" = "$CID-1 $pid1 created $BUNDLE" ] || fail "row 1: ${lines[1]}"
	[ "${row[5]}" = root ] || fail "owner of row 1: ${row[5]}"
	read -r -a row <<<"${lines[2]}"
	[ "${row[*]:0:4}" = "$CID-2 $pid2 running $BUNDLE" ] || fail "row 2: ${lines[2]}"
	# aligned: every row starts its PID column where the header does
	hdr_pid=${lines[0]%%PID*}
	[ "${lines[1]:${#hdr_pid}:${#pid1}}" = "$pid1" ] || fail "PID column not aligned"

	run runtime list --format json
	[ "$status" -eq 0 ] || fail "list --format json failed"
	[ "$(jq -r 'length' <<<"$output")" = 2 ] || fail "json length"
	[ "$(jq -r '.[0] | [.id, .pid, .status, .bundle, .rootfs, .owner] | @tsv' <<<"$output")" = \
		"$CID-1	$pid1	created	$BUNDLE	$BUNDLE/rootfs	root" ] || fail "json entry 1"
	[ "$(jq -r '.[1] | [.id, .pid, .status] | @tsv' <<<"$output")" = "$CID-2	$pid2	running" ] ||
		fail "json entry 2"
	jq -e 'all(.[]; (.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")) and (.ociVersion | length > 0))' \
		<<<"$output" >/dev/null || fail "created/ociVersion"

	run runtime list -q
	[ "$status" -eq 0 ] || fail "list -q failed"
	[ "$output" = "$CID-1"$'\n'"$CID-2" ] || fail "list -q output"

	runtime delete --force "$CID-1"
	runtime delete --force "$CID-2"
	run runtime list -q
	[ -z "$output" ] || fail "list after delete not empty"
}

@test "list: a stopped container shows pid 0; a state dir without state.json is skipped" {
	spec_args probe exit 0
	run_detached || fail "run failed"
	wait_for 10 status_is stopped || fail "not stopped"
	# What a create killed before writing its state leaves behind.
	mkdir "$ROOT/$CID-half"
	run --separate-stderr runtime list --format json
	[ "$status" -eq 0 ] || fail "list failed"
	[ "$(jq -r '[.[].id] | join(",")' <<<"$output")" = "$CID" ] || fail "ids: $output"
	[ "$(jq -r '.[0] | "\(.status) \(.pid)"' <<<"$output")" = "stopped 0" ] || fail "stopped entry"
	rmdir "$ROOT/$CID-half"
	runtime delete "$CID"
}

@test "list: an unknown --format is refused" {
	run runtime list --format yaml
	[ "$status" -ne 0 ] || fail "list --format yaml succeeded"
}

# ---- ps -------------------------------------------------------------------

@test "ps: json is the cgroup's pids, table filters ps -ef by them" {
	spec_args sh -c 'sleep 1000 & sleep 1001 & wait'
	run_detached || fail "run failed"
	pid=$(init_pid)
	procs=$(cg_dir pids "$pid")/cgroup.procs
	wait_for 10 eval '[ "$(wc -l <"'"$procs"'")" -eq 3 ]' || fail "expected 3 processes in $procs"

	run runtime ps --format json "$CID"
	[ "$status" -eq 0 ] || fail "ps --format json failed"
	# exactly a JSON array of numbers (containerd's shim parses that)
	jq -e 'type == "array" and all(.[]; type == "number")' <<<"$output" >/dev/null || fail "not [pid,...]"
	[ "$(jq -r 'sort | join(" ")' <<<"$output")" = "$(sort -n "$procs" | xargs)" ] ||
		fail "ps json != cgroup.procs ($(xargs <"$procs"))"

	run runtime ps "$CID"
	[ "$status" -eq 0 ] || fail "ps failed"
	[[ ${lines[0]} =~ ^UID\ +PID\ +PPID ]] || fail "header: ${lines[0]}"
	[ "${#lines[@]}" -eq 4 ] || fail "expected header + 3 rows"
	got=$(printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | sort -n | xargs)
	[ "$got" = "$(sort -n "$procs" | xargs)" ] || fail "ps rows' pids: $got"
	printf '%s\n' "${lines[@]:1}" | grep -q 'sleep 1001' || fail "sleep 1001 row missing"

	# ps options replace -ef
	run runtime ps "$CID" -o pid,args
	[ "$status" -eq 0 ] || fail "ps -o failed"
	[[ ${lines[0]} =~ ^\ *PID\ +COMMAND ]] || fail "header with -o: ${lines[0]}"
	[ "${#lines[@]}" -eq 4 ] || fail "expected header + 3 rows with -o"
	runtime delete --force "$CID"
}

@test "ps: an unknown container fails with 'does not exist'" {
	run runtime ps --format json "$CID-nope"
	[ "$status" -ne 0 ] || fail "ps of an unknown id succeeded"
	[[ $output == *"does not exist"* ]] || fail "error should say 'does not exist'"
}

# ---- pause / resume -------------------------------------------------------

# The counter lives on a tmpfs inside the container (a file on the disk
# would make each iteration wait for writeback); the host reads it through
# /proc/PID/root, which works while the container is frozen too.
counter() {
	cat "/proc/$CPID/root/tmp/counter" 2>/dev/null || true
}

counter_moves() {
	local a b
	a=$(counter)
	sleep 0.3
	b=$(counter)
	[ -n "$b" ] && [ "$a" != "$b" ]
}

@test "pause stops a spinning process, resume continues it" {
	spec_add_tmpfs /tmp
	spec_args sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/counter; done'
	run_detached || fail "run failed"
	CPID=$(init_pid)
	wait_for 10 counter_moves || fail "counter does not move before pause"

	run runtime pause "$CID"
	[ "$status" -eq 0 ] || fail "pause failed"
	[ "$(state_status)" = paused ] || fail "state is $(state_status), not paused"
	[ "$(runtime list --format json | jq -r '.[0].status')" = paused ] || fail "list does not say paused"
	a=$(counter)
	sleep 1
	[ "$(counter)" = "$a" ] || fail "counter moved while paused ($a -> $(counter))"
	[ "$(cat "$(cg_dir freezer "$CPID")/freezer.state")" = FROZEN ] || fail "freezer not FROZEN"

	run runtime resume "$CID"
	[ "$status" -eq 0 ] || fail "resume failed"
	[ "$(state_status)" = running ] || fail "state is $(state_status), not running"
	wait_for 10 counter_moves || fail "counter does not move after resume"

	# resume of a running container is refused
	run runtime resume "$CID"
	[ "$status" -ne 0 ] || fail "resume of a running container succeeded"
	[[ $output == *"not paused"* ]] || fail "error should say 'not paused'"
	runtime delete --force "$CID"
}

@test "pause: a paused container can be killed and deleted" {
	run_detached || fail "run failed"
	pid=$(init_pid)
	runtime pause "$CID" || fail "pause failed"
	runtime delete --force "$CID" || fail "delete --force of a paused container"
	wait_for 10 eval '[ ! -e /proc/'"$pid"' ] || [ "$(awk "{print \$3}" /proc/'"$pid"'/stat)" = Z ]' ||
		fail "init $pid survived"
}

@test "pause: an unknown container fails with 'does not exist'" {
	run runtime pause "$CID-nope"
	[ "$status" -ne 0 ] || fail "pause of an unknown id succeeded"
	[[ $output == *"does not exist"* ]] || fail "error should say 'does not exist'"
}

# ---- update ---------------------------------------------------------------

@test "update: flags change the memory, cpu and pids limit files" {
	run_detached || fail "run failed"
	pid=$(init_pid)
	mem=$(cg_dir memory "$pid")
	runtime update --memory 100m "$CID" || fail "update --memory 100m"
	[ "$(cat "$mem/memory.limit_in_bytes")" = 104857600 ] || fail "limit $(cat "$mem/memory.limit_in_bytes")"
	runtime update --memory 200m --memory-swap 300m --memory-reservation 50m "$CID" ||
		fail "update memory + swap"
	[ "$(cat "$mem/memory.limit_in_bytes")" = 209715200 ] || fail "limit after 2nd update"
	[ "$(cat "$mem/memory.memsw.limit_in_bytes")" = 314572800 ] || fail "memsw limit"
	[ "$(cat "$mem/memory.soft_limit_in_bytes")" = 52428800 ] || fail "soft limit"
	# --cpu-share is runc's spelling
	runtime update --cpu-share 512 --cpu-period 100000 --cpu-quota 50000 --pids-limit 42 "$CID" ||
		fail "update cpu + pids"
	cpu=$(cg_dir cpu "$pid")
	[ "$(cat "$cpu/cpu.shares")" = 512 ] || fail "cpu.shares"
	[ "$(cat "$cpu/cpu.cfs_quota_us")" = 50000 ] || fail "cfs quota"
	[ "$(cat "$(cg_dir pids "$pid")/pids.max")" = 42 ] || fail "pids.max"
	# -1: unlimited again
	runtime update --memory -1 --memory-swap -1 "$CID" || fail "update --memory -1"
	[ "$(cat "$mem/memory.limit_in_bytes")" -gt $((1 << 50)) ] || fail "limit not lifted"
	# a bad size is refused and changes nothing
	run runtime update --memory 12x "$CID"
	[ "$status" -ne 0 ] || fail "--memory 12x accepted"
	[ "$(cat "$mem/memory.limit_in_bytes")" -gt $((1 << 50)) ] || fail "bad update changed the limit"
	runtime delete --force "$CID"
}

@test "update: --resources from a file and from stdin" {
	run_detached || fail "run failed"
	pid=$(init_pid)
	mem=$(cg_dir memory "$pid")
	echo '{"memory": {"limit": 67108864}, "pids": {"limit": 77}}' >"$TEST_TMP/res.json"
	runtime update --resources "$TEST_TMP/res.json" "$CID" || fail "update --resources FILE"
	[ "$(cat "$mem/memory.limit_in_bytes")" = 67108864 ] || fail "limit from file"
	[ "$(cat "$(cg_dir pids "$pid")/pids.max")" = 77 ] || fail "pids.max from file"
	echo '{"memory": {"limit": 33554432}}' | runtime update -r - "$CID" || fail "update -r -"
	[ "$(cat "$mem/memory.limit_in_bytes")" = 33554432 ] || fail "limit from stdin"
	# malformed JSON is an error
	run runtime update -r - "$CID" <<<'{"memory": '
	[ "$status" -ne 0 ] || fail "malformed resources accepted"
	[ "$(cat "$mem/memory.limit_in_bytes")" = 33554432 ] || fail "malformed update changed the limit"
	runtime delete --force "$CID"
}

# ---- events ---------------------------------------------------------------

@test "events --stats: one stats event in runc's shape" {
	run_detached || fail "run failed"
	run runtime events --stats "$CID"
	[ "$status" -eq 0 ] || fail "events --stats failed"
	[ "${#lines[@]}" -eq 1 ] || fail "expected one line"
	jq -e --arg id "$CID" '
		.type == "stats" and .id == $id and
		(.data.cpu.usage.total | type == "number" and . > 0) and
		(.data.memory.usage.usage | type == "number" and . > 0) and
		(.data.memory.usage | has("limit") and has("max") and has("failcnt")) and
		(.data.memory.raw | type == "object") and
		(.data.pids.current >= 1)' <<<"$output" >/dev/null || fail "stats shape"
	runtime delete --force "$CID"
}

@test "events: a stats event every interval" {
	run_detached || fail "run failed"
	# runc's events never returns by itself: stop it after ~2.5 intervals
	timeout 2.7 "$RUNTIME" --root "$ROOT" events --interval 1s "$CID" >"$TEST_TMP/ev" 2>&1 || true
	n=$(grep -c '"type":"stats"' "$TEST_TMP/ev" || true)
	[ "$n" -ge 2 ] && [ "$n" -le 3 ] || fail "expected 2-3 stats events in 2.7 s, got $n: $(cat "$TEST_TMP/ev")"
	jq -se --arg id "$CID" 'all(.[]; .id == $id and (.data.memory | type == "object"))' \
		<"$TEST_TMP/ev" >/dev/null || fail "event lines"
	runtime delete --force "$CID"
}

@test "events: an oom event when the OOM killer strikes in the container" {
	spec_set '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
	# init survives; each child allocates past the limit and is OOM-killed
	spec_args sh -c 'while :; do probe alloc 64 >/dev/null 2>&1; sleep 0.3; done'
	run_detached || fail "run failed"
	"$RUNTIME" --root "$ROOT" events --interval 60s "$CID" >"$TEST_TMP/ev" 2>&1 &
	evpid=$!
	CLEANUP_PIDS=$evpid
	wait_for 15 grep -q '"type":"oom"' "$TEST_TMP/ev" || fail "no oom event: $(cat "$TEST_TMP/ev")"
	[ "$(grep '"type":"oom"' "$TEST_TMP/ev" | head -n1 | jq -c .)" = "{\"type\":\"oom\",\"id\":\"$CID\"}" ] ||
		fail "oom event shape: $(cat "$TEST_TMP/ev")"
	runtime kill "$CID" KILL
	if ! is_runc; then
		# capsa's events ends with the container (runc 1.1 keeps waiting)
		wait_exit "$evpid" 10 || fail "events still running after the container stopped"
		[ "$rc" -eq 0 ] || fail "events exited with $rc"
	fi
	runtime delete --force "$CID"
}

@test "events: a stopped container is refused" {
	spec_args probe exit 0
	run_detached || fail "run failed"
	wait_for 10 status_is stopped || fail "not stopped"
	run runtime events --stats "$CID"
	[ "$status" -ne 0 ] || fail "events --stats of a stopped container succeeded"
	[[ $output == *"not running"* ]] || fail "error should say 'not running'"
	runtime delete "$CID"
}

# ---- features -------------------------------------------------------------

# validate_features FILE: FILE is valid against features-schema.json.
validate_features() {
	python3 - "$REPO/../shared/oci-runtime-spec/schema" "$1" <<'EOF'
import json, pathlib, sys
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

base = pathlib.Path(sys.argv[1])
registry = Registry().with_resources(
    (p.name, Resource.from_contents(json.loads(p.read_text()), default_specification=DRAFT4))
    for p in base.glob("*.json"))
schema = json.loads((base / "features-schema.json").read_text())
errors = list(Draft4Validator(schema, registry=registry).iter_errors(json.load(open(sys.argv[2]))))
for e in errors:
    print("invalid:", "/".join(map(str, e.absolute_path)), e.message)
sys.exit(1 if errors else 0)
EOF
}

@test "features: valid against features-schema.json and describes the runtime" {
	need_runtime_verb features
	[ -d "$REPO/../shared/oci-runtime-spec/schema" ] || skip "runtime-spec schemas not found next to the repo"
	runtime features >"$TEST_TMP/features.json" || fail "features failed"
	run validate_features "$TEST_TMP/features.json"
	[ "$status" -eq 0 ] || fail "features output does not validate"
	# the validator does reject a bad document
	jq '.ociVersionMax = 12 | .linux.namespaces += ["nonsense"]' "$TEST_TMP/features.json" >"$TEST_TMP/bad.json"
	run validate_features "$TEST_TMP/bad.json"
	[ "$status" -ne 0 ] || fail "validator accepted a broken document"

	f=$TEST_TMP/features.json
	[ "$(jq -r .ociVersionMin "$f")" = 1.0.0 ] || fail "ociVersionMin"
	[ "$(jq -r '.hooks | sort | join(",")' "$f")" = \
		createContainer,createRuntime,poststart,poststop,prestart,startContainer ] || fail "hooks"
	for ns in pid network mount ipc uts user cgroup; do
		jq -e --arg n "$ns" '.linux.namespaces | index($n)' "$f" >/dev/null || fail "namespace $ns missing"
	done
	# every capability of this kernel
	last=$(cat /proc/sys/kernel/cap_last_cap)
	[ "$(jq '.linux.capabilities | length' "$f")" -ge $((last + 1)) ] || fail "capabilities: fewer than $((last + 1))"
	jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") and index("CAP_CHOWN")' "$f" >/dev/null || fail "caps"
	for o in ro nosuid nodev noexec bind rbind rprivate; do
		jq -e --arg o "$o" '.mountOptions | index($o)' "$f" >/dev/null || fail "mount option $o missing"
	done
	jq -e '.linux.seccomp.enabled and (.linux.seccomp.actions | index("SCMP_ACT_ERRNO")) and
		(.linux.seccomp.archs | index("SCMP_ARCH_X86_64")) and
		(.linux.seccomp.operators | index("SCMP_CMP_MASKED_EQ"))' "$f" >/dev/null || fail "seccomp"
	if ! is_runc; then
		# capsa promises only what it implements: idmapped mounts yes
		# (mounts-idmap.bats), no tmpcopyup, no systemd driver, no LSM profiles
		jq -e '(.mountOptions | index("idmap")) and (.mountOptions | index("tmpcopyup") | not) and
			.linux.mountExtensions.idmap.enabled == true and .linux.cgroup.systemd == false and
			.linux.apparmor.enabled == false and .linux.selinux.enabled == false and
			.linux.cgroup.v1 and .linux.cgroup.v2' "$f" >/dev/null || fail "capsa specifics"
		# the supported seccomp flags are known ones
		jq -e '.linux.seccomp as $s | all($s.supportedFlags[]; . as $x | $s.knownFlags | index($x))' \
			"$f" >/dev/null || fail "supportedFlags not within knownFlags"
	fi
}

# ---- help -----------------------------------------------------------------

@test "verbs: --help works for each of them" {
	for verb in list ps pause resume update events; do
		run "$RUNTIME" "$verb" --help
		[ "$status" -eq 0 ] || fail "$verb --help failed"
		[[ $output == *"$verb"* ]] || fail "$verb --help does not name the verb"
	done
}
