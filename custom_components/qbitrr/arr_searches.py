"""Searching what an Arr is missing: a few items per call, each at most once per cooldown.

The Arr's wanted lists (missing, cutoff unmet) are paged least recently searched first; items
qbitrr searched within the Arr's cooldown (remembered in a Store, so across restarts), or that
the Arr itself searched within it, are skipped; one search command covers the chosen items.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
import time
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api.arr import ArrError
from .api.arr_library import WANTED_PAGE_SIZE, ArrLibrary, WantedList
from .const import DOMAIN, LOGGER
from .coordinator import ArrCoordinator
from .model.arr import WantedItem
from .policy.options import OPT_SEARCH_COOLDOWN, with_defaults

STORE_VERSION: Final = 1
STORE_KEY: Final = f"{DOMAIN}.searches"
# A wanted list longer than this many pages is read no further in one call (5,000 items).
MAX_PAGES: Final = 100


class SearchMemory:
    """When qbitrr last searched each wanted item, per Arr (Unix seconds), kept in a Store."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare; the Store is read on first use."""
        self._store: Store[dict[str, Any]] = Store(hass, STORE_VERSION, STORE_KEY)
        self._searched: dict[str, dict[int, float]] = {}
        self._loaded = False
        self.lock = asyncio.Lock()

    async def async_load(self) -> None:
        """Read the Store once; what does not parse is dropped."""
        if self._loaded:
            return
        self._loaded = True
        data = await self._store.async_load()
        arrs = data.get("arrs") if isinstance(data, dict) else None
        for arr, items in arrs.items() if isinstance(arrs, dict) else ():
            if isinstance(items, dict):
                self._searched[str(arr)] = {
                    int(item): float(at)
                    for item, at in items.items()
                    if str(item).isdigit() and isinstance(at, (int, float))
                }

    def searched_at(self, arr: str, item_id: int) -> float | None:
        """When qbitrr last searched the item for this Arr; None when never (or forgotten)."""
        return self._searched.get(arr, {}).get(item_id)

    async def async_remember(
        self, arr: str, item_ids: list[int], now: float, cooldown: float
    ) -> None:
        """Record searches and save; entries past the cooldown are dropped (not needed)."""
        searched = {
            item: at for item, at in self._searched.get(arr, {}).items() if now - at < cooldown
        }
        searched.update(dict.fromkeys(item_ids, now))
        self._searched[arr] = searched
        await self._save()

    async def async_forget(self, arr: str) -> None:
        """Drop a removed Arr's searches."""
        await self.async_load()
        if self._searched.pop(arr, None) is not None:
            await self._save()

    async def _save(self) -> None:
        await self._store.async_save(
            {
                "arrs": {
                    arr: {str(item): at for item, at in items.items()}
                    for arr, items in self._searched.items()
                }
            }
        )


SEARCH_MEMORY: HassKey[SearchMemory] = HassKey(f"{DOMAIN}_searches")


def search_memory(hass: HomeAssistant) -> SearchMemory:
    """Return the one search memory of this Home Assistant."""
    if SEARCH_MEMORY not in hass.data:
        hass.data[SEARCH_MEMORY] = SearchMemory(hass)
    return hass.data[SEARCH_MEMORY]


@dataclass(slots=True)
class _Choice:
    chosen: list[WantedItem] = field(default_factory=list)
    skipped: int = 0
    total: int = 0


def _cooling(item: WantedItem, searched_at: float | None, now: float, cooldown: float) -> bool:
    """Whether qbitrr or the Arr searched the item within the cooldown."""
    if searched_at is not None and now - searched_at < cooldown:
        return True
    by_arr = dt_util.parse_datetime(item.last_search_time or "")
    return by_arr is not None and now - by_arr.timestamp() < cooldown


async def _choose(
    arr: ArrCoordinator, wanted_list: WantedList, limit: int, now: float, cooldown: float
) -> _Choice:
    memory = search_memory(arr.hass)
    arr_id = arr.config_entry.entry_id
    library = ArrLibrary(arr.client)
    choice = _Choice()
    for page in range(1, MAX_PAGES + 1):
        wanted = await library.wanted(wanted_list, page)
        choice.total = wanted.total
        for item in wanted.items:
            if _cooling(item, memory.searched_at(arr_id, item.id), now, cooldown):
                choice.skipped += 1
            elif len(choice.chosen) < limit:
                choice.chosen.append(item)
        done = len(choice.chosen) >= limit or not wanted.items
        if done or page * WANTED_PAGE_SIZE >= wanted.total:
            break
    return choice


async def async_search_wanted(
    arr: ArrCoordinator, wanted_list: WantedList, limit: int
) -> dict[str, Any]:
    """Search at most `limit` items of a wanted list outside their cooldown; say which."""
    entry = arr.config_entry
    cooldown = float(with_defaults(entry.options)[OPT_SEARCH_COOLDOWN]) * 3600
    memory = search_memory(arr.hass)
    async with memory.lock:  # two calls at once would pick the same items
        await memory.async_load()
        now = time.time()
        try:
            choice = await _choose(arr, wanted_list, limit, now, cooldown)
            if choice.chosen:
                await arr.client.search([item.id for item in choice.chosen])
        except ArrError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="arr_search_failed",
                translation_placeholders={"title": entry.title, "error": str(err) or repr(err)},
            ) from err
        if choice.chosen:
            await memory.async_remember(
                entry.entry_id, [item.id for item in choice.chosen], now, cooldown
            )
    LOGGER.debug("%s: searched %d of its %s list", entry.title, len(choice.chosen), wanted_list)
    return _response(arr, wanted_list, choice)


def _response(arr: ArrCoordinator, wanted_list: WantedList, choice: _Choice) -> dict[str, Any]:
    searched: list[Mapping[str, Any]] = [
        {"id": item.id, "title": item.title, "last_search_time": item.last_search_time}
        for item in choice.chosen
    ]
    return {
        "arr": arr.config_entry.entry_id,
        "arr_title": arr.config_entry.title,
        "list": str(wanted_list),
        "searched": searched,
        "skipped_in_cooldown": choice.skipped,
        "total_wanted": choice.total,
    }
