"""`handle_torrents`: run the stalled/failed torrent rules of the chosen Arrs now."""

from __future__ import annotations

from typing import Any, Final

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv

from ..const import DOMAIN
from ..entries import arr_entries
from ..errors import NOT_LOADED
from ..hub import HUB_KEY
from .targets import ENTRY_IDS, arr_targets

ATTR_DRY_RUN: Final = "dry_run"
HANDLE_TORRENTS_SCHEMA: Final = vol.Schema(
    {**ENTRY_IDS, vol.Optional(ATTR_DRY_RUN, default=False): cv.boolean}
)


def _raise_if_none_handled(skipped: dict[str, dict[str, str]], targeted: set[str]) -> None:
    """Raise when no targeted Arr could be judged (each one's last poll failed)."""
    if not targeted <= skipped.keys():
        return
    if len(targeted) == 1:
        (arr,) = (skipped[entry_id] for entry_id in targeted)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="arr_unavailable",
            translation_placeholders={"title": arr["title"]},
        )
    raise HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="arrs_unavailable",
        translation_placeholders={
            "failures": ", ".join(f"{arr['title']} ({arr['error']})" for arr in skipped.values())
        },
    )


async def async_handle_torrents(call: ServiceCall) -> ServiceResponse:
    """Judge the Arrs' torrents on every server; act unless it is a dry run."""
    arrs = arr_targets(call)
    response: dict[str, Any] = await call.hass.data[HUB_KEY].handler.async_run(
        arrs, dry_run=call.data[ATTR_DRY_RUN]
    )
    skipped: dict[str, dict[str, str]] = dict(response["skipped_arrs"])
    if not call.data.get(ATTR_CONFIG_ENTRY_ID):
        # All of them were asked for: an Arr whose entry is not set up was not handled either.
        for entry in arr_entries(call.hass):
            if entry.state is not ConfigEntryState.LOADED:
                skipped[entry.entry_id] = {"title": entry.title, "error": NOT_LOADED}
    response["skipped_arrs"] = dict(sorted(skipped.items()))
    _raise_if_none_handled(skipped, {arr.config_entry.entry_id for arr in arrs})
    return response
