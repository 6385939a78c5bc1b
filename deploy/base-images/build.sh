#!/usr/bin/env bash
# Builds local stand-ins for the two base images deploy/Dockerfile starts from, for machines
# that reach no container registry (CI here): Debian's package mirror and the machine's own
# .NET SDK are all they need.
#
#   deploy/base-images/build.sh [--force]
#
# Then build the node image from them (docker-compose reads the same variables):
#   PG_SDK_IMAGE=promisegrid-base/sdk:10.0 PG_RUNTIME_IMAGE=promisegrid-base/aspnet:10.0 \
#     docker-compose build
#
# The images:
#   promisegrid-base/debian:bookworm   Debian 12 minbase (debootstrap) with the libraries the
#                                      official .NET images carry, the CA certificates this
#                                      machine trusts, and the `app` user (uid 1654)
#   promisegrid-base/aspnet:10.0       + this machine's .NET runtime only (shared/Microsoft.NETCore.App,
#                                      shared/Microsoft.AspNetCore.App, host/, dotnet): the stand-in
#                                      for the official aspnet:10.0
#   promisegrid-base/sdk:10.0          + this machine's whole .NET SDK: the stand-in for sdk:10.0
# The CA certificates (/usr/local/share/ca-certificates, and the bundle /etc/ssl/certs) and
# NUGET_CERT_REVOCATION_MODE=offline make the image's `dotnet restore` reach the package
# registry exactly as this machine does.
#
# Cached: the debootstrap tree is kept as a tarball (PG_BASE_CACHE, default
# /var/cache/promisegrid/base-images), and an image whose label matches this machine's SDK
# version and certificates is kept; --force makes all three anew. Needs root, a running
# Docker engine and debootstrap; the mirror is the one apt's sources name for Debian 12.
set -euo pipefail

force=false
case "${1-}" in
  --force) force=true ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

say() { echo "base-images: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap)"
command -v docker >/dev/null || die "docker is required (apt-get install docker.io)"
docker info >/dev/null 2>&1 || die "no Docker engine answers (start dockerd)"
command -v debootstrap >/dev/null || die "debootstrap is required (apt-get install debootstrap)"
dotnet_bin=$(command -v dotnet) || die "dotnet is required: its SDK goes into the images"
dotnet_root=$(dirname "$(readlink -f "$dotnet_bin")")
sdk_version=$(dotnet --version)
runtime_version=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | sort -V | tail -1)
aspnet_version=$(ls "$dotnet_root/shared/Microsoft.AspNetCore.App" | sort -V | tail -1)

cache=${PG_BASE_CACHE:-/var/cache/promisegrid/base-images}
suite=bookworm
# The Debian mirror apt already uses for bookworm/main, so nothing names a host here.
find_mirror() { apt-cache policy | awk -v s="$suite/main" '$3 == s && $4 ~ /amd64|all/ { print $2; exit }'; }
mirror=$(find_mirror)
if [ -z "$mirror" ]; then apt-get update -qq && mirror=$(find_mirror); fi
[ -n "$mirror" ] || die "apt knows no mirror for $suite/main: run apt-get update (or add Debian 12 to apt's sources)"

# The certificates this machine trusts: a change of them must rebuild the images.
certs_sum=$(cat /usr/local/share/ca-certificates/*.crt /etc/ssl/certs/ca-certificates.crt 2>/dev/null | sha256sum | cut -c1-16)
stamp="sdk=$sdk_version certs=$certs_sum"

current() { # IMAGE: true when it exists with this stamp
  [ "$force" = false ] && [ "$(docker image inspect -f '{{index .Config.Labels "promisegrid.base"}}' "$1" 2>/dev/null)" = "$stamp" ]
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ------------------------------------------------------------ Debian 12 minbase
rootfs_tar="$cache/debian-$suite-minbase.tar"
if [ "$force" = true ] || [ ! -s "$rootfs_tar" ]; then
  say "debootstrap $suite minbase from $mirror (once; cached in $rootfs_tar)"
  mkdir -p "$cache"
  # What the official .NET images install on top of Debian: the runtime's native dependencies
  # (ICU, OpenSSL, zlib, libstdc++), time zones and CA certificates (which brings openssl(1),
  # used by the compose file's `certs` service).
  debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,tzdata,zlib1g,libstdc++6,libgcc-s1 \
    "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" --numeric-owner -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$work/rootfs"
fi

if ! current promisegrid-base/debian:$suite; then
  say "promisegrid-base/debian:$suite"
  mkdir -p "$work/debian/local-ca"
  docker import "$rootfs_tar" promisegrid-base/minbase:$suite >/dev/null
  cp /usr/local/share/ca-certificates/*.crt "$work/debian/local-ca/" 2>/dev/null || true
  cat >"$work/debian/Dockerfile" <<DOCKERFILE
FROM promisegrid-base/minbase:$suite
# The certificates this machine trusts beyond Debian's, so the images reach what it reaches.
COPY local-ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null \\
 && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --no-create-home --shell /bin/false app
ENV NUGET_CERT_REVOCATION_MODE=offline \\
    APP_UID=1654 \\
    DOTNET_RUNNING_IN_CONTAINER=true
LABEL promisegrid.base="$stamp"
CMD ["bash"]
DOCKERFILE
  docker build -q -t promisegrid-base/debian:$suite "$work/debian" >/dev/null
fi

# ------------------------------------------------------------ .NET runtime and SDK
dotnet_image() { # NAME KIND SOURCE-FOLDER
  local name=$1 kind=$2 src=$3
  cat >"$src/Dockerfile" <<DOCKERFILE
FROM promisegrid-base/debian:$suite
COPY dotnet/ /usr/share/dotnet/
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_VERSION=$runtime_version \\
    ASPNET_VERSION=$aspnet_version \\
    ASPNETCORE_HTTP_PORTS=8080 \\
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \\
    DOTNET_NOLOGO=1
LABEL promisegrid.base="$stamp" promisegrid.kind="$kind"
DOCKERFILE
  docker build -q -t "$name" "$src" >/dev/null
}

if ! current promisegrid-base/aspnet:10.0; then
  say "promisegrid-base/aspnet:10.0 (runtime $runtime_version, ASP.NET Core $aspnet_version)"
  mkdir -p "$work/aspnet/dotnet/shared"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/LICENSE.txt" "$dotnet_root/ThirdPartyNotices.txt" "$work/aspnet/dotnet/"
  cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$work/aspnet/dotnet/shared/"
  dotnet_image promisegrid-base/aspnet:10.0 runtime "$work/aspnet"
  rm -rf "$work/aspnet"
fi

if ! current promisegrid-base/sdk:10.0; then
  say "promisegrid-base/sdk:10.0 (SDK $sdk_version)"
  mkdir -p "$work/sdk"
  cp -a "$dotnet_root" "$work/sdk/dotnet"
  rm -rf "$work/sdk/dotnet/metadata"
  dotnet_image promisegrid-base/sdk:10.0 sdk "$work/sdk"
  rm -rf "$work/sdk"
fi

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' 'promisegrid-base/*' | grep -v minbase >&2
say "done: PG_SDK_IMAGE=promisegrid-base/sdk:10.0 PG_RUNTIME_IMAGE=promisegrid-base/aspnet:10.0"
