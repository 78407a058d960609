"""Torrent values are typed once, where a reply enters the model: hostile values included."""

from __future__ import annotations

import math

import pytest

from custom_components.qbitrr.model.server import ServerState
from custom_components.qbitrr.model.states import StateGroup, state_group
from custom_components.qbitrr.model.torrent import (
    Torrent,
    as_float,
    as_int,
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
    assert first.ratio is second.ratio
    assert (first.eta, first.progress, first.ratio) == (8_640_000, 1.0, 0.0)
    assert type(first.progress) is float
