#!/usr/bin/env bash
# litmus (Debian package `litmus`) against the WebDAV collection, keep-going (-k), groups basic copymove props
# locks http (104 tests; Apache mod_dav_fs passes 104/104).
# Env: LITMUS_GROUPS (default "basic copymove props locks http"),
#      LITMUS_TIMEOUT (s, default 600), and the target variables of lib.sh.
# Last line of the summary: "litmus: N passed, M failed". Exit 1 if any test failed or a group did not finish.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
interop_init litmus
need_pkg litmus || exit 1

GROUPS_TO_RUN=${LITMUS_GROUPS:-basic copymove props locks http}
OUT=$WORK/litmus.out
# litmus writes debug.log and child.log into the current directory
cd "$WORK"
# The Debian wrapper (/usr/bin/litmus) runs the programs named in $TESTS from /usr/libexec/litmus; -k must be
# the first argument (without it the wrapper stops at the first failing group).
creds=(); [[ -n "$DAVIT_USER" ]] && creds=("$DAVIT_USER" "$DAVIT_PASS")
say "running: TESTS=\"$GROUPS_TO_RUN\" litmus -k $DAVIT_URL ${creds[0]:-}"
rc=0
TESTS="$GROUPS_TO_RUN" timeout "${LITMUS_TIMEOUT:-600}" litmus -k "$DAVIT_URL" "${creds[@]}" </dev/null >"$OUT" 2>&1 || rc=$?
cp "$OUT" "$INTEROP_LOGS/litmus.out"; cp debug.log "$INTEROP_LOGS/litmus-debug.log" 2>/dev/null || true
(( rc == 124 )) && fail "litmus timed out after ${LITMUS_TIMEOUT:-600} s"

# Parse the output (same logic as the harness's litmus_summary.py). Without a tty litmus prints each test
# name twice, then "pass", "FAIL (reason)", "SKIPPED", "WARNING: ..." lines; per group
# "<- summary for `G': of R tests run: P passed, F failed. x%", "-> N tests were skipped",
# "-> N warnings issued.". A group with no summary line (crash, missing program) counts as 1 failure.
summary=$(awk -v want="$GROUPS_TO_RUN" '
  function flush() {
    if (cur == "") return
    if (!done[cur]) { failed[cur] += 1; fails[cur] = fails[cur] "\n  FAIL " cur ": group did not finish (crash or abort)" }
  }
  { sub(/^.*\r/, "") }   # without a tty litmus redraws each test line after a carriage return
  /^-> running `/ { flush(); cur = $3; gsub(/[^A-Za-z0-9_]/, "", cur); order[++n] = cur; next }
  cur == "" { next }
  /^<- summary for `/ {
    done[cur] = 1
    if (match($0, /of [0-9]+ tests run: [0-9]+ passed, [0-9]+ failed/)) {
      split(substr($0, RSTART, RLENGTH), a, /[^0-9]+/); run[cur] = a[2]; passed[cur] = a[3]; failed[cur] += a[4]
    }
    next
  }
  /^<- all tests skipped for `/ { done[cur] = 1; next }
  /^-> [0-9]+ tests? (was|were) skipped/ { skipped[cur] = $2; next }
  /^-> [0-9]+ warnings? ((was|were) )?issued/ { warned[cur] = $2; next }
  / FAIL/ { line = $0; sub(/^ */, "", line); sub(/\.\.+ */, " ", line); fails[cur] = fails[cur] "\n  FAIL " cur ": " line; next }
  /WARNING: / { line = $0; sub(/^ */, "", line); sub(/\.\.+ */, " ", line); warns[cur] = warns[cur] "\n  WARNING " cur ": " line; next }
  /^ERROR: Could not find/ { print "  " $0; next }
  END {
    flush()
    # groups that never started (e.g. wrapper error)
    k = split(want, w, /[ \t]+/)
    for (i = 1; i <= k; i++) { if (w[i] == "") continue; seen = 0
      for (j = 1; j <= n; j++) if (order[j] == w[i]) seen = 1
      if (!seen) { order[++n] = w[i]; failed[w[i]] = 1; fails[w[i]] = "\n  FAIL " w[i] ": group did not run" } }
    tp = tf = 0
    for (j = 1; j <= n; j++) { g = order[j]
      printf "litmus group %-9s run %3d  passed %3d  failed %3d  skipped %3d  warnings %d\n", g, run[g], passed[g], failed[g], skipped[g], warned[g]
      tp += passed[g]; tf += failed[g] }
    for (j = 1; j <= n; j++) { g = order[j]; if (fails[g] != "") print substr(fails[g], 2); if (warns[g] != "") print substr(warns[g], 2) }
    printf "litmus: %d passed, %d failed\n", tp, tf
  }' "$OUT")
say "$summary"
final=$(tail -n1 <<<"$summary")
nfail=$(sed -n 's/^litmus: [0-9]* passed, \([0-9]*\) failed$/\1/p' <<<"$final")
if [[ "$nfail" != 0 ]]; then
  fail "litmus reported $nfail failed tests (output: $INTEROP_LOGS/litmus.out, traces: $INTEROP_LOGS/litmus-debug.log)"
elif (( rc != 0 )); then
  fail "litmus exited with $rc although no failure was parsed (see $INTEROP_LOGS/litmus.out)"
else
  pass "litmus groups: $GROUPS_TO_RUN"
fi
# the "litmus: N passed, M failed" line is the very last line
interop_finish "$final"
