"""A library's history for the magnets: dates and transfer totals written into resume data.

A real library's torrents were added over years, downloaded different amounts and seeded to
different ratios; magnets added a moment ago all carry the same dates and zero totals, and
such a list compresses about a third better than a real one. That would shrink the core
integration's full poll, the baseline of every ratio. The benchmark therefore writes a history
into each torrent's resume data (qBittorrent's own fastresume files, edited while the server is
stopped), drawn per info-hash so that every run and size sees the same library.
"""

from __future__ import annotations

from pathlib import Path
import random
import time
from typing import TYPE_CHECKING, Final

from devtools.qbittorrent_server import wait_for

from .common import BenchError, log

if TYPE_CHECKING:
    from .fill import Instance

LIBRARY_SECONDS: Final = 3 * 365 * 86_400  # the oldest torrent was added this long ago
STOP_TIMEOUT: Final = 120.0  # seconds: a server saves every torrent's resume data on exit


def bdecode(data: bytes) -> object:
    """Decode one bencoded value (the format of qBittorrent's fastresume files)."""

    def value(at: int) -> tuple[object, int]:
        lead = data[at : at + 1]
        if lead == b"i":
            end = data.index(b"e", at)
            return int(data[at + 1 : end]), end + 1
        if lead == b"l":
            items: list[object] = []
            at += 1
            while data[at : at + 1] != b"e":
                item, at = value(at)
                items.append(item)
            return items, at + 1
        if lead == b"d":
            mapping: dict[bytes, object] = {}
            at += 1
            while data[at : at + 1] != b"e":
                key, at = value(at)
                if not isinstance(key, bytes):
                    raise BenchError("a bencoded dictionary key is not a string")
                mapping[key], at = value(at)
            return mapping, at + 1
        colon = data.index(b":", at)
        start = colon + 1
        end = start + int(data[at:colon])
        return data[start:end], end

    decoded, end = value(0)
    if end != len(data):
        raise BenchError("trailing bytes after a bencoded value")
    return decoded


def bencode(item: object) -> bytes:
    """Encode a value decoded by ``bdecode`` (keys sorted, as the format requires)."""
    if isinstance(item, int):
        return b"i%de" % item
    if isinstance(item, bytes):
        return b"%d:%s" % (len(item), item)
    if isinstance(item, list):
        return b"l" + b"".join(bencode(i) for i in item) + b"e"
    if isinstance(item, dict):
        body = b"".join(bencode(k) + bencode(v) for k, v in sorted(item.items()))
        return b"d" + body + b"e"
    raise BenchError(f"cannot bencode {type(item).__name__}")


def library_history(info_hash: str, now: int) -> dict[bytes, int]:
    """Resume-data fields of a torrent with a past, drawn from its info-hash.

    Added up to three years ago, downloaded a few hundred MB to tens of GB in minutes to days,
    seeded since to some ratio.
    """
    rng = random.Random(info_hash)  # noqa: S311 - test data, not secrets
    added = now - rng.randrange(3_600, LIBRARY_SECONDS)
    downloading = rng.randrange(60, 3 * 86_400)
    completed = min(added + downloading, now - 60)
    seeding = now - completed
    downloaded = int(rng.lognormvariate(21.5, 1.2))  # median about 2 GB
    uploaded = int(downloaded * rng.expovariate(1.0))
    return {
        b"added_time": added,
        b"completed_time": completed,
        b"finished_time": seeding,
        b"seeding_time": seeding,
        b"active_time": seeding + downloading,
        b"total_downloaded": downloaded,
        b"total_uploaded": uploaded,
        b"last_download": completed,
        b"last_upload": now - rng.randrange(0, 90 * 86_400) if uploaded else 0,
        b"last_seen_complete": now - rng.randrange(0, 30 * 86_400),
        b"num_complete": rng.randrange(0, 300),
        b"num_incomplete": rng.randrange(0, 40),
    }


def give_history(instance: Instance) -> None:
    """Stop the server, write every torrent's history into its resume data, start it again."""
    t0 = time.perf_counter()

    def resume_files() -> list[Path]:
        return list(instance.server.workdir.rglob("BT_backup/*.fastresume"))

    # New torrents' resume files are written in the background: stop once all exist.
    wait_for(
        lambda: len(resume_files()) >= len(instance.hashes),
        timeout=120.0,
        interval=0.5,
        message=f"{instance.version} wrote a resume file for every torrent",
    )
    instance.server.stop(timeout=STOP_TIMEOUT)
    now = int(time.time())
    backups = resume_files()
    for path in backups:
        resume = bdecode(path.read_bytes())
        if not isinstance(resume, dict):
            raise BenchError(f"{path} is not a bencoded dictionary")
        resume.update(library_history(path.stem, now))
        path.write_bytes(bencode(resume))
    instance.server.start()
    instance.admin.auth_log_in()

    def all_loaded() -> bool:
        return bool(instance.admin.torrents_info(limit=1, offset=len(instance.hashes) - 1))

    wait_for(all_loaded, timeout=120.0, interval=0.25, message="torrents loaded after restart")
    log(
        f"{instance.version}: history written into {len(backups):,} resume files"
        f" ({time.perf_counter() - t0:.1f} s with the restart)"
    )
