#!/usr/bin/env bash
# lftp, a mirroring client, against WebDAV with the credentials in its URL: put, mv (its MOVE carries the
# URL with userinfo in Destination, which must not count as another server), ls (sizes and dates from
# PROPFIND, and from the folder's HTML index without it), rm (its DELETE sends Depth: 0, allowed on a file by RFC 4918 §9.6.1). Each write one commit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
interop_init lftp
need_pkg lftp || exit 1

U=$DAVIT_URL
# http://127.0.0.1:PORT/dav/... -> http://USER:PASS@127.0.0.1:PORT/dav/...
L=$(sed -E "s|^http://|http://$DAVIT_USER:$DAVIT_PASS@|" <<<"$U")
lf() { timeout 60 lftp -c "set net:max-retries 1; set net:timeout 20; open $L; $*"; }

stamp=$(date +%s%N)
printf 'lftp %s\n' "$stamp" >"$WORK/up.txt"
before=""; if have_repo; then before=$(commit_count); fi

if lf "put $WORK/up.txt -o lftp-$stamp.txt" >"$INTEROP_LOGS/lftp-put.log" 2>&1; then pass "lftp put"
else fail "lftp put: $(tail -n 3 "$INTEROP_LOGS/lftp-put.log")"; fi
if lf "mv lftp-$stamp.txt lftp-moved-$stamp.txt" >"$INTEROP_LOGS/lftp-mv.log" 2>&1; then pass "lftp mv (Destination with userinfo)"
else fail "lftp mv: $(tail -n 3 "$INTEROP_LOGS/lftp-mv.log")"; fi
check_eq "the moved file over WebDAV" "lftp $stamp" "$(dav_curl "${U}lftp-moved-$stamp.txt" || true)"
want=$(stat -c %s "$WORK/up.txt")
size=$(lf "set http:use-propfind true; ls" 2>/dev/null | awk -v n="lftp-moved-$stamp.txt" '$NF == n {print $2}')
check_eq "lftp ls (PROPFIND) shows the size" "$want" "$size"
# without PROPFIND lftp parses the folder's HTML index, as mirroring clients do: sizes and dates from it
line=$(lf "set http:use-propfind false; ls" 2>/dev/null | awk -v n="lftp-moved-$stamp.txt" '$NF == n')
check_eq "lftp ls (HTML index) shows the size" "$want" "$(awk '{print $2}' <<<"$line")"
if grep -Eq '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}' <<<"$line"; then pass "lftp ls (HTML index) shows the date ($line)"
else fail "lftp ls (HTML index) shows no date: '$line'"; fi
if lf "rm lftp-moved-$stamp.txt" >"$INTEROP_LOGS/lftp-rm.log" 2>&1; then pass "lftp rm (DELETE with Depth: 0)"
else fail "lftp rm: $(tail -n 3 "$INTEROP_LOGS/lftp-rm.log")"; fi
check_eq "the file is gone" "404" "$(http_status GET "${U}lftp-moved-$stamp.txt")"
if have_repo; then
  # put, mv, rm: 3 commits
  check_eq "commits made by lftp" 3 "$(( $(commit_count) - before ))"
fi
interop_finish
