"""What one poll of a server yields, with the figures entities read computed once per poll.

Also the polling policy that follows from a snapshot (how long to wait before the next poll).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from .api.maindata import Maindata
from .const import (
    QBIT_CHEAP_POLL_SECONDS,
    QBIT_FULL_COST_INTERVAL,
    QBIT_FULL_COST_TORRENTS,
    QBIT_IDLE_UPDATE_INTERVAL,
    QBIT_MAX_UPDATE_INTERVAL,
    QBIT_POLL_LOAD_FACTOR,
    QBIT_UPDATE_INTERVAL,
)
from .model.arr import ArrStatus, DiskSpace, DownloadClient, HealthMessage, QueueItem
from .model.server import ServerState, SpeedLimit, webapi_tuple
from .model.states import StateGroup, state_group
from .model.torrent import Torrent

# From qBittorrent 5 an incremental sync call costs the server little (the bench: on 5.3, 1/300
# of a full one at 1,000 torrents); 4.x works through every torrent on each.
_CHEAP_SYNC_MAJOR: Final = 5


@dataclass(frozen=True, slots=True)
class QbitSnapshot:
    """What one poll of a qBittorrent server yields: the model plus figures computed once."""

    maindata: Maindata
    app_version: str
    webapi_version: str
    counts: Mapping[StateGroup, int]
    category_counts: Mapping[str, int]
    # {category: {state group: count}}, only groups that occur.
    category_group_counts: Mapping[str, Mapping[StateGroup, int]]
    full_update: bool
    # The global and alternative speed limits (bytes/s, 0 = none) from `app/preferences`,
    # read less often than the rest (QbitCoordinator); empty until read.
    limits: Mapping[SpeedLimit, int] = field(default_factory=dict)

    @property
    def torrents(self) -> Mapping[str, Torrent]:
        """Torrents by hash."""
        return self.maindata.torrents

    @property
    def server_state(self) -> ServerState:
        """Transfer figures and disk space as the server reports them."""
        return self.maindata.server_state

    @property
    def total(self) -> int:
        """Number of torrents on the server."""
        return len(self.maindata.torrents)


def build_snapshot(
    maindata: Maindata,
    *,
    app_version: str,
    webapi_version: str,
    full_update: bool,
    previous: QbitSnapshot | None = None,
    limits: Mapping[SpeedLimit, int] | None = None,
) -> QbitSnapshot:
    """Compute the per-poll figures from a merged model.

    With the previous snapshot and an incremental model, only the torrents the reply touched
    are counted again: an idle poll of 10,000 torrents costs microseconds, not milliseconds.
    """
    counts: dict[StateGroup, int]
    by_category: dict[str, dict[StateGroup, int]]
    if previous is None or maindata.full:
        counts = dict.fromkeys(StateGroup, 0)
        by_category = {}
        touched: Iterable[tuple[Torrent | None, Torrent | None]] = (
            (None, torrent) for torrent in maindata.torrents.values()
        )
    else:
        counts = dict(previous.counts)
        by_category = {c: dict(g) for c, g in previous.category_group_counts.items()}
        old = previous.maindata.torrents
        touched = (
            (old.get(h), maindata.torrents.get(h)) for h in maindata.changed | maindata.removed
        )
    for before, after in touched:
        for torrent, step in ((before, -1), (after, 1)):
            if torrent is None:
                continue
            group = state_group(torrent.state)
            counts[group] += step
            groups = by_category.setdefault(torrent.category, {})
            groups[group] = groups.get(group, 0) + step
    category_group_counts = {
        category: {group: n for group, n in groups.items() if n}
        for category, groups in by_category.items()
        if any(groups.values())
    }
    category_counts = dict.fromkeys(maindata.categories, 0) | {
        category: sum(groups.values()) for category, groups in category_group_counts.items()
    }
    return QbitSnapshot(
        maindata=maindata,
        app_version=app_version,
        webapi_version=webapi_version,
        counts=counts,
        category_counts=category_counts,
        category_group_counts=category_group_counts,
        full_update=full_update,
        limits=limits or {},
    )


def is_active(snapshot: QbitSnapshot) -> bool:
    """Whether torrents are moving: transfers, checks, moves, or changes since the last poll."""
    counts = snapshot.counts
    busy = counts[StateGroup.DOWNLOADING] + counts[StateGroup.CHECKING] + counts[StateGroup.MOVING]
    state = snapshot.server_state
    return (
        busy > 0
        or (state.dl_info_speed or 0) > 0
        or (state.up_info_speed or 0) > 0
        or (not snapshot.full_update and bool(snapshot.maindata.changed))
    )


def next_interval(snapshot: QbitSnapshot, poll_seconds: float) -> timedelta:
    """Return the wait before the next poll (the policy is described at QBIT_UPDATE_INTERVAL).

    ``poll_seconds``: the wall time of the poll that made ``snapshot``.
    """
    base = QBIT_UPDATE_INTERVAL if is_active(snapshot) else QBIT_IDLE_UPDATE_INTERVAL
    if (
        poll_seconds >= QBIT_CHEAP_POLL_SECONDS
        and len(snapshot.maindata.torrents) >= QBIT_FULL_COST_TORRENTS
        and polls_cost_a_full_sync(snapshot)
    ):
        base = max(base, QBIT_FULL_COST_INTERVAL)
    load_bound = timedelta(seconds=poll_seconds * QBIT_POLL_LOAD_FACTOR)
    return min(max(base, load_bound), QBIT_MAX_UPDATE_INTERVAL)


def polls_cost_a_full_sync(snapshot: QbitSnapshot) -> bool:
    """Whether the server works through every torrent on each sync call (qBittorrent 4.x)."""
    version = webapi_tuple(snapshot.app_version.removeprefix("v"))
    return bool(version) and version[0] < _CHEAP_SYNC_MAJOR


@dataclass(frozen=True, slots=True)
class ArrSnapshot:
    """What one poll of an Arr app yields."""

    status: ArrStatus
    health: tuple[HealthMessage, ...]
    disk_space: tuple[DiskSpace, ...]
    queue: tuple[QueueItem, ...]
    download_clients: tuple[DownloadClient, ...]

    @property
    def problems(self) -> tuple[HealthMessage, ...]:
        """Health warnings and errors."""
        return tuple(message for message in self.health if message.is_problem)
