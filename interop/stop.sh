#!/usr/bin/env bash
# Stopping (issue 12): a private Davit under a load of PUTs gets SIGTERM. It must exit within
# shutdown.timeout.seconds (set to STOP_BOUND, default 10) plus a margin, with the bare repository on disk
# brought up to date (git rev-parse main outside the server = the last acknowledged X-Revision) and no commit
# log left, so the next start needs no recovery. A second run: two SIGTERMs in a row end it at once, and the
# next start still has every acknowledged write (from the log). Env: STOP_BOUND, DAVIT_JAR, INTEROP_LOGS, INTEROP_KEEP=1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

INTEROP_NAME=stop
say "== stop =="
need_pkg curl git || exit 1
if [[ -z "${INTEROP_LOGS:-}" ]]; then INTEROP_LOGS=$(mktemp -d /tmp/davit-interop-logs.XXXXXX); fi
mkdir -p "$INTEROP_LOGS"; export INTEROP_LOGS
WORK=$(mktemp -d /tmp/davit-stop.XXXXXX)
DATA=$WORK/data; mkdir -p "$DATA"
BOUND=${STOP_BOUND:-10}
src_jar=${DAVIT_JAR:-$REPO_ROOT/target/davit.jar}
[[ -f "$src_jar" ]] || die "$src_jar is missing (build it: mvn -q -B -DskipTests package)"
JAR=$WORK/davit.jar; cp "$src_jar" "$JAR"
CONF=$WORK/davit.properties
sed "s/^shutdown.timeout.seconds=.*/shutdown.timeout.seconds=$BOUND/" "$REPO_ROOT/config/davit.properties" >"$CONF"
PID="" PORT="" LOG="" load_pid=""

cleanup() {
  [[ -n "$load_pid" ]] && kill "$load_pid" 2>/dev/null
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
  cp "$WORK"/server-*.log "$INTEROP_LOGS"/ 2>/dev/null || true
  if [[ "${INTEROP_KEEP:-0}" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() {
  LOG=$WORK/server-$1.log
  ( cd "$REPO_ROOT" && exec java -jar "$JAR" --port 0 --data "$DATA" --config "$CONF" ) </dev/null >"$LOG" 2>&1 &
  PID=$!
  local deadline=$((SECONDS + 60)); PORT=""
  while (( SECONDS < deadline )); do
    PORT=$(sed -n 's|.*Davit listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$LOG" | head -n1)
    [[ -n "$PORT" ]] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.2
  done
  [[ -n "$PORT" ]]
}

# load N: PUTs of stop/N-i.txt until stopped; each acknowledged write's X-Revision appended to $WORK/acked-N
load() {
  local n=$1 i=0 rev
  while (( i < 5000 )); do
    i=$((i + 1))
    rev=$(curl -s --noproxy '*' -u "$DAVIT_USER:$DAVIT_PASS" --max-time 10 -o /dev/null -D - -X PUT \
      --data-binary "write $i of round $n" "http://127.0.0.1:$PORT/dav/demo/sample/stop-$n-$i.txt" 2>/dev/null \
      | tr -d '\r' | awk 'tolower($1)=="x-revision:"{r=$2} /^HTTP/{c=$2} END{if (c ~ /^20/) print r}')
    [[ -n "$rev" ]] && echo "$rev" >>"$WORK/acked-$n"
  done
}

disk_main() { git -c safe.directory='*' --git-dir="$DATA/demo/sample.git" rev-parse refs/heads/main 2>/dev/null; }

# --- one SIGTERM under load
start_server 1 || die "server did not start: $(tail -n 20 "$LOG")"
load 1 & load_pid=$!
sleep 3
kill -TERM "$PID"; t0=$(date +%s.%N)
wait "$PID"; rc=$?; t1=$(date +%s.%N)
kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null; load_pid=""
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
acked=$(wc -l <"$WORK/acked-1" 2>/dev/null || echo 0)
note "SIGTERM after $acked acknowledged writes: exit $rc in $took s (bound $BOUND s)"
(( acked > 0 )) && pass "writes acknowledged before the stop ($acked)" || fail "no write acknowledged before the stop"
awk -v t="$took" -v b="$BOUND" 'BEGIN{exit !(t <= b + 5)}' && pass "stopped within the bound ($took s <= $BOUND + 5 s)" \
  || fail "still running $took s after SIGTERM (bound $BOUND s)"
last=$(tail -n1 "$WORK/acked-1" 2>/dev/null)
main=$(disk_main)
git -c safe.directory='*' --git-dir="$DATA/demo/sample.git" merge-base --is-ancestor "$last" "$main" 2>/dev/null \
  && pass "the disk has the last acknowledged commit ($last) after the stop" \
  || fail "the last acknowledged commit $last is not on disk (main $main)"
segs=$(find "$DATA/demo/sample.git/davit-journal" -name 'segment-*' 2>/dev/null | wc -l)
check_eq "commit log segments left after a clean stop" 0 "$segs"

# --- two SIGTERMs: out at once, nothing acknowledged lost
start_server 2 || die "server did not restart: $(tail -n 20 "$LOG")"
grep -q 'unclean stop' "$LOG" && fail "the start after a clean stop recovered from the log" || pass "no recovery needed after a clean stop"
load 2 & load_pid=$!
sleep 3
kill -TERM "$PID"; kill -TERM "$PID"; t0=$(date +%s.%N)
wait "$PID"; t1=$(date +%s.%N)
kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null; load_pid=""
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
awk -v t="$took" 'BEGIN{exit !(t <= 3)}' && pass "a second SIGTERM ends it at once ($took s)" || fail "a second SIGTERM took $took s"
start_server 3 || die "server did not start after the double SIGTERM: $(tail -n 20 "$LOG")"
missing=0
while read -r rev; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -u "$DAVIT_USER:$DAVIT_PASS" \
    "http://127.0.0.1:$PORT/api/repos/demo/sample/commits/$rev")
  [[ "$code" == 200 ]] || missing=$((missing + 1))
done < <(cat "$WORK/acked-2" 2>/dev/null)
check_eq "acknowledged commits missing after two SIGTERMs and a restart (of $(wc -l <"$WORK/acked-2" 2>/dev/null || echo 0))" 0 "$missing"
kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=""
interop_finish
