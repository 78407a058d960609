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


def as_str(value: object) -> str:
    """Return text as sent; a number becomes its digits, anything else empty."""
    if type(value) is str:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def as_float(value: object) -> float:
    """Return a finite number: text that reads as one is read; NaN, infinity or junk give 0."""
    if type(value) is float:
        return value if math.isfinite(value) else 0.0
    if type(value) is int:
        # 0 and 1 (a magnet's progress and ratio, a finished torrent) are most of a library:
        # the literals are one shared object each, where float() would make one per torrent.
        if value == 0:
            return 0.0
        return 1.0 if value == 1 else float(value)
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


def _shared_str(value: object) -> str:
    # States, categories and tags repeat across torrents: one string object each.
    return sys.intern(as_str(value))


_COERCE: Final[Mapping[str, Callable[[object], object]]] = {
    "name": as_str,
    "state": _shared_str,
    "category": _shared_str,
    "tags": _shared_str,
    "progress": as_float,
    "size": as_int,
    "dlspeed": as_int,
    "upspeed": as_int,
    "eta": as_int,
    "ratio": as_float,
    "added_on": as_int,
    "last_activity": as_int,
}
TORRENT_FIELDS: Final = frozenset(Torrent._fields)
# Field name -> (its position in the tuple, how its value is typed).
_FIELDS: Final = {name: (index, _COERCE[name]) for index, name in enumerate(Torrent._fields)}
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
