"""The cross-instance torrent view: the instances' models in, plain results out.

A torrent is identified by (instance, hash): the same hash on two instances is two torrents.
Everything here reads the coordinators' models; nothing sends a request.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from ..model.states import StateGroup, state_group
from ..model.torrent import Torrent, split_tags

type InstanceTorrents = Mapping[str, Mapping[str, Torrent]]


@dataclass(frozen=True, slots=True)
class TorrentFilter:
    """Which torrents a listing wants; an empty collection means any."""

    categories: Collection[str] = ()
    groups: Collection[StateGroup] = ()
    tags: Collection[str] = ()

    def matches(self, torrent: Torrent) -> bool:
        """Whether the torrent passes every given criterion (tags: any of them)."""
        if self.categories and torrent.category not in self.categories:
            return False
        if self.groups and state_group(torrent.state) not in self.groups:
            return False
        return not self.tags or any(tag in self.tags for tag in split_tags(torrent.tags))


def iter_torrents(
    instances: InstanceTorrents, torrent_filter: TorrentFilter | None = None
) -> Iterator[tuple[str, str, Torrent]]:
    """Yield (instance, hash, torrent) in a stable order: instance, then hash."""
    for instance in sorted(instances):
        torrents = instances[instance]
        for torrent_hash in sorted(torrents):
            torrent = torrents[torrent_hash]
            if torrent_filter is None or torrent_filter.matches(torrent):
                yield instance, torrent_hash, torrent


def distribution(
    instances: InstanceTorrents, categories: Collection[str] | None = None
) -> dict[str, dict[str, int]]:
    """Count torrents as {category: {instance: count}}; "" is the uncategorised bucket.

    With `categories`, exactly those are reported, with a zero for every instance lacking them.
    """
    result: dict[str, dict[str, int]] = {
        category: dict.fromkeys(sorted(instances), 0) for category in sorted(categories or ())
    }
    for instance, _, torrent in iter_torrents(instances):
        category = torrent.category
        if categories is not None and category not in categories:
            continue
        per_instance = result.setdefault(category, {})
        per_instance[instance] = per_instance.get(instance, 0) + 1
    return result


def distribution_by_state(
    instances: InstanceTorrents, categories: Collection[str] | None = None
) -> dict[str, dict[str, dict[str, int]]]:
    """Count torrents as {category: {instance: {state group: count}}} (zero groups left out)."""
    result: dict[str, dict[str, dict[str, int]]] = {
        category: {instance: {} for instance in sorted(instances)}
        for category in sorted(categories or ())
    }
    for instance, _, torrent in iter_torrents(instances):
        category = torrent.category
        if categories is not None and category not in categories:
            continue
        groups = result.setdefault(category, {}).setdefault(instance, {})
        group = str(state_group(torrent.state))
        groups[group] = groups.get(group, 0) + 1
    return result
