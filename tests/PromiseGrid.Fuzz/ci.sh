#!/usr/bin/env bash
# CI's fuzzing: every target of fuzz.sh for a bounded time (FUZZ_SECONDS each, 20 by default:
# about 4 minutes for the eight with the build and afl-fuzz's start-up). Installs afl++ from
# Debian when afl-fuzz is missing (CI runs as root). Exit 0 when no target crashed, 1 when one
# did (its input is in the log as base64 and under findings/), 2 on a tool or build problem.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${FUZZ_SECONDS:-20}"

if ! command -v afl-fuzz >/dev/null; then
  echo "fuzz: installing afl++ (Debian)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++ >/dev/null
fi

# Debug: after (or before) `dotnet test` the solution's Debug build is there to reuse; a short
# run gains less from the optimiser than a Release build of every project would cost.
export FUZZ_CONFIGURATION="${FUZZ_CONFIGURATION:-Debug}"
"$here/fuzz.sh" build

mkdir -p "$here/findings"
# First a target that must crash: unless its crash is found and fails the run, a green run
# below would prove nothing.
status=0
FUZZ_NO_BUILD=1 "$here/fuzz.sh" selftest 30 >"$here/findings/selftest.log" 2>&1 || status=$?
if [ $status -ne 1 ]; then
  cat "$here/findings/selftest.log" >&2
  echo "fuzz: the self-test's crash was not reported (fuzz.sh exit $status, not 1): the fuzzing pipeline is broken" >&2
  exit 2
fi
echo "fuzz: self-test: a crash is found, saved and fails the run"

worst=0
crashed=()
for target in $("$here/fuzz.sh" list); do
  status=0
  FUZZ_NO_BUILD=1 "$here/fuzz.sh" "$target" "$seconds" || status=$?
  [ $status -eq 0 ] && continue
  crashed+=("$target")
  [ $status -gt $worst ] && worst=$status
done
if [ ${#crashed[@]} -eq 0 ]; then
  echo "fuzz: every target ran ${seconds} s without a crash"
else
  echo "fuzz: FAILED: ${crashed[*]} (see the lines above; fuzz.sh exit $worst)" >&2
fi
exit $worst
