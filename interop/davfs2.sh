#!/usr/bin/env bash
# A real davfs2 kernel mount (Debian package `davfs2`, through FUSE): copy a 1 MiB random file in, mkdir and a
# small file, read back through the mount, unmount (davfs2 uploads at the latest then), then check the server
# with curl (byte-identical) and, with DAVIT_DATA, that commits appeared.
# Needs root and /dev/fuse. Without them: SKIP with exit 0 only if INTEROP_ALLOW_SKIP=1, else FAIL.
# Private davfs2 config in a temp dir: use_locks 0 (Davit is class 1 for now), buf_size 64 (Linux >= 6.16
# readdir EINVAL otherwise), cache dir root:davfs2 mode 775, secrets file mode 600.
# DAVFS2_EXTRA_CONF: extra davfs2.conf lines, e.g. "drop_weak_etags 1" against Apache mod_dav_fs, whose ETags
# are weak within the second of a change: davfs2 then overwrites with If-Match on that ETag, gets 412, and the
# new content is lost although the write returned 0.
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
MNT=$WORK/mnt
CONF_DIR=$WORK/davfs2
# davfs2 drops privileges to user davfs2: it must be able to reach its cache dir
chmod 755 "$WORK"
mkdir -p "$MNT" "$CONF_DIR/cache"
chown root:davfs2 "$CONF_DIR/cache"; chmod 775 "$CONF_DIR/cache"
touch "$CONF_DIR/secrets"; chmod 600 "$CONF_DIR/secrets"
[[ -n "$DAVIT_USER" ]] && printf '%s %s %s\n' "$U" "$DAVIT_USER" "$DAVIT_PASS" >"$CONF_DIR/secrets"
cat >"$CONF_DIR/davfs2.conf" <<EOF
# private davfs2 config of interop/davfs2.sh
secrets      $CONF_DIR/secrets
cache_dir    $CONF_DIR/cache
use_locks    0
ask_auth     0
delay_upload 0
gui_optimize 0
buf_size     64
${DAVFS2_EXTRA_CONF:-}
EOF
cp "$CONF_DIR/davfs2.conf" "$INTEROP_LOGS/davfs2.conf"

c=$(http_status DELETE "$U$D/"); [[ $c == 404 ]] || note "pre-clean DELETE $D/ -> $c"
head -c 1048576 /dev/urandom >"$WORK/probe.bin"
printf 'hello davfs2\n' >"$WORK/hello.txt"

unmount() {
  if timeout 10 mountpoint -q "$MNT"; then
    timeout 120 umount "$MNT" || { say "umount failed; lazy unmount"; umount -l "$MNT" || true; }
  fi
}
on_exit unmount

# run CMD...: bounded, echoes the command, records a failure when it fails
run() {
  local rc=0 out
  out=$(timeout 120 "$@" 2>&1 </dev/null) || rc=$?
  [[ -n "$out" ]] && sed 's/^/  | /' <<<"$out"
  if (( rc == 0 )); then pass "$*"; else fail "$* (exit $rc)"; fi
  return 0
}

before=""; have_repo && before=$(commit_count)
rc=0
out=$(timeout 60 mount -t davfs "$U" "$MNT" -o "conf=$CONF_DIR/davfs2.conf" 2>&1 </dev/null) || rc=$?
[[ -n "$out" ]] && sed 's/^/  | /' <<<"$out"
if (( rc != 0 )) || ! timeout 10 mountpoint -q "$MNT"; then
  fail "mount -t davfs $U (exit $rc)"; interop_finish
fi
pass "mount -t davfs $U $MNT"
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
run sync

t0=$SECONDS
if timeout 120 umount "$MNT" </dev/null; then pass "umount (waited for the upload, $((SECONDS - t0)) s)"
else fail "umount $MNT"; fi
timeout 10 mountpoint -q "$MNT" && fail "$MNT still mounted" || pass "unmounted"

# the server side, through curl
dav_curl -o "$WORK/probe.back" "$U$D/probe.bin" || true
cmp -s "$WORK/probe.bin" "$WORK/probe.back" && pass "server copy of $D/probe.bin identical (1 MiB)" \
  || fail "server copy of $D/probe.bin differs or is missing ($(stat -c %s "$WORK/probe.back" 2>/dev/null || echo 0) bytes)"
check_eq "server $D/sub/hello.txt" "hello davfs2" "$(dav_curl "$U$D/sub/hello.txt" || true)"
check_eq "server $D/renamed.txt (overwritten, then renamed)" "v2" "$(dav_curl "$U$D/renamed.txt" || true)"
check_eq "server $D/edit.txt after rename" 404 "$(http_status GET "$U$D/edit.txt")"
check_eq "server $D/gone.txt after rm" 404 "$(http_status GET "$U$D/gone.txt")"

if have_repo; then
  after=$(commit_count)
  # at least: MKCOL davfs2-test, PUT probe.bin, MKCOL sub, PUT hello.txt, PUT edit.txt x2, MOVE, PUT gone.txt, DELETE
  if (( after - before >= 9 )); then pass "davfs2 writes made $((after - before)) commits (>= 9)"
  else fail "davfs2 writes made $((after - before)) commits, expected >= 9"; fi
  _davit_git log -n $((after - before)) --reverse --format='    %h %s' main
  _davit_git ls-tree -r -l main "$D" | sed 's/^/    /'
fi

check_in "cleanup DELETE $D/" "$(http_status DELETE "$U$D/")" 204 200
interop_finish
