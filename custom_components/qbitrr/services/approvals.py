"""Answers to pending removals: `remove_torrent` and `keep_torrent`, one torrent of one server.

`remove_torrent` carries out exactly the removal the rules held for approval; a torrent nobody
held is routed as the rules would route it (through the Arr downloading that copy, or the Arr's
unknown-torrent action), with the protect tag and the private-tracker guard applied.
`keep_torrent` adds the Arr's protect tag and clears the torrent's strikes. Both drop the
pending removal; both hold the handler's lock, so a run in progress cannot bring it back.
"""

from __future__ import annotations

import re
from typing import Any, Final

import voluptuous as vol

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.dispatcher import async_dispatcher_send

from ..api.qbittorrent import QbitError, QbittorrentClient
from ..const import DOMAIN
from ..coordinator import ArrCoordinator
from ..entries import arr_coordinators, qbit_coordinators, qbit_entries
from ..errors import error_code
from ..handling.approvals import SIGNAL_PENDING_CHANGED, PendingRemoval, manual_removal
from ..handling.executor import RESULT_FAILED, PlanExecutor
from ..handling.seeding import gather_servers
from ..hub import HUB_KEY
from ..model.torrent import Torrent
from ..policy.inputs import ArrView, InstanceView, queue_entries
from ..policy.model import DEFAULT_PROTECT_TAG, TAG_STRIKE, Action, Guard, Settings
from ..policy.options import settings_from_options
from ..policy.seeding_goals import RiskCheck
from ..policy.views import torrent_info
from .targets import Down, Live, qbit_targets, raise_if_all_failed

ATTR_HASH: Final = "hash"
_HASH: Final = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def _valid_hash(value: str) -> str:
    torrent_hash = str(value).strip().lower()
    if not _HASH.match(torrent_hash):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_hash",
            translation_placeholders={"hash": str(value)[:80]},
        )
    return torrent_hash


APPROVAL_SCHEMA: Final = vol.Schema(
    {
        # One server (a list of one in the call data, as every service resolves its entries).
        vol.Required(ATTR_CONFIG_ENTRY_ID): vol.All(
            cv.ensure_list, vol.Length(min=1, max=1), [cv.string]
        ),
        vol.Required(ATTR_HASH): cv.string,
    }
)


def _server(call: ServiceCall) -> tuple[Live, str, Torrent]:
    """Resolve the call's server (up) and torrent (on it), or raise a translated error."""
    torrent_hash = _valid_hash(call.data[ATTR_HASH])
    (target,) = qbit_targets(call)
    if isinstance(target, Down):
        raise_if_all_failed([target], 1)
    assert isinstance(target, Live)  # noqa: S101 - a down server raised above
    torrent = target.coordinator.data.torrents.get(torrent_hash)
    if torrent is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="torrent_not_found",
            translation_placeholders={"hash": torrent_hash, "title": target.title},
        )
    return target, torrent_hash, torrent


def _owner(hass: HomeAssistant, category: str) -> ArrCoordinator | None:
    """Return the Arr whose category the torrent is in (spelled in any case), if any."""
    arrs = arr_coordinators(hass)
    return next((a for a in arrs if a.category == category), None) or next(
        (a for a in arrs if a.category.casefold() == category.casefold()), None
    )


def _planned(hass: HomeAssistant, target: Live, torrent_hash: str, torrent: Torrent) -> Action:
    """Plan the removal of a torrent no run held, as the rules would; raise when guarded."""
    arrs = arr_coordinators(hass)
    owner = _owner(hass, torrent.category)
    instances = [
        InstanceView(
            c.config_entry.entry_id, c.client.url, c.data.torrents if c.reachable else None
        )
        for c in qbit_coordinators(hass)
    ]
    views = [
        ArrView(
            a.config_entry.entry_id,
            a.category,
            settings_from_options(a.config_entry.options),
            a.data.queue,
            a.data.download_clients,
        )
        for a in arrs
    ]
    entries = queue_entries(views, instances).get(torrent_hash, ())
    arr = owner.config_entry.entry_id if owner else (entries[0].arr if entries else None)
    if arr is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="torrent_not_managed",
            translation_placeholders={"name": torrent.name, "category": torrent.category},
        )
    settings = next(view.settings for view in views if view.entry_id == arr)
    server = next(s for s in gather_servers(hass) if s.entry_id == target.entry_id)
    # Without the server's clocks the tracker's minimum is taken as unmet: the safe side.
    at_risk = RiskCheck(server.config, {}).at_risk(torrent_hash, torrent)
    reachable = frozenset(i.entry_id for i in instances if i.torrents is not None)
    planned = manual_removal(
        torrent_info(target.entry_id, torrent_hash, torrent, at_risk=at_risk),
        entries,
        arr,
        settings,
        reachable=reachable,
        any_unreachable=len(reachable) < len(qbit_entries(hass)),
        copies=lambda h: sum(h in (i.torrents or {}) for i in instances),
    )
    if isinstance(planned, Guard):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="removal_guarded",
            translation_placeholders={"name": torrent.name, "guard": str(planned)},
        )
    return planned


async def async_remove_torrent(call: ServiceCall) -> ServiceResponse:
    """Remove a torrent as its pending removal says (or as the rules would)."""
    hass = call.hass
    hub = hass.data[HUB_KEY]
    async with hub.handler.lock:
        await hub.store.async_load()
        target, torrent_hash, torrent = _server(call)
        key = (target.entry_id, torrent_hash)
        held = hub.store.find_pending(key)
        action = held[1].action if held else _planned(hass, target, torrent_hash, torrent)
        owner = held[0] if held else action.arr
        outcomes = await PlanExecutor(hass, hub.store).async_execute(
            [(action, owner)],
            {c.config_entry.entry_id: c for c in qbit_coordinators(hass)},
            {c.config_entry.entry_id: c for c in arr_coordinators(hass)},
        )
        outcome = outcomes[target.entry_id, torrent_hash, owner]
        if outcome.result == RESULT_FAILED:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="removal_failed",
                translation_placeholders={"name": torrent.name, "error": str(outcome.error)},
            )
        hub.store.forget_torrent(key)
        await hub.store.async_save()
    async_dispatcher_send(hass, SIGNAL_PENDING_CHANGED)
    await target.coordinator.async_request_refresh()
    response: dict[str, Any] = {
        "hash": torrent_hash,
        "name": torrent.name,
        "action": str(action.kind),
        "pending": held is not None,
        "error": outcome.error,
    }
    return response


def _protect_tag(
    hass: HomeAssistant, held: tuple[str, PendingRemoval] | None, category: str
) -> str:
    """Return the protect tag of the Arr holding the torrent (or whose category it is in)."""
    arr = next(
        (a for a in arr_coordinators(hass) if held and a.config_entry.entry_id == held[0]), None
    )
    arr = arr or _owner(hass, category)
    settings = settings_from_options(arr.config_entry.options) if arr else Settings()
    return settings.protect_tag or DEFAULT_PROTECT_TAG


def _keep(client: QbittorrentClient, torrent_hash: str, protect_tag: str) -> None:
    client.add_tags([torrent_hash], [protect_tag])
    client.remove_tags([torrent_hash], [TAG_STRIKE])


async def async_keep_torrent(call: ServiceCall) -> ServiceResponse:
    """Keep a torrent: add its Arr's protect tag, clear its strikes and its pending removal."""
    hass = call.hass
    hub = hass.data[HUB_KEY]
    async with hub.handler.lock:
        await hub.store.async_load()
        target, torrent_hash, torrent = _server(call)
        key = (target.entry_id, torrent_hash)
        held = hub.store.find_pending(key)
        protect_tag = _protect_tag(hass, held, torrent.category)
        try:
            await hass.async_add_executor_job(
                _keep, target.coordinator.client, torrent_hash, protect_tag
            )
        except QbitError as err:
            raise_if_all_failed([Down(target.entry_id, target.title, error_code(err))], 1)
        hub.store.forget_torrent(key)
        await hub.store.async_save()
    async_dispatcher_send(hass, SIGNAL_PENDING_CHANGED)
    await target.coordinator.async_request_refresh()
    response: dict[str, Any] = {
        "hash": torrent_hash,
        "name": torrent.name,
        "tag": protect_tag,
        "pending": held is not None,
    }
    return response
