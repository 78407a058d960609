"""Read services: torrents per category, the torrent list, and the status report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.helpers import config_validation as cv

from ..const import DOMAIN
from ..coordinator import QbitCoordinator
from ..entries import arr_coordinators, qbit_coordinators
from ..errors import ARR_UNAVAILABLE, UNREACHABLE
from ..model.states import StateGroup, state_group
from ..model.torrent import Torrent, split_tags
from ..policy.torrents import TorrentFilter, distribution, distribution_by_state, iter_torrents
from .targets import ENTRY_IDS, Down, Live, poll_error, qbit_targets, raise_if_all_failed

ATTR_CATEGORIES: Final = "categories"
ATTR_STATES: Final = "states"
ATTR_TAGS: Final = "tags"
ATTR_LIMIT: Final = "limit"
DEFAULT_LIMIT: Final = 500
MAX_LIMIT: Final = 10_000

_TEXT_LIST: Final = vol.All(cv.ensure_list, [vol.All(cv.string, vol.Length(min=1, max=200))])
GET_DISTRIBUTION_SCHEMA: Final = vol.Schema(
    {**ENTRY_IDS, vol.Optional(ATTR_CATEGORIES): _TEXT_LIST}
)
GET_TORRENTS_SCHEMA: Final = vol.Schema(
    {
        **ENTRY_IDS,
        vol.Optional(ATTR_CATEGORIES): _TEXT_LIST,
        vol.Optional(ATTR_STATES): vol.All(cv.ensure_list, [vol.In([str(g) for g in StateGroup])]),
        vol.Optional(ATTR_TAGS): _TEXT_LIST,
        vol.Optional(ATTR_LIMIT, default=DEFAULT_LIMIT): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_LIMIT)
        ),
    }
)
GET_STATUS_SCHEMA: Final = vol.Schema({})


def _iso(timestamp: int) -> str | None:
    """QBittorrent's epoch seconds as ISO 8601; its 0 or negative means never."""
    if timestamp <= 0:
        return None
    try:
        return datetime.fromtimestamp(timestamp, UTC).isoformat()
    except OverflowError, OSError, ValueError:
        return None  # beyond what a date can hold: a broken server value


def _readable(call: ServiceCall) -> tuple[list[QbitCoordinator], dict[str, Any]]:
    """Return the targeted servers that can be read and the skipped ones; raise if all are."""
    targets = qbit_targets(call)
    down = [target for target in targets if isinstance(target, Down)]
    raise_if_all_failed(down, len(targets))
    live = [target.coordinator for target in targets if isinstance(target, Live)]
    return live, {target.entry_id: target.as_dict() for target in down}


async def async_get_distribution(call: ServiceCall) -> ServiceResponse:
    """Count torrents per category and server (and per state group)."""
    live, skipped = _readable(call)
    torrents = {c.config_entry.entry_id: c.data.torrents for c in live}
    categories = call.data.get(ATTR_CATEGORIES)
    response: dict[str, Any] = {
        "instances": {c.config_entry.entry_id: c.config_entry.title for c in live},
        "unreachable_instances": skipped,
        "distribution": distribution(torrents, categories),
        "by_state": distribution_by_state(torrents, categories),
    }
    return response


def _torrent(instance: str, title: str, torrent_hash: str, torrent: Torrent) -> dict[str, Any]:
    return {
        "instance": instance,
        "instance_title": title,
        "hash": torrent_hash,
        "name": torrent.name,
        "category": torrent.category,
        "tags": list(split_tags(torrent.tags)),
        "state": torrent.state,
        "state_group": str(state_group(torrent.state)),
        "progress": torrent.progress,
        "size": torrent.size,
        "download_speed": torrent.dlspeed,
        "upload_speed": torrent.upspeed,
        "eta": torrent.eta,
        "ratio": torrent.ratio,
        "added": _iso(torrent.added_on),
        "last_activity": _iso(torrent.last_activity),
        # None while not known: qBittorrent 4.x tells it per torrent, learnt over a few polls.
        "private": None if torrent.private == -1 else torrent.private == 1,
        "tracker": torrent.tracker_host or None,
    }


async def async_get_torrents(call: ServiceCall) -> ServiceResponse:
    """List the torrents matching the filters across the targeted servers."""
    live, skipped = _readable(call)
    torrent_filter = TorrentFilter(
        categories=set(call.data.get(ATTR_CATEGORIES, ())),
        groups={StateGroup(group) for group in call.data.get(ATTR_STATES, ())},
        tags=set(call.data.get(ATTR_TAGS, ())),
    )
    titles = {c.config_entry.entry_id: c.config_entry.title for c in live}
    limit: int = call.data[ATTR_LIMIT]
    listed: list[dict[str, Any]] = []
    matched = 0
    for instance, torrent_hash, torrent in iter_torrents(
        {c.config_entry.entry_id: c.data.torrents for c in live}, torrent_filter
    ):
        matched += 1
        if len(listed) < limit:
            listed.append(_torrent(instance, titles[instance], torrent_hash, torrent))
    response: dict[str, Any] = {
        "count": matched,
        "truncated": matched > len(listed),
        "torrents": listed,
        "instances": titles,
        "unreachable_instances": skipped,
    }
    return response


def _instance_status(coordinator: QbitCoordinator) -> dict[str, Any]:
    snapshot = coordinator.data if coordinator.reachable else None
    health = coordinator.health
    return {
        "title": coordinator.config_entry.title,
        "url": coordinator.client.url,
        "reachable": coordinator.reachable,
        "error": poll_error(coordinator, UNREACHABLE) if not coordinator.reachable else None,
        "app_version": snapshot.app_version if snapshot else None,
        "webapi_version": snapshot.webapi_version if snapshot else None,
        "last_success": health.last_success_iso,
        "consecutive_failures": health.consecutive_failures,
        "torrents": snapshot.total if snapshot else None,
        "counts": {str(g): n for g, n in snapshot.counts.items()} if snapshot else None,
    }


async def async_get_status(call: ServiceCall) -> ServiceResponse:
    """Report every server and app, down ones included: this call never fails for them."""
    hass = call.hass
    arrs: dict[str, Any] = {}
    for arr in arr_coordinators(hass):
        data = arr.data
        arrs[arr.config_entry.entry_id] = {
            "title": arr.config_entry.title,
            "app": arr.display_name,
            "url": arr.client.url,
            "category": arr.category,
            "reachable": arr.last_update_success,
            "error": poll_error(arr, ARR_UNAVAILABLE),
            "version": data.status.version,
            "queue_size": len(data.queue),
            "health": [
                {"source": m.source, "type": m.type, "message": m.message} for m in data.health
            ],
        }
    response: dict[str, Any] = {
        "instances": {
            c.config_entry.entry_id: _instance_status(c) for c in qbit_coordinators(hass)
        },
        "arrs": arrs,
        "not_loaded": [
            {"entry_id": entry.entry_id, "title": entry.title, "state": entry.state.value}
            for entry in hass.config_entries.async_entries(DOMAIN)
            if entry.state is not ConfigEntryState.LOADED
        ],
    }
    return response
