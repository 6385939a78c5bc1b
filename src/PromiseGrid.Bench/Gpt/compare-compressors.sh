#!/usr/bin/env bash
# Bits per held-out byte of gzip -9, xz -9e and zstd -19 on the split `pgrid gpt train` uses,
# next to a model's figure from `pgrid gpt eval` when a model is given.
#
# Usage: src/PromiseGrid.Bench/Gpt/compare-compressors.sh CORPUS [MODEL]
#
# The held-out cut is the CLI's: the last N - floor(N*9/10) bytes. `pgrid gpt train` learns from
# the first 85% and validates on the next 5%; a compressor here reads all of the first 90%. A
# compressor's figure is what the held-out part costs on top of the first 90%,
#   (size(compress(first 90% + held-out)) - size(compress(first 90%))) * 8 / held-out bytes.
# The model's figure is its cross-entropy over every held-out byte, the part cut into windows of
# its context (each byte predicted from the bytes before it in its window, a window's first byte
# from the byte just before it), as `pgrid gpt eval` prints it.
#
# Set PGRID to the pgrid command (default: pgrid on PATH, else `dotnet run` of src/PromiseGrid.Cli).
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 CORPUS [MODEL]" >&2
  exit 2
fi
corpus=$1
model=${2:-}
[ -f "$corpus" ] || { echo "compare-compressors: no such file: $corpus" >&2; exit 2; }
[ -z "$model" ] || [ -f "$model" ] || { echo "compare-compressors: no such model: $model" >&2; exit 2; }

missing=() packages=()
command -v gzip >/dev/null || { missing+=(gzip); packages+=(gzip); }
command -v xz >/dev/null || { missing+=(xz); packages+=(xz-utils); }
command -v zstd >/dev/null || { missing+=(zstd); packages+=(zstd); }
if [ ${#missing[@]} -gt 0 ]; then
  echo "compare-compressors: ${missing[*]} not found: apt-get install ${packages[*]}" >&2
  exit 1
fi

n=$(wc -c < "$corpus")
split=$(( n * 9 / 10 ))
held=$(( n - split ))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c "$split" "$corpus" > "$tmp/train"

printf '%s: %d bytes; first 90%% %d bytes, held out the last %d (10%%)\n' "$corpus" "$n" "$split" "$held"
printf '%-12s %14s %14s %10s\n' "method" "train bytes" "all bytes" "bits/byte"

row() {
  local name=$1; shift
  local a b
  a=$("$@" < "$tmp/train" | wc -c)
  b=$("$@" < "$corpus" | wc -c)
  awk -v name="$name" -v a="$a" -v b="$b" -v h="$held" 'BEGIN { printf "%-12s %14d %14d %10.4f\n", name, a, b, (b - a) * 8 / h }'
}
row "gzip -9" gzip -9 -c
row "xz -9e" xz -9e -c -T1
row "zstd -19" zstd -19 -c -q

if [ -n "$model" ]; then
  if [ -n "${PGRID:-}" ]; then
    read -r -a pgrid <<< "$PGRID"
  elif command -v pgrid >/dev/null; then
    pgrid=(pgrid)
  else
    repo="$(cd "$(dirname "$0")/../../.." && pwd)"
    pgrid=(dotnet run --project "$repo/src/PromiseGrid.Cli" -c Release --)
  fi
  line=$("${pgrid[@]}" gpt eval --model "$model" --corpus "$corpus")
  printf '%-12s %14s %14s %10s   (%s)\n' "model" "-" "-" "${line%% *}" "$line"
fi
