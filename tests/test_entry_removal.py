"""Removing an entry forgets what qbitrr remembered for it, in memory and in the Store.

History is kept per Arr entry and keyed by (qBittorrent entry, hash), next to the Arr's
pending searches and its last run. Before, removing an entry left all of it in the Store
forever: a re-added Arr with the same entry id retried an old search and counted on from old
strikes, and a removed instance's torrents stayed in every Arr's history.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import pytest

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.hub import HUB_KEY
from custom_components.qbitrr.policy.options import OPT_MIN_AGE, OPT_STALL_DELAY, OPT_STRIKES
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, random_info_hash, wait_for
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .conftest import ARR_KEYS, add_arr_entry, add_qbt_entry, async_wait_for, setup_integration

STORE_KEY: Final = "qbitrr.torrent_history"
# Fresh magnets are stalled at once: one run strikes them (THREE_STRIKES) or acts (AT_ONCE).
THREE_STRIKES: Final = {OPT_STALL_DELAY: 0, OPT_MIN_AGE: 0, OPT_STRIKES: 3}
AT_ONCE: Final = {OPT_STALL_DELAY: 0, OPT_MIN_AGE: 0, OPT_STRIKES: 1}


def _add(server: QbittorrentServer, torrent_hash: str, category: str = "radarr") -> None:
    api = server.client()
    api.torrents_add(
        urls=f"magnet:?xt=urn:btih:{torrent_hash}&dn=r-{torrent_hash[:6]}", category=category
    )

    def stalled() -> bool:
        found = api.torrents_info(torrent_hashes=torrent_hash)
        return bool(found) and found[0]["state"] == "metaDL"

    wait_for(stalled, 30, message="added and stalled")


def _hashes(server: QbittorrentServer) -> set[str]:
    return {str(t["hash"]) for t in server.client().torrents_info()}


async def _handle(hass: HomeAssistant) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "handle_torrents", {}, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


def _strikes(response: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(instance, hash) -> the last part of each action's reason ("strike 1 of 3")."""
    return {
        (a["instance"], a["hash"]): a["reason"].rsplit("; ", 1)[-1] for a in response["actions"]
    }


def _saved(hass_storage: dict[str, Any]) -> dict[str, Any]:
    data = hass_storage[STORE_KEY]["data"]
    assert isinstance(data, dict)
    return data


@pytest.fixture
def radarr_on(qbt: QbittorrentServer) -> Iterator[ArrEmulator]:
    """A Radarr whose qBittorrent download client is the `qbt` server (removals delete there)."""

    def remove(torrent_hash: str) -> None:
        qbt.client().torrents_delete(delete_files=True, torrent_hashes=torrent_hash)

    with ArrEmulator("radarr", api_key=ARR_KEYS["radarr"], qbittorrent_remover=remove) as arr:
        arr.set_download_clients(
            [arr.qbittorrent_client(host="127.0.0.1", port=qbt.port, category="radarr")]
        )
        yield arr


async def test_removing_an_arr_entry_forgets_its_history_searches_and_last_run(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    radarr_on: ArrEmulator,
    hass_storage: dict[str, Any],
) -> None:
    """Guards `async_remove_entry` -> hub -> `HistoryStore.async_purge_arr` + `last_runs`.

    On the old behaviour the Arr's history and pending search stayed in memory and in the
    Store, so the same Arr added again (same entry id) retried the old search on its first
    run, counted "strike 2" for a torrent it had never struck, and showed the old last run.
    """
    queued, unknown = random_info_hash(), random_info_hash()
    _add(qbt, queued)
    _add(qbt, unknown)
    radarr_on.add_queue_item(queued.upper(), title="Queued Movie", media_id=42)
    instance = add_qbt_entry(hass, qbt)
    arr = add_arr_entry(hass, radarr_on, options=AT_ONCE)
    await setup_integration(hass)
    hub = hass.data[HUB_KEY]
    registry = er.async_get(hass)
    last_run_id = registry.async_get_entity_id("sensor", DOMAIN, f"{arr.entry_id}-last_run")
    assert last_run_id is not None
    state = hass.states.get(last_run_id)
    assert state is not None
    assert state.state == "unknown"

    # One real run: the queued torrent is removed through the Arr but its search fails
    # (pending), the unknown one is tagged and remembered with its strike.
    radarr_on.inject_fault(r"/command$", "500", method="POST", times=1)
    response = await _handle(hass)
    results = {a["hash"]: (a["action"], a["result"], a["error"]) for a in response["actions"]}
    assert results == {
        queued: ("arr_remove", "done", "search_pending"),
        unknown: ("tag", "done", None),
    }
    await async_wait_for(hass, lambda: queued not in _hashes(qbt), "removed through the Arr")
    assert radarr_on.commands == []
    assert hub.store.pending_searches(arr.entry_id) == {42}
    assert hub.store.history(arr.entry_id)[(instance.entry_id, unknown)].strikes == 1
    assert arr.entry_id in hub.handler.last_runs
    saved = _saved(hass_storage)
    assert saved["pending_searches"] == {arr.entry_id: [42]}
    assert set(saved["arrs"][arr.entry_id]) == {f"{instance.entry_id}|{unknown}"}
    state = hass.states.get(last_run_id)
    assert state is not None
    assert state.state != "unknown"

    assert await hass.config_entries.async_remove(arr.entry_id) == {"require_restart": False}
    await hass.async_block_till_done(wait_background_tasks=True)

    # Forgotten in memory, in the Store, and by the last-run sensor (gone with the entry).
    assert arr.entry_id not in hub.store.all_history()
    assert hub.store.pending_searches(arr.entry_id) == frozenset()
    assert arr.entry_id not in hub.handler.last_runs
    saved = _saved(hass_storage)
    assert arr.entry_id not in saved["arrs"]
    assert arr.entry_id not in saved["pending_searches"]
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{arr.entry_id}-last_run") is None
    assert hass.states.get(last_run_id) is None
    # The instance is untouched.
    assert instance.state is ConfigEntryState.LOADED
    assert unknown in _hashes(qbt)

    # The same Arr added again (same entry id) starts from nothing.
    again = add_arr_entry(hass, radarr_on, options=THREE_STRIKES)
    assert again.entry_id == arr.entry_id
    assert await hass.config_entries.async_setup(again.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    new_last_run_id = registry.async_get_entity_id("sensor", DOMAIN, f"{arr.entry_id}-last_run")
    assert new_last_run_id is not None
    state = hass.states.get(new_last_run_id)
    assert state is not None
    assert state.state == "unknown"  # no last run yet

    rerun = await _handle(hass)
    assert _strikes(rerun) == {(instance.entry_id, unknown): "strike 1 of 3"}
    assert radarr_on.commands == []  # the old search is not retried
    await hass.config_entries.async_unload(again.entry_id)


async def test_removing_a_qbittorrent_entry_forgets_only_that_instances_history(
    hass: HomeAssistant,
    both_qbt: tuple[QbittorrentServer, QbittorrentServer],
    radarr: ArrEmulator,
    hass_storage: dict[str, Any],
) -> None:
    """Guards `async_remove_entry` -> hub -> `HistoryStore.async_purge_instance`.

    On the old behaviour the removed instance's strikes stayed in the Arr's history for
    good, so the same server added again (same entry id) went on from "strike 2".
    """
    qbt4, qbt5 = both_qbt
    on_4, on_5 = random_info_hash(), random_info_hash()
    _add(qbt4, on_4)
    _add(qbt5, on_5)
    e4, e5 = add_qbt_entry(hass, qbt4), add_qbt_entry(hass, qbt5)
    arr = add_arr_entry(hass, radarr, options=THREE_STRIKES)
    await setup_integration(hass)
    store = hass.data[HUB_KEY].store

    first = await _handle(hass)
    assert _strikes(first) == {
        (e4.entry_id, on_4): "strike 1 of 3",
        (e5.entry_id, on_5): "strike 1 of 3",
    }
    assert set(store.history(arr.entry_id)) == {(e4.entry_id, on_4), (e5.entry_id, on_5)}
    assert set(_saved(hass_storage)["arrs"][arr.entry_id]) == {
        f"{e4.entry_id}|{on_4}",
        f"{e5.entry_id}|{on_5}",
    }

    assert await hass.config_entries.async_remove(e4.entry_id) == {"require_restart": False}
    await hass.async_block_till_done(wait_background_tasks=True)

    assert set(store.history(arr.entry_id)) == {(e5.entry_id, on_5)}
    assert store.history(arr.entry_id)[(e5.entry_id, on_5)].strikes == 1
    assert set(_saved(hass_storage)["arrs"][arr.entry_id]) == {f"{e5.entry_id}|{on_5}"}
    assert arr.entry_id in hass.data[HUB_KEY].handler.last_runs  # the Arr is still there
    assert on_4 in _hashes(qbt4)  # nothing on the server itself changes

    # The other instance counts on; the same server added again starts from nothing.
    again = add_qbt_entry(hass, qbt4)
    assert again.entry_id == e4.entry_id
    assert await hass.config_entries.async_setup(again.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    second = await _handle(hass)
    assert _strikes(second) == {
        (e4.entry_id, on_4): "strike 1 of 3",
        (e5.entry_id, on_5): "strike 2 of 3",
    }
    for entry in (again, e5, arr):
        await hass.config_entries.async_unload(entry.entry_id)
