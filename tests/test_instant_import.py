"""Instant import and `qbitrr_imported`, against real qBittorrent 4.5 and 5.x and the emulated
Radarr, Sonarr and Lidarr: a torrent finishing asks its Arr to import it, once; the Arr's
import history fires the event and the Arr's event entity, once per download."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.qbitrr.arr_imports import async_request_import
from custom_components.qbitrr.const import EVENT_IMPORTED
from custom_components.qbitrr.coordinator import ArrCoordinator, QbitCoordinator
from custom_components.qbitrr.policy.options import OPT_INSTANT_IMPORT
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, wait_for
from devtools.torrent_files import TorrentFile, random_torrent, write_data
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .conftest import add_arr_entry, add_qbt_entry, async_wait_for, setup_integration

SCAN = {
    "radarr": "DownloadedMoviesScan",
    "sonarr": "DownloadedEpisodesScan",
    "lidarr": "DownloadedAlbumsScan",
}
TITLES = {
    "radarr": "Arrival (2016)",
    "sonarr": "Severance S02E01-E02",
    "lidarr": "Massive Attack - Mezzanine",
}


@pytest.fixture(params=["radarr", "sonarr", "lidarr"])
def arr(request: pytest.FixtureRequest) -> ArrEmulator:
    """The emulator of each app."""
    emulator: ArrEmulator = request.getfixturevalue(request.param)
    return emulator


def _info(server: QbittorrentServer, torrent_hash: str) -> dict[str, Any]:
    found = server.client().torrents_info(torrent_hashes=torrent_hash)
    return dict(found[0]) if found else {}


def _add(server: QbittorrentServer, torrent: TorrentFile, category: str) -> None:
    server.client().torrents_add(
        torrent_files=[torrent.data], category=category, save_path=str(server.save_path)
    )
    wait_for(lambda: _info(server, torrent.info_hash), 30, message="added")


def _grab(arr: ArrEmulator, torrent: TorrentFile) -> None:
    """The Arr grabbed the torrent: a queue record, and what its import will bring."""
    library = arr.library
    if arr.app == "radarr":
        library.add_item(11, "Arrival", year=2016)
        ids = [11]
    elif arr.app == "sonarr":
        library.add_item(21, "Hello, Ms. Cobel", parent_title="Severance", season=2, episode=1)
        library.add_item(22, "Goodbye, Mrs. Selvig", parent_title="Severance", season=2, episode=2)
        ids = [21, 22]
    else:
        library.add_item(31, "Mezzanine", parent_title="Massive Attack")
        ids = [31]
    for media_id in ids:
        # Queue records name the movie, or the episode/album below a series/artist (7).
        if arr.app == "radarr":
            arr.add_queue_item(torrent.info_hash, title=torrent.name, media_id=media_id)
        else:
            key = "episode_id" if arr.app == "sonarr" else "album_id"
            record: dict[str, Any] = {key: media_id}
            arr.add_queue_item(torrent.info_hash, title=torrent.name, media_id=7, **record)
    library.add_grab(torrent.info_hash, ids, torrent.name)


async def _complete(
    hass: HomeAssistant, server: QbittorrentServer, qbit: QbitCoordinator, torrent: TorrentFile
) -> None:
    """Put the data in place, recheck, and poll until qbitrr has seen the torrent finish."""
    await hass.async_add_executor_job(
        lambda: server.client().torrents_recheck(torrent_hashes=torrent.info_hash)
    )

    async def finished() -> bool:
        await qbit.async_refresh()
        found = qbit.data.torrents.get(torrent.info_hash)
        return found is not None and found.progress >= 1

    for _ in range(150):
        if await finished():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the torrent did not finish")


async def test_finished_torrent_is_imported_and_announced(
    hass: HomeAssistant, qbt: QbittorrentServer, arr: ArrEmulator
) -> None:
    # Complete before setup: never imported by qbitrr (the Arr's own check does it).
    seed, seed_content = random_torrent()
    write_data(qbt.save_path, seed, seed_content)
    _add(qbt, seed, arr.app)
    wait_for(lambda: _info(qbt, seed.info_hash)["progress"] >= 1, 30, message="seeding")
    arr.add_queue_item(seed.info_hash, title=seed.name, media_id=5)
    # Imported before setup: never announced.
    arr.library.add_item(99, "Old")
    arr.library.add_import("EE" * 20, [99], "Old", when=datetime.now(UTC) - timedelta(hours=1))
    torrent, content = random_torrent()
    _add(qbt, torrent, arr.app)
    _grab(arr, torrent)
    qbit_entry = add_qbt_entry(hass, qbt)
    arr_entry = add_arr_entry(hass, arr)
    imported = async_capture_events(hass, EVENT_IMPORTED)
    await setup_integration(hass)
    qbit: QbitCoordinator = qbit_entry.runtime_data
    coordinator: ArrCoordinator = arr_entry.runtime_data

    write_data(qbt.save_path, torrent, content)
    await _complete(hass, qbt, qbit, torrent)
    await async_wait_for(
        hass, lambda: any(c["name"] == SCAN[arr.app] for c in arr.commands), "import command"
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    scans = [c for c in arr.commands if c["name"] == SCAN[arr.app]]
    content_path = _info(qbt, torrent.info_hash)["content_path"]
    assert scans == [
        {
            "name": SCAN[arr.app],
            "path": content_path,
            "downloadClientId": torrent.info_hash.upper(),
            "importMode": "Auto",
        }
    ]
    # The Arr imported it (the emulator on that command); its next poll tells, once.
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [event.data for event in imported] == [
        {
            "arr": arr_entry.entry_id,
            "arr_title": arr_entry.title,
            "app": arr.app,
            "title": TITLES[arr.app],
            "quality": arr.profile.quality["name"],
            "release": torrent.name,
            "hash": torrent.info_hash,
            "media_ids": [21, 22] if arr.app == "sonarr" else [11 if arr.app == "radarr" else 31],
            "instance": qbit_entry.entry_id,
            "instance_title": qbit_entry.title,
            "name": torrent.name,
        }
    ]
    entity_id = er.async_get(hass).async_get_entity_id(
        "event", "qbitrr", f"{arr_entry.entry_id}-imported"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["event_type"] == "imported"
    assert state.attributes["title"] == TITLES[arr.app]
    assert state.attributes["instance_title"] == qbit_entry.title
    # Seeding torrents polled again finish nothing new.
    await qbit.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len([c for c in arr.commands if c["name"] == SCAN[arr.app]]) == 1


async def test_instant_import_off_or_unknown_download(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    off, off_content = random_torrent()
    _add(qbt, off, "radarr")
    radarr.add_queue_item(off.info_hash, title=off.name, media_id=1)
    qbit_entry = add_qbt_entry(hass, qbt)
    arr_entry = add_arr_entry(hass, radarr, options={OPT_INSTANT_IMPORT: False})
    await setup_integration(hass)
    qbit: QbitCoordinator = qbit_entry.runtime_data
    write_data(qbt.save_path, off, off_content)
    await _complete(hass, qbt, qbit, off)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert not [c for c in radarr.commands if c["name"] == "DownloadedMoviesScan"]
    # Not in the Arr's queue (even after reading it again), or matched to no movie: no import.
    coordinator: ArrCoordinator = arr_entry.runtime_data
    assert not await async_request_import(hass, coordinator, qbit_entry.entry_id, "ab" * 20)
    radarr.add_queue_item("cd" * 20, title="Unknown", unknown=True)
    assert not await async_request_import(hass, coordinator, qbit_entry.entry_id, "cd" * 20)
    # A tracked download whose torrent is gone from the server: nothing to import.
    radarr.add_queue_item("ef" * 20, title="Gone", media_id=3)
    await coordinator.async_refresh()
    assert not await async_request_import(hass, coordinator, qbit_entry.entry_id, "ef" * 20)
    assert not await async_request_import(hass, coordinator, "no-such-entry", "ef" * 20)
    # The Arr refusing the command is logged, not raised.
    radarr.inject_fault("command", "500", times=1)
    assert not await async_request_import(hass, coordinator, qbit_entry.entry_id, off.info_hash)
    assert not [c for c in radarr.commands if c["name"] == "DownloadedMoviesScan"]
    # Grabbed after the Arr's last poll: its queue is read again, and the import goes out.
    radarr.clear_queue()
    await coordinator.async_refresh()
    radarr.add_queue_item(off.info_hash, title=off.name, media_id=1)
    assert await async_request_import(hass, coordinator, qbit_entry.entry_id, off.info_hash)
    assert [c["downloadClientId"] for c in radarr.commands] == [off.info_hash.upper()]


async def test_history_read_failure_is_quiet(
    hass: HomeAssistant, qbt: QbittorrentServer, sonarr: ArrEmulator
) -> None:
    add_qbt_entry(hass, qbt)
    arr_entry: MockConfigEntry = add_arr_entry(hass, sonarr)
    imported = async_capture_events(hass, EVENT_IMPORTED)
    await setup_integration(hass)
    coordinator: ArrCoordinator = arr_entry.runtime_data
    sonarr.inject_fault("history", "500")
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    sonarr.clear_faults()
    # Imports the Arr made meanwhile are read on the next poll (not lost with the failure).
    sonarr.library.add_item(1, "Pilot", parent_title="Show")
    sonarr.library.add_import("AA" * 20, [1], "Show.S01E01")
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [(e.data["title"], e.data["hash"]) for e in imported] == [("Show S01E01", "aa" * 20)]
    assert "instance" not in imported[0].data  # not on any server
    # The rest of a season pack imported by the Arr a poll later: still one event.
    sonarr.library.add_item(2, "Second", parent_title="Show", episode=2)
    sonarr.library.add_import("AA" * 20, [2], "Show.S01E01")
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(imported) == 1
