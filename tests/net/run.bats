#!/usr/bin/env bats
# Real containers on a bridge network: `capsa run --net bridge=NAME -p H:C`.
# Run by tests/net/run.sh (CAPSA = the binary).  Test-private network
# (CAPSA_NETWORK_DIR), bridge capsabats0, nftables table capsabats, state in
# a temp dir; traffic only to these containers and 127.0.0.1.

setup_file() {
	export T=$(mktemp -d /tmp/capsa-netbats.XXXXXX)
	export CAPSA_NETWORK_DIR=$T/nets CAPSA_NFT_TABLE=capsabats ROOT=$T/root BR=capsabats0
	sh "$BATS_TEST_DIRNAME/../../examples/mkrootfs.sh" "$T/rootfs" >/dev/null
	for s in 10.225.0.0/24 10.226.3.0/24 172.29.250.0/24; do
		"$CAPSA" network create bats --subnet $s --bridge $BR >/dev/null 2>&1 && { export SUBNET=$s; break; }
	done
	[ -n "${SUBNET:-}" ]
	export GW=${SUBNET%.0/24}.1
}

teardown_file() {
	for id in n-one n-srv n-cli; do "$CAPSA" --root "$ROOT" delete -f "$id" >/dev/null 2>&1; done
	ip link del $BR 2>/dev/null || true
	nft delete table ip capsabats 2>/dev/null || true
	rm -rf "$T"
}

# bundle NAME HOSTNAME ARGS-JSON: a bundle dir sharing the read-only rootfs
bundle() {
	local b=$T/b-$1
	mkdir -p "$b"
	(cd "$b" && runc spec && jq --arg r "$T/rootfs" --arg h "$2" --argjson a "$3" \
		'.root.path=$r | .process.terminal=false | .hostname=$h | .process.args=$a' config.json >c && mv c config.json)
	echo "$b"
}

fetch() { # fetch CMD...: retry while a server starts
	for _ in $(seq 50); do
		out=$("$@" </dev/null 2>/dev/null) && [ -n "$out" ] && { echo "$out"; return 0; }
		sleep 0.1
	done
	return 1
}

@test "a container gets eth0, the default route, hosts and hostname" {
	b=$(bundle one web1 '["sh","-c","ip -4 -o addr show eth0; ip route show default; cat /etc/hostname; grep web1 /etc/hosts"]')
	run timeout 30 "$CAPSA" --root "$ROOT" run --net bridge=bats "$b" n-one
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"inet ${SUBNET%.0/24}."*"/24"* ]]
	[[ "$output" == *"default via $GW dev eth0"* ]]
	[[ "$output" == *$'\nweb1\n'* ]]
	[[ "$output" == *$'\tweb1'* ]]
}

@test "two containers talk TCP; the host reaches a container and a published port on 127.0.0.1" {
	b=$(bundle srv srv '["nc","-ll","-p","80","-e","echo","pong"]')
	# foreground run in the background (stdio closed so bats does not wait on it)
	timeout 60 "$CAPSA" --root "$ROOT" run --net bridge=bats -p 18484:80 "$b" n-srv </dev/null >/dev/null 2>&1 3>&- &
	srv=$!
	for _ in $(seq 100); do
		addr=$(awk '$2 == "n-srv" {print $1}' "$ROOT/networks/bats.alloc" 2>/dev/null)
		[ -n "$addr" ] && break
		sleep 0.1
	done
	[ -n "$addr" ]
	[ "$(fetch busybox nc -w2 "$addr" 80)" = pong ]
	[ "$(fetch busybox nc -w2 127.0.0.1 18484)" = pong ]
	c=$(bundle cli cli "[\"nc\",\"-w2\",\"$addr\",\"80\"]")
	run timeout 30 "$CAPSA" --root "$ROOT" run --net bridge=bats "$c" n-cli
	[ "$status" -eq 0 ]
	[ "$output" = pong ]
	run "$CAPSA" --root "$ROOT" network rm bats
	[ "$status" -ne 0 ]
	[[ "$output" == *"in use"* ]]
	"$CAPSA" --root "$ROOT" kill n-srv KILL
	wait $srv || true
	"$CAPSA" --root "$ROOT" delete -f n-srv 2>/dev/null || true
}

@test "after the containers are gone: no ports on the bridge, empty allocator, no rules" {
	[ "$(ip -o link show master $BR | wc -l)" -eq 0 ]
	[ ! -s "$ROOT/networks/bats.alloc" ]
	run nft list table ip capsabats
	[[ "$output" != *comment* ]]
	"$CAPSA" --root "$ROOT" network rm bats
	! ip link show $BR
}
