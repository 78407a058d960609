"""Controls of a qBittorrent server (switch, numbers, buttons) and an Arr's button, on real servers.

Each control changes the real server (read back with qbittorrent-api), its entity shows the
server's value after the poll that follows, and a stopped server makes it unavailable and its
use fail with a translated error. Also: the server-state sensors match `sync/maindata`.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import qbittorrentapi

from custom_components.qbitrr.button import ARR_BUTTONS, QBIT_BUTTONS
from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.hub import HUB_KEY
from custom_components.qbitrr.number import NUMBERS
from custom_components.qbitrr.switch import SWITCHES
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, add_magnets
from homeassistant.components.button import DATA_COMPONENT as BUTTONS
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er

from .conftest import add_arr_entry, add_qbt_entry, async_wait_for, setup_integration

INTEGRATION = Path(__file__).parent.parent / "custom_components" / DOMAIN
# Number entity key -> its key in `app/preferences` (bytes/s there, KiB/s on the entity).
LIMITS = {
    "download_limit": "dl_limit",
    "upload_limit": "up_limit",
    "alt_download_limit": "alt_dl_limit",
    "alt_upload_limit": "alt_up_limit",
}
PAUSED = {"pausedDL", "pausedUP", "stoppedDL", "stoppedUP"}  # 4.x and 5.x spellings


@pytest.fixture
def restore_limits(qbt: QbittorrentServer) -> Iterator[None]:
    """Put the server's speed limits and mode back: the servers live for the whole session."""
    client = qbt.client()
    preferences = client.app_preferences()
    limits = {key: preferences[key] for key in LIMITS.values()}
    alternative = client.transfer_speed_limits_mode() == "1"
    yield
    if not qbt.running:
        qbt.restart()
    client = qbt.client()
    client.app_set_preferences(limits)
    client.transfer_set_speed_limits_mode(intended_state=alternative)


def _entity_ids(registry: er.EntityRegistry, entry: MockConfigEntry) -> dict[str, str]:
    """Entity ids of an entry by description key."""
    return {
        item.unique_id.removeprefix(f"{entry.entry_id}-"): item.entity_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def _set_limit(hass: HomeAssistant, entity_id: str, kib: int) -> None:
    await hass.services.async_call(
        "number", "set_value", {"entity_id": entity_id, "value": kib}, blocking=True
    )


async def test_switch_and_limits_change_the_server(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    restore_limits: None,
    init_qbt: MockConfigEntry,
    qbt_api: qbittorrentapi.Client,
    entity_registry: er.EntityRegistry,
) -> None:
    coordinator = init_qbt.runtime_data
    ids = _entity_ids(entity_registry, init_qbt)
    switch = ids["alternative_speed_limits"]
    qbt_api.transfer_set_speed_limits_mode(intended_state=False)
    await coordinator.async_refresh()
    assert _state(hass, switch) == "off"

    # The write is followed by a poll at once: the entity shows what the server now reports.
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    assert qbt_api.transfer_speed_limits_mode() == "1"
    assert qbt_api.sync_maindata()["server_state"]["use_alt_speed_limits"] is True
    await hass.async_block_till_done()
    assert _state(hass, switch) == "on"

    # Every limit, the global ones set while the alternative ones are in use included: each
    # lands where it belongs (qBittorrent's transfer/setDownloadLimit would not do that).
    wanted = {"download_limit": 500, "upload_limit": 700, "alt_download_limit": 300}
    wanted["alt_upload_limit"] = 40
    for key, kib in wanted.items():
        await _set_limit(hass, ids[key], kib)
        assert qbt_api.app_preferences()[LIMITS[key]] == kib * 1024, key
        await coordinator.async_refresh()
        assert _state(hass, ids[key]) == str(kib), key
    preferences = qbt_api.app_preferences()
    assert {key: preferences[pref] // 1024 for key, pref in LIMITS.items()} == wanted
    state = qbt_api.sync_maindata()["server_state"]
    assert (state["dl_rate_limit"], state["up_rate_limit"]) == (300 * 1024, 40 * 1024)

    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert qbt_api.transfer_speed_limits_mode() == "0"
    state = qbt_api.sync_maindata()["server_state"]
    assert (state["dl_rate_limit"], state["up_rate_limit"]) == (500 * 1024, 700 * 1024)
    await coordinator.async_refresh()
    assert _state(hass, switch) == "off"

    # 0 means no limit.
    await _set_limit(hass, ids["download_limit"], 0)
    assert qbt_api.app_preferences()["dl_limit"] == 0
    await coordinator.async_refresh()
    assert _state(hass, ids["download_limit"]) == "0"

    # A change made elsewhere to the limits in use shows on the next poll, without a request
    # for preferences on every poll (the changed figures in sync/maindata ask for one).
    qbt_api.transfer_set_upload_limit(64 * 1024)
    await coordinator.async_refresh()
    assert _state(hass, ids["upload_limit"]) == "64"
    qbt_api.transfer_set_speed_limits_mode(intended_state=True)
    await coordinator.async_refresh()
    assert _state(hass, switch) == "on"


async def test_buttons_act_on_the_server(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    radarr: ArrEmulator,
    qbt_api: qbittorrentapi.Client,
    entity_registry: er.EntityRegistry,
) -> None:
    hashes = set(add_magnets(qbt_api, 2, category="radarr"))
    entry = add_qbt_entry(hass, qbt)
    arr = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    coordinator = entry.runtime_data
    ids = _entity_ids(entity_registry, entry)

    def states() -> set[str]:
        return {str(t["state"]) for t in qbt_api.torrents_info(torrent_hashes=list(hashes))}

    await hass.services.async_call(
        "button", "press", {"entity_id": ids["pause_all"]}, blocking=True
    )
    # The server applies it a moment after it answers.
    await async_wait_for(hass, lambda: states() <= PAUSED, "every torrent paused")
    await coordinator.async_refresh()
    assert _state(hass, ids["paused_torrents"]) == "2"

    await hass.services.async_call(
        "button", "press", {"entity_id": ids["resume_all"]}, blocking=True
    )
    await async_wait_for(hass, lambda: not states() & PAUSED, "every torrent resumed")
    await coordinator.async_refresh()
    assert _state(hass, ids["paused_torrents"]) == "0"

    # A category removed behind qbitrr's back is created again at the press of the button.
    qbt_api.torrents_remove_categories(categories=["radarr"])
    await coordinator.async_refresh()
    assert "radarr" not in coordinator.data.maindata.categories
    await hass.services.async_call(
        "button", "press", {"entity_id": ids["sync_categories"]}, blocking=True
    )
    assert "radarr" in qbt_api.torrents_categories()
    await hass.async_block_till_done()
    assert "radarr" in coordinator.data.maindata.categories

    # The app's button runs its rules for real, now.
    arr_button = _entity_ids(entity_registry, arr)["handle_torrents"]
    assert arr.entry_id not in hass.data[HUB_KEY].handler.last_runs
    await hass.services.async_call("button", "press", {"entity_id": arr_button}, blocking=True)
    last_run = hass.data[HUB_KEY].handler.last_runs[arr.entry_id]
    assert last_run.dry_run is False
    await hass.async_block_till_done()
    shown = _state(hass, _entity_ids(entity_registry, arr)["last_run"])
    assert shown == last_run.time.replace(microsecond=0).isoformat()


async def test_controls_fail_when_the_server_is_down(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    radarr: ArrEmulator,
    restore_limits: None,
    qbt_api: qbittorrentapi.Client,
    entity_registry: er.EntityRegistry,
    strings: dict[str, Any],
) -> None:
    add_magnets(qbt_api, 1, category="radarr")
    entry = add_qbt_entry(hass, qbt)
    arr = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    coordinator = entry.runtime_data
    ids = _entity_ids(entity_registry, entry)
    # So that syncing categories has one to create.
    qbt_api.torrents_remove_categories(categories=["radarr"])
    await coordinator.async_refresh()
    calls: list[tuple[str, str, str, dict[str, Any]]] = [
        ("switch", "turn_on", ids["alternative_speed_limits"], {}),
        ("switch", "turn_off", ids["alternative_speed_limits"], {}),
        *(("number", "set_value", ids[key], {"value": 100}) for key in LIMITS),
        *(("button", "press", ids[key], {}) for key in ("pause_all", "resume_all")),
        ("button", "press", ids["sync_categories"], {}),
    ]

    qbt.stop()
    for domain, service, entity_id, data in calls:
        # As if the last poll had just succeeded: the request itself finds the server gone.
        coordinator.last_update_success = True
        coordinator.async_update_listeners()
        assert _state(hass, entity_id) != STATE_UNAVAILABLE
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                domain, service, {"entity_id": entity_id, **data}, blocking=True
            )
        error = err.value
        assert (entity_id, error.translation_key) == (entity_id, "instance_unreachable")
        assert error.translation_domain == DOMAIN
        assert error.translation_placeholders == {"title": entry.title}
        template: str = strings["exceptions"]["instance_unreachable"]["message"]
        assert str(error) == template.rstrip(".").format(title=entry.title)
        # Unavailable at once, not only after the next poll.
        await hass.async_block_till_done()
        assert _state(hass, entity_id) == STATE_UNAVAILABLE, entity_id

    # After a failed poll every control of the server is unavailable.
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    for _, _, entity_id, _ in calls:
        assert _state(hass, entity_id) == STATE_UNAVAILABLE, entity_id

    # The app's button: unavailable while the app is, and refusing to run for it.
    radarr.inject_fault(r".", "500")
    await arr.runtime_data.async_refresh()
    arr_button = _entity_ids(entity_registry, arr)["handle_torrents"]
    assert _state(hass, arr_button) == STATE_UNAVAILABLE
    button = hass.data[BUTTONS].get_entity(arr_button)
    assert button is not None
    with pytest.raises(HomeAssistantError) as err:
        await button.async_press()
    assert err.value.translation_key == "arr_unavailable"
    assert err.value.translation_placeholders == {"title": arr.title}


async def test_server_facts_match_maindata(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    init_qbt: MockConfigEntry,
    qbt_api: qbittorrentapi.Client,
    entity_registry: er.EntityRegistry,
) -> None:
    await init_qbt.runtime_data.async_refresh()
    state = qbt_api.sync_maindata()["server_state"]
    ids = _entity_ids(entity_registry, init_qbt)

    assert _state(hass, ids["connection_status"]) == state["connection_status"]
    assert state["connection_status"] in {"connected", "firewalled", "disconnected"}
    # Shown in GiB (the suggested unit); the server counts bytes.
    for key, field in (("alltime_download", "alltime_dl"), ("alltime_upload", "alltime_ul")):
        entity = entity_registry.async_get(ids[key])
        assert entity is not None
        assert entity.unit_of_measurement == "GiB"
        shown = float(_state(hass, ids[key]))
        assert shown == pytest.approx(state[field] / 2**30, abs=1e-3), key
    ratio = _state(hass, ids["global_ratio"])
    try:
        expected: float | None = float(state["global_ratio"])
    except ValueError:
        expected = None  # "-" before any transfer: unknown
    assert ratio == ("unknown" if expected is None else str(expected))

    # DHT nodes and the external addresses are diagnostics, disabled by default; the
    # addresses exist only where the server reports them (5.x).
    diagnostics = {"dht_nodes", "external_address_v4", "external_address_v6"}
    for key in diagnostics & ids.keys():
        entity = entity_registry.async_get(ids[key])
        assert entity is not None
        assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION, key
        assert entity.entity_category is not None, key
    assert "dht_nodes" in ids
    reported = "last_external_address_v4" in state
    assert reported is (qbt.major >= 5)
    assert ("external_address_v4" in ids) is reported
    assert ("external_address_v6" in ids) is reported
    server_state = init_qbt.runtime_data.data.server_state
    assert server_state.dht_nodes == state["dht_nodes"]


def test_every_control_has_a_name_and_an_icon(strings: dict[str, Any]) -> None:
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    for platform, descriptions in (
        ("switch", SWITCHES),
        ("number", NUMBERS),
        ("button", (*QBIT_BUTTONS, *ARR_BUTTONS)),
    ):
        for description in descriptions:
            assert description.translation_key in strings["entity"][platform]
            assert description.translation_key in icons["entity"][platform]
