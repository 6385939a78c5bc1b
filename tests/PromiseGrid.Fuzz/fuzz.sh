#!/usr/bin/env bash
# Coverage-guided fuzzing of one parser with afl-fuzz and SharpFuzz (README.md beside this file).
#
#   fuzz.sh TARGET [SECONDS]   publish, instrument, fuzz TARGET for SECONDS (default 60)
#   fuzz.sh build              publish and instrument only (then FUZZ_NO_BUILD=1 skips it per target)
#   fuzz.sh list               the targets
#
# Installs nothing: it checks its tools and names what is missing. Exit 0: no crash; 1: the
# fuzzer found a crash or a hang that replays (each input is saved under findings/TARGET/ and
# printed as base64, so a CI log alone is enough to reproduce it); 2: a tool or a usage problem.
#
# Environment: FUZZ_CONFIGURATION (Release; ci.sh uses Debug to reuse the test build),
# FUZZ_TIMEOUT_MS (one input's time limit, 5000), FUZZ_NO_BUILD=1 (use the last build as is).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
config="${FUZZ_CONFIGURATION:-Release}"
timeout_ms="${FUZZ_TIMEOUT_MS:-5000}"
out="$here/out/$config"
targets="token proof revocation sequence cid wire gpt auth"

usage() { echo "usage: fuzz.sh TARGET [SECONDS] | build | list; targets: $targets" >&2; exit 2; }
[ $# -ge 1 ] || usage
target="$1"
seconds="${2:-60}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage
if [ "$target" = list ]; then tr ' ' '\n' <<<"$targets"; exit 0; fi
[ "$target" = build ] || [[ " $targets selftest " == *" $target "* ]] || usage

missing=()
command -v dotnet >/dev/null || missing+=("dotnet (the .NET SDK 10)")
command -v afl-fuzz >/dev/null || missing+=("afl-fuzz (Debian: apt-get install afl++)")
if [ ${#missing[@]} -gt 0 ]; then
  printf 'fuzz: missing: %s\n' "${missing[@]}" >&2
  exit 2
fi

# The uninstrumented build replays inputs: instrumented code writes coverage into afl-fuzz's
# shared memory and faults when there is none.
plain="$here/bin/$config/net10.0/PromiseGrid.Fuzz.dll"
instrumented="$out/PromiseGrid.Fuzz.dll"

build() {
  # A fresh copy each time: instrumenting rewrites the assemblies in place, and twice is refused.
  rm -rf "$out"
  echo "fuzz: publishing the harness ($config) to $out"
  mkdir -p "$here/out"
  dotnet publish "$here/PromiseGrid.Fuzz.csproj" -c "$config" -o "$out" --nologo >"$here/out/publish.log" 2>&1 \
    || { grep -E 'error|Error' "$here/out/publish.log" | sort -u | head -20 >&2; echo "fuzz: the harness did not build; the log: $here/out/publish.log" >&2; exit 2; }
  dotnet "$instrumented" instrument "$out"
}

if [ "$target" = build ]; then build; exit 0; fi
if [ "${FUZZ_NO_BUILD:-}" != 1 ]; then build; fi
[ -f "$instrumented" ] && [ -f "$plain" ] || { echo "fuzz: no build in $out; run fuzz.sh build first" >&2; exit 2; }

findings="$here/findings/$target"
rm -rf "$findings"
mkdir -p "$findings"
corpus="$here/corpus/$target"
if [ "$target" = selftest ]; then
  # The target that crashes on 8 bytes or more (FuzzTargets.cs), from a 4-byte seed: the fuzzer
  # must find, save and report that crash, or this pipeline would pass real crashes too.
  corpus="$findings/seed"
  mkdir -p "$corpus"
  printf 'seed' >"$corpus/seed"
fi
echo "fuzz: $target for ${seconds} s, corpus $corpus, findings $findings"
# A dictionary of the format's tokens (dict/), where the target has one.
case "$target" in token|proof|revocation) dict=cose ;; *) dict="$target" ;; esac
dict_args=()
[ -f "$here/dict/$dict.dict" ] && dict_args=(-x "$here/dict/$dict.dict")

# afl-fuzz settings for a managed target on a shared machine:
#  SKIP_BIN_CHECK   the target is `dotnet`, not a binary built by afl-cc; SharpFuzz serves the fork server
#  NO_AFFINITY      no core binding: other builds share the cores
#  SKIP_CPUFREQ, I_DONT_CARE_ABOUT_MISSING_CRASHES   no system settings changed (core_pattern, governor)
#  FORKSRV_INIT_TMOUT   the runtime's start and JIT can take seconds on a loaded machine
#  BENCH_UNTIL_CRASH   stop at the first crash: it fails the run anyway
#  -V               stop after the time given; -m none: the runtime reserves far more address space than it uses
status=0
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
AFL_FORKSRV_INIT_TMOUT=60000 AFL_BENCH_UNTIL_CRASH=1 \
  timeout --kill-after=30 $((seconds + 120)) \
  afl-fuzz -V "$seconds" -t "$timeout_ms" -m none "${dict_args[@]}" -i "$corpus" -o "$findings/afl" \
    -- dotnet "$instrumented" "$target" >"$findings/afl.log" 2>&1 || status=$?
stats="$findings/afl/default/fuzzer_stats"
if [ $status -ne 0 ] || [ ! -f "$stats" ]; then
  sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$findings/afl.log" | tail -20 >&2
  echo "fuzz: afl-fuzz did not run to its end (exit $status); its log: $findings/afl.log" >&2
  exit 2
fi
stat() { sed -n "s/^$1 *: //p" "$stats"; }
echo "fuzz: $target: $(stat execs_done) runs in $(stat run_time) s ($(stat execs_per_sec)/s), corpus $(stat corpus_count), edges $(stat edges_found), crashes $(stat saved_crashes), hangs $(stat saved_hangs)"

# Every crash, and every hang that replays too slowly alone, fails the run. A hang that replays
# at once was the machine's pause (other builds share it), not the parser's: reported, not failed.
failed=0
replayed=0
shopt -s nullglob
for file in "$findings"/afl/default/crashes/id:* "$findings"/afl/default/hangs/id:*; do
  # Each replay starts a runtime: five tell enough, the rest stay in the findings.
  replayed=$((replayed + 1))
  if [ $replayed -gt 5 ]; then failed=1; echo "fuzz: more inputs in $findings/afl/default/{crashes,hangs}"; break; fi
  kind=crash; [[ "$file" == */hangs/* ]] && kind=hang
  saved="$findings/$kind-$(basename "$file" | cut -d, -f1 | tr -d :)"
  cp "$file" "$saved"
  replay=0
  timeout $(((timeout_ms + 999) / 1000 * 2)) dotnet "$plain" "$target" "$saved" >"$saved.replay" 2>&1 || replay=$?
  if [ $kind = hang ] && [ $replay -eq 0 ]; then
    echo "fuzz: a $kind replayed in time alone (machine load?): $saved"
    continue
  fi
  failed=1
  echo "fuzz: CRASH ($kind) in $target, saved as $saved; replay: dotnet $plain $target $saved"
  sed -n 's/^.*: CRASH /  /p' "$saved.replay" | head -3
  [ $replay -eq 124 ] && echo "  (the replay ran out of time too)"
  echo "  input, base64: $(base64 -w0 "$saved")"
done
exit $failed
