"""Every action on the right copy: regression tests for the defects found trying qbitrr as users do.

Real qBittorrent 4.5 and 5.x servers and the Arr emulator as the app named; each test follows
the reproduction it guards (see README, "Torrent handling").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.handling.report import (
    EVENT_HANDLING_SUMMARY,
    EVENT_TORRENT_ACTION,
    MAX_ACTION_EVENTS,
)
from custom_components.qbitrr.hub import HUB_KEY
from custom_components.qbitrr.policy.options import OPT_MIN_AGE, OPT_STALL_DELAY, OPT_STRIKES
from devtools.arr_emulator import ArrEmulator
from devtools.fault_proxy import FaultProxy
from devtools.qbittorrent_server import QbittorrentServer, add_magnets, random_info_hash, wait_for
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .conftest import (
    ARR_KEYS,
    add_arr_entry,
    add_qbt_entry,
    async_wait_for,
    entry_data,
    setup_integration,
)

type Pair = tuple[QbittorrentServer, QbittorrentServer]

AT_ONCE = {OPT_STALL_DELAY: 0, OPT_MIN_AGE: 0, OPT_STRIKES: 1}


def _add(server: QbittorrentServer, torrent_hash: str, category: str) -> None:
    api = server.client()
    api.torrents_add(
        urls=f"magnet:?xt=urn:btih:{torrent_hash}&dn=m-{torrent_hash[:6]}", category=category
    )
    wait_for(
        lambda: any(
            t["hash"] == torrent_hash and t["state"] == "metaDL" for t in api.torrents_info()
        ),
        30,
        message="metaDL",
    )


def _torrents(server: QbittorrentServer) -> dict[str, dict[str, Any]]:
    return {t["hash"]: dict(t) for t in server.client().torrents_info()}


def _remover(server: QbittorrentServer) -> Any:
    def remove(torrent_hash: str) -> None:
        server.client().torrents_delete(delete_files=True, torrent_hashes=torrent_hash)

    return remove


async def _handle(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "handle_torrents", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


@pytest.fixture
def sonarr_on(qbt: QbittorrentServer) -> Iterator[ArrEmulator]:
    """A Sonarr whose download client is the `qbt` server and removes from it."""
    with ArrEmulator(
        "sonarr", api_key=ARR_KEYS["sonarr"], qbittorrent_remover=_remover(qbt)
    ) as arr:
        arr.set_download_clients(
            [arr.qbittorrent_client(host="127.0.0.1", port=qbt.port, category="sonarr")]
        )
        yield arr


@pytest.fixture
def radarr_on_5(both_qbt: Pair) -> Iterator[ArrEmulator]:
    """A Radarr whose download client is the 5.x server."""
    _, qbt5 = both_qbt
    with ArrEmulator(
        "radarr", api_key=ARR_KEYS["radarr"], qbittorrent_remover=_remover(qbt5)
    ) as arr:
        arr.set_download_clients(
            [arr.qbittorrent_client(host="127.0.0.1", port=qbt5.port, category="radarr")]
        )
        yield arr


async def test_a_season_pack_is_removed_once_and_every_episode_searched_once(
    hass: HomeAssistant, qbt: QbittorrentServer, sonarr_on: ArrEmulator
) -> None:
    """Item 1 and 9: one removal, one search for every episode, no second search by the app."""
    pack = random_info_hash()
    _add(qbt, pack, "sonarr")
    for episode in (501, 502, 503):
        sonarr_on.add_queue_item(pack, title="Show.S05", media_id=7, episode_id=episode)
    add_qbt_entry(hass, qbt)
    add_arr_entry(hass, sonarr_on, options=AT_ONCE)
    await setup_integration(hass)

    response = await _handle(hass)

    assert [(a["action"], a["result"]) for a in response["actions"]] == [("arr_remove", "done")]
    requested = [r for r in sonarr_on.removals if r.requested]
    assert len(requested) == 1
    assert requested[0].blocklist
    assert requested[0].skip_redownload  # the app does not search by itself...
    # ...so every episode of the download is searched exactly once, by qbitrr.
    assert [(s.name, s.ids, s.source) for s in sonarr_on.searches] == [
        ("EpisodeSearch", (501, 502, 503), "command")
    ]
    await async_wait_for(hass, lambda: pack not in _torrents(qbt), "removed from qBittorrent")


async def test_a_failed_pack_search_is_retried_with_every_episode(
    hass: HomeAssistant, qbt: QbittorrentServer, sonarr_on: ArrEmulator
) -> None:
    pack = random_info_hash()
    _add(qbt, pack, "sonarr")
    for episode in (601, 602):
        sonarr_on.add_queue_item(pack, title="Show.S06", media_id=8, episode_id=episode)
    add_qbt_entry(hass, qbt)
    arr = add_arr_entry(hass, sonarr_on, options=AT_ONCE)
    await setup_integration(hass)
    sonarr_on.inject_fault(r"/command$", "500", method="POST", times=1)

    response = await _handle(hass)
    assert response["actions"][0]["error"] == "search_pending"
    assert hass.data[HUB_KEY].store.pending_searches(arr.entry_id) == {601, 602}
    assert sonarr_on.searches == []

    await arr.runtime_data.async_refresh()
    await _handle(hass)
    assert [(s.ids, s.source) for s in sonarr_on.searches] == [((601, 602), "command")]
    assert hass.data[HUB_KEY].store.pending_searches(arr.entry_id) == frozenset()


async def test_the_copy_elsewhere_is_kept_while_the_owners_server_is_down(
    hass: HomeAssistant, both_qbt: Pair, radarr_on_5: ArrEmulator
) -> None:
    """Item 2: Radarr downloads it on 5.x; with 5.x down, the 4.5 copy is not Radarr's."""
    qbt4, qbt5 = both_qbt
    shared = random_info_hash()
    _add(qbt4, shared, "radarr")
    _add(qbt5, shared, "radarr")
    radarr_on_5.add_queue_item(shared, title="Movie", media_id=42)
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    add_arr_entry(hass, radarr_on_5, options=AT_ONCE)
    await setup_integration(hass)
    qbt5.stop()
    await e5.runtime_data.async_refresh()
    assert not e5.runtime_data.last_update_success

    response = await _handle(hass)

    assert response["actions"] == []
    assert [(s["instance"], s["guard"]) for s in response["skipped"]] == [
        (e4.entry_id, "owner_unreachable")
    ]
    assert radarr_on_5.removals == []
    assert radarr_on_5.searches == []
    assert _torrents(qbt4)[shared]["tags"] == ""


async def test_only_the_owners_copy_is_struck_and_stale_strike_tags_clear(
    hass: HomeAssistant, both_qbt: Pair, radarr_on_5: ArrEmulator
) -> None:
    """Item 4: strikes and tags land on the copy the Arr owns, never on another."""
    qbt4, qbt5 = both_qbt
    shared = random_info_hash()
    _add(qbt4, shared, "radarr")
    _add(qbt5, shared, "radarr")
    # A strike tag left on the other copy by an earlier version.
    qbt4.client().torrents_add_tags(tags="qbitrr-strike", torrent_hashes=shared)
    radarr_on_5.add_queue_item(shared, title="Movie", media_id=42)
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    add_arr_entry(hass, radarr_on_5, options={**AT_ONCE, OPT_STRIKES: 2})
    await setup_integration(hass)

    first = await _handle(hass)
    assert sorted((a["instance"], a["action"]) for a in first["actions"]) == sorted(
        [(e5.entry_id, "strike"), (e4.entry_id, "clear_strike")]
    )
    assert [(s["instance"], s["guard"]) for s in first["skipped"]] == [
        (e4.entry_id, "copy_elsewhere")
    ]
    await async_wait_for(
        hass,
        lambda: (
            _torrents(qbt4)[shared]["tags"] == ""
            and _torrents(qbt5)[shared]["tags"] == "qbitrr-strike"
        ),
        "only the owner's copy tagged",
    )

    second = await _handle(hass)
    assert [(a["instance"], a["action"]) for a in second["actions"]] == [
        (e5.entry_id, "arr_remove")
    ]
    await async_wait_for(hass, lambda: shared not in _torrents(qbt5), "owner's copy removed")
    assert _torrents(qbt4)[shared]["tags"] == ""


async def test_nothing_in_a_stale_arrs_category_is_judged(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    """Item 5: after a failed Arr poll its queue is out of date: its category is left alone."""
    instance = add_qbt_entry(hass, qbt)
    arr = add_arr_entry(hass, radarr, options={**AT_ONCE, "unknown_action": "delete"})
    await setup_integration(hass)
    radarr.inject_fault(r".*", "401")
    await arr.runtime_data.async_refresh()
    assert not arr.runtime_data.last_update_success
    tracked = random_info_hash()
    _add(qbt, tracked, "radarr")
    radarr.add_queue_item(tracked, title="Tracked now", media_id=5)
    await instance.runtime_data.async_refresh()

    with pytest.raises(HomeAssistantError) as raised:
        await _handle(hass)
    assert raised.value.translation_key == "arr_unavailable"
    # The automatic runs say it too.
    response = await hass.data[HUB_KEY].handler.async_run([arr.runtime_data], dry_run=False)
    assert response["actions"] == []
    assert response["skipped_arrs"] == {
        arr.entry_id: {"title": arr.title, "error": "arr_unavailable"}
    }
    last_run = hass.states.get("sensor.radarr_test_last_handling_run")
    assert last_run is not None
    assert last_run.attributes["skipped"] == "arr_unavailable"
    assert tracked in _torrents(qbt)
    assert _torrents(qbt)[tracked]["tags"] == ""


async def test_thousands_of_actions_are_batched_and_events_capped(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    """Item 8: one request per server per kind of action; at most 100 action events."""
    count = MAX_ACTION_EVENTS + 150
    api = qbt.client()
    add_magnets(api, count, category="radarr")
    wait_for(
        lambda: sum(t["state"] == "metaDL" for t in api.torrents_info()) == count,
        60,
        message="all stalled",
    )
    with FaultProxy(qbt.url) as proxy:
        data = entry_data(qbt, **{CONF_URL: proxy.url})
        MockConfigEntry(domain=DOMAIN, data=data, unique_id=data[CONF_URL]).add_to_hass(hass)
        add_arr_entry(hass, radarr, options={**AT_ONCE, OPT_STRIKES: 3})
        await setup_integration(hass)
        actions = async_capture_events(hass, EVENT_TORRENT_ACTION)
        summaries = async_capture_events(hass, EVENT_HANDLING_SUMMARY)
        proxy.clear_requests()

        response = await _handle(hass)

        assert response["summary"]["struck"] == count
        tag_requests = [r for r in proxy.requests if r.path.endswith("/torrents/addTags")]
        assert len(tag_requests) == 1
        assert len(tag_requests[0].form["hashes"][0].split("|")) == count
        assert len(actions) == MAX_ACTION_EVENTS
        assert [e.data["actions"] for e in summaries] == [count]
        assert summaries[0].data["by_action"] == {"strike": count}
        wait_for(
            lambda: all(t["tags"] == "qbitrr-strike" for t in api.torrents_info()),
            30,
            message="all tagged",
        )
