"""Who acts on a bad torrent: the Arr that downloads that very copy, nobody, or not yet.

The same hash can sit on several instances. Only the copy an Arr's download client points at
is that Arr's; a copy elsewhere is left alone (never struck, never tagged), and while the
owner's instance cannot be polled nothing is decided for the hash.
"""

from __future__ import annotations

from collections.abc import Callable

from .model import ActionKind, Guard, QueueEntry, Settings, TorrentInfo, UnknownTorrentAction

UNKNOWN_KINDS = {
    UnknownTorrentAction.TAG: ActionKind.TAG,
    UnknownTorrentAction.DELETE: ActionKind.DELETE,
    UnknownTorrentAction.DELETE_WITH_FILES: ActionKind.DELETE_WITH_FILES,
}

type Route = tuple[ActionKind, QueueEntry | None] | Guard


def route(
    torrent: TorrentInfo,
    entries: tuple[QueueEntry, ...],
    settings: Settings,
    *,
    reachable: frozenset[str],
    any_unreachable: bool,
    copies: Callable[[str], int],
) -> Route:
    """Decide who removes a bad torrent, or which guard keeps it.

    `copies(hash)` counts the hash on reachable instances; it is only asked when an Arr's
    download client could not be matched to an instance.
    """
    unmapped: QueueEntry | None = None
    owner_down = False
    elsewhere = False
    for entry in entries:
        if entry.instance == torrent.instance:
            return ActionKind.ARR_REMOVE, entry
        if entry.instance is None:
            unmapped = unmapped or entry
        elif entry.instance in reachable:
            elsewhere = True
        else:
            owner_down = True
    if owner_down:
        # The Arr's copy is on an instance that cannot be polled: this one may be a second
        # copy, and removing it through the Arr would blocklist a release still downloading.
        return Guard.OWNER_UNREACHABLE
    if elsewhere:
        return Guard.COPY_ELSEWHERE
    if unmapped is not None:
        # The client could not be matched to an instance: safe only when this is the one
        # copy of the hash and no instance that could hold another is out of sight.
        if not any_unreachable and copies(torrent.hash) == 1:
            return ActionKind.ARR_REMOVE, unmapped
        return Guard.AMBIGUOUS_ARR
    return UNKNOWN_KINDS[settings.unknown_action], None
