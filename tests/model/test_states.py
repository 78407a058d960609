"""The state table covers qBittorrent 4.x and 5.x names."""

from __future__ import annotations

import pytest

from custom_components.qbitrr.model.states import StateGroup, state_group


@pytest.mark.parametrize(
    ("state", "group"),
    [
        ("pausedDL", StateGroup.PAUSED),
        ("stoppedDL", StateGroup.PAUSED),
        ("pausedUP", StateGroup.PAUSED),
        ("stoppedUP", StateGroup.PAUSED),
        ("metaDL", StateGroup.STALLED),
        ("stalledDL", StateGroup.STALLED),
        ("stalledUP", StateGroup.SEEDING),
        ("missingFiles", StateGroup.ERRORED),
        ("error", StateGroup.ERRORED),
        ("checkingResumeData", StateGroup.CHECKING),
        ("queuedDL", StateGroup.QUEUED),
        ("forcedDL", StateGroup.DOWNLOADING),
        ("someFutureState", StateGroup.UNKNOWN),
        (None, StateGroup.UNKNOWN),
        (3, StateGroup.UNKNOWN),
    ],
)
def test_state_group(state: object, group: StateGroup) -> None:
    assert state_group(state) is group
