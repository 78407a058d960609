"""Stored history reads back across versions: entries written before a field was added."""

from __future__ import annotations

from custom_components.qbitrr.handling.store import _history_from_json, _history_to_json
from custom_components.qbitrr.policy.model import ActionKind, HistoryEntry, Rule


def test_entries_round_trip_with_every_field() -> None:
    entry = HistoryEntry(100, 2, Rule.UNREGISTERED, None, None, ActionKind.STRIKE, 160, 90)
    history = {("qbt", "a" * 40): entry}
    assert _history_from_json(_history_to_json(history)) == history


def test_entries_stored_before_the_grace_period_still_read() -> None:
    old = {f"qbt|{'b' * 40}": [100, 1, "stalled", None, 120, "strike", 160]}
    assert _history_from_json(old) == {
        ("qbt", "b" * 40): HistoryEntry(100, 1, Rule.STALLED, None, 120, ActionKind.STRIKE, 160)
    }


def test_entries_that_do_not_read_are_dropped() -> None:
    raw = {"no-separator": [1, 1, None, None, None, None, None], "q|h": [1, 2], "r|h": "x"}
    assert _history_from_json(raw) == {}
