#!/usr/bin/env bash
# The Nextcloud desktop client (Debian's nextcloud-desktop-cmd: nextcloudcmd) syncs a Davit repository; with
# SYNC_CLIENT=owncloud the ownCloud one (owncloud-client-cmd: owncloudcmd; interop/owncloud.sh sets it).
# Always starts its own Davit (config/davit.properties, fresh data: user demo's home is demo/sample), since
# the client syncs the whole home repository. Each step is one client run, bounded, and checks git:
#  1. initial download: every file of main arrives with its content;       0 commits
#  2. a second run changes nothing;                                        0 commits
#  3. local upload: a new file and a new folder with a file;               3 commits (PUT, MKCOL, PUT)
#     and a 25 MB file (Nextcloud: chunked upload v1, assembled by Davit); 1 commit
#  4. local edit;                                                          1 commit  (PUT)
#  5. local delete;                                                        1 commit  (DELETE)
#  6. local rename (the client sends MOVE);                                1 commit  (MOVE)
#  7. server-side change (curl PUT on /dav) reaches the local folder;      0 commits by the client
#     and a server-side MOVE is a local rename (the file id went with it), a server-side DELETE a local one;
#  8. conflict: the same file edited on both sides; afterwards the server keeps its version, the local
#     folder holds the local edit as the client's conflict copy: nothing lost;
#  9. the modification time of an uploaded file is the server's getlastmodified (X-OC-Mtime kept);
# and, throughout, no .davitprops file (nor any .davit* but folder keepers) in the tree.
# Env: SYNC_TIMEOUT (s per client run, default 120).
set -euo pipefail
CLIENT=${SYNC_CLIENT:-nextcloud}
. "$(dirname "$0")/lib.sh"
# never the shared server: this one's home repository is synced whole
unset DAVIT_URL DAVIT_DATA DAVIT_PID DAVIT_WORK DAVIT_LOG DAVIT_PORT
interop_init "$CLIENT"
case $CLIENT in
  nextcloud) need_pkg nextcloud-desktop-cmd || exit 1; BIN=nextcloudcmd ;;
  owncloud)  need_pkg owncloud-client-cmd || exit 1; BIN=owncloudcmd ;;
  *) die "SYNC_CLIENT must be nextcloud or owncloud, not $CLIENT" ;;
esac
have_repo || die "no demo/sample repository in $DAVIT_DATA"

SERVER=http://127.0.0.1:$DAVIT_PORT/
LOCAL=$WORK/local
mkdir -p "$LOCAL"
# Debian's owncloudcmd ships no system exclude list and refuses to run without one.
printf '*~\n.~lock.*\n' >"$WORK/exclude.lst"
T=${SYNC_TIMEOUT:-120}
run=0

# sync NAME: one client run; its log in $INTEROP_LOGS/CLIENT-N-NAME.log
sync() {
  run=$((run + 1))
  local log=$INTEROP_LOGS/$CLIENT-$run-$1.log t0=$SECONDS rc=0
  # HOME: a fresh one, so no keyring or config of this machine's user is read or written
  HOME=$WORK/home timeout "$T" "$BIN" --non-interactive --exclude "$WORK/exclude.lst" \
    -u "$DAVIT_USER" -p "$DAVIT_PASS" "$LOCAL" "$SERVER" >"$log" 2>&1 </dev/null || rc=$?
  note "$BIN run $run ($1) -> exit $rc in $((SECONDS - t0)) s (log $log)"
  if (( rc != 0 )); then fail "$BIN run $1 exited $rc"; grep -iE 'error|warning' "$log" | tail -n 5 | sed 's/^/  | /'; fi
  return 0
}
mkdir -p "$WORK/home"

# step NAME EXPECTED-COMMITS: sync, then check the commits the run made
step() {
  local before after
  before=$(commit_count)
  sync "$1"
  after=$(commit_count)
  check_eq "$1: commits made by the run" "$2" "$((after - before))"
  if (( after > before )); then _davit_git log -n $((after - before)) --reverse --format='    %s' main; fi
}

server_file() { _davit_git show "main:$1"; }
no_hidden_files() {
  local bad
  bad=$(_davit_git ls-tree -r --name-only main | grep -E '(^|/)\.davitprops' || true)
  if [[ -z "$bad" ]]; then pass "$1: no .davitprops file in the tree"; else fail "$1: hidden files committed: $bad"; fi
}

# 1. initial download
step "initial download" 0
missing=0
while IFS= read -r f; do
  [[ $(basename "$f") == .davit* ]] && continue
  if [[ ! -f "$LOCAL/$f" ]] || ! cmp -s <(server_file "$f") "$LOCAL/$f"; then missing=$((missing + 1)); note "not downloaded right: $f"; fi
done < <(_davit_git ls-tree -r --name-only main)
check_eq "initial download: files missing or different" 0 "$missing"

# 2. nothing to do
step "second run, nothing changed" 0

# 3. local upload
printf 'made on the desktop\n' >"$LOCAL/desk.txt"
touch -d @1600000000 "$LOCAL/desk.txt"
mkdir -p "$LOCAL/new folder"
printf 'inside\n' >"$LOCAL/new folder/in.txt"
step "local upload" 3
check_eq "local upload: desk.txt on the server" "made on the desktop" "$(server_file desk.txt)"
check_eq "local upload: new folder/in.txt on the server" "inside" "$(server_file 'new folder/in.txt')"
no_hidden_files "local upload"

# 9. the client's modification time is kept (beside the repository, not in the tree)
lm=$(dav_curl -X PROPFIND -H 'Depth: 0' --data \
  '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getlastmodified/></D:prop></D:propfind>' \
  "http://127.0.0.1:$DAVIT_PORT/dav/demo/sample/desk.txt" | sed -n 's|.*<D:getlastmodified>\([^<]*\)<.*|\1|p')
check_eq "desk.txt getlastmodified is the local mtime" "$(LC_ALL=C TZ=GMT date -d @1600000000 '+%a, %d %b %Y %H:%M:%S GMT')" "$lm"

# 3b. a 25 MB file: nextcloudcmd sends it in 10 MB chunks (chunking v1), owncloudcmd whole (bigfilechunking=false)
head -c 25000000 /dev/urandom >"$LOCAL/big.bin"
step "25 MB file" 1
if cmp -s <(server_file big.bin) "$LOCAL/big.bin"; then pass "25 MB file: one commit with the whole file"; else fail "25 MB file differs on the server"; fi
bad=$(_davit_git ls-tree -r --name-only main | grep -- '-chunking-' || true)
if [[ -z "$bad" ]]; then pass "25 MB file: no chunk in the tree"; else fail "chunks committed: $bad"; fi

# 4. local edit
printf 'edited on the desktop\n' >>"$LOCAL/desk.txt"
step "local edit" 1
check_eq "local edit: server content" "$(cat "$LOCAL/desk.txt")" "$(server_file desk.txt)"
no_hidden_files "local edit"

# 5. local delete
rm "$LOCAL/new folder/in.txt"
step "local delete" 1
if _davit_git cat-file -e "main:new folder/in.txt" 2>/dev/null; then fail "local delete: still on the server"; else pass "local delete: gone from main"; fi

# 6. local rename
mv "$LOCAL/desk.txt" "$LOCAL/renamed.txt"
step "local rename" 1
check_eq "local rename: a MOVE commit" "MOVE desk.txt -> renamed.txt" "$(_davit_git log -n 1 --format=%s main)"

# 7. server-side change
printf 'changed on the server\n' | dav_curl -o /dev/null -T - "http://127.0.0.1:$DAVIT_PORT/dav/demo/sample/renamed.txt"
step "server-side change" 0
check_eq "server-side change reached the local folder" "changed on the server" "$(cat "$LOCAL/renamed.txt")"

# 7b. server-side rename and delete: the file id stays with a MOVE, so the client renames locally
printf 'moving\n' >"$LOCAL/tomove.txt"; printf 'doomed\n' >"$LOCAL/doomed.txt"
step "upload two more" 2
code=$(http_status MOVE "http://127.0.0.1:$DAVIT_PORT/dav/demo/sample/tomove.txt" \
  -H "Destination: http://127.0.0.1:$DAVIT_PORT/dav/demo/sample/moved-on-server.txt")
check_eq "server-side MOVE" 201 "$code"
check_eq "server-side DELETE" 204 "$(http_status DELETE "http://127.0.0.1:$DAVIT_PORT/dav/demo/sample/doomed.txt")"
step "server-side rename and delete" 0
if [[ -f "$LOCAL/moved-on-server.txt" && ! -e "$LOCAL/tomove.txt" && ! -e "$LOCAL/doomed.txt" ]]; then
  pass "server-side rename and delete reached the local folder"
else fail "server-side rename/delete: local folder has $(ls "$LOCAL")"; fi
if grep -q 'CSYNC_INSTRUCTION_RENAME' "$INTEROP_LOGS/$CLIENT-$run-server-side rename and delete.log"; then
  pass "the client saw a rename (same oc:fileid), not a delete and a download"
else fail "the client did not recognise the server-side MOVE as a rename"; fi

# 8. conflict: both sides edit renamed.txt between two runs
printf 'server version\n' | dav_curl -o /dev/null -T - "http://127.0.0.1:$DAVIT_PORT/dav/demo/sample/renamed.txt"
printf 'local version\n' >"$LOCAL/renamed.txt"
sync "conflict"
check_eq "conflict: the server kept its version" "server version" "$(server_file renamed.txt)"
copies=$(grep -rlx 'local version' "$LOCAL" --include='renamed*' --exclude-dir='.sync*' 2>/dev/null || true)
if [[ -n "$copies" ]]; then pass "conflict: the local edit is kept as $(basename "$(head -n1 <<<"$copies")")"
else fail "conflict: the local edit is nowhere in $LOCAL: $(ls "$LOCAL")"; fi
# the conflict copy may be uploaded by the next run (client setting); after that, nothing more to do
sync "after the conflict"
step "quiet again" 0
no_hidden_files "end"

interop_finish
