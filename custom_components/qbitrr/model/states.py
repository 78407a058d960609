"""One table of qBittorrent torrent states for 4.x and 5.x, grouped the way qbitrr counts them."""

from __future__ import annotations

from enum import StrEnum


class StateGroup(StrEnum):
    """Groups of torrent states that entities count and the policy reasons about."""

    DOWNLOADING = "downloading"
    SEEDING = "seeding"
    STALLED = "stalled"
    PAUSED = "paused"
    ERRORED = "errored"
    CHECKING = "checking"
    QUEUED = "queued"
    MOVING = "moving"
    UNKNOWN = "unknown"


# qBittorrent 5.0 renamed pausedDL/pausedUP to stoppedDL/stoppedUP; both spellings are listed.
STATE_GROUPS: dict[str, StateGroup] = {
    "downloading": StateGroup.DOWNLOADING,
    "forcedDL": StateGroup.DOWNLOADING,
    "uploading": StateGroup.SEEDING,
    "forcedUP": StateGroup.SEEDING,
    "stalledUP": StateGroup.SEEDING,
    "stalledDL": StateGroup.STALLED,
    "metaDL": StateGroup.STALLED,
    "forcedMetaDL": StateGroup.STALLED,
    "pausedDL": StateGroup.PAUSED,
    "pausedUP": StateGroup.PAUSED,
    "stoppedDL": StateGroup.PAUSED,
    "stoppedUP": StateGroup.PAUSED,
    "error": StateGroup.ERRORED,
    "missingFiles": StateGroup.ERRORED,
    "checkingDL": StateGroup.CHECKING,
    "checkingUP": StateGroup.CHECKING,
    "checkingResumeData": StateGroup.CHECKING,
    "queuedDL": StateGroup.QUEUED,
    "queuedUP": StateGroup.QUEUED,
    "moving": StateGroup.MOVING,
}


def state_group(state: object) -> StateGroup:
    """Return the group of a raw state; states a future qBittorrent invents are UNKNOWN."""
    if isinstance(state, str):
        return STATE_GROUPS.get(state, StateGroup.UNKNOWN)
    return StateGroup.UNKNOWN


def states_of(group: StateGroup) -> frozenset[str]:
    """Return the raw states of one group (a set lookup is cheaper than ``state_group``)."""
    return frozenset(state for state, member in STATE_GROUPS.items() if member is group)
