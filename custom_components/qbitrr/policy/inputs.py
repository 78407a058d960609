"""Building the engine's input from plain views of the instances and Arrs: pure, no I/O.

The caller reads Home Assistant (entries, options, coordinators) on the event loop and hands
over these views; everything here can then run in a worker thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from ..model.arr import DownloadClient, QueueItem
from ..model.torrent import Torrent, TorrentKey, split_tags
from .model import HistoryEntry, PolicyInput, QueueEntry, Settings, TorrentInfo
from .seeding_goals import RiskCheck

_LOCAL_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class InstanceView:
    """One configured qBittorrent instance; `torrents` is None while it cannot be polled."""

    entry_id: str
    url: str  # normalised
    torrents: Mapping[str, Torrent] | None


@dataclass(frozen=True, slots=True)
class ArrView:
    """One Arr entry: its category, its rules, and its last good queue and download clients."""

    entry_id: str
    category: str
    settings: Settings
    queue: tuple[QueueItem, ...]
    download_clients: tuple[DownloadClient, ...]
    # Spellings of the category that differ only in case and are taken as the Arr's.
    aliases: frozenset[str] = field(default_factory=frozenset)

    @property
    def categories(self) -> frozenset[str]:
        """Every spelling of the Arr's category."""
        return self.aliases | {self.category}


def _address(url: str) -> tuple[str, str, int | None, str]:
    """Scheme, host, port and path of a normalised URL; the local host has one name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return (
        parts.scheme,
        "localhost" if host in _LOCAL_HOSTS else host,
        parts.port,
        parts.path.rstrip("/"),
    )


def owner_instance(
    item: QueueItem, clients: Iterable[DownloadClient], instances: Iterable[InstanceView]
) -> str | None:
    """Return the instance the Arr's download client for `item` points at, or None.

    Scheme, host, port and URL base all count: two servers behind one reverse proxy differ
    only in their path.
    """
    qbit_clients = [client for client in clients if client.is_qbittorrent]
    named = [client for client in qbit_clients if client.name == item.download_client]
    client = named[0] if named else (qbit_clients[0] if len(qbit_clients) == 1 else None)
    url = client.url if client is not None else None
    if url is None:
        return None
    wanted = _address(url)
    for instance in instances:
        if _address(instance.url) == wanted:
            return instance.entry_id
    return None


def queue_entries(
    arrs: Iterable[ArrView], instances: Sequence[InstanceView]
) -> dict[str, tuple[QueueEntry, ...]]:
    """Group every Arr's queue records by hash: one entry per Arr and download."""
    records: defaultdict[tuple[str, str], list[QueueItem]] = defaultdict(list)
    owners: dict[tuple[str, str], str | None] = {}
    for arr in arrs:
        for item in arr.queue:
            if not item.torrent_hash:
                continue
            key = (item.torrent_hash, arr.entry_id)
            records[key].append(item)
            if key not in owners:
                owners[key] = owner_instance(item, arr.download_clients, instances)
    by_hash: defaultdict[str, list[QueueEntry]] = defaultdict(list)
    for (torrent_hash, arr_id), items in sorted(records.items()):
        media_ids = tuple(sorted({i.media_id for i in items if i.media_id is not None}))
        first = min(item.id for item in items)
        owner = owners[torrent_hash, arr_id]
        by_hash[torrent_hash].append(QueueEntry(arr_id, first, media_ids, owner))
    return {torrent_hash: tuple(entries) for torrent_hash, entries in by_hash.items()}


def torrent_info(
    instance: str,
    torrent_hash: str,
    torrent: Torrent,
    message: str | None = None,
    *,
    at_risk: bool = False,
) -> TorrentInfo:
    """Return the engine's view of one torrent."""
    return TorrentInfo(
        instance,
        torrent_hash,
        torrent.name,
        torrent.category,
        torrent.state,
        torrent.progress,
        torrent.dlspeed,
        torrent.eta,
        torrent.added_on,
        torrent.last_activity,
        frozenset(split_tags(torrent.tags)),
        message,
        torrent.tracker_host,
        at_risk=at_risk,
    )


def build_inputs(
    now: int,
    *,
    instances: Sequence[InstanceView],
    judged: Sequence[ArrView],
    every_arr: Sequence[ArrView],
    messages: Mapping[TorrentKey, str | None],
    history: Mapping[str, Mapping[TorrentKey, HistoryEntry]],
    risks: Mapping[str, RiskCheck] | None = None,
) -> list[PolicyInput]:
    """One engine input per judged Arr; queues of every Arr take part in the routing.

    `risks` tells, per instance, which private torrents their tracker still needs (none are
    taken as at risk on an instance without one).
    """
    categories = {category for arr in judged for category in arr.categories}
    reachable = [instance for instance in instances if instance.torrents is not None]
    risks = risks or {}
    torrents = []
    for instance in reachable:
        if instance.torrents is None:  # pragma: no cover - filtered above
            continue
        risk = risks.get(instance.entry_id)
        for h, torrent in instance.torrents.items():
            if torrent.category not in categories:
                continue
            torrents.append(
                torrent_info(
                    instance.entry_id,
                    h,
                    torrent,
                    messages.get((instance.entry_id, h)),
                    at_risk=risk is not None and risk.at_risk(h, torrent),
                )
            )
    queues = queue_entries(every_arr, instances)
    reachable_ids = frozenset(instance.entry_id for instance in reachable)
    unreachable_ids = frozenset(i.entry_id for i in instances) - reachable_ids
    inputs: list[PolicyInput] = []
    for arr in judged:
        own = arr.categories
        inputs.append(
            PolicyInput(
                now=now,
                torrents=tuple(t for t in torrents if t.category in own),
                reachable_instances=reachable_ids,
                arrs={arr.entry_id: (arr.category, arr.settings)},
                queues=queues,
                history=history.get(arr.entry_id, {}),
                unreachable_instances=unreachable_ids,
                category_aliases=dict.fromkeys(arr.aliases, arr.category),
            )
        )
    return inputs
