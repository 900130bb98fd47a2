#!/usr/bin/env bash
# Drive saves through a real davfs2 kernel mount (issue 18): one save by a person is one commit, and editors'
# temp, lock, swap and backup files never reach git. Its own Davit (a private copy of the jar, port 0, its own
# data dir, whatever DAVIT_URL says) and, per tool, a davfs2 mount of http://127.0.0.1:PORT/dav/demo/sample/ with
# davfs2's default locking (use_locks 1, delay_upload 0: LOCK while open for writing, upload on close, UNLOCK).
# The mount point is in /var/tmp, not /tmp (vim makes no backup under /tmp). Each tool saves a file in its own
# folder drivesaves/TOOL/ three times (a new file with cp: once); after every save the script waits (bounded)
# until the server has the saved bytes and no lock and the mount shows them, then counts commits with
# `git --git-dir=DATA/demo/sample.git` (after a smart-HTTP request, which brings the bare repository on disk up
# to date); after the tool's unmount it counts again (nothing may come late: vim's quit, davfs2's last uploads).
#   vim      `vim -es -u DEFAULTS -c 'call append(...)' -c wq FILE` (vim's defaults without a vimrc: swap file
#            .FILE.swp, the 4913 probe, FILE renamed to FILE~, a new FILE written, FILE~ deleted), 3 runs
#   nano     through tmux (send-keys: type a line, ^O Enter, ^X), 3 runs; Debian's /etc/nanorc sets locking,
#            so nano keeps .FILE.swp while it runs; SKIP when tmux cannot drive it
#   sed      `sed -i` (temp sedXXXXXX, renamed onto FILE), 3 runs
#   rsync    default mode (temp .FILE.XXXXXX, renamed onto FILE), 3 runs
#   office   a Python replay of Microsoft Office's save on a mapped drive on the mounted files: owner file
#            ~$NAME while open; ~WRD0000.tmp written, FILE renamed to ~WRL0001.tmp, ~WRD0000.tmp renamed onto
#            FILE, ~WRL0001.tmp deleted; 3 runs; `git log --follow` of FILE must stay continuous
#   cp       a new file: one commit
# Every save must make exactly one commit, with the saved bytes, changing only the saved file and as a
# modification (git's M; cp's new file: A); after the unmount only the saved file is listed in the folder; no
# temp name (.*.sw?, 4913, *~, sedXXXXXX, .*.XXXXXX, ~WRD*/~WRL*.tmp, ~$*) in `git log --all --name-only`.
# Prints each tool's commits, a table of commits per save per tool, PASS/FAIL lines and, last,
# "drivesaves: PASS" or FAIL. About 40 s.
# Needs root and /dev/fuse. Without them: SKIP with exit 0 only if INTEROP_ALLOW_SKIP=1, else FAIL.
# Env: DAVFS2_DEBUG=1: `debug most` in the private davfs2.conf; when /dev/log is missing a small receiver (python3)
#      is put there for the run, davfs2's messages go to $INTEROP_LOGS/davfs2-syslog.log, and for a tool whose
#      count is wrong the requests davfs2 sent are printed (every tool's are kept in
#      $INTEROP_LOGS/drivesaves-TOOL-requests.txt). DRIVESAVES_TOOLS: the tools to run (default
#      "vim nano sed rsync office cp"). DAVIT_JAR (copied), INTEROP_LOGS, INTEROP_KEEP=1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

cannot() {
  if [[ "${INTEROP_ALLOW_SKIP:-0}" == 1 ]]; then echo "SKIP: drivesaves: $*"; echo "drivesaves: SKIP"; exit 0; fi
  echo "FAIL: drivesaves: $* (set INTEROP_ALLOW_SKIP=1 to skip)"; echo "drivesaves: FAIL"; exit 1
}
[[ $(id -u) == 0 ]] || cannot "needs root to mount"
if [[ ! -e /dev/fuse ]]; then modprobe fuse 2>/dev/null || true; fi
[[ -c /dev/fuse ]] || cannot "no /dev/fuse"

# Always its own server, on a private copy of the jar: others may rebuild target/ while this runs.
src_jar=${DAVIT_JAR:-$REPO_ROOT/target/davit.jar}
[[ -f "$src_jar" ]] || die "$src_jar is missing (build it: mvn -q -B -DskipTests package)"
JAR_DIR=$(mktemp -d /tmp/davit-drivesaves-jar.XXXXXX)
on_exit 'rm -rf "$JAR_DIR"'
cp "$src_jar" "$JAR_DIR/davit.jar" || die "cannot copy $src_jar"
unset DAVIT_URL DAVIT_DATA DAVIT_PORT DAVIT_PID DAVIT_WORK DAVIT_LOG
DAVIT_JAR=$JAR_DIR/davit.jar
interop_init drivesaves
need_pkg davfs2 fuse3 vim nano tmux rsync || exit 1
command -v python3 >/dev/null || need_pkg python3 || exit 1
getent group davfs2 >/dev/null || die "group davfs2 missing (the davfs2 package creates it)"

U=$DAVIT_URL
D=drivesaves
# The mount point is outside /tmp: vim's 'backupskip' skips the backup (and with it the rename dance of a
# save) for files under /tmp/* and $TMPDIR/*, which is not what a person's drive sees.
MNT=$(mktemp -d /var/tmp/davit-drivesaves-mnt.XXXXXX) || die "cannot make a mount point in /var/tmp"
on_exit 'rmdir "$MNT" 2>/dev/null'
chmod 755 "$WORK"   # davfs2 drops privileges to user davfs2: it must reach its cache dir
mkdir -p "$WORK/src"

# ---- optional davfs2 debug log (davfs2 logs to syslog only; this machine may have no /dev/log)
SYSLOG=""
debug_line=""
if [[ "${DAVFS2_DEBUG:-0}" == 1 ]]; then
  debug_line="debug        most"
  if [[ ! -e /dev/log ]]; then
    SYSLOG=$INTEROP_LOGS/davfs2-syslog.log
    : >"$SYSLOG"
    python3 - "$SYSLOG" <<'PY' &
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
    note "davfs2 debug messages go to $SYSLOG"
  else
    note "DAVFS2_DEBUG=1: davfs2 logs to the existing /dev/log"
  fi
fi

# ---- private davfs2 config: as interop/davfs2.sh, davfs2's default locking
DCONF=$WORK/davfs2
mkdir -p "$DCONF/cache"
chown root:davfs2 "$DCONF/cache"; chmod 775 "$DCONF/cache"
touch "$DCONF/secrets"; chmod 600 "$DCONF/secrets"
[[ -n "$DAVIT_USER" ]] && printf '%s %s %s\n' "$U" "$DAVIT_USER" "$DAVIT_PASS" >"$DCONF/secrets"
{
  echo "# private davfs2 config of interop/drivesaves.sh"
  echo "secrets      $DCONF/secrets"
  echo "cache_dir    $DCONF/cache"
  echo "use_locks    1"
  echo "ask_auth     0"
  echo "delay_upload 0"
  echo "gui_optimize 0"
  echo "buf_size     64"
  [[ -n "$debug_line" ]] && echo "$debug_line"
} >"$DCONF/davfs2.conf"

TMUX_SOCK=drivesaves-$$
unmount() {
  tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
  if timeout 10 mountpoint -q "$MNT"; then
    timeout 120 umount "$MNT" || { say "umount $MNT failed; lazy unmount"; umount -l "$MNT" || true; }
  fi
}
on_exit unmount

do_mount() {
  local rc=0 out
  out=$(timeout 60 mount -t davfs "$U" "$MNT" -o "conf=$DCONF/davfs2.conf" 2>&1 </dev/null) || rc=$?
  [[ -n "$out" ]] && sed 's/^/  | /' <<<"$out"
  if (( rc != 0 )) || ! timeout 10 mountpoint -q "$MNT"; then fail "mount -t davfs $U $MNT (exit $rc)"; return 1; fi
}
do_umount() {
  if ! timeout 120 umount "$MNT" </dev/null; then fail "umount $MNT"; umount -l "$MNT" 2>/dev/null; fi
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds; returns 1 after SECONDS
wait_for() {
  local n=$(( $1 * 5 )) i; shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.2; done
  return 1
}
unlocked() { [[ -z "$(lock_owners "$1")" ]]; }
# saved PATH FILE: the server answers PATH with exactly FILE's bytes and holds no lock on it (davfs2's upload
# on close and its UNLOCK are done), and the mount shows those bytes too. davfs2 answers the setattr that
# follows an in-place write (vim's chmod, nano's) with the size from before the write, and the kernel keeps
# that size for its attribute timeout (about a second): a program that opens the file again at once reads it
# empty (and an editor saves that), so the next save waits until the mount shows the bytes.
saved() {
  dav_curl -o "$WORK/got" "$U$1" 2>/dev/null && cmp -s "$WORK/got" "$2" && unlocked "$U$1" &&
    timeout 10 cmp -s "$MNT/$1" "$2"
}
syslog_mark() { if [[ -n "$SYSLOG" ]]; then wc -l <"$SYSLOG"; else echo 0; fi; }
# requests_since N: from line N+1 of the davfs2 debug log, the file system calls davfs2 got (create, rename,
# remove, close: "fs:") and the requests it sent (method, path, the headers that matter, status); the URL
# prefix is cut and lock tokens shortened to their first 8 hex digits
requests_since() {
  tail -n +"$(( $1 + 1 ))" "$SYSLOG" | tr -d '\r' | sed -n \
    -e 's#^<[0-9]*>[A-Z][a-z][a-z] [ 0-9][0-9] \([0-9:]*\) mount\.davfs: *\(create\|rename\|remove\|close\|into\|mkdir\|rmdir\) /dav/demo/sample/\(.*\)#\1 fs: \2 \3#p' \
    -e 's#^\(GET\|PUT\|HEAD\|LOCK\|UNLOCK\|MOVE\|COPY\|DELETE\|PROPPATCH\|MKCOL\) /dav/demo/sample/\([^ ]*\) HTTP/1\.1$#  > \1 \2#p' \
    -e 's#^\(Destination\|Overwrite\|If\|If-Match\|If-None-Match\|Lock-Token\): \(.*\)$#      \1: \2#p' \
    -e 's#.*\[status-line\] < HTTP/1\.1 \(.*\)#    < \1#p' |
    sed -e 's#http://127\.0\.0\.1:[0-9]*/dav/demo/sample/##g' -e 's#%%#%#g' -e 's#opaquelocktoken:\([0-9a-f]\{8\}\)[-0-9a-f]*#lt:\1#g'
}

# listing FOLDER/: the names PROPFIND (Depth 1) lists in FOLDER, sorted, one per line (as sent: percent-encoded)
listing() {
  dav_curl -X PROPFIND -H 'Depth: 1' -H 'Content-Type: application/xml' --data \
    '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>' "$U$1" |
    grep -o '<[A-Za-z0-9]*:*href>[^<]*' | sed 's#.*>##; s#/$##' | grep -vx "$(sed 's#/$##' <<<"/dav/demo/sample/$1")" |
    sed 's#.*/##' | sort || true
}

# ---- the table: one row per tool
rows=()
TOOL="" FILE="" C0=0 COUNTS=() SMARK=0
# begin TOOL PATH: mount, note the commit count
begin() {
  TOOL=$1 FILE=$2 COUNTS=()
  say "-- $TOOL: $FILE"
  C0=$(commit_count); SMARK=$(syslog_mark)
  do_mount
}
# saved_once COUNT_BEFORE SRC: after one save of FILE with SRC's bytes: wait until it is saved, count the
# commits since COUNT_BEFORE
saved_once() {
  local before=$1 src=$2 n
  if ! wait_for 30 saved "$FILE" "$src"; then
    fail "$TOOL: the server (or the mount) does not have the saved bytes of $FILE (or keeps a lock) 30 s after the save"
    dav_curl -o "$WORK/got" "$U$FILE"; diff "$WORK/got" "$src" | head -n 10 | sed 's/^/  server| /'
    timeout 10 diff "$MNT/$FILE" "$src" | head -n 10 | sed 's/^/  mount| /'
    note "locks on $FILE: $(lock_owners "$U$FILE" | tr '\n' ' ')"
  fi
  n=$(( $(commit_count) - before ))
  COUNTS+=("$n")
}
# finish_tool EXPECTED_SAVES EXPECTED_STATUS: unmount, count again, check one commit per save, and that the
# tool's commits change FILE as EXPECTED_STATUS says (git's letters, oldest first: MMM for three
# modifications, A for a new file: a save is never a delete and an add)
finish_tool() {
  local saves=$1 want_status=$2 total msgs bad status h reqs=""
  do_umount
  total=$(( $(commit_count) - C0 ))
  msgs=$(_davit_git log -n "$total" --reverse --format='%s' main)
  for h in $(_davit_git log -n "$total" --reverse --format=%h main); do
    say "    $h $(_davit_git log -1 --format=%s "$h"): $(_davit_git diff-tree --no-commit-id --name-status -r "$h" | tr '\t\n' '  ')"
  done
  if [[ -n "$SYSLOG" ]]; then
    reqs=$INTEROP_LOGS/drivesaves-$TOOL-requests.txt
    requests_since "$SMARK" >"$reqs"
  fi
  local c ok=1
  for c in "${COUNTS[@]}"; do [[ $c == 1 ]] || ok=0; done
  (( ${#COUNTS[@]} == saves && total == saves )) || ok=0
  if (( ok )); then pass "$TOOL: one commit per save (${COUNTS[*]}; $total after unmount)"
  else
    fail "$TOOL: commits per save ${COUNTS[*]:-none}, $total after unmount, expected 1 per save ($saves)"
    if [[ -n "$reqs" ]]; then say "  davfs2's file system calls and requests ($reqs):"; grep -v -e '^    < 207' -e '^  > HEAD' -e '^    < 200 OK' "$reqs" | sed 's/^/  | /'
    else note "rerun with DAVFS2_DEBUG=1 to see the requests davfs2 sent"; fi
  fi
  status=$(_davit_git log -n "$total" --reverse --format= --name-status main -- "$FILE" | cut -c1 | tr -d '\n')
  check_eq "$TOOL: how its commits change $FILE" "$want_status" "$status"
  # nothing left behind: the temp, swap and backup files were deleted (a kept-aside file is listed while it exists)
  check_eq "$TOOL: names listed in ${FILE%/*}/ after the unmount" "${FILE##*/}" "$(listing "${FILE%/*}/" | tr '\n' ' ' | sed 's/ $//')"
  # every commit of the tool changes only its file
  bad=$(_davit_git log -n "$total" --format= --name-only main | sort -u | grep -vxF "$FILE" || true)
  if [[ -z "$bad" ]]; then pass "$TOOL: its commits change only $FILE"
  else fail "$TOOL: its commits also change: $(tr '\n' ' ' <<<"$bad")"; fi
  rows+=("$TOOL|${COUNTS[*]}|$total|$(tr '\n' ';' <<<"$msgs" | sed 's/;$//; s/;/; /g')")
}

# finish_unless_lowercase_temp TEMP_RE: finish_tool 3 MMM, unless a name matching TEMP_RE was committed: a temp
# name of sed -i or rsync whose mkstemp part (six random letters and digits) came out as six lowercase letters (one
# save in ~180), which Davit keeps as an ordinary file by design (README: Desktop junk; `.env.sample`). Such a run
# is said, and its counts are not held against the server.
finish_unless_lowercase_temp() {
  local lower
  lower=$(_davit_git log -n "$(( $(commit_count) - C0 ))" --format= --name-only main | grep -E "$1" | sort -u || true)
  if [[ -n "$lower" ]]; then
    do_umount
    note "$TOOL's temp name had six lowercase letters ($(tr '\n' ' ' <<<"$lower")): an ordinary file by design, committed; this run's counts are not checked"
    LOWERCASE_TEMPS+=$'\n'"$lower"
  else
    finish_tool 3 MMM
  fi
}

# ---- the starting files, written with curl (not counted)
check_in "MKCOL $D/" "$(http_status MKCOL "$U$D/")" 201
for t in vim nano sed rsync office cp; do
  check_in "MKCOL $D/$t/" "$(http_status MKCOL "$U$D/$t/")" 201
done
printf 'notes\n' >"$WORK/src/notes.txt"
for t in vim nano sed rsync; do
  check_in "PUT $D/$t/notes.txt" "$(http_status PUT "$U$D/$t/notes.txt" --data-binary @"$WORK/src/notes.txt")" 201
done
head -c 20000 /dev/urandom >"$WORK/src/report.docx"
check_in "PUT $D/office/report.docx" "$(http_status PUT "$U$D/office/report.docx" --data-binary @"$WORK/src/report.docx")" 201

# expect NAME N: $WORK/src/NAME-N, the bytes of save N (notes plus "save 1".."save N")
expect() { { printf 'notes\n'; seq -f 'save %g' 1 "$2"; } >"$WORK/src/$1-$2"; echo "$WORK/src/$1-$2"; }

want() { [[ " ${DRIVESAVES_TOOLS:-vim nano sed rsync office cp} " == *" $1 "* ]]; }

# ================================================================ vim
want vim && begin vim "$D/vim/notes.txt" && {
  for i in 1 2 3; do
    c=$(commit_count)
    # -u DEFAULTS: vim as it starts for someone without a vimrc (defaults.vim, nocompatible: backupcopy=auto,
    # so a save is the 4913 probe, FILE renamed to FILE~, a new FILE written, FILE~ deleted; a bare `vim -es`
    # is Vi-compatible and writes in place); TMPDIR unset so that 'backupskip' does not cover the mount
    rc=0; timeout 30 env -u TMPDIR -u TMP -u TEMP vim -es -u DEFAULTS -i NONE \
      -c "call append(line('\$'), 'save $i')" -c wq "$MNT/$FILE" </dev/null || rc=$?
    (( rc == 0 )) || fail "vim save $i: exit $rc"
    saved_once "$c" "$(expect vim "$i")"
  done
  finish_tool 3 MMM
}

# ================================================================ nano
# nano_run FILE LINE: open FILE in nano in a tmux session, go to its end, type LINE, ^O Enter, ^X; bounded
pane() { tmux -L "$TMUX_SOCK" capture-pane -p -t ds 2>/dev/null; }
pane_has() { pane | grep -qF "$1"; }
session_gone() { ! tmux -L "$TMUX_SOCK" has-session -t ds 2>/dev/null; }
nano_run() {
  tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s ds -x 100 -y 30 "TERM=xterm nano '$1'" || return 1
  wait_for 15 pane_has "GNU nano" || { note "nano screen: $(pane | head -n 3 | tr '\n' '|')"; return 1; }
  tmux -L "$TMUX_SOCK" send-keys -t ds M-/ || return 1
  tmux -L "$TMUX_SOCK" send-keys -t ds -l "$2" || return 1
  tmux -L "$TMUX_SOCK" send-keys -t ds C-o || return 1
  wait_for 10 pane_has "File Name to Write" || { note "nano screen: $(pane | tail -n 3 | tr '\n' '|')"; return 1; }
  tmux -L "$TMUX_SOCK" send-keys -t ds Enter || return 1
  wait_for 30 pane_has "Wrote" || { note "nano screen: $(pane | tail -n 3 | tr '\n' '|')"; return 1; }
  tmux -L "$TMUX_SOCK" send-keys -t ds C-x || return 1
  wait_for 30 session_gone
}
want nano && begin nano "$D/nano/notes.txt" && {
  for i in 1 2 3; do
    c=$(commit_count)
    if ! nano_run "$MNT/$FILE" "save $i"; then
      tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
      skip "nano could not be driven through tmux (save $i)"; COUNTS=(); break
    fi
    saved_once "$c" "$(expect nano "$i")"
  done
  if (( ${#COUNTS[@]} )); then finish_tool 3 MMM; else do_umount; fi
}

# ================================================================ sed -i
want sed && begin sed "$D/sed/notes.txt" && {
  for i in 1 2 3; do
    c=$(commit_count)
    rc=0; timeout 30 sed -i "\$a save $i" "$MNT/$FILE" </dev/null || rc=$?
    (( rc == 0 )) || fail "sed -i save $i: exit $rc"
    saved_once "$c" "$(expect sed "$i")"
  done
  # sed -i's temp is sedXXXXXX (CI met one of six lowercase letters)
  finish_unless_lowercase_temp "^$D/sed/sed[a-z]{6}\$"
}

# ================================================================ rsync (default: temp .notes.txt.XXXXXX, renamed)
want rsync && begin rsync "$D/rsync/notes.txt" && {
  for i in 1 2 3; do
    c=$(commit_count)
    src=$(expect rsync "$i")
    rc=0; timeout 30 rsync "$src" "$MNT/$FILE" </dev/null || rc=$?
    (( rc == 0 )) || fail "rsync save $i: exit $rc"
    saved_once "$c" "$src"
  done
  # rsync's temp is .notes.txt.XXXXXX
  finish_unless_lowercase_temp "^$D/rsync/\.notes\.txt\.[a-z]{6}\$"
}

# ================================================================ Office's save on a mapped drive, replayed
# office_save DIR NAME SRC: what Word does to save NAME in DIR (the mounted folder) with SRC's bytes
office_save() {
  timeout 60 python3 - "$1" "$2" "$3" <<'PY'
import os, sys
d, name, src = sys.argv[1:4]
owner = os.path.join(d, "~$" + name[2:])   # Word's owner file while the document is open: ~$port.docx
doc = os.path.join(d, name)
tmp = os.path.join(d, "~WRD0000.tmp")
away = os.path.join(d, "~WRL0001.tmp")
with open(owner, "wb") as f:
    f.write(b"\x05davit-interop" + b"\0" * 40)
with open(doc, "rb") as f:                 # opened and read
    f.read()
with open(src, "rb") as f:
    data = f.read()
with open(tmp, "wb") as f:                 # the new version in a temp file
    f.write(data)
os.rename(doc, away)                       # the original moved away
os.rename(tmp, doc)                        # the temp moved onto the name
os.remove(away)                            # the moved-away original deleted
os.remove(owner)                           # the document closed
PY
}
want office && begin office "$D/office/report.docx" && {
  for i in 1 2 3; do
    c=$(commit_count)
    { cat "$WORK/src/report.docx"; seq -f 'save %g' 1 "$i"; } >"$WORK/src/report-$i"
    rc=0; office_save "$MNT/$D/office" report.docx "$WORK/src/report-$i" </dev/null || rc=$?
    (( rc == 0 )) || fail "office save $i: exit $rc"
    saved_once "$c" "$WORK/src/report-$i"
  done
  finish_tool 3 MMM
  # the document's history stays continuous: its creation and the three saves, all modifications after the add
  follow=$(_davit_git log --follow --format= --name-status main -- "$FILE" | cut -c1 | tr -d '\n')
  check_eq "git log --follow $FILE: three modifications after its add (newest first)" MMMA "$follow"
}

# ================================================================ cp: a new file
want cp && begin cp "$D/cp/new.txt" && {
  printf 'a new file\n' >"$WORK/src/new.txt"
  c=$(commit_count)
  run_rc=0; timeout 30 cp "$WORK/src/new.txt" "$MNT/$FILE" </dev/null || run_rc=$?
  (( run_rc == 0 )) || fail "cp: exit $run_rc"
  saved_once "$c" "$WORK/src/new.txt"
  finish_tool 1 A
}

# ================================================================ no temp name in history
names=$(_davit_git log --all --name-only --format= | sort -u)
junk=$(grep -E '(^|/)(\.[^/]*\.sw[a-z]|4913|[^/]*~|~WR[DL][^/]*\.tmp|~\$[^/]*|sed[A-Za-z0-9]{6}|\.[^/]+\.[A-Za-z0-9]{6})$' <<<"$names" \
      | grep -vxF -e "${LOWERCASE_TEMPS:-}" -e '' || true)
check_eq "temp, swap, lock and backup names in git log --all --name-only" "" "$(tr '\n' ' ' <<<"$junk" | sed 's/ $//')"

say "-- commits per save (git rev-list --count main after each save; total after the tool's unmount)"
printf '  %-7s %-12s %-6s %s\n' tool 'per save' total messages
for r in "${rows[@]}"; do
  IFS='|' read -r t per tot msgs <<<"$r"
  printf '  %-7s %-12s %-6s %s\n' "$t" "$per" "$tot" "$msgs"
done

check_in "cleanup DELETE $D/" "$(http_status DELETE "$U$D/")" 204 200
interop_finish
