#!/usr/bin/env bats
# Seccomp inside containers (linux.seccomp of the spec), and `spec`, which
# writes the default config with the default seccomp profile.

load helpers

setup_file() { common_setup_file; }
teardown_file() { common_teardown_file; }
setup() { common_setup; }
teardown() { common_teardown; }

SCHEMA_DIR=${SCHEMA_DIR:-/work/shared/oci-runtime-spec/schema}
# The default profile as `capsa spec` writes it (kept as a fuzz seed, so the
# test also runs under runc).
DEFAULT_CONFIG=$REPO/tests/fuzz/corpus/fuzz_seccomp/default.json

# Validate a config.json against the runtime-spec schema (draft-04, $refs to
# the files next to it).
validate_config() {
	python3 - "$SCHEMA_DIR" "$1" <<'EOF'
import json, pathlib, sys
from jsonschema import validators
d = pathlib.Path(sys.argv[1])
schema = json.loads((d / "config-schema.json").read_text())
try:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4
    def retrieve(uri):
        text = (d / uri.split("/")[-1]).read_text()
        return Resource.from_contents(json.loads(text), default_specification=DRAFT4)
    v = validators.validator_for(schema)(schema, registry=Registry(retrieve=retrieve))
except ImportError:  # jsonschema < 4.18 (Debian 12's python3-jsonschema)
    from jsonschema import RefResolver
    resolver = RefResolver(base_uri=d.as_uri() + "/", referrer=schema)
    v = validators.validator_for(schema)(schema, resolver=resolver)
errs = list(v.iter_errors(json.load(open(sys.argv[2]))))
for e in errs:
    print("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message))
sys.exit(1 if errs else 0)
EOF
}

@test "seccomp: a syscall denied by the spec fails with its errnoRet" {
	need_runtime_verb run
	spec_add_tmpfs /tmp
	spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 95}]}'
	spec_args probe syscall mkdir /tmp/x
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv mkdir EOPNOTSUPP
}

@test "seccomp: SCMP_ACT_ERRNO without errnoRet is EPERM; other syscalls pass" {
	need_runtime_verb run
	spec_add_tmpfs /tmp
	spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"},
			   {names: ["no_such_syscall_capsa"], action: "SCMP_ACT_KILL"}]}'
	spec_args sh -c 'probe syscall mkdir /tmp/x; probe seccomp; echo hi > /tmp/f && cat /tmp/f'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv mkdir EPERM
	[[ $output == *hi* ]] || fail "writing a file failed"
}

@test "seccomp: argument filters (mkdir with mode 0755 denied, 0777 allowed)" {
	need_runtime_verb run
	spec_add_tmpfs /tmp
	# probe mkdir passes mode 0755 (493); busybox mkdir passes 0777.
	spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13,
			    args: [{index: 1, value: 493, op: "SCMP_CMP_EQ"}]},
			   {names: ["mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13,
			    args: [{index: 2, value: 493, op: "SCMP_CMP_EQ"}]}]}'
	spec_args sh -c 'probe syscall mkdir /tmp/a; mkdir /tmp/b && echo b=ok'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv mkdir EACCES
	assert_kv b ok
}

@test "seccomp: the default profile denies unshare even with CAP_SYS_ADMIN" {
	need_runtime_verb run
	spec_add_tmpfs /tmp
	# CAP_SYS_ADMIN in the process but the profile made for the default caps:
	# only seccomp stands between the process and a new namespace.
	spec_set '.process.capabilities |= with_entries(if .key == "bounding" or .key == "effective"
		or .key == "permitted" then .value += ["CAP_SYS_ADMIN"] else . end)'
	spec_args sh -c 'unshare -u true 2>/dev/null && echo unshare=ok || echo unshare=denied;
		probe syscall mkdir /tmp/x'
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv unshare ok # the control: no seccomp, the capability is enough

	spec_set '.linux.seccomp = $p[0].linux.seccomp' --slurpfile p "$DEFAULT_CONFIG"
	run_container
	[ "$status" -eq 0 ] || fail "run failed"
	assert_kv unshare denied
	assert_kv mkdir ok
}

@test "spec: writes a schema-valid config and refuses to replace it" {
	mkdir "$TEST_TMP/b"
	run runtime spec --bundle "$TEST_TMP/b"
	[ "$status" -eq 0 ] || fail "spec failed"
	[ -s "$TEST_TMP/b/config.json" ] || fail "no config.json"
	run validate_config "$TEST_TMP/b/config.json"
	[ "$status" -eq 0 ] || fail "config.json does not validate"
	before=$(sha256sum <"$TEST_TMP/b/config.json")
	run runtime spec --bundle "$TEST_TMP/b"
	[ "$status" -ne 0 ] || fail "spec replaced config.json"
	[[ $output == *"File config.json exists. Remove it first"* ]] || fail "wrong message"
	[ "$(sha256sum <"$TEST_TMP/b/config.json")" = "$before" ] || fail "config.json changed"
}

@test "spec: capsa's defaults (no terminal, 14 caps, seccomp, masked paths, deny-all devices)" {
	is_runc && skip "capsa-specific defaults (runc: terminal true, no seccomp)"
	mkdir "$TEST_TMP/b"
	run runtime spec --bundle "$TEST_TMP/b"
	[ "$status" -eq 0 ] || fail "spec failed"
	c=$TEST_TMP/b/config.json
	[ "$(jq -r .process.terminal "$c")" = false ] || fail "terminal"
	[ "$(jq '.process.capabilities.bounding | length' "$c")" = 14 ] || fail "caps"
	[ "$(jq '.process.capabilities.inheritable | length' "$c")" = 0 ] || fail "inheritable"
	[ "$(jq -r .linux.seccomp.defaultAction "$c")" = SCMP_ACT_ERRNO ] || fail "seccomp"
	jq -e '.linux.maskedPaths | index("/proc/kcore")' "$c" >/dev/null || fail "maskedPaths"
	jq -e '.linux.resources.devices == [{"allow": false, "access": "rwm"}]' "$c" >/dev/null ||
		fail "devices"
	jq -e '[.linux.namespaces[].type] | index("cgroup")' "$c" >/dev/null || fail "cgroupns"
}

@test "spec --rootless: user namespace, no network namespace, schema-valid" {
	mkdir "$TEST_TMP/r"
	run runtime spec --rootless --bundle "$TEST_TMP/r"
	[ "$status" -eq 0 ] || fail "spec --rootless failed"
	c=$TEST_TMP/r/config.json
	run validate_config "$c"
	[ "$status" -eq 0 ] || fail "config.json does not validate"
	jq -e '[.linux.namespaces[].type] | index("user")' "$c" >/dev/null || fail "no userns"
	! jq -e '[.linux.namespaces[].type] | index("network")' "$c" >/dev/null || fail "netns"
	[ "$(jq -r '.linux.uidMappings[0].hostID' "$c")" = "$(id -u)" ] || fail "uid map"
}
