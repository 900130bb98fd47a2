#!/usr/bin/env bash
# The Nextcloud desktop client (Debian's nextcloud-desktop-cmd: nextcloudcmd) syncs a Davit repository; with
# SYNC_CLIENT=owncloud the ownCloud one (owncloud-client-cmd: owncloudcmd; interop/owncloud.sh sets it).
# Always starts its own Davit (config/davit.properties, fresh data: user demo's home is demo/sample), since
# the client syncs the whole home repository. Each step is one client run, bounded, and checks git:
#  1. initial download: every file of main arrives with its content;       0 commits
#  2. a second run changes nothing;                                        0 commits
#  3. local upload: a new file and a new folder with a file;               3 commits (PUT, MKCOL, PUT)
#     a folder of 200 files and a 50 MB file (both clients: chunked upload v2, MKCOL/PUTs under
#     /remote.php/dav/uploads/ and a final MOVE, checked in the client's log); 1 commit per file and folder,
#     then a run that transfers nothing and commits nothing
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
    -u "$DAVIT_USER" -p "$DAVIT_PASS" "${SYNC_DIR:-$LOCAL}" "$SERVER" >"$log" 2>&1 </dev/null || rc=$?
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
  if (( after > before )); then
    local n=$((after - before))
    if (( n > 10 )); then note "$n commits, the last 10:"; n=10; fi
    _davit_git log -n "$n" --reverse --format='    %s' main
  fi
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

# 3b. a folder of 200 files and a 50 MB file: both clients send a file past 10 MB with chunked upload v2
mkdir -p "$LOCAL/many"
for i in $(seq -w 1 200); do printf 'file %s\n' "$i" >"$LOCAL/many/f$i.txt"; done
head -c 50000000 /dev/urandom >"$LOCAL/big.bin"
step "200 files and a 50 MB file" 202
check_eq "200 files: all on the server" 200 "$(_davit_git ls-tree --name-only main many/ | grep -c '^many/f')"
# The MKCOL of many/ put a folder keeper in it, which stays in the tree (and so in a git clone).
if _davit_git cat-file -e main:many/.davitkeep 2>/dev/null; then note "many/.davitkeep is in the tree (the MKCOL's folder keeper)"; fi
check_eq "200 files: content of many/f137.txt" "file 137" "$(server_file many/f137.txt)"
if cmp -s <(server_file big.bin) "$LOCAL/big.bin"; then pass "50 MB file: one commit with the whole file"; else fail "50 MB file differs on the server"; fi
check_eq "50 MB file: its commit" "PUT big.bin" "$(_davit_git log -n 1 --format=%s main -- big.bin)"
biglog="$INTEROP_LOGS/$CLIENT-$run-200 files and a 50 MB file.log"
if grep -q 'PropagateUploadFileNG' "$biglog" && grep -qE 'MOVE.*remote\.php/dav/uploads/[^ ]*/\.file' "$biglog"; then
  pass "50 MB file: sent with chunked upload v2 ($(grep -cE 'PUT of .*remote\.php/dav/uploads/' "$biglog") chunk PUTs, then MOVE .file)"
else fail "50 MB file: the client did not use chunked upload v2 (see $biglog)"; fi
bad=$(_davit_git ls-tree -r --name-only main | grep -E -- '-chunking-|(^|/)\.file$' || true)
if [[ -z "$bad" ]]; then pass "50 MB file: no chunk in the tree"; else fail "chunks committed: $bad"; fi
step "after the bulk upload, nothing to do" 0

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

# 10. two clients, two local folders, one file edited in both between syncs
LOCAL2=$WORK/local2
mkdir -p "$LOCAL2"
SYNC_DIR=$LOCAL2 step "second client: initial download" 0
printf 'shared start\n' >"$LOCAL/shared.txt"
step "first client: new shared.txt" 1
SYNC_DIR=$LOCAL2 step "second client: gets shared.txt" 0
check_eq "second client has shared.txt" "shared start" "$(cat "$LOCAL2/shared.txt")"
printf 'edit by the first client\n' >"$LOCAL/shared.txt"
printf 'edit by the second client\n' >"$LOCAL2/shared.txt"
step "first client: uploads its edit" 1
SYNC_DIR=$LOCAL2 sync "second client: conflict"
check_eq "two clients: the server has the first edit" "edit by the first client" "$(server_file shared.txt)"
check_eq "two clients: the second folder now has the first edit" "edit by the first client" "$(cat "$LOCAL2/shared.txt")"
copies=$(grep -rlx 'edit by the second client' "$LOCAL2" --include='shared*' 2>/dev/null || true)
if [[ -n "$copies" ]]; then pass "two clients: the second edit is kept as $(basename "$(head -n1 <<<"$copies")")"
else fail "two clients: the second edit is nowhere in $LOCAL2: $(ls "$LOCAL2")"; fi
# every version the server acknowledged is in git history
hist=$(_davit_git log --format=%H main -- shared.txt | while read -r c; do _davit_git show "$c:shared.txt" 2>/dev/null; done)
for v in 'shared start' 'edit by the first client'; do
  if grep -qx "$v" <<<"$hist"; then pass "two clients: git history has '$v'"; else fail "two clients: git history lacks '$v'"; fi
done
# a conflict copy the client uploads (client setting) is then on the server as well; either way nothing is lost
SYNC_DIR=$LOCAL2 sync "second client: after the conflict"
if _davit_git ls-tree -r --name-only main | grep -q 'shared (conflicted copy\|shared_conflict'; then
  note "the conflict copy was uploaded: $(_davit_git ls-tree -r --name-only main | grep 'shared.*conflict' | head -n1)"
fi
SYNC_DIR=$LOCAL2 step "second client: quiet again" 0
no_hidden_files "end"

interop_finish
