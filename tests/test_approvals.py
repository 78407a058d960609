"""Removals approved by the user: held, announced, listed, answered; on real servers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.handling.approvals import (
    EVENT_PENDING_REMOVAL,
    PendingRemoval,
    hold_removals,
    manual_removal,
    pending_from_json,
    pending_to_json,
)
from custom_components.qbitrr.hub import HUB_KEY, QbitrrHub
from custom_components.qbitrr.policy.model import (
    Action,
    ActionKind,
    Guard,
    HistoryEntry,
    Plan,
    PolicyInput,
    PrivateMode,
    QueueEntry,
    Rule,
    Settings,
    TorrentInfo,
)
from custom_components.qbitrr.policy.options import (
    OPT_ASK_BEFORE_REMOVING,
    OPT_MIN_AGE,
    OPT_PROTECT_TAG,
    OPT_STALL_DELAY,
    OPT_STRIKES,
)
from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import QbittorrentServer, random_info_hash, wait_for
from devtools.torrent_files import TorrentFile, random_torrent
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er

from .conftest import ARR_KEYS, add_arr_entry, add_qbt_entry, async_wait_for, setup_integration

# Stalled at once (no delay, no minimum age), removed at the second strike, asked first.
ASKING = {OPT_STALL_DELAY: 0, OPT_MIN_AGE: 0, OPT_STRIKES: 2, OPT_ASK_BEFORE_REMOVING: True}
MOVIE_ID = 17


def add_stalled(server: QbittorrentServer, category: str = "radarr") -> TorrentFile:
    """A real torrent without its data and without peers: a stalled download."""
    torrent, _ = random_torrent()
    api = server.client()
    api.torrents_add(torrent_files=[torrent.data], category=category)
    wait_for(
        lambda: [
            t
            for t in api.torrents_info(torrent_hashes=torrent.info_hash)
            if t["state"] == "stalledDL"
        ],
        30,
        message=f"{torrent.name} stalled",
    )
    return torrent


def radarr_downloading_to(server: QbittorrentServer) -> ArrEmulator:
    """A Radarr emulator (not started) whose qBittorrent download client is `server`."""

    def remove(torrent_hash: str) -> None:
        server.client().torrents_delete(delete_files=True, torrent_hashes=torrent_hash)

    arr = ArrEmulator("radarr", api_key=ARR_KEYS["radarr"], qbittorrent_remover=remove)
    arr.set_download_clients(
        [arr.qbittorrent_client(host="127.0.0.1", port=server.port, category="radarr")]
    )
    return arr


@pytest.fixture
def radarr_on_qbt(qbt: QbittorrentServer) -> Iterator[ArrEmulator]:
    """A Radarr downloading to the real server under test."""
    with radarr_downloading_to(qbt) as arr:
        yield arr


def torrents(server: QbittorrentServer) -> dict[str, Any]:
    """The server's torrents by hash."""
    return {str(t["hash"]): t for t in server.client().torrents_info()}


async def call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


def _pending_sensor(hass: HomeAssistant, arr: MockConfigEntry) -> Any:
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{arr.entry_id}-pending_removals"
    )
    assert entity_id is not None
    return hass.states.get(entity_id)


async def asking_setup(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator, count: int = 1
) -> tuple[MockConfigEntry, MockConfigEntry, list[TorrentFile]]:
    stalled = [add_stalled(qbt) for _ in range(count)]
    for number, torrent in enumerate(stalled):
        radarr.add_queue_item(
            torrent.info_hash.upper(), title=torrent.name, media_id=MOVIE_ID + number
        )
    server = add_qbt_entry(hass, qbt)
    arr = add_arr_entry(hass, radarr, options=ASKING)
    await setup_integration(hass)
    return server, arr, stalled


def _comparable(actions: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(a["instance"], a["hash"], a["rule"], a["action"], a["reason"]) for a in actions]


async def test_removal_waits_for_approval_then_goes_through_the_arr(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    radarr_on_qbt: ArrEmulator,
    hass_storage: dict[str, Any],
) -> None:
    server, arr, (stalled,) = await asking_setup(hass, qbt, radarr_on_qbt)
    held_events = async_capture_events(hass, EVENT_PENDING_REMOVAL)
    first = await call(hass, "handle_torrents")
    assert [a["action"] for a in first["actions"]] == ["strike"]

    # The dry run says what the real run then does: the removal is held, not carried out.
    dry = await call(hass, "handle_torrents", dry_run=True)
    assert [a["action"] for a in dry["actions"]] == ["pending_removal"]
    assert dry["summary"]["pending"] == 1
    assert dry["summary"]["removed"] == 0
    assert held_events == []
    real = await call(hass, "handle_torrents")
    assert _comparable(real["actions"]) == _comparable(dry["actions"])
    assert real["actions"][0]["reason"].endswith("strike 2 of 2; waiting for approval")
    assert radarr_on_qbt.removals == []
    assert stalled.info_hash in torrents(qbt)
    (event,) = held_events
    assert event.data == {
        "arr": arr.entry_id,
        "arr_title": arr.title,
        "server": server.entry_id,
        "server_title": server.title,
        "hash": stalled.info_hash,
        "name": stalled.name,
        "category": "radarr",
        "rule": "stalled",
        "reason": real["actions"][0]["reason"].removesuffix("; waiting for approval"),
        "action": "arr_remove",
    }
    state = _pending_sensor(hass, arr)
    assert state.state == "1"
    (listed,) = state.attributes["removals"]
    assert (listed["server"], listed["server_title"], listed["hash"]) == (
        server.entry_id,
        server.title,
        stalled.info_hash,
    )
    assert (listed["name"], listed["rule"], listed["since"][:2]) == (stalled.name, "stalled", "20")

    # Still waiting on the next run: listed again, announced once only.
    again = await call(hass, "handle_torrents")
    assert [a["action"] for a in again["actions"]] == ["pending_removal"]
    assert len(held_events) == 1

    # A restart: a new hub knows the pending removal from the store alone.
    assert "pending_removals" in hass_storage["qbitrr.torrent_history"]["data"]
    hass.data[HUB_KEY] = QbitrrHub(hass)
    answer = await call(
        hass, "remove_torrent", config_entry_id=server.entry_id, hash=stalled.info_hash.upper()
    )
    assert answer == {
        "hash": stalled.info_hash,
        "name": stalled.name,
        "action": "arr_remove",
        "pending": True,
        "error": None,
    }
    assert [
        (r.download_id.lower(), r.remove_from_client, r.blocklist) for r in radarr_on_qbt.removals
    ] == [(stalled.info_hash, True, True)]
    assert [(s.name, s.ids) for s in radarr_on_qbt.searches if s.source == "command"] == [
        ("MoviesSearch", (MOVIE_ID,))
    ]
    await async_wait_for(hass, lambda: stalled.info_hash not in torrents(qbt), "removed")
    assert hass.data[HUB_KEY].store.pending_removals(arr.entry_id) == {}
    assert hass.data[HUB_KEY].store.history(arr.entry_id) == {}


async def test_keep_protects_the_torrent_and_clears_its_strikes(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr_on_qbt: ArrEmulator
) -> None:
    server, arr, (stalled,) = await asking_setup(hass, qbt, radarr_on_qbt)
    hass.config_entries.async_update_entry(arr, options={**ASKING, OPT_PROTECT_TAG: "mine"})
    await hass.async_block_till_done(wait_background_tasks=True)
    await call(hass, "handle_torrents")
    await call(hass, "handle_torrents")
    assert torrents(qbt)[stalled.info_hash]["tags"] == "qbitrr-strike"
    assert _pending_sensor(hass, arr).state == "1"

    kept = await call(hass, "keep_torrent", config_entry_id=server.entry_id, hash=stalled.info_hash)
    assert kept == {"hash": stalled.info_hash, "name": stalled.name, "tag": "mine", "pending": True}
    assert torrents(qbt)[stalled.info_hash]["tags"] == "mine"
    assert _pending_sensor(hass, arr).state == "0"
    assert hass.data[HUB_KEY].handler.history(arr.entry_id) == {}
    # The rules leave it alone from now on.
    await server.runtime_data.async_refresh()
    after = await call(hass, "handle_torrents")
    assert after["actions"] == []
    assert [s["guard"] for s in after["skipped"]] == ["protected"]
    assert radarr_on_qbt.removals == []


async def test_remove_without_a_pending_removal_routes_like_the_rules(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr_on_qbt: ArrEmulator
) -> None:
    server, _, (queued,) = await asking_setup(hass, qbt, radarr_on_qbt)
    unknown = add_stalled(qbt)
    outside = add_stalled(qbt, category="other")
    await server.runtime_data.async_refresh()

    through_arr = await call(
        hass, "remove_torrent", config_entry_id=server.entry_id, hash=queued.info_hash
    )
    assert (through_arr["action"], through_arr["pending"]) == ("arr_remove", False)
    assert [r.download_id.lower() for r in radarr_on_qbt.removals] == [queued.info_hash]
    # Nobody's: the Arr's unknown-torrent action (tag only, by default).
    tagged = await call(
        hass, "remove_torrent", config_entry_id=server.entry_id, hash=unknown.info_hash
    )
    assert tagged["action"] == "tag"
    assert torrents(qbt)[unknown.info_hash]["tags"] == "qbitrr-bad"

    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "remove_torrent", config_entry_id=server.entry_id, hash=outside.info_hash)
    assert err.value.translation_key == "torrent_not_managed"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "keep_torrent", config_entry_id=server.entry_id, hash=random_info_hash())
    assert err.value.translation_key == "torrent_not_found"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "keep_torrent", config_entry_id=server.entry_id, hash="nope")
    assert err.value.translation_key == "invalid_hash"

    # Protected: refused, never removed.
    await call(hass, "keep_torrent", config_entry_id=server.entry_id, hash=unknown.info_hash)
    await server.runtime_data.async_refresh()
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "remove_torrent", config_entry_id=server.entry_id, hash=unknown.info_hash)
    assert err.value.translation_key == "removal_guarded"
    assert err.value.translation_placeholders == {"name": unknown.name, "guard": "protected"}
    assert unknown.info_hash in torrents(qbt)


async def test_answers_fail_when_the_server_is_down(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr_on_qbt: ArrEmulator
) -> None:
    server, _, (stalled,) = await asking_setup(hass, qbt, radarr_on_qbt)
    qbt.stop()
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "keep_torrent", config_entry_id=server.entry_id, hash=stalled.info_hash)
    assert err.value.translation_key == "instance_unreachable"
    await server.runtime_data.async_refresh()
    for service in ("keep_torrent", "remove_torrent"):
        with pytest.raises(HomeAssistantError) as err:
            await call(hass, service, config_entry_id=server.entry_id, hash=stalled.info_hash)
        assert err.value.translation_key == "instance_unreachable"


async def test_a_failed_removal_stays_pending(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr_on_qbt: ArrEmulator
) -> None:
    server, arr, (stalled,) = await asking_setup(hass, qbt, radarr_on_qbt)
    await call(hass, "handle_torrents")
    await call(hass, "handle_torrents")
    radarr_on_qbt.inject_fault(r"/queue/\d+$", "500", method="DELETE")
    with pytest.raises(HomeAssistantError) as err:
        await call(hass, "remove_torrent", config_entry_id=server.entry_id, hash=stalled.info_hash)
    assert err.value.translation_key == "removal_failed"
    assert len(hass.data[HUB_KEY].store.pending_removals(arr.entry_id)) == 1


# Pure parts: holding a plan's removals, routing a removal asked for, the stored form.

_NOW = 10_000


def _removal(kind: ActionKind, hash_char: str = "a") -> Action:
    return Action(
        "qbt", hash_char * 40, "Movie", "radarr", "radarr_id", Rule.STALLED, kind, "r", 3, (7,)
    )


def _input(settings: Settings, history: dict[Any, HistoryEntry] | None = None) -> PolicyInput:
    return PolicyInput(
        now=_NOW,
        torrents=(),
        reachable_instances=frozenset({"qbt"}),
        arrs={"radarr_id": ("radarr", settings)},
        queues={},
        history=history or {},
    )


def test_only_asking_arrs_hold_their_removals() -> None:
    plan = Plan(
        actions=(_removal(ActionKind.ARR_REMOVE), _removal(ActionKind.STRIKE, "b")),
        skipped=(),
        history={},
    )
    untouched = hold_removals([(_input(Settings(strikes=3)), plan)])
    assert untouched.plans[0][1] is plan
    assert untouched.arrs == ()

    past = HistoryEntry(5_000, 2, Rule.STALLED, 4_000, None, ActionKind.STRIKE, 9_000)
    data = _input(Settings(strikes=3, ask_before_removing=True), {("qbt", "a" * 40): past})
    held = hold_removals([(data, plan)])
    (_, new_plan) = held.plans[0]
    assert [a.kind for a in new_plan.actions] == [ActionKind.PENDING_REMOVAL, ActionKind.STRIKE]
    assert new_plan.history[("qbt", "a" * 40)] == HistoryEntry(
        5_000, 3, Rule.STALLED, 4_000, None, ActionKind.PENDING_REMOVAL, _NOW
    )
    (arr,) = held.arrs
    assert arr.removals == (plan.actions[0],)
    # Without a history (one strike is enough): a fresh entry at the limit.
    fresh = hold_removals([(_input(Settings(strikes=1, ask_before_removing=True)), plan)])
    assert fresh.plans[0][1].history[("qbt", "a" * 40)].strikes == 1


def _torrent(*, at_risk: bool = False, tags: frozenset[str] = frozenset()) -> TorrentInfo:
    return TorrentInfo(
        "qbt", "c" * 40, "Show", "radarr", "stalledDL", 0.4, 0, 0, 0, 0, tags, at_risk=at_risk
    )


@pytest.mark.parametrize(
    ("mode", "at_risk", "expected"),
    [
        (PrivateMode.KEEP_SEEDING, False, ActionKind.ARR_REMOVE),
        (PrivateMode.KEEP_SEEDING, True, ActionKind.ARR_REMOVE_KEEP),
        (PrivateMode.LIKE_PUBLIC, True, ActionKind.ARR_REMOVE),
        (PrivateMode.NEVER_TOUCH, True, Guard.PRIVATE),
    ],
)
def test_a_removal_asked_for_keeps_the_private_tracker_guard(
    mode: PrivateMode, at_risk: bool, expected: ActionKind | Guard
) -> None:
    entry = QueueEntry("radarr_id", 5, (8, 9), "qbt")
    planned = manual_removal(
        _torrent(at_risk=at_risk),
        (entry,),
        "radarr_id",
        Settings(private_mode=mode),
        reachable=frozenset({"qbt"}),
        any_unreachable=False,
        copies=lambda _: 1,
    )
    if isinstance(expected, Guard):
        assert planned is expected
        return
    assert isinstance(planned, Action)
    assert (planned.kind, planned.queue_id, planned.media_ids) == (expected, 5, (8, 9))


def test_a_removal_asked_for_respects_routing_guards() -> None:
    def plan(entries: tuple[QueueEntry, ...], tags: frozenset[str] = frozenset()) -> Action | Guard:
        return manual_removal(
            _torrent(tags=tags),
            entries,
            "radarr_id",
            Settings(),
            reachable=frozenset({"qbt", "other"}),
            any_unreachable=False,
            copies=lambda _: 2,
        )

    assert plan((), frozenset({"qbitrr-protected"})) is Guard.PROTECTED
    assert plan((QueueEntry("radarr_id", 5, (8,), "other"),)) is Guard.COPY_ELSEWHERE
    assert plan((QueueEntry("radarr_id", 5, (8,), None),)) is Guard.AMBIGUOUS_ARR


def test_pending_removals_round_trip_and_bad_ones_are_dropped() -> None:
    pending = {("qbt", "a" * 40): PendingRemoval(_removal(ActionKind.ARR_REMOVE_KEEP), 123)}
    assert pending_from_json(pending_to_json(pending)) == pending
    unqueued = {
        ("qbt", "d" * 40): PendingRemoval(
            _removal(ActionKind.DELETE, "d")._replace(queue_id=None), 1
        )
    }
    assert pending_from_json(pending_to_json(unqueued)) == unqueued
    assert pending_from_json("nonsense") == {}
    assert pending_from_json([{"since": 1}, {"action": [1, 2], "since": 1}, "x"]) == {}


async def test_history_stored_before_approvals_still_loads(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    hass_storage["qbitrr.torrent_history"] = {
        "version": 1,
        "key": "qbitrr.torrent_history",
        "data": {
            "arrs": {"radarr_id": {f"qbt|{'a' * 40}": [1, 1, "stalled", None, None, "strike", 2]}}
        },
    }
    hub = QbitrrHub(hass)
    await hub.store.async_load()
    assert hub.store.history("radarr_id")[("qbt", "a" * 40)].strikes == 1
    assert hub.store.pending_removals("radarr_id") == {}
    assert hub.store.find_pending(("qbt", "a" * 40)) is None
    hub.store.set_pending(
        "radarr_id", {("qbt", "a" * 40): PendingRemoval(_removal(ActionKind.DELETE), 5)}
    )
    await hub.store.async_purge_instance("qbt")
    assert hub.store.pending_removals("radarr_id") == {}
    hub.store.set_pending(
        "radarr_id", {("qbt", "a" * 40): PendingRemoval(_removal(ActionKind.DELETE), 5)}
    )
    await hub.store.async_purge_arr("radarr_id")
    assert hub.store.pending_removals("radarr_id") == {}
