#!/usr/bin/env bash
# Makes the certificates for mutual TLS between PromiseGrid nodes (Akka.Remote, akka.ssl.tcp),
# for the nodes' HTTPS gateways, and for the clients of gateways that ask for one.
#
#   deploy/make-certs.sh [--out DIR] [--days N] [--client] NAME...
#
# In DIR (default: deploy/certs beside this script, which docker-compose.yml mounts at /certs):
#   ca.key, ca.crt   the grid CA, made once and reused on every later run (ca.key stays 0600;
#                    only this script needs it, to sign node certificates)
#   NAME.pfx         per NAME: the node's key and certificate, PKCS#12 (PG_TLS_CERT), protected
#                    by $PG_TLS_PASSWORD (empty when unset)
#   NAME.crt         the node's certificate alone, PEM (public; for openssl x509 -text)
# A node certificate is signed by the CA, names DNS:NAME, DNS:localhost and IP:127.0.0.1, and is
# good for both TLS server and client authentication, since every node dials and is dialled.
# The same NAME.pfx serves the node's gateway over HTTPS (PG_HTTP=https://..., PG_HTTPS_CERT),
# and clients trust it with the CA: pgrid --cacert ca.crt.
# With --client, each NAME gets a client certificate instead (TLS client authentication only, no
# host names): what pgrid --cert presents to a gateway started with PG_HTTPS_CLIENT_CA=ca.crt.
#
# Keys are EC P-256 (ECDSA): the curve of the grid's ES256 capability tokens, so the grid uses
# one key family; small certificates and fast handshakes; supported by .NET's SslStream and
# OpenSSL on every platform the node runs on.
#
# Idempotent: a NAME.pfx that is signed by this CA, opens with the password and is valid for
# more than 30 more days is kept; otherwise it is made (again). Prints what it made and kept.
set -euo pipefail

usage() {
  echo "usage: $0 [--out DIR] [--days N] [--client] NAME..." >&2
  echo "  --out DIR   where the CA and the node certificates go (default: $(dirname "$0")/certs)" >&2
  echo "  --days N    validity of node certificates in days (default 825; the CA gets 3650)" >&2
  echo "  --client    make client certificates (pgrid --cert) instead of node certificates" >&2
  exit 2
}

out="$(dirname "$0")/certs"
days=825
ca_days=3650
renew_within=$((30 * 86400))
names=()
client=false
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
    --days) [ $# -ge 2 ] || usage; days="$2"; shift 2 ;;
    --client) client=true; shift ;;
    -h|--help) usage ;;
    -*) echo "make-certs: unknown option '$1'" >&2; usage ;;
    *) names+=("$1"); shift ;;
  esac
done
[[ "$days" =~ ^[1-9][0-9]*$ ]] || { echo "make-certs: --days must be a positive number of days, got '$days'" >&2; exit 2; }
for name in "${names[@]+"${names[@]}"}"; do
  # A DNS name (service names) or an IPv4 address; it becomes a file name and a SAN entry.
  [[ "$name" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$ ]] \
    || { echo "make-certs: '$name' is not a host name (letters, digits, '.' and '-')" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "make-certs: openssl is required (apt-get install openssl)" >&2; exit 1; }

if [ ! -d "$out" ]; then
  mkdir -p "$out"
  # The containers' non-root user must reach the files through the bind mount.
  chmod 755 "$out"
fi
# Two runs at once (parallel test runs, a script and a person) must not make two CAs.
exec 9>"$out/.lock"
if command -v flock >/dev/null; then flock 9; fi

work=$(mktemp -d "$out/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 077

# The password never appears on a command line (ps would show it): openssl reads it from the
# environment; an unset PG_TLS_PASSWORD means an empty password.
export PG_TLS_PASSWORD="${PG_TLS_PASSWORD-}"

ca_key="$out/ca.key"
ca_crt="$out/ca.crt"
if [ -e "$ca_key" ] || [ -e "$ca_crt" ]; then
  [ -s "$ca_key" ] && [ -s "$ca_crt" ] \
    || { echo "make-certs: $out has only one of ca.key and ca.crt; restore the other or remove both to make a new CA" >&2; exit 1; }
  openssl x509 -in "$ca_crt" -noout -checkend 0 >/dev/null \
    || { echo "make-certs: the CA $ca_crt has expired; make a new one in another folder (see deploy/README.md, TLS)" >&2; exit 1; }
  echo "kept CA   $ca_crt ($(openssl x509 -in "$ca_crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'), until $(openssl x509 -in "$ca_crt" -noout -enddate | sed 's/^notAfter=//'))"
else
  # A random tag in the CA's name tells CA generations apart in the nodes' logs (ca=...).
  tag=$(openssl rand -hex 4)
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$work/ca.key" -sha256 -days "$ca_days" \
    -subj "/O=PromiseGrid/CN=PromiseGrid grid CA $tag" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$work/ca.crt"
  chmod 600 "$work/ca.key"
  chmod 644 "$work/ca.crt"
  mv "$work/ca.key" "$ca_key"
  mv "$work/ca.crt" "$ca_crt"
  echo "made CA   $ca_crt ($(openssl x509 -in "$ca_crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'), $ca_days days)"
fi

# Is DIR/NAME.pfx still good: opens with the password, signed by this CA, not expiring soon?
keep_reason() {
  local name="$1"
  [ -s "$out/$name.pfx" ] || return 1
  openssl pkcs12 -in "$out/$name.pfx" -passin env:PG_TLS_PASSWORD -nokeys -clcerts -out "$work/check.crt" 2>/dev/null || return 1
  openssl verify -CAfile "$ca_crt" -purpose sslclient "$work/check.crt" >/dev/null 2>&1 || return 1
  [ "$client" = true ] || openssl verify -CAfile "$ca_crt" -purpose sslserver "$work/check.crt" >/dev/null 2>&1 || return 1
  openssl x509 -in "$work/check.crt" -noout -checkend "$renew_within" >/dev/null || return 1
}

for name in "${names[@]+"${names[@]}"}"; do
  if keep_reason "$name"; then
    echo "kept $([ "$client" = true ] && echo client || echo node) $out/$name.pfx (until $(openssl x509 -in "$work/check.crt" -noout -enddate | sed 's/^notAfter=//'))"
    continue
  fi
  if [ "$client" = true ]; then
    usage_text="clientAuth"
    cat >"$work/node.ext" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  else
    if [[ "$name" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then san="IP:$name,DNS:localhost,IP:127.0.0.1"
    else san="DNS:$name,DNS:localhost,IP:127.0.0.1"; fi
    usage_text="$san, serverAuth+clientAuth"
    cat >"$work/node.ext" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
  fi
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/node.key" 2>/dev/null
  openssl req -new -key "$work/node.key" -subj "/O=PromiseGrid/CN=$name" -out "$work/node.csr"
  # A random 128-bit serial: no serial file to keep next to the CA.
  openssl x509 -req -in "$work/node.csr" -CA "$ca_crt" -CAkey "$ca_key" -sha256 -days "$days" \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$work/node.ext" -out "$work/node.crt" 2>/dev/null
  # OpenSSL 3's defaults (PBKDF2, AES-256-CBC, HMAC-SHA256), spelled out: .NET loads them, with
  # an empty password too, and nothing here depends on the legacy provider.
  openssl pkcs12 -export -inkey "$work/node.key" -in "$work/node.crt" -name "$name" \
    -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 \
    -passout env:PG_TLS_PASSWORD -out "$work/node.pfx"
  # World-readable: the container's non-root user (not the host user who ran this) reads it
  # through the bind mount. On a shared host chown it to that user and chmod 600 instead.
  chmod 644 "$work/node.pfx" "$work/node.crt"
  mv "$work/node.pfx" "$out/$name.pfx"
  mv "$work/node.crt" "$out/$name.crt"
  rm -f "$work/node.key"
  echo "made $([ "$client" = true ] && echo client || echo node) $out/$name.pfx (CN=$name, $usage_text, $days days)"
done
