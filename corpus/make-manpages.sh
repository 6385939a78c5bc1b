#!/usr/bin/env bash
# Makes corpus/manpages.txt: the Linux man-pages project's sections 2 and 7 (system calls and
# overviews) from Debian's `manpages` and `manpages-dev`
# packages (6.03-2, Debian 12), rendered as plain text 80 columns wide by the machine's groff.
# One of the texts the GPT's defaults were NOT tuned on (see corpus/README.md). The packages
# are downloaded and unpacked in a temporary folder, not installed.
# Usage: corpus/make-manpages.sh [OUTPUT]   (default: corpus/manpages.txt)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/manpages.txt}"
version='6.03-2'
expected=b8955e13dfd451601a9603af405320293bb46ccbe6356e1aac4187831c9505f6

for tool in man groff col; do
  command -v "$tool" >/dev/null || { echo "make-manpages: needs $tool (apt-get install man-db groff-base bsdextrautils)" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q "manpages=$version" "manpages-dev=$version" >/dev/null 2>&1) || {
  echo "make-manpages: apt-get download manpages=$version manpages-dev=$version failed (run apt-get update?)" >&2; exit 1; }
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
# Pages that are only a `.so` link to another page are skipped (that page is rendered itself).
: > "$out.tmp"
for section in 2 7; do
  find "$work/x/usr/share/man/man$section" -type f -name '*.gz' | LC_ALL=C sort | while read -r page; do
    if zcat "$page" | head -n 3 | grep -q '^\.so '; then continue; fi
    (cd "$work/x/usr/share/man" && MANWIDTH=80 MAN_KEEP_FORMATTING= LC_ALL=C.UTF-8 man -l -E UTF-8 "$page" 2>/dev/null | col -bx) >> "$out.tmp"
  done
done
. "$here/checksum.sh"
finish make-manpages "$out" "$expected" "another package or groff version?"
