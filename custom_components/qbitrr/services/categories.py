"""`sync_categories`: every Arr's category on every targeted qBittorrent server."""

from __future__ import annotations

import asyncio
from typing import Any, Final

import voluptuous as vol

from homeassistant.core import ServiceCall, ServiceResponse

from ..entries import managed_categories
from ..errors import AUTH_FAILED, UNREACHABLE
from ..hub import HUB_KEY
from ..hub_categories import CategoryKeeper
from ..policy.categories import CategorySyncResult
from .targets import ENTRY_IDS, Down, QbitTarget, qbit_targets, raise_if_all_failed

SYNC_CATEGORIES_SCHEMA: Final = vol.Schema(ENTRY_IDS)

# Codes that mean the server itself failed, not one category (`invalid_category`, `refused`
# stay per category: the server answered).
_SERVER_FAILURES: Final = frozenset({UNREACHABLE, AUTH_FAILED})


async def _async_sync(
    keeper: CategoryKeeper, target: QbitTarget, wanted: frozenset[str]
) -> tuple[dict[str, Any], Down | None]:
    """Ensure the categories on one server: its response entry, and its failure if it failed."""
    if isinstance(target, Down):
        result = CategorySyncResult(failed=dict.fromkeys(sorted(wanted), target.error))
        return {"title": target.title, "error": target.error, **result.as_dict()}, target
    result = await keeper.async_ensure(target.coordinator, wanted)
    error = next((code for code in result.failed.values() if code in _SERVER_FAILURES), None)
    down = Down(target.entry_id, target.title, error) if error else None
    return {"title": target.title, "error": error, **result.as_dict()}, down


async def async_sync_categories(call: ServiceCall) -> ServiceResponse:
    """Create the Arrs' missing categories; existing ones stay untouched."""
    targets = qbit_targets(call)
    wanted = managed_categories(call.hass)
    keeper = call.hass.data[HUB_KEY].categories
    results = await asyncio.gather(*(_async_sync(keeper, target, wanted) for target in targets))
    raise_if_all_failed([down for _, down in results if down is not None], len(targets))
    response: dict[str, Any] = {
        "categories": sorted(wanted),
        "instances": {
            target.entry_id: instance
            for target, (instance, _) in zip(targets, results, strict=True)
        },
    }
    return response
