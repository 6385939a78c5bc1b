#!/usr/bin/env bash
# Node start to /health 200, single node, as the performance table reports it.
# Usage: src/PromiseGrid.Bench/measure-startup.sh [RUNS]   (after: dotnet build -c Release PromiseGrid.sln)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
dll=src/PromiseGrid.Node/bin/Release/net10.0/PromiseGrid.Node.dll
[ -f "$dll" ] || { echo "build first: dotnet build -c Release PromiseGrid.sln" >&2; exit 1; }
port=7099
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  (cd "$work" && PG_PORT=0 PG_HTTP=http://127.0.0.1:$port exec dotnet "$OLDPWD/$dll" >"$work/node.log" 2>&1) &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do
    kill -0 "$pid" 2>/dev/null || { echo "node exited; log:" >&2; cat "$work/node.log" >&2; exit 1; }
    sleep 0.01
  done
  end=$(date +%s%N)
  echo "run $i: start to /health 200 in $(( (end - start) / 1000000 )) ms"
  kill -TERM "$pid"; wait "$pid" || true
done
