#!/usr/bin/env bash
# A scripted cadaver session (Debian package `cadaver`): mkcol, put, ls, propset, propget, copy, move, get, then
# rmcol in a second session (lock/unlock not yet: Davit is class 1). Credentials come from a .netrc in a temp HOME.
# Checks: every command succeeded, propget prints the value, the file round-trips, the server state with curl,
# and (with DAVIT_DATA) one commit per write request.
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
    function done_cmd() { if (cmd != "" && cmd !~ /^(cd|quit|propget)( |$)/) print cmd "\t" (ok ? "ok" : (msg == "" ? "no \"succeeded.\"" : msg)) }
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

run_cadaver "$WORK/cadaver-session2.log" <<CMDS
rmcol $D
quit
CMDS
check_commands "$WORK/cadaver-session2.log"
check_eq "GET $D/ after rmcol" 404 "$(http_status GET "$U$D/")"

if have_repo; then
  after=$(commit_count)
  # writes: MKCOL, PUT, PROPPATCH, COPY, MOVE, DELETE
  check_eq "new commits for the 6 write requests" 6 "$((after - before))"
  _davit_git log -n $((after - before)) --reverse --format='    %h %s' main
fi
interop_finish
