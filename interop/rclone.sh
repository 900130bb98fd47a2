#!/usr/bin/env bash
# rclone (Debian package `rclone`) webdav backend, remotes defined by environment only:
#  1. vendor "other" (H:): sync 200 small files in 4 folders + one 50 MiB file to H:rclone-test, then
#     `rclone check` and `rclone check --download` must find 0 differences, and a second sync must transfer
#     nothing; purge.
#  2. vendor "owncloud" (O:): rclone sends `X-OC-Mtime` on PUT (Davit answers `X-OC-MTime: accepted` and serves
#     it back as getlastmodified), so modification times survive and a sync compares size + time: sync the same
#     source (its files have old, distinct mtimes) to O:rclone-oc, `rclone check` 0 differences, the remote
#     mtimes equal the local ones, and a second sync transfers nothing (stats from --use-json-log); purge.
# With DAVIT_DATA: a sync adds one commit per PUT/MKCOL, the checks and the no-op syncs add none.
# Env: RCLONE_TRANSFERS (default 4), RCLONE_TIMEOUT (s per rclone command, default 300).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
interop_init rclone
need_pkg rclone || exit 1

export RCLONE_CONFIG=/dev/null
export RCLONE_CONFIG_H_TYPE=webdav RCLONE_CONFIG_H_URL="$DAVIT_URL" RCLONE_CONFIG_H_VENDOR=other
if [[ -n "$DAVIT_USER" ]]; then
  export RCLONE_CONFIG_H_USER="$DAVIT_USER"
  RCLONE_CONFIG_H_PASS=$(rclone obscure "$DAVIT_PASS"); export RCLONE_CONFIG_H_PASS
fi
# strict: no silent retries, so a failing request shows up as a failure
R=(rclone --transfers "${RCLONE_TRANSFERS:-4}" --retries 1 --low-level-retries 1 -v)
T=${RCLONE_TIMEOUT:-300}
DEST=H:rclone-test

# deterministic layout, random content: 4 folders x 50 files of 1-8 KiB, plus big-50M.bin
SRC=$WORK/src
for d in a b c d; do
  mkdir -p "$SRC/$d"
  for i in $(seq 1 50); do head -c $(( (RANDOM % 8 + 1) * 1024 )) /dev/urandom >"$SRC/$d/f$i.dat"; done
done
head -c $((50 * 1024 * 1024)) /dev/urandom >"$SRC/big-50M.bin"
# old, distinct modification times (whole seconds): with vendor owncloud they must survive the upload
i=0
while IFS= read -r f; do i=$((i + 1)); touch -d "@$((1500000000 + i * 86413))" "$f"; done < <(find "$SRC" -type f | sort)
nsrc=$(find "$SRC" -type f | wc -l)
say "source: $nsrc files, $(du -sh "$SRC" | cut -f1)"

# step NAME rclone-args...: run bounded, log to $INTEROP_LOGS/rclone-NAME.log, print rc and time
step() {
  local name=$1; shift
  local log=$INTEROP_LOGS/rclone-$name.log t0=$SECONDS rc=0
  timeout "$T" "${R[@]}" "$@" >"$log" 2>&1 </dev/null || rc=$?
  note "rclone $* -> exit $rc in $((SECONDS - t0)) s (log $log)"
  LAST_LOG=$log
  return $rc
}
errors_in() { grep -cE ' (ERROR|CRITICAL) ' "$1" || true; }

# start clean (a previous run against the same server may have left the folder)
if timeout 60 rclone lsf "$DEST" >/dev/null 2>&1 </dev/null; then
  note "removing a leftover $DEST"; timeout 120 rclone purge "$DEST" </dev/null >/dev/null 2>&1 || true
fi

c0=""; have_repo && c0=$(commit_count)

# 1. sync
if step sync1 sync "$SRC" "$DEST"; then pass "rclone sync (new)"; else fail "rclone sync exited non-zero"; fi
check_eq "sync: errors in log" 0 "$(errors_in "$LAST_LOG")"
check_eq "sync: files copied (new)" "$nsrc" "$(grep -c 'Copied (new)' "$LAST_LOG" || true)"
c1=""
if have_repo; then
  c1=$(commit_count)
  # at least one commit per PUT (201 files) and per MKCOL (rclone-test and its 4 folders)
  grew=$((c1 - c0)); want=$((nsrc + 5))
  if (( grew >= want )); then pass "sync added $grew commits (>= $want: $nsrc PUT + 5 MKCOL)"
  else fail "sync added $grew commits, expected at least $want ($nsrc PUT + 5 MKCOL)"; fi
  (( grew == want )) || note "commits added ($grew) != PUT+MKCOL count ($want)"
fi

# 2. check (sizes; webdav vendor other has no hashes)
if step check check "$SRC" "$DEST"; then pass "rclone check exit 0"; else fail "rclone check exited non-zero"; fi
grep -q ' 0 differences found' "$LAST_LOG" && pass "rclone check: 0 differences found" \
  || fail "rclone check: $(grep -E 'differences found|ERROR' "$LAST_LOG" | head -n 5 | tr '\n' ' ')"

# 3. check --download (content)
if step check-download check --download "$SRC" "$DEST"; then pass "rclone check --download exit 0"
else fail "rclone check --download exited non-zero"; fi
grep -q ' 0 differences found' "$LAST_LOG" && pass "rclone check --download: 0 differences found" \
  || fail "rclone check --download: $(grep -E 'differences found|ERROR' "$LAST_LOG" | head -n 5 | tr '\n' ' ')"
grep -q " $nsrc matching files" "$LAST_LOG" && pass "rclone check --download: $nsrc matching files" \
  || fail "rclone check --download: $(grep -E 'matching files' "$LAST_LOG" | head -n 1)"

# 4. second sync: nothing to do
if step sync2 sync "$SRC" "$DEST"; then pass "second rclone sync exit 0"; else fail "second rclone sync exited non-zero"; fi
check_eq "second sync: files copied" 0 "$(grep -cE 'Copied \(|Updated modification time|Deleted' "$LAST_LOG" || true)"
transferred=$(sed -n 's/^Transferred:[[:space:]]*\([0-9][0-9]*\) \/ [0-9].*/\1/p' "$LAST_LOG" | tail -n1)
check_eq "second sync: stats 'Transferred' files" 0 "${transferred:-0}"
if have_repo; then
  check_eq "commits added by check, check --download and the no-op sync" 0 "$(( $(commit_count) - c1 ))"
fi

# 5. one file round trip through curl, byte for byte
dav_curl -o "$WORK/big.back" "${DAVIT_URL}rclone-test/big-50M.bin" || true
cmp -s "$SRC/big-50M.bin" "$WORK/big.back" && pass "curl GET rclone-test/big-50M.bin identical" \
  || fail "curl GET rclone-test/big-50M.bin differs from the source"
rm -f "$WORK/big.back"

# 6. clean up
c2=""; have_repo && c2=$(commit_count)
if step purge purge "$DEST"; then pass "rclone purge"; else fail "rclone purge exited non-zero"; fi
check_eq "GET rclone-test/ after purge" 404 "$(http_status GET "${DAVIT_URL}rclone-test/")"
if have_repo; then check_eq "commits added by purge (one DELETE)" 1 "$(( $(commit_count) - c2 ))"; fi

# ================================================================ 2. vendor owncloud
say "-- vendor owncloud (X-OC-Mtime on PUT)"
export RCLONE_CONFIG_O_TYPE=webdav RCLONE_CONFIG_O_URL="$DAVIT_URL" RCLONE_CONFIG_O_VENDOR=owncloud
if [[ -n "$DAVIT_USER" ]]; then
  export RCLONE_CONFIG_O_USER="$DAVIT_USER" RCLONE_CONFIG_O_PASS="$RCLONE_CONFIG_H_PASS"
fi
ODEST=O:rclone-oc
if timeout 60 rclone lsf "$ODEST" >/dev/null 2>&1 </dev/null; then
  note "removing a leftover $ODEST"; timeout 120 rclone purge "$ODEST" </dev/null >/dev/null 2>&1 || true
fi
# the "transfers" count of the final stats of a --use-json-log run
json_transfers() { grep -o '"transfers":[0-9]*' "$1" | tail -n1 | cut -d: -f2; }

o0=""; have_repo && o0=$(commit_count)
if step oc-sync1 sync --use-json-log "$SRC" "$ODEST"; then pass "owncloud: rclone sync (new)"; else fail "owncloud: rclone sync exited non-zero"; fi
check_eq "owncloud sync: errors in log" 0 "$(grep -c '"level":"error"' "$LAST_LOG" || true)"
check_eq "owncloud sync: files copied (new)" "$nsrc" "$(grep -c 'Copied (new)' "$LAST_LOG" || true)"
check_eq "owncloud sync: stats transfers" "$nsrc" "$(json_transfers "$LAST_LOG")"
o1=""
if have_repo; then
  o1=$(commit_count); grew=$((o1 - o0)); want=$((nsrc + 5))
  if (( grew >= want )); then pass "owncloud sync added $grew commits (>= $want: $nsrc PUT + 5 MKCOL)"
  else fail "owncloud sync added $grew commits, expected at least $want"; fi
fi
if step oc-check check "$SRC" "$ODEST"; then pass "owncloud: rclone check exit 0"; else fail "owncloud: rclone check exited non-zero"; fi
grep -q ' 0 differences found' "$LAST_LOG" && pass "owncloud: rclone check: 0 differences found" \
  || fail "owncloud: rclone check: $(grep -E 'differences found|ERROR' "$LAST_LOG" | head -n 5 | tr '\n' ' ')"
grep -q " $nsrc matching files" "$LAST_LOG" && pass "owncloud: rclone check: $nsrc matching files" \
  || fail "owncloud: rclone check: $(grep -E 'matching files' "$LAST_LOG" | head -n 1)"
# modification times as the server reports them (getlastmodified, 1 s precision) against the source
lsl() { timeout 120 rclone lsl "$1" </dev/null 2>/dev/null | awk '{ sub(/\.[0-9]+$/, "", $3); print $4, $1, $2, $3 }' | sort; }
lsl "$SRC" >"$WORK/lsl.src"; lsl "$ODEST" >"$WORK/lsl.dst"
ndiff=$(diff "$WORK/lsl.src" "$WORK/lsl.dst" | grep -c '^>' || true)
if (( ndiff == 0 )) && [[ -s "$WORK/lsl.dst" ]]; then pass "owncloud: all $nsrc remote mtimes equal the local ones (X-OC-Mtime kept)"
else
  fail "owncloud: $ndiff of $nsrc remote sizes/mtimes differ from the local ones, e.g.:"
  diff "$WORK/lsl.src" "$WORK/lsl.dst" | head -n 6 | sed 's/^/  | /'
fi
if step oc-sync2 sync --use-json-log "$SRC" "$ODEST"; then pass "owncloud: second rclone sync exit 0"
else fail "owncloud: second rclone sync exited non-zero"; fi
t2=$(json_transfers "$LAST_LOG")
check_eq "owncloud second sync: stats transfers (Transferred: 0)" 0 "${t2:-missing}"
check_eq "owncloud second sync: files copied/updated/deleted" 0 \
  "$(grep -cE 'Copied \(|Updated modification time|Deleted' "$LAST_LOG" || true)"
if have_repo; then
  check_eq "owncloud: commits added by check and the second sync" 0 "$(( $(commit_count) - o1 ))"
fi
if step oc-purge purge "$ODEST"; then pass "owncloud: rclone purge"; else fail "owncloud: rclone purge exited non-zero"; fi
check_eq "GET rclone-oc/ after purge" 404 "$(http_status GET "${DAVIT_URL}rclone-oc/")"
interop_finish
