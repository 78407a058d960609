"""Repair issues appear when the user must act and clear themselves; event entities follow."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.qbitrr.const import DOMAIN, EVENT_TORRENT_COMPLETED
from devtools.arr_emulator import ArrEmulator
from devtools.fault_proxy import FaultProxy
from devtools.qbittorrent_server import QbittorrentServer, add_magnets, wait_for
from homeassistant.const import CONF_PASSWORD, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component

from .conftest import add_arr_entry, async_wait_for, entry_data, setup_integration


def _issues(hass: HomeAssistant) -> dict[str, ir.IssueEntry]:
    return {
        issue_id: issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN
    }


async def test_a_long_outage_is_unavailability_not_a_repair(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    init_qbt: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Nothing to fix in Home Assistant: the connectivity sensor says it, not a repair."""
    coordinator = init_qbt.runtime_data
    qbt.stop()
    await coordinator.async_refresh()
    freezer.tick(timedelta(minutes=45))
    await coordinator.async_refresh()
    assert _issues(hass) == {}
    assert not coordinator.last_update_success
    qbt.restart()
    await coordinator.async_refresh()
    assert coordinator.last_update_success


async def test_bad_credentials_are_reauth_not_a_repair(
    hass: HomeAssistant, qbt: QbittorrentServer
) -> None:
    data = entry_data(qbt, **{CONF_PASSWORD: "wrong-password"})
    entry = MockConfigEntry(domain=DOMAIN, data=data, unique_id=data[CONF_URL])
    entry.add_to_hass(hass)
    await setup_integration(hass)
    assert _issues(hass) == {}
    flow = hass.config_entries.flow.async_progress_by_handler(DOMAIN)[0]
    assert flow["context"]["source"] == "reauth"
    await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"username": qbt.username, "password": qbt.password}
    )
    await hass.async_block_till_done()
    assert entry.data[CONF_PASSWORD] == qbt.password
    assert _issues(hass) == {}


async def test_missing_category_issue_and_its_fix_flow(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    radarr: ArrEmulator,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    with FaultProxy(qbt.url) as proxy:
        proxy.inject(r"/createCategory$", "status_500")
        data = entry_data(qbt, **{CONF_URL: proxy.url})
        entry = MockConfigEntry(domain=DOMAIN, data=data, unique_id=data[CONF_URL])
        entry.add_to_hass(hass)
        add_arr_entry(hass, radarr)
        await setup_integration(hass)
        issue_id = f"category_missing_{entry.entry_id}_radarr"
        issue = _issues(hass)[issue_id]
        assert issue.is_fixable
        assert "radarr" not in qbt.client().torrents_categories()

        client = await hass_client()
        response = await client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
        )
        assert response.status == HTTPStatus.OK
        flow = await response.json()
        assert flow["step_id"] == "confirm"
        # Still failing: the flow says so and the issue stays.
        response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
        result = await response.json()
        assert result["type"] == "abort"
        assert result["reason"] == "still_failing"
        assert issue_id in _issues(hass)

        proxy.clear()
        response = await client.post(
            "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
        )
        flow = await response.json()
        response = await client.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
        assert (await response.json())["type"] == "create_entry"
        assert "radarr" in qbt.client().torrents_categories()
        assert issue_id not in _issues(hass)
        await hass.config_entries.async_unload(entry.entry_id)


async def test_arr_health_is_its_sensor_not_a_repair(
    hass: HomeAssistant, radarr: ArrEmulator
) -> None:
    """The Arr's own health is fixed in the Arr: its binary sensor says it, no repair."""
    radarr.set_health(
        [{"source": "DownloadClientCheck", "type": "error", "message": "Unable to communicate"}]
    )
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    assert _issues(hass) == {}
    state = hass.states.get("binary_sensor.radarr_test_health")
    assert state is not None
    assert state.state == "on"
    assert state.attributes["messages"][0]["message"] == "Unable to communicate"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_case_only_category_is_a_repair_the_user_decides(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    radarr: ArrEmulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """`Radarr` on the server and `radarr` in the Arr: no second category made silently."""
    assert await async_setup_component(hass, "repairs", {})
    api = qbt.client()
    api.torrents_create_category(name="Radarr")
    add_magnets(api, 1, category="Radarr")
    wait_for(lambda: len(api.torrents_info(category="Radarr")) == 1, 30, message="added")
    qbt_entry = MockConfigEntry(
        domain=DOMAIN, title="qBittorrent", data=entry_data(qbt), unique_id="qbt"
    )
    qbt_entry.add_to_hass(hass)
    arr = add_arr_entry(hass, radarr)  # category "radarr"
    await setup_integration(hass)

    assert set(api.torrents_categories()) == {"Radarr"}
    issue_id = "category_case_conflict_radarr"
    issue = _issues(hass)[issue_id]
    assert issue.is_fixable
    assert issue.translation_placeholders == {
        "category": "radarr",
        "existing": "Radarr",
        "servers": "qBittorrent",
    }
    # Until the user decides, both spellings are the Arr's: its torrents are counted.
    assert hass.states.get("sensor.radarr_test_torrents").state == "1"

    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    assert flow["step_id"] == "decide"
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"choice": "use_existing"}
    )
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert arr.data["category"] == "Radarr"
    assert set(api.torrents_categories()) == {"Radarr"}
    assert issue_id not in _issues(hass)


async def test_case_only_category_kept_apart_is_created(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    radarr: ArrEmulator,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    api = qbt.client()
    api.torrents_create_category(name="RADARR")
    MockConfigEntry(
        domain=DOMAIN, title="qBittorrent", data=entry_data(qbt), unique_id="qbt"
    ).add_to_hass(hass)
    arr = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    issue_id = "category_case_conflict_radarr"
    assert issue_id in _issues(hass)

    client = await hass_client()
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    flow = await response.json()
    response = await client.post(
        f"/api/repairs/issues/fix/{flow['flow_id']}", json={"choice": "keep_both"}
    )
    assert (await response.json())["type"] == "create_entry"
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_for(
        hass, lambda: "radarr" in api.torrents_categories(), "the Arr's spelling created"
    )
    assert arr.data["keep_case_variants"] == ["RADARR"]
    assert set(api.torrents_categories()) == {"radarr", "RADARR"}
    assert issue_id not in _issues(hass)


async def test_torrent_event_entity(
    hass: HomeAssistant, init_qbt: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    entity_id = entity_registry.async_get_entity_id(
        "event", DOMAIN, f"{init_qbt.entry_id}-torrent_event"
    )
    assert entity_id is not None
    hass.bus.async_fire(
        EVENT_TORRENT_COMPLETED,
        {"instance": "another-entry", "hash": "aa", "name": "Other", "category": "", "state": "x"},
    )
    await hass.async_block_till_done()
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["event_type"] is None
    hass.bus.async_fire(
        EVENT_TORRENT_COMPLETED,
        {
            "instance": init_qbt.entry_id,
            "instance_title": init_qbt.title,
            "hash": "bb",
            "name": "Mine",
            "category": "radarr",
            "state": "uploading",
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["event_type"] == "completed"
    assert state.attributes["name"] == "Mine"
    assert state.attributes["category"] == "radarr"


@pytest.mark.parametrize("dry_run", [True, False])
async def test_torrent_action_event_entity(
    hass: HomeAssistant,
    radarr: ArrEmulator,
    entity_registry: er.EntityRegistry,
    dry_run: bool,
) -> None:
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    entity_id = entity_registry.async_get_entity_id(
        "event", DOMAIN, f"{entry.entry_id}-torrent_action"
    )
    assert entity_id is not None
    hass.bus.async_fire(
        "qbitrr_torrent_action",
        {
            "arr": entry.entry_id,
            "action": "tag",
            "rule": "stalled",
            "name": "X",
            "dry_run": dry_run,
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get(entity_id)
    assert state is not None
    # Dry runs change nothing, so they trigger nothing either.
    assert state.attributes["event_type"] == (None if dry_run else "tag")
