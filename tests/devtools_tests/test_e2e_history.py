"""scripts/e2e reads home-assistant.log: both timestamp formats, tracebacks in their record."""

from __future__ import annotations

import pytest

from devtools.e2e.history import log_records

TRACEBACK = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad'


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-10-02 03:04:05.678",  # up to Home Assistant 2026.10
        "2026-11-02 03:04:05.678+00:00",  # 2026.11 adds the UTC offset
        "2026-11-02 03:04:05+02:00",
    ],
)
def test_log_records(stamp: str) -> None:
    text = (
        f"{stamp} WARNING (MainThread) [homeassistant.bootstrap] Skipping pip\n"
        f"{stamp} ERROR (MainThread) [custom_components.qbitrr.hub] failed\n{TRACEBACK}\n"
    )
    assert log_records(text) == [
        ("WARNING", "homeassistant.bootstrap", "Skipping pip"),
        ("ERROR", "custom_components.qbitrr.hub", f"failed\n{TRACEBACK}"),
    ]


def test_log_records_of_a_log_without_records() -> None:
    assert log_records("") == []
    assert log_records("not a record\n") == []
