#!/usr/bin/env bash
# The whole suite: JUnit (mvn -B verify), the jar, the Debian packages of the real clients (as root, when
# missing), then ONE Davit on a free port with a fresh data dir and the interop scripts against it:
# commits, litmus, cadaver, rclone, davfs2, drivesaves (its own Davit and davfs2 mounts: vim, nano, sed -i, rsync,
# a replay of Office's save and cp, one commit per save, no temp names in git), octokit (the REST API driven by @octokit/rest from npm), git (clone,
# push and pull over smart HTTP), browser (the /ui/ page in Debian's chromium via playwright-core), gc (2,000
# WebDAV writes, then the objects packed and fsck clean), history (.history with rclone: list, read, restore), fuzz (Jazzer,
# each @FuzzTest target ~30 s; needs no server), crash (its own Davit, SIGKILLed under concurrent PUTs), attack (its own
# Davit, ~50 s: a legitimate client's p99 and throughput under 200 password guessers and beside 2,000 idle + 200
# trickling connections, within 3x and 0.5x of no attack; measured again once before it fails), powercut
# (its own Davit on amnesiafs, our FUSE file system that drops unsynced data on a simulated power cut), stop (SIGTERM
# under load: bounded, the disk up to date; a second SIGTERM ends it at once), nextcloud and
# owncloud (the real nextcloudcmd / owncloudcmd desktop clients syncing their own Davit's demo/sample, ~10 s each). Prints a
# summary table and, last, "interop: N passed, M failed" (N, M = interop scripts). Exit 1 if anything failed.
# Runs from any working directory.
# Env: INTEROP_SCRIPTS (default "commits litmus cadaver rclone lftp davfs2 drivesaves octokit git browser gc history fuzz crash attack stop powercut nextcloud owncloud cluster cluster-partition"), SKIP_JUNIT=1, INTEROP_KEEP=1,
#      DAVIT_JAR (run this jar, build none; e.g. a copy made right after a build, as others rebuild target/),
#      INTEROP_ALLOW_SKIP=1 (davfs2, drivesaves and powercut may skip without root or /dev/fuse), INTEROP_LOGS (logs dir),
#      INTEROP_BUDGET (s, default 1500): every step's timeout is cut to what is left of it, so the whole run
#      stays under about 25 minutes plus package installation even when something hangs.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. interop/lib.sh

INTEROP_LOGS=${INTEROP_LOGS:-$(mktemp -d /tmp/davit-interop-logs.XXXXXX)}
mkdir -p "$INTEROP_LOGS"; export INTEROP_LOGS
SCRIPTS=${INTEROP_SCRIPTS:-commits litmus cadaver rclone lftp davfs2 drivesaves octokit git browser gc history fuzz crash attack stop powercut nextcloud owncloud cluster cluster-partition}
T_START=$SECONDS
BUDGET=${INTEROP_BUDGET:-1500}
# cap N: N, or the seconds left in the budget if fewer (at least 1)
cap() { local c=$1 l=$((BUDGET - (SECONDS - T_START))); (( l < c )) && c=$l; (( c < 1 )) && c=1; echo "$c"; }
rows=()        # "name|result|seconds|detail"
build_failed=0
row() { rows+=("$1|$2|$3|${4:-}"); }
section() { printf '\n========== %s ==========\n' "$*"; }

section "environment"
say "repo $REPO_ROOT ($(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')), logs $INTEROP_LOGS"
say "$(java -version 2>&1 | head -n1); $(mvn -v 2>/dev/null | head -n1 | sed 's/\x1b\[[0-9;]*m//g'); user $(id -un); CI=${CI:-}"

section "packages"
t0=$SECONDS
pkgs=(litmus davfs2 rclone lftp cadaver fuse3 python3-fusepy curl git nextcloud-desktop-cmd owncloud-client-cmd
  vim nano tmux rsync)
# the octokit script needs node and npm; a node installed otherwise (nvm, NodeSource) is used as it is
command -v node >/dev/null || pkgs+=(nodejs npm)
# the browser script drives Debian's chromium (Playwright's own browser download does not work here)
[[ -x /usr/bin/chromium ]] || pkgs+=(chromium)
if need_pkg "${pkgs[@]}"; then row packages PASS $((SECONDS - t0))
else row packages FAIL $((SECONDS - t0)); build_failed=1; fi

junit_ok=0
if [[ "${SKIP_JUNIT:-0}" == 1 ]]; then
  row junit SKIP 0 "SKIP_JUNIT=1"
else
  section "JUnit: mvn -B verify"
  t0=$SECONDS
  rc=0
  timeout -k 30 "$(cap 900)" mvn -B -ntp verify </dev/null 2>&1 | tee "$INTEROP_LOGS/mvn-verify.log" || rc=$?
  tests=$(grep -E '^\[(INFO|WARNING|ERROR)\] Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+$' \
    "$INTEROP_LOGS/mvn-verify.log" | tail -n1 | sed 's/^\[[A-Z]*\] //')
  if (( rc == 0 )); then row junit PASS $((SECONDS - t0)) "$tests"; junit_ok=1
  else row junit FAIL $((SECONDS - t0)) "exit $rc; ${tests:-no test summary}; see $INTEROP_LOGS/mvn-verify.log"; build_failed=1; fi
fi

section "jar"
t0=$SECONDS
# mvn verify has packaged it already when it passed; otherwise build it without tests to still run interop.
# DAVIT_JAR (a copy of the jar kept elsewhere) is used as it is: nothing is built.
if [[ -n "${DAVIT_JAR:-}" ]]; then
  if [[ -f "$DAVIT_JAR" ]]; then row jar PASS 0 "DAVIT_JAR=$DAVIT_JAR"; else row jar FAIL 0 "DAVIT_JAR=$DAVIT_JAR missing"; build_failed=1; fi
elif (( junit_ok )) && [[ -f target/davit.jar ]]; then
  row jar PASS 0 "built by mvn verify"
elif timeout -k 30 "$(cap 600)" mvn -q -B -ntp -DskipTests package </dev/null 2>&1 | tee "$INTEROP_LOGS/mvn-package.log" \
     && [[ -f target/davit.jar ]]; then
  row jar PASS $((SECONDS - t0)) "mvn -q -B -DskipTests package"
else
  row jar FAIL $((SECONDS - t0)); build_failed=1
fi
ls -l "${DAVIT_JAR:-target/davit.jar}" 2>/dev/null || true

section "server"
server_ok=0
trap 'davit_stop >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM
if [[ -f "${DAVIT_JAR:-target/davit.jar}" ]] && davit_start; then server_ok=1; fi

server_healthy() {
  kill -0 "$DAVIT_PID" 2>/dev/null &&
    [[ $(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "http://127.0.0.1:$DAVIT_PORT/healthz") == 200 ]]
}
server_died() {
  say "FAIL: Davit (pid $DAVIT_PID) is not healthy any more after '$1'; last log lines:"
  tail -n 40 "$DAVIT_LOG" | sed 's/^/  | /'
  row server FAIL 0 "not healthy after $1 (data kept: $DAVIT_WORK)"; build_failed=1
  INTEROP_KEEP=1 davit_stop
  server_ok=0
}

n_pass=0; n_fail=0; prev=start
for s in $SCRIPTS; do
  section "interop: $s"
  t0=$SECONDS
  # a script that crashed the server must not take the following ones down with it
  if (( server_ok )) && ! server_healthy; then
    server_died "$prev"
    davit_start && server_ok=1
  fi
  if (( BUDGET - (SECONDS - T_START) < 30 )); then
    say "FAIL: time budget of $BUDGET s exhausted"
    row "$s" FAIL 0 "time budget exhausted"; n_fail=$((n_fail + 1)); continue
  fi
  if (( ! server_ok )); then
    say "FAIL: no server to test against"
    row "$s" FAIL 0 "no server"; n_fail=$((n_fail + 1)); continue
  fi
  rc=0
  timeout -k 30 "$(cap 600)" bash "interop/$s.sh" </dev/null 2>&1 | tee "$INTEROP_LOGS/$s.out" || rc=$?
  detail=""
  [[ $s == litmus || $s == powercut ]] && detail=$(grep -E "^$s: [0-9]+ passed, [0-9]+ failed\$" "$INTEROP_LOGS/$s.out" | tail -n1)
  (( rc == 124 )) && detail="timed out"
  if (( rc == 0 )); then
    if grep -q "^$s: SKIP" "$INTEROP_LOGS/$s.out"; then row "$s" SKIP $((SECONDS - t0)) "$detail"
    else row "$s" PASS $((SECONDS - t0)) "$detail"; fi
    n_pass=$((n_pass + 1))
  else
    [[ -z "$detail" || $s == litmus || $s == powercut ]] && detail="$detail${detail:+; }$(grep -c '^FAIL' "$INTEROP_LOGS/$s.out") FAIL lines"
    row "$s" FAIL $((SECONDS - t0)) "$detail"; n_fail=$((n_fail + 1))
  fi
  prev=$s
done
if (( server_ok )) && ! server_healthy; then server_died "$prev"; fi

section "git fsck after all clients"
if have_repo; then
  t0=$SECONDS; rc=0
  out=$(timeout "$(cap 300)" bash -c '. interop/lib.sh; _davit_git fsck --full --strict' 2>&1) || rc=$?
  bad=$(grep -v -e '^dangling ' -e '^notice: ' -e 'fsyncObjectFiles' -e '^Checking ' <<<"$out" || true)
  ncommits=$(commit_count 2>/dev/null || echo '?')
  if (( rc == 0 )) && [[ -z "$bad" ]]; then
    say "PASS: git fsck --full --strict clean ($ncommits commits on main, $(grep -c '^dangling ' <<<"$out" || true) dangling objects)"
    row git-fsck PASS $((SECONDS - t0)) "$ncommits commits on main"
  else
    say "FAIL: git fsck --full --strict exit $rc:"; head -n 20 <<<"$bad" | sed 's/^/  | /'
    row git-fsck FAIL $((SECONDS - t0)); build_failed=1
  fi
fi

section "stop"
if (( server_ok )) || [[ -n "${DAVIT_PID:-}" ]]; then
  if (( n_fail > 0 )) && [[ -f "${DAVIT_LOG:-}" ]]; then
    say "--- server log (last 60 lines) ---"; tail -n 60 "$DAVIT_LOG" | sed 's/^/  | /'
  fi
  davit_stop
fi
trap - EXIT

section "summary"
printf '%-10s %-6s %6s  %s\n' step result time detail
for r in "${rows[@]}"; do
  IFS='|' read -r name result secs detail <<<"$r"
  printf '%-10s %-6s %5ss  %s\n' "$name" "$result" "$secs" "$detail"
done
say "total $((SECONDS - T_START)) s; logs in $INTEROP_LOGS"
say "interop: $n_pass passed, $n_fail failed"
(( n_fail == 0 && build_failed == 0 ))
