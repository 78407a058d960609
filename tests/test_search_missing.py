"""`qbitrr.search_missing` and `qbitrr.search_cutoff_unmet` against the emulated Radarr, Sonarr
and Lidarr: at most N items per call, least recently searched first, each at most once per
cooldown, also after a restart (the Store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qbitrr.arr_searches import SEARCH_MEMORY, STORE_KEY
from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.policy.options import OPT_SEARCH_COOLDOWN
from devtools.arr_emulator import ArrEmulator, Search
from devtools.qbittorrent_server import QbittorrentServer
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .conftest import add_arr_entry, add_qbt_entry, setup_integration

SEARCH = {"radarr": "MoviesSearch", "sonarr": "EpisodeSearch", "lidarr": "AlbumSearch"}


@pytest.fixture(params=["radarr", "sonarr", "lidarr"])
def arr(request: pytest.FixtureRequest) -> ArrEmulator:
    """The emulator of each app."""
    emulator: ArrEmulator = request.getfixturevalue(request.param)
    return emulator


async def _search(
    hass: HomeAssistant, entry: MockConfigEntry, service: str = "search_missing", **data: Any
) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        service,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


def _searched_ids(response: dict[str, Any]) -> list[int]:
    return [item["id"] for item in response["searched"]]


async def test_searches_at_most_n_and_skips_the_cooldown(
    hass: HomeAssistant, arr: ArrEmulator, hass_storage: dict[str, Any]
) -> None:
    # 1..12 never searched, 13..15 searched by the Arr long ago (oldest first), 16 lately.
    for item_id in range(1, 13):
        arr.library.add_item(item_id, f"Item {item_id}")
    for item_id, days in ((13, 300), (14, 200), (15, 100)):
        stamp = datetime.now(UTC) - timedelta(days=days)
        arr.library.add_item(
            item_id, f"Item {item_id}", last_search_time=stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    recent = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    arr.library.add_item(16, "Searched an hour ago", last_search_time=recent)
    entry = add_arr_entry(hass, arr)
    await setup_integration(hass)

    first = await _search(hass, entry)
    assert _searched_ids(first) == list(range(1, 11))
    assert first["total_wanted"] == 16
    assert first["list"] == "missing"
    assert first["arr_title"] == entry.title
    assert arr.searches == [
        Search(SEARCH[arr.app], tuple(range(1, 11)), "command", arr.searches[0].command_id)
    ]
    second = await _search(hass, entry, max_items=3)
    assert _searched_ids(second) == [11, 12, 13]
    assert second["skipped_in_cooldown"] == 11  # 1..10 by qbitrr, 16 by the Arr
    assert [search.ids for search in arr.searches][1:] == [(11, 12, 13)]

    # A restart: qbitrr's memory comes back from its Store. The Arr forgot its own search
    # times (restored from a backup), so only qbitrr's memory keeps the 13 items back.
    assert set(hass_storage[STORE_KEY]["data"]["arrs"][entry.entry_id]) == {
        str(i) for i in range(1, 14)
    }
    for item_id in range(1, 14):
        arr.library.set_last_search_time(item_id, None)
    hass.data.pop(SEARCH_MEMORY)
    assert await hass.config_entries.async_reload(entry.entry_id)
    third = await _search(hass, entry, max_items=5)
    assert _searched_ids(third) == [14, 15]  # 16: the Arr searched it an hour ago
    assert third["skipped_in_cooldown"] == 14
    # Nothing left outside the cooldown: no command at all.
    fourth = await _search(hass, entry)
    assert fourth["searched"] == []
    assert len(arr.searches) == 3


async def test_cutoff_unmet_and_a_zero_cooldown(hass: HomeAssistant, sonarr: ArrEmulator) -> None:
    sonarr.library.add_item(1, "Missing")
    sonarr.library.add_item(2, "Pilot", parent_title="Show", missing=False, cutoff_unmet=True)
    sonarr.library.add_item(3, "Second", missing=False, cutoff_unmet=True, episode=2)
    entry = add_arr_entry(hass, sonarr, options={OPT_SEARCH_COOLDOWN: 0})
    await setup_integration(hass)
    response = await _search(hass, entry, "search_cutoff_unmet")
    assert response["searched"][0] == {"id": 2, "title": "Show S01E01", "last_search_time": None}
    assert _searched_ids(response) == [2, 3]
    again = await _search(hass, entry, "search_cutoff_unmet", max_items=1)
    assert _searched_ids(again) == [2]  # searched longest ago comes first again
    assert [search.ids for search in sonarr.searches] == [(2, 3), (2,)]


async def test_search_errors(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    qbit_entry = add_qbt_entry(hass, qbt)
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    with pytest.raises(ServiceValidationError) as err:
        await _search(hass, qbit_entry)
    assert err.value.translation_key == "not_an_arr_entry"
    radarr.library.add_item(1, "Arrival")
    radarr.inject_fault("wanted", "500", times=1)
    with pytest.raises(HomeAssistantError) as failed:
        await _search(hass, entry)
    assert failed.value.translation_key == "arr_search_failed"
    radarr.inject_fault("command", "500", times=1)
    with pytest.raises(HomeAssistantError):
        await _search(hass, entry)
    # A failed search is not remembered: the next call searches the movie.
    assert _searched_ids(await _search(hass, entry)) == [1]
    # Removing the Arr forgets its searches.
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.data[SEARCH_MEMORY].searched_at(entry.entry_id, 1) is None
