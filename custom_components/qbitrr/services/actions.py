"""Acting on chosen torrents (tags, pause, resume, recheck) on every server holding them.

Each server gets one request per call. A server that cannot be reached (or refuses) is reported
with its error code while the others go ahead; when every targeted server failed the call
raises, so an automation that ignores the response still learns that nothing happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import re
from typing import Any, Final

import voluptuous as vol

from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from ..api.qbittorrent import QbitError, QbittorrentClient
from ..const import DOMAIN
from ..errors import error_code
from ..policy.torrents import TorrentFilter, iter_torrents
from .targets import ENTRY_IDS, Down, Live, QbitTarget, qbit_targets, raise_if_all_failed

ATTR_HASHES: Final = "hashes"
ATTR_CATEGORY: Final = "category"
ATTR_TAG: Final = "tag"
ATTR_TAGS: Final = "tags"

_SELECTION: Final = {
    **ENTRY_IDS,
    vol.Optional(ATTR_HASHES): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional(ATTR_CATEGORY): cv.string,
    vol.Optional(ATTR_TAG): cv.string,
}
SELECTION_SCHEMA: Final = vol.Schema(_SELECTION)
TAGS_SCHEMA: Final = vol.Schema(
    {**_SELECTION, vol.Required(ATTR_TAGS): vol.All(cv.ensure_list, [cv.string])}
)

_HASH: Final = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")

type Step = Callable[[QbittorrentClient, list[str]], None]


def _valid_tag(tag: str) -> str:
    cleaned = tag.strip()
    # qBittorrent splits tags on commas: a comma would silently make two tags (in a filter,
    # match nothing at all).
    if not cleaned or "," in cleaned:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_tag",
            translation_placeholders={"tag": tag[:80]},
        )
    return cleaned


def _valid_tags(tags: list[str]) -> list[str]:
    return [_valid_tag(tag) for tag in tags or [""]]  # none at all is refused as an empty tag


def _hashes(call: ServiceCall) -> set[str] | None:
    if ATTR_HASHES not in call.data:
        return None
    hashes = set()
    for value in call.data[ATTR_HASHES]:
        torrent_hash = value.strip().lower()
        if not _HASH.match(torrent_hash):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_hash",
                translation_placeholders={"hash": value[:80]},
            )
        hashes.add(torrent_hash)
    return hashes


def _selection(call: ServiceCall) -> tuple[list[QbitTarget], TorrentFilter, set[str] | None]:
    """Validate which torrents a call means; nothing is changed when it is refused."""
    hashes = _hashes(call)
    category: str | None = call.data.get(ATTR_CATEGORY)
    tag = _valid_tag(call.data[ATTR_TAG]) if ATTR_TAG in call.data else None
    if not hashes and category is None and tag is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_torrent_selection"
        )
    torrent_filter = TorrentFilter(
        categories={category} if category is not None else (),
        tags={tag} if tag is not None else (),
    )
    return qbit_targets(call), torrent_filter, hashes


async def _async_act_on(
    hass: HomeAssistant,
    target: Live,
    torrent_filter: TorrentFilter,
    hashes: set[str] | None,
    step: Step,
) -> tuple[list[str], Down | None]:
    """Run the step on one server's chosen torrents: their hashes, and its failure if any."""
    coordinator = target.coordinator
    matched = sorted(
        torrent_hash
        for _, torrent_hash, _ in iter_torrents(
            {target.entry_id: coordinator.data.torrents}, torrent_filter
        )
        if hashes is None or torrent_hash in hashes
    )
    if not matched:
        return matched, None
    failed = None
    try:
        await hass.async_add_executor_job(step, coordinator.client, matched)
    except QbitError as err:
        failed = Down(target.entry_id, target.title, error_code(err))
    await coordinator.async_request_refresh()
    return matched, failed


async def _async_act(call: ServiceCall, step: Step) -> ServiceResponse:
    """Run a blocking step on the chosen torrents of each targeted server, concurrently."""
    targets, torrent_filter, hashes = _selection(call)
    live = [target for target in targets if isinstance(target, Live)]
    results = await asyncio.gather(
        *(_async_act_on(call.hass, target, torrent_filter, hashes, step) for target in live)
    )
    failed = [target for target in targets if isinstance(target, Down)]
    failed += [down for _, down in results if down is not None]
    raise_if_all_failed(failed, len(targets))
    errors = {down.entry_id: down.error for down in failed}
    acted = {target.entry_id: matched for target, (matched, _) in zip(live, results, strict=True)}
    response: dict[str, Any] = {
        "instances": {
            target.entry_id: {
                "title": target.title,
                "hashes": acted.get(target.entry_id, []),
                "error": errors.get(target.entry_id),
            }
            for target in targets
        }
    }
    return response


async def async_add_tags(call: ServiceCall) -> ServiceResponse:
    """Add tags to the chosen torrents."""
    tags = _valid_tags(call.data[ATTR_TAGS])
    return await _async_act(call, lambda client, hashes: client.add_tags(hashes, tags))


async def async_remove_tags(call: ServiceCall) -> ServiceResponse:
    """Remove tags from the chosen torrents."""
    tags = _valid_tags(call.data[ATTR_TAGS])
    return await _async_act(call, lambda client, hashes: client.remove_tags(hashes, tags))


async def async_pause_torrents(call: ServiceCall) -> ServiceResponse:
    """Pause (qBittorrent 5: stop) the chosen torrents."""
    return await _async_act(call, lambda client, hashes: client.pause(hashes))


async def async_resume_torrents(call: ServiceCall) -> ServiceResponse:
    """Resume (qBittorrent 5: start) the chosen torrents."""
    return await _async_act(call, lambda client, hashes: client.resume(hashes))


async def async_recheck_torrents(call: ServiceCall) -> ServiceResponse:
    """Force a recheck of the chosen torrents' data on disk."""
    return await _async_act(call, lambda client, hashes: client.recheck(hashes))
