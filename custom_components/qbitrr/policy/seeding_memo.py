"""What one server's earlier seeding plans settled, kept for the next (`plan_seeding`)."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import TYPE_CHECKING

from ..model.torrent import Torrent
from .seeding_goals import SeedingConfig
from .views import Changes

if TYPE_CHECKING:
    from .seeding import SeedingInput, ServerLimits


class SeedingMemo:
    """What one server's earlier plans settled for good, kept between runs.

    A torrent no goal can act on (incomplete, protected, without a goal) or whose server
    already holds the limits of its goal stays so until its record changes; a poll replaces
    the record of a torrent that changed, so while the very same record is listed the torrent
    is skipped without reading it. At 50,000 torrents, reading each record costs more than
    judging the few that changed (they lie scattered in memory).

    Given the views' changes (`follow`), a plan in step with them reads neither: it judges
    the records changed since and those the last plan judged, and nothing else.
    """

    def __init__(self) -> None:
        """Start knowing nothing."""
        self._basis: tuple[SeedingConfig, ServerLimits] | None = None
        self._settled: dict[str, Torrent] = {}
        self._judged: dict[str, Torrent] = {}  # the records the last plan judged (not settled)
        self._token: object | None = None  # the views' follow the last plan was in step with
        self._used: object | None = None  # the last follow a plan took
        self._changes: Changes | None = None

    def follow(self, changes: Changes | None) -> None:
        """Take the views' changes of the records the next plan reads (one plan uses them).

        They must come from following that very mapping, with no change to it since.
        """
        self._changes = changes

    def start(
        self, data: SeedingInput
    ) -> tuple[Iterable[tuple[str, Torrent]], dict[str, Torrent], dict[str, Torrent]]:
        """Return the records to look at, the settled records, and where to note judged ones.

        The settled records are forgotten when the goals or the server changed. Changes
        are used once, and only those following the ones the last plan was in step with.
        """
        basis, torrents = (data.config, data.server), data.torrents
        changes, self._changes = self._changes, None
        if changes is not None and (
            changes.torrents is not torrents or changes.token is self._used
        ):
            changes = None  # of other records, or used already
        if changes is not None:
            self._used = changes.token
        in_step = (
            changes is not None
            and basis == self._basis
            and changes.since is not None
            and changes.since is self._token
        )
        self._token = changes.token if changes is not None else None
        judged, self._judged = self._judged, {}
        if basis != self._basis:
            self._basis, self._settled = basis, {}
        elif in_step and changes is not None:
            for torrent_hash in changes.gone:
                self._settled.pop(torrent_hash, None)
            # In the order of the records (they lie in memory so): those changed, then
            # those judged last time and still listed as they were.
            found = torrents.get
            again = ((h, torrent) for h, torrent in judged.items() if found(h) is torrent)
            records = chain(zip(changes.changed, changes.records, strict=True), again)
            return records, self._settled, self._judged
        elif len(self._settled) > len(torrents):
            for torrent_hash in self._settled.keys() - torrents.keys():
                del self._settled[torrent_hash]
        return torrents.items(), self._settled, self._judged
