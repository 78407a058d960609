#!/usr/bin/env bash
# Install the card's npm packages into frontend/node_modules (git-ignored), with npm's cache
# under .cache/npm: `npm ci` runs only when package-lock.json changed since the last install.
set -euo pipefail
FRONTEND="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$FRONTEND/../.cache"
stamp="$FRONTEND/node_modules/.qbitrr-lock.sha256"
want="$(sha256sum "$FRONTEND/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
printf '\033[1;34m==>\033[0m %s\n' "npm ci (frontend/)" >&2
cd "$FRONTEND"
npm ci --no-audit --no-fund --loglevel=error --cache "$CACHE/npm" >/dev/null
echo "$want" >"$stamp"
