#!/usr/bin/env bash
# Print the benchmark results (results.json from tests/bench/run.sh) as
# markdown tables, with the ratios capsa/crun, capsa/runc, capsa/floor and
# capsa/spec floor computed from medians of the same run.
#
#   tests/bench/report.sh RESULTS.json
set -euo pipefail
res=${1:?usage: $0 RESULTS.json}

jq -r '
def ms: if . == null then "–" else (. * 1000 * 100 | round / 100 | tostring) + " ms" end;
def ratio(a; b): if a == null or b == null or b == 0 then "–" else (a / b * 100 | round / 100 | tostring) end;
def timed(name; lbl):
  if (.[name] | type) == "object" then
    .[name] as $p
    | "| \(lbl) | \($p.capsa.median | ms) | \($p.runc.median | ms) | \($p.crun.median | ms) | \($p.floor.median | ms) | \($p.spec_floor.median | ms) | \(ratio($p.capsa.median; $p.crun.median)) | \(ratio($p.capsa.median; $p.runc.median)) | \(ratio($p.capsa.median; $p.floor.median)) | \(ratio($p.capsa.median; $p.spec_floor.median)) |"
  elif .[name] != null then "| \(lbl) | \(.[name]) | | | | | | | | |"
  else empty end;
"Host: kernel \(.host.kernel), \(.host.cpus) CPUs, load \(.host.loadavg), \(.host.date), \(.host.runs) runs per command.",
"Runtimes: " + ([.runtimes | to_entries[] | "\(.key) \(.value)"] | join("; ")),
"",
"| median wall time | capsa | runc | crun | floor | spec floor | capsa/crun | capsa/runc | capsa/floor | capsa/spec floor |",
"|---|---|---|---|---|---|---|---|---|---|",
timed("run"; "run /bin/true to exit"),
timed("run_spaced"; "run /bin/true to exit, runs 50 ms apart"),
timed("run_mounts"; "run /bin/true to exit, \(.mounts_added // "?") more mounts in the namespace"),
timed("create"; "create"),
timed("start"; "start"),
timed("delete"; "delete"),
timed("exec"; "exec /bin/true"),
timed("seccomp_run"; "run, default seccomp profile"),
timed("ctr"; "ctr run --rm /bin/true"),
"",
"| footprint | capsa | runc | crun | capsa/crun | capsa/runc |",
"|---|---|---|---|---|---|",
(if .rss_kib then "| peak RSS of run (KiB) | \(.rss_kib.capsa // "–") | \(.rss_kib.runc // "–") | \(.rss_kib.crun // "–") | \(ratio(.rss_kib.capsa; .rss_kib.crun)) | \(ratio(.rss_kib.capsa; .rss_kib.runc)) |" else empty end),
(if .size then "| binary size (bytes, as built; shared libs) | \(.size.capsa.bytes // "–"); \(.size.capsa.shared_libs // "–") | \(.size.runc.bytes // "–"); \(.size.runc.shared_libs // "–") | \(.size.crun.bytes // "–"); \(.size.crun.shared_libs // "–") | \(ratio(.size.capsa.bytes; .size.crun.bytes)) | \(ratio(.size.capsa.bytes; .size.runc.bytes)) |" else empty end),
(if .size.capsa.stripped_bytes then "| binary size, stripped (bytes) | \(.size.capsa.stripped_bytes // "–") | \(.size.runc.stripped_bytes // "–") | \(.size.crun.stripped_bytes // "–") | \(ratio(.size.capsa.stripped_bytes; .size.crun.stripped_bytes)) | \(ratio(.size.capsa.stripped_bytes; .size.runc.stripped_bytes)) |" else empty end),
(if .size.capsa.with_libs_bytes then "| stripped binary + its shared libraries except glibc (bytes) | \(.size.capsa.with_libs_bytes // "–") | \(.size.runc.with_libs_bytes // "–") | \(.size.crun.with_libs_bytes // "–") | \(ratio(.size.capsa.with_libs_bytes; .size.crun.with_libs_bytes)) | \(ratio(.size.capsa.with_libs_bytes; .size.runc.with_libs_bytes)) |" else empty end),
(if (.seccomp_run | type) == "object" then
  .seccomp_run as $s | def cost(r): if $s[r] and $s[r + "-noseccomp"] then ($s[r].median - $s[r + "-noseccomp"].median) | ms else "–" end;
  "| seccomp cost (run with profile − without, pooled alternating rounds) | \(cost("capsa")) | \(cost("runc")) | \(cost("crun")) | | |"
 else empty end),
"",
(if .scale then
  "| scale: N running | runtime | start time (median of 10 solo starts) | in the burst to N (median of its last 10) | host memory per container |",
  "|---|---|---|---|---|",
  (.scale | to_entries[] | .key as $rt | .value | (if .failed_starts then "| – | \($rt) | \(.failed_starts) starts FAILED, figures invalid | | |" else empty end),
    (to_entries | map(select(.key != "failed_starts")) | sort_by(.key | tonumber)[]
    | "| \(.key) | \($rt) | \(.value.start_s | ms) | \(if .value.burst_start_s then (.value.burst_start_s | ms) else "–" end) | \(.value.mem_kib_per_container) KiB |"))
 else empty end)
' "$res"
