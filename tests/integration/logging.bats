#!/usr/bin/env bats
# Global --log FILE --log-format text|json.  containerd's shim passes
# `--log B/log.json --log-format json` on every call and, when one fails,
# reports the msg of the LAST {"level":"error",...} line of that file; podman
# (conmon) does the same.  The error still goes to stderr as well.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

# rt_logged FORMAT ARGS...: runtime --log $TEST_TMP/log --log-format FORMAT
# ARGS, stdin /dev/null, stdout+stderr of the runtime in $TEST_TMP/stdout
# and $TEST_TMP/stderr; sets $status, $output (= stderr), $LOGF.
rt_logged() {
	local fmt=$1
	shift
	LOGF=$TEST_TMP/log
	status=0
	runtime --log "$LOGF" --log-format "$fmt" "$@" </dev/null >"$TEST_TMP/stdout" 2>"$TEST_TMP/stderr" || status=$?
	output=$(cat "$TEST_TMP/stderr")
}

# check_json_log FILE: every line is a JSON object with string level, msg
# and an RFC 3339 time; prints the msg of the last error line.
check_json_log() {
	local n=0 line
	[ -s "$1" ] || {
		echo "log file $1 empty or missing" >&2
		return 1
	}
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e '(type == "object") and (.level | type == "string") and (.msg | type == "string")
			and (.time | type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"))' \
			<<<"$line" >/dev/null 2>&1 || {
			echo "log line $n is not a {level,msg,time} JSON object: $line" >&2
			return 1
		}
	done <"$1"
	jq -rs 'map(select(.level == "error")) | last | .msg // empty' "$1"
}

@test "logging: --log-format json, failing start: JSON lines, the last error line names the failure, stderr too" {
	rt_logged json start "$CID-nosuch"
	[ "$status" -ne 0 ] || fail "start of an unknown id succeeded"
	msg=$(check_json_log "$LOGF") || fail "bad JSON log: $(cat "$LOGF")"
	[[ $msg == *"does not exist"* ]] || fail "last error line: '$msg', expected 'does not exist'"
	[[ $output == *"does not exist"* ]] || fail "the error is not on stderr"
}

@test "logging: --log-format json, failing create (missing binary): the last error line names it, nothing left" {
	spec_args /nonexistent-binary
	rt_logged json create --bundle "$BUNDLE" "$CID"
	[ "$status" -ne 0 ] || fail "create of a missing binary succeeded"
	msg=$(check_json_log "$LOGF") || fail "bad JSON log: $(cat "$LOGF")"
	[[ $msg == *nonexistent-binary* ]] || fail "last error line: '$msg', expected it to name /nonexistent-binary"
	[[ $output == *nonexistent-binary* ]] || fail "the error is not on stderr"
	run runtime state "$CID"
	[ "$status" -ne 0 ] || fail "state of the failed container succeeded"
}

@test "logging: --log-format json, a successful lifecycle writes no error line" {
	spec_args true
	rt_logged json create --bundle "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "create failed"
	rt_logged json start "$CID"
	[ "$status" -eq 0 ] || fail "start failed"
	wait_for 10 bash -c "'$RUNTIME' --root '$ROOT' state '$CID' | jq -e '.status == \"stopped\"'" || fail "not stopped"
	rt_logged json delete "$CID"
	[ "$status" -eq 0 ] || fail "delete failed"
	if [ -s "$LOGF" ]; then
		msg=$(check_json_log "$LOGF") || fail "bad JSON log: $(cat "$LOGF")"
		[ -z "$msg" ] || fail "error line after a successful lifecycle: $msg"
	fi
}

@test "logging: the log file is appended to, not truncated" {
	LOGF=$TEST_TMP/log
	echo '{"level":"info","msg":"earlier line","time":"2024-01-01T00:00:00Z"}' >"$LOGF"
	rt_logged json kill "$CID-nosuch" KILL
	[ "$status" -ne 0 ] || fail "kill of an unknown id succeeded"
	[ "$(head -n1 "$LOGF" | jq -r .msg)" = "earlier line" ] || fail "the earlier line is gone: $(cat "$LOGF")"
	msg=$(check_json_log "$LOGF") || fail "bad JSON log: $(cat "$LOGF")"
	[[ $msg == *"does not exist"* ]] || fail "last error line: '$msg'"
}

@test "logging: --log-format text writes a level=error line naming the failure" {
	rt_logged text start "$CID-nosuch"
	[ "$status" -ne 0 ] || fail "start of an unknown id succeeded"
	[ -s "$LOGF" ] || fail "empty text log"
	line=$(grep 'level=error' "$LOGF" | tail -n1)
	[[ $line == *'msg="'*"does not exist"* ]] || fail "no level=error msg=\"...does not exist\" line: $(cat "$LOGF")"
	! jq -e . <<<"$line" >/dev/null 2>&1 || fail "--log-format text wrote JSON"
	[[ $output == *"does not exist"* ]] || fail "the error is not on stderr"
}

@test "logging: an unknown --log-format is an error" {
	rt_logged bogus state "$CID-nosuch"
	[ "$status" -ne 0 ] || fail "--log-format bogus accepted"
	[[ $output == *bogus* ]] || fail "the error does not name the format"
}
