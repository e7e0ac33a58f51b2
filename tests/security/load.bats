#!/usr/bin/env bats
# Load (issue 7): many distinct containers created, exec'd into, killed and
# deleted concurrently, in bounded time and without leaks; and `kill`
# racing the container's natural exit.
#
# CAPSA_LOAD_N containers (default 200, as the issue asks; about 30 s on this
# 2-core machine; a smaller N for a quick run).  Every phase is bounded by
# CAPSA_LOAD_TIMEOUT seconds (default 60).

load sec-helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() {
	sec_setup
	: "${CAPSA_LOAD_N:=200}" "${CAPSA_LOAD_TIMEOUT:=60}"
}
teardown() { sec_teardown; }

# phase NAME CMD...: run CMD (with every argument @ID@ replaced by ID) for
# every ID in $ids as background jobs, at most $CAPSA_LOAD_TIMEOUT s each;
# fails listing the IDs whose CMD failed.
phase() {
	local name=$1 id pids=() i=0 bad= st t0=$SECONDS
	shift
	for id in $ids; do
		timeout --kill-after=5 "$CAPSA_LOAD_TIMEOUT" "${@//@ID@/$id}" </dev/null >"$TEST_TMP/$name.$id.out" 2>&1 &
		pids+=($!)
	done
	for id in $ids; do
		st=0
		wait "${pids[$i]}" || st=$?
		i=$((i + 1))
		[ "$st" = 0 ] || bad+=" $id(rc $st: $(tr '\n' ' ' <"$TEST_TMP/$name.$id.out"))"
	done
	echo "# $name: $CAPSA_LOAD_N in $((SECONDS - t0)) s" >&3
	[ -z "$bad" ] || fail "$name failed for:$bad"
}

# The kill+delete phase, as a script for timeout: SIGKILL, wait (at most
# 30 s) until stopped, delete.
KILL_AND_DELETE='"$1" --root "$2" kill "$3" KILL || exit 1
for i in $(seq 300); do
	[ "$("$1" --root "$2" state "$3" | jq -r .status)" != stopped ] || exec "$1" --root "$2" delete "$3"
	sleep 0.1
done
echo "$3: not stopped after SIGKILL"
exit 1'


@test "load: N (CAPSA_LOAD_N, default 200) containers run -d, exec, kill, delete concurrently; no hang, no leak" {
	local i t0=$SECONDS id bad=
	spec_args probe sleep 100
	ids=
	for i in $(seq 1 "$CAPSA_LOAD_N"); do ids+=" $CID-l$i"; done
	phase run "$RUNTIME" --root "$ROOT" run -d --bundle "$BUNDLE" @ID@
	for id in $ids; do
		state_is "$id" running || bad+=" $id($(state_of "$id"))"
	done
	[ -z "$bad" ] || fail "not running after run -d:$bad"
	phase exec "$RUNTIME" --root "$ROOT" exec @ID@ true
	phase exec-probe "$RUNTIME" --root "$ROOT" exec @ID@ probe pid
	phase kill+delete bash -c "$KILL_AND_DELETE" _ "$RUNTIME" "$ROOT" @ID@
	echo "# total: $((SECONDS - t0)) s" >&3
	for id in $ids; do
		wait_for 5 eval 'fast_leaks "$id" >/dev/null' || bad+=" $(fast_leaks "$id" | tr '\n' ' ')"
	done
	[ -z "$bad" ] || fail "left behind:$bad"
	[ -z "$(ls -A "$ROOT" | grep -v '^\.')" ] || fail "state dirs left: $(ls -A "$ROOT")"
}

@test "race: kill racing the natural exit (30 times) succeeds or says not running, and signals nothing else" {
	local i id decoy out st ok=0 notrun=0 bad=
	spec_args sleep 0.05
	sleep 1000 &
	decoy=$!
	CLEANUP_PIDS=$decoy
	for i in $(seq 1 30); do
		id=$CID-r$i
		runtime run -d --bundle "$BUNDLE" "$id" </dev/null >"$TEST_TMP/run.out" 2>&1 ||
			fail "run -d $id: $(cat "$TEST_TMP/run.out")"
		# 0-80 ms: before, around and after the 50 ms exit.
		sleep "$(printf '0.%03d' $((RANDOM % 81)))"
		st=0
		out=$(runtime kill "$id" KILL 2>&1) || st=$?
		if [ "$st" = 0 ]; then
			ok=$((ok + 1))
		elif grep -q 'not running' <<<"$out"; then
			notrun=$((notrun + 1))
		else
			bad+=$'\n'"$id: kill exit $st: $out"
		fi
		wait_for 5 state_is "$id" stopped || bad+=$'\n'"$id: not stopped ($(state_of "$id"))"
		runtime delete "$id" >"$TEST_TMP/del.out" 2>&1 || bad+=$'\n'"$id: delete: $(cat "$TEST_TMP/del.out")"
		kill -0 "$decoy" || fail "the decoy process $decoy died (iteration $i)"
	done
	echo "# 30 races: $ok kills delivered, $notrun 'not running'" >&3
	[ -z "$bad" ] || fail "$bad"
	kill -0 "$decoy" || fail "the decoy process died"
}
