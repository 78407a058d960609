#!/usr/bin/env bash
# The card's checks (scripts/test runs them): type-check src and test, run the unit tests, and
# check that the committed bundle equals a fresh build of frontend/src.
set -euo pipefail
FRONTEND="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$FRONTEND/tools/ensure-deps.sh"
cd "$FRONTEND"
rm -rf .build
npx --no-install tsc -p tsconfig.test.json
node --test --test-reporter=dot .build/test/
node tools/build.mjs --check
