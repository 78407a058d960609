"""Numbers as the table shows them: decimal byte units, seconds to microseconds, ratios."""

from __future__ import annotations

from collections.abc import Callable
import math
from typing import Final

from .common import Stats

MILLISECOND: Final = 1e-3
DECIMAL_RATIO: Final = 0.1  # ratios from here up print as decimals, smaller ones as 1/x


def fmt_bytes(value: float) -> str:
    """1234567 -> '1.23 MB' (decimal units)."""
    if math.isnan(value):
        return "-"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(value) >= size:
            return f"{value / size:.3g} {unit}"
    return f"{value:.0f} B"


def fmt_time(value: float) -> str:
    """Seconds -> '1.23 s' / '12.3 ms' / '456 µs'."""
    if math.isnan(value):
        return "-"
    if abs(value) >= 1:
        return f"{value:.3g} s"
    if abs(value) >= MILLISECOND:
        return f"{value * 1e3:.3g} ms"
    return f"{value * 1e6:.3g} µs"


def fmt_ratio(value: float) -> str:
    """0.5 -> '0.50', 0.004 -> '1/250', 0 -> '0'."""
    if math.isnan(value):
        return "-"
    if value == 0:
        return "0"
    if value >= DECIMAL_RATIO:
        return f"{value:.2f}"
    return f"1/{1 / value:,.0f}"


def fmt_stats(values: Stats, fmt: Callable[[float], str]) -> str:
    """'min / median / max' with one formatter."""
    return f"{fmt(values['min'])} / {fmt(values['median'])} / {fmt(values['max'])}"
