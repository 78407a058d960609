# Shared helpers for the scripts in this folder (sourced, not run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
PY314_ROOT="$CACHE/python3.14"
QBT5_ROOT="$CACHE/qbittorrent5"
VENV="$ROOT/.venv"
export UV_CACHE_DIR="${UV_CACHE_DIR:-$CACHE/uv}"
export UV_PYTHON_DOWNLOADS=never

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

# Paths the tests and the dev instance use to find both qBittorrent builds.
export QBITRR_QBT4_BIN="${QBITRR_QBT4_BIN:-/usr/bin/qbittorrent-nox}"
export QBITRR_QBT5_ROOT="${QBITRR_QBT5_ROOT:-$QBT5_ROOT}"

ensure_setup() {
  if [ ! -f "$CACHE/setup.done" ] || [ "$ROOT/pyproject.toml" -nt "$CACHE/setup.done" ] \
     || [ "$ROOT/uv.lock" -nt "$CACHE/setup.done" ] || [ "$ROOT/scripts/setup" -nt "$CACHE/setup.done" ]; then
    "$ROOT/scripts/setup"
  fi
}
