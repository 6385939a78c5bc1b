#!/usr/bin/env bash
# Makes corpus/fortunes.txt: the English fortune files of Debian's `fortunes` package
# (1:1.99.1-7.3, Debian 12), one of the texts the GPT's defaults were NOT tuned on (see
# corpus/README.md). The package is downloaded and unpacked in a temporary folder, not
# installed. Usage: corpus/make-fortunes.sh [OUTPUT]   (default: corpus/fortunes.txt)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/fortunes.txt}"
version='1:1.99.1-7.3'
expected=cf306156a57de55995b90d6e959189a5b6b1920e19f7e0c23425984027d6a7b8

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "fortunes=$version" >/dev/null 2>&1) || {
  echo "make-fortunes: apt-get download fortunes=$version failed (run apt-get update?)" >&2; exit 1; }
dpkg-deb -x "$work"/fortunes_*.deb "$work/x"
# Every file of quotes and jokes in name order, without ascii-art (pictures, not prose) and
# the strfile indexes (.dat) and the .u8 links.
dir="$work/x/usr/share/games/fortunes"
find "$dir" -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' ! -name 'ascii-art' -printf '%f\n' \
  | LC_ALL=C sort | sed "s|^|$dir/|" | xargs cat > "$out.tmp"
. "$here/checksum.sh"
finish make-fortunes "$out" "$expected" "another package version?"
