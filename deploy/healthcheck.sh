#!/usr/bin/env bash
# The node image's healthcheck (docker-compose.yml): exits 0 only when GET /health on the
# node's own gateway answers 200, which it does once the node is Up in the cluster with its
# modules registered (503 otherwise). bash's /dev/tcp does the request, so a probe starts no
# .NET runtime (the image has no curl). The port is PG_HTTP's (default 7070).
#
# Plain HTTP only: with an HTTPS gateway (PG_HTTP=https://...) give the service a
# healthcheck of its own, e.g. `dotnet /app/cli/pgrid.dll --node https://... --cacert ... status`.
set -u
url=${PG_HTTP:-http://0.0.0.0:7070}
case $url in
  http://*) ;;
  *) echo "healthcheck.sh: PG_HTTP=$url is not plain http://" >&2; exit 1 ;;
esac
hostport=${url#http://}
hostport=${hostport%%/*}
port=${hostport##*:}
[ "$port" = "$hostport" ] && port=80
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 3 status <&3 || { echo "healthcheck.sh: no answer from 127.0.0.1:$port" >&2; exit 1; }
case $status in
  "HTTP/1."?" 200 "*) exit 0 ;;
  *) echo "healthcheck.sh: GET /health: ${status%$'\r'}" >&2; exit 1 ;;
esac
