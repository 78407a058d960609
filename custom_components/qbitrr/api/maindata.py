"""The qBittorrent `sync/maindata` model: pure functions that merge incremental replies.

qBittorrent answers `sync/maindata?rid=N` with only what changed since reply N (partial torrent
dicts, removed hashes, changed categories and tags, changed server-state fields) unless it sets
`full_update`, in which case the reply replaces everything. Keeping the merged model here lets a
poll of an idle server cost a few hundred bytes instead of the whole torrent list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
import itertools
import json
import re
import time
from typing import Any

import orjson

from ..model.server import ServerState, ShareLimitFeatures
from ..model.torrent import TORRENT_FIELDS, Torrent, as_str, updated_torrent


@dataclass(frozen=True, slots=True)
class Maindata:
    """The merged state of one server; replaced, never mutated, so readers need no locks."""

    rid: int = 0
    torrents: Mapping[str, Torrent] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)  # name -> save path
    tags: frozenset[str] = frozenset()
    server_state: ServerState = field(default_factory=ServerState)
    # Hashes the last reply added or changed, and removed, so followers need not compare all;
    # empty when `full` (the reply replaced everything: every record is new).
    changed: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    full: bool = True


# Replies larger than this are decoded torrent by torrent (see parse_maindata).
_CHUNKED_ABOVE = 1_000_000
_TORRENTS_KEY = re.compile(rb'"torrents"\s*:\s*\{')
_WHITESPACE = b" \t\n\r"
_QUOTE, _COLON, _COMMA, _CLOSE = b'"', ord(":"), ord(","), ord("}")
# A torrent's slice is widened to the next "}" at most this often (names may hold some) before
# the plain parse takes over.
_WIDENINGS = 256


# Long loops here let other threads take the GIL every this many seconds of work,
_BREAK_AFTER = 0.002
# for this long: longer than a waiting thread takes to wake up and take it.
_BREAK_FOR = 0.0002
_BREAK_CHECK = 256  # items between looks at the clock


def _paced[T](items: Iterable[T]) -> Iterator[T]:
    """Yield `items`, letting other threads run every couple of milliseconds.

    A pure-Python loop gives the GIL up only when a waiting thread has waited out the switch
    interval (5 ms), and Home Assistant's event loop waits twice per wake-up (its timer, then
    its task): ~10 ms stalls for as long as a full reply is merged. A zero sleep is not
    enough: it lets the GIL go for microseconds, and the event loop's thread, woken by the
    system meanwhile, mostly finds it taken again (at 10,000 torrents, stalls of 10-35 ms in
    a few of 30 full refreshes). A 0.2 ms sleep outlasts its wake-up (at most 8 ms in 90),
    for about 3 % more time in the refresh.
    """
    last = time.perf_counter()
    for count, item in enumerate(items, 1):
        yield item
        if not count % _BREAK_CHECK and time.perf_counter() - last > _BREAK_AFTER:
            time.sleep(_BREAK_FOR)
            last = time.perf_counter()


def parse_maindata(body: bytes | bytearray) -> dict[str, Any]:
    """Decode a `sync/maindata` reply; raise ValueError when it is not a JSON object.

    One `json.loads` of a 10,000-torrent reply (11-15 MB) holds the GIL for ~150 ms, which
    freezes Home Assistant's event loop though the parse runs in the executor; so would one
    `decode` of the body (~10 ms). A large reply is therefore decoded from its bytes one
    torrent at a time, so the loop runs between torrents, keeping only the fields the model
    reads. Anything unexpected falls back to the one-shot parse.
    """
    found = _TORRENTS_KEY.search(body) if len(body) > _CHUNKED_ABOVE else None
    if found is not None:
        try:
            return _parse_torrent_by_torrent(body, found.start(), found.end())
        except ValueError, IndexError:
            pass  # not the layout we expect: the plain parse below decides
    reply = json.loads(body.decode("utf-8"))
    if not isinstance(reply, dict):
        raise ValueError("not a JSON object")  # noqa: TRY004 - a ValueError to callers
    return reply


def _skip_whitespace(text: bytes | bytearray, position: int) -> int:
    while text[position] in _WHITESPACE:
        position += 1
    return position


def _decode_value(text: bytes | bytearray, view: memoryview, start: int) -> tuple[Any, int]:
    """Decode the JSON object at `start` (no whitespace before it); return it and its end.

    A torrent is a flat object, so the first "}" closes it: orjson (Home Assistant's JSON
    library, several times faster than json's scanner) decodes that slice. A slice that is not
    one whole value is invalid JSON (a "}" inside a name leaves its string open), so it is
    widened to the next "}" a few times; anything else (a nested value, NaN, no object at
    all) raises ValueError, and the caller's plain parse decides.
    """
    end = start
    for _ in range(_WIDENINGS):
        end = text.find(b"}", end) + 1
        if end == 0:
            break
        try:
            return orjson.loads(view[start:end]), end
        except orjson.JSONDecodeError:
            continue
    raise ValueError("not a flat object")


def _read_key(text: bytes | bytearray, position: int) -> tuple[str, int]:
    """Read the object key at `position` (its opening quote); return it and the position after.

    Keys here are info-hashes: plain hex. A key with an escape is not what we expect, and the
    caller's fallback (the plain parse) decodes the reply instead.
    """
    if text[position : position + 1] != _QUOTE:
        raise ValueError("expected a key")
    end = text.index(_QUOTE, position + 1)
    key = text[position + 1 : end]
    if b"\\" in key:
        raise ValueError("escaped key")
    return key.decode("utf-8"), end + 1


def _parse_torrent_by_torrent(text: bytes | bytearray, start: int, position: int) -> dict[str, Any]:
    torrents: dict[str, dict[str, Any]] = {}
    with memoryview(text) as view:
        for _ in _paced(itertools.repeat(None)):
            position = _skip_whitespace(text, position)
            if text[position] == _CLOSE:
                break
            key, position = _read_key(text, position)
            position = _skip_whitespace(text, position)
            if text[position] != _COLON:
                raise ValueError("expected a colon")
            value, position = _decode_value(text, view, _skip_whitespace(text, position + 1))
            if isinstance(value, dict):
                torrents[key] = {k: v for k, v in value.items() if k in TORRENT_FIELDS}
            position = _skip_whitespace(text, position)
            if text[position] == _COMMA:
                position += 1
    rest = json.loads(bytes(text[:start]) + b'"torrents":{}' + bytes(text[position + 1 :]))
    # The key found must have been the top-level one that was just emptied.
    if not isinstance(rest, dict) or rest.get("torrents") != {}:
        raise ValueError("unexpected layout")
    rest["torrents"] = torrents
    return rest


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

    # Records are shared with the previous model, which nobody mutates: the torrents are copied
    # only when the reply touches them (an idle poll of 10,000 would copy them for nothing).
    partials = _as_mapping(reply.get("torrents"))
    gone = _as_names(reply.get("torrents_removed"))
    torrents: dict[str, Torrent] = (
        dict(base.torrents)
        if partials or gone or not isinstance(base.torrents, dict)
        else base.torrents
    )
    changed: set[str] = set()
    for torrent_hash, partial in _paced(partials.items()):
        if not isinstance(partial, Mapping):
            continue
        updated = updated_torrent(torrents.get(torrent_hash), partial)
        if updated is None:
            continue  # only fields nobody reads changed (qBittorrent's clocks)
        torrents[torrent_hash] = updated
        changed.add(torrent_hash)
    removed: set[str] = set()
    for torrent_hash in gone:
        if torrents.pop(torrent_hash, None) is not None:
            removed.add(torrent_hash)

    categories: dict[str, str] = dict(base.categories)
    for name, partial in _as_mapping(reply.get("categories")).items():
        if isinstance(partial, Mapping):
            path = partial.get("savePath")
            categories[name] = as_str(path) if path is not None else categories.get(name, "")
    for name in _as_names(reply.get("categories_removed")):
        categories.pop(name, None)

    tags = (set(base.tags) | set(_as_names(reply.get("tags")))) - set(
        _as_names(reply.get("tags_removed"))
    )
    server_state = base.server_state.merged(_as_mapping(reply.get("server_state")))

    return Maindata(
        rid=new_rid,
        torrents=torrents,
        categories=categories,
        tags=frozenset(tags),
        server_state=server_state,
        changed=frozenset() if full else frozenset(changed),
        removed=frozenset(removed),
        full=full,
    )


def with_share_limits(
    maindata: Maindata,
    hashes: list[str],
    limits: tuple[float, int, int],
    features: ShareLimitFeatures,
) -> Maindata:
    """Return the model with share limits just set on some torrents."""
    ratio, seeding_minutes, inactive_minutes = limits
    stop = "Stop" if features.per_torrent_action else None
    torrents = dict(maindata.torrents)
    for torrent_hash in hashes:
        torrent = torrents.get(torrent_hash)
        if torrent is None:
            continue
        torrents[torrent_hash] = torrent._replace(
            ratio_limit=ratio,
            seeding_time_limit=seeding_minutes,
            inactive_seeding_time_limit=(
                inactive_minutes if features.inactive_limit else torrent.inactive_seeding_time_limit
            ),
            share_limit_action=stop or torrent.share_limit_action,
        )
    return replace(maindata, torrents=torrents)
