#!/usr/bin/env bash
# Repository maintenance: 2,000 WebDAV writes (PUTs over 20 files in one folder, over reused connections), then
# `git count-objects -v` must show the objects packed by Davit's background repack (storage.gc.commits, default
# 500: at most that many commits' objects may still be loose) and `git fsck --full --strict` must be clean.
# Needs DAVIT_DATA (set when this script or test-all.sh starts the server); without it only the writes are checked.
# Env: GC_WRITES (2000), GC_EVERY (the server's storage.gc.commits, 500).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
interop_init gc

U=$DAVIT_URL
writes=${GC_WRITES:-2000}
every=${GC_EVERY:-500}
dir=gc-interop
check_in "MKCOL $dir/" "$(http_status MKCOL "$U$dir/")" 201
before=""; if have_repo; then before=$(commit_count); fi

# 100 writes per curl process (one connection each), each file written with distinct content.
t0=$SECONDS
ok=0 bad=0
for (( b = 0; b < writes; b += 100 )); do
  cfg=$WORK/batch.cfg; : >"$cfg"
  for (( i = b; i < b + 100 && i < writes; i++ )); do
    printf 'write %d of the gc interop script\n' "$i" >"$WORK/body.$((i % 100))"
    # `next` resets every option, so each transfer carries its own credentials
    (( i > b )) && printf 'next\n' >>"$cfg"
    printf 'user = "%s:%s"\nupload-file = "%s"\nurl = "%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' \
      "$DAVIT_USER" "$DAVIT_PASS" "$WORK/body.$((i % 100))" "$U$dir/f$((i % 20)).txt" >>"$cfg"
  done
  while read -r code; do
    if [[ $code == 201 || $code == 204 ]]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
  done < <(curl -sS --noproxy '*' --max-time 300 -K "$cfg" || true)
done
check_eq "WebDAV writes answered 201/204 ($((SECONDS - t0)) s)" "$writes" "$ok"
(( bad == 0 )) || fail "$bad writes refused"

if have_repo; then
  check_eq "commits made by the writes" "$writes" "$(( $(commit_count) - before ))"
  # The last repack may still be running: wait (up to 120 s) for as many "repacked" lines in the server log as
  # there were intervals (pushes are not counted, so this is an upper bound), then for two equal samples.
  limit=$(( every * 4 + 100 ))   # a PUT in a folder makes a blob, two trees and a commit
  expected=$(( $(commit_count) / every ))
  deadline=$((SECONDS + 120))
  if [[ -r "${DAVIT_LOG:-}" ]]; then
    while (( $(grep -c 'repacked in' "$DAVIT_LOG" || true) < expected && SECONDS < deadline )); do sleep 1; done
    note "repacks logged by the server: $(grep -c 'repacked in' "$DAVIT_LOG" || true) (commits on main / $every = $expected)"
  fi
  prev=""
  while :; do
    stats=$(_davit_git count-objects -v 2>/dev/null)
    garbage=$(sed -n 's/^garbage: //p' <<<"$stats")   # a repack's temporary files: one is still running
    [[ "$stats" == "$prev" && $garbage == 0 ]] && break
    (( SECONDS < deadline )) || break
    prev=$stats; sleep 2
  done
  loose=$(sed -n 's/^count: //p' <<<"$stats"); inpack=$(sed -n 's/^in-pack: //p' <<<"$stats")
  say "  git count-objects -v:"; sed 's/^/    /' <<<"$stats"
  if (( inpack >= writes * 3 )); then pass "objects packed: in-pack $inpack, loose $loose (at most $limit: one gc interval)"
  else fail "objects not packed: in-pack $inpack, loose $loose"; fi
  (( loose <= limit )) && pass "loose objects $loose <= $limit" || fail "loose objects $loose > $limit"
  rc=0
  out=$(_davit_git fsck --full --strict 2>&1) || rc=$?
  badfsck=$(grep -v -e '^dangling ' -e '^notice: ' -e 'fsyncObjectFiles' -e '^Checking ' <<<"$out" || true)
  if (( rc == 0 )) && [[ -z "$badfsck" ]]; then pass "git fsck --full --strict clean"
  else fail "git fsck --full --strict: exit $rc: $(head -n 20 <<<"$badfsck")"; fi
else
  skip "count-objects and fsck (DAVIT_DATA not set: not a Davit started by these scripts)"
fi
check_in "cleanup DELETE $dir/" "$(http_status DELETE "$U$dir/")" 204 200
interop_finish
