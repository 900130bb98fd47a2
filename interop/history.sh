#!/usr/bin/env bash
# The read-only history tree (.history) with a real client, rclone's webdav backend: after three versions of a
# file, `rclone lsf` lists the commit folders of .history/ and the three versions in .history/by-path/FILE/,
# `rclone cat` reads the oldest one back, a write into .history is refused, `rclone copyto` from a past version
# (a server-side COPY) restores it to a new name in one commit, and a COPY with Overwrite: T onto the live file
# restores it there ("Restore FILE from <short id>"). With FUSE, .history is also mounted read-only with
# `rclone mount` and listed and read like a folder of a file manager.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
interop_init history
need_pkg rclone || exit 1

export RCLONE_CONFIG=/dev/null
export RCLONE_CONFIG_H_TYPE=webdav RCLONE_CONFIG_H_URL="$DAVIT_URL" RCLONE_CONFIG_H_VENDOR=other
if [[ -n "$DAVIT_USER" ]]; then
  export RCLONE_CONFIG_H_USER="$DAVIT_USER"
  RCLONE_CONFIG_H_PASS=$(rclone obscure "$DAVIT_PASS"); export RCLONE_CONFIG_H_PASS
fi
R=(timeout 120 rclone --retries 1 --low-level-retries 1)

f=history-interop.txt
for v in 1 2 3; do
  printf 'version %s\n' "$v" >"$WORK/v$v.txt"
  check_in "PUT $f (version $v)" "$(http_status PUT "$DAVIT_URL$f" --data-binary @"$WORK/v$v.txt")" 201 204
done

top=$("${R[@]}" lsf H:.history/ 2>"$INTEROP_LOGS/history-lsf.log" || true)
n=$(grep -c " PUT $f/\$" <<<"$top" || true)
check_eq "rclone lsf .history/ lists a commit folder per PUT" 3 "$n"
grep -qx 'by-path/' <<<"$top" && pass "rclone lsf .history/ lists by-path/" || fail "no by-path/ in: $(head -n 5 <<<"$top")"

versions=$("${R[@]}" lsf "H:.history/by-path/$f/" 2>>"$INTEROP_LOGS/history-lsf.log" || true)
check_eq "rclone lsf .history/by-path/$f/ lists three versions" 3 "$(grep -c " $f\$" <<<"$versions" || true)"
# listed newest first by commit, but a file manager sorts by name: find the oldest by content
oldest=""
while IFS= read -r v; do
  [[ -z "$v" ]] && continue
  if [[ $("${R[@]}" cat "H:.history/by-path/$f/$v" 2>/dev/null) == "version 1" ]]; then oldest=$v; fi
done <<<"$versions"
[[ -n "$oldest" ]] && pass "rclone cat reads version 1 back ($oldest)" || fail "no version reads 'version 1'"

# A file-manager view: .history/ mounted read-only with rclone mount (FUSE), when this machine allows it.
mnt=$WORK/mnt
if [[ -c /dev/fuse ]] && { command -v fusermount3 || command -v fusermount; } >/dev/null; then
  mkdir -p "$mnt"
  if timeout 30 rclone mount H:.history "$mnt" --read-only --daemon --daemon-timeout 20s --dir-cache-time 1s \
       --log-file "$INTEROP_LOGS/history-mount.log" </dev/null; then
    on_exit "fusermount3 -u '$mnt' 2>/dev/null || fusermount -u '$mnt' 2>/dev/null || true"
    listed=$(ls -1 "$mnt/by-path/$f/" 2>/dev/null | grep -c " $f\$" || true)
    check_eq "the mounted .history/by-path/$f/ lists three versions" 3 "$listed"
    check_eq "the mounted oldest version reads version 1" "version 1" "$(cat "$mnt/by-path/$f/$oldest" 2>/dev/null || true)"
    ncommits=$(ls -1 "$mnt" 2>/dev/null | grep -c " PUT $f\$" || true)
    check_eq "the mounted .history/ has a folder per PUT" 3 "$ncommits"
    fusermount3 -u "$mnt" 2>/dev/null || fusermount -u "$mnt" 2>/dev/null || true
  else
    skip "rclone mount of .history (log $INTEROP_LOGS/history-mount.log)"
  fi
else
  skip "rclone mount of .history (no FUSE here)"
fi

if "${R[@]}" copyto "$WORK/v3.txt" "H:.history/by-path/$f/new.txt" >/dev/null 2>&1; then fail "a write into .history was accepted"
else pass "a write into .history is refused"; fi
check_eq "PUT into .history" 403 "$(http_status PUT "${DAVIT_URL}.history/x.txt" --data-binary @"$WORK/v1.txt")"

# rclone's server-side copy sends Overwrite: F (412 onto an existing file, RFC 4918), so it restores to a new
# name; a file manager's "replace" sends Overwrite: T, done here with curl onto the live file.
before=""; have_repo && before=$(commit_count)
if [[ -n "$oldest" ]] && "${R[@]}" copyto -v "H:.history/by-path/$f/$oldest" "H:restored-$f" >"$INTEROP_LOGS/history-restore.log" 2>&1; then
  pass "rclone copyto from a past version to restored-$f (server-side COPY)"
else fail "restore with rclone copyto (log $INTEROP_LOGS/history-restore.log)"; fi
check_eq "restored-$f is version 1" "version 1" "$(dav_curl "${DAVIT_URL}restored-$f" || true)"
if have_repo; then
  check_eq "the restore is one commit" 1 "$(( $(commit_count) - before ))"
  subject=$(_davit_git log -n 1 --format=%s main)
  [[ "$subject" == "Restore $f from "*" to restored-$f" ]] && pass "commit message '$subject'" || fail "commit message '$subject'"
fi
enc=$(sed 's/ /%20/g' <<<"$oldest")
check_eq "COPY the past version onto the live file (Overwrite: T)" 204 \
  "$(http_status COPY "${DAVIT_URL}.history/by-path/$f/$enc" -H "Destination: $DAVIT_URL$f" -H 'Overwrite: T')"
check_eq "the live file is version 1 again" "version 1" "$(dav_curl "$DAVIT_URL$f" || true)"
if have_repo; then
  subject=$(_davit_git log -n 1 --format=%s main)
  [[ "$subject" == "Restore $f from "* && "$subject" != *" to "* ]] && pass "commit message '$subject'" || fail "commit message '$subject'"
  _davit_git ls-tree -r --name-only main | grep -q '^\.history' && fail ".history is in the tree" || pass ".history is not in the tree"
fi
check_in "cleanup DELETE restored-$f" "$(http_status DELETE "${DAVIT_URL}restored-$f")" 204 200
check_in "cleanup DELETE $f" "$(http_status DELETE "$DAVIT_URL$f")" 204 200
interop_finish
