"""Torrent values are typed once, where a reply enters the model: hostile values included."""

from __future__ import annotations

import math
import pickle
import struct
from typing import Any

import pytest

from custom_components.qbitrr.model.server import ServerState
from custom_components.qbitrr.model.states import StateGroup, state_group
from custom_components.qbitrr.model.torrent import (
    Torrent,
    as_float,
    as_int,
    as_int64,
    as_str,
    split_tags,
    updated_torrent,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, 0.5),
        (3, 3.0),
        ("0.25", 0.25),
        (" 7 ", 7.0),
        (math.nan, 0.0),
        (math.inf, 0.0),
        (-math.inf, 0.0),
        ("nan", 0.0),
        ("inf", 0.0),
        ("fast", 0.0),
        (None, 0.0),
        (True, 0.0),
        ([1], 0.0),
        ({"a": 1}, 0.0),
    ],
)
def test_numbers_are_finite_floats(value: object, expected: float) -> None:
    result = as_float(value)
    assert type(result) is float
    assert result == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        (12.9, 12),
        ("1700000000", 1_700_000_000),
        ("1.5e3", 1500),
        (math.nan, 0),
        (False, 0),
    ],
)
def test_whole_numbers(value: object, expected: int) -> None:
    result = as_int(value)
    assert type(result) is int
    assert result == expected


def test_text_fields() -> None:
    assert as_str("Movie") == "Movie"
    assert as_str(42) == "42"
    assert as_str(None) == ""
    assert as_str(value=True) == ""
    assert as_str(["a"]) == ""


def test_a_hostile_torrent_becomes_a_typed_record() -> None:
    torrent = updated_torrent(
        None,
        {
            "name": None,
            "state": "someFutureState",
            "category": 5,
            "tags": ["not", "text"],
            "progress": "0.5",
            "size": math.inf,
            "dlspeed": "1024",
            "eta": None,
            "ratio": math.nan,
            "added_on": "1700000000",
            "magnet_uri": "not kept",
        },
    )
    assert torrent == Torrent(
        name="",
        state="someFutureState",
        category="5",
        tags="",
        progress=0.5,
        size=0,
        dlspeed=1024,
        eta=0,
        ratio=0.0,
        added_on=1_700_000_000,
    )
    assert state_group(torrent.state) is StateGroup.UNKNOWN


def test_missing_keys_keep_what_was_known() -> None:
    known = Torrent(name="A", state="downloading", progress=0.3)
    assert updated_torrent(known, {"progress": 0.4}) == known._replace(progress=0.4)
    # Nothing the model holds changed: no new record.
    assert updated_torrent(known, {"time_active": 5}) is None
    assert updated_torrent(None, {}) == Torrent()


def test_tags_split_once() -> None:
    assert split_tags("a, b c,d") == ("a", "b c", "d")
    assert split_tags("") == ()
    assert split_tags(" , ") == ()


def test_server_state_keeps_unknown_apart_from_zero() -> None:
    state = ServerState().merged({"dl_info_speed": "12", "free_space_on_disk": math.nan})
    assert state == ServerState(dl_info_speed=12)
    state = state.merged({"up_info_speed": 0, "connection_status": "connected", "other": 1})
    assert state == ServerState(dl_info_speed=12, up_info_speed=0, connection_status="connected")
    assert state.merged({"dl_info_speed": None}).dl_info_speed is None
    assert state.merged({"dl_info_speed": True}).dl_info_speed is None


def test_values_most_torrents_share_are_one_object() -> None:
    # Decoded from two replies, as two torrents' values would be: equal but distinct objects.
    never = int("8640000")
    first = updated_torrent(None, {"eta": never, "progress": float("1.0"), "ratio": float("0")})
    second = updated_torrent(None, {"eta": int("8640000"), "progress": 1.0, "ratio": 0.0})
    assert first is not None
    assert second is not None
    assert first.eta is second.eta
    assert first.progress is second.progress
    assert (first.eta, first.progress, first.ratio) == (8_640_000, 1.0, 0.0)
    assert type(first.progress) is float
    assert type(first.ratio) is float


NOW = 1_700_000_000
# Every field set apart from its default, the numbers at the edges of what is packed.
EDGES: list[dict[str, Any]] = [
    {},
    {
        "name": "Ünïcødé 名前 🎬",
        "state": "stalledUP",
        "category": "radarr",
        "tags": "a, b",
        "progress": 0.1 + 0.2,
        "size": 2**63 - 1,
        "dlspeed": 2**40,
        "upspeed": 2**53 + 1,
        "eta": 8_640_000,
        "ratio": 2**53 + 0.5,
        "added_on": NOW,
        "last_activity": -1,
        "amount_left": 2**62,
        "completion_on": -(2**31),
        "tracker_host": "tracker.example.org",
        "private": 1,
        "ratio_limit": -1.0,
        "seeding_time_limit": -1,
        "inactive_seeding_time_limit": 60,
        "share_limit_action": "Stop",
        "queue_position": 2**31 - 1,
    },
    # Times past 2038 and a queue position past 32 bits: the wide layout.
    {"added_on": 2**31, "last_activity": 2**40, "completion_on": -(2**63), "queue_position": -2},
    {"size": -(2**63), "ratio": -0.0, "progress": 1e-300, "ratio_limit": 1e308, "eta": 2**63},
]


@pytest.mark.parametrize("fields", EDGES)
def test_every_field_reads_back_as_written(fields: dict[str, Any]) -> None:
    torrent = Torrent(**fields)
    for name in Torrent._fields:
        expected = fields.get(name, getattr(_DEFAULTS, name))
        value = getattr(torrent, name)
        assert value == expected, name
        assert type(value) is type(expected), name
        if isinstance(expected, float):  # exactly: the sign of a zero too
            assert math.copysign(1, value) == math.copysign(1, expected), name
    assert torrent._asdict() == {**_DEFAULTS._asdict(), **fields}
    assert list(torrent) == list(torrent._asdict().values())
    # Built positionally, by `_make`, by `_replace` and by pickling: the same record.
    assert Torrent(*torrent) == torrent
    assert Torrent._make(torrent) == torrent
    assert Torrent()._replace(**fields) == torrent
    assert pickle.loads(pickle.dumps(torrent)) == torrent  # noqa: S301 - our own bytes
    assert hash(Torrent(**fields)) == hash(torrent)


_DEFAULTS = Torrent(
    name="",
    state="",
    category="",
    tags="",
    progress=0.0,
    size=0,
    dlspeed=0,
    upspeed=0,
    eta=0,
    ratio=0.0,
    added_on=0,
    last_activity=0,
    amount_left=0,
    completion_on=0,
    tracker_host="",
    private=-1,
    ratio_limit=-2.0,
    seeding_time_limit=-2,
    inactive_seeding_time_limit=-2,
    share_limit_action="",
    queue_position=0,
)


def test_a_number_beyond_64_bits_is_refused_never_cut() -> None:
    for name in ("size", "added_on", "last_activity", "completion_on", "queue_position"):
        for number in (2**63, -(2**63) - 1):
            with pytest.raises(struct.error):
                Torrent(**{name: number})
    # From a server, such a number is held at the nearest end instead.
    torrent = updated_torrent(None, {"size": 10**30, "added_on": -(10**30), "priority": 2**64})
    assert torrent is not None
    assert (torrent.size, torrent.added_on) == (2**63 - 1, -(2**63))
    assert torrent.queue_position == 2**63 - 1
    assert as_int64(1e300) == 2**63 - 1


def test_a_record_changes_only_by_replacement() -> None:
    torrent = Torrent(name="A", size=5, state="uploading")
    with pytest.raises(AttributeError):
        torrent.name = "B"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        torrent.size = 6  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del torrent.state
    with pytest.raises(ValueError, match="unexpected field"):
        torrent._replace(colour="red")  # type: ignore[call-arg]
    changed = torrent._replace(size=6, ratio=1.5, eta=60)
    assert (changed.name, changed.size, changed.ratio, changed.eta) == ("A", 6, 1.5, 60)
    assert (torrent.size, torrent.ratio, torrent.eta) == (5, 0.0, 0)
    # Never the same object, even unchanged: readers tell a replaced record by identity.
    assert torrent._replace() is not torrent
    assert torrent._replace() == torrent
    assert torrent != changed
    assert torrent != tuple(torrent)
    assert repr(torrent).startswith("Torrent(name='A', state='uploading', category=''")


def test_a_wide_record_narrows_again() -> None:
    wide = Torrent(added_on=2**40, size=7)
    narrow = wide._replace(added_on=NOW)
    assert (narrow.added_on, narrow.size) == (NOW, 7)
    assert narrow == Torrent(added_on=NOW, size=7)
    assert updated_torrent(narrow, {"added_on": 2**40}) == wide


def test_updates_from_a_server_read_back() -> None:
    known = updated_torrent(
        None, {"name": "Ö", "size": 2**45, "ratio": 1.25, "dlspeed": 99, "tracker": "udp://h:1/a"}
    )
    assert known is not None
    update = updated_torrent(known, {"added_on": NOW, "eta": 61, "private": True})
    assert update == Torrent(
        name="Ö",
        size=2**45,
        ratio=1.25,
        dlspeed=99,
        tracker_host="h",
        added_on=NOW,
        eta=61,
        private=1,
    )
