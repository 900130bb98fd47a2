#!/usr/bin/env bash
# Bounded fuzzing with Jazzer (com.code-intelligence:jazzer-junit): each @FuzzTest target below is fuzzed for
# FUZZ_SECONDS (default 30) s in its own JVM (Jazzer fuzzes one target per run), with JAZZER_FUZZ=1 and
# -Djazzer.max_duration. A plain `mvn test` only replays the committed seed corpus
# (src/test/resources/dev/davit/dav/<Class>Inputs/<method>/). A finding (an invariant broken, an exception other
# than the documented 400/InvalidPathException) fails the target; the reproducer is kept in the logs dir; copy it
# into the Inputs folder of the target so that `mvn test` replays it from then on.
# Needs no server. Env: FUZZ_SECONDS, FUZZ_TARGETS ("Class#method ..."), INTEROP_LOGS, INTEROP_KEEP=1.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

INTEROP_NAME=fuzz
say "== fuzz =="
if [[ -z "${INTEROP_LOGS:-}" ]]; then INTEROP_LOGS=$(mktemp -d /tmp/davit-interop-logs.XXXXXX); fi
mkdir -p "$INTEROP_LOGS"; export INTEROP_LOGS
WORK=$(mktemp -d /tmp/davit-fuzz.XXXXXX)
trap '[[ "${INTEROP_KEEP:-0}" == 1 ]] || rm -rf "$WORK"' EXIT
command -v mvn >/dev/null || die "mvn is not installed"

SECS=${FUZZ_SECONDS:-30}
TARGETS=${FUZZ_TARGETS:-"IfHeaderFuzzTest#parse PathFuzzTest#repoPath PathFuzzTest#urlDecode PathFuzzTest#davTarget
  XmlBodyFuzzTest#propfind XmlBodyFuzzTest#proppatch XmlBodyFuzzTest#lock XmlBodyFuzzTest#deadProperties"}

cd "$REPO_ROOT" || die "no $REPO_ROOT"
# Compile once; each target then runs with surefire only.
if ! timeout -k 10 600 mvn -q -B -ntp test-compile </dev/null >"$INTEROP_LOGS/fuzz-compile.log" 2>&1; then
  fail "mvn test-compile (see $INTEROP_LOGS/fuzz-compile.log)"; tail -n 20 "$INTEROP_LOGS/fuzz-compile.log" | sed 's/^/  | /'
  say "fuzz: FAIL"; exit 1
fi

total_execs=0
for t in $TARGETS; do
  name=${t/\#/.}
  dir=$WORK/$name; mkdir -p "$dir"
  log=$INTEROP_LOGS/fuzz-$name.log
  t0=$SECONDS rc=0
  # jazzer.internal.basedir: the generated corpus (.cifuzz-corpus) and any crash file go to a temp dir, not into
  # the work tree. The outer timeout only guards against a hang: Jazzer stops itself after SECS.
  JAZZER_FUZZ=1 timeout -k 10 $((SECS + 240)) mvn -B -ntp -o surefire:test -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false \
      -Djazzer.max_duration="${SECS}s" -Djazzer.internal.basedir="$dir" </dev/null >"$log" 2>&1 || rc=$?
  execs=$(grep -aoE '^#[0-9]+' "$log" | tail -n1 | tr -d '#'); execs=${execs:-0}
  cov=$(grep -aoE 'cov: [0-9]+' "$log" | tail -n1 | sed 's/cov: //')
  total_execs=$((total_execs + execs))
  if (( rc == 0 )) && grep -qE 'Tests run: [1-9][0-9]*, Failures: 0, Errors: 0' "$log"; then
    pass "$t: $execs executions in $((SECONDS - t0)) s, coverage ${cov:-?} edges, no finding"
  else
    crashes=$(find "$dir" -maxdepth 2 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'slow-unit-*' \) 2>/dev/null)
    for c in $crashes; do cp "$c" "$INTEROP_LOGS/fuzz-$name-$(basename "$c")"; done
    (( rc == 124 )) && why="timed out" || why="exit $rc"
    fail "$t: $why after $execs executions; $(grep -aE 'FuzzTestFinding|AssertionError|Exception:' "$log" | head -n1 | cut -c1-300)"
    [[ -n "$crashes" ]] && note "reproducers: $(for c in $crashes; do printf '%s ' "$INTEROP_LOGS/fuzz-$name-$(basename "$c")"; done)"
    note "log: $log"
  fi
done
say "fuzz: $total_execs executions over $(wc -w <<<"$TARGETS") targets, ${SECS} s each"
if (( _interop_failures == 0 )); then say "fuzz: PASS"; exit 0; fi
say "fuzz: FAIL ($_interop_failures targets with findings; logs in $INTEROP_LOGS)"
exit 1
