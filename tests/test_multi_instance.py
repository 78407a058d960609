"""Several instances at once: categories everywhere, the cross-instance view and its services."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qbitrr.const import DOMAIN
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, add_magnets, random_info_hash, wait_for
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .conftest import add_arr_entry, add_qbt_entry, async_wait_for, setup_integration

type Pair = tuple[QbittorrentServer, QbittorrentServer]


def _categories(server: QbittorrentServer) -> dict[str, dict[str, object]]:
    return dict(server.client().torrents_categories())


def _add_hash(server: QbittorrentServer, torrent_hash: str, category: str) -> None:
    api = server.client()
    api.torrents_add(urls=f"magnet:?xt=urn:btih:{torrent_hash}&dn=shared", category=category)
    wait_for(
        lambda: any(t["hash"] == torrent_hash for t in api.torrents_info()), 30, message="listed"
    )


def _settle(server: QbittorrentServer) -> None:
    api = server.client()
    wait_for(
        lambda: all(
            t["state"] not in {"queuedDL", "checkingResumeData"} for t in api.torrents_info()
        ),
        30,
        message="settled",
    )


async def _refresh_all(hass: HomeAssistant, *entries: MockConfigEntry) -> None:
    for entry in entries:
        await entry.runtime_data.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_categories_on_every_instance(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator, sonarr: ArrEmulator
) -> None:
    qbt4, qbt5 = both_qbt
    # An existing category keeps its save path: qbitrr never changes what is there.
    qbt4.client().torrents_create_category(name="tv", save_path="/srv/tv")
    entries = [add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)]
    add_arr_entry(hass, radarr)
    add_arr_entry(hass, sonarr, category="tv")
    await setup_integration(hass)

    for server in both_qbt:
        await async_wait_for(
            hass, lambda s=server: {"radarr", "tv"} <= set(_categories(s)), "categories"
        )
    assert _categories(qbt4)["tv"]["savePath"] == "/srv/tv"

    # Asked again, nothing is created twice and the response says what is where.
    response = await hass.services.async_call(
        DOMAIN, "sync_categories", {}, blocking=True, return_response=True
    )
    assert response is not None
    assert response["categories"] == ["radarr", "tv"]
    for entry in entries:
        assert response["instances"][entry.entry_id] == {
            "title": entry.title,
            "error": None,
            "created": [],
            "present": ["radarr", "tv"],
            "failed": {},
            "case_conflicts": {},
        }


async def test_instance_added_later_gets_categories(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator, tmp_path: object
) -> None:
    qbt4, qbt5 = both_qbt
    add_qbt_entry(hass, qbt4)
    add_arr_entry(hass, radarr)
    await setup_integration(hass)
    await async_wait_for(hass, lambda: "radarr" in _categories(qbt4), "first instance")
    assert "radarr" not in _categories(qbt5)

    third = add_qbt_entry(hass, qbt5)
    assert await hass.config_entries.async_setup(third.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_for(hass, lambda: "radarr" in _categories(qbt5), "added instance")


async def test_unreachable_instance_gets_categories_when_back(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator
) -> None:
    qbt4, qbt5 = both_qbt
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    await setup_integration(hass)
    qbt5.stop()
    await _refresh_all(hass, e5)
    assert not e5.runtime_data.last_update_success

    arr = add_arr_entry(hass, radarr)
    assert await hass.config_entries.async_setup(arr.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_for(hass, lambda: "radarr" in _categories(qbt4), "reachable instance")

    response = await hass.services.async_call(
        DOMAIN, "sync_categories", {}, blocking=True, return_response=True
    )
    assert response is not None
    assert response["instances"][e4.entry_id]["present"] == ["radarr"]
    assert response["instances"][e5.entry_id]["failed"] == {"radarr": "unreachable"}

    qbt5.restart()
    await _refresh_all(hass, e5)
    assert e5.runtime_data.last_update_success
    # The poll that saw it back already ensured the categories: no waiting for another poll.
    assert "radarr" in _categories(qbt5)


async def test_distribution_and_torrents_match_the_servers(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator
) -> None:
    qbt4, qbt5 = both_qbt
    shared = random_info_hash()
    _add_hash(qbt4, shared, "radarr")
    _add_hash(qbt5, shared, "radarr")
    add_magnets(qbt4.client(), 2, category="radarr", tags=["hd"])
    add_magnets(qbt5.client(), 3, category="sonarr", paused=True)
    add_magnets(qbt5.client(), 1)
    for server in both_qbt:
        _settle(server)
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    arr = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    await _refresh_all(hass, e4, e5)

    distribution = await hass.services.async_call(
        DOMAIN, "get_distribution", {}, blocking=True, return_response=True
    )
    assert distribution is not None
    # The same hash on two instances is two torrents.
    assert distribution["distribution"] == {
        "": {e5.entry_id: 1},
        "radarr": {e4.entry_id: 3, e5.entry_id: 1},
        "sonarr": {e5.entry_id: 3},
    }
    assert distribution["by_state"]["sonarr"] == {e5.entry_id: {"paused": 3}}
    assert distribution["by_state"]["radarr"][e4.entry_id] == {"stalled": 3}
    assert distribution["instances"] == {e4.entry_id: e4.title, e5.entry_id: e5.title}

    listed = await hass.services.async_call(
        DOMAIN, "get_torrents", {}, blocking=True, return_response=True
    )
    assert listed is not None
    server_side = {
        (entry.entry_id, t["hash"]): t
        for entry, server in ((e4, qbt4), (e5, qbt5))
        for t in server.client().torrents_info()
    }
    assert listed["count"] == len(server_side) == 8
    assert {(t["instance"], t["hash"]) for t in listed["torrents"]} == set(server_side)
    for torrent in listed["torrents"]:
        real = server_side[(torrent["instance"], torrent["hash"])]
        assert torrent["name"] == real["name"]
        assert torrent["category"] == real["category"]
        assert torrent["state"] == real["state"]
        assert torrent["size"] == real["size"]
        assert torrent["added"] is not None

    filtered = await hass.services.async_call(
        DOMAIN,
        "get_torrents",
        {"categories": ["radarr"], "states": ["stalled"], "tags": ["hd"], "limit": 1},
        blocking=True,
        return_response=True,
    )
    assert filtered is not None
    assert filtered["count"] == 2
    assert filtered["truncated"] is True
    assert len(filtered["torrents"]) == 1
    assert filtered["torrents"][0]["instance"] == e4.entry_id

    only_five = await hass.services.async_call(
        DOMAIN,
        "get_torrents",
        {"config_entry_id": e5.entry_id},
        blocking=True,
        return_response=True,
    )
    assert only_five is not None
    assert {t["instance"] for t in only_five["torrents"]} == {e5.entry_id}

    # The Radarr device counts its category on both instances.
    registry = er.async_get(hass)
    torrents_id = registry.async_get_entity_id("sensor", DOMAIN, f"{arr.entry_id}-torrents")
    assert torrents_id is not None
    state = hass.states.get(torrents_id)
    assert state is not None
    assert state.state == "4"
    assert state.attributes["instances"] == {e4.title: 3, e5.title: 1}
    stalled_id = registry.async_get_entity_id("sensor", DOMAIN, f"{arr.entry_id}-stalled_torrents")
    assert stalled_id is not None
    stalled = hass.states.get(stalled_id)
    assert stalled is not None
    assert stalled.state == "4"

    # One instance down: the view skips it and says so; the Arr counts follow.
    qbt5.stop()
    await _refresh_all(hass, e5)
    distribution = await hass.services.async_call(
        DOMAIN,
        "get_distribution",
        {"categories": ["radarr"]},
        blocking=True,
        return_response=True,
    )
    assert distribution is not None
    assert distribution["distribution"] == {"radarr": {e4.entry_id: 3}}
    assert distribution["unreachable_instances"] == {
        e5.entry_id: {"title": e5.title, "error": "unreachable"}
    }
    state = hass.states.get(torrents_id)
    assert state is not None
    assert state.state == "3"


async def test_get_status(hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator) -> None:
    qbt4, qbt5 = both_qbt
    radarr.add_queue_item("A" * 40, title="Some Movie")
    radarr.set_health(
        [{"source": "IndexerCheck", "type": "warning", "message": "No indexers", "wikiUrl": None}]
    )
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    arr = add_arr_entry(hass, radarr)
    broken = MockConfigEntry(domain=DOMAIN, data={"url": "http://127.0.0.1:1"}, title="Broken")
    broken.add_to_hass(hass)
    await setup_integration(hass)

    status = await hass.services.async_call(
        DOMAIN, "get_status", {}, blocking=True, return_response=True
    )
    assert status is not None
    assert status["instances"][e4.entry_id]["app_version"].startswith("v4.")
    assert status["instances"][e5.entry_id]["app_version"].startswith("v5.")
    assert status["instances"][e4.entry_id]["reachable"] is True
    assert status["arrs"][arr.entry_id]["app"] == "Radarr"
    assert status["arrs"][arr.entry_id]["queue_size"] == 1
    assert status["arrs"][arr.entry_id]["health"][0]["type"] == "warning"
    assert status["not_loaded"] == [
        {"entry_id": broken.entry_id, "title": "Broken", "state": "setup_retry"}
    ]


async def test_service_validation(hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator) -> None:
    qbt4, _ = both_qbt
    add_qbt_entry(hass, qbt4)
    arr = add_arr_entry(hass, radarr)
    await setup_integration(hass)

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "sync_categories",
            {"config_entry_id": "nope"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "service_config_entry_not_found"

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "get_torrents",
            {"config_entry_id": arr.entry_id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "not_a_qbittorrent_entry"
    assert err.value.translation_domain == DOMAIN

    await hass.config_entries.async_unload(arr.entry_id)
    assert arr.state is ConfigEntryState.NOT_LOADED
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "sync_categories",
            {"config_entry_id": arr.entry_id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "service_config_entry_not_loaded"


async def test_arr_counts_follow_instances_loading_and_unloading(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator
) -> None:
    qbt4, _ = both_qbt
    add_magnets(qbt4.client(), 2, category="radarr")
    e4 = add_qbt_entry(hass, qbt4)
    arr = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{arr.entry_id}-torrents")
    assert entity_id is not None

    def value() -> str:
        state = hass.states.get(entity_id)
        assert state is not None
        return state.state

    # No poll needed: the count follows the instance as soon as it is loaded.
    assert value() == "2"
    await hass.config_entries.async_unload(e4.entry_id)
    await hass.async_block_till_done()
    assert value() == "unknown"
    await hass.config_entries.async_setup(e4.entry_id)
    await hass.async_block_till_done()
    assert value() == "2"


async def test_arr_counts_are_written_only_when_they_change(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator
) -> None:
    """Every instance's poll reaches the Arr's count sensors; they write only on a change."""
    qbt4, _ = both_qbt
    api = qbt4.client()
    add_magnets(api, 1, category="radarr")
    e4 = add_qbt_entry(hass, qbt4)
    arr = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{arr.entry_id}-torrents")
    assert entity_id is not None
    before = hass.states.get(entity_id)
    assert before is not None
    assert before.state == "1"

    await e4.runtime_data.async_refresh()
    await hass.async_block_till_done()
    unchanged = hass.states.get(entity_id)
    assert unchanged is not None
    assert unchanged.last_reported == before.last_reported  # no write at all

    add_magnets(api, 1, category="radarr")
    wait_for(lambda: len(api.torrents_info(category="radarr")) == 2, 30, message="added")
    await e4.runtime_data.async_refresh()
    await hass.async_block_till_done()
    after = hass.states.get(entity_id)
    assert after is not None
    assert after.state == "2"
