"""`search_missing` and `search_cutoff_unmet`: search a few of an Arr's wanted items now."""

from __future__ import annotations

from typing import Final

import voluptuous as vol

from homeassistant.const import ATTR_CONFIG_ENTRY_ID
from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, service

from ..api.arr_library import WantedList
from ..arr_searches import async_search_wanted
from ..const import DOMAIN
from ..coordinator import ArrCoordinator

ATTR_MAX_ITEMS: Final = "max_items"
DEFAULT_MAX_ITEMS: Final = 10
SEARCH_WANTED_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Optional(ATTR_MAX_ITEMS, default=DEFAULT_MAX_ITEMS): vol.All(
            vol.Coerce(int), vol.Range(min=1, max=100)
        ),
    }
)


def _arr(call: ServiceCall) -> ArrCoordinator:
    entry = service.async_get_config_entry(call.hass, DOMAIN, call.data[ATTR_CONFIG_ENTRY_ID])
    if not isinstance(entry.runtime_data, ArrCoordinator):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_an_arr_entry",
            translation_placeholders={"title": entry.title},
        )
    return entry.runtime_data


async def async_search_missing(call: ServiceCall) -> ServiceResponse:
    """Search the Arr's missing items, least recently searched first."""
    return await async_search_wanted(_arr(call), WantedList.MISSING, call.data[ATTR_MAX_ITEMS])


async def async_search_cutoff_unmet(call: ServiceCall) -> ServiceResponse:
    """Search items below the Arr's quality cutoff, least recently searched first."""
    return await async_search_wanted(_arr(call), WantedList.CUTOFF_UNMET, call.data[ATTR_MAX_ITEMS])
