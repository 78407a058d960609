"""The coordinator against real servers: counts, incremental sync, outages, sessions, reauth."""

from __future__ import annotations

import logging

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import qbittorrentapi

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.coordinator import QbitCoordinator
from custom_components.qbitrr.model.states import StateGroup, state_group
from devtools.qbittorrent_server import PAUSED_STATES, QbittorrentServer, add_magnets, wait_for
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er


def _entity_id(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    registry = er.async_get(hass)
    platform = "binary_sensor" if key == "connectivity" else "sensor"
    entity_id = registry.async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}-{key}")
    assert entity_id is not None, key
    return entity_id


def _state(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    state = hass.states.get(_entity_id(hass, entry, key))
    assert state is not None
    return state.state


def _wait_until_settled(api: qbittorrentapi.Client, count: int) -> None:
    """Wait until the server lists `count` torrents and none is in a transient state."""

    def settled() -> bool:
        torrents = api.torrents_info()
        return len(torrents) == count and all(
            state_group(t["state"]) in {StateGroup.STALLED, StateGroup.PAUSED} for t in torrents
        )

    wait_for(settled, 30, message=f"{count} torrents settled")


async def _refresh(hass: HomeAssistant, coordinator: QbitCoordinator) -> None:
    await coordinator.async_refresh()
    await hass.async_block_till_done()


async def test_counts_follow_the_server(
    hass: HomeAssistant, init_qbt: MockConfigEntry, qbt_api: qbittorrentapi.Client
) -> None:
    coordinator = init_qbt.runtime_data
    stalled = add_magnets(qbt_api, 3, category="radarr", tags=["hd"])
    paused = add_magnets(qbt_api, 2, category="sonarr", paused=True)
    _wait_until_settled(qbt_api, 5)
    await _refresh(hass, coordinator)

    assert _state(hass, init_qbt, "total_torrents") == "5"
    assert _state(hass, init_qbt, "stalled_torrents") == "3"
    assert _state(hass, init_qbt, "paused_torrents") == "2"
    assert _state(hass, init_qbt, "downloading_torrents") == "0"
    total = hass.states.get(_entity_id(hass, init_qbt, "total_torrents"))
    assert total is not None
    assert total.attributes["categories"] == {"radarr": 3, "sonarr": 2}
    assert {t.state for h, t in coordinator.data.torrents.items() if h in paused} <= PAUSED_STATES

    # Resume the paused ones, delete one stalled: the counts follow.
    qbt_api.torrents_resume(torrent_hashes=paused)
    qbt_api.torrents_delete(delete_files=True, torrent_hashes=stalled[0])
    _wait_until_settled(qbt_api, 4)
    wait_for(
        lambda: not any(t["state"] in PAUSED_STATES for t in qbt_api.torrents_info()),
        30,
        message="resumed",
    )
    await _refresh(hass, coordinator)
    assert _state(hass, init_qbt, "total_torrents") == "4"
    assert _state(hass, init_qbt, "stalled_torrents") == "4"
    assert _state(hass, init_qbt, "paused_torrents") == "0"
    assert set(coordinator.data.torrents) == set(stalled[1:]) | set(paused)


async def test_polls_after_the_first_are_incremental(
    hass: HomeAssistant, init_qbt: MockConfigEntry, qbt_api: qbittorrentapi.Client
) -> None:
    coordinator = init_qbt.runtime_data
    client = coordinator.client
    assert (client.full_syncs, client.incremental_syncs) == (1, 0)

    hashes = add_magnets(qbt_api, 4, category="radarr")
    _wait_until_settled(qbt_api, 4)
    qbt_api.torrents_add_tags(tags="checked", torrent_hashes=hashes[:2])
    wait_for(
        lambda: sum("checked" in t["tags"] for t in qbt_api.torrents_info()) == 2,
        30,
        message="tags applied",
    )
    rid_before = client.maindata.rid if client.maindata else 0
    await _refresh(hass, coordinator)
    await _refresh(hass, coordinator)

    assert client.full_syncs == 1
    assert client.incremental_syncs == 2
    assert client.maindata is not None
    assert client.maindata.rid > rid_before
    assert coordinator.data.full_update is False
    # The merged model equals what the server lists, field by field for what we keep.
    server = {t["hash"]: t for t in qbt_api.torrents_info()}
    assert set(coordinator.data.torrents) == set(server)
    for torrent_hash, torrent in coordinator.data.torrents.items():
        for field in ("name", "category", "tags", "state", "size"):
            assert getattr(torrent, field) == server[torrent_hash][field], field
    assert "checked" in coordinator.data.maindata.tags
    assert "radarr" in coordinator.data.maindata.categories


async def test_outage_is_logged_once_and_recovers(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    init_qbt: MockConfigEntry,
    qbt_api: qbittorrentapi.Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator = init_qbt.runtime_data
    add_magnets(qbt_api, 2, category="radarr")
    _wait_until_settled(qbt_api, 2)
    await _refresh(hass, coordinator)
    assert _state(hass, init_qbt, "connectivity") == STATE_ON

    caplog.clear()
    caplog.set_level(logging.INFO, logger="custom_components.qbitrr")
    qbt.stop()
    for _ in range(3):
        await _refresh(hass, coordinator)
    assert _state(hass, init_qbt, "connectivity") == STATE_OFF
    assert _state(hass, init_qbt, "total_torrents") == STATE_UNAVAILABLE
    assert coordinator.health.consecutive_failures == 3
    failures = [r for r in caplog.records if "Error fetching" in r.getMessage()]
    assert len(failures) == 1
    assert "Error communicating with the qBittorrent server" in failures[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info]

    qbt.restart()
    await _refresh(hass, coordinator)
    assert _state(hass, init_qbt, "connectivity") == STATE_ON
    assert _state(hass, init_qbt, "total_torrents") == "2"
    assert coordinator.health.consecutive_failures == 0
    assert len([r for r in caplog.records if "recovered" in r.getMessage()]) == 1
    # After an error the next poll was a full resync.
    assert coordinator.client.full_syncs == 2


async def test_expired_session_logs_in_again_silently(
    hass: HomeAssistant, init_qbt: MockConfigEntry
) -> None:
    coordinator = init_qbt.runtime_data
    # End the session on the server's side, as a restart or an idle timeout would.
    await hass.async_add_executor_job(coordinator.client._api.auth_log_out)
    await _refresh(hass, coordinator)
    assert coordinator.last_update_success
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


async def test_changed_password_starts_reauth(
    hass: HomeAssistant, qbt: QbittorrentServer, init_qbt: MockConfigEntry
) -> None:
    coordinator = init_qbt.runtime_data
    admin = qbt.client()
    admin.app_set_preferences({"web_ui_password": "a-new-password"})
    try:
        # Drop our session so the next request must log in with the old password.
        await hass.async_add_executor_job(coordinator.client._api.auth_log_out)
        await _refresh(hass, coordinator)
        assert not coordinator.last_update_success
        await hass.async_block_till_done()
        flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    finally:
        admin.app_set_preferences({"web_ui_password": qbt.password})
