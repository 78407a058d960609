"""What every stage of the dev stack shares: names, addresses, labels, errors and logging."""

from __future__ import annotations

from pathlib import Path
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devtools.arr_emulator import App

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = "qbitrr"
HOST = "127.0.0.1"
QBT_LABELS = {4: "qBittorrent 4.5", 5: "qBittorrent 5.x"}
ARR_APPS: tuple[App, ...] = ("radarr", "sonarr")
ARR_LABELS: dict[App, str] = {"radarr": "Radarr", "sonarr": "Sonarr"}
HA_USER = "dev"


class StackError(RuntimeError):
    """A step of the stack failed; the message says which and why."""


def log(message: str) -> None:
    """Progress line in the same style as scripts/_lib.sh."""
    print(f"\033[1;34m==>\033[0m {message}", file=sys.stderr, flush=True)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (it holds secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")
