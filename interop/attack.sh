#!/usr/bin/env bash
# Hostile load (issue 14), the short CI version of bench/auth-attack.sh: its own Davit (the jar, config/davit.properties,
# loopback only) and a legitimate client's sequential GETs measured with no attack, under 200 connections guessing
# passwords, and with 2,000 idle + 200 trickling connections open (bench/auth_attack.py --short: windows of 2.5 s,
# 5 windows per attack after 4 s of settling, base windows before, between and after the attacks, medians; about 70 s with the start). Asserts the targets: p99 within 3x of the
# no-attack p99 and throughput at least 0.5x, no failed request, and that the attacks ran (the guessers answered,
# 429 among the answers; the slow connections open). On a shared machine one burst of other work can spoil a run, so
# a missed target measures everything once more (a new server) and only the second run decides.
# Always starts its own server, whatever DAVIT_URL says. Env: DAVIT_JAR, INTEROP_LOGS, INTEROP_KEEP=1,
# ATTACK_TRIES (2).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

INTEROP_NAME=attack
say "== attack =="
command -v python3 >/dev/null || die "python3 is missing"
command -v java >/dev/null || die "java is missing (a JDK 17 is needed)"
if [[ -z "${INTEROP_LOGS:-}" ]]; then INTEROP_LOGS=$(mktemp -d /tmp/davit-interop-logs.XXXXXX); fi
mkdir -p "$INTEROP_LOGS"; export INTEROP_LOGS
WORK=$(mktemp -d /tmp/davit-attack.XXXXXX)
TRIES=${ATTACK_TRIES:-2}
# A private copy of the jar: others may rebuild target/ while this runs.
src_jar=${DAVIT_JAR:-$REPO_ROOT/target/davit.jar}
[[ -f "$src_jar" ]] || die "$src_jar is missing (build it: mvn -q -B -DskipTests package)"
JAR=$WORK/davit.jar; cp "$src_jar" "$JAR"
PY=""

cleanup() {
  # the driver stops its server on every exit path (SIGTERM included); one still running is ended by its pid, and a
  # server left by a driver killed outright by the pid the driver wrote
  local f p
  if [[ -n "$PY" ]] && kill -0 "$PY" 2>/dev/null; then kill -TERM "$PY" 2>/dev/null; wait "$PY" 2>/dev/null; fi
  for f in "$WORK"/run-*/server.pid; do
    [[ -f $f ]] && p=$(cat "$f") && kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  done
  for f in "$WORK"/run-*/davit.log; do [[ -f $f ]] && cp "$f" "$INTEROP_LOGS/attack-$(basename "$(dirname "$f")").log"; done
  if [[ "${INTEROP_KEEP:-0}" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 2,200 client sockets plus the server's: more than the usual 1,024 open files
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(( $(ulimit -n) >= 5000 )) || die "open files limited to $(ulimit -n); 2,200 connections need more"

rc=1
for try in $(seq 1 "$TRIES"); do
  run=$WORK/run-$try
  say "-- run $try of at most $TRIES (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  rc=0
  timeout -k 10 150 python3 "$INTEROP_DIR/../bench/auth_attack.py" --short --require-targets --jar "$JAR" \
    --work "$run" --json "$run.json" </dev/null & PY=$!
  wait "$PY" || rc=$?
  PY=""
  (( rc == 0 || rc == 3 )) && [[ -f $run.json ]] || { fail "run $try: the measurement did not complete (exit $rc)"; break; }
  # the driver's checks as PASS/FAIL lines; a missed target in a run that is not the last one only as a note
  n=0
  while IFS=$'\t' read -r ok text; do
    n=$((n + 1))
    if [[ $ok == True ]]; then pass "run $try: $text"
    elif (( rc == 3 && try < TRIES )); then note "run $try missed: $text"
    else fail "run $try: $text"; fi
  done < <(python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["checks"]: print(str(c["ok"]) + "\t" + c["text"])' "$run.json")
  (( n >= 4 )) || { fail "run $try: $n checks read from $run.json, expected 4"; break; }
  (( rc == 0 )) && break
  (( try < TRIES )) && note "a target was missed; measuring once more from the start"
done
if (( _interop_failures == 0 && rc == 0 )); then say "attack: PASS"; exit 0; fi
(( _interop_failures == 0 )) && fail "exit $rc"
say "attack: FAIL ($_interop_failures failed checks; logs in $INTEROP_LOGS)"
exit 1
