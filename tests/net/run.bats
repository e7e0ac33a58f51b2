#!/usr/bin/env bats
# Real containers on a bridge network: `capsa run|create --net bridge=NAME -p H:C`.
# Run by tests/net/run.sh (CAPSA = the binary); alone: CAPSA=build/capsa bats tests/net/run.bats
#
# Test-private: networks in a temp CAPSA_NETWORK_DIR, bridge capsatest1,
# nftables table capsatest1, a private --root and busybox rootfs in a temp dir.
# Traffic only to these containers and 127.0.0.1.  teardown_file removes the
# containers, the bridge, the table, and restores net.ipv4.ip_forward.

BR=capsatest1
TABLE=capsatest1

setup_file() {
	[ -n "${CAPSA:-}" ] && [ -x "$CAPSA" ] || { echo "set CAPSA to the capsa binary" >&2; return 1; }
	export T=$(mktemp -d /tmp/capsa-netbats.XXXXXX)
	export CAPSA_NETWORK_DIR=$T/nets CAPSA_NFT_TABLE=$TABLE ROOT=$T/root
	export FWD_BEFORE=$(cat /proc/sys/net/ipv4/ip_forward)
	nft list table ip $TABLE >/dev/null 2>&1 && { echo "table $TABLE exists already" >&2; return 1; }
	ip link show $BR >/dev/null 2>&1 && { echo "link $BR exists already" >&2; return 1; }
	sh "$BATS_TEST_DIRNAME/../../examples/mkrootfs.sh" "$T/rootfs" >/dev/null
	# capsa refuses a subnet overlapping a host route: take the first it accepts
	for s in 10.225.0.0/24 10.226.3.0/24 172.29.250.0/24; do
		"$CAPSA" network create bats --subnet $s --bridge $BR >/dev/null 2>&1 && { export SUBNET=$s; break; }
	done
	[ -n "${SUBNET:-}" ] || { echo "no free test subnet" >&2; return 1; }
	export PFX=${SUBNET%.0/24} GW=${SUBNET%.0/24}.1
	# one config.json for all bundles: CAP_NET_RAW for busybox ping
	(cd "$T" && runc spec && jq --arg r "$T/rootfs" '.root.path=$r | .process.terminal=false
		| .process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])' config.json >spec.json)
}

teardown_file() {
	local id
	[ -n "${T:-}" ] || return 0
	for id in $("$CAPSA" --root "$ROOT" list -q 2>/dev/null); do
		"$CAPSA" --root "$ROOT" delete -f "$id" >/dev/null 2>&1
	done
	[ -s "$T/hook.pid" ] && kill -9 "$(cat "$T/hook.pid")" 2>/dev/null
	for id in $(ip -o link show master $BR 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		ip link del "$id" 2>/dev/null
	done
	ip link del $BR 2>/dev/null
	nft delete table ip $TABLE 2>/dev/null
	echo "$FWD_BEFORE" >/proc/sys/net/ipv4/ip_forward
	rm -rf "$T"
	return 0
}

# bundle ID HOSTNAME ARGS-JSON: prints a bundle dir on the shared rootfs
bundle() {
	local b=$T/b-$1
	mkdir -p "$b"
	jq --arg h "$2" --argjson a "$3" '.hostname=$h | .process.args=$a' "$T/spec.json" >"$b/config.json"
	echo "$b"
}
# capsa ARGS...: the runtime on the private root
capsa() { "$CAPSA" --root "$ROOT" "$@"; }
# detach ID ARGS...: `capsa run -d` with stdio closed (bats waits on inherited fds)
detach() { local id=$1; shift; capsa run -d "$@" "$id" </dev/null >"$T/$id.log" 2>&1 3>&-; }
pid_of() { capsa state "$1" | jq -r .pid; }
# addr_of ID: the IPv4 address on the container's eth0, read in its namespace
addr_of() { nsenter -t "$(pid_of "$1")" -n ip -o -4 addr show eth0 | awk '{sub("/.*", "", $4); print $4}'; }
# veth ID: the host end's name, capsa + 10 hex digits of FNV-1a 64 (netns/net.c)
veth() {
	local h=$((0xcbf29ce484222325)) c i s=$1
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(((h ^ c) * 0x100000001b3))
	done
	printf 'capsa%010x\n' $((h & 0xffffffffff))
}
# rules, rules_of ID: rules in capsa's table (no table: none), rules tagged with ID
rules() { { nft -j list table ip $TABLE 2>/dev/null || echo '{"nftables": []}'; } | jq '[.nftables[] | select(.rule)] | length'; }
rules_of() { nft list table ip $TABLE 2>/dev/null | grep -c "comment \"$1\"" || true; }
# allocator file: "ADDRESS ID PORTS" per line (netns/alloc.h)
alloc() { cat "$ROOT/networks/bats.alloc" 2>/dev/null || true; }
has_addr() { alloc | awk -v id="$1" '$2 == id { f = 1 } END { exit !f }'; }
# nothing_of ID: no state, no veth, no address, no rule for ID
nothing_of() {
	[ ! -e "$ROOT/$1" ] || { echo "state dir of $1 left"; return 1; }
	! ip link show "$(veth "$1")" >/dev/null 2>&1 || { echo "veth of $1 left"; return 1; }
	! has_addr "$1" || { echo "address of $1 left"; return 1; }
	[ "$(rules_of "$1")" = 0 ] || { echo "rules of $1 left"; return 1; }
}
fetch() { # fetch CMD...: retries while a server starts
	local out
	for _ in $(seq 50); do
		out=$("$@" </dev/null 2>/dev/null) && [ -n "$out" ] && { echo "$out"; return 0; }
		sleep 0.1
	done
	return 1
}

@test "eth0 with an address, default route, lo, hostname in /etc/hosts and /etc/hostname, resolv.conf" {
	b=$(bundle one web1 '["sh","-c","ip -4 -o addr show eth0; ip route show default; ip -o link show lo; cat /etc/hostname; cat /etc/hosts; echo ==; cat /etc/resolv.conf; echo ==; ping -c1 -W2 web1"]')
	run timeout 30 "$CAPSA" --root "$ROOT" run --net bridge=bats "$b" n-one
	echo "$output"
	[ "$status" -eq 0 ]
	addr=$(echo "$output" | awk '$2 == "eth0" && $3 == "inet" {sub("/.*", "", $4); print $4}')
	[[ "$addr" == "$PFX".* ]]
	[[ "$output" == *"inet $addr/24"* ]]
	[[ "$output" == *"default via $GW dev eth0"* ]]
	echo "$output" | grep -q '^1: lo: <.*UP'
	echo "$output" | grep -qx web1
	echo "$output" | grep -qP "^$addr\\tweb1\$"
	# resolv.conf: the host's, minus 127.x nameservers (useless in the netns)
	inside=$(echo "$output" | sed -n '/^==$/,/^==$/p' | sed '1d;$d')
	want=$(grep -v '^nameserver 127\.' /etc/resolv.conf || true)
	[ "$inside" = "$want" ]
	# the hostname resolves (through /etc/hosts) to the container's address
	[[ "$output" == *"PING web1 ($addr)"* ]]
	[[ "$output" == *"1 packets received"* ]]
	nothing_of n-one
}

@test "two containers talk TCP and ping; the host reaches a container's port and a published port on 127.0.0.1" {
	b=$(bundle srv srv '["nc","-ll","-p","80","-e","echo","pong"]')
	detach n-srv --net bridge=bats -p 18484:80 "$b"
	addr=$(addr_of n-srv)
	[[ "$addr" == "$PFX".* ]]
	[ "$(fetch busybox nc -w2 "$addr" 80)" = pong ]
	[ "$(fetch busybox nc -w2 127.0.0.1 18484)" = pong ]
	c=$(bundle cli cli "[\"sh\",\"-c\",\"ping -c1 -W2 $addr && nc -w2 $addr 80\"]")
	run timeout 30 "$CAPSA" --root "$ROOT" run --net bridge=bats "$c" n-cli
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 packets received"* ]]
	[ "$(echo "$output" | tail -n1)" = pong ]
	run capsa network rm bats
	[ "$status" -ne 0 ]
	[[ "$output" == *"in use"* ]]
	capsa delete -f n-srv
	nothing_of n-srv
	! busybox nc -w1 127.0.0.1 18484 </dev/null
}

@test "bad input: clear error, nothing created" {
	b=$(bundle bad bad '["sleep","100"]')
	run capsa run -d --net bridge=nope "$b" n-bad
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown network 'nope'"* ]]
	nothing_of n-bad

	run capsa run -d -p 18485:80 "$b" n-bad
	[ "$status" -ne 0 ]
	[[ "$output" == *"--publish needs --net bridge"* ]]
	nothing_of n-bad
	run capsa run -d --net none -p 18485:80 "$b" n-bad
	[ "$status" -ne 0 ]
	[[ "$output" == *"--publish needs --net bridge"* ]]
	nothing_of n-bad

	run capsa run -d --net bridge=bats -p 99999:80 "$b" n-bad
	[ "$status" -ne 0 ]
	[[ "$output" == *"--publish"* ]]
	nothing_of n-bad

	run capsa run -d --net bogus "$b" n-bad
	[ "$status" -ne 0 ]
	[[ "$output" == *"expected none, host, bridge"* ]]
	nothing_of n-bad

	# a host port published twice: by a running container, then in one command
	detach n-hold --net bridge=bats -p 18486:80 "$b"
	[ "$(rules_of n-hold)" -gt 0 ]
	run capsa run -d --net bridge=bats -p 18486:81 "$b" n-bad
	[ "$status" -ne 0 ]
	[[ "$output" == *"18486"*"already published by container n-hold"* ]]
	nothing_of n-bad
	run capsa run -d --net bridge=bats -p 18487:80 -p 18487:81 "$b" n-bad
	[ "$status" -ne 0 ]
	[[ "$output" == *"host port 18487 is given twice"* ]]
	nothing_of n-bad
	capsa delete -f n-hold
	nothing_of n-hold
}

@test "50 containers created concurrently get 50 distinct addresses; deleting them leaves nothing" {
	b=$(bundle many many '["sleep","600"]')
	for i in $(seq 50); do detach m$i --net bridge=bats -p $((20000 + i)):80 "$b" & done
	fail=0
	for j in $(jobs -p); do wait "$j" || fail=1; done
	cat "$T"/m*.log
	[ $fail = 0 ]
	[ "$(for i in $(seq 50); do addr_of m$i; done | grep -c "^$PFX\.")" -eq 50 ]
	[ "$(for i in $(seq 50); do addr_of m$i; done | sort -u | wc -l)" -eq 50 ]
	[ "$(alloc | awk '{print $1}' | sort -u | wc -l)" -eq 50 ]
	[ "$(ip -o link show master $BR | wc -l)" -eq 50 ]
	for i in 1 25 50; do [ "$(rules_of m$i)" -gt 0 ]; done
	for i in $(seq 50); do capsa delete -f m$i & done
	fail=0
	for j in $(jobs -p); do wait "$j" || fail=1; done
	[ $fail = 0 ]
	[ "$(ip -o link show master $BR | wc -l)" -eq 0 ]
	[ -z "$(alloc)" ]
	[ "$(rules)" -eq 0 ]
	[ -z "$(capsa list -q)" ]
}

@test "create killed with SIGKILL after the veth exists: delete --force removes veth, address and rules" {
	# a prestart hook holds create after the network is attached (it runs
	# after the veth and the rules exist), so the kill lands in that window
	b=$(bundle kill kill '["sleep","600"]')
	jq --arg p "$T/hook.pid" '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo $$ >" + $p + "; exec sleep 600"]}]' \
		"$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
	v=$(veth n-kill)
	# the binary itself, not through the capsa function: $! must be its pid
	"$CAPSA" --root "$ROOT" create --net bridge=bats --publish 18488:80 -b "$b" n-kill </dev/null >"$T/kill.log" 2>&1 3>&- &
	cpid=$!
	for _ in $(seq 300); do ip link show "$v" >/dev/null 2>&1 && break; sleep 0.02; done
	ip link show "$v" || { cat "$T/kill.log"; false; }
	for _ in $(seq 300); do [ -s "$T/hook.pid" ] && break; sleep 0.02; done
	[ -s "$T/hook.pid" ]
	kill -9 $cpid
	wait $cpid || true
	kill -9 "$(cat "$T/hook.pid")"
	# the address and the rules outlive the killed create: delete has work
	# to do.  (The veth may already be going: the init dies of PDEATHSIG
	# with its parent, and the kernel deletes a veth pair with its netns.)
	capsa list -q | grep -qx n-kill
	[ "$(rules_of n-kill)" -gt 0 ]
	has_addr n-kill
	capsa delete --force n-kill
	nothing_of n-kill
	[ "$(ip -o link show master $BR | wc -l)" -eq 0 ]
	[ -z "$(alloc)" ]
	[ "$(rules)" -eq 0 ]
}

@test "a netlink failure injected into create --net bridge: create fails, delete --force leaves nothing" {
	command -v strace >/dev/null || skip "strace not installed"
	local b n id
	b=$(bundle inj inj '["true"]')
	# capsa talks netlink with sendto: fail the Nth request with EPERM, for
	# several N so the fault lands before, inside and after the veth setup
	for n in 2 4 6; do
		id=inj$n
		run strace -f -o "$T/strace.$n" --inject=sendto:error=EPERM:when=$n \
			"$CAPSA" --root "$ROOT" create --net bridge=bats --bundle "$b" "$id"
		[ "$status" -ne 0 ] || { echo "create succeeded with sendto #$n failing"; return 1; }
		grep -q 'INJECTED' "$T/strace.$n" || { echo "the fault was not injected (#$n)"; return 1; }
		[[ $output == *"Operation not permitted"* ]] || { echo "no EPERM in: $output"; return 1; }
		capsa delete --force "$id"
		nothing_of "$id"
		[ -z "$(find /sys/fs/cgroup -name "$id")" ] || { echo "cgroup of $id left"; return 1; }
	done
	[ -z "$(ip -o link show master $BR 2>/dev/null)" ] || { echo "bridge ports left"; return 1; }
}

@test "network rm once unused removes the bridge" {
	capsa network rm bats
	! ip link show $BR
	[ ! -e "$CAPSA_NETWORK_DIR/bats.json" ]
}
