"""Diagnostics: useful content, secrets redacted, no torrent names or hashes."""

from __future__ import annotations

import json

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import qbittorrentapi

from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, add_magnets, wait_for
from homeassistant.core import HomeAssistant

from .conftest import add_arr_entry, setup_integration


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    qbt: QbittorrentServer,
    init_qbt: MockConfigEntry,
    qbt_api: qbittorrentapi.Client,
) -> None:
    hashes = add_magnets(qbt_api, 2, category="radarr", name_prefix="secret-movie")
    wait_for(
        lambda: all(t["state"] != "queuedDL" for t in qbt_api.torrents_info()),
        30,
        message="settled",
    )
    await init_qbt.runtime_data.async_refresh()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_qbt)

    text = json.dumps(diagnostics)
    assert qbt.password not in text
    assert "secret-movie" not in text
    assert not any(torrent_hash in text for torrent_hash in hashes)
    assert diagnostics["entry"]["data"]["password"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["username"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["url"] == f"http://127.0.0.1:{qbt.port}"
    assert diagnostics["health"]["reachable"] is True
    assert diagnostics["health"]["consecutive_failures"] == 0
    assert diagnostics["sync"]["full_syncs"] == 1
    assert diagnostics["sync"]["incremental_syncs"] == 1
    assert diagnostics["server"]["torrents"] == 2
    assert diagnostics["server"]["counts"]["stalled"] == 2
    assert diagnostics["server"]["category_counts"] == {"radarr": 2}
    assert diagnostics["server"]["app_version"].startswith(f"v{qbt.major}.")
    assert "free_space_on_disk" in diagnostics["server"]["server_state"]


async def test_arr_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, radarr: ArrEmulator
) -> None:
    radarr.add_queue_item("AB" * 20, title="Secret Movie Title")
    radarr.set_health([{"source": "IndexerCheck", "type": "warning", "message": "No indexers"}])
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert radarr.api_key not in text
    assert "Secret Movie Title" not in text
    assert "abab" not in text.lower()
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    assert diagnostics["app"] == {"app": "radarr", "version": radarr.version, "category": "radarr"}
    assert diagnostics["queue"] == {"size": 1, "by_status": {"downloading": 1}}
    assert diagnostics["app_health"][0]["type"] == "warning"
    assert diagnostics["health"]["reachable"] is True
