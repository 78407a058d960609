"""Repair issues appear when the user must act and clear themselves; event entities follow."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.qbitrr.const import DOMAIN, EVENT_TORRENT_COMPLETED
from homeassistant.const import CONF_PASSWORD, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component

from .conftest import add_arr_entry, entry_data, setup_integration
from .support.arr_emulator import ArrEmulator
from .support.fault_proxy import FaultProxy
from .support.qbittorrent_server import QbittorrentServer


def _issues(hass: HomeAssistant) -> dict[str, ir.IssueEntry]:
    return {
        issue_id: issue
        for (domain, issue_id), issue in ir.async_get(hass).issues.items()
        if domain == DOMAIN
    }


async def test_unreachable_for_long_raises_an_issue_that_clears(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    init_qbt: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    coordinator = init_qbt.runtime_data
    qbt.stop()
    await coordinator.async_refresh()
    assert _issues(hass) == {}  # a blip is not a problem to fix
    freezer.tick(timedelta(minutes=31))
    await coordinator.async_refresh()
    issue = _issues(hass)[f"instance_unreachable_{init_qbt.entry_id}"]
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["title"] == init_qbt.title

    qbt.restart()
    await coordinator.async_refresh()
    assert _issues(hass) == {}


async def test_auth_failure_raises_an_issue_until_reauth(
    hass: HomeAssistant, qbt: QbittorrentServer
) -> None:
    data = entry_data(qbt, **{CONF_PASSWORD: "wrong"})
    entry = MockConfigEntry(domain=DOMAIN, data=data, unique_id=data[CONF_URL])
    entry.add_to_hass(hass)
    await setup_integration(hass)
    assert f"auth_failed_{entry.entry_id}" in _issues(hass)
    flow = hass.config_entries.flow.async_progress_by_handler(DOMAIN)[0]
    await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"username": qbt.username, "password": qbt.password}
    )
    await hass.async_block_till_done()
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


async def test_arr_health_error_issue(hass: HomeAssistant, radarr: ArrEmulator) -> None:
    radarr.set_health(
        [{"source": "DownloadClientCheck", "type": "error", "message": "Unable to communicate"}]
    )
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    issue = _issues(hass)[f"arr_health_error_{entry.entry_id}"]
    assert issue.translation_placeholders == {
        "title": entry.title,
        "messages": "Unable to communicate",
    }
    radarr.set_health([{"source": "IndexerCheck", "type": "warning", "message": "Just a warning"}])
    await entry.runtime_data.async_refresh()
    assert _issues(hass) == {}
    # Removing the entry forgets its issues.
    radarr.set_health([{"source": "X", "type": "error", "message": "Broken"}])
    await entry.runtime_data.async_refresh()
    assert _issues(hass)
    await hass.config_entries.async_remove(entry.entry_id)
    assert _issues(hass) == {}


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
