"""What the benchmark's stages share: sizes and names, errors, progress lines, statistics."""

from __future__ import annotations

from collections.abc import Sequence
import os
from pathlib import Path
import statistics
import sys
import time
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[2]
CLK_TCK: Final = os.sysconf("SC_CLK_TCK")
BASELINE_INTERVAL: Final = 30.0  # seconds: the core qbittorrent integration's poll interval
CATEGORIES: Final = ("radarr", "sonarr", "lidarr")
CHANGE_COUNTS: Final = (10, 100)
CHANGE_WAIT: Final = 1.6  # seconds: qBittorrent refreshes torrent state every ~1.5 s
KB: Final = 1000

type Stats = dict[str, float]
type Json = dict[str, Any]


class BenchError(RuntimeError):
    """A step of the benchmark failed; the message says which."""


_STARTED: Final = time.monotonic()


def log(message: str) -> None:
    """Progress line on stderr, in the style of scripts/_lib.sh, with the time since start."""
    minutes, seconds = divmod(int(time.monotonic() - _STARTED), 60)
    print(
        f"\033[1;34m==>\033[0m [{minutes:2d}:{seconds:02d}] {message}",
        file=sys.stderr,
        flush=True,
    )


def stats(values: Sequence[float]) -> Stats:
    """Min / median / max (and n) of some repetitions."""
    if not values:
        return {"n": 0, "min": float("nan"), "median": float("nan"), "max": float("nan")}
    return {
        "n": len(values),
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }


def ratios(ours: Sequence[float], baseline: Sequence[float]) -> list[float]:
    """Per-repetition ours / baseline (pairs of the same repetition)."""
    return [o / b if b > 0 else float("nan") for o, b in zip(ours, baseline, strict=True)]


def server_cpu(pid: int) -> float:
    """CPU seconds (utime + stime) a process has used, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rpartition(")")[2].split()
    # After the command name: field 3 (state) is index 0, so utime (14) and stime (15) are 11, 12.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK
