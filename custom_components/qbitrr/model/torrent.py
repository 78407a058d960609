"""A torrent as qbitrr holds it: typed once, where a server's reply enters the model.

qBittorrent sends 48 to 69 fields per torrent, as JSON that a broken or hostile server can fill
with anything (NaN, numbers as text, nulls, unknown states). Each field qbitrr reads is turned
into its type here, once, when a reply is merged; every reader after that trusts the types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
import math
import sys
from typing import Final, NamedTuple
from urllib.parse import urlsplit

type TorrentKey = tuple[str, str]  # (instance config entry id, lower-case info-hash)


class Torrent(NamedTuple):
    """One torrent, holding only what entities, services and the policy read.

    A named tuple rather than qBittorrent's dict: a few hundred bytes per torrent at 10,000
    torrents, and immutable (a poll replaces it, readers never see half an update).
    """

    name: str = ""
    state: str = ""  # raw qBittorrent state, 4.x or 5.x spelling; unknown ones kept as sent
    category: str = ""  # "" for none
    tags: str = ""  # qBittorrent's comma-separated list, as sent; see `tag_list`
    progress: float = 0.0  # 0..1
    size: int = 0  # bytes
    dlspeed: int = 0  # bytes/s
    upspeed: int = 0  # bytes/s
    eta: int = 0  # seconds; 8640000 means never
    ratio: float = 0.0
    added_on: int = 0  # Unix seconds
    last_activity: int = 0  # Unix seconds; 0 or negative when never active
    amount_left: int = 0  # bytes still to download (selected files only)
    completion_on: int = 0  # Unix seconds it completed; 0 or negative while incomplete
    # Host of the tracker in use (never the URL: it carries the user's passkey); "" for none.
    tracker_host: str = ""
    # The private flag: sent in the list by 5.x; 4.x tells it per torrent only, asked once
    # each (api/private_flags.py). 1 private, 0 public, -1 not known (yet).
    private: int = -1
    # Per-torrent share limits as set on the server: -2 follows the server's global limit,
    # -1 is none. Ratio as a number, times in minutes (qBittorrent's units).
    ratio_limit: float = -2.0
    seeding_time_limit: int = -2
    inactive_seeding_time_limit: int = -2
    # 5.x: what the server does when a limit is reached ("Default" follows its global
    # setting, "Stop", "Remove", ...); "" on 4.x, where only the global setting exists.
    share_limit_action: str = ""
    # Position in qBittorrent's download queue (its `priority` key): 1 is the top; 0 or -1
    # when the torrent is not queued (complete, seeding) or queueing is off.
    queue_position: int = 0


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


def _shared_int(value: object) -> int:
    number = as_int(value)
    return _SHARED_INTS.get(number, number)


def _shared_str(value: object) -> str:
    # States, categories and tags repeat across torrents: one string object each.
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


_COERCE: Final[Mapping[str, Callable[[object], object]]] = {
    "name": as_str,
    "state": _shared_str,
    "category": _shared_str,
    "tags": _shared_str,
    "progress": as_float,
    "size": as_int,
    "dlspeed": as_int,
    "upspeed": as_int,
    "eta": _shared_int,
    "ratio": as_float,
    "added_on": as_int,
    "last_activity": as_int,
    "amount_left": as_int,
    "completion_on": as_int,
    "tracker": tracker_host,
    "private": as_flag,
    "ratio_limit": as_float,
    "seeding_time_limit": as_int,
    "inactive_seeding_time_limit": as_int,
    "share_limit_action": _shared_str,
    "priority": as_int,
}
# qBittorrent's key -> the field holding it, where the names differ.
_RENAMED: Final = {"tracker": "tracker_host", "priority": "queue_position"}
# qBittorrent's keys that qbitrr holds.
TORRENT_FIELDS: Final = frozenset(_COERCE)
# qBittorrent's key -> (the position of its field in the tuple, how its value is typed).
_FIELDS: Final = {
    key: (Torrent._fields.index(_RENAMED.get(key, key)), coerce) for key, coerce in _COERCE.items()
}
_EMPTY: Final = Torrent()


def updated_torrent(known: Torrent | None, partial: Mapping[str, object]) -> Torrent | None:
    """Apply one reply's (partial) torrent: the new record, or None when nothing held changed.

    A torrent first seen starts from the defaults; keys that are missing leave a field as it
    was, and fields qbitrr does not hold (qBittorrent's clocks, mostly) are ignored.
    """
    values: list[object] = list(known or _EMPTY)
    changed = False
    for key, value in partial.items():
        field = _FIELDS.get(key)
        if field is not None:
            index, coerce = field
            values[index] = coerce(value)
            changed = True
    if known is not None and not changed:
        return None
    return Torrent._make(values)


@lru_cache(maxsize=4096)
def split_tags(tags: str) -> tuple[str, ...]:
    """Split qBittorrent's comma-separated tags (few distinct lists exist: cached)."""
    return tuple(tag.strip() for tag in tags.split(",") if tag.strip())
