#!/usr/bin/env bash
# The REST API with a real GitHub client: @octokit/rest (from npm, pinned by interop/octokit/package-lock.json)
# with baseUrl http://127.0.0.1:PORT/api. interop/octokit/smoke.mjs creates, reads, updates, updates with a
# stale sha (expects 409 and reads `current`), merges, pages commits (Link rel="last"), deletes; it exits non-zero on
# any deviation. On a private server it authenticates with a personal access token made by `davit token`.
# Needs node (>= 18) and npm; `npm ci` runs here, bounded by OCTOKIT_NPM_TIMEOUT (300) s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# With a private server (DAVIT_URL unset), demo gets two personal access tokens made by `davit token`, a
# read-write one the whole script runs with (Octokit's `auth`) and a read-only one that must not write.
tokens_dir=""
if [[ -z "${DAVIT_URL:-}" && -z "${DAVIT_CONFIG:-}" && -f "$REPO_ROOT/target/davit.jar" ]]; then
  tokens_dir=$(mktemp -d /tmp/davit-octokit-tokens.XXXXXX)
  cp "$REPO_ROOT/config/davit.properties" "$tokens_dir/davit.properties"
  java -jar "$REPO_ROOT/target/davit.jar" token demo >>"$tokens_dir/davit.properties" 2>"$tokens_dir/rw"
  java -jar "$REPO_ROOT/target/davit.jar" token demo --read-only >>"$tokens_dir/davit.properties" 2>"$tokens_dir/ro"
  DAVIT_TOKEN=$(grep -o 'davit_[0-9a-f]*_[0-9a-f]*' "$tokens_dir/rw")
  DAVIT_RO_TOKEN=$(grep -o 'davit_[0-9a-f]*_[0-9a-f]*' "$tokens_dir/ro")
  export DAVIT_TOKEN DAVIT_RO_TOKEN
  DAVIT_CONFIG=$tokens_dir/davit.properties
  export DAVIT_CONFIG
fi
interop_init octokit
[[ -n "$tokens_dir" ]] && on_exit "rm -rf '$tokens_dir'"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  need_pkg nodejs npm || exit 1
fi
say "node $(node --version), npm $(npm --version)"

dir=$INTEROP_DIR/octokit
if ( cd "$dir" && timeout "${OCTOKIT_NPM_TIMEOUT:-300}" npm ci --no-audit --no-fund --loglevel=error ) \
     >"$INTEROP_LOGS/octokit-npm.log" 2>&1; then
  pass "npm ci (@octokit/rest $(cd "$dir" && node -p 'require("./node_modules/@octokit/rest/package.json").version'))"
else
  fail "npm ci failed (log: $INTEROP_LOGS/octokit-npm.log)"; tail -n 20 "$INTEROP_LOGS/octokit-npm.log" | sed 's/^/  | /'
  interop_finish
fi

# http://127.0.0.1:PORT/dav/OWNER/REPO/ -> http://127.0.0.1:PORT/api and OWNER/REPO
origin=$(sed -E 's|^(http://[^/]+)/.*|\1|' <<<"$DAVIT_URL")
repo=$(sed -E 's|^http://[^/]+/dav/([^/]+/[^/]+)/.*|\1|' <<<"$DAVIT_URL")
before=""
if have_repo; then before=$(commit_count); fi

rc=0
( cd "$dir" && DAVIT_API="$origin/api" DAVIT_REPO="$repo" timeout "${OCTOKIT_TIMEOUT:-120}" node smoke.mjs ) \
  2>&1 | tee "$INTEROP_LOGS/octokit-smoke.log" | sed 's/^/  /' || rc=$?
if grep -q '^octokit smoke: PASS$' "$INTEROP_LOGS/octokit-smoke.log"; then pass "octokit smoke script"
else fail "octokit smoke script (exit $rc; log $INTEROP_LOGS/octokit-smoke.log)"; fi

if have_repo; then
  # create, update, merge, delete, idempotent create (once), its delete: 6 commits
  check_eq "commits made by the octokit script" 6 "$(( $(commit_count) - before ))"
fi
interop_finish
