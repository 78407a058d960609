"""Seeding goals and private trackers end to end: real qBittorrent 4.5 and 5.x, the Arr emulator.

Torrents here are real `.torrent` files: written beside their data they check as complete and
seed; with half their data they are a stalled download that has downloaded something.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
import time
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.handling.report import EVENT_TORRENT_ACTION
from custom_components.qbitrr.policy.model import TAG_OBSOLETE
from custom_components.qbitrr.policy.options import OPT_MIN_AGE, OPT_STALL_DELAY, OPT_STRIKES
from custom_components.qbitrr.policy.seeding_options import (
    OPT_GOAL_ACTION,
    OPT_GOAL_MAX_INACTIVE_HOURS,
    OPT_GOAL_MAX_RATIO,
    OPT_GOAL_MAX_SEEDING_HOURS,
    OPT_PRIVATE_MIN_HOURS,
)
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, wait_for
from devtools.torrent_files import PIECE_LENGTH, TorrentFile, random_torrent, write_data
from homeassistant.core import HomeAssistant

from .conftest import ARR_KEYS, add_arr_entry, add_qbt_entry, async_wait_for, setup_integration

ONE_SECOND_IN_HOURS = 1 / 3600
AT_ONCE = {OPT_STALL_DELAY: 0, OPT_MIN_AGE: 0, OPT_STRIKES: 1}
_SEEDING = {"stalledUP", "uploading", "queuedUP", "forcedUP"}
_STOPPED = {"pausedUP", "stoppedUP"}


def _info(server: QbittorrentServer, torrent_hash: str) -> dict[str, Any] | None:
    found = server.client().torrents_info(torrent_hashes=torrent_hash)
    return dict(found[0]) if found else None


def add_complete(
    server: QbittorrentServer, *, category: str = "radarr", private: bool = False
) -> TorrentFile:
    """Add a torrent with all its data on disk and wait until it seeds."""
    torrent, content = random_torrent(private=private)
    write_data(server.save_path, torrent, content)
    server.client().torrents_add(
        torrent_files=[torrent.data], category=category, save_path=str(server.save_path)
    )
    wait_for(
        lambda: (_info(server, torrent.info_hash) or {}).get("state") in _SEEDING,
        30,
        message="seeding",
    )
    return torrent


def add_partial(
    server: QbittorrentServer, *, announce: str, category: str = "radarr", data: bool = True
) -> TorrentFile:
    """Add a private torrent with half its data (or none) and wait until it is stalled."""
    torrent, content = random_torrent(4 * PIECE_LENGTH, private=True, announce=announce)
    if data:
        half = content[: 2 * PIECE_LENGTH] + bytes(2 * PIECE_LENGTH)
        write_data(server.save_path, torrent, half)
    server.client().torrents_add(
        torrent_files=[torrent.data], category=category, save_path=str(server.save_path)
    )
    wanted = 0.5 if data else 0.0
    wait_for(
        lambda: (
            (info := _info(server, torrent.info_hash)) is not None
            and info["state"] == "stalledDL"
            and abs(info["progress"] - wanted) < 0.01
        ),
        30,
        message="stalled with its data checked",
    )
    return torrent


def _wait_inactive(server: QbittorrentServer, torrent: TorrentFile) -> None:
    """Wait until the torrent uploaded nothing for 2 s (no peer ever asks it for anything)."""

    def idle() -> bool:
        info = _info(server, torrent.info_hash) or {}
        return time.time() - int(info.get("last_activity", 0)) >= 2

    wait_for(idle, 30, message="inactive")


async def _handle(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "handle_torrents", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


def _planned(response: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((a["hash"], a["rule"], a["action"]) for a in response["actions"])


async def _qbt_entry(
    hass: HomeAssistant, server: QbittorrentServer, options: dict[str, Any]
) -> MockConfigEntry:
    entry = add_qbt_entry(hass, server)
    hass.config_entries.async_update_entry(entry, options=options)
    return entry


async def test_an_inactivity_goal_stops_a_completed_torrent(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    done = add_complete(qbt)
    entry = await _qbt_entry(hass, qbt, {OPT_GOAL_MAX_INACTIVE_HOURS: ONE_SECOND_IN_HOURS})
    add_arr_entry(hass, radarr)
    await setup_integration(hass)
    _wait_inactive(qbt, done)
    events = async_capture_events(hass, EVENT_TORRENT_ACTION)

    dry = await _handle(hass, dry_run=True)
    assert _planned(dry) == [(done.info_hash, "seeding_goal", "stop")]
    assert "inactive 0 h of 0 h" in dry["actions"][0]["reason"]
    assert (_info(qbt, done.info_hash) or {})["state"] in _SEEDING  # a dry run changes nothing

    real = await _handle(hass)
    assert _planned(real) == _planned(dry)
    assert real["summary"]["stopped"] == 1
    assert real["summary"]["by_rule"] == {"seeding_goal": 1}
    wait_for(
        lambda: (_info(qbt, done.info_hash) or {}).get("state") in _STOPPED, 15, message="stopped"
    )
    assert [e.data["action"] for e in events if not e.data["dry_run"]] == ["stop"]
    # Stopped: nothing more to do.
    await entry.runtime_data.async_refresh()
    assert (await _handle(hass, dry_run=True))["actions"] == []


async def test_removal_waits_while_an_arr_lists_the_torrent(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    done = add_complete(qbt)
    record = radarr.add_queue_item(done.info_hash.upper(), title="Imported.Not.Yet", media_id=7)
    await _qbt_entry(
        hass, qbt, {OPT_GOAL_MAX_INACTIVE_HOURS: ONE_SECOND_IN_HOURS, OPT_GOAL_ACTION: "remove"}
    )
    arr_entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    _wait_inactive(qbt, done)

    listed = await _handle(hass)
    assert _planned(listed) == [(done.info_hash, "seeding_goal", "stop")]
    assert "an Arr still lists it" in listed["actions"][0]["reason"]
    wait_for(
        lambda: (_info(qbt, done.info_hash) or {}).get("state") in _STOPPED, 15, message="stopped"
    )

    radarr.remove_queue_item(record)  # the Arr imported it
    await arr_entry.runtime_data.async_refresh()
    dry = await _handle(hass, dry_run=True)
    assert _planned(dry) == [(done.info_hash, "seeding_goal", "delete")]
    real = await _handle(hass)
    assert _planned(real) == _planned(dry)
    wait_for(lambda: _info(qbt, done.info_hash) is None, 15, message="removed")
    assert (Path(qbt.save_path) / done.name).exists()  # "remove" keeps the files


async def test_the_server_enforces_what_it_can_express(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    done = add_complete(qbt)
    entry = await _qbt_entry(hass, qbt, {OPT_GOAL_MAX_RATIO: 2, OPT_GOAL_MAX_SEEDING_HOURS: 48})
    add_arr_entry(hass, radarr)
    await setup_integration(hass)

    dry = await _handle(hass, dry_run=True)
    assert dry["actions"] == [], dry["actions"]
    assert [
        (r["ratio"], r["seeding_minutes"], r["torrents"], r["set"]) for r in dry["share_limits"]
    ] == [(2.0, 48 * 60, 1, False)]
    assert (_info(qbt, done.info_hash) or {})["ratio_limit"] == -2

    real = await _handle(hass)
    assert real["summary"]["share_limits"] == 1
    assert real["share_limits"][0]["set"] is True
    info = _info(qbt, done.info_hash) or {}
    assert info["ratio_limit"] == 2
    assert info["seeding_time_limit"] == 48 * 60
    if qbt.major >= 5:
        assert info["share_limit_action"] == "Stop"
    # Held by the server now: the next run has nothing to set.
    await entry.runtime_data.async_refresh()
    assert (await _handle(hass, dry_run=True))["share_limits"] == []


@pytest.fixture
def radarr_on_qbt(qbt: QbittorrentServer) -> Iterator[ArrEmulator]:
    """A Radarr downloading to the `qbt` server, which deletes what it removes from the client."""

    def remove(torrent_hash: str) -> None:
        qbt.client().torrents_delete(delete_files=True, torrent_hashes=torrent_hash)

    with ArrEmulator("radarr", api_key=ARR_KEYS["radarr"], qbittorrent_remover=remove) as arr:
        arr.set_download_clients(
            [arr.qbittorrent_client(host="127.0.0.1", port=qbt.port, category="radarr")]
        )
        yield arr


async def test_private_torrent_kept_seeding_until_its_minimum(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    radarr_on_qbt: ArrEmulator,
    announce_tracker: str,
) -> None:
    radarr = radarr_on_qbt
    kept = add_partial(qbt, announce=announce_tracker)
    empty = add_partial(qbt, announce=announce_tracker, data=False)
    radarr.add_queue_item(kept.info_hash.upper(), title="Kept.Private", media_id=1)
    radarr.add_queue_item(empty.info_hash.upper(), title="Empty.Private", media_id=2)
    qbt_entry = await _qbt_entry(hass, qbt, {OPT_PRIVATE_MIN_HOURS: 168})
    arr_entry = add_arr_entry(hass, radarr, options=AT_ONCE)
    await setup_integration(hass)
    coordinator = qbt_entry.runtime_data

    def private_known() -> bool:
        torrents = coordinator.data.torrents
        return all(torrents[t.info_hash].private == 1 for t in (kept, empty))

    await async_wait_for(hass, private_known, "private flags read", within=30)

    dry = await _handle(hass, dry_run=True)
    assert _planned(dry) == sorted(
        [(kept.info_hash, "stalled", "arr_remove_keep"), (empty.info_hash, "stalled", "arr_remove")]
    )
    real = await _handle(hass)
    assert _planned(real) == _planned(dry)
    removals = {r.download_id.lower(): r for r in radarr.removals}
    assert removals[kept.info_hash].remove_from_client is False
    assert removals[kept.info_hash].blocklist is True
    assert removals[empty.info_hash].remove_from_client is True  # 0 bytes: the normal rules
    searched = [i for search in radarr.searches if search.source == "command" for i in search.ids]
    assert sorted(searched) == [1, 2]
    info = _info(qbt, kept.info_hash) or {}
    assert TAG_OBSOLETE in info["tags"]
    assert info["state"] == "stalledDL"  # still in qBittorrent, still sharing what it has
    wait_for(lambda: _info(qbt, empty.info_hash) is None, 15, message="removed by the app")
    await arr_entry.runtime_data.async_refresh()
    await coordinator.async_refresh()
    # Not met yet: the seeding rules keep it, the stalled rules leave it to them.
    assert (await _handle(hass, dry_run=True))["actions"] == []

    # The tracker's minimum is met (lowered to none): the seeding rules remove it.
    hass.config_entries.async_update_entry(qbt_entry, options={OPT_PRIVATE_MIN_HOURS: 0})
    await hass.async_block_till_done(wait_background_tasks=True)
    dry = await _handle(hass, dry_run=True)
    assert _planned(dry) == [(kept.info_hash, "seeding_goal", "delete_with_files")]
    await _handle(hass)
    wait_for(lambda: _info(qbt, kept.info_hash) is None, 15, message="removed")
