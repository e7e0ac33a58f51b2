#!/usr/bin/env bats
# Idmapped bind mounts (the idmap/ridmap options with the mount's own
# uidMappings/gidMappings, written into a user namespace as-is, as the spec
# says: "the format is the same as user namespace mappings").  runc 1.1 has
# no idmap mounts (added in runc 1.2): skipped for it.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() {
	common_setup
	is_runc && skip "runc 1.1 does not support idmap mounts"
	mkdir -p "$TEST_TMP/src"
	touch "$TEST_TMP/src/owned-by-0" "$TEST_TMP/src/owned-by-1000"
	chown 1000:1000 "$TEST_TMP/src/owned-by-1000"
}
teardown() { common_teardown; }

idmap_mount() { # OPTIONS_JSON
	spec_set '.mounts += [{"destination": "/mnt", "type": "bind", "source": $src, "options": $opts,
		"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
		"gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}]' \
		--arg src "$TEST_TMP/src" --argjson opts "$1"
}

@test "idmap: files are shown through the mount's mapping, the source is unchanged" {
	idmap_mount '["bind", "idmap"]'
	spec_args sh -c 'stat -c "%n %u:%g" /mnt/owned-by-0 /mnt/owned-by-1000'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[[ $output == *"/mnt/owned-by-0 1000:1000"* ]] || fail "on-disk 0 should show as 1000"
	[[ $output == *"/mnt/owned-by-1000 65534:65534"* ]] || fail "unmapped ids should show as overflow"
	[ "$(stat -c %u:%g "$TEST_TMP/src/owned-by-0")" = 0:0 ] || fail "the source changed"
}

@test "idmap: a file created through the mapping lands with the mapped-back owner" {
	idmap_mount '["bind", "idmap"]'
	spec_set '.process.user = {"uid": 1000, "gid": 1000}'
	spec_args sh -c 'touch /mnt/new && stat -c %u /mnt/new'
	# the source directory must be writable for uid 1000 through the mount
	chmod 0777 "$TEST_TMP/src"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	[ "$(stat -c %u "$TEST_TMP/src/new")" = 0 ] || fail "uid 1000 in the container should write on-disk uid 0"
}

@test "idmap without any mapping and without a user namespace is an error" {
	spec_set '.mounts += [{"destination": "/mnt", "type": "bind", "source": $src, "options": ["bind", "idmap"]}]' \
		--arg src "$TEST_TMP/src"
	run_container
	[ "$status" -ne 0 ] || fail "ran without a mapping"
	[[ $output == *idmap* ]] || fail "the error does not say idmap"
}
