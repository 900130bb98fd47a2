# Shared by interop/cluster.sh and interop/cluster-partition.sh (sourced after lib.sh): the steps both end with,
# on nodes 1-3 whose data directories are $WORK/data-I and whose pids are in PID[I].

# g I ARGS...: git on node I's own repository on disk.
g() { local i=$1; shift; git -c safe.directory='*' --git-dir="$WORK/data-$i/demo/sample.git" "$@"; }

# fsck_all: `git fsck --full` clean on every node's disk (PASS/FAIL per node).
fsck_all() {
  local i out rc try
  for i in 1 2 3; do
    out="" rc=1
    for try in 1 2 3; do
      # A pack the background repack replaced between fsck's listing and its opening is no finding: fsck again.
      out=$(g "$i" fsck --full 2>&1); rc=$?
      (( rc == 0 )) && break
      grep -q -e 'index not opened' -e 'cannot be accessed' <<<"$out" || break
    done
    if (( rc == 0 )) && [[ -z "$(grep -v -e '^Checking' -e '^dangling' <<<"$out")" ]]; then pass "n$i: git fsck clean"; else fail "n$i: git fsck: $out"; fi
  done
}

# finish NAME: stops the nodes (SIGTERM), says how long NAME took since $t0, exits 1 on any failed check.
finish() {
  local i
  for i in 1 2 3; do kill -TERM "${PID[$i]}" 2>/dev/null; done
  for i in 1 2 3; do wait "${PID[$i]}" 2>/dev/null; done
  PID=()
  say "$1.sh took $((SECONDS - t0)) s"
  if (( _interop_failures > 0 )); then
    # CI shows only this output: each node's errors and cluster warnings, so that a failure names its cause.
    for i in 1 2 3; do
      say "-- n$i: errors and cluster warnings in its log (last 40) --"
      grep -a -e ':ERROR' -e 'ERROR ' -e 'cluster:' -e 'Exception' "$WORK/node-$i.log" 2>/dev/null | cut -c1-400 | tail -n 40
    done
    say "$1: $_interop_failures check(s) failed"; exit 1
  fi
  say "$1: all checks passed"
  exit 0
}
