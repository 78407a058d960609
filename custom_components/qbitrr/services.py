"""Services: category sync, the cross-instance torrent view and the status overview."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
import re
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service

from .api.arr import APPS
from .api.qbittorrent import QbitError
from .const import CONF_KIND, DOMAIN, KIND_QBITTORRENT
from .coordinator import ArrCoordinator, QbitCoordinator
from .handling import HANDLER_KEY
from .helpers import loaded_arr_coordinators, loaded_qbit_coordinators, managed_categories
from .policy.categories import CategorySyncResult
from .policy.states import StateGroup, state_group
from .policy.torrents import (
    TorrentFilter,
    distribution,
    distribution_by_state,
    iter_torrents,
    torrent_category,
    torrent_tags,
)

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_CATEGORIES = "categories"
ATTR_STATES = "states"
ATTR_TAGS = "tags"
ATTR_LIMIT = "limit"

SERVICE_SYNC_CATEGORIES = "sync_categories"
SERVICE_GET_DISTRIBUTION = "get_distribution"
SERVICE_GET_TORRENTS = "get_torrents"
SERVICE_GET_STATUS = "get_status"
SERVICE_HANDLE_TORRENTS = "handle_torrents"
SERVICE_ADD_TAGS = "add_tags"
SERVICE_REMOVE_TAGS = "remove_tags"
SERVICE_PAUSE_TORRENTS = "pause_torrents"
SERVICE_RESUME_TORRENTS = "resume_torrents"

ATTR_DRY_RUN = "dry_run"
ATTR_HASHES = "hashes"
ATTR_CATEGORY = "category"
ATTR_TAG = "tag"

_HASH = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")

DEFAULT_LIMIT = 500
MAX_LIMIT = 10_000

_TEXT_LIST = vol.All(cv.ensure_list, [vol.All(cv.string, vol.Length(min=1, max=200))])

SYNC_CATEGORIES_SCHEMA = vol.Schema({vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string})
GET_DISTRIBUTION_SCHEMA = vol.Schema({vol.Optional(ATTR_CATEGORIES): _TEXT_LIST})
GET_TORRENTS_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_CATEGORIES): _TEXT_LIST,
        vol.Optional(ATTR_STATES): vol.All(cv.ensure_list, [vol.In([str(g) for g in StateGroup])]),
        vol.Optional(ATTR_TAGS): _TEXT_LIST,
        vol.Optional(ATTR_LIMIT, default=DEFAULT_LIMIT): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=MAX_LIMIT)
        ),
    }
)


_SELECTION = {
    vol.Optional(ATTR_CONFIG_ENTRY_ID): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional(ATTR_HASHES): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional(ATTR_CATEGORY): cv.string,
    vol.Optional(ATTR_TAG): cv.string,
}
SELECTION_SCHEMA = vol.Schema(_SELECTION)
TAGS_SCHEMA = vol.Schema(
    {**_SELECTION, vol.Required(ATTR_TAGS): vol.All(cv.ensure_list, [cv.string])}
)
HANDLE_TORRENTS_SCHEMA = vol.Schema(
    {
        vol.Optional(ATTR_CONFIG_ENTRY_ID): vol.All(cv.ensure_list, [cv.string]),
        vol.Optional(ATTR_DRY_RUN, default=False): cv.boolean,
    }
)


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _arr_coordinator(hass: HomeAssistant, entry_id: str) -> ArrCoordinator:
    """Return the loaded Arr entry's coordinator, or raise a translated error."""
    entry = service.async_get_config_entry(hass, DOMAIN, entry_id)
    coordinator = entry.runtime_data
    if not isinstance(coordinator, ArrCoordinator):
        raise _invalid("not_an_arr_entry", title=entry.title)
    return coordinator


def _qbit_coordinator(hass: HomeAssistant, entry_id: str) -> QbitCoordinator:
    """Return the loaded qBittorrent entry's coordinator, or raise a translated error."""
    entry = service.async_get_config_entry(hass, DOMAIN, entry_id)
    if entry.data.get(CONF_KIND, KIND_QBITTORRENT) != KIND_QBITTORRENT:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_a_qbittorrent_entry",
            translation_placeholders={"title": entry.title},
        )
    coordinator = entry.runtime_data
    if not isinstance(coordinator, QbitCoordinator):  # pragma: no cover - kind checked above
        raise TypeError(coordinator)
    return coordinator


def _reachable(coordinators: list[QbitCoordinator]) -> list[QbitCoordinator]:
    return [c for c in coordinators if c.last_update_success and c.data is not None]


def _iso(timestamp: object) -> str | None:
    """QBittorrent's epoch seconds as ISO 8601; its 0 or negative means never."""
    if isinstance(timestamp, int | float) and not isinstance(timestamp, bool) and timestamp > 0:
        try:
            return datetime.fromtimestamp(timestamp, UTC).isoformat()
        except OverflowError, OSError, ValueError:
            return None  # beyond what a date can hold: a broken server value
    return None


async def _async_sync_categories(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    if entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID):
        targets = [_qbit_coordinator(hass, entry_id)]
    else:
        targets = loaded_qbit_coordinators(hass)
    wanted = managed_categories(hass)
    results: list[CategorySyncResult | BaseException] = await asyncio.gather(
        *(target.async_ensure_categories(wanted) for target in targets), return_exceptions=True
    )
    instances: dict[str, Any] = {}
    for target, result in zip(targets, results, strict=True):
        if isinstance(result, BaseException):
            result = CategorySyncResult(  # noqa: PLW2901 - one shape for every instance
                failed=dict.fromkeys(sorted(wanted), str(result) or type(result).__name__)
            )
        instances[target.config_entry.entry_id] = {
            "title": target.config_entry.title,
            **result.as_dict(),
        }
    response: dict[str, Any] = {"categories": sorted(wanted), "instances": instances}
    return response


def _instances_view(hass: HomeAssistant) -> tuple[dict[str, Any], dict[str, str]]:
    coordinators = _reachable(loaded_qbit_coordinators(hass))
    torrents = {c.config_entry.entry_id: c.data.torrents for c in coordinators}
    titles = {c.config_entry.entry_id: c.config_entry.title for c in coordinators}
    return torrents, titles


async def _async_get_distribution(call: ServiceCall) -> ServiceResponse:
    torrents, titles = _instances_view(call.hass)
    categories = call.data.get(ATTR_CATEGORIES)
    unreachable = {
        c.config_entry.entry_id: c.config_entry.title
        for c in loaded_qbit_coordinators(call.hass)
        if c.config_entry.entry_id not in titles
    }
    response: dict[str, Any] = {
        "instances": titles,
        "unreachable_instances": unreachable,
        "distribution": distribution(torrents, categories),
        "by_state": distribution_by_state(torrents, categories),
    }
    return response


async def _async_get_torrents(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    if entry_ids := call.data.get(ATTR_CONFIG_ENTRY_ID):
        coordinators = _reachable([_qbit_coordinator(hass, entry_id) for entry_id in entry_ids])
    else:
        coordinators = _reachable(loaded_qbit_coordinators(hass))
    torrent_filter = TorrentFilter(
        categories=set(call.data.get(ATTR_CATEGORIES, ())),
        groups={StateGroup(group) for group in call.data.get(ATTR_STATES, ())},
        tags=set(call.data.get(ATTR_TAGS, ())),
    )
    titles = {c.config_entry.entry_id: c.config_entry.title for c in coordinators}
    limit: int = call.data[ATTR_LIMIT]
    listed: list[dict[str, Any]] = []
    matched = 0
    for instance, torrent_hash, torrent in iter_torrents(
        {c.config_entry.entry_id: c.data.torrents for c in coordinators}, torrent_filter
    ):
        matched += 1
        if len(listed) >= limit:
            continue
        listed.append(
            {
                "instance": instance,
                "instance_title": titles[instance],
                "hash": torrent_hash,
                "name": torrent.get("name"),
                "category": torrent_category(torrent),
                "tags": torrent_tags(torrent),
                "state": torrent.get("state"),
                "state_group": str(state_group(torrent.get("state"))),
                "progress": torrent.get("progress"),
                "size": torrent.get("size"),
                "download_speed": torrent.get("dlspeed"),
                "upload_speed": torrent.get("upspeed"),
                "eta": torrent.get("eta"),
                "ratio": torrent.get("ratio"),
                "added": _iso(torrent.get("added_on")),
                "last_activity": _iso(torrent.get("last_activity")),
            }
        )
    response: dict[str, Any] = {
        "count": matched,
        "truncated": matched > len(listed),
        "torrents": listed,
    }
    return response


async def _async_get_status(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    instances: dict[str, Any] = {}
    for coordinator in loaded_qbit_coordinators(hass):
        snapshot = coordinator.data
        health = coordinator.health
        instances[coordinator.config_entry.entry_id] = {
            "title": coordinator.config_entry.title,
            "url": coordinator.client.url,
            "reachable": coordinator.last_update_success,
            "app_version": snapshot.app_version if snapshot else None,
            "webapi_version": snapshot.webapi_version if snapshot else None,
            "last_success": health.last_success.isoformat() if health.last_success else None,
            "consecutive_failures": health.consecutive_failures,
            "torrents": snapshot.total if snapshot else None,
            "counts": {str(g): n for g, n in snapshot.counts.items()} if snapshot else None,
        }
    arrs: dict[str, Any] = {}
    for arr in loaded_arr_coordinators(hass):
        data = arr.data
        arrs[arr.config_entry.entry_id] = {
            "title": arr.config_entry.title,
            "app": APPS[data.status.app].display_name,
            "url": arr.client.url,
            "category": arr.category,
            "reachable": arr.last_update_success,
            "version": data.status.version,
            "queue_size": len(data.queue),
            "health": [
                {"source": m.source, "type": m.type, "message": m.message} for m in data.health
            ],
        }
    not_loaded = [
        {"entry_id": entry.entry_id, "title": entry.title, "state": entry.state.value}
        for entry in hass.config_entries.async_entries(DOMAIN)
        if entry.state is not ConfigEntryState.LOADED
    ]
    response: dict[str, Any] = {"instances": instances, "arrs": arrs, "not_loaded": not_loaded}
    return response


async def _async_handle_torrents(call: ServiceCall) -> ServiceResponse:
    hass = call.hass
    if entry_ids := call.data.get(ATTR_CONFIG_ENTRY_ID):
        arrs = [_arr_coordinator(hass, entry_id) for entry_id in entry_ids]
    else:
        arrs = loaded_arr_coordinators(hass)
        if not arrs:
            raise _invalid("no_arr_loaded")
    response: dict[str, Any] = await hass.data[HANDLER_KEY].async_run(
        arrs, dry_run=call.data[ATTR_DRY_RUN]
    )
    return response


def _valid_tags(tags: list[str]) -> list[str]:
    cleaned = [tag.strip() for tag in tags]
    for tag in cleaned:
        # qBittorrent splits tags on commas: a comma would silently make two tags.
        if not tag or "," in tag:
            raise _invalid("invalid_tag", tag=tag)
    if not cleaned:
        raise _invalid("invalid_tag", tag="")
    return cleaned


def _selection(call: ServiceCall) -> tuple[list[QbitCoordinator], TorrentFilter, set[str] | None]:
    """Validate which torrents a service call means; nothing is changed on failure."""
    hass = call.hass
    hashes: set[str] | None = None
    if ATTR_HASHES in call.data:
        hashes = set()
        for value in call.data[ATTR_HASHES]:
            torrent_hash = value.strip().lower()
            if not _HASH.match(torrent_hash):
                raise _invalid("invalid_hash", hash=value[:80])
            hashes.add(torrent_hash)
    category = call.data.get(ATTR_CATEGORY)
    tag = call.data.get(ATTR_TAG)
    if not hashes and category is None and not tag:
        raise _invalid("no_torrent_selection")
    if entry_ids := call.data.get(ATTR_CONFIG_ENTRY_ID):
        targets = [_qbit_coordinator(hass, entry_id) for entry_id in entry_ids]
    else:
        targets = loaded_qbit_coordinators(hass)
    torrent_filter = TorrentFilter(
        categories={category} if category is not None else (),
        tags={tag} if tag else (),
    )
    return targets, torrent_filter, hashes


async def _async_on_selection(
    call: ServiceCall, step: Callable[[QbitCoordinator, list[str]], None]
) -> ServiceResponse:
    """Run a blocking step on the selected torrents of each instance, concurrently."""
    targets, torrent_filter, hashes = _selection(call)

    async def one(target: QbitCoordinator) -> dict[str, Any]:
        result: dict[str, Any] = {"title": target.config_entry.title, "hashes": [], "error": None}
        if not target.last_update_success or target.data is None:
            result["error"] = "instance unreachable"
            return result
        matched = sorted(
            torrent_hash
            for _, torrent_hash, _ in iter_torrents(
                {target.config_entry.entry_id: target.data.torrents}, torrent_filter
            )
            if hashes is None or torrent_hash in hashes
        )
        result["hashes"] = matched
        if matched:
            try:
                await call.hass.async_add_executor_job(step, target, matched)
            except QbitError as err:
                result["error"] = str(err) or type(err).__name__
            await target.async_request_refresh()
        return result

    results = await asyncio.gather(*(one(target) for target in targets))
    response: dict[str, Any] = {
        "instances": {
            target.config_entry.entry_id: result
            for target, result in zip(targets, results, strict=True)
        }
    }
    return response


async def _async_add_tags(call: ServiceCall) -> ServiceResponse:
    tags = _valid_tags(call.data[ATTR_TAGS])
    return await _async_on_selection(call, lambda c, hashes: c.client.add_tags(hashes, tags))


async def _async_remove_tags(call: ServiceCall) -> ServiceResponse:
    tags = _valid_tags(call.data[ATTR_TAGS])
    return await _async_on_selection(call, lambda c, hashes: c.client.remove_tags(hashes, tags))


async def _async_pause_torrents(call: ServiceCall) -> ServiceResponse:
    return await _async_on_selection(call, lambda c, hashes: c.client.pause(hashes))


async def _async_resume_torrents(call: ServiceCall) -> ServiceResponse:
    return await _async_on_selection(call, lambda c, hashes: c.client.resume(hashes))


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's services."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SYNC_CATEGORIES,
        _async_sync_categories,
        schema=SYNC_CATEGORIES_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_DISTRIBUTION,
        _async_get_distribution,
        schema=GET_DISTRIBUTION_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_TORRENTS,
        _async_get_torrents,
        schema=GET_TORRENTS_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_HANDLE_TORRENTS,
        _async_handle_torrents,
        schema=HANDLE_TORRENTS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    for name, handler, schema in (
        (SERVICE_ADD_TAGS, _async_add_tags, TAGS_SCHEMA),
        (SERVICE_REMOVE_TAGS, _async_remove_tags, TAGS_SCHEMA),
        (SERVICE_PAUSE_TORRENTS, _async_pause_torrents, SELECTION_SCHEMA),
        (SERVICE_RESUME_TORRENTS, _async_resume_torrents, SELECTION_SCHEMA),
    ):
        hass.services.async_register(
            DOMAIN, name, handler, schema=schema, supports_response=SupportsResponse.OPTIONAL
        )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_STATUS,
        _async_get_status,
        schema=vol.Schema({}),
        supports_response=SupportsResponse.ONLY,
    )
