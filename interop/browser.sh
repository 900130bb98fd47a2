#!/usr/bin/env bash
# Davit's web page (/ui/{owner}/{repo}/) in a real browser: Debian's chromium, headless, driven by playwright-core
# from npm (pinned by interop/browser/package-lock.json; Playwright's own browser download is not used).
# interop/browser/ui.mjs loads the page, opens a folder, a file's history (author, date), a diff with the
# previous version and one from the compare form, and downloads the oldest version.
# Needs node (>= 18), npm and chromium (installed when missing); `npm ci` is bounded by BROWSER_NPM_TIMEOUT (300) s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
interop_init browser

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  need_pkg nodejs npm || exit 1
fi
[[ -x /usr/bin/chromium ]] || need_pkg chromium || exit 1
say "node $(node --version), $(/usr/bin/chromium --version 2>/dev/null | head -n1)"

dir=$INTEROP_DIR/browser
if ( cd "$dir" && timeout "${BROWSER_NPM_TIMEOUT:-300}" npm ci --no-audit --no-fund --loglevel=error ) \
     >"$INTEROP_LOGS/browser-npm.log" 2>&1; then
  pass "npm ci (playwright-core $(cd "$dir" && node -p 'require("./node_modules/playwright-core/package.json").version'))"
else
  fail "npm ci failed (log: $INTEROP_LOGS/browser-npm.log)"; tail -n 20 "$INTEROP_LOGS/browser-npm.log" | sed 's/^/  | /'
  interop_finish
fi

origin=$(sed -E 's|^(http://[^/]+)/.*|\1|' <<<"$DAVIT_URL")
repo=$(sed -E 's|^http://[^/]+/dav/([^/]+/[^/]+)/.*|\1|' <<<"$DAVIT_URL")
# A file with two versions to look at.
stamp=$(date +%s%N)
check_in "MKCOL ui-browser/" "$(http_status MKCOL "${DAVIT_URL}ui-browser/")" 201 405
printf 'first\nline two\n' >"$WORK/v1.txt"
printf 'first\nline 2 <changed>\n%s\n' "$stamp" >"$WORK/v2.txt"
check_in "PUT ui-browser/page.txt (v1)" "$(http_status PUT "${DAVIT_URL}ui-browser/page.txt" --data-binary @"$WORK/v1.txt")" 201 204
check_in "PUT ui-browser/page.txt (v2)" "$(http_status PUT "${DAVIT_URL}ui-browser/page.txt" --data-binary @"$WORK/v2.txt")" 204

rc=0
( cd "$dir" && DAVIT_ORIGIN="$origin" DAVIT_REPO="$repo" DAVIT_FILE=ui-browser/page.txt \
    timeout "${BROWSER_TIMEOUT:-120}" node ui.mjs ) 2>&1 | tee "$INTEROP_LOGS/browser-ui.log" | sed 's/^/  /' || rc=$?
if grep -q '^browser ui: PASS$' "$INTEROP_LOGS/browser-ui.log"; then pass "chromium: load, history, diff, download"
else fail "browser script (exit $rc; log $INTEROP_LOGS/browser-ui.log)"; fi

check_in "cleanup DELETE ui-browser/" "$(http_status DELETE "${DAVIT_URL}ui-browser/")" 204 200
interop_finish
