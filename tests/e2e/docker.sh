# docker 20.10 (dockerd -> its own containerd -> runc v2 shim) flows
# (sourced by run.sh).
#
# dockerd of our own: data-root, exec-root, pidfile and socket under $W/dk,
# no iptables, no default bridge, cgroupfs driver, cgroup parent /$TAG-dk,
# one "runtimes" entry e2e-RT per runtime.  The client is the docker.io
# package's /usr/bin/docker (not whatever else is on PATH), pointed at our
# socket with -H.  If dockerd cannot run on this machine the suite is
# skipped with the reason; that is the only skip in the e2e tests.

DK=$W/dk
DOCKER=${E2E_DOCKER_CLI:-/usr/bin/docker}

dk() {
	t "$DOCKER" -H "unix://$DK/docker.sock" "$@"
}

dk_setup() {
	local rt runtimes="" sep=""
	mkdir -p "$DK"
	for rt in $RUNTIMES; do
		runtimes="$runtimes$sep\"e2e-$rt\": { \"path\": \"$(rt_bin "$rt")\" }"
		sep=", "
	done
	cat >"$DK/daemon.json" <<EOF
{
  "data-root": "$DK/data",
  "exec-root": "$DK/exec",
  "pidfile": "$DK/dockerd.pid",
  "hosts": ["unix://$DK/docker.sock"],
  "storage-driver": "overlay2",
  "iptables": false,
  "ip6tables": false,
  "ip-masq": false,
  "ip-forward": false,
  "bridge": "none",
  "cgroup-parent": "/$TAG-dk",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "runtimes": { $runtimes },
  "log-level": "warn"
}
EOF
	daemon_start dockerd "$DK/dockerd.log" dockerd --config-file "$DK/daemon.json"
	if ! daemon_wait dockerd 30 "$DOCKER" -H "unix://$DK/docker.sock" version; then
		local why
		why=$(grep -E 'level=(error|fatal)|failed|Error' "$DK/dockerd.log" | tail -3)
		[ -n "$why" ] || why=$(tail -3 "$DK/dockerd.log")
		skip "docker: dockerd did not start on this machine: $(oneline "$why")"
		return 1
	fi
	local out
	if out=$(dk load -q -i "$IMG/busybox-docker.tar" 2>&1); then
		pass "docker: image load"
	else
		fail "docker: image load: $(oneline "$out")"
		return 1
	fi
}

flow_dk_run_rm() {
	local rt=$1 out
	out=$(dk run --runtime "e2e-$rt" --network none --rm $IMAGE echo hi 2>&1)
	expect dk_run_rm "$rt" result "$?:$out" "0:hi"
	out=$(dk run --runtime "e2e-$rt" --network none --rm $IMAGE sh -c 'echo out; echo err >&2; exit 7' 2>"$W/stderr")
	expect dk_run_rm "$rt" "exit code" "$?:$out:$(cat "$W/stderr")" "7:out:err"
	out=$(echo piped | dk run --runtime "e2e-$rt" --network none --rm -i $IMAGE cat 2>&1)
	expect dk_run_rm "$rt" "stdin -i" "$?:$out" "0:piped"
	out=$(tty_run "$DOCKER" -H "unix://$DK/docker.sock" run --runtime "e2e-$rt" --network none --rm -t $IMAGE tty 2>&1)
	expect dk_run_rm "$rt" "run -t" "$?:$(tr -d '\r' <<<"$out")" "0:/dev/pts/0"
	# docker always sends its default seccomp profile: unshare is refused.
	out=$(dk run --runtime "e2e-$rt" --network none --rm $IMAGE unshare -U true 2>&1)
	expect dk_run_rm "$rt" "seccomp default profile" "$?:$out" "1:unshare: unshare(0x10000000): Operation not permitted"
	out=$(dk run --runtime "e2e-$rt" --network none --rm --memory 32m $IMAGE cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1)
	expect dk_run_rm "$rt" "memory limit" "$?:$out" "0:33554432"
}

flow_dk_detached() {
	local rt=$1 name=$TAG-$1-d out rc
	out=$(dk run --runtime "e2e-$rt" --network none -d --name "$name" $IMAGE sleep 1000 2>&1)
	rc=$?
	expect_re dk_detached "$rt" "run -d" "$rc:$out" '^0:[0-9a-f]{64}$' "$rc:cid"
	out=$(dk exec "$name" sh -c 'echo hi; id' 2>&1)
	expect dk_detached "$rt" exec "$?:$out" $'0:hi\nuid=0(root) gid=0(root) groups=0(root)'
	dk exec "$name" sh -c 'exit 5' >/dev/null 2>&1
	expect dk_detached "$rt" "exec exit code" "$?" 5
	out=$(dk top "$name" -o pid,args 2>&1)
	expect dk_detached "$rt" top "$?:$(awk 'NR == 1 {print $2; next} {print $2, $3}' <<<"$out")" $'0:COMMAND\nsleep 1000'
	dk pause "$name" >/dev/null 2>&1
	expect dk_detached "$rt" pause "$?:$(dk inspect -f '{{.State.Status}}' "$name" 2>&1)" "0:paused"
	dk unpause "$name" >/dev/null 2>&1
	expect dk_detached "$rt" unpause "$?:$(dk inspect -f '{{.State.Status}}' "$name" 2>&1)" "0:running"
	dk stop -t 1 "$name" >/dev/null 2>&1
	expect dk_detached "$rt" stop "$?:$(dk inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name" 2>&1)" "0:exited 137"
	dk rm "$name" >/dev/null 2>&1
	expect dk_detached "$rt" rm "$?" 0
	dk rm -f "$name" >/dev/null 2>&1
}

dk_suite() {
	CUR_SUITE=docker
	echo "== docker ($(dockerd --version 2>/dev/null | head -1))"
	if ! command -v dockerd >/dev/null || [ ! -x "$DOCKER" ]; then
		skip "docker: dockerd or $DOCKER not installed (Debian package docker.io)"
		return
	fi
	dk_setup || return
	run_flow dk_run_rm
	run_flow dk_detached
}

# dk_teardown: remove containers, stop dockerd (it stops its containerd)
# and drop the data-root bind mount dockerd leaves behind.
dk_teardown() {
	[ -f "$W/pids/dockerd" ] || return 0
	local ids pid
	ids=$(dk ps -aq 2>/dev/null)
	[ -n "$ids" ] && dk rm -f $ids >/dev/null 2>&1
	dk rmi -f $IMAGE >/dev/null 2>&1
	daemon_stop dockerd
	for pid in $(pids_matching "$DK/"); do
		fail "leak: process $pid left after the daemon stopped: $(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")"
		kill -KILL "$pid" 2>/dev/null
	done
	grep -q " $DK/data " /proc/self/mountinfo && umount "$DK/data"
	return 0
}
