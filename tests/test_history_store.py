"""Stored history reads back across versions: entries written before a field was added."""

from __future__ import annotations

import pytest

from custom_components.qbitrr.handling.store import _history_from_json, _history_to_json
from custom_components.qbitrr.policy.model import ActionKind, HistoryEntry, Rule
from homeassistant.helpers.json import prepare_save_json


def test_entries_round_trip_with_every_field() -> None:
    entry = HistoryEntry(100, 2, Rule.UNREGISTERED, None, None, ActionKind.STRIKE, 160, 90)
    history = {("qbt", "a" * 40): entry}
    stored = _history_to_json(history)
    assert stored == {f"qbt|{'a' * 40}": "100 2 unregistered - - strike 160 90"}
    assert _history_from_json(stored) == history


def test_entries_are_written_one_line_each() -> None:
    """After a tracker outage the whole history is written again at every run.

    As lists, Home Assistant's indented JSON put every value on a line of its own: 238 bytes
    an entry with a 26-character entry id, twice what its text takes.
    """
    history = {
        ("01JABCDEFGHJKMNPQRSTVWXYZ0", f"{n:040x}"): HistoryEntry(
            1_764_700_000, 1, Rule.STALLED, None, None, ActionKind.STRIKE, 1_764_700_000
        )
        for n in range(1_000)
    }
    _, written = prepare_save_json({"data": {"arrs": {"radarr": _history_to_json(history)}}})
    assert len(written) / len(history) < 130  # bytes an entry
    assert _history_from_json(_history_to_json(history)) == history


@pytest.mark.parametrize(
    ("stored", "entry"),
    [
        pytest.param(  # before the unregistered grace period
            [100, 1, "stalled", None, 120, "strike", 160],
            HistoryEntry(100, 1, Rule.STALLED, None, 120, ActionKind.STRIKE, 160),
            id="seven values",
        ),
        pytest.param(  # before entries were text
            [100, 2, "unregistered", 130, None, "strike", 160, 90],
            HistoryEntry(100, 2, Rule.UNREGISTERED, 130, None, ActionKind.STRIKE, 160, 90),
            id="a list",
        ),
        pytest.param(
            "100 1 stalled - 120 strike 160",
            HistoryEntry(100, 1, Rule.STALLED, None, 120, ActionKind.STRIKE, 160),
            id="text of seven values",
        ),
    ],
)
def test_entries_written_by_earlier_versions_still_read(
    stored: object, entry: HistoryEntry
) -> None:
    assert _history_from_json({f"qbt|{'b' * 40}": stored}) == {("qbt", "b" * 40): entry}


def test_entries_that_do_not_read_are_dropped() -> None:
    raw = {
        "no-separator": [1, 1, None, None, None, None, None],
        "q|h": [1, 2],
        "r|h": "x",
        "s|h": "1 - stalled - - strike 2",
        "t|h": "1 1 no_such_rule - - strike 2",
        "u|h": 7,
    }
    assert _history_from_json(raw) == {}
