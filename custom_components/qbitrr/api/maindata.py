"""The qBittorrent `sync/maindata` model: pure functions that merge incremental replies.

qBittorrent answers `sync/maindata?rid=N` with only what changed since reply N (partial torrent
dicts, removed hashes, changed categories and tags, changed server-state fields) unless it sets
`full_update`, in which case the reply replaces everything. Keeping the merged model here lets a
poll of an idle server cost a few hundred bytes instead of the whole torrent list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
import json
import re
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


def _read_key(text: str, position: int) -> tuple[str, int]:
    """Read the object key at `position` (its opening quote); return it and the position after.

    Keys here are info-hashes: plain hex. A key with an escape is not what we expect, and the
    caller's fallback (the plain parse) decodes the reply instead.
    """
    if text[position] != '"':
        raise ValueError("expected a key")
    end = text.index('"', position + 1)
    key = text[position + 1 : end]
    if "\\" in key:
        raise ValueError("escaped key")
    return key, end + 1


def _parse_torrent_by_torrent(text: str, start: int, position: int) -> dict[str, Any]:
    torrents: dict[str, dict[str, Any]] = {}
    while True:
        position = _skip_whitespace(text, position)
        if text[position] == "}":
            break
        key, position = _read_key(text, position)
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
        updated = updated_torrent(torrents.get(torrent_hash), partial)
        if updated is None:
            continue  # only fields nobody reads changed (qBittorrent's clocks)
        torrents[torrent_hash] = updated
        changed.add(torrent_hash)
    removed: set[str] = set()
    for torrent_hash in _as_names(reply.get("torrents_removed")):
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
        changed=frozenset(changed),
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
