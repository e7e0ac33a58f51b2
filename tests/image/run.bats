#!/usr/bin/env bats
# `capsa run --image` on the test images of mkimage.sh.  Run by
# tests/image/run.sh with CAPSA (the binary) and IMG (mkimage.sh output).

setup_file() {
	export STORE=$BATS_FILE_TMPDIR/store STATE=$BATS_FILE_TMPDIR/state
	"$CAPSA" --image-root "$STORE" image import -q "$IMG/oci" multi >/dev/null
	"$CAPSA" --image-root "$STORE" image import -q "$IMG/rootfs.tar.gz" base >/dev/null
	(cd "$STORE/layers" && find . -printf '%p %s %m %U:%G %T@ %i\n' | sort) >"$BATS_FILE_TMPDIR/layers.before"
}

teardown_file() {
	"$CAPSA" --image-root "$STORE" image prune >/dev/null || true
}

# spec ARGS_JSON [JQ_EXPR]: a bundle dir with config.json; prints its path.
# root.path stays "rootfs", which does not exist: with an image it is ignored.
spec() {
	local b
	b=$(mktemp -d "$BATS_TEST_TMPDIR/bundle.XXXXXX")
	(cd "$b" && "$CAPSA" spec)
	jq --argjson a "$1" ".process.args = \$a | .process.terminal = false | .root.readonly = false ${2:-}" "$b/config.json" >"$b/c" &&
		mv "$b/c" "$b/config.json"
	echo "$b"
}

run_image() { # IMAGE BUNDLE [ID]
	"$CAPSA" --root "$STATE" --image-root "$STORE" run --image "$1" "$2/config.json" ${3:-}
}

@test "merged view: whiteout, opaque dir, hardlink, symlink" {
	b=$(spec '["/bin/sh","-c","test ! -e /etc/deleteme && ls /opq && readlink /data/sl && [ $(stat -c %i /data/orig) = $(stat -c %i /data/hl) ] && echo links-ok"]')
	run run_image multi "$b"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = new ]
	[ "${lines[1]}" = orig ]
	[ "${lines[2]}" = links-ok ]
}

@test "the image config fills the user; writes stay out of the layers" {
	b=$(spec '["/bin/sh","-c","id -u; id -g; pwd; echo $IMAGE_VAR; echo written >/tmp/new && cat /tmp/new"]')
	run run_image multi "$b"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1234 ]
	[ "${lines[1]}" = 2345 ]
	[ "${lines[2]}" = /data ]
	[ "${lines[3]}" = image ]
	[ "${lines[4]}" = written ]
	(cd "$STORE/layers" && find . -printf '%p %s %m %U:%G %T@ %i\n' | sort) >"$BATS_TEST_TMPDIR/layers.after"
	diff "$BATS_FILE_TMPDIR/layers.before" "$BATS_TEST_TMPDIR/layers.after"
	[ -z "$(ls "$STORE/containers")" ]
}

@test "every run gets a fresh overlay" {
	b=$(spec '["/bin/sh","-c","test ! -e /tmp/mark && echo fresh && echo x >/tmp/mark"]')
	run run_image base "$b"
	[ "$output" = fresh ]
	run run_image base "$b"
	[ "$output" = fresh ]
}

@test "empty process.args takes Entrypoint + Cmd" {
	b=$(spec '[]')
	run run_image multi "$b"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from the image" ]
}

@test "the org.capsa.image annotation selects the image" {
	b=$(spec '["/bin/cat","/opq/new"]' '| .annotations["org.capsa.image"] = "multi"')
	run "$CAPSA" --root "$STATE" --image-root "$STORE" run "$b/config.json"
	[ "$status" -eq 0 ]
	[ "$output" = new ]
}

@test "an unknown image is a clear error" {
	b=$(spec '["/bin/true"]')
	run run_image nosuch:image "$b"
	[ "$status" -ne 0 ]
	[[ "$output" == *"nosuch:image"*"not found"* ]]
	[ -z "$(ls "$STORE/containers")" ]
}
