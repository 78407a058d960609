"""The free-space guard against real qBittorrent 4.5 (pause/resume) and 5.x (stop/start).

Downloads are real `.torrent` files added without their data: stalled, with `amount_left`
equal to their size, and writing nothing, so sizes of several GiB cost no disk. The minimum is
chosen from the free space the server measures; the sizes leave a GiB of slack either way, so
other processes writing to the same disk meanwhile do not change the outcome.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
import time
from typing import Any, Final

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
import qbittorrentapi

from custom_components.qbitrr import space_guard
from custom_components.qbitrr.const import (
    DOMAIN,
    EVENT_SPACE_GUARD_ENDED,
    EVENT_SPACE_GUARD_STARTED,
)
from custom_components.qbitrr.hub import HUB_KEY
from custom_components.qbitrr.policy.space import TAG_SPACE_PAUSED, SpaceDecision
from custom_components.qbitrr.policy.space_options import (
    GIB,
    OPT_FREE_SPACE_MARGIN,
    OPT_MIN_FREE_SPACE,
    OPT_SPACE_ORDER,
)
from custom_components.qbitrr.qbit_options_flow import SERVER_OPTION_AREAS
from devtools.bench.history import bencode
from devtools.qbittorrent_server import QbittorrentServer, wait_for
from devtools.torrent_files import TorrentFile, random_torrent, write_data
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er

from .conftest import async_wait_for, setup_integration

PIECE: Final = 4 * 1024**2
_ZERO_PIECE: Final = hashlib.sha1(bytes(PIECE), usedforsecurity=False).digest()
STOPPED: Final = {"pausedDL", "stoppedDL"}
SEEDING: Final = {"stalledUP", "uploading"}


def _sized_torrent(size: int) -> TorrentFile:
    """A torrent of `size` zero bytes, built without holding them (its data never exists)."""
    name = f"qbitrr-space-{secrets.token_hex(4)}.bin"
    count, rest = divmod(size, PIECE)
    pieces = _ZERO_PIECE * count
    if rest:
        pieces += hashlib.sha1(bytes(rest), usedforsecurity=False).digest()
    info = {b"name": name.encode(), b"length": size, b"piece length": PIECE, b"pieces": pieces}
    info_hash = hashlib.sha1(bencode(info), usedforsecurity=False).hexdigest()
    return TorrentFile(bencode({b"info": info}), info_hash, name, size)


def _add(api: qbittorrentapi.Client, torrent: TorrentFile, *, stopped: bool = False) -> str:
    api.torrents_add(torrent_files=[torrent.data], is_paused=stopped or None)
    wait_for(lambda: api.torrents_info(torrent_hashes=torrent.info_hash), message=torrent.name)
    return torrent.info_hash


def _server_view(api: qbittorrentapi.Client) -> dict[str, tuple[str, bool]]:
    """Every torrent's state and whether it carries the guard's tag, as the server says."""
    return {
        str(t["hash"]): (str(t["state"]), TAG_SPACE_PAUSED in str(t["tags"]).split(", "))
        for t in api.torrents_info()
    }


def _arrange(
    server: QbittorrentServer, api: qbittorrentapi.Client
) -> tuple[str, str, dict[str, int]]:
    """Add a seeding torrent, one the user stopped, and four downloads (sizes; oldest first)."""
    seed, content = random_torrent()
    write_data(server.save_path, seed, content)
    seeding = _add(api, seed)
    user = _add(api, _sized_torrent(GIB), stopped=True)
    downloads: dict[str, int] = {}
    for size in (2 * GIB, 2 * GIB, 8 * GIB, 2 * GIB):
        downloads[_add(api, _sized_torrent(size))] = size
        time.sleep(1.1)  # `added_on` counts whole seconds
    return seeding, user, downloads


async def _set_space_options(
    hass: HomeAssistant, entry: MockConfigEntry, minimum_gib: float, margin_gib: float
) -> None:
    """Walk the options flow (menu, then the guard's form); the entry reloads."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == list(SERVER_OPTION_AREAS)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "space"}
    )
    assert result["type"] is FlowResultType.FORM
    assert [key.schema for key in result["data_schema"].schema] == list(
        SERVER_OPTION_AREAS["space"]
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            OPT_MIN_FREE_SPACE: minimum_gib,
            OPT_FREE_SPACE_MARGIN: margin_gib,
            OPT_SPACE_ORDER: "newest_first",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)


async def _free_space(hass: HomeAssistant, entry: MockConfigEntry) -> int:
    coordinator = entry.runtime_data
    await coordinator.async_refresh()
    free = coordinator.data.server_state.free_space_on_disk
    assert free is not None
    assert free > 8 * GIB, "the test needs a few GiB of free disk"
    return int(free)


def _entity(registry: er.EntityRegistry, platform: str, entry: MockConfigEntry, key: str) -> str:
    entity_id = registry.async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}-{key}")
    assert entity_id is not None
    return entity_id


async def test_guard_stops_downloads_and_resumes_what_fits(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    qbt_api: qbittorrentapi.Client,
    qbt_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    seeding, user, downloads = await hass.async_add_executor_job(_arrange, qbt, qbt_api)
    a, b, c, d = downloads

    def settled() -> bool:
        view = {str(t["hash"]): t for t in qbt_api.torrents_info()}
        return (
            view[seeding]["state"] in SEEDING
            and view[user]["state"] in STOPPED
            and all(
                view[h]["state"] == "stalledDL" and view[h]["amount_left"] == size
                for h, size in downloads.items()
            )
        )

    await async_wait_for(hass, settled, "seeding, stopped and stalled downloads")
    await setup_integration(hass)
    started = async_capture_events(hass, EVENT_SPACE_GUARD_STARTED)
    ended = async_capture_events(hass, EVENT_SPACE_GUARD_ENDED)
    active = _entity(entity_registry, "binary_sensor", qbt_entry, "space_guard_active")
    switch = _entity(entity_registry, "switch", qbt_entry, "space_guard")
    assert hass.states.get(active).state == STATE_OFF  # type: ignore[union-attr]
    assert hass.states.get(switch).state == STATE_ON  # type: ignore[union-attr]

    # A minimum above the real free space: exactly the downloads stop, tagged.
    minimum_gib = (await _free_space(hass, qbt_entry)) / GIB + 20
    await _set_space_options(hass, qbt_entry, minimum_gib, margin_gib=1)

    def stopped_by_guard() -> bool:
        view = _server_view(qbt_api)
        return all(view[h][0] in STOPPED and view[h][1] for h in downloads)

    await async_wait_for(hass, stopped_by_guard, "downloads stopped and tagged")
    view = _server_view(qbt_api)
    assert view[seeding][0] in SEEDING
    assert view[seeding][1] is False
    assert view[user][0] in STOPPED
    assert view[user][1] is False
    assert len(started) == 1
    event = started[0].data
    assert event["instance"] == qbt_entry.entry_id
    assert event["instance_title"] == qbt_entry.title
    assert event["minimum"] == int(minimum_gib * GIB)
    assert 0 < event["free_space"] < event["minimum"]
    assert (event["stopped"], event["hashes"]) == (4, [d, c, b, a])  # newest first
    assert ended == []
    await qbt_entry.runtime_data.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    sensor = hass.states.get(active)
    assert sensor is not None
    assert sensor.state == STATE_ON
    assert sensor.attributes["held_torrents"] == 4
    assert hass.states.get(switch).attributes["minimum_free_space"] == minimum_gib  # type: ignore[union-attr]

    # Switched off, the guard lets go without resuming anything; on again, it holds again.
    await hass.services.async_call("switch", "turn_off", {"entity_id": switch}, blocking=True)
    assert hass.states.get(active).state == STATE_OFF  # type: ignore[union-attr]
    assert hass.states.get(switch).state == STATE_OFF  # type: ignore[union-attr]
    assert [(e.data["reason"], e.data["resumed"], e.data["held"]) for e in ended] == [
        ("switched_off", 0, 4)
    ]
    await hass.services.async_call("switch", "turn_on", {"entity_id": switch}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(active).state == STATE_ON  # type: ignore[union-attr]
    assert [(e.data["stopped"], e.data["hashes"]) for e in started] == [(4, [d, c, b, a]), (0, [])]
    assert _server_view(qbt_api) == view

    # 5 GiB above the minimum, with a 1 GiB margin: the guard ends; a and b (2 GiB each) fit,
    # c (8 GiB) does not, and d (2 GiB) no longer does once a and b are counted.
    minimum_gib = (await _free_space(hass, qbt_entry) - 5 * GIB) / GIB
    await _set_space_options(hass, qbt_entry, minimum_gib, margin_gib=1)
    assert len(ended) == 2
    event = ended[1].data
    assert (event["reason"], event["resumed"], event["hashes"], event["held"]) == (
        "space_freed",
        2,
        [a, b],
        2,
    )
    assert event["minimum"] == int(minimum_gib * GIB)

    def resumed() -> bool:
        view = _server_view(qbt_api)
        return view[a][0] == view[b][0] == "stalledDL"

    await async_wait_for(hass, resumed, "a and b running again")
    # The poll that sees them running drops their tag; later polls count what they still need.
    for _ in range(2):
        await qbt_entry.runtime_data.async_refresh()
        await hass.async_block_till_done(wait_background_tasks=True)
    # qBittorrent shows a start about 1.5 s late: a wrongful resume would show by now.
    await asyncio.sleep(3)
    view = _server_view(qbt_api)
    assert view[a] == view[b] == ("stalledDL", False)
    assert view[c][0] in STOPPED
    assert view[c][1] is True
    assert view[d][0] in STOPPED
    assert view[d][1] is True
    assert view[user][0] in STOPPED
    assert view[user][1] is False
    assert view[seeding][0] in SEEDING
    assert view[seeding][1] is False
    sensor = hass.states.get(active)
    assert sensor is not None
    assert sensor.state == STATE_OFF
    assert sensor.attributes["held_torrents"] == 2
    assert len(started) == 2
    assert len(ended) == 2
    assert hass.data[HUB_KEY].space_guard.state(qbt_entry.entry_id).held == 2


async def test_guard_is_off_by_default(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    qbt_api: qbittorrentapi.Client,
    qbt_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    download = _add(qbt_api, _sized_torrent(GIB))
    await setup_integration(hass)
    events: list[Any] = async_capture_events(hass, EVENT_SPACE_GUARD_STARTED)
    await qbt_entry.runtime_data.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert events == []
    assert _server_view(qbt_api)[download][1] is False
    active = _entity(entity_registry, "binary_sensor", qbt_entry, "space_guard_active")
    state = hass.states.get(active)
    assert state is not None
    assert state.state == STATE_OFF


async def test_guard_that_cannot_reach_the_server_says_so_and_decides_again(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    qbt_api: qbittorrentapi.Client,
    qbt_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    download = await hass.async_add_executor_job(_add, qbt_api, _sized_torrent(GIB))
    await setup_integration(hass)
    coordinator = qbt_entry.runtime_data
    await async_wait_for(
        hass, lambda: _server_view(qbt_api)[download][0] == "stalledDL", "stalled download"
    )
    await coordinator.async_refresh()
    started = async_capture_events(hass, EVENT_SPACE_GUARD_STARTED)
    guard = hass.data[HUB_KEY].space_guard
    # Options written without the flow (no reload). A decision made while they change again
    # (the guard switched off meanwhile) is dropped: nothing is sent, nothing announced.
    low = {OPT_MIN_FREE_SPACE: 1_000_000, OPT_FREE_SPACE_MARGIN: 1}
    hass.config_entries.async_update_entry(qbt_entry, options=low)
    decide = space_guard.decide_space

    def decide_while_switched_off(*args: Any, **kwargs: Any) -> SpaceDecision:
        switched_off = threading.Event()

        def switch_off() -> None:
            hass.config_entries.async_update_entry(qbt_entry, options={OPT_MIN_FREE_SPACE: 0})
            switched_off.set()

        hass.loop.call_soon_threadsafe(switch_off)
        assert switched_off.wait(10)
        return decide(*args, **kwargs)

    monkeypatch.setattr(space_guard, "decide_space", decide_while_switched_off)
    guard.instance_polled(coordinator)
    await hass.async_block_till_done(wait_background_tasks=True)
    monkeypatch.setattr(space_guard, "decide_space", decide)
    assert started == []
    assert not guard.state(qbt_entry.entry_id).active
    assert qbt_entry.options == {OPT_MIN_FREE_SPACE: 0}
    # Then the server goes away before the guard acts on the last poll's data.
    hass.config_entries.async_update_entry(qbt_entry, options=low)
    await hass.async_add_executor_job(qbt.stop)
    guard.instance_polled(coordinator)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "Free-space guard could not act on" in caplog.text
    assert guard.state(qbt_entry.entry_id).active
    assert [(e.data["stopped"], e.data["hashes"]) for e in started] == [(0, [])]

    # Back (and done checking its torrents): the next poll decides again, stops the download.
    await hass.async_add_executor_job(qbt.restart)
    await async_wait_for(
        hass, lambda: _server_view(qbt_api)[download][0] == "stalledDL", "stalled again", 60
    )
    await coordinator.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)

    def stopped_by_guard() -> bool:
        state, tagged = _server_view(qbt_api)[download]
        return state in STOPPED and tagged

    await async_wait_for(hass, stopped_by_guard, "the download stopped and tagged")
    assert len(started) == 1  # the guard was already holding
