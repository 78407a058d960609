"""Merging `sync/maindata` replies: plain data in, plain data out."""

from __future__ import annotations

import json
import math

import pytest

from custom_components.qbitrr.api.maindata import Maindata, merge_maindata, parse_maindata
from custom_components.qbitrr.model.server import ServerState
from custom_components.qbitrr.model.states import StateGroup
from custom_components.qbitrr.model.torrent import TORRENT_FIELDS
from custom_components.qbitrr.snapshot import build_snapshot

FULL = {
    "rid": 1,
    "full_update": True,
    "torrents": {
        "aa": {"name": "A", "state": "metaDL", "category": "radarr", "tags": "", "magnet_uri": "x"},
        "bb": {"name": "B", "state": "pausedDL", "category": "sonarr", "tags": "hd"},
    },
    "categories": {"radarr": {"name": "radarr", "savePath": ""}, "sonarr": {"name": "sonarr"}},
    "tags": ["hd"],
    "server_state": {"dl_info_speed": 10, "free_space_on_disk": 1000},
}


def test_first_reply_builds_the_model() -> None:
    model = merge_maindata(None, FULL)
    assert model.rid == 1
    assert set(model.torrents) == {"aa", "bb"}
    # Fields nothing reads are not kept.
    assert not hasattr(model.torrents["aa"], "magnet_uri")
    assert model.torrents["aa"].name == "A"
    assert model.torrents["aa"].state == "metaDL"
    assert "magnet_uri" not in TORRENT_FIELDS
    assert model.tags == {"hd"}
    assert model.categories == {"radarr": "", "sonarr": ""}
    assert model.server_state.free_space_on_disk == 1000


def test_delta_merges_changed_fields_only() -> None:
    model = merge_maindata(None, FULL)
    delta = {
        "rid": 2,
        "torrents": {"aa": {"state": "stalledDL"}, "cc": {"name": "C", "state": "downloading"}},
        "torrents_removed": ["bb"],
        "categories_removed": ["sonarr"],
        "tags": ["new"],
        "tags_removed": ["hd"],
        "server_state": {"dl_info_speed": 20},
    }
    merged = merge_maindata(model, delta)
    assert merged.rid == 2
    assert merged.torrents["aa"] == model.torrents["aa"]._replace(state="stalledDL")
    assert merged.changed == {"aa", "cc"}
    assert set(merged.torrents) == {"aa", "cc"}
    assert set(merged.categories) == {"radarr"}
    assert merged.tags == {"new"}
    assert merged.server_state == ServerState(dl_info_speed=20, free_space_on_disk=1000)
    # The previous model is untouched: readers of it never see a half-merged state.
    assert model.torrents["aa"].state == "metaDL"
    assert set(model.torrents) == {"aa", "bb"}


def test_idle_reply_changes_nothing_but_rid() -> None:
    model = merge_maindata(None, FULL)
    merged = merge_maindata(model, {"rid": 7})
    assert merged.rid == 7
    assert merged.torrents == model.torrents
    assert merged.categories == model.categories
    assert merged.tags == model.tags
    # Nothing to copy: the records are shared, not copied 10,000 at a time.
    assert merged.torrents is model.torrents


def test_a_change_copies_the_records_and_leaves_the_previous_model_alone() -> None:
    model = merge_maindata(None, FULL)
    merged = merge_maindata(model, {"rid": 2, "torrents_removed": ["aa"]})
    assert set(merged.torrents) == {"bb"}
    assert set(model.torrents) == {"aa", "bb"}
    assert merged.removed == {"aa"}


def test_a_full_reply_lists_no_changes() -> None:
    # Every record of a full reply is new: followers take them all, not a set of 10,000 hashes.
    model = merge_maindata(None, FULL)
    assert model.full
    assert model.changed == frozenset()


def test_full_update_replaces_everything() -> None:
    model = merge_maindata(None, FULL)
    merged = merge_maindata(
        model, {"rid": 9, "full_update": True, "torrents": {"zz": {"name": "Z"}}}
    )
    assert set(merged.torrents) == {"zz"}
    # qBittorrent 5 leaves empty sections out of a full reply: they are empty, not stale.
    assert merged.categories == {}
    assert merged.tags == frozenset()


def test_malformed_sections_are_ignored() -> None:
    model = merge_maindata(
        None,
        {
            "rid": "x",
            "torrents": {"aa": "not a dict", "bb": {"name": "B", "unknown_field": 1}},
            "torrents_removed": "aa",
            "categories": ["radarr"],
            "tags": [1, "ok"],
            "server_state": None,
        },
    )
    assert model.rid == 0
    assert set(model.torrents) == {"bb"}
    assert model.categories == {}
    assert model.tags == {"ok"}
    assert model.server_state == ServerState()


def test_snapshot_counts() -> None:
    model = merge_maindata(None, FULL)
    model = merge_maindata(model, {"rid": 2, "torrents": {"cc": {"state": "futureState"}}})
    snapshot = build_snapshot(model, app_version="v5.3.0", webapi_version="2.16", full_update=False)
    assert snapshot.total == 3
    assert snapshot.counts[StateGroup.STALLED] == 1
    assert snapshot.counts[StateGroup.PAUSED] == 1
    assert snapshot.counts[StateGroup.UNKNOWN] == 1
    assert snapshot.counts[StateGroup.SEEDING] == 0
    assert snapshot.category_counts == {"radarr": 1, "sonarr": 1, "": 1}


def test_empty_model() -> None:
    snapshot = build_snapshot(
        Maindata(), app_version="v4.5.2", webapi_version="2.8", full_update=True
    )
    assert snapshot.total == 0
    assert sum(snapshot.counts.values()) == 0
    assert snapshot.category_counts == {}


def test_only_clock_changes_do_not_count_as_changes() -> None:
    model = merge_maindata(None, FULL)
    merged = merge_maindata(model, {"rid": 2, "torrents": {"aa": {"time_active": 99}}})
    assert merged.changed == frozenset()
    assert merged.torrents["aa"] is model.torrents["aa"]


def test_shared_strings_are_one_object() -> None:
    # Two decodes of a reply give two string objects, as two polls would.
    one, two = (json.loads('{"rid": 1, "torrents": {"aa": {"state": "metaDL"}}}') for _ in "12")
    assert one["torrents"]["aa"]["state"] is not two["torrents"]["aa"]["state"]
    first, second = merge_maindata(None, one), merge_maindata(None, two)
    assert first.torrents["aa"].state is second.torrents["aa"].state


def test_large_reply_is_decoded_torrent_by_torrent() -> None:
    # A "}" inside a name ends the fast path's slice early: the scanner takes over.
    tricky = ['"torrents":{', 'quote " and \\ backslash', "ünïcødé 🎬", "\u0000", "{Movie} }"]
    reply = {
        "rid": 5,
        "full_update": True,
        "categories": {'"torrents":{': {"name": "odd"}},
        "torrents": {
            f"{n:040x}": {"name": tricky[n % 5] * 30, "state": "metaDL", "magnet_uri": "m" * 400}
            for n in range(2500)
        },
        "server_state": {"free_space_on_disk": 7},
    }
    body = json.dumps(reply).encode()
    assert len(body) > 1_000_000
    parsed = parse_maindata(body)
    assert parsed["rid"] == 5
    assert parsed["server_state"] == {"free_space_on_disk": 7}
    assert set(parsed["categories"]) == {'"torrents":{'}
    assert len(parsed["torrents"]) == 2500
    # Decoded one by one, only the fields the model keeps remain.
    assert parsed["torrents"][f"{1:040x}"] == {"name": tricky[1] * 30, "state": "metaDL"}
    assert parsed["torrents"][f"{4:040x}"] == {"name": tricky[4] * 30, "state": "metaDL"}
    assert merge_maindata(None, parsed) == merge_maindata(None, json.loads(body))


@pytest.mark.parametrize("body", [b"[]", b"not json", b'{"rid": ', b"\xff\xfe"])
def test_unparseable_replies_raise_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_maindata(body)


def test_a_large_reply_is_decoded_from_a_buffer_as_from_bytes() -> None:
    # The client reads the body into a bytearray (see api/library.py), never decoding it whole.
    torrents = {
        f"{n:040x}": {"name": f"T{{{n}}}" * 40, "ratio": 0.5, "magnet_uri": "m"}
        for n in range(5000)
    }
    reply = {"rid": 3, "full_update": True, "torrents": torrents}
    body = json.dumps(reply).encode()
    assert len(body) > 1_000_000
    parsed = parse_maindata(bytearray(body))
    # Decoded torrent by torrent (the "}" in names included): only the kept fields remain.
    kept = {h: {"name": t["name"], "ratio": 0.5} for h, t in torrents.items()}
    assert parsed == {**reply, "torrents": kept}


def test_a_large_reply_with_what_orjson_refuses_falls_back_to_the_plain_parse() -> None:
    reply = {
        "rid": 4,
        "torrents": {f"{n:040x}": {"name": "x" * 300, "ratio": math.nan} for n in range(4000)},
    }
    body = json.dumps(reply, allow_nan=True).encode()
    assert len(body) > 1_000_000
    parsed = parse_maindata(body)
    assert len(parsed["torrents"]) == 4000
    assert merge_maindata(None, parsed).torrents[f"{7:040x}"].ratio == 0.0
