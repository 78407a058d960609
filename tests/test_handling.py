"""Torrent handling end to end: real qBittorrent 4.5 and 5.x servers and the Arr emulator."""

from __future__ import annotations

from collections.abc import Iterator
import threading
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.handling import planning
from custom_components.qbitrr.handling.report import EVENT_TORRENT_ACTION
from custom_components.qbitrr.hub import HUB_KEY, QbitrrHub
from custom_components.qbitrr.policy.model import Plan, PolicyInput
from custom_components.qbitrr.policy.options import (
    OPT_AUTO_HANDLE,
    OPT_AUTO_INTERVAL,
    OPT_MIN_AGE,
    OPT_STALL_DELAY,
    OPT_STRIKES,
    OPT_UNKNOWN_ACTION,
    OPT_UNREGISTERED_GRACE,
)
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, random_info_hash, wait_for
from devtools.torrent_files import TorrentFile, random_torrent, write_data
from devtools.web_servers import Reply, serve
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import homeassistant.util.dt as dt_util

from .conftest import ARR_KEYS, add_arr_entry, add_qbt_entry, async_wait_for, setup_integration

type Pair = tuple[QbittorrentServer, QbittorrentServer]

# Fresh magnets are "stalled" at once with these: no delay, no minimum age, one strike.
AT_ONCE = {OPT_STALL_DELAY: 0, OPT_MIN_AGE: 0, OPT_STRIKES: 1}


def _add(server: QbittorrentServer, torrent_hash: str, category: str = "radarr") -> None:
    api = server.client()
    api.torrents_add(
        urls=f"magnet:?xt=urn:btih:{torrent_hash}&dn=m-{torrent_hash[:6]}", category=category
    )
    wait_for(
        lambda: any(t["hash"] == torrent_hash for t in api.torrents_info()), 30, message="added"
    )
    wait_for(
        lambda: (
            next(t for t in api.torrents_info() if t["hash"] == torrent_hash)["state"] == "metaDL"
        ),
        30,
        message="metaDL",
    )


def _torrents(server: QbittorrentServer) -> dict[str, dict[str, Any]]:
    return {t["hash"]: dict(t) for t in server.client().torrents_info()}


def _comparable(server: QbittorrentServer) -> dict[str, tuple[Any, ...]]:
    return {
        h: (t["name"], t["category"], t["tags"], t["state"]) for h, t in _torrents(server).items()
    }


@pytest.fixture
def radarr_b(both_qbt: Pair) -> Iterator[ArrEmulator]:
    """A Radarr whose qBittorrent download client is instance B (the 5.x server)."""
    _, qbt5 = both_qbt

    def remove(torrent_hash: str) -> None:
        qbt5.client().torrents_delete(delete_files=True, torrent_hashes=torrent_hash)

    with ArrEmulator("radarr", api_key=ARR_KEYS["radarr"], qbittorrent_remover=remove) as arr:
        arr.set_download_clients(
            [arr.qbittorrent_client(host="127.0.0.1", port=qbt5.port, category="radarr")]
        )
        yield arr


async def _refresh(hass: HomeAssistant, *entries: MockConfigEntry) -> None:
    for entry in entries:
        await entry.runtime_data.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)


async def _handle(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "handle_torrents", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def test_removal_goes_through_the_arr_of_the_instance(
    hass: HomeAssistant, both_qbt: Pair, radarr_b: ArrEmulator
) -> None:
    qbt4, qbt5 = both_qbt
    shared, unknown = random_info_hash(), random_info_hash()
    _add(qbt4, shared)
    _add(qbt5, shared)
    _add(qbt4, unknown)
    radarr_b.add_queue_item(shared.upper(), title="Shared Movie", media_id=42)
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    arr = add_arr_entry(hass, radarr_b, options=AT_ONCE)
    await setup_integration(hass)
    events = async_capture_events(hass, EVENT_TORRENT_ACTION)

    response = await _handle(hass)

    planned = {(a["instance"], a["hash"]): a for a in response["actions"]}
    assert set(planned) == {(e5.entry_id, shared), (e4.entry_id, unknown)}
    removal = planned[(e5.entry_id, shared)]
    assert (removal["action"], removal["rule"], removal["result"]) == (
        "arr_remove",
        "metadata",
        "done",
    )
    assert planned[(e4.entry_id, unknown)]["action"] == "tag"
    assert response["skipped"] == [
        {
            "instance": e4.entry_id,
            "instance_title": e4.title,
            "hash": shared,
            "name": f"m-{shared[:6]}",
            "category": "radarr",
            "arr": arr.entry_id,
            "rule": "metadata",
            "guard": "copy_elsewhere",
        }
    ]
    assert response["summary"]["removed"] == 1
    assert response["summary"]["tagged"] == 1

    # Through the Arr: removed from the client with blocklist, then searched again.
    assert [
        (r.download_id.lower(), r.remove_from_client, r.blocklist) for r in radarr_b.removals
    ] == [(shared, True, True)]
    assert radarr_b.commands[0]["name"] == "MoviesSearch"
    assert radarr_b.commands[0]["movieIds"] == [42]
    await async_wait_for(hass, lambda: shared not in _torrents(qbt5), "removed from B")
    # The copy on A is untouched; the torrent nobody knows is only tagged.
    on_a = _torrents(qbt4)
    assert on_a[shared]["tags"] == ""
    assert on_a[unknown]["tags"] == "qbitrr-bad"
    assert len(events) == 2
    assert {e.data["action"] for e in events} == {"arr_remove", "tag"}
    assert all(e.data["dry_run"] is False for e in events)

    # The last-run sensor says what happened.
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id("sensor", DOMAIN, f"{arr.entry_id}-last_run")
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert dt_util.parse_datetime(state.state) is not None
    assert state.attributes["by_action"] == {"arr_remove": 1, "tag": 1}
    assert state.attributes["dry_run"] is False

    # A repeated run does not remove twice. With the Arr's copy gone, A's copy is nobody's
    # now, so it is tagged like any other unknown bad torrent.
    await _refresh(hass, e4, e5, arr)
    again = await _handle(hass)
    assert sorted((a["hash"], a["action"]) for a in again["actions"]) == sorted(
        [(shared, "tag"), (unknown, "tag")]
    )
    assert len(radarr_b.removals) == 1
    assert len(radarr_b.commands) == 1


async def test_dry_run_returns_the_plan_and_changes_nothing(
    hass: HomeAssistant, both_qbt: Pair, radarr_b: ArrEmulator
) -> None:
    qbt4, qbt5 = both_qbt
    shared, unknown = random_info_hash(), random_info_hash()
    _add(qbt5, shared)
    _add(qbt4, unknown)
    radarr_b.add_queue_item(shared.upper(), title="Movie", media_id=7)
    add_qbt_entry(hass, qbt4)
    add_qbt_entry(hass, qbt5)
    add_arr_entry(hass, radarr_b, options={**AT_ONCE, OPT_UNKNOWN_ACTION: "delete_with_files"})
    await setup_integration(hass)
    before = (_comparable(qbt4), _comparable(qbt5))
    requests_before = len(radarr_b.requests)

    dry = await _handle(hass, dry_run=True)

    assert (_comparable(qbt4), _comparable(qbt5)) == before
    assert all(r.method == "GET" for r in radarr_b.requests[requests_before:])
    assert {a["result"] for a in dry["actions"]} == {"planned"}
    assert dry["dry_run"] is True

    real = await _handle(hass)
    strip = ("result", "error")
    assert [{k: v for k, v in a.items() if k not in strip} for a in real["actions"]] == [
        {k: v for k, v in a.items() if k not in strip} for a in dry["actions"]
    ]
    assert {a["action"] for a in real["actions"]} == {"arr_remove", "delete_with_files"}
    await async_wait_for(hass, lambda: unknown not in _torrents(qbt4), "deleted on A")


async def test_the_plan_is_made_off_the_event_loop(
    hass: HomeAssistant,
    both_qbt: Pair,
    radarr_b: ArrEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Converting and evaluating tens of thousands of torrents takes tens of milliseconds:
    that work runs in the executor, never on the event loop's thread."""
    _, qbt5 = both_qbt
    _add(qbt5, random_info_hash())
    add_qbt_entry(hass, qbt5)
    add_arr_entry(hass, radarr_b, options=AT_ONCE)
    await setup_integration(hass)
    evaluated_on: list[int] = []
    evaluate = planning.evaluate

    def spy(data: PolicyInput) -> Plan:
        evaluated_on.append(threading.get_ident())
        return evaluate(data)

    monkeypatch.setattr(planning, "evaluate", spy)

    response = await _handle(hass, dry_run=True)

    assert response["actions"]
    assert evaluated_on
    assert threading.get_ident() not in evaluated_on


async def test_strikes_survive_a_restart(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator, hass_storage: dict[str, Any]
) -> None:
    qbt4, _ = both_qbt
    bad = random_info_hash()
    _add(qbt4, bad)
    e4 = add_qbt_entry(hass, qbt4)
    arr = add_arr_entry(hass, radarr, options={**AT_ONCE, OPT_STRIKES: 3})
    await setup_integration(hass)

    first = await _handle(hass)
    assert [a["reason"].rsplit("; ", 1)[-1] for a in first["actions"]] == ["strike 1 of 3"]
    assert _torrents(qbt4)[bad]["tags"] == "qbitrr-strike"

    # Restart: entries reloaded and a handler that knows nothing but the Store.
    await hass.config_entries.async_reload(e4.entry_id)
    await hass.config_entries.async_reload(arr.entry_id)
    await hass.async_block_till_done()
    hass.data[HUB_KEY] = QbitrrHub(hass)
    assert "qbitrr.torrent_history" in hass_storage

    second = await _handle(hass)
    assert [a["reason"].rsplit("; ", 1)[-1] for a in second["actions"]] == ["strike 2 of 3"]
    third = await _handle(hass)
    assert [a["action"] for a in third["actions"]] == ["tag"]


async def test_corrupt_history_starts_empty(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator, hass_storage: dict[str, Any]
) -> None:
    qbt4, _ = both_qbt
    hass_storage["qbitrr.torrent_history"] = {
        "version": 1,
        "key": "qbitrr.torrent_history",
        "data": {
            "arrs": {"radarrentry": {"bad key": [1], "x|y": "nonsense"}},
            "pending_searches": 3,
        },
    }
    _add(qbt4, random_info_hash())
    add_qbt_entry(hass, qbt4)
    add_arr_entry(hass, radarr, options={**AT_ONCE, OPT_STRIKES: 2})
    await setup_integration(hass)
    response = await _handle(hass)
    assert [a["reason"].rsplit("; ", 1)[-1] for a in response["actions"]] == ["strike 1 of 2"]


async def test_instance_down_mid_run(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator
) -> None:
    qbt4, qbt5 = both_qbt
    on_a, on_b = random_info_hash(), random_info_hash()
    _add(qbt4, on_a)
    _add(qbt5, on_b)
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    add_arr_entry(hass, radarr, options={**AT_ONCE, OPT_UNKNOWN_ACTION: "delete"})
    await setup_integration(hass)
    # B goes away after its last poll: the plan includes it, executing there fails.
    qbt5.stop()

    response = await _handle(hass)
    results = {a["instance"]: (a["action"], a["result"]) for a in response["actions"]}
    assert results == {e4.entry_id: ("delete", "done"), e5.entry_id: ("delete", "failed")}
    assert response["summary"]["failed"] == 1
    assert on_a not in _torrents(qbt4)
    handler = hass.data[HUB_KEY].handler
    assert handler.history("radarrentry")[(e5.entry_id, on_b)].strikes == 1

    qbt5.restart()
    await _refresh(hass, e5)
    retry = await _handle(hass)
    assert [(a["instance"], a["result"]) for a in retry["actions"]] == [(e5.entry_id, "done")]
    assert on_b not in _torrents(qbt5)


async def test_automatic_handling_is_opt_in(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator
) -> None:
    qbt4, _ = both_qbt
    bad = random_info_hash()
    _add(qbt4, bad)
    add_qbt_entry(hass, qbt4)
    arr = add_arr_entry(hass, radarr, options=AT_ONCE)
    await setup_integration(hass)
    events = async_capture_events(hass, EVENT_TORRENT_ACTION)
    async_fire_time_changed(hass, dt_util.utcnow() + dt_util.dt.timedelta(hours=2))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert events == []

    hass.config_entries.async_update_entry(
        arr, options={**AT_ONCE, OPT_AUTO_HANDLE: True, OPT_AUTO_INTERVAL: 5}
    )
    await hass.config_entries.async_reload(arr.entry_id)
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + dt_util.dt.timedelta(minutes=6))
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_for(hass, lambda: _torrents(qbt4)[bad]["tags"] == "qbitrr-bad", "auto tag")
    assert [e.data["action"] for e in events] == ["tag"]


async def test_tags_pause_resume_on_both_versions(hass: HomeAssistant, both_qbt: Pair) -> None:
    qbt4, qbt5 = both_qbt
    on_a, on_b, other = random_info_hash(), random_info_hash(), random_info_hash()
    _add(qbt4, on_a)
    _add(qbt5, on_b)
    _add(qbt5, other, category="sonarr")
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    await setup_integration(hass)

    async def call(service: str, **data: Any) -> dict[str, Any]:
        response = await hass.services.async_call(
            DOMAIN, service, data, blocking=True, return_response=True
        )
        assert response is not None
        return dict(response)

    added = await call("add_tags", category="radarr", tags=["keep", "4k hdr"])
    assert added["instances"][e4.entry_id]["hashes"] == [on_a]
    assert added["instances"][e5.entry_id]["hashes"] == [on_b]
    assert set(_torrents(qbt5)[on_b]["tags"].split(", ")) == {"keep", "4k hdr"}
    assert _torrents(qbt5)[other]["tags"] == ""

    await call("pause_torrents", tag="keep")
    await async_wait_for(
        hass,
        lambda: (
            _torrents(qbt4)[on_a]["state"] == "pausedDL"
            and _torrents(qbt5)[on_b]["state"] == "stoppedDL"
        ),
        "paused on 4.x and stopped on 5.x",
    )
    await call(
        "resume_torrents", hashes=[on_a.upper(), on_b], config_entry_id=[e4.entry_id, e5.entry_id]
    )
    await async_wait_for(
        hass,
        lambda: (
            _torrents(qbt4)[on_a]["state"] == "metaDL"
            and _torrents(qbt5)[on_b]["state"] == "metaDL"
        ),
        "resumed",
    )
    removed = await call("remove_tags", hashes=[on_b], tags=["keep"])
    assert removed["instances"][e4.entry_id]["hashes"] == []
    assert _torrents(qbt5)[on_b]["tags"] == "4k hdr"


def _add_file(server: QbittorrentServer, torrent: TorrentFile, category: str = "radarr") -> None:
    server.client().torrents_add(
        torrent_files=[torrent.data], category=category, save_path=str(server.save_path)
    )
    wait_for(lambda: torrent.info_hash in _torrents(server), 30, message="added")


async def test_recheck_finds_data_put_in_place_on_both_versions(
    hass: HomeAssistant, both_qbt: Pair
) -> None:
    """Data written after adding is only seen by a recheck; a stopped torrent is rechecked too."""
    qbt4, qbt5 = both_qbt
    (on_a, data_a), (on_b, data_b), (other, data_other) = (random_torrent() for _ in range(3))
    _add_file(qbt4, on_a)
    _add_file(qbt5, on_b)
    _add_file(qbt5, other, category="sonarr")
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    await setup_integration(hass)
    await hass.services.async_call(
        DOMAIN, "pause_torrents", {"hashes": [on_b.info_hash]}, blocking=True
    )
    await async_wait_for(
        hass, lambda: _torrents(qbt5)[on_b.info_hash]["state"] == "stoppedDL", "stopped"
    )
    for server, torrent, content in ((qbt4, on_a, data_a), (qbt5, on_b, data_b)):
        write_data(server.save_path, torrent, content)
    write_data(qbt5.save_path, other, data_other)
    assert _torrents(qbt4)[on_a.info_hash]["progress"] == 0
    assert _torrents(qbt5)[on_b.info_hash]["progress"] == 0

    response = await hass.services.async_call(
        DOMAIN,
        "recheck_torrents",
        {"hashes": [on_a.info_hash.upper(), on_b.info_hash]},
        blocking=True,
        return_response=True,
    )

    assert response == {
        "instances": {
            e4.entry_id: {"title": e4.title, "hashes": [on_a.info_hash], "error": None},
            e5.entry_id: {"title": e5.title, "hashes": [on_b.info_hash], "error": None},
        }
    }
    await async_wait_for(
        hass,
        lambda: (
            _torrents(qbt4)[on_a.info_hash]["progress"] == 1
            and _torrents(qbt5)[on_b.info_hash]["progress"] == 1
        ),
        "rechecked: complete",
    )
    assert _torrents(qbt5)[on_b.info_hash]["state"] == "stoppedUP"  # still stopped, now whole
    assert _torrents(qbt5)[other.info_hash]["progress"] == 0  # not chosen: never rechecked


@pytest.mark.parametrize(
    ("service", "data", "key"),
    [
        ("add_tags", {"hashes": ["xyz"], "tags": ["a"]}, "invalid_hash"),
        ("add_tags", {"hashes": [], "tags": ["a"]}, "no_torrent_selection"),
        ("pause_torrents", {}, "no_torrent_selection"),
        ("recheck_torrents", {"hashes": ["xyz"]}, "invalid_hash"),
        ("add_tags", {"category": "radarr", "tags": ["a,b"]}, "invalid_tag"),
        ("remove_tags", {"category": "radarr", "tags": [" "]}, "invalid_tag"),
        (
            "add_tags",
            {"category": "radarr", "tags": ["a"], "config_entry_id": "radarrentry"},
            "not_a_qbittorrent_entry",
        ),
        ("handle_torrents", {"config_entry_id": "qbt4entry"}, "not_an_arr_entry"),
    ],
)
async def test_bad_input_changes_nothing(
    hass: HomeAssistant,
    both_qbt: Pair,
    radarr: ArrEmulator,
    service: str,
    data: dict[str, Any],
    key: str,
) -> None:
    qbt4, _ = both_qbt
    target = random_info_hash()
    _add(qbt4, target)
    add_qbt_entry(hass, qbt4)
    add_arr_entry(hass, radarr, options=AT_ONCE)
    await setup_integration(hass)
    before = _comparable(qbt4)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, service, data, blocking=True, return_response=True)
    assert err.value.translation_key == key
    assert _comparable(qbt4) == before
    assert not radarr.removals


async def test_handle_without_arr_entries(hass: HomeAssistant, both_qbt: Pair) -> None:
    add_qbt_entry(hass, both_qbt[0])
    await setup_integration(hass)
    with pytest.raises(ServiceValidationError) as err:
        await _handle(hass)
    assert err.value.translation_key == "no_arr_loaded"


@pytest.fixture
def unregistering_tracker() -> Iterator[str]:
    """An HTTP tracker on 127.0.0.1 that refuses every torrent as unregistered."""
    body = b"d14:failure reason20:Unregistered torrente"
    with serve(Reply(200, body, "text/plain")) as port:
        yield f"http://127.0.0.1:{port}/announce"


async def test_unregistered_torrent_from_a_real_tracker(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator, unregistering_tracker: str
) -> None:
    api = qbt.client()
    gone = random_info_hash()
    api.torrents_add(
        urls=f"magnet:?xt=urn:btih:{gone}&dn=gone&tr={unregistering_tracker}", category="radarr"
    )

    def refused() -> bool:
        trackers = api.torrents_trackers(torrent_hash=gone) if _torrents(qbt).get(gone) else []
        return any("Unregistered" in str(t.get("msg")) for t in trackers)

    wait_for(refused, 30, message="tracker answered")
    add_qbt_entry(hass, qbt)
    # Long delays: only the tracker's answer can make it bad.
    options = {OPT_STALL_DELAY: 600, OPT_MIN_AGE: 0, OPT_STRIKES: 1}
    arr = add_arr_entry(hass, radarr, options=options)
    await setup_integration(hass)
    # The answer may be temporary: within the grace period (10 min by default) it waits.
    response = await _handle(hass)
    assert response["actions"] == []
    assert [(s["hash"], s["rule"], s["guard"]) for s in response["skipped"]] == [
        (gone, "unregistered", "unregistered_grace")
    ]
    hass.config_entries.async_update_entry(arr, options={**options, OPT_UNREGISTERED_GRACE: 0})
    await hass.async_block_till_done(wait_background_tasks=True)
    response = await _handle(hass, dry_run=True)
    assert [(a["hash"], a["rule"], a["action"]) for a in response["actions"]] == [
        (gone, "unregistered", "tag")
    ]
    assert "Unregistered torrent" in response["actions"][0]["reason"]


async def test_arr_failures_keep_strikes_and_retry_the_search(
    hass: HomeAssistant, both_qbt: Pair, radarr_b: ArrEmulator
) -> None:
    _, qbt5 = both_qbt
    first, second = random_info_hash(), random_info_hash()
    _add(qbt5, first)
    radarr_b.add_queue_item(first.upper(), title="First", media_id=1)
    e5 = add_qbt_entry(hass, qbt5)
    arr = add_arr_entry(hass, radarr_b, options=AT_ONCE)
    await setup_integration(hass)

    # The Arr refuses the removal: failed, and the strikes are kept for the next run.
    radarr_b.inject_fault(r"/queue/\d+$", "500", method="DELETE")
    response = await _handle(hass)
    assert [(a["action"], a["result"]) for a in response["actions"]] == [("arr_remove", "failed")]
    assert hass.data[HUB_KEY].handler.history(arr.entry_id)[(e5.entry_id, first)].strikes == 1
    assert first in _torrents(qbt5)
    radarr_b.clear_faults()

    # Removed, but the search fails: it is asked for again on the next run.
    radarr_b.inject_fault(r"/command$", "500", method="POST", times=1)
    response = await _handle(hass)
    assert response["actions"][0]["result"] == "done"
    assert response["actions"][0]["error"] == "search_pending"
    assert radarr_b.commands == []
    await async_wait_for(hass, lambda: first not in _torrents(qbt5), "removed")

    _add(qbt5, second)
    radarr_b.add_queue_item(second.upper(), title="Second", media_id=2)
    await _refresh(hass, e5, arr)
    await _handle(hass)
    assert [c["movieIds"] for c in radarr_b.commands] == [[1], [2]]


async def test_invalid_category_is_reported_not_created(
    hass: HomeAssistant, both_qbt: Pair, radarr: ArrEmulator
) -> None:
    qbt4, _ = both_qbt
    e4 = add_qbt_entry(hass, qbt4)
    add_arr_entry(hass, radarr, category="bad\\name")
    await setup_integration(hass)
    response = await hass.services.async_call(
        DOMAIN,
        "sync_categories",
        {"config_entry_id": e4.entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["instances"][e4.entry_id]["failed"] == {"bad\\name": "invalid_category"}
    assert "bad\\name" not in qbt4.client().torrents_categories()


@pytest.mark.parametrize(
    "stored",
    [
        [],  # not an object at all
        {"version": 1, "key": "qbitrr.torrent_history"},  # no data
        {"version": 99, "key": "qbitrr.torrent_history", "data": {}},  # a newer version
    ],
)
async def test_history_file_of_the_wrong_shape_starts_empty(
    hass: HomeAssistant,
    both_qbt: Pair,
    radarr: ArrEmulator,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    stored: Any,
) -> None:
    qbt4, _ = both_qbt
    hass_storage["qbitrr.torrent_history"] = stored
    _add(qbt4, random_info_hash())
    add_qbt_entry(hass, qbt4)
    add_arr_entry(hass, radarr, options={**AT_ONCE, OPT_STRIKES: 2})
    await setup_integration(hass)
    response = await _handle(hass)
    assert [a["reason"].rsplit("; ", 1)[-1] for a in response["actions"]] == ["strike 1 of 2"]
    warnings = [r for r in caplog.records if "Torrent history was unreadable" in r.getMessage()]
    assert len(warnings) == 1
    # The next run builds on the first: the store works again.
    second = await _handle(hass)
    assert [(a["action"], a["reason"].rsplit("; ", 1)[-1]) for a in second["actions"]] == [
        ("tag", "strike 2 of 2")
    ]
