#!/usr/bin/env bash
# The whole test suite (`npm test`, which .ci/run calls): installs what it needs on a fresh
# Debian 12 machine, builds, lints, runs unit + integration tests (Vitest) and the end-to-end
# tests in Chromium (Playwright), then prints one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=.test-output
rm -rf "$OUT" && mkdir -p "$OUT"
: > "$OUT/gates.txt"

gate() { # gate NAME CMD…: a check that is not a test runner counts as one test
  local name=$1; shift
  echo "==> $name"
  if "$@"; then echo "$name passed" >> "$OUT/gates.txt"; else echo "$name failed" >> "$OUT/gates.txt"; return 1; fi
}

gate "debian packages" bash scripts/setup-debian.sh || { node scripts/summarize-tests.mjs; exit 1; }
gate "npm dependencies" node scripts/ensure-deps.mjs || { node scripts/summarize-tests.mjs; exit 1; }
gate "build (typecheck + bundle)" npm run --silent build || { node scripts/summarize-tests.mjs; exit 1; }
gate "lint" npm run --silent lint

echo "==> unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile="$OUT/vitest.json"

echo "==> end-to-end tests (playwright, Debian chromium)"
if command -v xvfb-run >/dev/null; then
  xvfb-run -a npx playwright test -c e2e/playwright.config.ts
else
  npx playwright test -c e2e/playwright.config.ts
fi

node scripts/summarize-tests.mjs
