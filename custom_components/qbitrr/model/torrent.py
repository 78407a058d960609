"""A torrent as qbitrr holds it: typed once, where a server's reply enters the model.

qBittorrent sends 48 to 69 fields per torrent, as JSON that a broken or hostile server can fill
with anything (NaN, numbers as text, nulls, unknown states). Each field qbitrr reads is turned
into its type here (by the readers in `values`), once, when a reply is merged; every reader
after that trusts the types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
import struct
from typing import TYPE_CHECKING, Any, ClassVar, Final, NamedTuple, TypedDict, Unpack

from .values import (
    as_flag,
    as_float,
    as_int,
    as_int64,
    as_str,
    shared_int,
    shared_str,
    split_tags,
    tracker_host,
)

# The value readers, where the record's users have always imported them from.
__all__ = [
    "TORRENT_FIELDS",
    "Changes",
    "Torrent",
    "TorrentKey",
    "as_flag",
    "as_float",
    "as_int",
    "as_int64",
    "as_str",
    "split_tags",
    "tracker_host",
    "updated_torrent",
]

type TorrentKey = tuple[str, str]  # (instance config entry id, lower-case info-hash)


class _Shared(NamedTuple):
    """Fields whose values most torrents share (a seed's or a magnet's): one tuple each."""

    dlspeed: int
    eta: int
    amount_left: int
    tracker_host: str
    ratio_limit: float
    seeding_time_limit: int
    inactive_seeding_time_limit: int
    share_limit_action: str


# One tuple per combination: a library holds a few dozen (an active download has its own).
# Typed, so 1 and 1.0 stay apart; past the bound a combination is merely held twice.
_shared: Final = lru_cache(maxsize=2048, typed=True)(_Shared)
# The numbers each torrent has its own of, packed into one `bytes`: no number objects per
# torrent. Sizes 64-bit, the ratio a double; times, the upload speed and the queue position
# 32-bit while they fit (times until 2038), else the record is a `_WideTorrent` holding them
# in 64. Every value reads back exactly; beyond 64 bits raises (`as_int64` keeps replies in).
_PACKED_FIELDS: Final = (
    "size",
    "ratio",
    "upspeed",
    "added_on",
    "last_activity",
    "completion_on",
    "queue_position",
)
_NARROW: Final = struct.Struct("<qdiiiii")
_WIDE: Final = struct.Struct("<qdqqqqq")


def _shared_field(index: int) -> property:
    def get(self: Torrent) -> Any:
        return self._shared[index]

    return property(get)


def _packed_field(index: int, layout: struct.Struct) -> property:
    skipped = struct.calcsize(layout.format[: index + 1])  # the bytes of the fields before
    unpack = struct.Struct(f"<{skipped}x{layout.format[index + 1]}").unpack_from

    def get(self: Torrent) -> Any:
        return unpack(self._packed)[0]

    return property(get)


# The fields the policy reads most: attributes of the record itself, read fastest.
_DIRECT: Final = ("name", "state", "category", "tags", "progress", "private")


class Changes(TypedDict, total=False):
    """Fields to change in `Torrent._replace`."""

    name: str
    state: str
    category: str
    tags: str
    progress: float
    size: int
    dlspeed: int
    upspeed: int
    eta: int
    ratio: float
    added_on: int
    last_activity: int
    amount_left: int
    completion_on: int
    tracker_host: str
    private: int
    ratio_limit: float
    seeding_time_limit: int
    inactive_seeding_time_limit: int
    share_limit_action: str
    queue_position: int


class _Slots:
    """What a record holds: the fields read most, the shared tuple, the packed numbers."""

    __slots__ = (*_DIRECT, "_shared", "_packed")
    name: str
    state: str  # raw qBittorrent state, 4.x or 5.x spelling; unknown ones kept as sent
    category: str  # "" for none
    tags: str  # qBittorrent's comma-separated list, as sent; see `split_tags`
    progress: float  # 0..1
    # The private flag: sent in the list by 5.x; 4.x tells it per torrent only, asked once
    # each (api/private_flags.py). 1 private, 0 public, -1 not known (yet).
    private: int
    _shared: _Shared
    _packed: bytes


class Torrent(_Slots):
    """One torrent, holding only what entities, services and the policy read; immutable.

    Read like the named tuple it was (the same fields, `_replace`, `_asdict`, equality), laid
    out for 10,000s of torrents: what the policy reads most as attributes, the numbers most
    torrents share in one tuple per combination, the numbers each has its own of packed.
    """

    __slots__ = ()
    _fields: ClassVar = tuple(Changes.__annotations__)
    _layout: ClassVar = _NARROW

    if TYPE_CHECKING:
        size: int  # bytes
        # Host of the tracker in use (never the URL: it carries the user's passkey); "" if none.
        tracker_host: str
        dlspeed: int  # bytes/s
        upspeed: int  # bytes/s
        eta: int  # seconds; 8640000 means never
        ratio: float
        added_on: int  # Unix seconds
        last_activity: int  # Unix seconds; 0 or negative when never active
        amount_left: int  # bytes still to download (selected files only)
        completion_on: int  # Unix seconds it completed; 0 or negative while incomplete
        # Per-torrent share limits as set on the server: -2 follows the server's global
        # limit, -1 is none. Ratio as a number, times in minutes (qBittorrent's units).
        ratio_limit: float
        seeding_time_limit: int
        inactive_seeding_time_limit: int
        # 5.x: what the server does when a limit is reached ("Default" follows its global
        # setting, "Stop", "Remove", ...); "" on 4.x, where only the global setting exists.
        share_limit_action: str
        # Position in qBittorrent's download queue (its `priority` key): 1 is the top; 0 or
        # -1 when the torrent is not queued (complete, seeding) or queueing is off.
        queue_position: int

    def __new__(  # noqa: PLR0917, PYI034 - positional too, as the named tuple took them
        cls,
        name: str = "",
        state: str = "",
        category: str = "",
        tags: str = "",
        progress: float = 0.0,
        size: int = 0,
        dlspeed: int = 0,
        upspeed: int = 0,
        eta: int = 0,
        ratio: float = 0.0,
        added_on: int = 0,
        last_activity: int = 0,
        amount_left: int = 0,
        completion_on: int = 0,
        tracker_host: str = "",
        private: int = -1,
        ratio_limit: float = -2.0,
        seeding_time_limit: int = -2,
        inactive_seeding_time_limit: int = -2,
        share_limit_action: str = "",
        queue_position: int = 0,
    ) -> Torrent:
        """Hold the fields given, the defaults for the others."""
        limits = (ratio_limit, seeding_time_limit, inactive_seeding_time_limit, share_limit_action)
        shared = _shared(dlspeed, eta, amount_left, tracker_host, *limits)
        times = (added_on, last_activity, completion_on)
        kind, packed = _pack((size, ratio, upspeed, *times, queue_position))
        return _record(kind, (name, state, category, tags, progress, private), shared, packed)

    def _tuple(self) -> tuple[object, ...]:
        shared = self._shared
        size, ratio, upspeed, added, active, completed, position = self._layout.unpack(self._packed)
        return (
            *(self.name, self.state, self.category, self.tags, self.progress, size),
            *(shared.dlspeed, upspeed, shared.eta, ratio, added, active),
            *(shared.amount_left, completed, shared.tracker_host, self.private),
            *shared[4:],
            position,
        )

    @classmethod
    def _make(cls, values: Iterable[Any]) -> Torrent:
        """Build a record from the fields' values in order."""
        return Torrent(*values)

    def _asdict(self) -> dict[str, object]:
        """Return the fields by name."""
        return dict(zip(self._fields, self._tuple(), strict=True))

    def _replace(self, **changes: Unpack[Changes]) -> Torrent:
        """Return a new record with some fields changed."""
        unknown = changes.keys() - _FIELD_NAMES
        if unknown:
            raise ValueError(f"Got unexpected field names: {sorted(unknown)!r}")
        parts, changed = _parts(self), 0
        for key, value in changes.items():
            part, index = _WHERE[key]
            parts[part][index] = value
            changed |= part
        return _rebuilt(self, parts, changed)

    def __iter__(self) -> Iterator[object]:
        """Iterate over the fields' values in order, as the named tuple did."""
        return iter(self._tuple())

    def __eq__(self, other: object) -> bool:
        """Whether every field is equal."""
        if other is self:
            return True
        if not isinstance(other, Torrent):
            return NotImplemented
        return self._tuple() == other._tuple()

    def __hash__(self) -> int:
        """Hash the fields' values."""
        return hash(self._tuple())

    def __repr__(self) -> str:
        """Show every field, as the named tuple did."""
        fields = ", ".join(f"{key}={value!r}" for key, value in self._asdict().items())
        return f"Torrent({fields})"

    def __reduce__(self) -> tuple[type[Torrent], tuple[object, ...]]:
        """Copy and pickle by value."""
        return (Torrent, self._tuple())

    def __setattr__(self, name: str, value: object) -> None:
        """Refuse: a record never changes (a poll replaces it)."""
        raise AttributeError(f"Torrent is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        """Refuse: a record never changes (a poll replaces it)."""
        raise AttributeError(f"Torrent is immutable: cannot delete {name!r}")


class _WideTorrent(Torrent):
    """A torrent whose times, upload speed or queue position need more than 32 bits (rare)."""

    __slots__ = ()
    _layout: ClassVar = _WIDE


for _index, _key in enumerate(_Shared._fields):
    setattr(Torrent, _key, _shared_field(_index))
for _index, _key in enumerate(_PACKED_FIELDS):
    setattr(Torrent, _key, _packed_field(_index, _NARROW))
    setattr(_WideTorrent, _key, _packed_field(_index, _WIDE))


_FIELD_NAMES: Final = frozenset(Torrent._fields)


def _pack(numbers: Iterable[Any]) -> tuple[type[Torrent], bytes]:
    """Pack the numbers narrow when they fit, else wide (beyond 64 bits raises: never cut)."""
    try:
        return Torrent, _NARROW.pack(*numbers)
    except struct.error:
        return _WideTorrent, _WIDE.pack(*numbers)


class _Builder(_Slots):
    """A record being built: the same layout, writable; it becomes a `Torrent` when done."""

    __slots__ = ()


def _record(kind: type[Torrent], own: Sequence[Any], shared: _Shared, packed: bytes) -> Torrent:
    record = _Builder()
    record.name, record.state, record.category, record.tags = own[:4]
    record.progress, record.private = own[4:]
    record._shared, record._packed = shared, packed  # noqa: SLF001 - the record's own module
    record.__class__ = kind  # type: ignore[assignment] # same layout: set faster than by slot
    return record  # type: ignore[return-value]


# Field -> where a record holds it (0 its own attributes, 1 the shared tuple, 2 the packed
# numbers: bits of what changed but for 0, which is built anew each time) and its index there.
_WHERE: Final = {
    **{key: (0, index) for index, key in enumerate(_DIRECT)},
    **{key: (1, index) for index, key in enumerate(_Shared._fields)},
    **{key: (2, index) for index, key in enumerate(_PACKED_FIELDS)},
}


def _parts(known: Torrent) -> list[list[Any]]:
    """Return a record's fields as lists by part (see `_WHERE`), to change and rebuild."""
    own = [known.name, known.state, known.category, known.tags, known.progress, known.private]
    return [own, list(known._shared), list(known._layout.unpack(known._packed))]  # noqa: SLF001


def _rebuilt(known: Torrent, parts: list[list[Any]], changed: int) -> Torrent:
    """Build the record of `parts`; the shared tuple and numbers of `known` unless `changed`."""
    shared = _shared(*parts[1]) if changed & 1 else known._shared  # noqa: SLF001
    kind, packed = _pack(parts[2]) if changed & 2 else (type(known), known._packed)  # noqa: SLF001
    return _record(kind, parts[0], shared, packed)


# qBittorrent's key -> the field holding it, and how its value is typed.
_FIELD_OF: Final[Mapping[str, tuple[str, Callable[[object], object]]]] = {
    "name": ("name", as_str),
    "state": ("state", shared_str),
    "category": ("category", shared_str),
    "tags": ("tags", shared_str),
    "progress": ("progress", as_float),
    "size": ("size", as_int64),
    "dlspeed": ("dlspeed", as_int),
    "upspeed": ("upspeed", as_int64),
    "eta": ("eta", shared_int),
    "ratio": ("ratio", as_float),
    "added_on": ("added_on", as_int64),
    "last_activity": ("last_activity", as_int64),
    "amount_left": ("amount_left", as_int64),
    "completion_on": ("completion_on", as_int64),
    "tracker": ("tracker_host", tracker_host),
    "private": ("private", as_flag),
    "ratio_limit": ("ratio_limit", as_float),
    "seeding_time_limit": ("seeding_time_limit", as_int),
    "inactive_seeding_time_limit": ("inactive_seeding_time_limit", as_int),
    "share_limit_action": ("share_limit_action", shared_str),
    "priority": ("queue_position", as_int64),
}
# qBittorrent's key -> (where the record holds its field, how its value is typed).
_COERCE: Final = {key: (*_WHERE[field], coerce) for key, (field, coerce) in _FIELD_OF.items()}
# qBittorrent's keys that qbitrr holds.
TORRENT_FIELDS: Final = frozenset(_COERCE)
_EMPTY: Final = Torrent()


def updated_torrent(known: Torrent | None, partial: Mapping[str, object]) -> Torrent | None:
    """Apply one reply's (partial) torrent: the new record, or None when nothing held changed.

    A torrent first seen starts from the defaults; keys that are missing leave a field as it
    was, and fields qbitrr does not hold (qBittorrent's clocks, mostly) are ignored.
    """
    base = known or _EMPTY
    parts, changed, seen = _parts(base), 0, False
    for key, value in partial.items():
        field = _COERCE.get(key)
        if field is not None:
            part, index, coerce = field
            parts[part][index] = coerce(value)
            changed |= part
            seen = True
    if known is not None and not seen:
        return None
    return _rebuilt(base, parts, changed)
