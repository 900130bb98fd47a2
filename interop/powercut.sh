#!/usr/bin/env bash
# Power cuts (issue 12). kill -9 keeps the page cache, so it never shows a missing fsync; this runs Davit with
# its data dir on amnesiafs (interop/powercut/amnesiafs.py: our FUSE file system that forgets, on a simulated
# power cut, file data not fsynced and directory entries not made durable by an fsync of their directory,
# as LazyFS does). First its self-test (test_amnesiafs.py: a cut that dropped nothing fails it). Then, on a
# repository created by a cleanly stopped server, POWERCUT_ROUNDS (3) rounds of:
#   load (interop/powercut/workload.py): a REST batch creating a 200-file folder and files to lock, a git push,
#   then concurrently: WebDAV PUTs of distinct files (some 1.5 MiB) and of a few shared files (several
#   writers), REST PUTs, REST batches, MOVEs of the 200-file folder back and forth, LOCKs, git pushes;
#   after POWERCUT_LOAD_SECONDS (8) plus up to 2 s and at least POWERCUT_MIN_ACKS (60) acknowledged writes:
#   kill -9 the server, cut the power (unsynced data and entries dropped), unmount, mount again, restart the
#   server (it must start unaided), and check rounds 1..N: every acknowledged write there with its exact bytes,
#   nothing refused or cut off half there (a batch all or nothing, the moved folder whole in one place), the
#   shared files at the last acknowledged write or a later attempt, acknowledged locks still held, pushed
#   commits in main; `git fsck --full --strict` clean; a new write accepted.
# POWERCUT_MODE=kill: the same with no data dropped (kill -9 only): the control experiment, which must pass,
# so that a failure in the default mode (cut) is a real loss and not a fault of the harness.
# Always starts its own server on a free port. Needs root and /dev/fuse (SKIP with exit 0 only if
# INTEROP_ALLOW_SKIP=1, else FAIL), and Debian's python3-fusepy and fuse3 (installed when missing).
# Last line: "powercut: N passed, M failed" (checks). Env: POWERCUT_ROUNDS, POWERCUT_MODE (cut|kill),
# POWERCUT_LOAD_SECONDS, POWERCUT_MIN_ACKS, POWERCUT_GIT=0 (no git push: to tell its faults from the others'),
# DAVIT_JAR, INTEROP_LOGS, INTEROP_KEEP=1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

INTEROP_NAME=powercut
say "== powercut =="
cannot() {
  if [[ "${INTEROP_ALLOW_SKIP:-0}" == 1 ]]; then say "SKIP: powercut: $*"; say "powercut: SKIP"; exit 0; fi
  say "FAIL: powercut: $* (set INTEROP_ALLOW_SKIP=1 to skip)"; say "powercut: 0 passed, 1 failed"; exit 1
}
[[ $(id -u) == 0 ]] || cannot "needs root to mount"
if [[ ! -e /dev/fuse ]]; then modprobe fuse 2>/dev/null || true; fi
[[ -c /dev/fuse ]] || cannot "no /dev/fuse"
need_pkg curl git python3-fusepy fuse3 || exit 1
PY=/usr/bin/python3  # Debian's, which has fusepy (a pyenv python first on PATH would not)
PC=$INTEROP_DIR/powercut
if [[ -z "${INTEROP_LOGS:-}" ]]; then INTEROP_LOGS=$(mktemp -d /tmp/davit-interop-logs.XXXXXX); fi
mkdir -p "$INTEROP_LOGS"; export INTEROP_LOGS
ROUNDS=${POWERCUT_ROUNDS:-3}
MODE=${POWERCUT_MODE:-cut}
LOAD_SECONDS=${POWERCUT_LOAD_SECONDS:-8}
MIN_ACKS=${POWERCUT_MIN_ACKS:-60}
case "$MODE" in cut) FS_CMD=cut;; kill) FS_CMD=freeze;; *) die "POWERCUT_MODE must be cut or kill, got '$MODE'";; esac
WORK=$(mktemp -d /tmp/davit-powercut.XXXXXX)
DISK=$WORK/disk MNT=$WORK/mnt CTL=$WORK/ctl.sock REC=$WORK/records
DATA=$MNT/data
mkdir -p "$DISK" "$MNT" "$REC"
src_jar=${DAVIT_JAR:-$REPO_ROOT/target/davit.jar}
[[ -f "$src_jar" ]] || die "$src_jar is missing (build it: mvn -q -B -DskipTests package)"
JAR=$WORK/davit.jar; cp "$src_jar" "$JAR"   # a private copy: others may rebuild target/ meanwhile
PID="" PORT="" LOG="" FS_PID="" LOAD_PID=""
PASSED=0
ok() { pass "$@"; PASSED=$((PASSED + 1)); }

unmount_fs() {
  [[ -n "$FS_PID" ]] || return 0
  fusermount -u "$MNT" 2>/dev/null || true
  local i; for i in $(seq 1 100); do kill -0 "$FS_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$FS_PID" 2>/dev/null; then
    fusermount -u -z "$MNT" 2>/dev/null || true; kill -KILL "$FS_PID" 2>/dev/null || true
  fi
  wait "$FS_PID" 2>/dev/null; FS_PID=""
}
cleanup() {
  [[ -n "$LOAD_PID" ]] && kill "$LOAD_PID" 2>/dev/null
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
  unmount_fs
  cp "$WORK"/*.log "$WORK"/*.out "$INTEROP_LOGS"/ 2>/dev/null || true
  if [[ "${INTEROP_KEEP:-0}" == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount_fs N: amnesiafs over DISK on MNT; ready when its control socket appears.
mount_fs() {
  rm -f "$CTL"
  "$PY" "$PC/amnesiafs.py" mount "$DISK" "$MNT" --control "$CTL" --state "$WORK/state" >>"$WORK/amnesiafs-$1.log" 2>&1 &
  FS_PID=$!
  local deadline=$((SECONDS + 20))
  while [[ ! -S "$CTL" ]] && (( SECONDS < deadline )) && kill -0 "$FS_PID" 2>/dev/null; do sleep 0.1; done
  [[ -S "$CTL" ]] || { tail -n 20 "$WORK/amnesiafs-$1.log" | sed 's/^/  | /'; return 1; }
}

# start_server N: java -jar on DATA (on the mount), port 0; sets PID PORT LOG.
start_server() {
  LOG=$WORK/server-$1.log
  ( cd "$REPO_ROOT" && exec java ${DAVIT_JAVA_OPTS:-} -jar "$JAR" --port 0 --data "$DATA" ${DAVIT_CONFIG:+--config "$DAVIT_CONFIG"} ) \
    </dev/null >"$LOG" 2>&1 &
  PID=$!
  local deadline=$((SECONDS + 120)); PORT=""
  while (( SECONDS < deadline )); do
    PORT=$(sed -n 's|.*Davit listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$LOG" | head -n1)
    [[ -n "$PORT" ]] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.2
  done
  [[ -n "$PORT" ]] && [[ $(curl -s -o /dev/null --max-time 30 -w '%{http_code}' "http://127.0.0.1:$PORT/healthz") == 200 ]]
}

git_fsck() {
  local rc=0 out bad
  out=$(git -c safe.directory='*' --git-dir="$DATA/demo/sample.git" fsck --full --strict 2>&1) || rc=$?
  bad=$(grep -v -e '^dangling ' -e '^notice: ' -e 'fsyncObjectFiles' -e '^Checking ' <<<"$out" || true)
  if (( rc == 0 )) && [[ -z "$bad" ]]; then ok "round $1: git fsck --full --strict clean"
  else fail "round $1: git fsck --full --strict exit $rc: $(head -n 5 <<<"$bad" | tr '\n' ' ')"; fi
}

say "-- self-test of amnesiafs (its power-cut semantics)"
if (cd "$PC" && timeout 300 "$PY" -m unittest -q test_amnesiafs) >"$WORK/selftest.out" 2>&1; then
  ok "amnesiafs self-test ($(grep -o 'Ran [0-9]* tests' "$WORK/selftest.out"))"
else
  tail -n 30 "$WORK/selftest.out" | sed 's/^/  | /'
  fail "amnesiafs self-test: a harness that does not drop what it must proves nothing"
  say "powercut: $PASSED passed, $_interop_failures failed"; exit 1
fi

say "-- the repository, made by a server stopped cleanly, then everything on the disk (unmount without a cut)"
mount_fs 0 || die "amnesiafs did not mount"
start_server 0 || { tail -n 30 "$LOG" | sed 's/^/  | /'; die "Davit did not start on amnesiafs"; }
kill -TERM "$PID"; wait "$PID" 2>/dev/null; PID=""
unmount_fs
mount_fs 1 || die "amnesiafs did not mount"
start_server 1 || { tail -n 30 "$LOG" | sed 's/^/  | /'; die "Davit did not start on amnesiafs"; }

T_ACK=0 T_CHECKED=0 T_FAILURES=0 DONE=0 OFFLINE=""
for r in $(seq 1 "$ROUNDS"); do
  say "-- round $r ($MODE): load on port $PORT for ${LOAD_SECONDS}+ s and at least $MIN_ACKS acknowledged writes"
  rm -f "$REC/status"
  "$PY" "$PC/workload.py" load --port "$PORT" --round "$r" --dir "$REC" >"$WORK/load-$r.out" 2>&1 &
  LOAD_PID=$!
  t0=$SECONDS acks=0 stop_at=$((LOAD_SECONDS + RANDOM % 3))
  while (( SECONDS - t0 < 180 )); do
    st=$(cat "$REC/status" 2>/dev/null || true)
    [[ $st == setup-failed ]] && break
    acks=${st#acks }; [[ $acks =~ ^[0-9]+$ ]] || acks=0
    (( acks >= MIN_ACKS && SECONDS - t0 >= stop_at )) && break
    kill -0 "$LOAD_PID" 2>/dev/null || break
    sleep 0.1
  done
  sleep "0.$((RANDOM % 10))"
  kill -KILL "$PID"; wait "$PID" 2>/dev/null; PID=""
  note "server killed with SIGKILL after $acks acknowledged writes ($((SECONDS - t0)) s of load)"
  note "amnesiafs $FS_CMD: $("$PY" "$PC/amnesiafs.py" ctl "$CTL" "$FS_CMD" 2>&1)"
  wait "$LOAD_PID" 2>/dev/null; LOAD_PID=""
  T_ACK=$((T_ACK + acks))
  sed 's/^/  .. /' "$WORK/load-$r.out"
  grep -q '^FAIL' "$WORK/load-$r.out" && fail "round $r: the load's setup failed"
  unmount_fs
  mount_fs "$((r + 1))" || { fail "round $r: amnesiafs did not mount again"; break; }
  if start_server "$((r + 1))"; then ok "round $r: the server restarted unaided after the $MODE (port $PORT)"
  else
    fail "round $r: the server did not start after the $MODE"; grep -v '^\s*at ' "$LOG" | tail -n 8 | sed 's/^/  | /'
    # size the loss all the same: which acknowledged writes' commits are still in the repository on disk
    "$PY" "$PC/workload.py" offline --rounds "$r" --dir "$REC" --git-dir "$DATA/demo/sample.git" >"$WORK/offline-$r.out" 2>&1
    sed 's/^/  .. /' "$WORK/offline-$r.out"
    OFFLINE=$(sed -n 's/^offline: \([0-9]* acknowledged commits; [0-9]* of them missing\).*/\1/p' "$WORK/offline-$r.out")
    DONE=$r; break
  fi
  grep -a -m3 -E 'recovered|WARN|ERROR' "$LOG" | cut -c1-300 | sed 's/^/  .. server: /'
  "$PY" "$PC/workload.py" verify --port "$PORT" --rounds "$r" --dir "$REC" >"$WORK/verify-$r.out" 2>&1
  nfail=$(grep -c '^FAIL' "$WORK/verify-$r.out")
  summary=$(grep '^verify:' "$WORK/verify-$r.out" | tail -n1)
  if (( nfail == 0 )) && [[ -n "$summary" ]]; then ok "round $r: ${summary#verify: }"
  else
    grep '^FAIL' "$WORK/verify-$r.out" | head -n 15 | sed 's/^FAIL: /  .. /'
    (( nfail > 15 )) && note "... $((nfail - 15)) more in verify-$r.out"
    fail "round $r: $nfail findings after the $MODE: ${summary#verify: }"
  fi
  git_fsck "$r"
  T_CHECKED=$(sed -n 's/^verify: .*: \([0-9]*\) acknowledged writes checked.*/\1/p' "$WORK/verify-$r.out")
  T_FAILURES=$((T_FAILURES + nfail)) DONE=$r
done
kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=""
say "powercut: $DONE of $ROUNDS rounds ($MODE); writes acknowledged before the cuts $T_ACK; acknowledged writes checked (rounds 1..$DONE, after the last restart) ${T_CHECKED:-0}; findings $T_FAILURES${OFFLINE:+; no restart after round $DONE, on disk: $OFFLINE}"
say "powercut: $PASSED passed, $_interop_failures failed"
(( _interop_failures == 0 ))
