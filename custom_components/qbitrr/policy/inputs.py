"""Building the engine's input from plain views of the instances and Arrs: pure, no I/O.

The caller reads Home Assistant (entries, options, coordinators) on the event loop and hands
over these views; everything here can then run in a worker thread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Final
from urllib.parse import urlsplit

from ..model.arr import DownloadClient, QueueItem
from ..model.torrent import Torrent, TorrentKey
from .imports import Download, queue_downloads
from .model import HistoryEntry, PolicyInput, QueueEntry, Settings, TorrentIndex
from .seeding_goals import RiskCheck
from .views import Shelf, ShelvedTorrents, TorrentViews

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
    """Group every Arr's queue records by hash: one entry per Arr and download, in Arr order.

    A download's owner is found once per download client name, not per record: an Arr's
    queue can hold tens of thousands of records, and its clients are a handful.
    """
    by_hash: dict[str, tuple[QueueEntry, ...]] = {}
    for arr in sorted(arrs, key=lambda view: view.entry_id):
        arr_id = arr.entry_id
        firsts: dict[str, QueueItem] = {}
        more: dict[str, list[QueueItem]] = {}  # a season pack's or discography's other records
        for item in arr.queue:
            torrent_hash = item.torrent_hash
            if not torrent_hash:
                continue
            if torrent_hash not in firsts:
                firsts[torrent_hash] = item
            elif torrent_hash in more:
                more[torrent_hash].append(item)
            else:
                more[torrent_hash] = [item]
        owners: dict[str | None, str | None] = {}
        for torrent_hash, first in firsts.items():
            client = first.download_client
            if client in owners:
                owner = owners[client]
            else:
                owner = owners[client] = owner_instance(first, arr.download_clients, instances)
            others = more.get(torrent_hash)
            if others is None:
                media_ids: tuple[int, ...] = () if first.media_id is None else (first.media_id,)
                queue_id = first.id
            else:
                items = [first, *others]
                media_ids = tuple(sorted({i.media_id for i in items if i.media_id is not None}))
                queue_id = min(item.id for item in items)
            entry = _new(QueueEntry, (arr_id, queue_id, media_ids, owner))
            found = by_hash.get(torrent_hash)
            by_hash[torrent_hash] = (entry,) if found is None else (*found, entry)
    return by_hash


class QueueMemo:
    """The queue entries of the last run, kept while every Arr's queue stays the same."""

    def __init__(self) -> None:
        """Start with none."""
        self._arrs: tuple[ArrView, ...] | None = None
        self._addresses: list[tuple[str, str]] = []
        self._entries: dict[str, tuple[QueueEntry, ...]] = {}
        self._downloads: dict[str, tuple[Download, ...]] = {}  # by Arr, of `_arrs`' queues
        self._run: dict[str, tuple[QueueItem, ...]] = {}  # this run's queues, equal to `_arrs`'

    def entries(
        self, arrs: Sequence[ArrView], instances: Sequence[InstanceView]
    ) -> dict[str, tuple[QueueEntry, ...]]:
        """Return the entries, grouped again only when a queue, client or URL changed.

        A poll of an Arr makes a new queue, equal to the last one when nothing moved:
        comparing costs a fraction of grouping.
        """
        addresses = [(instance.entry_id, instance.url) for instance in instances]
        if self._arrs is None or addresses != self._addresses or not _same(self._arrs, arrs):
            self._arrs, self._addresses, self._downloads = tuple(arrs), addresses, {}
            self._entries = queue_entries(arrs, instances)
        self._run = {arr.entry_id: arr.queue for arr in arrs}
        return self._entries

    def downloads(self, arr: ArrView) -> tuple[Download, ...]:
        """Return the downloads of an Arr's queue the import rules judge (`queue_downloads`).

        Kept while the Arr's queue equals the one grouped; known equal for the queues
        `entries` compared in this run (until `end_run`).
        """
        if self._run.get(arr.entry_id) is not arr.queue:
            return queue_downloads(arr.queue)
        found = self._downloads.get(arr.entry_id)
        if found is None:
            found = self._downloads[arr.entry_id] = queue_downloads(arr.queue)
        return found

    def end_run(self) -> None:
        """Let go of this run's queues (the kept entries stay)."""
        self._run = {}


def _same(old: Sequence[ArrView], new: Sequence[ArrView]) -> bool:
    """Whether two runs' Arrs give the same queue entries."""
    return len(old) == len(new) and all(
        a.entry_id == b.entry_id
        and a.download_clients == b.download_clients
        and (a.queue is b.queue or a.queue == b.queue)
        for a, b in zip(old, new, strict=True)
    )


_new = tuple.__new__


def build_inputs(
    now: int,
    *,
    instances: Sequence[InstanceView],
    judged: Sequence[ArrView],
    every_arr: Sequence[ArrView],
    messages: Mapping[TorrentKey, str | None],
    history: Mapping[str, Mapping[TorrentKey, HistoryEntry]],
    risks: Mapping[str, RiskCheck] | None = None,
    views: TorrentViews | None = None,
    queue_memo: QueueMemo | None = None,
) -> list[PolicyInput]:
    """One engine input per judged Arr; queues of every Arr take part in the routing.

    `risks` tells, per instance, which private torrents their tracker still needs (none are
    taken as at risk on an instance without one). `views` and `queue_memo` keep the torrents'
    views and the queue entries from one run to the next (new ones each call without them).
    """
    views = views if views is not None else TorrentViews()
    views.keep_only(frozenset(instance.entry_id for instance in instances))
    categories = frozenset(category for arr in judged for category in arr.categories)
    by_instance: defaultdict[str, dict[str, str | None]] = defaultdict(dict)
    for (instance_id, torrent_hash), message in messages.items():
        by_instance[instance_id][torrent_hash] = message
    risks = risks or {}
    reachable: list[Mapping[str, Shelf]] = [
        views.update(
            instance.entry_id,
            instance.torrents,
            categories,
            messages=by_instance.get(instance.entry_id, {}),
            risk=risks.get(instance.entry_id),
        )
        for instance in instances
        if instance.torrents is not None
    ]
    queues = (queue_memo or QueueMemo()).entries(every_arr, instances)
    reachable_ids = frozenset(i.entry_id for i in instances if i.torrents is not None)
    unreachable_ids = frozenset(i.entry_id for i in instances) - reachable_ids
    return [
        PolicyInput(
            now=now,
            torrents=ShelvedTorrents(shelves),
            reachable_instances=reachable_ids,
            arrs={arr.entry_id: (arr.category, arr.settings)},
            queues=queues,
            history=history.get(arr.entry_id, {}),
            unreachable_instances=unreachable_ids,
            category_aliases=dict.fromkeys(arr.aliases, arr.category),
            given_index=_index(shelves),
        )
        for arr in judged
        for shelves in [_shelves_of(arr, reachable)]
    ]


def _shelves_of(arr: ArrView, reachable: Sequence[Mapping[str, Shelf]]) -> list[Shelf]:
    """Return the shelves of every spelling of the Arr's category, on every reachable server."""
    return [
        shelf
        for by_category in reachable
        for category in sorted(arr.categories)
        if (shelf := by_category.get(category)) is not None
    ]


def _index(shelves: Sequence[Shelf]) -> TorrentIndex:
    """Index an Arr's shelves: the unfinished and strike-tagged torrents kept apart on them."""
    return TorrentIndex(
        tuple(chain.from_iterable(shelf.unfinished.values() for shelf in shelves)),
        tuple(chain.from_iterable(shelf.strike_tagged.values() for shelf in shelves)),
        tuple(shelves),
    )
