# Shared helpers of the end-to-end suite (sourced by run.sh; bash).
#
# Every flow runs once per runtime in $RUNTIMES.  A flow records what a user
# can observe (output, exit codes, states) with `expect`, which also checks
# the value against what it must be; `compare FLOW` then checks that each
# runtime recorded exactly what runc recorded.  Results live in $W/res.
#
# Variables set by run.sh: W (scratch dir), TAG (unique name part used for
# namespaces and cgroup parents), RUNTIMES, CAPSA, IMG (image dir).

E2E_PASS=0
E2E_FAIL=0
E2E_SKIP=0
E2E_FAILED=()
E2E_TIMEOUT=${E2E_TIMEOUT:-20}
CUR_RT=
CUR_SUITE=

pass() {
	E2E_PASS=$((E2E_PASS + 1))
	[ "${E2E_VERBOSE:-0}" = 1 ] && echo "ok   $*"
	return 0
}

fail() {
	E2E_FAIL=$((E2E_FAIL + 1))
	E2E_FAILED+=("$*")
	echo "FAIL $*"
	return 0
}

skip() {
	E2E_SKIP=$((E2E_SKIP + 1))
	echo "SKIP $*"
}

# rt_bin RT: the binary of a runtime name.
rt_bin() {
	case $1 in
	runc) echo "${E2E_RUNC:-/usr/sbin/runc}" ;;
	capsa) echo "$CAPSA" ;;
	crun) echo "$W/bin/crun" ;; # see rt_setup
	*) echo "/nonexistent/$1" ;;
	esac
}

# rt_setup: wrappers some runtimes need.  crun 1.8 refuses this hybrid
# cgroup host unless /sys/fs/cgroup/unified is gone, so it runs in a private
# mount namespace without it (the host's mounts stay untouched).  A scratch
# tmpfs goes where it was: crun (now in v1 mode) still creates a dir per
# container there, which on the bare mount point would land, hidden, in the
# host's /sys/fs/cgroup tmpfs.  crun is a
# second reference for validating the suite: E2E_RUNTIMES="runc crun".
rt_setup() {
	mkdir -p "$W/bin"
	cat >"$W/bin/crun" <<'EOF'
#!/bin/sh
exec unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified && mount -t tmpfs -o size=16m e2e-crun /sys/fs/cgroup/unified && exec /usr/bin/crun "$@"' crun "$@"
EOF
	chmod 0755 "$W/bin/crun"
}

# oneline TEXT: newlines as \n, carriage returns and NULs dropped, so a
# value fits on one line of the results file.
oneline() {
	printf '%s' "$1" | tr -d '\r\000' | sed -e ':a;N;$!ba;s/\n/\\n/g'
}

# rec FLOW RT KEY VALUE: record an observation without checking it.  Names
# the tests derive from the runtime's name (ids, container names) are
# replaced by RT, so the records of two runtimes compare equal.
rec() {
	local v
	v=$(oneline "$4")
	v=${v//$W/W}
	v=${v//$TAG-$2-/TAG-RT-}
	v=$(sed -E "s/(^|[^A-Za-z0-9_./-])$2-/\1RT-/g" <<<"$v")
	printf '%s=%s\n' "$3" "$v" >>"$W/res/$1.$2"
}

# expect FLOW RT KEY ACTUAL WANT: record ACTUAL and check it equals WANT.
expect() {
	local got want
	got=$(oneline "$4")
	want=$(oneline "$5")
	rec "$1" "$2" "$3" "$4"
	if [ "$got" = "$want" ]; then
		pass "$1 [$2] $3"
	else
		fail "$1 [$2] $3: got '$got', want '$want'"
	fi
}

# expect_re FLOW RT KEY ACTUAL ERE: check ACTUAL matches ERE; record RECORDED
# (default: the ACTUAL value) for the comparison with runc.
expect_re() {
	local got
	got=$(oneline "$4")
	rec "$1" "$2" "$3" "${6-$4}"
	if [[ $got =~ $5 ]]; then
		pass "$1 [$2] $3"
	else
		fail "$1 [$2] $3: got '$got', want /$5/"
	fi
}

# compare FLOW: every runtime but runc recorded what runc recorded.
compare() {
	local flow=$1 rt ref=$W/res/$1.runc d
	case " $RUNTIMES " in *" runc "*) ;; *) return 0 ;; esac
	for rt in $RUNTIMES; do
		[ "$rt" = runc ] && continue
		if d=$(diff "$ref" "$W/res/$flow.$rt" 2>&1); then
			pass "$flow: $rt matches runc"
		else
			fail "$flow: $rt differs from runc: $(oneline "$d")"
		fi
	done
}

# run_flow FLOW: FLOW's function (flow_FLOW RT) for each runtime, then
# compare.  Once a client command timed out with a runtime (it hangs), the
# runtime's remaining flows in this client's suite are not run but FAIL at
# once, so a hanging runtime cannot stretch the suite to hours.
run_flow() {
	local rt hung
	for rt in $RUNTIMES; do
		: >"$W/res/$1.$rt"
		hung=$W/hung.$CUR_SUITE.$rt
		if [ -e "$hung" ]; then
			fail "$1 [$rt]: not run: $rt hung earlier in the $CUR_SUITE suite ($(cat "$hung"))"
			echo "not run" >"$W/res/$1.$rt"
			continue
		fi
		CUR_RT=$rt
		"flow_$1" "$rt"
		CUR_RT=
	done
	compare "$1"
}

# t CMD...: a client command with a time limit, so a runtime that hangs
# fails the check instead of the whole suite; the first timeout marks the
# runtime as hung for the rest of the current suite (see run_flow).
t() {
	local rc
	timeout -k 5 "$E2E_TIMEOUT" "$@"
	rc=$?
	if [ $rc = 124 ] && [ -n "$CUR_RT" ] && [ ! -e "$W/hung.$CUR_SUITE.$CUR_RT" ]; then
		echo "timeout after ${E2E_TIMEOUT}s: $*" | cut -c1-300 >"$W/hung.$CUR_SUITE.$CUR_RT"
	fi
	return $rc
}

# tty_run CMD...: CMD under a pseudo-terminal (clients insist on one for -t);
# its output with carriage returns dropped, and its exit code as ours.
tty_run() {
	local q
	q=$(printf '%q ' "$@")
	timeout -k 5 "$E2E_TIMEOUT" script -qec "$q" /dev/null </dev/null
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# close_fds: close every fd above 2 of the current shell (what the caller of
# the suite leaked would otherwise reach daemons, shims and containers).
close_fds() {
	local fd
	for fd in /proc/$BASHPID/fd/*; do
		fd=${fd##*/}
		[ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
	done
	return 0
}

# daemon_start NAME LOG CMD...: start a daemon in its own session with only
# fds 0-2 open (stdin /dev/null, output to LOG); its pid goes into
# $W/pids/NAME so the cleanup stops it by pid.
daemon_start() {
	local name=$1 log=$2
	shift 2
	(
		close_fds
		exec setsid "$@" </dev/null >"$log" 2>&1
	) &
	echo $! >"$W/pids/$name"
}

# daemon_wait NAME SECONDS CMD...: wait until CMD succeeds; give up at once
# when the daemon NAME has exited, or after SECONDS.
daemon_wait() {
	local pid end
	pid=$(cat "$W/pids/$1")
	end=$(($(date +%s) + $2))
	shift 2
	while [ "$(date +%s)" -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# daemon_stop NAME: SIGTERM the daemon, wait up to 10 s, then SIGKILL.
daemon_stop() {
	local f=$W/pids/$1 pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		wait_for 10 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rm -f "$f"
}

# pids_matching STRING: pids of processes whose command line contains STRING
# (not this shell and its children).
pids_matching() {
	local p pid cmd
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
		cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		case $cmd in *"$1"*) echo "$pid" ;; esac
	done
}

# cgroup_pids TAG: pids whose cgroup path (any hierarchy) contains TAG.
cgroup_pids() {
	local p
	for p in /proc/[0-9]*; do
		grep -q "$1" "$p/cgroup" 2>/dev/null && echo "${p#/proc/}"
	done
}
