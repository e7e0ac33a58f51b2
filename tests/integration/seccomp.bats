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

# The seccomp cache keyed by the profile's text (runtime/seccomp-raw.c): a
# hit skips parsing the profile.  Observable from outside: with the program
# cached under the text, a run does not re-create the entry keyed by the
# parsed profile (which a parse + compile writes).  Each test has a state
# root, and so a cache, of its own.
sem_entries() { find "$ROOT/.seccomp-cache" -name '[0-9a-f]*.bpf' | wc -l; }
raw_entries() { find "$ROOT/.seccomp-cache" -name 'raw-*.bpf' | wc -l; }

@test "seccomp cache: the profile's text is the key; a hit still filters, a changed profile gets its own program" {
	is_runc && skip "capsa's seccomp cache"
	ROOT=$TEST_TMP/root
	spec_add_tmpfs /tmp
	spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 95}]}'
	spec_args probe syscall mkdir /tmp/x
	run_container
	assert_kv mkdir EOPNOTSUPP
	[ "$(raw_entries)" -eq 1 ] && [ "$(sem_entries)" -eq 1 ] || fail "cache: $(ls -A "$ROOT/.seccomp-cache")"

	# the hit: no parse, so no entry for the parsed profile comes back
	find "$ROOT/.seccomp-cache" -name '[0-9a-f]*.bpf' -delete
	run_container
	assert_kv mkdir EOPNOTSUPP
	[ "$(sem_entries)" -eq 0 ] || fail "the profile was parsed again"

	# exec takes the same path (the saved config.json's text)
	spec_args probe sleep 1000
	runtime run -d --bundle "$BUNDLE" "$CID" </dev/null || fail "run -d"
	output=$(runtime exec "$CID" probe syscall mkdir /tmp/y 2>&1) || fail "exec: $output"
	assert_kv mkdir EOPNOTSUPP
	[ "$(sem_entries)" -eq 0 ] || fail "exec parsed the profile"
	runtime delete -f "$CID"

	# one byte of the profile changed: its own program, not the cached one
	spec_set '.linux.seccomp.syscalls[0].errnoRet = 13'
	spec_args probe syscall mkdir /tmp/x
	run_container
	assert_kv mkdir EACCES
	[ "$(raw_entries)" -eq 2 ] || fail "cache: $(ls -A "$ROOT/.seccomp-cache")"

	# a damaged entry is ignored (the profile is parsed) and rewritten
	for f in "$ROOT"/.seccomp-cache/raw-*.bpf; do head -c 60 "$f" >"$f.x" && mv "$f.x" "$f"; done
	run_container
	assert_kv mkdir EACCES
	[ "$(find "$ROOT/.seccomp-cache" -name 'raw-*.bpf' -size +60c | wc -l)" -eq 1 ] ||
		fail "the damaged entry was not rewritten: $(ls -l "$ROOT/.seccomp-cache")"
}

# A profile whose key is spelled with an escape, or given twice, is never
# looked up by its text: the parse decides (and refuses the duplicate).
@test "seccomp cache: an escaped or repeated key is parsed, not looked up" {
	is_runc && skip "capsa's seccomp cache"
	ROOT=$TEST_TMP/root
	spec_add_tmpfs /tmp
	spec_args probe syscall mkdir /tmp/x
	spec_set '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 95}]}'
	sed -i 's/"seccomp"/"secc\\u006fmp"/' "$BUNDLE/config.json"
	grep -qF 'secc\u006fmp' "$BUNDLE/config.json" || fail "the key was not rewritten"
	run_container
	assert_kv mkdir EOPNOTSUPP
	run_container
	assert_kv mkdir EOPNOTSUPP
	[ "$(raw_entries)" -eq 0 ] || fail "an escaped key was looked up by text"
	python3 - "$BUNDLE/config.json" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read().replace('"secc\\u006fmp"', '"seccomp": {"defaultAction": "SCMP_ACT_ALLOW"}, "seccomp"')
open(p, "w").write(s)
PY
	run_container
	[ "$status" -ne 0 ] || fail "a repeated linux.seccomp was accepted"
	[[ $output == *duplicate* ]] || fail "the error does not say why: $output"
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
