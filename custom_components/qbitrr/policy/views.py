"""The engine's view of every torrent, kept between runs and rebuilt only where a record changed.

A poll replaces the record of a torrent that changed and keeps the others, so a record that is
the very same object as at the last run needs no new view. At 50,000 torrents, building every
view anew (its tags parsed into a set, its private-tracker risk worked out) cost more than the
whole plan; comparing records by identity costs a few milliseconds and never reads them.

The views are the same as `torrent_info` builds from scratch: what differs per run (a tracker
message fetched for this run, the seeding clock asked for a private torrent) is laid over the
kept view for that run only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import overload

from ..model.torrent import Torrent, split_tags
from .model import FINISHED_STATES, TAG_OBSOLETE, TAG_STRIKE, TorrentInfo
from .seeding_goals import RiskCheck, SeedingConfig

_new = tuple.__new__


@lru_cache(maxsize=4096)
def tag_set(tags: str) -> frozenset[str]:
    """Return the tags of qBittorrent's comma-separated list as a set (few lists exist: shared)."""
    return frozenset(split_tags(tags))


def torrent_info(
    instance: str,
    torrent_hash: str,
    torrent: Torrent,
    message: str | None = None,
    *,
    at_risk: bool = False,
) -> TorrentInfo:
    """Return the engine's view of one torrent (built the cheap way: thousands per run)."""
    return _new(
        TorrentInfo,
        (
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
            tag_set(torrent.tags),
            message,
            torrent.tracker_host,
            at_risk,
        ),
    )


class Shelf(Mapping[str, TorrentInfo]):
    """One server's torrents of one category, viewed by hash.

    The engine reads every unfinished and strike-tagged torrent: their views are built when
    their record changes. The rest, most of a library, are looked up a few at a time (the
    copies of a hash): their views are built on first lookup.
    """

    __slots__ = ("_instance", "_records", "_risk", "_views", "strike_tagged", "unfinished")

    def __init__(self, instance: str, risk: RiskCheck | None) -> None:
        """Start empty; `risk` tells the risk of a torrent without its clock."""
        self._instance, self._risk = instance, risk
        self._records: dict[str, Torrent] = {}
        self._views: dict[str, TorrentInfo] = {}
        self.unfinished: dict[str, TorrentInfo] = {}
        self.strike_tagged: dict[str, TorrentInfo] = {}

    def __getitem__(self, torrent_hash: str) -> TorrentInfo:
        """Return the view of a torrent on the shelf, built on first lookup."""
        view = self._views.get(torrent_hash)
        if view is None:
            torrent = self._records[torrent_hash]
            view = self._build(torrent_hash, torrent)
            self._views[torrent_hash] = view
        return view

    def _build(self, torrent_hash: str, torrent: Torrent) -> TorrentInfo:
        """Build a record's view, its risk judged without a clock."""
        risk = self._risk
        # The risk's own first test, inline: most torrents are public or empty.
        at_risk = (
            risk is not None
            and torrent.private != 0
            and torrent.progress > 0
            and risk.at_risk(torrent_hash, torrent)
        )
        return torrent_info(self._instance, torrent_hash, torrent, at_risk=at_risk)

    def __contains__(self, torrent_hash: object) -> bool:
        """Whether the torrent is on the shelf."""
        return torrent_hash in self._records

    def __iter__(self) -> Iterator[str]:
        """Iterate over the hashes on the shelf."""
        return iter(self._records)

    def __len__(self) -> int:
        """How many torrents are on the shelf."""
        return len(self._records)

    def put(self, torrent_hash: str, torrent: Torrent) -> None:
        """Add a record, or replace the one of the same hash (thousands per run: inline)."""
        self._records[torrent_hash] = torrent
        views, unfinished, strike_tagged = self._views, self.unfinished, self.strike_tagged
        tags = torrent.tags
        struck = TAG_STRIKE in tags and TAG_STRIKE in tag_set(tags)
        finished = torrent.state in FINISHED_STATES
        if finished and not struck:
            views.pop(torrent_hash, None)  # looked up later, if ever
            unfinished.pop(torrent_hash, None)
            strike_tagged.pop(torrent_hash, None)
            return
        view = views[torrent_hash] = self._build(torrent_hash, torrent)
        if not finished:
            unfinished[torrent_hash] = view
        else:
            unfinished.pop(torrent_hash, None)
        if struck:
            strike_tagged[torrent_hash] = view
        else:
            strike_tagged.pop(torrent_hash, None)

    def lay_over(self, torrent_hash: str, view: TorrentInfo | None) -> None:
        """Show another view of a record for one run; None puts the record's own back."""
        if view is None:
            self._views.pop(torrent_hash, None)
        else:
            self._views[torrent_hash] = view
        self._file(torrent_hash, self._records[torrent_hash].state, view.tags if view else None)

    def _file(self, torrent_hash: str, state: str, tags: frozenset[str] | None) -> None:
        """Keep the unfinished and strike-tagged views apart, built now."""
        tags = tags if tags is not None else tag_set(self._records[torrent_hash].tags)
        unfinished, struck = state not in FINISHED_STATES, TAG_STRIKE in tags
        view = self[torrent_hash] if unfinished or struck else None
        if unfinished and view is not None:
            self.unfinished[torrent_hash] = view
        else:
            self.unfinished.pop(torrent_hash, None)
        if struck and view is not None:
            self.strike_tagged[torrent_hash] = view
        else:
            self.strike_tagged.pop(torrent_hash, None)

    def drop(self, torrent_hash: str) -> None:
        """Forget a hash."""
        del self._records[torrent_hash]
        self._views.pop(torrent_hash, None)
        self.unfinished.pop(torrent_hash, None)
        self.strike_tagged.pop(torrent_hash, None)


@dataclass(frozen=True, slots=True)
class Changes:
    """Which records of one server changed since the views last followed them.

    Each follow has its own token, and names the one before (None when following from
    scratch), so a reader that saw every follow can tell it missed none.
    """

    torrents: Mapping[str, Torrent]  # the records followed
    since: object | None  # the token of the follow before; None: every record is new
    token: object
    gone: list[str]  # hashes no longer listed
    # Of the hashes whose record is new (or replaced) since, those a seeding goal can act on
    # (complete, or tagged obsolete), with their records: told apart while each is read.
    seedable: list[str]
    seedable_records: list[Torrent]


@dataclass(slots=True)
class _ServerViews:
    """One server's shelves, by category, and the records they were filled from."""

    instance: str
    categories: frozenset[str]
    risk_config: SeedingConfig | None
    records: dict[str, Torrent] = field(default_factory=dict)
    shelves: dict[str, Shelf] = field(default_factory=dict)
    laid_over: dict[str, str] = field(default_factory=dict)  # hash -> category, last run
    changes: Changes | None = None  # the last follow's

    def restore(self) -> None:
        """Take back the views the last run laid over."""
        for torrent_hash, category in self.laid_over.items():
            self.shelves[category].lay_over(torrent_hash, None)
        self.laid_over.clear()

    def follow(self, torrents: Mapping[str, Torrent]) -> None:
        """Shelve the records that changed; forget torrents that left."""
        records, shelves, categories = self.records, self.shelves, self.categories
        known = records.get
        seedable: list[str] = []
        seedable_records: list[Torrent] = []
        for torrent_hash, torrent in torrents.items():
            old = known(torrent_hash)
            if old is torrent:
                continue
            if torrent.progress >= 1 or TAG_OBSOLETE in torrent.tags:
                seedable.append(torrent_hash)
                seedable_records.append(torrent)
            category = torrent.category
            if old is not None and (was := old.category) != category and was in categories:
                shelves[was].drop(torrent_hash)  # moved: else replaced in place
            records[torrent_hash] = torrent
            if category in categories:
                shelf = shelves.get(category)
                if shelf is None:
                    shelf = shelves[category] = Shelf(self.instance, self._risk())
                shelf.put(torrent_hash, torrent)
        gone = list(records.keys() - torrents.keys()) if len(records) > len(torrents) else []
        for torrent_hash in gone:
            old = records.pop(torrent_hash)
            if old.category in categories:
                shelves[old.category].drop(torrent_hash)
        since = self.changes.token if self.changes is not None else None
        self.changes = Changes(torrents, since, object(), gone, seedable, seedable_records)

    def _risk(self) -> RiskCheck | None:
        """Return the risk check of torrents without a clock (the options' own)."""
        return RiskCheck(self.risk_config, {}) if self.risk_config is not None else None

    def lay_over(
        self, messages: Mapping[str, str | None], risk: RiskCheck | None, clocked: frozenset[str]
    ) -> None:
        """Give this run's tracker messages and clock-aware risks to the views they change."""
        for torrent_hash in messages.keys() | clocked:
            torrent = self.records.get(torrent_hash)
            if torrent is None or torrent.category not in self.categories:
                continue
            shelf = self.shelves[torrent.category]
            kept = shelf[torrent_hash]
            message = messages.get(torrent_hash)
            at_risk = risk.at_risk(torrent_hash, torrent) if risk is not None else False
            if message != kept.tracker_message or at_risk != kept.at_risk:
                self.laid_over[torrent_hash] = torrent.category
                shelf.lay_over(
                    torrent_hash, kept._replace(tracker_message=message, at_risk=at_risk)
                )


class ShelvedTorrents(Sequence[TorrentInfo]):
    """Every view on some shelves, built when first read: most runs never read them all."""

    __slots__ = ("_shelves", "_views")

    def __init__(self, shelves: Iterable[Shelf]) -> None:
        """Take the shelves (their views stay valid until the next update)."""
        self._shelves = tuple(shelves)
        self._views: tuple[TorrentInfo, ...] | None = None

    def _all(self) -> tuple[TorrentInfo, ...]:
        if self._views is None:
            self._views = tuple(shelf[h] for shelf in self._shelves for h in shelf)
        return self._views

    @overload
    def __getitem__(self, index: int) -> TorrentInfo: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[TorrentInfo]: ...
    def __getitem__(self, index: int | slice) -> TorrentInfo | Sequence[TorrentInfo]:
        """Return a view, or views, in shelf order."""
        return self._all()[index]

    def __len__(self) -> int:
        """How many torrents the shelves hold."""
        return sum(len(shelf) for shelf in self._shelves)


class TorrentViews:
    """Every server's kept views; one per handler, used by one run at a time."""

    def __init__(self) -> None:
        """Start with no views."""
        self._servers: dict[str, _ServerViews] = {}

    def update(
        self,
        instance: str,
        torrents: Mapping[str, Torrent],
        categories: frozenset[str],
        *,
        messages: Mapping[str, str | None],
        risk: RiskCheck | None,
    ) -> Mapping[str, Shelf]:
        """Bring one server's views up to date for this run; its shelves by category.

        The shelves stay valid until the next update of the same server.
        """
        risk_config = risk.config if risk is not None else None
        views = self._servers.get(instance)
        if views is None or views.categories != categories or views.risk_config != risk_config:
            views = self._servers[instance] = _ServerViews(instance, categories, risk_config)
        views.restore()
        views.follow(torrents)
        views.lay_over(messages, risk, risk.clocked if risk is not None else frozenset())
        return views.shelves

    def changes(self, instance: str) -> Changes | None:
        """Return what the last update of a server found changed (None before any)."""
        views = self._servers.get(instance)
        return views.changes if views is not None else None

    def keep_only(self, instances: frozenset[str]) -> None:
        """Forget servers no longer configured."""
        for instance in self._servers.keys() - instances:
            del self._servers[instance]
