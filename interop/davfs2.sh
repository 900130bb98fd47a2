#!/usr/bin/env bash
# Real davfs2 kernel mounts (Debian package `davfs2`, through FUSE) with davfs2's default locking (use_locks 1:
# davfs2 LOCKs a file while it is open for writing and uploads it with the token on close, then UNLOCKs).
#  1. One mount: copy a 1 MiB random file in, mkdir and a small file, overwrite, rename, delete, read back, and
#     edit a file in place (`echo more >> file`); unmount (davfs2 uploads at the latest then); check the server
#     with curl (byte-identical) and, with DAVIT_DATA, that commits appeared (one for the in-place edit).
#  2. Two mounts of the same URL (A and B: own mount points, configs and cache dirs) editing one existing file:
#     a. A holds it open for writing (its LOCK) while B appends: davfs2 B's LOCK gets 409, so B's open fails
#        (EINVAL, "Invalid argument") and B's writer knows; A closes, the server has exactly A's version.
#     b. B holds it open for writing (its LOCK) and has written; B's davfs2 is suspended (SIGSTOP, a laptop
#        closed) until its lock expires; A appends and saves; B resumes and closes: the server refuses B's
#        upload (stale If-Match, expired lock token), davfs2 moves B's copy to its lost+found (backup_dir) and it
#        is still in B's cache after unmount. Nothing is lost and the server keeps exactly A's version.
# Needs root and /dev/fuse. Without them: SKIP with exit 0 only if INTEROP_ALLOW_SKIP=1, else FAIL.
# Private davfs2 configs in a temp dir: use_locks 1, delay_upload 0 (upload on close), buf_size 64 (Linux >= 6.16
# readdir EINVAL otherwise), cache dirs root:davfs2 mode 775, secrets files mode 600. Mount B has lock_timeout 4
# and lock_refresh 2 so its lock lapses within seconds once its davfs2 is suspended (davfs2 refreshes it every
# second while it runs). Both mounts keep davfs2's default lock_owner (the user name). Against a server that
# answers lock collisions with 423 (Davit's conflict.lock.status=423), davfs2 follows a 423 on LOCK with a lock
# discovery and adopts a lock whose owner equals its own lock_owner, so two mounts of one user share A's lock
# and 2a fails: give each mount its own lock_owner there (DAVFS2_EXTRA_CONF cannot, it is common to both).
# Env: DAVFS2_EXTRA_CONF: extra davfs2.conf lines for both mounts, e.g. "drop_weak_etags 1" against Apache
#      mod_dav_fs, whose ETags are weak within the second of a change.
#      DAVFS2_DEBUG=1: `debug most` in both configs; when /dev/log is missing a small receiver (python3) is put
#      there for the run and davfs2's messages (all requests and responses) go to $INTEROP_LOGS/davfs2-syslog.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cannot() {
  if [[ "${INTEROP_ALLOW_SKIP:-0}" == 1 ]]; then echo "SKIP: davfs2: $*"; echo "davfs2: SKIP"; exit 0; fi
  echo "FAIL: davfs2: $* (set INTEROP_ALLOW_SKIP=1 to skip)"; echo "davfs2: FAIL"; exit 1
}
[[ $(id -u) == 0 ]] || cannot "needs root to mount"
if [[ ! -e /dev/fuse ]]; then modprobe fuse 2>/dev/null || true; fi
[[ -c /dev/fuse ]] || cannot "no /dev/fuse"

interop_init davfs2
need_pkg davfs2 fuse3 || exit 1
getent group davfs2 >/dev/null || die "group davfs2 missing (the davfs2 package creates it)"

U=$DAVIT_URL
D=davfs2-test
MNT=$WORK/mnt          # mount A
MNT_B=$WORK/mnt-b      # mount B (part 2)
# davfs2 drops privileges to user davfs2: it must be able to reach its cache dir
chmod 755 "$WORK"
mkdir -p "$MNT" "$MNT_B"

# ---- optional davfs2 debug log (davfs2 logs to syslog only; this machine may have no /dev/log)
SYSLOG_PID=""
debug_line=""
if [[ "${DAVFS2_DEBUG:-0}" == 1 ]]; then
  debug_line="debug        most"
  if [[ ! -e /dev/log ]] && command -v python3 >/dev/null; then
    python3 - "$INTEROP_LOGS/davfs2-syslog.log" <<'PY' &
import os, socket, sys
out = open(sys.argv[1], "a", buffering=1)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("/dev/log"); os.chmod("/dev/log", 0o666)
s.settimeout(900)  # bounded: gone after 15 idle minutes at most
while True:
    out.write(s.recv(65536).decode("utf-8", "replace").rstrip("\n") + "\n")
PY
    SYSLOG_PID=$!
    on_exit 'kill "$SYSLOG_PID" 2>/dev/null; wait "$SYSLOG_PID" 2>/dev/null; [[ -S /dev/log ]] && rm -f /dev/log'
    for _ in $(seq 1 50); do [[ -S /dev/log ]] && break; sleep 0.1; done
    note "davfs2 debug messages go to $INTEROP_LOGS/davfs2-syslog.log"
  else
    note "DAVFS2_DEBUG=1: davfs2 logs to the existing /dev/log (or nowhere without python3)"
  fi
fi

# make_conf NAME [EXTRA_LINE...]: $WORK/davfs2-NAME/{davfs2.conf,secrets,cache}, prints the conf path
make_conf() {
  local name=$1 dir=$WORK/davfs2-$1; shift
  mkdir -p "$dir/cache"
  chown root:davfs2 "$dir/cache"; chmod 775 "$dir/cache"
  touch "$dir/secrets"; chmod 600 "$dir/secrets"
  [[ -n "$DAVIT_USER" ]] && printf '%s %s %s\n' "$U" "$DAVIT_USER" "$DAVIT_PASS" >"$dir/secrets"
  {
    echo "# private davfs2 config of interop/davfs2.sh, mount $name"
    echo "secrets      $dir/secrets"
    echo "cache_dir    $dir/cache"
    echo "use_locks    1"
    echo "ask_auth     0"
    echo "delay_upload 0"
    echo "gui_optimize 0"
    echo "buf_size     64"
    [[ -n "$debug_line" ]] && echo "$debug_line"
    local l; for l in "$@"; do echo "$l"; done
    echo "${DAVFS2_EXTRA_CONF:-}"
  } >"$dir/davfs2.conf"
  cp "$dir/davfs2.conf" "$INTEROP_LOGS/davfs2-$name.conf"
  echo "$dir/davfs2.conf"
}
CONF_A=$(make_conf a)
CONF_B=$(make_conf b "lock_timeout 4" "lock_refresh 2")
CACHE_B=$WORK/davfs2-b/cache

# the mount.davfs process serving mount point $1 (matched on its exact argv element)
davfs_pid() {
  local p
  for p in $(pgrep -x mount.davfs || true); do
    if tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null | grep -qxF "$1"; then echo "$p"; return 0; fi
  done
  return 1
}
B_STOPPED=""
BG_PIDS=()
unmount() {
  local m
  [[ -n "$B_STOPPED" ]] && { kill -CONT "$B_STOPPED" 2>/dev/null || true; B_STOPPED=""; }
  for m in "${BG_PIDS[@]}"; do kill "$m" 2>/dev/null || true; done
  BG_PIDS=()
  for m in "$MNT" "$MNT_B"; do
    if timeout 10 mountpoint -q "$m"; then
      timeout 120 umount "$m" || { say "umount $m failed; lazy unmount"; umount -l "$m" || true; }
    fi
  done
}
on_exit unmount

# do_mount CONF MOUNTPOINT: mount -t davfs, records pass/fail, returns 1 on failure
do_mount() {
  local rc=0 out
  out=$(timeout 60 mount -t davfs "$U" "$2" -o "conf=$1" 2>&1 </dev/null) || rc=$?
  [[ -n "$out" ]] && sed 's/^/  | /' <<<"$out"
  if (( rc != 0 )) || ! timeout 10 mountpoint -q "$2"; then fail "mount -t davfs $U $2 (exit $rc)"; return 1; fi
  pass "mount -t davfs $U $2"
}
# do_umount MOUNTPOINT: unmount (davfs2 uploads what is left first), records pass/fail
do_umount() {
  local t0=$SECONDS
  if timeout 120 umount "$1" </dev/null; then pass "umount $1 (waited for the upload, $((SECONDS - t0)) s)"
  else fail "umount $1"; fi
  if timeout 10 mountpoint -q "$1"; then fail "$1 still mounted"; fi
}

# run CMD...: bounded, echoes the command, records a failure when it fails
run() {
  local rc=0 out
  out=$(timeout 120 "$@" 2>&1 </dev/null) || rc=$?
  [[ -n "$out" ]] && sed 's/^/  | /' <<<"$out"
  if (( rc == 0 )); then pass "$*"; else fail "$* (exit $rc)"; fi
  return 0
}
# wait_for SECONDS CMD...: poll CMD every 0.25 s until it succeeds; returns 1 after SECONDS
wait_for() {
  local n=$(( $1 * 4 )) i; shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.25; done
  return 1
}
server_has() { [[ "$(dav_curl "$1" 2>/dev/null || true)" == "$2" ]]; }
file_has() { [[ "$(timeout 10 cat "$1" 2>/dev/null || true)" == "$2" ]]; }
unlocked() { [[ -z "$(lock_owners "$1")" ]]; }

c=$(http_status DELETE "$U$D/"); [[ $c == 404 ]] || note "pre-clean DELETE $D/ -> $c"
head -c 1048576 /dev/urandom >"$WORK/probe.bin"
printf 'hello davfs2\n' >"$WORK/hello.txt"

# ================================================================ 1. one mount
say "-- 1. one mount (A), locks on"
before=""; have_repo && before=$(commit_count)
do_mount "$CONF_A" "$MNT" || interop_finish
grep " $MNT " /proc/mounts | sed 's/^/  | /' || true

run mkdir "$MNT/$D"
run cp "$WORK/probe.bin" "$MNT/$D/probe.bin"
run mkdir "$MNT/$D/sub"
run cp "$WORK/hello.txt" "$MNT/$D/sub/hello.txt"
# an overwrite of a file already on the server (PUT with If-Match), a rename (MOVE), a delete
run sh -c "echo v1 > '$MNT/$D/edit.txt'"
run sh -c "echo v2 > '$MNT/$D/edit.txt'"
run mv "$MNT/$D/edit.txt" "$MNT/$D/renamed.txt"
run sh -c "echo bye > '$MNT/$D/gone.txt'"
run rm "$MNT/$D/gone.txt"
run ls -la "$MNT" "$MNT/$D" "$MNT/$D/sub"
run cmp "$WORK/probe.bin" "$MNT/$D/probe.bin"
run cmp "$WORK/hello.txt" "$MNT/$D/sub/hello.txt"
# Davit's sample repository files are visible too
if have_repo; then run cmp "$MNT/docs/welcome.txt" <(_davit_git show main:docs/welcome.txt); fi
# (a) edit in place an existing file: LOCK, GET, PUT with If-Match and the lock token, UNLOCK
c_edit=""; have_repo && c_edit=$(commit_count)
run sh -c "echo more >> '$MNT/$D/sub/hello.txt'"
run sync
do_umount "$MNT"

# the server side, through curl
dav_curl -o "$WORK/probe.back" "$U$D/probe.bin" || true
cmp -s "$WORK/probe.bin" "$WORK/probe.back" && pass "server copy of $D/probe.bin identical (1 MiB)" \
  || fail "server copy of $D/probe.bin differs or is missing ($(stat -c %s "$WORK/probe.back" 2>/dev/null || echo 0) bytes)"
check_eq "server $D/sub/hello.txt (edited in place)" "hello davfs2"$'\n'"more" "$(dav_curl "$U$D/sub/hello.txt" || true)"
check_eq "server $D/renamed.txt (overwritten, then renamed)" "v2" "$(dav_curl "$U$D/renamed.txt" || true)"
check_eq "server $D/edit.txt after rename" 404 "$(http_status GET "$U$D/edit.txt")"
check_eq "server $D/gone.txt after rm" 404 "$(http_status GET "$U$D/gone.txt")"
check_eq "no lock left on $D/sub/hello.txt" "" "$(lock_owners "$U$D/sub/hello.txt")"

if have_repo; then
  after=$(commit_count)
  # at least: MKCOL davfs2-test, PUT probe.bin, MKCOL sub, PUT hello.txt, PUT edit.txt x2, MOVE, PUT gone.txt,
  # DELETE, PUT hello.txt (in-place edit)
  if (( after - before >= 10 )); then pass "davfs2 writes made $((after - before)) commits (>= 10)"
  else fail "davfs2 writes made $((after - before)) commits, expected >= 10"; fi
  _davit_git log -n $((after - before)) --reverse --format='    %h %s' main
  check_eq "commits for the in-place edit" 1 "$((after - c_edit))"
  check_eq "newest commit is the in-place edit's PUT" "PUT $D/sub/hello.txt" "$(_davit_git log -1 --format=%s main)"
  _davit_git ls-tree -r -l main "$D" | sed 's/^/    /'
fi

# ================================================================ 2. two mounts, one file
say "-- 2. two mounts (A and B) of $U editing $D/shared.txt"
F=$D/shared.txt
V0="shared v0 $$"
A1="A1 written by mount A while it holds the file open"
B1="B1 written by mount B while A holds the lock $$"
B2="B2 written by mount B, refused later $$"
A2="A2 written by mount A after the lock of B lapsed"
check_in "PUT $F (curl)" "$(http_status PUT "$U$F" --data-binary "$V0"$'\n')" 201
do_mount "$CONF_A" "$MNT" || interop_finish
do_mount "$CONF_B" "$MNT_B" || interop_finish
check_eq "mount A reads $F" "$V0" "$(timeout 10 cat "$MNT/$F" || true)"
check_eq "mount B reads $F" "$V0" "$(timeout 10 cat "$MNT_B/$F" || true)"
c2=""; have_repo && c2=$(commit_count)

# ---- 2a. A holds the file open for writing; B's write must be refused (nothing written, the writer is told)
say "-- 2a. A keeps $F open for writing (its LOCK) while B appends"
rm -f "$WORK/a-open" "$WORK/a-go"
( exec 3>>"$MNT/$F" || exit 1
  printf '%s\n' "$A1" >&3
  : >"$WORK/a-open"
  for _ in $(seq 1 240); do [[ -e "$WORK/a-go" ]] && break; sleep 0.25; done
  exec 3>&- ) </dev/null &
a_pid=$!; BG_PIDS+=("$a_pid")
if wait_for 30 test -e "$WORK/a-open"; then pass "mount A opened $F for writing and wrote to it"
else fail "mount A could not open $F for writing"; fi
owners=$(lock_owners "$U$F")
if [[ -n "$owners" ]]; then pass "the server shows A's lock on $F while A has it open (owner '$owners')"
else fail "no lock on $F while mount A has it open for writing (use_locks 1)"; fi
mark=$(log_mark)
rc=0; out=$(timeout 60 sh -c "printf '%s\n' '$B1' >> '$MNT_B/$F'" 2>&1 </dev/null) || rc=$?
if (( rc != 0 )); then pass "mount B's append refused while A holds the lock (exit $rc: ${out##*: })"
else fail "mount B's append succeeded while mount A holds the lock"; fi
log_conflicts_since "$mark" | sed 's/^/  server| /'
: >"$WORK/a-go"
BG_PIDS=(); wait "$a_pid" || fail "mount A's writer exited non-zero"
if wait_for 30 server_has "$U$F" "$V0"$'\n'"$A1"; then pass "server has exactly A's version after A closed the file"
else fail "server $F after A's save: '$(dav_curl "$U$F" || true)'"; fi
wait_for 10 unlocked "$U$F" && pass "A's lock released after its upload" || fail "lock still on $F: $(lock_owners "$U$F")"
# davfs2 and the kernel cache attributes for a second: poll
wait_for 10 file_has "$MNT_B/$F" "$V0"$'\n'"$A1" && pass "mount B reads A's version" \
  || fail "mount B reads '$(timeout 10 cat "$MNT_B/$F" || true)'"
check_eq "mount B's lost+found after 2a (B wrote nothing)" "" "$(ls -A "$MNT_B/lost+found" 2>&1 || true)"

# ---- 2b. B's save is refused after its lock lapsed: davfs2 keeps B's copy in lost+found
say "-- 2b. B has $F open and written; its davfs2 is suspended until its lock expires; A saves; B closes"
rm -f "$WORK/b-open" "$WORK/b-go"
( exec 3>>"$MNT_B/$F" || exit 1
  printf '%s\n' "$B2" >&3
  : >"$WORK/b-open"
  for _ in $(seq 1 480); do [[ -e "$WORK/b-go" ]] && break; sleep 0.25; done
  exec 3>&- ) </dev/null &
b_pid=$!; BG_PIDS+=("$b_pid")
if wait_for 30 test -e "$WORK/b-open"; then pass "mount B opened $F for writing and wrote to it"
else fail "mount B could not open $F for writing"; fi
owners=$(lock_owners "$U$F")
[[ -n "$owners" ]] && pass "the server shows B's lock on $F (owner '$owners')" || fail "no lock on $F while mount B has it open"
bp=$(davfs_pid "$MNT_B" || true)
if [[ -n "$bp" ]]; then
  kill -STOP "$bp"; B_STOPPED=$bp
  t0=$SECONDS
  if wait_for 30 unlocked "$U$F"; then pass "B's lock expired on the server $((SECONDS - t0)) s after B's davfs2 (pid $bp) was suspended"
  else fail "B's lock did not expire within 30 s: $(lock_owners "$U$F")"; fi
  mark=$(log_mark)
  rc=0; out=$(timeout 60 sh -c "printf '%s\n' '$A2' >> '$MNT/$F'" 2>&1 </dev/null) || rc=$?
  (( rc == 0 )) && pass "mount A appends while B is suspended" || fail "mount A's append: exit $rc $out"
  want_a="$V0"$'\n'"$A1"$'\n'"$A2"
  if wait_for 30 server_has "$U$F" "$want_a"; then pass "server has A's new version"
  else fail "server $F after A's second save: '$(dav_curl "$U$F" || true)'"; fi
  kill -CONT "$bp"; B_STOPPED=""
  : >"$WORK/b-go"
  BG_PIDS=(); wait "$b_pid" || fail "mount B's writer exited non-zero"
  # davfs2 uploads on release, gets the refusal and moves its cache file to lost+found (backup_dir)
  want_b="$V0"$'\n'"$A1"$'\n'"$B2"
  kept() { grep -lF "$B2" "$MNT_B"/lost+found/* 2>/dev/null | head -n1; }
  has_kept() { [[ -n "$(kept)" ]]; }
  if wait_for 30 has_kept; then
    k=$(kept)
    pass "davfs2 B kept its refused copy: $k"
    check_eq "B's copy in lost+found is B's whole version" "$want_b" "$(cat "$k")"
  else
    fail "B's bytes are not in $MNT_B/lost+found ($(ls -A "$MNT_B/lost+found" 2>&1 | tr '\n' ' '))"
  fi
  log_conflicts_since "$mark" | sed 's/^/  server| /'
  if [[ -r "${DAVIT_LOG:-}" ]]; then
    cases=$(log_conflicts_since "$mark" | sed -n 's/.*conflict case=\([^ ]*\).*/\1/p' | sort -u | tr '\n' ' ')
    note "server conflict cases after A's save (B's refresh, PUT, UNLOCK): ${cases:-none}"
    grep -qE 'stale|locked|precondition-failed' <<<"$cases" && pass "the server refused B's upload (${cases% })" \
      || fail "no refusal of B's upload in the server log"
  fi
  check_eq "server still has exactly A's version" "$want_a" "$(dav_curl "$U$F" || true)"
else
  fail "no mount.davfs process found for $MNT_B"
  : >"$WORK/b-go"
fi
do_umount "$MNT"
do_umount "$MNT_B"
if [[ -n "${want_a:-}" ]]; then
  check_eq "server $F after both unmounts: A's version" "$want_a" "$(dav_curl "$U$F" || true)"
  if grep -rqF "$B2" "$CACHE_B" 2>/dev/null; then pass "B's copy is still in B's cache dir after unmount ($(grep -rlF "$B2" "$CACHE_B" | head -n1))"
  else fail "B's bytes are gone from $CACHE_B after unmount"; fi
fi
if have_repo; then
  # A's two saves; B's refused LOCK/PUT/UNLOCK and the LOCKs of an existing file make none
  check_eq "commits during the two-mount part (A's 2 saves)" 2 "$(( $(commit_count) - c2 ))"
  _davit_git log -n "$(( $(commit_count) - c2 ))" --reverse --format='    %h %s' main
fi

check_in "cleanup DELETE $D/" "$(http_status DELETE "$U$D/")" 204 200
interop_finish
