"""Real `.torrent` files for tests: public or private, with data on disk or without.

Magnets never get metadata, so they cannot complete, seed, carry the private flag or have a
size. A `.torrent` built here can: written beside its data in a server's save path it checks
as complete and seeds; without its data it is an incomplete download with `amount_left` equal
to its size (stalled, since no peer has it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import hashlib
import os
from pathlib import Path
from typing import Final

from devtools.bench.history import bencode

PIECE_LENGTH: Final = 16 * 1024  # the smallest piece size qBittorrent accepts


@dataclass(frozen=True, slots=True)
class TorrentFile:
    """A built torrent: its file's bytes, info-hash, name and size."""

    data: bytes  # the .torrent file
    info_hash: str  # lower-case v1 info-hash
    name: str
    size: int


def make_torrent(
    name: str,
    content: bytes,
    *,
    private: bool = False,
    announce: str | None = None,
) -> TorrentFile:
    """Build a single-file v1 torrent of `content` named `name`."""
    pieces = b"".join(
        hashlib.sha1(content[at : at + PIECE_LENGTH], usedforsecurity=False).digest()
        for at in range(0, max(len(content), 1), PIECE_LENGTH)
    )
    info: dict[bytes, object] = {
        b"name": name.encode(),
        b"length": len(content),
        b"piece length": PIECE_LENGTH,
        b"pieces": pieces,
    }
    if private:
        info[b"private"] = 1
    meta: dict[bytes, object] = {b"info": info}
    if announce:
        meta[b"announce"] = announce.encode()
    info_hash = hashlib.sha1(bencode(info), usedforsecurity=False).hexdigest()
    return TorrentFile(bencode(meta), info_hash, name, len(content))


def make_folder_torrent(
    name: str, files: Sequence[tuple[str, bytes]], *, private: bool = False
) -> TorrentFile:
    """Build a multi-file v1 torrent: a folder `name` of (path inside it, content) files."""
    content = b"".join(data for _, data in files)
    pieces = b"".join(
        hashlib.sha1(content[at : at + PIECE_LENGTH], usedforsecurity=False).digest()
        for at in range(0, max(len(content), 1), PIECE_LENGTH)
    )
    info: dict[bytes, object] = {
        b"name": name.encode(),
        b"files": [
            {b"length": len(data), b"path": [part.encode() for part in path.split("/")]}
            for path, data in files
        ],
        b"piece length": PIECE_LENGTH,
        b"pieces": pieces,
    }
    if private:
        info[b"private"] = 1
    info_hash = hashlib.sha1(bencode(info), usedforsecurity=False).hexdigest()
    return TorrentFile(bencode({b"info": info}), info_hash, name, len(content))


def random_torrent(
    size: int = 4 * PIECE_LENGTH,
    *,
    private: bool = False,
    announce: str | None = None,
    name_prefix: str = "qbitrr-file",
) -> tuple[TorrentFile, bytes]:
    """Build a torrent of `size` random bytes (a new info-hash each time); return both."""
    content = os.urandom(size)
    name = f"{name_prefix}-{hashlib.sha1(content, usedforsecurity=False).hexdigest()[:8]}.bin"
    return make_torrent(name, content, private=private, announce=announce), content


def write_data(save_path: Path, torrent: TorrentFile, content: bytes) -> Path:
    """Put a torrent's data where the server will look for it (so it checks as complete)."""
    path = save_path / torrent.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path
