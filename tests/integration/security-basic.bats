#!/usr/bin/env bats
# Masked and read-only paths, the read-only root, and mount destinations
# that try to leave the rootfs through symlinks.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "maskedPaths: files read empty, directories are empty" {
	spec_args sh -c '
		wc -c </proc/kcore | sed s/^/kcore=/
		wc -c </proc/keys | sed s/^/keys=/
		ls -A /sys/firmware | wc -l | sed s/^/firmware=/
		ls -A /proc/acpi 2>/dev/null | wc -l | sed s/^/acpi=/'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	# This host's kernel has no /proc/kcore; then the mask has nothing to hide.
	[ ! -e /proc/kcore ] || assert_kv kcore 0
	assert_kv keys 0
	assert_kv firmware 0
	assert_kv acpi 0
}

@test "maskedPaths: masked file and directory of the rootfs, and they stay masked" {
	mkdir -p "$BUNDLE/rootfs/secret-dir"
	echo top-secret >"$BUNDLE/rootfs/secret-dir/key"
	echo top-secret >"$BUNDLE/rootfs/etc/secret"
	spec_set '.linux.maskedPaths += ["/secret-dir", "/etc/secret", "/does/not/exist"]'
	spec_args sh -c '
		cat /etc/secret | wc -c | sed s/^/file=/
		ls -A /secret-dir | wc -l | sed s/^/dir=/
		probe write /etc/secret x
		probe open /secret-dir/new O_WRONLY,O_CREAT'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv file 0
	assert_kv dir 0
	# Writing to the masked file writes to /dev/null (runc: write=ok), the
	# read-only tmpfs over the directory refuses; neither reaches the content.
	[ "$(kv open)" != ok ] || fail "masked dir writable"
	[ ! -e "$BUNDLE/rootfs/secret-dir/new" ] || fail "file created in the masked dir"
	[ "$(cat "$BUNDLE/rootfs/etc/secret")" = top-secret ] || fail "masked file changed"
}

@test "maskedPaths: masked directories are read-only, nosuid, nodev, noexec; capsa gives them one tmpfs" {
	mkdir -p "$BUNDLE/rootfs/secret-a" "$BUNDLE/rootfs/secret-b"
	echo top-secret >"$BUNDLE/rootfs/secret-b/key"
	spec_set '.linux.maskedPaths += ["/secret-a", "/secret-b"]'
	spec_args sh -c '
		awk "\$5 == \"/secret-a\" || \$5 == \"/secret-b\" { print substr(\$5, 2) \"=\" \$3 \",\" \$6 }" /proc/self/mountinfo
		ls -A /secret-b | wc -l | sed s/^/b_entries=/
		probe open /secret-b/new O_WRONLY,O_CREAT'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	a=$(kv secret-a) b=$(kv secret-b)
	opts="ro nosuid nodev noexec"
	is_runc && opts=ro # runc 1.1: MS_RDONLY only
	for m in "$a" "$b"; do
		for o in $opts; do
			[[ ,${m#*,}, == *,$o,* ]] || fail "a masked directory without $o: $m"
		done
	done
	assert_kv b_entries 0
	assert_kv open EROFS
	# runc mounts a tmpfs per directory; capsa binds the first one's root
	is_runc || [ "${a%%,*}" = "${b%%,*}" ] || fail "two superblocks for masked directories: $a / $b"
}

@test "readonlyPaths: /proc/sys and friends are read-only" {
	spec_args sh -c '
		probe write /proc/sys/kernel/domainname x
		probe open /proc/sysrq-trigger O_WRONLY | sed s/open/sysrq/
		cat /proc/sys/kernel/ostype | sed s/^/ostype=/'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv write EROFS
	# Some kernels (this host's) have no /proc/sysrq-trigger.
	[ ! -e /proc/sysrq-trigger ] || assert_kv sysrq EROFS
	# Still readable.
	assert_kv ostype Linux
}

@test "readonlyPaths: a rootfs directory is read-only, the rest writable" {
	mkdir -p "$BUNDLE/rootfs/ro-dir"
	spec_set '.root.readonly = false | .linux.readonlyPaths += ["/ro-dir"]'
	spec_args sh -c 'probe write /ro-dir/f x | sed s/write/ro/; probe write /rw-file x | sed s/write/rw/'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv ro EROFS
	assert_kv rw ok
	[ -f "$BUNDLE/rootfs/rw-file" ] || fail "write did not reach the rootfs"
}

@test "root.readonly: the root is read-only, mounts on it are not" {
	spec_add_tmpfs /tmp mode=1777
	spec_args sh -c 'probe write /newfile x | sed s/write/root/; probe write /tmp/f x | sed s/write/tmp/; probe write /dev/shm/f x | sed s/write/shm/'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv root EROFS
	assert_kv tmp ok
	assert_kv shm ok
	[ ! -e "$BUNDLE/rootfs/newfile" ] || fail "file created on a read-only root"
}

@test "root.readonly false: the root is writable" {
	spec_set '.root.readonly = false'
	spec_args probe write /newfile x
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv write ok
	[ "$(cat "$BUNDLE/rootfs/newfile")" = x ] || fail "write not in rootfs"
}

@test "root.readonly: cannot be remounted read-write without CAP_SYS_ADMIN" {
	spec_args sh -c 'mount -o remount,rw / 2>/dev/null && echo remount=ok || echo remount=denied; probe write /f x'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv remount denied
	assert_kv write EROFS
}

# A mount destination that is a symlink in the rootfs pointing at a host
# path must be resolved inside the rootfs: the host path stays untouched.
@test "mount destination: absolute symlink out of the rootfs stays inside" {
	canary=$TEST_TMP/host-canary-dir
	mkdir -p "$canary" "$TEST_TMP/src"
	echo bound >"$TEST_TMP/src/file"
	ln -s "$canary/newdir" "$BUNDLE/rootfs/mnt/evil"
	spec_add_mount "{\"destination\": \"/mnt/evil\", \"type\": \"bind\", \"source\": \"$TEST_TMP/src\", \"options\": [\"bind\"]}"
	spec_args sh -c 'cat /mnt/evil/file'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$output" = bound ] || fail "mount not reachable through the symlink inside"
	[ -z "$(ls -A "$canary")" ] || fail "runtime created $(ls -A "$canary") in the host canary dir"
	# runc resolves the link in the rootfs: the target appears under it.
	[ -d "$BUNDLE/rootfs/$canary/newdir" ] || fail "destination not created inside the rootfs"
}

@test "mount destination: relative ../ symlink out of the rootfs stays inside" {
	canary=$TEST_TMP/canary2
	mkdir -p "$canary"
	# rootfs is $BUNDLE/rootfs; enough ../ to climb out to / on the host.
	ln -s "../../../../../../../../../..$canary/file" "$BUNDLE/rootfs/etc/evil-file"
	echo from-source >"$TEST_TMP/srcfile"
	spec_add_mount "{\"destination\": \"/etc/evil-file\", \"type\": \"bind\", \"source\": \"$TEST_TMP/srcfile\", \"options\": [\"bind\"]}"
	spec_args cat /etc/evil-file
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$output" = from-source ] || fail "bind not visible"
	[ -z "$(ls -A "$canary")" ] || fail "runtime created a file in the host canary dir"
}

@test "mount destination: tmpfs on a symlinked directory lands inside the rootfs" {
	canary=$TEST_TMP/canary3
	mkdir -p "$canary"
	echo keep >"$canary/keep"
	ln -s "$canary" "$BUNDLE/rootfs/evil-dir"
	spec_add_tmpfs /evil-dir mode=0755
	spec_args sh -c 'ls -A /evil-dir | wc -l | sed s/^/entries=/; cat /proc/self/mountinfo'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	# The tmpfs was mounted on the in-rootfs resolution of the link.
	assert_kv entries 0
	# It sits at the link's target as seen from inside the rootfs.
	[ "$(mount_fstype "$canary")" = tmpfs ] || fail "no tmpfs at $canary inside the container"
	[ "$(cat "$canary/keep")" = keep ] || fail "host canary changed"
}

@test "TIOCSTI into a piped stdin is impossible" {
	spec_args probe tiocsti
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	# stdin is /dev/null, not a terminal.
	[ "$(kv tiocsti)" != ok ] || fail "TIOCSTI succeeded"
}

# The binary itself: a PIE (ASLR) with full RELRO (BIND_NOW: the GOT is
# read-only after start), no segment both writable and executable, and by
# default static (no ELF interpreter: nothing for ld.so to load).
@test "the capsa binary: PIE, full RELRO, no W+X segment, static by default" {
	is_runc && skip "capsa's build"
	local bin hdr dyn
	bin=$(realpath "$RUNTIME")
	hdr=$(readelf -hlW "$bin") || fail "readelf -hl $bin"
	dyn=$(readelf -dW "$bin") || fail "readelf -d $bin"
	grep -Eq 'Type: +DYN' <<<"$hdr" || fail "not a PIE: $(grep Type: <<<"$hdr")"
	grep -q GNU_RELRO <<<"$hdr" || fail "no GNU_RELRO segment"
	grep -Eq 'BIND_NOW|Flags:.* NOW' <<<"$dyn" || fail "no BIND_NOW: partial RELRO only"
	! grep -E '^ +LOAD' <<<"$hdr" | grep -q ' RWE ' || fail "a LOAD segment is writable and executable"
	grep -Eq '^ +GNU_STACK .* RW ' <<<"$hdr" || fail "executable stack"
	if [ "${CAPSA_EXPECT_DYNAMIC:-}" != 1 ]; then
		! grep -q INTERP <<<"$hdr" || fail "dynamically linked (an ELF interpreter); the default build is static"
	fi
}
