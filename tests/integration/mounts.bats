#!/usr/bin/env bats
# Spec mounts: every type, their options, the default /dev, and paths
# created on demand.  Most tests print the container's mountinfo and look
# at the line of one mount point (mountinfo_line and friends).

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() {
	common_setup
	HOSTDIR=$TEST_TMP/host
	mkdir -p "$HOSTDIR"
	echo from-host >"$HOSTDIR/file"
}
teardown() { common_teardown; }

@test "mounts: proc, sysfs, tmpfs, devpts, mqueue of the base spec" {
	spec_args cat /proc/self/mountinfo
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$(mount_fstype /proc)" = proc ] || fail "/proc"
	[ "$(mount_fstype /sys)" = sysfs ] || fail "/sys"
	has_opt "$(mount_opts /sys)" ro || fail "/sys should be ro"
	[ "$(mount_fstype /dev)" = tmpfs ] || fail "/dev"
	[ "$(mount_fstype /dev/pts)" = devpts ] || fail "/dev/pts"
	[ "$(mount_fstype /dev/shm)" = tmpfs ] || fail "/dev/shm"
	[ "$(mount_fstype /dev/mqueue)" = mqueue ] || fail "/dev/mqueue"
	for m in /dev/shm /dev/mqueue; do
		o=$(mount_opts $m)
		has_opt "$o" nosuid && has_opt "$o" nodev && has_opt "$o" noexec || fail "$m options $o"
	done
	has_opt "$(mount_super /dev/pts)" ptmxmode=666 || fail "devpts ptmxmode: $(mount_super /dev/pts)"
	# The root is the bundle's rootfs, read-only as asked.
	has_opt "$(mount_opts /)" ro || fail "root should be ro"
}

@test "mounts: the proc mount belongs to the container's pid namespace" {
	spec_args sh -c 'ls -d /proc/[0-9]* | wc -l | sed s/^/pids=/'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	# sh, ls and the pipeline only; the host has far more.
	[ "$(kv pids)" -le 5 ] || fail "host pids visible in /proc"
}

@test "mounts: default devices exist and work" {
	spec_args sh -c '
		for d in null zero full random urandom tty; do
			[ -c /dev/$d ] && echo "$d=char" || echo "$d=missing"
		done
		head -c 4 /dev/zero | wc -c | sed s/^/zero_bytes=/
		head -c 16 /dev/urandom | wc -c | sed s/^/urandom_bytes=/
		echo x >/dev/null && echo null_write=ok
		echo x 2>/dev/null >/dev/full || echo full_write=ENOSPC
		[ -e /dev/ptmx ] && echo ptmx=yes
		readlink /dev/fd | sed s/^/fd=/
		readlink /dev/stdin | sed s/^/stdin=/
		readlink /dev/stdout | sed s/^/stdout=/
		readlink /dev/stderr | sed s/^/stderr=/'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	for d in null zero full random urandom tty; do assert_kv $d char; done
	assert_kv zero_bytes 4
	assert_kv urandom_bytes 16
	assert_kv null_write ok
	assert_kv full_write ENOSPC
	assert_kv ptmx yes
	assert_kv fd /proc/self/fd
	assert_kv stdin /proc/self/fd/0
	assert_kv stdout /proc/self/fd/1
	assert_kv stderr /proc/self/fd/2
}

@test "mounts: linux.devices get their type, numbers, mode and owner; the defaults are 0666 root:root" {
	spec_set '.linux.devices = [
		{path: "/dev/mine", type: "c", major: 1, minor: 3, fileMode: 416, uid: 1000, gid: 1001},
		{path: "/dev/sub/zero2", type: "c", major: 1, minor: 5, fileMode: 2534, uid: 0, gid: 6},
		{path: "/dev/fifo0", type: "p", major: 0, minor: 0, fileMode: 420},
		{path: "/dev/full", type: "c", major: 1, minor: 7, fileMode: 384, uid: 7}]'
	spec_args sh -c '
		for f in mine sub/zero2 fifo0 full null tty; do
			echo "$f=$(stat -c "%F %t:%T %a %u:%g" /dev/$f)"
		done'
	run_container
	[ "$status" -eq 0 ] || fail "run failed: $output"
	assert_kv mine "character special file 1:3 640 1000:1001"
	# runc 1.1 chowns after mknod, which clears the setuid bit
	is_runc || assert_kv sub/zero2 "character special file 1:5 4746 0:6"
	assert_kv fifo0 "fifo 0:0 644 0:0"
	assert_kv full "character special file 1:7 600 7:0"
	assert_kv null "character special file 1:3 666 0:0"
	assert_kv tty "character special file 5:0 666 0:0"
}

@test "mounts: host devices are not visible in the container's /dev" {
	spec_args sh -c 'ls /dev | tr "\n" " "'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	for d in /dev/sd* /dev/vd* /dev/nvme* /dev/mem /dev/kmsg; do
		[ -e "$d" ] || continue
		[[ " $output " != *" ${d#/dev/} "* ]] || fail "host device $d visible"
	done
}

@test "mounts: bind of a host directory is read-write and shared with the host" {
	spec_add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"bind\"]}"
	spec_args sh -c 'cat /data/file; echo from-container >/data/new'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$output" = from-host ] || fail "host file not visible"
	[ "$(cat "$HOSTDIR/new")" = from-container ] || fail "container write not on the host"
}

@test "mounts: ro bind is read-only, the host side stays writable" {
	spec_add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"bind\", \"ro\"]}"
	spec_args sh -c 'cat /data/file; probe write /data/new x; cat /proc/self/mountinfo'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv write EROFS
	has_opt "$(mount_opts /data)" ro || fail "mountinfo: $(mountinfo_line /data)"
	[ ! -e "$HOSTDIR/new" ] || fail "file created through ro bind"
	echo still-writable >"$HOSTDIR/after" || fail "host dir became read-only"
}

@test "mounts: bind of a single file" {
	spec_add_mount "{\"destination\": \"/etc/injected\", \"type\": \"bind\", \"source\": \"$HOSTDIR/file\", \"options\": [\"bind\", \"ro\"]}"
	spec_args cat /etc/injected
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$output" = from-host ] || fail "file bind"
	# The destination was created inside the bundle's rootfs, not elsewhere.
	[ -f "$BUNDLE/rootfs/etc/injected" ] || fail "destination file not created in rootfs"
}

@test "mounts: rbind carries submounts, bind does not" {
	mkdir -p "$HOSTDIR/sub"
	mount -t tmpfs -o size=1m capsa-itest "$HOSTDIR/sub"
	CLEANUP_MOUNTS="$HOSTDIR/sub"
	echo in-submount >"$HOSTDIR/sub/f"
	spec_add_mount "{\"destination\": \"/r\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\"]}"
	spec_add_mount "{\"destination\": \"/nr\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"bind\"]}"
	spec_args sh -c 'cat /r/sub/f; ls -A /nr/sub | wc -l | sed s/^/nr_entries=/'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "${lines[0]}" = in-submount ] || fail "rbind lost the submount"
	assert_kv nr_entries 0
}

@test "mounts: rbind with ro is read-only" {
	mkdir -p "$HOSTDIR/sub"
	spec_add_mount "{\"destination\": \"/r\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\", \"ro\"]}"
	spec_args probe write /r/new x
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv write EROFS
	[ ! -e "$HOSTDIR/new" ] || fail "file created through ro rbind"
}

@test "mounts: tmpfs with size and mode" {
	spec_add_tmpfs /scratch size=1m mode=0710 nosuid
	spec_args sh -c '
		stat -c mode=%a /scratch
		df -k /scratch | tail -n1 | awk "{print \"kb=\" \$2}"
		dd if=/dev/zero of=/scratch/big bs=1024 count=2048 2>/dev/null && echo fill=ok || echo fill=ENOSPC
		cat /proc/self/mountinfo'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv mode 710
	assert_kv kb 1024
	assert_kv fill ENOSPC
	[ "$(mount_fstype /scratch)" = tmpfs ] || fail "not tmpfs"
	has_opt "$(mount_opts /scratch)" nosuid || fail "nosuid missing"
}

@test "mounts: noexec, nosuid and nodev options apply" {
	spec_add_tmpfs /nx noexec nodev mode=0755
	spec_args sh -c 'cp /bin/probe /nx/probe; (/nx/probe exit 0) 2>/dev/null; echo exec=$?; grep " /nx " /proc/self/mountinfo'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	# The shell reports 126 for a file it may not execute.
	assert_kv exec 126
	o=$(printf '%s\n' "$output" | awk '$5=="/nx"{print $6}')
	has_opt "$o" noexec && has_opt "$o" nodev || fail "options: $o"
}

@test "mounts: destinations are created, nested, in spec order" {
	spec_add_tmpfs /a/b/c mode=0755
	spec_add_tmpfs /a/b/c/d mode=0700
	spec_args sh -c 'stat -c "%n=%a" /a/b/c /a/b/c/d; cat /proc/self/mountinfo'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv /a/b/c 755
	assert_kv /a/b/c/d 700
	[ "$(mount_fstype /a/b/c/d)" = tmpfs ] || fail "nested tmpfs missing"
	# /a/b/c/d is a directory of the first tmpfs: mounted after it, in order.
	[ ! -e "$BUNDLE/rootfs/a/b/c/d" ] || fail "d created in the rootfs, below the tmpfs"
}

@test "mounts: mqueue works" {
	spec_args sh -c 'stat -f -c type=%T /dev/mqueue'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	# busybox stat does not know mqueue's magic: any answer but tmpfs/ext.
	[[ $output == type=* ]] || fail "no mqueue"
	[[ $output != *tmpfs* && $output != *ext* ]] || fail "not an mqueue fs: $output"
}

@test "mounts: devpts gives working ptys" {
	spec_args sh -c 'ls -l /dev/ptmx; stat -c mode=%a /dev/pts/ptmx; ls /dev/pts | tr "\n" " "'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv mode 666
	# A new devpts instance: no host ptys inside.
	[[ $output != *" 0 "* ]] || fail "host ptys visible: $output"
}

# cgroup v1 (this host): runc mounts a tmpfs at /sys/fs/cgroup with one
# read-only bind per controller; the container's own cgroup shows up there.
@test "mounts: cgroup mount shows the controllers read-only" {
	spec_add_mount '{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}'
	spec_args sh -c '
		ls /sys/fs/cgroup | tr "\n" " "; echo
		cat /sys/fs/cgroup/pids/pids.max 2>/dev/null | sed s/^/pids_max=/
		cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null | sed s/^/mem=/
		cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null | sed s/^/v2=/
		probe write /sys/fs/cgroup/pids/pids.max 10
		awk "\$5 ~ /^\/sys\/fs\/cgroup/ { print \"opts \" \$5 \" \" \$6 }" /proc/self/mountinfo'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	# every mount of the view (the tmpfs and each controller's) is
	# read-only, nosuid, nodev, noexec (runc 1.1 leaves the v1 tmpfs rw)
	[ "$(grep -c '^opts ' <<<"$output")" -ge 1 ] || fail "no mounts under /sys/fs/cgroup: $output"
	while read -r _ mnt opts; do
		is_runc && [ "$mnt" = /sys/fs/cgroup ] && [ -d /sys/fs/cgroup/pids ] && continue
		for o in ro nosuid nodev noexec; do
			[[ ",$opts," == *",$o,"* ]] || fail "$mnt: $opts lacks $o"
		done
	done < <(grep '^opts ' <<<"$output")
	if [ -d /sys/fs/cgroup/pids ]; then
		[[ ${lines[0]} == *pids* && ${lines[0]} == *memory* ]] || fail "controllers missing"
		[ -n "$(kv pids_max)" ] || fail "pids.max not readable"
		[ -n "$(kv mem)" ] || fail "memory.limit_in_bytes not readable"
	else
		[ -n "$(kv v2)" ] || fail "cgroup.controllers not readable"
	fi
	assert_kv write EROFS
}

# run_sleeping: `run` the bundle (probe sleep 100) in the background until
# its init is known ($CPID; the runtime's pid in $rpid); kill_sleeping ends
# it with SIGKILL and waits for the runtime ($rc, its exit code).
run_sleeping() {
	spec_args probe sleep 100
	runtime run --bundle "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 &
	rpid=$!
	CLEANUP_PIDS=$rpid
	wait_for 20 container_pid_known || fail "container init not found"
}

kill_sleeping() {
	kill -KILL "$CPID"
	wait_exit "$rpid" || fail "runtime did not exit"
	CLEANUP_PIDS=
}

@test "mounts: the container's mounts are not visible on the host while it runs" {
	spec_add_tmpfs /scratch size=1m
	spec_add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$HOSTDIR\", \"options\": [\"rbind\"]}"
	run_sleeping
	grep -q ' /scratch ' "/proc/$CPID/mountinfo" || fail "container has no /scratch"
	! grep -q "$BUNDLE" /proc/self/mountinfo || fail "bundle mounts visible on host"
	! grep -q "$HOSTDIR" /proc/self/mountinfo || fail "bind visible on host"
	kill_sleeping
	[ "$rc" -eq 137 ] || fail "runtime exit $rc after SIGKILL"
}

# prop_run PROPAGATION: a container with the shared host tmpfs $SRC bound
# (rbind) at /data and linux.rootfsPropagation set, running in the
# background; then a mount made on the host under $SRC, and one made in
# the container's mount namespace under /data.
prop_run() {
	SRC=$TEST_TMP/src
	mkdir -p "$SRC"
	mount -t tmpfs capsa-prop "$SRC"
	CLEANUP_MOUNTS="$SRC"
	mount --make-shared "$SRC"
	mkdir "$SRC/from-host" "$SRC/from-ctr"
	spec_set '.linux.rootfsPropagation = $p' --arg p "$1"
	spec_add_mount "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"$SRC\", \"options\": [\"rbind\"]}"
	run_sleeping
	mount -t tmpfs capsa-prop-host "$SRC/from-host"
	CLEANUP_MOUNTS="$SRC/from-host $SRC"
	nsenter -t "$CPID" -m mount -t tmpfs capsa-prop-ctr /data/from-ctr
	! grep -q " $SRC/from-ctr " /proc/self/mountinfo || fail "a container mount propagated to the host"
}

@test "mounts: rootfsPropagation rslave receives the host's new mounts and sends none back" {
	prop_run rslave
	grep -q ' /data/from-host ' "/proc/$CPID/mountinfo" || fail "the host's mount did not reach the container"
	kill_sleeping
}

@test "mounts: rootfsPropagation rprivate receives no host mounts and sends none back" {
	prop_run rprivate
	! grep -q ' /data/from-host ' "/proc/$CPID/mountinfo" || fail "the host's mount reached the container"
	kill_sleeping
}
