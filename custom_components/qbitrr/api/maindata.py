"""The qBittorrent `sync/maindata` model: pure functions that merge incremental replies.

qBittorrent answers `sync/maindata?rid=N` with only what changed since reply N (partial torrent
dicts, removed hashes, changed categories and tags, changed server-state fields) unless it sets
`full_update`, in which case the reply replaces everything. Keeping the merged model here lets a
poll of an idle server cost a few hundred bytes instead of the whole torrent list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import json
from json.decoder import scanstring as _scanstring  # type: ignore[attr-defined]
import re
import sys
from typing import Any, NamedTuple

import orjson

from ..policy.states import StateGroup, state_group


class Torrent(NamedTuple):
    """One torrent, holding only what entities, services and the policy read.

    A named tuple rather than qBittorrent's dict of 48 to 69 fields: under 1 kB per torrent
    at 10,000 torrents, immutable (a poll replaces it, readers never see half an update),
    and readable like the dict through `get`. Values are kept as the server sent them;
    readers check their types.
    """

    name: Any = ""
    state: Any = ""
    category: Any = ""
    tags: Any = ""
    progress: Any = 0.0
    size: Any = 0
    dlspeed: Any = 0
    upspeed: Any = 0
    eta: Any = 0
    ratio: Any = 0.0
    added_on: Any = 0
    last_activity: Any = 0

    def get(self, key: str, default: Any = None) -> Any:
        """Read a field by its qBittorrent name, like dict.get."""
        return getattr(self, key) if key in TORRENT_FIELDS else default


TORRENT_FIELDS: frozenset[str] = frozenset(Torrent._fields)
# Values shared by many torrents: one string object each instead of one per torrent.
_SHARED_STRINGS = frozenset({"state", "category", "tags"})


@dataclass(frozen=True, slots=True)
class Maindata:
    """The merged state of one server; replaced, never mutated, so readers need no locks."""

    rid: int = 0
    torrents: Mapping[str, Torrent] = field(default_factory=dict)
    categories: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    server_state: Mapping[str, Any] = field(default_factory=dict)
    # Hashes the last reply added or changed, and removed, so followers need not compare all;
    # meaningless when `full` (the reply replaced everything).
    changed: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    full: bool = True


# Replies larger than this are decoded torrent by torrent (see parse_maindata).
_CHUNKED_ABOVE = 1_000_000
_TORRENTS_KEY = re.compile(r'"torrents"\s*:\s*\{')
_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


def parse_maindata(body: bytes) -> dict[str, Any]:
    """Decode a `sync/maindata` reply; raise ValueError when it is not a JSON object.

    One `json.loads` of a 10,000-torrent reply (11-15 MB) holds the GIL for ~150 ms, which
    freezes Home Assistant's event loop though the parse runs in the executor. A large reply
    is therefore decoded one torrent at a time, so the loop runs between torrents, keeping
    only the fields the model reads. Anything unexpected falls back to the one-shot parse.
    """
    text = body.decode("utf-8")
    found = _TORRENTS_KEY.search(text) if len(text) > _CHUNKED_ABOVE else None
    if found is not None:
        try:
            return _parse_torrent_by_torrent(text, found.start(), found.end())
        except ValueError, IndexError:
            pass  # not the layout we expect: the plain parse below decides
    reply = json.loads(text)
    if not isinstance(reply, dict):
        raise ValueError("not a JSON object")  # noqa: TRY004 - a ValueError to callers
    return reply


def _skip_whitespace(text: str, position: int) -> int:
    while text[position] in _WHITESPACE:
        position += 1
    return position


def _decode_value(text: str, start: int) -> tuple[Any, int]:
    """Decode the JSON value at `start` (no whitespace before it); return it and its end.

    A torrent is a flat object, so the first "}" closes it: orjson (Home Assistant's JSON
    library, several times faster than json's scanner) decodes that slice. A slice that is not
    one whole value (a "}" inside a string, a nested value, no object at all) is invalid JSON,
    and json's scanner, which finds the end itself, decodes it instead.
    """
    end = text.find("}", start) + 1
    try:
        return orjson.loads(text[start:end]), end
    except orjson.JSONDecodeError:
        return _DECODER.raw_decode(text, start)


def _parse_torrent_by_torrent(text: str, start: int, position: int) -> dict[str, Any]:
    torrents: dict[str, dict[str, Any]] = {}
    while True:
        position = _skip_whitespace(text, position)
        if text[position] == "}":
            break
        key, position = _scanstring(text, position + 1)
        position = _skip_whitespace(text, position)
        if text[position] != ":":
            raise ValueError("expected a colon")
        value, position = _decode_value(text, _skip_whitespace(text, position + 1))
        if isinstance(value, dict):
            torrents[key] = {k: v for k, v in value.items() if k in TORRENT_FIELDS}
        position = _skip_whitespace(text, position)
        if text[position] == ",":
            position += 1
    rest = json.loads(f'{text[:start]}"torrents":{{}}{text[position + 1 :]}')
    # The key found must have been the top-level one that was just emptied.
    if not isinstance(rest, dict) or rest.get("torrents") != {}:
        raise ValueError("unexpected layout")
    rest["torrents"] = torrents
    return rest


def _keep_fields(partial: Mapping[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in partial.items():
        if key in TORRENT_FIELDS:
            shared = key in _SHARED_STRINGS and isinstance(value, str)
            kept[key] = sys.intern(value) if shared else value
    return kept


def _as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _as_names(value: object) -> list[str]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def merge_maindata(previous: Maindata | None, reply: Mapping[str, Any]) -> Maindata:
    """Return the model after applying one `sync/maindata` reply to the previous model.

    Every key is optional: qBittorrent 5 leaves empty sections out even of a full reply.
    """
    full = previous is None or bool(reply.get("full_update"))
    base = Maindata() if full or previous is None else previous
    rid = reply.get("rid")
    new_rid = rid if isinstance(rid, int) and not isinstance(rid, bool) else base.rid

    torrents: dict[str, Torrent] = dict(base.torrents)
    changed: set[str] = set()
    for torrent_hash, partial in _as_mapping(reply.get("torrents")).items():
        if not isinstance(partial, Mapping):
            continue
        known = torrents.get(torrent_hash)
        update = _keep_fields(partial)
        if known is None:
            torrents[torrent_hash] = Torrent(**update)
        elif update:
            torrents[torrent_hash] = known._replace(**update)
        else:
            continue  # only fields nobody reads changed (qBittorrent's clocks)
        changed.add(torrent_hash)
    removed: set[str] = set()
    for torrent_hash in _as_names(reply.get("torrents_removed")):
        if torrents.pop(torrent_hash, None) is not None:
            removed.add(torrent_hash)

    categories: dict[str, Mapping[str, Any]] = dict(base.categories)
    for name, partial in _as_mapping(reply.get("categories")).items():
        if isinstance(partial, Mapping):
            categories[name] = {**categories.get(name, {}), **partial}
    for name in _as_names(reply.get("categories_removed")):
        categories.pop(name, None)

    tags = (set(base.tags) | set(_as_names(reply.get("tags")))) - set(
        _as_names(reply.get("tags_removed"))
    )
    server_state = {**base.server_state, **_as_mapping(reply.get("server_state"))}

    return Maindata(
        rid=new_rid,
        torrents=torrents,
        categories=categories,
        tags=frozenset(tags),
        server_state=server_state,
        changed=frozenset(changed),
        removed=frozenset(removed),
        full=full,
    )


@dataclass(frozen=True, slots=True)
class QbitSnapshot:
    """What one poll of a qBittorrent server yields: the model plus figures computed once."""

    maindata: Maindata
    app_version: str
    webapi_version: str
    counts: Mapping[StateGroup, int]
    category_counts: Mapping[str, int]
    # {category: {state group: count}}, only groups that occur.
    category_group_counts: Mapping[str, Mapping[StateGroup, int]]
    full_update: bool

    @property
    def torrents(self) -> Mapping[str, Torrent]:
        """Torrents by hash."""
        return self.maindata.torrents

    @property
    def server_state(self) -> Mapping[str, Any]:
        """Transfer figures and disk space as the server reports them."""
        return self.maindata.server_state

    @property
    def total(self) -> int:
        """Number of torrents on the server."""
        return len(self.maindata.torrents)


def _category(torrent: Torrent) -> str:
    category = torrent.category
    return category if isinstance(category, str) else ""


def build_snapshot(
    maindata: Maindata,
    *,
    app_version: str,
    webapi_version: str,
    full_update: bool,
    previous: QbitSnapshot | None = None,
) -> QbitSnapshot:
    """Compute the per-poll figures from a merged model.

    With the previous snapshot and an incremental model, only the torrents the reply touched
    are counted again: an idle poll of 10,000 torrents costs microseconds, not milliseconds.
    """
    counts: dict[StateGroup, int]
    by_category: dict[str, dict[StateGroup, int]]
    if previous is None or maindata.full:
        counts = dict.fromkeys(StateGroup, 0)
        by_category = {}
        touched: Iterable[tuple[Torrent | None, Torrent | None]] = (
            (None, torrent) for torrent in maindata.torrents.values()
        )
    else:
        counts = dict(previous.counts)
        by_category = {c: dict(g) for c, g in previous.category_group_counts.items()}
        old = previous.maindata.torrents
        touched = (
            (old.get(h), maindata.torrents.get(h)) for h in maindata.changed | maindata.removed
        )
    for before, after in touched:
        for torrent, step in ((before, -1), (after, 1)):
            if torrent is None:
                continue
            group = state_group(torrent.state)
            counts[group] += step
            groups = by_category.setdefault(_category(torrent), {})
            groups[group] = groups.get(group, 0) + step
    category_group_counts = {
        category: {group: n for group, n in groups.items() if n}
        for category, groups in by_category.items()
        if any(groups.values())
    }
    category_counts = dict.fromkeys(maindata.categories, 0) | {
        category: sum(groups.values()) for category, groups in category_group_counts.items()
    }
    return QbitSnapshot(
        maindata=maindata,
        app_version=app_version,
        webapi_version=webapi_version,
        counts=counts,
        category_counts=category_counts,
        category_group_counts=category_group_counts,
        full_update=full_update,
    )
