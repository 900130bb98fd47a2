#!/usr/bin/env bash
# Crash safety (issue 7): CRASH_WORKERS (8) curl workers PUT distinct files with known content into a private Davit
# (storage.durable=true, the default), the server is killed with SIGKILL in the middle of the load, restarted on the
# same data dir, and then: every write answered 2xx is there with its exact content; a write not answered 2xx (refused,
# or cut off by the kill) is either absent or complete, never partial; `git fsck --full` is clean; the server starts
# without manual repair and takes writes again. CRASH_ROUNDS (3) rounds on the same data dir; prints the tallies.
# Always starts its own server (it kills it), whatever DAVIT_URL says. Env: CRASH_ROUNDS, CRASH_WORKERS,
# CRASH_MIN_ACKS (acks before the kill, default 40), DAVIT_JAR, INTEROP_LOGS, INTEROP_KEEP=1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

INTEROP_NAME=crash
say "== crash =="
need_pkg curl git || exit 1
if [[ -z "${INTEROP_LOGS:-}" ]]; then INTEROP_LOGS=$(mktemp -d /tmp/davit-interop-logs.XXXXXX); fi
mkdir -p "$INTEROP_LOGS"; export INTEROP_LOGS
WORK=$(mktemp -d /tmp/davit-crash.XXXXXX)
DATA=$WORK/data; mkdir -p "$DATA"
ROUNDS=${CRASH_ROUNDS:-3}
WORKERS=${CRASH_WORKERS:-8}
MIN_ACKS=${CRASH_MIN_ACKS:-40}
# A private copy of the jar: others may rebuild target/ while this runs.
src_jar=${DAVIT_JAR:-$REPO_ROOT/target/davit.jar}
[[ -f "$src_jar" ]] || die "$src_jar is missing (build it: mvn -q -B -DskipTests package)"
JAR=$WORK/davit.jar; cp "$src_jar" "$JAR"
PID="" PORT="" LOG=""
worker_pids=()

cleanup() {
  local p
  for p in "${worker_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
  cp "$WORK"/server-*.log "$INTEROP_LOGS"/ 2>/dev/null || true
  if [[ "${INTEROP_KEEP:-0}" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server N: java -jar on DATA, port 0; sets PID PORT LOG; fails if no listening line within 60 s.
start_server() {
  LOG=$WORK/server-$1.log
  ( cd "$REPO_ROOT" && exec java ${DAVIT_JAVA_OPTS:-} -jar "$JAR" --port 0 --data "$DATA" ${DAVIT_CONFIG:+--config "$DAVIT_CONFIG"} ) \
    </dev/null >"$LOG" 2>&1 &
  PID=$!
  local deadline=$((SECONDS + 60)); PORT=""
  while (( SECONDS < deadline )); do
    PORT=$(sed -n 's|.*Davit listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$LOG" | head -n1)
    [[ -n "$PORT" ]] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.2
  done
  [[ -n "$PORT" ]] && [[ $(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "http://127.0.0.1:$PORT/healthz") == 200 ]]
}

U() { echo "http://127.0.0.1:$PORT/dav/demo/sample/$1"; }
# content NAME: the known content of a file: its name on every line, about 24 KiB, so that a cut is visible.
content() { local i; for i in $(seq 1 600); do printf '%s line %04d of 600 ....................\n' "$1" "$i"; done; }

# worker ROUND W: PUT crash/rROUND-wW-N.txt for N = 1, 2, ... until the server is gone (or 150 writes: the load
# is bounded even if the server answers errors fast); one "path status" line each.
worker() {
  local r=$1 w=$2 n=0 misses=0 f code
  local out=$WORK/r$r-w$w.log
  while (( misses < 2 && n < 150 )); do
    n=$((n + 1)); f=crash/r$r-w$w-$n.txt
    content "$f" >"$WORK/body-$r-$w"
    code=$(curl -s --noproxy '*' -u "$DAVIT_USER:$DAVIT_PASS" --max-time 30 -o /dev/null -w '%{http_code}' \
      -T "$WORK/body-$r-$w" "$(U "$f")" 2>/dev/null) || true
    echo "$f ${code:-000}" >>"$out"
    [[ "$code" == 000 ]] && misses=$((misses + 1))
  done
}

git_fsck() {
  local rc=0 out bad
  out=$(git -c safe.directory='*' --git-dir="$DATA/demo/sample.git" fsck --full --strict 2>&1) || rc=$?
  bad=$(grep -v -e '^dangling ' -e '^notice: ' -e 'fsyncObjectFiles' -e '^Checking ' <<<"$out" || true)
  if (( rc == 0 )) && [[ -z "$bad" ]]; then pass "round $1: git fsck --full --strict clean ($(grep -c '^dangling ' <<<"$out" || true) dangling)"
  else fail "round $1: git fsck --full --strict exit $rc: $(head -n 10 <<<"$bad")"; fi
}

T_ACK=0 T_FOUND=0 T_OTHER=0 T_OTHER_THERE=0 T_OTHER_ABSENT=0 T_BAD=0
start_server 0 || { tail -n 30 "$WORK/server-0.log" | sed 's/^/  | /'; die "Davit did not start"; }
check_in "MKCOL crash/" "$(curl -s -o /dev/null -w '%{http_code}' -u "$DAVIT_USER:$DAVIT_PASS" -X MKCOL "$(U crash/)")" 201
for r in $(seq 1 "$ROUNDS"); do
  say "-- round $r: $WORKERS writers on port $PORT, SIGKILL after at least $MIN_ACKS acknowledged writes"
  worker_pids=()
  for w in $(seq 1 "$WORKERS"); do worker "$r" "$w" & worker_pids+=($!); done
  deadline=$((SECONDS + 60))
  while (( SECONDS < deadline )); do
    acks=$(cat "$WORK"/r$r-w*.log 2>/dev/null | awk '$2 ~ /^2/' | wc -l)
    (( acks >= MIN_ACKS )) && break
    sleep 0.1
  done
  sleep "0.$((RANDOM % 5))"
  kill -KILL "$PID"; wait "$PID" 2>/dev/null
  (( acks >= MIN_ACKS )) || note "only $acks acknowledged writes within 60 s before the kill"
  killed_at=$(cat "$WORK"/r$r-w*.log | awk '$2 ~ /^2/' | wc -l)
  for p in "${worker_pids[@]}"; do wait "$p" 2>/dev/null; done
  worker_pids=()
  note "killed pid $PID with SIGKILL after $killed_at acknowledged writes"
  if start_server "$r"; then pass "round $r: restarted on the same data dir without repair (port $PORT)"
  else fail "round $r: no restart"; tail -n 30 "$LOG" | sed 's/^/  | /'; break; fi
  ack=0 found=0 other=0 other_there=0 other_absent=0 bad=0
  while read -r f code; do
    got=$(curl -s --noproxy '*' -u "$DAVIT_USER:$DAVIT_PASS" --max-time 30 -o "$WORK/got" -w '%{http_code}' "$(U "$f")")
    if [[ $code == 2* ]]; then
      ack=$((ack + 1))
      if [[ $got == 200 ]] && cmp -s "$WORK/got" <(content "$f"); then found=$((found + 1))
      else bad=$((bad + 1)); fail "round $r: $f was answered $code but after the restart GET is $got ($(wc -c <"$WORK/got") bytes)"; fi
    else
      other=$((other + 1))
      if [[ $got == 404 ]]; then other_absent=$((other_absent + 1))
      elif [[ $got == 200 ]] && cmp -s "$WORK/got" <(content "$f"); then other_there=$((other_there + 1))
      else bad=$((bad + 1)); fail "round $r: $f (answered '$code') is half there: GET $got, $(wc -c <"$WORK/got") bytes"; fi
    fi
  done < <(cat "$WORK"/r$r-w*.log)
  say "round $r: writes acknowledged $ack, found after restart $found; others (refused or cut by the kill) $other: complete $other_there, absent $other_absent; partial or wrong $bad"
  (( ack > 0 )) || fail "round $r: no write was acknowledged before the kill"
  (( bad == 0 && found == ack )) && pass "round $r: every acknowledged write is there, nothing half there"
  git_fsck "$r"
  code=$(curl -s -o /dev/null -w '%{http_code}' -u "$DAVIT_USER:$DAVIT_PASS" -T <(echo after) "$(U "crash/after-$r.txt")")
  check_in "round $r: a PUT after the restart" "$code" 201 204
  acc_round() {
    T_ACK=$((T_ACK + ack)) T_FOUND=$((T_FOUND + found)) T_OTHER=$((T_OTHER + other))
    T_OTHER_THERE=$((T_OTHER_THERE + other_there)) T_OTHER_ABSENT=$((T_OTHER_ABSENT + other_absent)) T_BAD=$((T_BAD + bad))
  }
  if [[ $code != 201 && $code != 204 ]]; then
    note "the restarted server refuses writes ($(grep -a -m1 -E 'Exception|gave up' "$LOG" | cut -c1-200)); later rounds would test nothing"
    acc_round; ROUNDS=$r; break
  fi
  acc_round
done
# The disk writer moves the branch in the background (README: Durability), and a ref update holds main.lock for
# its moment: a git smart-HTTP request brings the disk up to date first, so no update is in flight when we look.
curl -s -o /dev/null -u "$DAVIT_USER:$DAVIT_PASS" --max-time 60 \
  "http://127.0.0.1:$PORT/git/demo/sample.git/info/refs?service=git-upload-pack" || true
stale=$(find "$DATA" -name '*.lock' 2>/dev/null | sed "s|$DATA/||" | tr '\n' ' ')
[[ -z "$stale" ]] && pass "no JGit .lock file left in the data dir" || fail "stale lock files after restart and a write: $stale"
kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""
say "crash: $ROUNDS rounds; writes acknowledged $T_ACK, found after restart $T_FOUND; others $T_OTHER (complete $T_OTHER_THERE, absent $T_OTHER_ABSENT); partial or wrong $T_BAD"
if (( _interop_failures == 0 )); then say "crash: PASS"; exit 0; fi
say "crash: FAIL ($_interop_failures failed checks; logs in $INTEROP_LOGS)"
exit 1
