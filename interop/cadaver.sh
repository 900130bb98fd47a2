#!/usr/bin/env bash
# Scripted cadaver sessions (Debian package `cadaver`); credentials come from a .netrc in a temp HOME.
#  1. mkcol, put, ls, propset, propget, copy, move, get.
#  2. Locking: session L (fed through a FIFO, so it stays open) does `lock a.txt`, `discover a.txt` and a `put`
#     while it holds the lock (cadaver sends the token: works); meanwhile a second cadaver session and curl, both
#     without the token, PUT a.txt: refused with 409 (lock-token-submitted); then session L does `unlock a.txt`
#     and a `put` that works without a lock.
#  3. rmcol in another session.
# Checks: every command succeeded (or failed where it must), propget prints the value, the file round-trips,
# the server state with curl, and (with DAVIT_DATA) one commit per successful write request.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
interop_init cadaver
need_pkg cadaver || exit 1

U=$DAVIT_URL
D=cadaver-test
HOME_DIR=$WORK/home
mkdir -p "$HOME_DIR"
if [[ -n "$DAVIT_USER" ]]; then
  host=${U#http://}; host=${host%%[:/]*}
  printf 'machine %s\nlogin %s\npassword %s\n' "$host" "$DAVIT_USER" "$DAVIT_PASS" >"$HOME_DIR/.netrc"
  chmod 600 "$HOME_DIR/.netrc"
fi
# pre-clean: a previous, aborted run may have left the folder and a lock on a.txt
unlock_all "$U$D/a.txt" | sed 's/^/  .. pre-clean /'
c=$(http_status DELETE "$U$D/"); [[ $c == 404 ]] || note "pre-clean DELETE $D/ -> $c"

cd "$WORK"
echo "hello cadaver $(date +%s%N)" >local.txt
before=""; have_repo && before=$(commit_count)

# run_cadaver LOGFILE < commands
run_cadaver() {
  local log=$1 rc=0
  HOME=$HOME_DIR timeout 60 cadaver -t "$U" >"$log" 2>&1 || rc=$?
  sed 's/^/  | /' "$log"
  cp "$log" "$INTEROP_LOGS/"
  (( rc == 0 )) || fail "cadaver exited with $rc ($(basename "$log"))"
}

run_cadaver "$WORK/cadaver-session1.log" <<CMDS
mkcol $D
cd $D
put local.txt a.txt
ls
propset a.txt myprop myvalue
propget a.txt myprop
copy a.txt b.txt
move b.txt c.txt
ls
get c.txt fetched.txt
quit
CMDS
log1=$WORK/cadaver-session1.log

# per command: the text between its prompt and the next prompt must say "succeeded." (propget prints the value)
check_commands() {
  local log=$1 cmd verdict
  while IFS=$'\t' read -r cmd verdict; do
    if [[ $verdict == ok ]]; then pass "cadaver: $cmd"; else fail "cadaver: $cmd: $verdict"; fi
  done < <(awk '
    function done_cmd() { if (cmd != "" && cmd !~ /^(cd|quit|propget|discover)( |$)/) print cmd "\t" (ok ? "ok" : (msg == "" ? "no \"succeeded.\"" : msg)) }
    /^dav:[^>]*> / { done_cmd(); cmd = $0; sub(/^dav:[^>]*> /, "", cmd); ok = 0; msg = ""; next }
    { if ($0 ~ /succeeded\./) ok = 1; if ($0 ~ /[Ff]ailed|[Ee]rror/) { ok = 0; msg = $0 } }
    END { done_cmd() }' "$log")
}
check_commands "$log1"
grep -q 'Value of myprop is: myvalue' "$log1" && pass "propget prints the value myvalue" \
  || fail "propget did not print 'myvalue'"
grep -qE '^[[:space:]>*]*a\.txt[[:space:]]+[0-9]' "$log1" && pass "ls lists a.txt" || fail "ls does not list a.txt"
grep -qE '^[[:space:]>*]*c\.txt[[:space:]]+[0-9]' "$log1" && pass "ls lists c.txt after move" || fail "ls does not list c.txt after move"
if [[ -f fetched.txt ]] && cmp -s local.txt fetched.txt; then pass "put/copy/move/get round trip identical"
else fail "get c.txt: fetched.txt missing or differs from local.txt"; fi

# the server state, seen with curl
check_eq "GET $D/a.txt" "$(cat local.txt)" "$(dav_curl "$U$D/a.txt" || true)"
check_eq "GET $D/c.txt" "$(cat local.txt)" "$(dav_curl "$U$D/c.txt" || true)"
check_eq "GET $D/b.txt after move" 404 "$(http_status GET "$U$D/b.txt")"
pf=$(dav_curl -X PROPFIND -H 'Depth: 0' -H 'Content-Type: application/xml' --data \
  '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><C:myprop xmlns:C="http://webdav.org/cadaver/custom-properties/"/></D:prop></D:propfind>' \
  "$U$D/a.txt" || true)
grep -q 'myvalue' <<<"$pf" && pass "PROPFIND sees the dead property myprop=myvalue" \
  || fail "PROPFIND $D/a.txt for myprop: no 'myvalue' in $(head -c 500 <<<"$pf")"

# ---------------------------------------------------------------- locking
echo "version 2 (locked) $(date +%s%N)" >local2.txt
echo "version 3 (unlocked) $(date +%s%N)" >local3.txt
echo "other client $(date +%s%N)" >other.txt
server_has() { [[ "$(dav_curl "$U$D/a.txt" 2>/dev/null || true)" == "$(cat "$1")" ]]; }
wait_server() { local i; for i in $(seq 1 120); do server_has "$1" && return 0; sleep 0.25; done; return 1; }
logL=$WORK/cadaver-lock.log
mkfifo "$WORK/lock.fifo"
( HOME=$HOME_DIR timeout 120 cadaver -t "$U" <"$WORK/lock.fifo" >"$logL" 2>&1; echo "cadaver exit $?" >>"$logL" ) &
cad_pid=$!
on_exit '[[ -n "$cad_pid" ]] && kill "$cad_pid" 2>/dev/null; true'
trap '' PIPE                 # a cadaver that died must not kill this script through the FIFO
exec 7>"$WORK/lock.fifo"
printf 'cd %s\nlock a.txt\ndiscover a.txt\nput local2.txt a.txt\n' "$D" >&7 || true
if wait_server local2.txt; then pass "session L: put while holding the lock reached the server"
else fail "session L: the put under the lock did not reach the server within 30 s"; fi
owners=$(lock_owners "$U$D/a.txt")
# cadaver sends no owner by default: an activelock with an empty owner still counts
if dav_curl -X PROPFIND -H 'Depth: 0' --data '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>' \
    "$U$D/a.txt" 2>/dev/null | grep -q '<D:activelock>'; then pass "PROPFIND lockdiscovery shows the lock on a.txt${owners:+ (owner $owners)}"
else fail "PROPFIND lockdiscovery shows no lock on a.txt while session L holds it"; fi

# a second cadaver session (no token) and curl (no token) must be refused
run_cadaver "$WORK/cadaver-other.log" <<CMDS
cd $D
put other.txt a.txt
quit
CMDS
if awk '/put other.txt a.txt/ {p=1} p' "$WORK/cadaver-other.log" | grep -q 'failed:' &&
   grep -q '^409 Conflict' "$WORK/cadaver-other.log"; then pass "second cadaver session: put a.txt refused with 409"
else fail "second cadaver session: put a.txt was not refused with 409"; fi
body=$WORK/put-locked.body
code=$(dav_curl -o "$body" -w '%{http_code}' -X PUT --data-binary @other.txt "$U$D/a.txt" || true)
check_eq "curl PUT a.txt without the token" 409 "$code"
grep -q 'lock-token-submitted' "$body" && pass "409 body names the precondition lock-token-submitted" \
  || fail "409 body has no lock-token-submitted: $(head -c 400 "$body")"
grep -q 'opaquelocktoken:' "$body" && fail "409 body reveals a lock token" || pass "409 body does not reveal the lock token"
server_has local2.txt && pass "a.txt still has session L's version" || fail "a.txt changed by a refused PUT"

printf 'unlock a.txt\nput local3.txt a.txt\nquit\n' >&7 || true
exec 7>&-
wait "$cad_pid" 2>/dev/null || true
cad_pid=""
trap - PIPE
sed 's/^/  | /' "$logL"; cp "$logL" "$INTEROP_LOGS/"
grep -q '^cadaver exit 0$' "$logL" && pass "session L: cadaver exit 0" || fail "session L: $(tail -n1 "$logL")"
check_commands "$logL"
grep -qE '^Lock token <opaquelocktoken:[^>]+>:' "$logL" && grep -q 'Scope: exclusive' "$logL" \
  && pass "discover a.txt prints the exclusive lock and its token" || fail "discover a.txt did not print the lock"
for w in "lock a.txt" "put local2.txt a.txt" "unlock a.txt" "put local3.txt a.txt"; do
  grep -qF "> $w" "$logL" || fail "session L never ran '$w'"
done
server_has local3.txt && pass "put after unlock reached the server" || fail "a.txt after unlock+put: $(dav_curl "$U$D/a.txt" || true)"
check_eq "no lock left on a.txt" "" "$(unlock_all "$U$D/a.txt")"

run_cadaver "$WORK/cadaver-session2.log" <<CMDS
rmcol $D
quit
CMDS
check_commands "$WORK/cadaver-session2.log"
check_eq "GET $D/ after rmcol" 404 "$(http_status GET "$U$D/")"

if have_repo; then
  after=$(commit_count)
  # writes: MKCOL, PUT, PROPPATCH, COPY, MOVE, PUT (locked), PUT (after unlock), DELETE; LOCK of an existing
  # file, UNLOCK and the refused PUTs make none
  check_eq "new commits for the 8 successful write requests" 8 "$((after - before))"
  _davit_git log -n $((after - before)) --reverse --format='    %h %s' main
fi
interop_finish
