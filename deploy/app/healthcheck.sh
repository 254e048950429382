#!/bin/bash
# The app container's health check (Dockerfile HEALTHCHECK, installed as /usr/local/bin/pyboxtech-healthcheck):
# GET /health/live from the app in this container; exit 0 on 200, 1 otherwise (refused, timed out, any other status).
# Liveness only: a database outage makes /health (readiness) fail, and restarting the app would not help it.
# The aspnet runtime image has neither curl nor wget, so the request goes over bash's /dev/tcp.
#   pyboxtech-healthcheck [PATH]   (default /health/live)
# The Host header is the first of AllowedHosts (MED_DOMAIN in compose): host filtering refuses any other name.
set -u
port=${ASPNETCORE_HTTP_PORTS:-8080}
port=${port%%[;,]*}
host=${AllowedHosts:-localhost}
host=${host%%;*}
case $host in '' | *'*'*) host=localhost ;; esac
path=${1:-/health/live}

exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$path" "$host" >&3 || exit 1
IFS=' ' read -r -t 5 _ status _ <&3 || exit 1
exec 3<&-
[ "$status" = 200 ]
