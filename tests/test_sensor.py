"""Entities of a qBittorrent entry, compared with snapshots for both major versions."""

from __future__ import annotations

from typing import Any

from pytest_homeassistant_custom_component.common import MockConfigEntry
import qbittorrentapi
from syrupy.assertion import SnapshotAssertion

from devtools.qbittorrent_server import QbittorrentServer, add_magnets, wait_for
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

# Values that depend on the machine or the exact build, not on our code; the connection status
# changes while a fresh server finds its network, the all-time totals count protocol traffic.
VOLATILE = {"free_space", "app_version", "connection_status", "alltime_download", "alltime_upload"}


async def test_entities(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    init_qbt: MockConfigEntry,
    qbt_api: qbittorrentapi.Client,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    add_magnets(qbt_api, 2, category="radarr")
    add_magnets(qbt_api, 1, category="sonarr", paused=True)
    wait_for(
        lambda: all(t["state"] != "queuedDL" for t in qbt_api.torrents_info()),
        30,
        message="settled",
    )
    await init_qbt.runtime_data.async_refresh()
    await hass.async_block_till_done()

    entities: dict[str, Any] = {}
    for entry in sorted(
        er.async_entries_for_config_entry(entity_registry, init_qbt.entry_id),
        key=lambda e: e.unique_id,
    ):
        key = entry.unique_id.removeprefix(f"{init_qbt.entry_id}-")
        state = hass.states.get(entry.entity_id)
        entities[key] = {
            "entity_id": entry.entity_id,
            "translation_key": entry.translation_key,
            "device_class": entry.original_device_class,
            "entity_category": entry.entity_category,
            "disabled_by": entry.disabled_by,
            "unit": entry.unit_of_measurement,
            "state": None if state is None else ("<volatile>" if key in VOLATILE else state.state),
            "attributes": None
            if state is None
            else {
                name: value
                for name, value in state.attributes.items()
                if name not in {"last_success", "friendly_name"}
            },
            "friendly_name": None if state is None else state.attributes.get("friendly_name"),
        }
    # Both majors must give the same entities; only the device name (from the title) differs.
    assert entities == snapshot(name=f"entities-qbt{qbt.major}")
    version = hass.states.get(entities["app_version"]["entity_id"])
    assert version is not None
    assert version.state.startswith(f"v{qbt.major}.")
    free = hass.states.get(entities["free_space"]["entity_id"])
    assert free is not None
    assert float(free.state) > 0
