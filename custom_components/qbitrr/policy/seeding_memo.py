"""What one server's earlier seeding plans settled, kept for the next (`plan_seeding`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from heapq import heapify, heappop, heappush
from itertools import chain
import sys
from typing import TYPE_CHECKING, Final

from ..model.torrent import Torrent
from .seeding_goals import SeedingConfig
from .views import Changes

if TYPE_CHECKING:
    from .seeding import SeedingInput, ServerLimits

# A verdict that time alone never changes (only the record or its clock can).
NEVER: Final = sys.maxsize
# A verdict that changes when the Arrs no longer list the torrent, besides its record and
# its clock: a met removal goal waits for the Arr.
UNLISTED: Final = sys.maxsize - 1
# Outdated wake times tolerated beyond twice the waiting records before the heap is rebuilt.
_SPARE_WAKES: Final = 64


class SeedingMemo:
    """What one server's earlier plans settled for good, kept between runs.

    A torrent no goal can act on (incomplete, protected, without a goal) or whose server
    already holds the limits of its goal stays so until its record changes; a poll replaces
    the record of a torrent that changed, so while the very same record is listed the torrent
    is skipped without reading it. At 50,000 torrents, reading each record costs more than
    judging the few that changed (they lie scattered in memory).

    Given the views' changes (`follow`), a plan in step with them reads neither: it judges
    the records changed since and those the last plan judged, and nothing else. A judged
    torrent whose plan did nothing and whose verdict depends on its record, its seeding
    clock and the time only waits instead (`keep`): judged again when its record or its
    clock changes, or when the time comes that could change its verdict. Most private
    torrents seeding towards their tracker's minimum are so, and a stopped torrent that met
    its removal goal waits, the same way, for its Arr to let it go.
    """

    def __init__(self) -> None:
        """Start knowing nothing."""
        self._basis: tuple[SeedingConfig, ServerLimits] | None = None
        self._settled: dict[str, Torrent] = {}
        self._judged: dict[str, Torrent] = {}  # the records the last plan judged (not settled)
        self._token: object | None = None  # the views' follow the last plan was in step with
        self._used: object | None = None  # the last follow a plan took
        self._changes: Changes | None = None
        # Waiting records: hash -> (record, the clock it was judged with, when to wake).
        self._waiting: dict[str, tuple[Torrent, int | None, int]] = {}
        self._wakes: list[tuple[int, str]] = []  # a heap of (wake time, hash), below NEVER
        self._clocked: set[str] = set()  # waiting hashes judged with a clock
        self._unlisted: set[str] = set()  # waiting hashes to judge once no Arr lists them
        self._seeded: Mapping[str, int] = {}

    def keep(self, torrent_hash: str, torrent: Torrent, wake: int | None) -> None:
        """Keep a judged record: to judge again next run (`wake` None), or waiting.

        A waiting record is judged again when its record or its clock changes, or at `wake`.
        """
        if wake is None:
            self._judged[torrent_hash] = torrent
            return
        clock = self._seeded.get(torrent_hash)
        self._waiting[torrent_hash] = (torrent, clock, wake)
        if clock is not None:
            self._clocked.add(torrent_hash)
        if wake < UNLISTED:
            heappush(self._wakes, (wake, torrent_hash))
        elif wake == UNLISTED:
            self._unlisted.add(torrent_hash)

    def _forget_waiting(self) -> None:
        self._waiting, self._wakes, self._clocked, self._unlisted = {}, [], set(), set()

    def _wake(self, data: SeedingInput, changes: Changes, judged: dict[str, Torrent]) -> None:
        """Add the waiting records whose clock changed or whose time came to those judged.

        A woken record is older than one of the same hash changed now or judged last time
        (a record may come back): those are judged as they are.
        """
        woken = self._woken(data)
        if woken:
            anew = frozenset(changes.seedable)
            for torrent_hash, record in woken.items():
                if torrent_hash not in anew:
                    judged.setdefault(torrent_hash, record)

    def _woken(self, data: SeedingInput) -> dict[str, Torrent]:
        """Take the waiting records whose clock changed, whose time came or whose Arr let go."""
        waiting, seeded, wakes = self._waiting, data.seeded, self._wakes
        woken = []
        for torrent_hash in self._clocked | seeded.keys():
            found = waiting.get(torrent_hash)
            if found is not None and found[1] != seeded.get(torrent_hash):
                woken.append(torrent_hash)
        # While the Arrs' queues are unknown, a met removal goal does nothing either.
        listed = data.arr_listed
        for torrent_hash in () if listed is None else self._unlisted - listed:
            found = waiting.get(torrent_hash)
            if found is not None and found[2] == UNLISTED:
                woken.append(torrent_hash)
        while wakes and wakes[0][0] <= data.now:
            _, torrent_hash = heappop(wakes)
            found = waiting.get(torrent_hash)
            if found is not None and found[2] <= data.now:
                woken.append(torrent_hash)
        taken = {h: found[0] for h in woken if (found := waiting.pop(h, None)) is not None}
        self._clocked = {h for h in self._clocked if h in waiting}
        self._unlisted = {h for h in self._unlisted if h in waiting}
        if len(wakes) > 2 * len(waiting) + _SPARE_WAKES:
            # Mostly wake times of records judged anew since (an active torrent moves its
            # own at every run): kept, they would pile up until their time came.
            self._wakes = [(w, h) for h, (_, _, w) in waiting.items() if w < UNLISTED]
            heapify(self._wakes)
        return taken

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
        self._seeded = data.seeded
        if basis != self._basis:
            self._basis, self._settled = basis, {}
        elif in_step and changes is not None:
            for torrent_hash in changes.gone:
                self._settled.pop(torrent_hash, None)
                self._waiting.pop(torrent_hash, None)
            # In the order of the records (they lie in memory so): those changed that a
            # goal can act on, then those judged last time, and those woken, still listed
            # as they were. A changed record no goal can act on is passed over unread: what
            # is kept of its old record no longer matches it, so is never taken for it.
            found = torrents.get
            self._wake(data, changes, judged)
            again = ((h, torrent) for h, torrent in judged.items() if found(h) is torrent)
            changed = zip(changes.seedable, changes.seedable_records, strict=True)
            return chain(changed, again), self._settled, self._judged
        elif len(self._settled) > len(torrents):
            for torrent_hash in self._settled.keys() - torrents.keys():
                del self._settled[torrent_hash]
        self._forget_waiting()  # every record is read again
        return torrents.items(), self._settled, self._judged
