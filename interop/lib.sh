# shellcheck shell=bash
# Shared helpers for the interop scripts. Source it: . "$(dirname "$0")/lib.sh"
#
# Target server (env, all optional):
#   DAVIT_URL   WebDAV collection URL ending in / (default: start a private Davit and use
#               http://127.0.0.1:PORT/dav/demo/sample/). Only 127.0.0.1 / localhost URLs are accepted.
#   DAVIT_USER, DAVIT_PASS   HTTP Basic credentials (default demo/demo; set DAVIT_USER= for none)
#   DAVIT_DATA  Davit's data dir; when unset (e.g. against another server) commit checks are skipped
#   DAVIT_JAR   the jar to run (default REPO/target/davit.jar)
#   INTEROP_LOGS  directory that keeps client logs (default: a fresh /tmp/davit-interop-logs.XXXXXX)
#   INTEROP_KEEP=1  keep temp dirs (server data, work dirs) for inspection

INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$INTEROP_DIR/.." && pwd)
export INTEROP_DIR REPO_ROOT

DAVIT_USER=${DAVIT_USER-demo}
DAVIT_PASS=${DAVIT_PASS-demo}
export DAVIT_USER DAVIT_PASS
# Everything is on loopback: never go through a proxy.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

_interop_failures=0
_interop_started_server=0
_interop_cleanups=()

say()  { printf '%s\n' "$*"; }
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; _interop_failures=$((_interop_failures + 1)); }
skip() { printf 'SKIP: %s\n' "$*"; }
note() { printf '  .. %s\n' "$*"; }
die()  { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# check DESCRIPTION EXPECTED ACTUAL
check_eq() {
  if [[ "$2" == "$3" ]]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi
}
# check_in DESCRIPTION ACTUAL ALLOWED...
check_in() {
  local d=$1 a=$2; shift 2
  local x; for x in "$@"; do [[ "$a" == "$x" ]] && { pass "$d ($a)"; return 0; }; done
  fail "$d: expected one of [$*], got '$a'"
}

# free_ports N: N distinct ports nothing listens on, from below the kernel's ephemeral range (interop/free_ports.py).
free_ports() { python3 "$INTEROP_DIR/free_ports.py" "$1"; }

# ---------------------------------------------------------------- server

# Start target/davit.jar on --port 0 with a fresh data dir. Exports DAVIT_PORT DAVIT_URL DAVIT_DATA DAVIT_PID
# DAVIT_LOG DAVIT_WORK. Waits at most DAVIT_START_TIMEOUT (60) s for "Davit listening on http://127.0.0.1:PORT/".
davit_start() {
  local jar=${DAVIT_JAR:-$REPO_ROOT/target/davit.jar}
  [[ -f "$jar" ]] || { say "FAIL: $jar is missing (build it: mvn -q -B -DskipTests package)"; return 1; }
  command -v java >/dev/null || { say "FAIL: java is not installed"; return 1; }
  DAVIT_WORK=$(mktemp -d /tmp/davit-server.XXXXXX)
  DAVIT_DATA=$DAVIT_WORK/data
  DAVIT_LOG=$DAVIT_WORK/server.log
  mkdir -p "$DAVIT_DATA"
  # the config file's relative paths (storage-sample/) resolve against the working dir: the repo root
  ( cd "$REPO_ROOT" && exec java ${DAVIT_JAVA_OPTS:-} -jar "$jar" --port 0 --data "$DAVIT_DATA" \
      ${DAVIT_CONFIG:+--config "$DAVIT_CONFIG"} ) </dev/null >"$DAVIT_LOG" 2>&1 &
  DAVIT_PID=$!
  export DAVIT_WORK DAVIT_DATA DAVIT_LOG DAVIT_PID
  local deadline=$((SECONDS + ${DAVIT_START_TIMEOUT:-60})) port=""
  while (( SECONDS < deadline )); do
    port=$(sed -n 's|.*Davit listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$DAVIT_LOG" | head -n1)
    [[ -n "$port" ]] && break
    kill -0 "$DAVIT_PID" 2>/dev/null || break
    sleep 0.2
  done
  if [[ -z "$port" ]]; then
    say "FAIL: Davit did not print its listening line within ${DAVIT_START_TIMEOUT:-60} s; log $DAVIT_LOG:"
    tail -n 40 "$DAVIT_LOG" | sed 's/^/  | /'
    davit_stop
    return 1
  fi
  DAVIT_PORT=$port
  DAVIT_URL=http://127.0.0.1:$port/dav/demo/sample/
  export DAVIT_PORT DAVIT_URL
  local code
  code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)
  if [[ "$code" != 200 ]]; then
    say "FAIL: GET /healthz answered '$code', expected 200"
    davit_stop
    return 1
  fi
  say "Davit started: pid $DAVIT_PID, $DAVIT_URL, data $DAVIT_DATA, log $DAVIT_LOG"
}

# Stop the server started by davit_start (by its PID only). Removes its data unless INTEROP_KEEP=1.
davit_stop() {
  local pid=${DAVIT_PID:-}
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "WARN: Davit pid $pid still alive after 10 s, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    say "Davit stopped (pid $pid)"
  fi
  DAVIT_PID=""
  if [[ -n "${DAVIT_WORK:-}" && -d "$DAVIT_WORK" ]]; then
    if [[ -n "${INTEROP_LOGS:-}" && -f "${DAVIT_LOG:-}" ]]; then
      cp "$DAVIT_LOG" "$INTEROP_LOGS/server-$(basename "$DAVIT_WORK").log" 2>/dev/null || true
    fi
    if [[ "${INTEROP_KEEP:-0}" == 1 ]]; then say "kept $DAVIT_WORK"; else rm -rf "$DAVIT_WORK"; fi
  fi
}

# ---------------------------------------------------------------- packages

# need_pkg PKG...: make sure these Debian packages are installed (as root: apt-get update once, then install).
need_pkg() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  (( ${#missing[@]} == 0 )) && return 0
  if [[ $(id -u) != 0 ]]; then
    say "FAIL: missing Debian packages: ${missing[*]} (not root, cannot install; run: apt-get install -y ${missing[*]})"
    return 1
  fi
  command -v apt-get >/dev/null || { say "FAIL: missing packages ${missing[*]} and no apt-get"; return 1; }
  if [[ "${INTEROP_APT_UPDATED:-0}" != 1 ]]; then
    say "apt-get update"
    timeout 300 apt-get update -qq </dev/null || { say "FAIL: apt-get update failed"; return 1; }
    export INTEROP_APT_UPDATED=1
  fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    </dev/null >/dev/null || { say "FAIL: apt-get install ${missing[*]} failed"; return 1; }
}

# ---------------------------------------------------------------- git

# The bare repository on disk lags the commit log by up to a second (README: Durability); any git smart-HTTP
# request brings it up to date first, so one is made before git looks at the disk directly.
_davit_settle() {
  [[ -n "${DAVIT_PORT:-}" ]] || return 0
  curl -s -o /dev/null ${DAVIT_USER:+-u "$DAVIT_USER:$DAVIT_PASS"} \
    "http://127.0.0.1:$DAVIT_PORT/git/demo/sample.git/info/refs?service=git-upload-pack" || true
}
_davit_git() {
  _davit_settle
  if [[ "${1:-}" != fsck ]]; then git -c safe.directory='*' --git-dir="$DAVIT_DATA/demo/sample.git" "$@"; return; fi
  # git fsck lists the packs, then opens them one by one: a pack the server's background packing replaced in
  # between is gone by then ("index not opened", "cannot be accessed"), as with git's own gc running beside
  # fsck. Such a run says nothing about the repository: fsck again (at most 3 runs); any other error stands.
  local out rc try
  for try in 1 2 3; do
    rc=0
    out=$(git -c safe.directory='*' --git-dir="$DAVIT_DATA/demo/sample.git" "$@" 2>&1) || rc=$?
    if (( rc == 0 )) || ! grep -qE '^error: packfile .*(index not opened|cannot be accessed)' <<<"$out" \
       || grep -vE '^error: packfile .*(index not opened|cannot be accessed)' <<<"$out" | grep -q '^error'; then
      break
    fi
    sleep 1
  done
  printf '%s\n' "$out"
  return "$rc"
}

# Number of commits on main of the demo/sample repository.
commit_count() { _davit_git rev-list --count main; }

# True when commit checks can be done (DAVIT_DATA known and the bare repository is there).
have_repo() { [[ -n "${DAVIT_DATA:-}" && -d "$DAVIT_DATA/demo/sample.git" ]]; }

# ---------------------------------------------------------------- HTTP

# dav_curl ARGS...: curl with the credentials, bounded in time, never through a proxy.
dav_curl() {
  local auth=()
  [[ -n "$DAVIT_USER" ]] && auth=(-u "$DAVIT_USER:$DAVIT_PASS")
  curl -sS --noproxy '*' --max-time "${CURL_MAX_TIME:-120}" "${auth[@]}" "$@"
}
# http_status METHOD URL [curl args...] -> prints the status code
http_status() {
  local m=$1 u=$2; shift 2
  dav_curl -o /dev/null -w '%{http_code}' -X "$m" "$@" "$u" || true
}

# lock_owners URL: the owners of the active locks on URL (PROPFIND Depth 0 lockdiscovery), one per line;
# nothing when it is not locked.
lock_owners() {
  dav_curl -X PROPFIND -H 'Depth: 0' -H 'Content-Type: application/xml' --data \
    '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>' "$1" 2>/dev/null |
    tr -d '\r\n' | grep -o '<D:activelock>.*</D:activelock>' | grep -o '<D:owner>[^<]*</D:owner>' |
    sed 's/<[^>]*>//g' || true
}

# unlock_all URL: UNLOCK every lock whose token lockdiscovery shows on URL (pre-clean after an aborted run;
# the server shows the tokens of the same user's locks). Prints "UNLOCK <code>" per lock.
unlock_all() {
  local t
  for t in $(dav_curl -X PROPFIND -H 'Depth: 0' -H 'Content-Type: application/xml' --data \
      '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>' "$1" 2>/dev/null |
      grep -o 'opaquelocktoken:[^<]*' | sort -u || true); do
    echo "UNLOCK $(http_status UNLOCK "$1" -H "Lock-Token: <$t>")"
  done
}

# Davit's own log (only when this machine started the server, DAVIT_LOG set). It records refused writes as
# "conflict case=CASE ..." lines. log_mark prints the current line count; log_conflicts_since N prints the
# conflict lines after line N.
log_mark() { if [[ -r "${DAVIT_LOG:-}" ]]; then wc -l <"$DAVIT_LOG"; else echo 0; fi; }
log_conflicts_since() {
  [[ -r "${DAVIT_LOG:-}" ]] || return 0
  tail -n +"$(( $1 + 1 ))" "$DAVIT_LOG" | grep -E 'conflict case=|ERROR' | grep -v '^[[:space:]]*at ' || true
}

# ---------------------------------------------------------------- script frame

# interop_init NAME: temp work dir ($WORK), logs dir, cleanup trap, and a private Davit when DAVIT_URL is unset.
interop_init() {
  INTEROP_NAME=$1
  WORK=$(mktemp -d "/tmp/davit-$INTEROP_NAME.XXXXXX")
  if [[ -z "${INTEROP_LOGS:-}" ]]; then INTEROP_LOGS=$(mktemp -d /tmp/davit-interop-logs.XXXXXX); fi
  mkdir -p "$INTEROP_LOGS"; export INTEROP_LOGS
  trap '_interop_exit' EXIT
  trap 'exit 130' INT TERM
  say "== $INTEROP_NAME =="
  need_pkg curl git || exit 1
  if [[ -z "${DAVIT_URL:-}" ]]; then
    davit_start || exit 1
    _interop_started_server=1
  fi
  case "$DAVIT_URL" in
    http://127.0.0.1:*/|http://localhost:*/) ;;
    *) die "DAVIT_URL must be http://127.0.0.1:PORT/.../ (loopback, ending in /), got '$DAVIT_URL'";;
  esac
  say "target $DAVIT_URL user '${DAVIT_USER}'; commit checks: $(have_repo && echo "on ($DAVIT_DATA)" || echo off)"
}

# on_exit CMD: run CMD (a string) at exit, before the server is stopped (last registered runs first).
on_exit() { _interop_cleanups=("$1" "${_interop_cleanups[@]}"); }

_interop_cleanup() {
  local rc=$1 c
  for c in "${_interop_cleanups[@]}"; do eval "$c"; done
  _interop_cleanups=()
  if (( _interop_started_server )); then
    if (( rc != 0 )) && [[ -f "${DAVIT_LOG:-}" ]]; then
      say "--- last lines of the server log ---"; tail -n 30 "$DAVIT_LOG" | sed 's/^/  | /'
    fi
    davit_stop
    _interop_started_server=0
  fi
  if [[ -n "${WORK:-}" && -d "$WORK" && "${INTEROP_KEEP:-0}" != 1 ]]; then cd /; rm -rf "$WORK"; fi
}

_interop_exit() {
  local rc=$?
  set +e
  _interop_cleanup "$rc"
  exit "$rc"
}

# interop_finish [LAST_LINE]: clean up, print the verdict (and LAST_LINE, if given, as the very last line),
# exit 0 when no check failed, else 1.
interop_finish() {
  local rc=0
  (( _interop_failures == 0 )) || rc=1
  set +e
  trap - EXIT
  _interop_cleanup "$rc"
  if (( rc == 0 )); then
    say "$INTEROP_NAME: PASS"
  else
    say "$INTEROP_NAME: FAIL ($_interop_failures failed checks; logs in $INTEROP_LOGS)"
  fi
  [[ -n "${1:-}" ]] && say "$1"
  exit "$rc"
}
