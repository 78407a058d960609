"""The poll interval a snapshot leads to (``snapshot.next_interval``): activity, cost, cap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from custom_components.qbitrr.api.maindata import merge_maindata
from custom_components.qbitrr.const import (
    QBIT_FULL_COST_TORRENTS,
    QBIT_IDLE_UPDATE_INTERVAL,
    QBIT_MAX_UPDATE_INTERVAL,
    QBIT_UPDATE_INTERVAL,
)
from custom_components.qbitrr.snapshot import (
    QbitSnapshot,
    build_snapshot,
    next_interval,
    polls_cost_a_full_sync,
)

DOWNLOADING = {"rid": 1, "torrents": {"aa": {"state": "downloading"}}, "server_state": {}}
SEEDING = {"rid": 1, "torrents": {"aa": {"state": "stalledUP"}}, "server_state": {}}


def _snapshot(reply: dict[str, Any], app_version: str) -> QbitSnapshot:
    return build_snapshot(
        merge_maindata(None, reply), app_version=app_version, webapi_version="2", full_update=True
    )


def _library(state: str) -> dict[str, Any]:
    """A reply listing QBIT_FULL_COST_TORRENTS torrents, the first in `state`, the rest seeding."""
    torrents = {f"{n:040x}": {"state": "stalledUP"} for n in range(QBIT_FULL_COST_TORRENTS)}
    torrents[f"{0:040x}"] = {"state": state}
    return {"rid": 1, "torrents": torrents, "server_state": {}}


V4_ACTIVE = _snapshot(_library("downloading"), "v4.5.2")
V4_IDLE = _snapshot(_library("stalledUP"), "v4.5.2")
V5_ACTIVE = _snapshot(_library("downloading"), "v5.1.0")
V5_IDLE = _snapshot(_library("stalledUP"), "v5.1.0")
V4_SMALL_ACTIVE = _snapshot(DOWNLOADING, "v4.5.2")


@pytest.mark.parametrize(
    ("app_version", "expected"),
    [("v4.5.2", True), ("v4.6.7", True), ("4.3.9", True), ("v5.0.0", False), ("v5.1.0", False)],
)
def test_which_servers_work_through_every_torrent(app_version: str, *, expected: bool) -> None:
    assert polls_cost_a_full_sync(_snapshot(SEEDING, app_version)) is expected


def test_an_unknown_version_counts_as_cheap() -> None:
    assert not polls_cost_a_full_sync(_snapshot(SEEDING, ""))
    assert next_interval(_snapshot(DOWNLOADING, ""), 0.5) == QBIT_UPDATE_INTERVAL


def test_cheap_polls_follow_activity_on_any_version() -> None:
    for active, idle in ((V4_ACTIVE, V4_IDLE), (V5_ACTIVE, V5_IDLE)):
        for seconds in (0.05, 0.19):
            assert next_interval(active, seconds) == QBIT_UPDATE_INTERVAL
            assert next_interval(idle, seconds) == QBIT_IDLE_UPDATE_INTERVAL


def test_a_small_4x_server_far_away_keeps_its_pace() -> None:
    # A poll slowed by the network, not by the server's work over a large library.
    assert next_interval(V4_SMALL_ACTIVE, 0.5) == QBIT_UPDATE_INTERVAL


def test_a_large_4x_server_while_active() -> None:
    # 10,000 torrents on 4.5: an incremental poll takes about 0.5 to 1 s and costs the server
    # half to all of a full one, so it is polled every 90 s (a third of the core's 30 s rate).
    for seconds in (0.2, 0.5, 1.0, 2.9):
        assert next_interval(V4_ACTIVE, seconds) == timedelta(seconds=90)
    # The same poll time on 5.x keeps the 15 s while active.
    assert next_interval(V5_ACTIVE, 0.5) == QBIT_UPDATE_INTERVAL
    # Idle, both wait the longer idle interval.
    assert next_interval(V4_IDLE, 1.0) == QBIT_IDLE_UPDATE_INTERVAL
    assert next_interval(V5_IDLE, 1.0) == QBIT_IDLE_UPDATE_INTERVAL


@pytest.mark.parametrize("snapshot", [V4_ACTIVE, V4_IDLE, V5_ACTIVE, V5_IDLE])
@pytest.mark.parametrize("seconds", [0.6, 3.5, 4.0, 6.0, 9.9])
def test_polling_takes_at_most_a_thirtieth_of_the_server_time(
    snapshot: QbitSnapshot, seconds: float
) -> None:
    assert next_interval(snapshot, seconds).total_seconds() >= 30 * seconds


def test_a_slow_poll_waits_thirty_times_its_length() -> None:
    # Beyond the 90 s of a 4.x server and the idle interval.
    assert next_interval(V4_ACTIVE, 4.0) == timedelta(seconds=120)
    assert next_interval(V5_ACTIVE, 4.0) == timedelta(seconds=120)
    assert next_interval(V4_IDLE, 6.0) == timedelta(seconds=180)


def test_never_beyond_the_cap() -> None:
    assert next_interval(V4_ACTIVE, 11.0) == QBIT_MAX_UPDATE_INTERVAL
    assert next_interval(V5_IDLE, 60.0) == QBIT_MAX_UPDATE_INTERVAL
