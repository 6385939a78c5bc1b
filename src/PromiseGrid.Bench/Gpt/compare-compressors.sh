#!/usr/bin/env bash
# Bits per held-out byte of gzip -9, xz -9e, zstd -19 and PPMd (7z, order 6) on the split
# `pgrid gpt train` uses, next to a model's figures from `pgrid gpt eval --adapt` when a model is
# given: the static one and the adaptive one (the model learning while it reads, as the
# compressors do).
#
# Usage: src/PromiseGrid.Bench/Gpt/compare-compressors.sh CORPUS [MODEL]
#
# The held-out cut is the CLI's: the last N - floor(N*9/10) bytes. `pgrid gpt train` learns from
# the first 85% and validates on the next 5%; a compressor here reads all of the first 90%. A
# compressor's figure is what the held-out part costs on top of the first 90%,
#   (size(compress(first 90% + held-out)) - size(compress(first 90%))) * 8 / held-out bytes.
# The model's figure is its cross-entropy over every held-out byte, the part cut into windows of
# its context (each byte predicted from the bytes before it in its window, a window's first byte
# from the byte just before it), as `pgrid gpt eval` prints it; "model --adapt" is the same bytes
# scored by a model that takes a training step after each stride it has scored, having first read
# and learnt from the validation part as the compressors have (EVAL_ARGS, e.g. "--adapt-lr 1e-4"
# or "--adapt-cold", passes options to the eval). PPMd writes a 7z archive (it cannot write to a
# pipe), whose few header bytes mostly cancel in the difference.
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
command -v 7z >/dev/null || { missing+=(7z); packages+=(p7zip-full); }
if [ ${#missing[@]} -gt 0 ]; then
  echo "compare-compressors: ${missing[*]} not found: apt-get install ${packages[*]}" >&2
  exit 1
fi

n=$(wc -c < "$corpus")
split=$(( n * 9 / 10 ))
held=$(( n - split ))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/train" "$tmp/all"
head -c "$split" "$corpus" > "$tmp/train/text"
cp "$corpus" "$tmp/all/text"

printf '%s: %d bytes; first 90%% %d bytes, held out the last %d (10%%)\n' "$corpus" "$n" "$split" "$held"
printf '%-12s %14s %14s %10s\n' "method" "train bytes" "all bytes" "bits/byte"

row() {
  local name=$1; shift
  local a b
  a=$("$@" < "$tmp/train/text" | wc -c)
  b=$("$@" < "$tmp/all/text" | wc -c)
  awk -v name="$name" -v a="$a" -v b="$b" -v h="$held" 'BEGIN { printf "%-12s %14d %14d %10.4f\n", name, a, b, (b - a) * 8 / h }'
}
row "gzip -9" gzip -9 -c
row "xz -9e" xz -9e -c -T1
row "zstd -19" zstd -19 -c -q
# 7z reads the file named "text" in the current directory (the same name in both archives) and
# writes the archive to a file, then prints it.
ppmd() { (cd "$1" && 7z a -bd -bso0 -bsp0 -t7z -m0=PPMd:o=6 "$tmp/$2.7z" text >/dev/null && cat "$tmp/$2.7z"); }
a=$(ppmd "$tmp/train" train | wc -c)
b=$(ppmd "$tmp/all" all | wc -c)
awk -v a="$a" -v b="$b" -v h="$held" 'BEGIN { printf "%-12s %14d %14d %10.4f\n", "PPMd o6", a, b, (b - a) * 8 / h }'

if [ -n "$model" ]; then
  if [ -n "${PGRID:-}" ]; then
    read -r -a pgrid <<< "$PGRID"
  elif command -v pgrid >/dev/null; then
    pgrid=(pgrid)
  else
    repo="$(cd "$(dirname "$0")/../../.." && pwd)"
    pgrid=(dotnet run --project "$repo/src/PromiseGrid.Cli" -c Release --)
  fi
  read -r -a extra <<< "${EVAL_ARGS:-}"
  mapfile -t lines < <("${pgrid[@]}" gpt eval --model "$model" --corpus "$corpus" --adapt "${extra[@]}")
  printf '%-14s %12s %14s %10s   (%s)\n' "model" "-" "-" "${lines[0]%% *}" "${lines[0]}"
  printf '%-14s %12s %14s %10s   (%s)\n' "model --adapt" "-" "-" "${lines[1]%% *}" "${lines[1]}"
fi
