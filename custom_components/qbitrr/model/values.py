"""The values of a server's reply, typed: what a record's fields are read from.

A broken or hostile server can send anything where a number or text belongs (NaN, numbers as
text, nulls); each reader here turns one JSON value into its field's type, never raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
import math
import sys
from typing import Final
from urllib.parse import urlsplit


def as_str(value: object) -> str:
    """Return text as sent; a number becomes its digits, anything else empty."""
    if type(value) is str:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


_SHARED_FLOATS: Final[Mapping[float, float]] = {0: 0.0, 1: 1.0, -1: -1.0, -2: -2.0}
# Whole numbers most torrents share beyond the interpreter's cached small ones: the ETA of a
# torrent that will not finish (8640000 s, every seeding or stalled one). One object each.
_SHARED_INTS: Final[Mapping[int, int]] = {8_640_000: 8_640_000}


def as_float(value: object) -> float:
    """Return a finite number: text that reads as one is read; NaN, infinity or junk give 0."""
    if type(value) is float:
        # 0.0 and 1.0 (progress, ratio) as sent by some versions: the shared objects too.
        shared = _SHARED_FLOATS.get(value)
        if shared is not None:
            return shared
        return value if math.isfinite(value) else 0.0
    if type(value) is int:
        # 0 and 1 (a magnet's progress and ratio, a finished torrent) and -2 (a share limit
        # that follows the server's) are most of a library: one shared object each, where
        # float() would make one per torrent.
        shared = _SHARED_FLOATS.get(value)
        return shared if shared is not None else float(value)
    if type(value) is str:
        try:
            number = float(value)
        except ValueError:
            return 0.0
        return number if math.isfinite(number) else 0.0
    return 0.0


def as_int(value: object) -> int:
    """Return a whole number the way `as_float` reads numbers (fractions cut off)."""
    if type(value) is int:
        return value
    return int(as_float(value))


def shared_int(value: object) -> int:
    """Return a whole number as `as_int` does; the ones most torrents share as one object."""
    number = as_int(value)
    return _SHARED_INTS.get(number, number)


def shared_str(value: object) -> str:
    """Return text as `as_str` does, interned: states, categories and tags repeat."""
    return sys.intern(as_str(value))


@lru_cache(maxsize=1024)
def _host_of(url: str) -> str:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return ""
    return sys.intern(host) if host else ""


def tracker_host(value: object) -> str:
    """Return the host of a tracker URL, lower-case; "" for none or junk."""
    return _host_of(value) if type(value) is str and value else ""


def as_flag(value: object) -> int:
    """Return 1 or 0 for a JSON boolean (or 0/1), -1 for anything else (unknown)."""
    if value is True or value == 1:
        return 1
    if value is False or value == 0:
        return 0
    return -1


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1  # what a record packs


def as_int64(value: object) -> int:
    """Return a whole number as `as_int` does, held inside 64 bits (a record packs it so)."""
    number = as_int(value)
    return (
        number if _INT64_MIN <= number <= _INT64_MAX else max(_INT64_MIN, min(number, _INT64_MAX))
    )


@lru_cache(maxsize=4096)
def split_tags(tags: str) -> tuple[str, ...]:
    """Split qBittorrent's comma-separated tags (few distinct lists exist: cached)."""
    return tuple(tag.strip() for tag in tags.split(",") if tag.strip())
