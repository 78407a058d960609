"""Which torrents are private, on servers whose torrent list does not say (qBittorrent 4.x).

qBittorrent 5.x sends `private` with every torrent in `sync/maindata`. 4.5.1 and later tell it
only in one torrent's properties, a request per torrent: the client asks each torrent once, a
few per poll, and this memory keeps the answers (by info-hash, which the flag is part of, so an
answer never goes stale) across incremental and full resyncs until the torrent leaves the
server. Pure bookkeeping, no I/O: the client holds it under its lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
import heapq
from typing import Any, Final

from ..model.torrent import Torrent
from .maindata import Maindata

# Without metadata the server answers "public" whatever the torrent is: ask once it has some.
_NO_METADATA: Final = frozenset({"metaDL", "forcedMetaDL"})


def lists_private(reply: Mapping[str, Any]) -> bool:
    """Whether a `sync/maindata` reply carries the private flag in its torrents (5.x)."""
    torrents = reply.get("torrents")
    if not isinstance(torrents, Mapping):
        return False
    return any(
        isinstance(partial, Mapping) and "private" in partial for partial in torrents.values()
    )


class PrivateFlags:
    """The private flags a server told per torrent, and the torrents not asked yet."""

    def __init__(self) -> None:
        """Start knowing nothing."""
        # hash -> 1 private, 0 public, -1 asked but not told (4.5.0): never asked again.
        self._answers: dict[str, int] = {}
        # Listed torrents to ask about (not answered, with their metadata), while the list
        # lacks the flag. A torrent is sorted in or out only when a reply brings or changes
        # it: its state changes only then, so an idle poll looks at none of a large library.
        self._unasked: set[str] = set()
        self._unapplied: set[str] = set()  # answered since the records last took the answers
        self.listed = False  # the server's list carries the flag: nothing to ask

    def __len__(self) -> int:
        """How many torrents are answered for (a measure of the memory held)."""
        return len(self._answers)

    def reset_listing(self) -> None:
        """Forget whether the list carries the flag (the server may have been replaced).

        The answers stay: they belong to info-hashes, not to a server.
        """
        self.listed = False
        self._unasked.clear()

    def follow(self, maindata: Maindata, *, listed: bool) -> None:
        """Follow one merged poll: forget torrents that left, note new ones to ask about."""
        self.listed = self.listed or listed
        torrents = maindata.torrents
        if maindata.full:
            for torrent_hash in self._answers.keys() - torrents.keys():
                del self._answers[torrent_hash]
            self._unapplied &= torrents.keys()
            new: Iterable[str] = torrents.keys()
            self._unasked = set()
        else:
            for torrent_hash in maindata.removed:
                self._answers.pop(torrent_hash, None)
                self._unapplied.discard(torrent_hash)
                self._unasked.discard(torrent_hash)
            new = maindata.changed
        if self.listed:
            self._unasked.clear()
            return
        unasked, answers = self._unasked, self._answers
        for torrent_hash in new:
            if torrent_hash in answers:
                continue
            torrent = torrents.get(torrent_hash)
            if torrent is not None and torrent.state not in _NO_METADATA:
                unasked.add(torrent_hash)
            else:
                unasked.discard(torrent_hash)  # back to a magnet: asked once it has metadata

    def to_ask(self, maindata: Maindata, limit: int) -> list[str]:
        """Return the newest torrents not asked yet that have their metadata, at most `limit`."""
        if not self._unasked:
            return []  # caught up (or a library of magnets): nothing to look at
        torrents = maindata.torrents
        ready = (
            (torrent.added_on, torrent_hash)
            for torrent_hash in self._unasked
            if (torrent := torrents.get(torrent_hash)) is not None
        )
        return [torrent_hash for _, torrent_hash in heapq.nlargest(limit, ready)]

    def learn(self, torrent_hash: str, private: int) -> None:
        """Keep one torrent's answer (-1 when the server did not tell: not asked again)."""
        self._unasked.discard(torrent_hash)
        self._answers[torrent_hash] = private
        self._unapplied.add(torrent_hash)

    def learn_if_listed(self, maindata: Maindata | None, torrent_hash: str, private: int) -> None:
        """Keep a flag read outside a poll, if it is one and the torrent is on the server."""
        if private != -1 and maindata is not None and torrent_hash in maindata.torrents:
            self.learn(torrent_hash, private)

    def applied(self, maindata: Maindata) -> Maindata:
        """Return the model with every known flag on its records (where the list told none).

        Records that take a flag count as changed, so followers of `changed` see them.
        """
        unapplied, self._unapplied = self._unapplied, set()
        if not self._answers:
            return maindata  # a 5.x server, or nothing answered yet
        hashes = maindata.torrents.keys() if maindata.full else maindata.changed | unapplied
        updates: dict[str, Torrent] = {}
        for torrent_hash in hashes:
            private = self._answers.get(torrent_hash, -1)
            torrent = maindata.torrents.get(torrent_hash)
            if private != -1 and torrent is not None and torrent.private == -1:
                updates[torrent_hash] = torrent._replace(private=private)
        if not updates:
            return maindata
        return replace(
            maindata,
            torrents={**maindata.torrents, **updates},
            changed=maindata.changed | updates.keys(),
        )
