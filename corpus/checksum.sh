# Sourced by the make-*.sh scripts: moves NAME's finished "$out.tmp" into place and checks that it
# is byte for byte the expected text. Usage: finish NAME OUT EXPECTED_SHA256 HINT
finish() {
  local name=$1 out=$2 expected=$3 hint=$4 actual
  mv "$out.tmp" "$out"
  actual=$(sha256sum "$out" | cut -d' ' -f1)
  if [ "$actual" != "$expected" ]; then
    echo "$name: $out has sha256 $actual, not $expected ($hint)" >&2
    exit 1
  fi
  echo "$name: $out ($(wc -c < "$out") bytes) is the expected text"
}
