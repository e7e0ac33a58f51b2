#!/usr/bin/env bats
# The bad-spec corpus (tests/badspec/NN-name.json with the error substring
# capsa must print in NN-name.expect): `run` on each as the config.json of a
# bundle with a valid rootfs must fail (exit 1..125, no signal, no sanitizer
# report), print the expected text on stderr, and leave nothing behind.
# run.sh runs this file a second time against build-asan/capsa when it
# exists.  The cases run in groups by number (01-09, 10-19, ...; bats
# costs more per test than a case does); a failure names every failing case
# of its group with the reason.  New cases are picked up by their number.
#
# The expected messages are capsa's own: against runc the cases skip.

load sec-helpers

CORPUS=$REPO/tests/badspec

setup_file() {
	common_setup_file
	# One rootfs for every case: nothing of it is used before the spec
	# is rejected, and a copy per case would cost more than the runs.
	export BADSPEC_ROOTFS=$BATS_FILE_TMPDIR/rootfs
	cp -a "$TEST_ROOTFS" "$BADSPEC_ROOTFS"
}
teardown_file() {
	common_teardown_file
	rm -rf "$BADSPEC_ROOTFS"
}

setup() {
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	mkdir -p "$BUNDLE"
	ln -s "$BADSPEC_ROOTFS" "$BUNDLE/rootfs"
}

teardown() {
	local d
	# Never leave a container of ours for the next case.
	for d in "$ROOT"/*; do
		[ -e "$d" ] || continue
		timeout 30 "$RUNTIME" --root "$ROOT" delete --force "${d##*/}" >/dev/null 2>&1 || true
		rm -rf "$d"
	done
	rm -rf "$BUNDLE"
}

# badspec_case NAME: run the case tests/badspec/NAME.{json,expect}; on
# failure print why on stdout and return 1.
badspec_case() {
	local name=$1 want err leaks status=0
	CID="bs-$ITEST_TAG-$name"
	want=$(cat "$CORPUS/$name.expect" 2>/dev/null) || {
		echo "$name: no .expect file"
		return 1
	}
	cp "$CORPUS/$name.json" "$BUNDLE/config.json"
	timeout --kill-after=5 30 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$CID" \
		</dev/null >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr" || status=$?
	err=$(head -c 2000 "$BATS_TEST_TMPDIR/stderr")
	if [ "$status" -eq 0 ]; then
		echo "$name: accepted (exit 0)"
	elif [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		echo "$name: timed out"
	elif [ "$status" -ge 126 ]; then
		echo "$name: exit $status (crash or signal): $err"
	elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' <<<"$err"; then
		echo "$name: sanitizer report: $err"
	elif ! grep -qF -- "$want" <<<"$err"; then
		echo "$name: stderr lacks '$want': $err"
	elif ! leaks=$(fast_leaks "$CID"); then
		echo "$name: $leaks"
	elif [ -n "$(ls -A "$ROOT" | grep -v '^\.')" ]; then
		echo "$name: state left in $ROOT: $(ls -A "$ROOT")"
	else
		return 0
	fi
	return 1
}

# badspec_group GLOB: every case whose file name matches GLOB.json.
badspec_group() {
	local f n bad= count=0
	! is_runc || skip "the expected messages are capsa's"
	for f in "$CORPUS"/$1.json; do
		[ -e "$f" ] || continue
		n=$(basename "$f" .json)
		count=$((count + 1))
		bad+=$(badspec_case "$n") && continue
		bad+=$'\n'
		# A leftover of this case must not count against the next one.
		teardown
		setup
	done
	[ "$count" -gt 0 ] || skip "no case matches $1"
	[ -z "$bad" ] || fail $'failing cases:\n'"$bad"
}

@test "badspec cases 00-09" { badspec_group '0[0-9]-*'; }
@test "badspec cases 10-19" { badspec_group '1[0-9]-*'; }
@test "badspec cases 20-29" { badspec_group '2[0-9]-*'; }
@test "badspec cases 30-39" { badspec_group '3[0-9]-*'; }
@test "badspec cases 40-49" { badspec_group '4[0-9]-*'; }
@test "badspec cases 50-59" { badspec_group '5[0-9]-*'; }
@test "badspec cases 60-69" { badspec_group '6[0-9]-*'; }
@test "badspec cases 70-79" { badspec_group '7[0-9]-*'; }
@test "badspec cases 80-89" { badspec_group '8[0-9]-*'; }
@test "badspec cases 90-99" { badspec_group '9[0-9]-*'; }

@test "badspec: every case has its .expect and a number the groups cover" {
	local f n missing=
	for f in "$CORPUS"/*.json; do
		n=$(basename "$f" .json)
		# Two digits: a 100th case needs a group of its own above.
		[[ $n =~ ^[0-9]{2}- ]] || missing+=" $n(not NN-name)"
		[ -f "$CORPUS/$n.expect" ] || missing+=" $n(.expect)"
	done
	[ -z "$missing" ] || fail "cases not run:$missing"
	[ "$(ls "$CORPUS"/*.json | wc -l)" -ge 60 ] || fail "corpus smaller than 60 cases"
}
