#!/usr/bin/env bash
# Davit performance benchmark (issues 6 and 16): Davit vs Apache mod_dav_fs and mod_dav_svn and the servers a
# user would pick instead (sabre/dav behind Apache + php-fpm, rclone serve webdav, nginx's dav module), same
# workload, one run.
#
#   bench/run.sh              full run (under 21 minutes on 2 cores); prints machine info and the tables
#   bench/run.sh --smoke      tiny counts, a few seconds per workload (CI; also BENCH_SMOKE=1)
#
# Installs the Debian packages it needs when missing (as root), builds target/davit.jar when it is missing
# (DAVIT_JAR=path runs that jar instead and builds nothing), then runs bench/davit_bench.py, which starts its own
# Apache, Davit and peers on free loopback ports and stops them (by PID) at the end, however it ends. Other options go to the driver
# (bench/davit_bench.py --help). Results: bench/results/<time>/ (table.md, results.json, server logs), or
# BENCH_RESULTS=dir. Exit status: 0 when every step ran and every correctness check passed (targets not met
# do not fail the run unless --require-targets is given).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

smoke=${BENCH_SMOKE:-0}
for a in "$@"; do [[ $a == --smoke ]] && smoke=1; done

# Debian packages (apache2-utils is not needed: the driver writes its htpasswd itself); the second line are the
# peers' (sabre/dav runs in php-fpm behind Apache's mod_proxy_fcgi, part of apache2)
pkgs=(apache2 libapache2-mod-svn subversion wrk curl git python3
      php-fpm php-sabre-dav rclone nginx libnginx-mod-http-dav-ext)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  if [[ $(id -u) != 0 ]]; then
    echo "bench: missing Debian packages: ${missing[*]} (as root: apt-get install -y ${missing[*]})" >&2; exit 2
  fi
  echo "bench: apt-get install ${missing[*]}" >&2
  timeout 300 apt-get update -qq </dev/null
  # The distribution's services (apache2, nginx on port 80, php-fpm) are not used: the benchmark runs its own
  # instances. Where no policy-rc.d keeps them from starting on install, one does for the install's length.
  made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# bench/run.sh: no service starts while it installs packages\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    </dev/null >/dev/null
  if (( made_policy )); then rm -f /usr/sbin/policy-rc.d; trap - EXIT; fi
fi
command -v java >/dev/null || { echo "bench: java is missing (a JDK 17 is needed)" >&2; exit 2; }

# the jar
if [[ -n "${DAVIT_JAR:-}" ]]; then
  [[ -f "$DAVIT_JAR" ]] || { echo "bench: DAVIT_JAR=$DAVIT_JAR does not exist" >&2; exit 2; }
  jar=$DAVIT_JAR
else
  jar=$root/target/davit.jar
  if [[ ! -f "$jar" ]]; then
    echo "bench: building $jar (mvn -q -B -DskipTests package)" >&2
    (cd "$root" && timeout 900 mvn -q -B -ntp -DskipTests package </dev/null >&2)
  fi
fi

# hard cap on top of the driver's own time budget (it stops measuring after 19 min, 200 s in smoke)
cap=1260; (( smoke )) && cap=300
exec timeout -k 20 "$cap" python3 "$here/davit_bench.py" --jar "$jar" "$@"
