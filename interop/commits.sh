#!/usr/bin/env bash
# One write request = one git commit: PUT a.txt, PUT b.txt, MKCOL d, MOVE a.txt -> d/a.txt, DELETE b.txt with
# curl must add exactly 5 commits to main, whose messages start with the method name, and git fsck stays clean.
# The git checks need DAVIT_DATA (set when this script or test-all.sh starts the server); without it only the
# HTTP side is checked.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
interop_init commits

U=$DAVIT_URL
# start from a clean slate (a previous run against the same server may have left these)
for p in d/ a.txt b.txt; do
  c=$(http_status DELETE "$U$p")
  [[ $c == 404 ]] || note "pre-clean DELETE $p -> $c"
done

before=""
if have_repo; then before=$(commit_count); note "commits on main before: $before"; fi

printf 'alpha\n' >"$WORK/a.txt"
printf 'bravo\n' >"$WORK/b.txt"
check_in "PUT a.txt (new)" "$(http_status PUT "${U}a.txt" --data-binary @"$WORK/a.txt" -H 'Content-Type: text/plain')" 201
check_in "PUT b.txt (new)" "$(http_status PUT "${U}b.txt" --data-binary @"$WORK/b.txt" -H 'Content-Type: text/plain')" 201
check_in "MKCOL d"         "$(http_status MKCOL "${U}d")" 201
check_in "MOVE a.txt -> d/a.txt" "$(http_status MOVE "${U}a.txt" -H "Destination: ${U}d/a.txt" -H 'Overwrite: F')" 201
check_in "DELETE b.txt"    "$(http_status DELETE "${U}b.txt")" 204 200

check_eq "GET d/a.txt body" "alpha" "$(dav_curl "${U}d/a.txt" || true)"
check_eq "GET a.txt after MOVE" 404 "$(http_status GET "${U}a.txt")"
check_eq "GET b.txt after DELETE" 404 "$(http_status GET "${U}b.txt")"
propfind=$(dav_curl -X PROPFIND -H 'Depth: 1' -H 'Content-Type: application/xml' \
  --data '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>' "${U}d/" || true)
if grep -q 'd/a\.txt' <<<"$propfind"; then pass "PROPFIND d/ lists a.txt"; else fail "PROPFIND Depth 1 d/ does not list a.txt: $(head -c 600 <<<"$propfind")"; fi

if have_repo; then
  after=$(commit_count)
  check_eq "new commits on main for 5 write requests" 5 "$((after - before))"
  say "  last commits (oldest first):"
  _davit_git log -n 5 --reverse --format='%h %an <%ae> | %s' main | sed 's/^/    /'
  mapfile -t subjects < <(_davit_git log -n 5 --reverse --format='%s' main)
  expect=("PUT a.txt" "PUT b.txt" "MKCOL d" "MOVE a.txt" "DELETE b.txt")
  for i in 0 1 2 3 4; do
    m=${expect[$i]%% *} path=${expect[$i]#* }
    s=${subjects[$i]:-}
    if [[ "$s" == "$m "* && "$s" == *"$path"* ]]; then pass "commit $((i + 1)) message '$s'"
    else fail "commit $((i + 1)) message: expected to start with '$m ' and name '$path', got '$s'"; fi
  done
  tree=$(_davit_git ls-tree -r --name-only main)
  grep -qx 'd/a.txt' <<<"$tree" && pass "main has d/a.txt" || fail "main has no d/a.txt"
  grep -qx 'a.txt' <<<"$tree" && fail "main still has a.txt" || pass "main has no a.txt"
  grep -qx 'b.txt' <<<"$tree" && fail "main still has b.txt" || pass "main has no b.txt"
  check_eq "blob main:d/a.txt" "alpha" "$(_davit_git show main:d/a.txt 2>/dev/null || true)"
else
  skip "commit checks (DAVIT_DATA not set: not a Davit started by these scripts)"
fi

check_in "cleanup DELETE d/" "$(http_status DELETE "${U}d/")" 204 200

if have_repo; then
  rc=0
  out=$(_davit_git fsck --full --strict 2>&1) || rc=$?
  bad=$(grep -v -e '^dangling ' -e '^notice: ' -e 'fsyncObjectFiles' -e '^Checking ' <<<"$out" || true)
  dangling=$(grep -c '^dangling ' <<<"$out" || true)
  if (( rc == 0 )) && [[ -z "$bad" ]]; then pass "git fsck --full --strict clean (dangling objects: $dangling)"
  else fail "git fsck --full --strict: exit $rc: $(head -n 20 <<<"$bad")"; fi
fi
interop_finish
