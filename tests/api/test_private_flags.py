"""The private-flag memory (4.x asks per torrent) and the typing of torrent properties."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.qbitrr.api.maindata import Maindata, merge_maindata
from custom_components.qbitrr.api.private_flags import PrivateFlags, lists_private
from custom_components.qbitrr.model.properties import TorrentProperties


def _hash(number: int) -> str:
    return f"{number:040x}"


def _poll(
    flags: PrivateFlags, previous: Maindata | None, reply: dict[str, Any], limit: int = 20
) -> tuple[Maindata, list[str]]:
    """What the client does with one reply, with a server answering "private" for odd hashes."""
    merged = merge_maindata(previous, reply)
    flags.follow(merged, listed=flags.listed or lists_private(reply))
    asked = flags.to_ask(merged, limit)
    for torrent_hash in asked:
        flags.learn(torrent_hash, int(torrent_hash, 16) % 2)
    return flags.applied(merged), asked


def _full(torrents: dict[str, dict[str, Any]], rid: int = 1) -> dict[str, Any]:
    return {"rid": rid, "full_update": True, "torrents": torrents}


def test_newest_first_a_few_per_poll_each_once() -> None:
    flags = PrivateFlags()
    torrents = {_hash(n): {"added_on": 1000 + n, "state": "stalledUP"} for n in range(25)}
    torrents[_hash(99)] = {"added_on": 5000, "state": "metaDL"}  # no metadata: not yet
    model, asked = _poll(flags, None, _full(torrents))
    assert asked == [_hash(n) for n in range(24, 4, -1)]
    assert model.torrents[_hash(24)].private == 0
    assert model.torrents[_hash(23)].private == 1
    assert model.torrents[_hash(4)].private == -1

    # The rest next poll: an empty reply, yet the records that took a flag count as changed.
    model, asked = _poll(flags, model, {"rid": 2})
    assert asked == [_hash(n) for n in range(4, -1, -1)]
    assert model.changed == {_hash(n) for n in range(5)}
    assert all(model.torrents[_hash(n)].private == n % 2 for n in range(25))

    # Nothing left but the magnet; once it has metadata it is asked, once.
    model, asked = _poll(flags, model, {"rid": 3})
    assert asked == []
    model, asked = _poll(flags, model, {"rid": 4, "torrents": {_hash(99): {"state": "stalledUP"}}})
    assert asked == [_hash(99)]
    assert model.torrents[_hash(99)].private == 1
    assert len(flags) == 26


def test_answers_survive_resyncs_and_leave_with_their_torrent() -> None:
    flags = PrivateFlags()
    torrents = {_hash(n): {"added_on": n, "state": "uploading"} for n in (1, 2, 3)}
    model, asked = _poll(flags, None, _full(torrents))
    assert len(asked) == 3
    # A full resync rebuilds every record: the flags are written again, nothing asked.
    model, asked = _poll(flags, model, _full(torrents, rid=9))
    assert asked == []
    assert [model.torrents[_hash(n)].private for n in (1, 2, 3)] == [1, 0, 1]
    # After an error the client forgets the model and the listing, not the answers.
    flags.reset_listing()
    model, asked = _poll(flags, None, _full(torrents, rid=1))
    assert asked == []
    assert model.torrents[_hash(3)].private == 1
    # Removed incrementally, or missing from a full reply: forgotten, so asked if it returns.
    model, _ = _poll(flags, model, {"rid": 2, "torrents_removed": [_hash(1)]})
    model, _ = _poll(flags, model, _full({_hash(3): torrents[_hash(3)]}, rid=3))
    assert len(flags) == 1
    model, asked = _poll(flags, model, {"rid": 4, "torrents": {_hash(1): torrents[_hash(1)]}})
    assert asked == [_hash(1)]


def test_not_told_is_unknown_for_good() -> None:
    flags = PrivateFlags()
    model = merge_maindata(None, _full({_hash(1): {"state": "uploading"}}))
    flags.follow(model, listed=False)
    assert flags.to_ask(model, 20) == [_hash(1)]
    flags.learn(_hash(1), -1)  # 4.5.0: no `is_private` in the answer
    assert flags.applied(model) is model
    for rid in range(2, 5):
        model = merge_maindata(model, {"rid": rid, "torrents": {_hash(1): {"ratio": rid}}})
        flags.follow(model, listed=False)
        assert flags.to_ask(model, 20) == []
        assert flags.applied(model).torrents[_hash(1)].private == -1


def test_a_listing_server_is_never_asked() -> None:
    flags = PrivateFlags()
    listed = _full({_hash(1): {"private": True}, _hash(2): {"private": None, "state": "metaDL"}})
    model, asked = _poll(flags, None, listed)
    assert flags.listed
    assert asked == []
    assert (model.torrents[_hash(1)].private, model.torrents[_hash(2)].private) == (1, -1)
    # A torrent added later, or one whose metadata arrives, says it in the list too.
    model, asked = _poll(flags, model, {"rid": 2, "torrents": {_hash(2): {"state": "stalledUP"}}})
    assert asked == []
    # A flag read outside a poll is kept (when it is one, for a listed torrent) but the list wins.
    flags.learn_if_listed(model, _hash(2), 1)
    flags.learn_if_listed(model, _hash(3), 1)  # not on the server
    flags.learn_if_listed(model, _hash(1), -1)  # no flag
    flags.learn_if_listed(None, _hash(1), 0)  # no model yet
    assert len(flags) == 1
    model, _ = _poll(flags, model, {"rid": 3})
    assert model.torrents[_hash(2)].private == 1
    assert model.torrents[_hash(1)].private == 1


@pytest.mark.parametrize(
    ("reply", "private"),
    [
        ({"is_private": True, "pieces_num": 4}, 1),
        ({"is_private": False, "pieces_num": 4}, 0),
        ({"is_private": True}, 1),  # no way to tell it lacks metadata: trusted
        ({"private": True, "has_metadata": True}, 1),  # 5.x spelling, without `is_private`
        ({"is_private": False, "pieces_num": -1}, -1),  # 4.x magnet without metadata
        ({"is_private": False, "has_metadata": False, "pieces_num": 4}, -1),  # 5.x magnet
        ({"pieces_num": 4}, -1),  # 4.5.0 does not tell
        ({"is_private": "true"}, -1),
        ({"is_private": None}, -1),
        ({"is_private": [1]}, -1),
        ({"is_private": 1.0}, 1),
        ({"is_private": True, "has_metadata": "yes"}, -1),
        ({"is_private": True, "pieces_num": "junk"}, -1),
    ],
)
def test_private_flag_from_properties(reply: dict[str, Any], private: int) -> None:
    assert TorrentProperties.from_reply(reply).private == private


def test_hostile_properties_become_safe_values() -> None:
    hostile = TorrentProperties.from_reply(
        {
            "seeding_time": "12",
            "time_elapsed": math.nan,
            "total_downloaded": -5,
            "share_ratio": math.inf,
        }
    )
    assert hostile == TorrentProperties(
        private=-1, seeding_time=12, time_active=0, total_downloaded=0, share_ratio=0.0
    )
    assert TorrentProperties.from_reply({}) == TorrentProperties()
    real = TorrentProperties.from_reply(
        {"seeding_time": 61, "time_elapsed": 90.7, "total_downloaded": 2**40, "share_ratio": 1.5}
    )
    assert (real.seeding_time, real.time_active, real.total_downloaded, real.share_ratio) == (
        61,
        90,
        2**40,
        1.5,
    )


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=10),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from(
    [
        "is_private",
        "private",
        "has_metadata",
        "pieces_num",
        "seeding_time",
        "time_elapsed",
        "total_downloaded",
        "share_ratio",
        "other",
    ]
)


@settings(max_examples=300, derandomize=True, database=None)
@given(st.dictionaries(keys, json_values))
def test_any_reply_types_cleanly(reply: dict[str, Any]) -> None:
    read = TorrentProperties.from_reply(reply)
    assert read.private in {-1, 0, 1}
    for number in (read.seeding_time, read.time_active, read.total_downloaded):
        assert type(number) is int
        assert number >= 0
    assert type(read.share_ratio) is float
    assert math.isfinite(read.share_ratio)
    assert read.share_ratio >= 0
