#!/usr/bin/env bash
# The spread of the GPT's figures over seeds: trains one model per seed with
# `pgrid gpt train --steps STEPS --seed S`, then scores each with `pgrid gpt eval` (and
# `--adapt` when ADAPT=1), and prints per seed and then the mean, the sample standard deviation
# and the range of the validation figure (train's final one, every validation byte) and of the
# held-out figure(s). A --steps run is reproducible bit for bit on the same machine and thread
# count, so the spread is the seeds' alone (initial weights and training windows).
#
# Usage: src/PromiseGrid.Bench/Gpt/seeds.sh CORPUS STEPS SEEDS [TRAIN OPTIONS...]
#   e.g. src/PromiseGrid.Bench/Gpt/seeds.sh corpus/kjv.txt 300 1,2,3
#        ADAPT=1 src/PromiseGrid.Bench/Gpt/seeds.sh corpus/kjv.txt 300 1,2,3 --lr 2e-3
#
# The models are kept in OUT (default: a new temporary directory, named on the first line).
# Set PGRID to the pgrid command (default: pgrid on PATH, else `dotnet run` of src/PromiseGrid.Cli).
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 CORPUS STEPS SEEDS [TRAIN OPTIONS...]   (SEEDS: comma-separated, e.g. 1,2,3)" >&2
  exit 2
fi
corpus=$1 steps=$2 seeds=$3
shift 3
[ -f "$corpus" ] || { echo "seeds: no such file: $corpus" >&2; exit 2; }
[[ "$seeds" =~ ^-?[0-9]+(,-?[0-9]+)*$ ]] || { echo "seeds: SEEDS must be comma-separated whole numbers, got '$seeds'" >&2; exit 2; }

if [ -n "${PGRID:-}" ]; then
  read -r -a pgrid <<< "$PGRID"
elif command -v pgrid >/dev/null; then
  pgrid=(pgrid)
else
  repo="$(cd "$(dirname "$0")/../../.." && pwd)"
  pgrid=(dotnet run --project "$repo/src/PromiseGrid.Cli" -c Release --)
fi
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
echo "seeds $seeds, --steps $steps ${*:-} on $corpus; models and logs in $out"

header="seed validation held-out"
[ "${ADAPT:-0}" = 1 ] && header="$header held-out--adapt"
rows=()
IFS=, read -r -a list <<< "$seeds"
for seed in "${list[@]}"; do
  model="$out/seed-$seed.safetensors"
  "${pgrid[@]}" gpt train --corpus "$corpus" --out "$model" --steps "$steps" --seed "$seed" --force -q "$@" > "$out/train-$seed.log"
  validation=$(sed -n 's/.* validation \([0-9.]*\) bits\/byte (all .*/\1/p' "$out/train-$seed.log")
  eval_args=(gpt eval --model "$model" --corpus "$corpus")
  [ "${ADAPT:-0}" = 1 ] && eval_args+=(--adapt)
  "${pgrid[@]}" "${eval_args[@]}" > "$out/eval-$seed.log"
  row="$seed $validation $(cut -d' ' -f1 "$out/eval-$seed.log" | paste -sd' ')"
  rows+=("$row")
  echo "$row" | awk '{ printf "seed %-6s validation %s  held-out %s", $1, $2, $3; if (NF > 3) printf "  held-out --adapt %s", $4; print "" }'
done

printf '%s\n' "${rows[@]}" | awk -v header="$header" '
  { for (i = 2; i <= NF; i++) { x[i, NR] = $i; s[i] += $i } n = NR; cols = NF }
  END {
    split(header, names, " ")
    printf "%-16s %8s %8s %8s %8s   (n = %d seeds, sample standard deviation)\n", "bits/byte", "mean", "sd", "min", "max", n
    for (i = 2; i <= cols; i++) {
      m = s[i] / n; v = 0; lo = x[i, 1]; hi = x[i, 1]
      for (r = 1; r <= n; r++) { v += (x[i, r] - m) ^ 2; if (x[i, r] < lo) lo = x[i, r]; if (x[i, r] > hi) hi = x[i, r] }
      printf "%-16s %8.4f %8.4f %8.4f %8.4f\n", names[i], m, (n > 1 ? sqrt(v / (n - 1)) : 0), lo, hi
    }
  }'
