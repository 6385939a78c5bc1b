#!/usr/bin/env bash
# Regenerates corpus/kjv.txt from Debian's bible-kjv and bible-kjv-text packages (4.38,
# Debian 12) and checks it is byte for byte the shipped file. Needs root for apt-get when the
# packages are missing. Usage: corpus/make-kjv.sh [OUTPUT]   (default: corpus/kjv.txt)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/kjv.txt}"
expected=ba7c84a755b5ecc052222311dc2d785cd6cf9c0875ca26fc31de1138501496d5

if ! command -v bible >/dev/null || [ ! -e /usr/lib/bible.data ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends bible-kjv bible-kjv-text >/dev/null
fi
# The whole text, Genesis 1:1 to Revelation 22:21, as the bible program prints it:
# a "Book chapter" heading per chapter, verses numbered, lines wrapped at 80 columns.
bible -l80 gen1:1-rev22:21 > "$out.tmp"
. "$here/checksum.sh"
finish make-kjv "$out" "$expected" "the shipped file's; another package version?"
