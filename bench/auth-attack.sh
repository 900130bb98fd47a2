#!/usr/bin/env bash
# Hostile-load measurement (issue 14): a legitimate client's p50/p99 and throughput against the real server
# with no attack, with 200 connections guessing passwords, and with 2,000 idle + 200 trickling connections,
# in one run on loopback (127.0.0.0/8 only), about 90 seconds. Builds target/davit.jar when it is missing
# (DAVIT_JAR=path measures that jar). Options go to bench/auth_attack.py (--help), e.g. --require-targets.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
command -v java >/dev/null || { echo "auth-attack: java is missing (a JDK 17 is needed)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "auth-attack: python3 is missing" >&2; exit 2; }
jar=${DAVIT_JAR:-$root/target/davit.jar}
if [[ ! -f "$jar" ]]; then
  echo "auth-attack: building $jar (mvn -q -B -DskipTests package)" >&2
  (cd "$root" && timeout 900 mvn -q -B -ntp -DskipTests package </dev/null >&2)
fi
# 2,200 client sockets plus the server's: more than the usual 1,024 open files
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec timeout -k 20 240 python3 "$here/auth_attack.py" --jar "$jar" "$@"
