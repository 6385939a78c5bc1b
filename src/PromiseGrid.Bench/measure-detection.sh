#!/usr/bin/env bash
# Failure detection time: two nodes, node2 SIGKILLed, time until node1 logs
# "routes excluded node=<node2> reason=unreachable" (the moment its routes stop being used).
# Usage: src/PromiseGrid.Bench/measure-detection.sh [RUNS] [CONFIG]   (after: dotnet build -c Release src/PromiseGrid.Node)
# CONFIG: a HOCON file both nodes get as --config, e.g. to compare akka.scheduler.tick-duration values.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
config=${2:-}
dll=$PWD/src/PromiseGrid.Node/bin/Release/net10.0/PromiseGrid.Node.dll
[ -f "$dll" ] || { echo "build first: dotnet build -c Release src/PromiseGrid.Node" >&2; exit 1; }
args=()
[ -n "$config" ] && args=(--config "$(realpath "$config")")
work=$(mktemp -d)
pids=()
trap 'kill -9 "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
wait_for() { # file pattern
  for _ in $(seq 1200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "gave up waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}
for i in $(seq "$runs"); do
  mkdir -p "$work/$i/a" "$work/$i/b"
  (cd "$work/$i/a" && PG_MODULES=echo,sys PG_PORT=0 PG_HTTP=http://127.0.0.1:0 exec dotnet "$dll" "${args[@]}" >"$work/$i/a.log" 2>&1) &
  pids+=($!); a=$!
  wait_for "$work/$i/a.log" "node up address="
  seed=$(grep -o 'node starting address=[^ ]*' "$work/$i/a.log" | head -1 | cut -d= -f2)
  (cd "$work/$i/b" && PG_MODULES=echo,sys PG_PORT=0 PG_HTTP=http://127.0.0.1:0 PG_SEEDS=$seed exec dotnet "$dll" "${args[@]}" >"$work/$i/b.log" 2>&1) &
  pids+=($!); b=$!
  wait_for "$work/$i/b.log" "node up address="
  node2=$(grep -o 'node starting address=[^ ]*' "$work/$i/b.log" | head -1 | cut -d= -f2)
  wait_for "$work/$i/a.log" "routes replicated node=$node2"
  sleep 5 # a few heartbeats, so the failure detector has a history
  start=$(date +%s%N)
  kill -9 "$b"; wait "$b" 2>/dev/null || true
  wait_for "$work/$i/a.log" "routes excluded node=$node2"
  end=$(date +%s%N)
  echo "run $i: node2 killed, its routes excluded on node1 after $(( (end - start) / 1000000 )) ms (load average $(cut -d' ' -f1 /proc/loadavg))"
  kill -TERM "$a"; wait "$a" || true
done
