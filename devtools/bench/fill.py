"""A server under test, filled with magnets named like a real library's, and changed on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
import random
import time
from typing import TYPE_CHECKING, Final
import urllib.parse

from devtools.qbittorrent_server import wait_for

from .common import CATEGORIES, CHANGE_WAIT, BenchError, log
from .history import give_history
from .polls import background_rate

if TYPE_CHECKING:
    from collections.abc import Sequence

    import qbittorrentapi

    from devtools.qbittorrent_server import QbittorrentServer

    from .clients import Ours, WireMeter

TAG_SETS: Final[tuple[tuple[str, ...], ...]] = ((), ("4k",), ("anime",), ("upgrade", "4k"))
NAME_PATTERNS: Final = {
    "radarr": "{t}.{y}.{q}.WEB-DL.DDP5.1.H.264-{g}",
    "sonarr": "{t}.S{s:02d}E{i:05d}.{q}.WEB.h264-{g}",
    "lidarr": "{t} - {u} ({y}) [FLAC 24-96]",
}
# Real libraries have varied titles; names built from one repeated pattern compress far better
# in a full reply than real ones do, which would flatter every ratio against a full poll.
TITLE_WORDS: Final = (  # noqa: SIM905 - a word list reads better as text
    "Amber Anchor Atlas Autumn Badger Banner Beacon Bitter Blue Border Bright Broken Canyon "
    "Captain Castle Cedar Chrome Cinder Circle Cobalt Comet Copper Coral Crimson Crown "
    "Crystal Dagger Dawn Delta Desert Distant Dragon Dream Drift Dust Echo Eclipse Ember "
    "Empire Falcon Fallen Feather Fire Forest Fortune Frost Garden Ghost Glass Golden "
    "Granite Harbor Harvest Hidden Hollow Horizon Hunter Iron Island Ivory Jade Jungle "
    "Kingdom Lantern Legacy Lemon Light Lion Lotus Lunar Marble Meadow Midnight Mirror Moon "
    "Mountain Nebula Night Noble Ocean Onyx Orbit Orchid Paper Phantom Pine Planet Prism "
    "Quiet Raven River Rogue Ruby Saga Sapphire Shadow Silent Silver Sky Solar Spark Spirit "
    "Star Steel Stone Storm Summer Sun Thunder Tide Timber Tower Twilight Valley Velvet "
    "Violet Voyage Wave Whisper Wild Willow Winter Wolf Wonder Zenith "
).split()
QUALITIES: Final = ("720p", "1080p", "2160p", "1080p.HDR", "2160p.DV.HDR10")
GROUPS: Final = ("GRP", "NTb", "FLUX", "SMURF", "EDITH", "CAKES", "KiNGS", "TEPES", "playWEB")
FLIP_TAG: Final = "bench-flip"  # toggled on a subset of torrents to make "changed" polls
ADD_BATCH: Final = 250  # magnets per torrents/add call
QUIET_RATE: Final = 0.05  # a server below this CPU share (of one core) is idle
QUIET_SPREAD: Final = 0.15  # ... or one whose CPU share varies less than this
QUIET_WINDOWS: Final = 4  # ... over this many half-second windows


def random_title(rng: random.Random) -> str:
    """A title of two to four words, varied like a real library's."""
    return ".".join(rng.sample(TITLE_WORDS, rng.randint(2, 4)))


@dataclass(slots=True)
class Instance:
    """One server under test with the hashes of its torrents."""

    server: QbittorrentServer
    admin: qbittorrentapi.Client  # SIMPLE_RESPONSES client for filling and changing
    version: str
    hashes: list[str] = field(default_factory=list)
    flipped: set[str] = field(default_factory=set)

    @property
    def pid(self) -> int:
        """The server's process id."""
        pid = self.server.pid
        if pid is None:
            raise BenchError(f"{self.server!r} is not running")
        return pid


def fill(
    instance: Instance,
    target: int,
    rng: random.Random,
    *,
    history: bool,
    categories: Sequence[str] = CATEGORIES,
) -> None:
    """Add magnets until the server holds ``target`` torrents, wait until all are listed.

    Batch by batch in turn in each of ``categories``. Then (``history``) give every torrent a
    library's history.
    """
    api = instance.admin
    have = len(instance.hashes)
    if target <= have:
        return
    t0 = time.perf_counter()
    for first in range(have, target, ADD_BATCH):
        batch = first // ADD_BATCH
        category = categories[batch % len(categories)]
        tags = TAG_SETS[batch % len(TAG_SETS)]
        hashes = [rng.randbytes(20).hex() for _ in range(min(ADD_BATCH, target - first))]
        urls = [
            f"magnet:?xt=urn:btih:{info_hash}&dn={_name(category, first + offset, batch, rng)}"
            for offset, info_hash in enumerate(hashes)
        ]
        reply = api.torrents_add(urls="\n".join(urls), category=category, tags=list(tags) or None)
        if reply == "Fails.":
            raise BenchError(f"{instance.version} refused a batch of magnets")
        instance.hashes.extend(hashes)

    # The add call answers before the torrents exist: wait until the last one is listed.
    def all_listed() -> bool:
        return bool(api.torrents_info(limit=1, offset=target - 1))

    wait_for(all_listed, timeout=120.0, interval=0.25, message=f"{target} torrents listed")
    log(f"{instance.version}: {target:,} torrents ({time.perf_counter() - t0:.1f} s to add)")
    if history:
        give_history(instance)


def _name(category: str, index: int, batch: int, rng: random.Random) -> str:
    """A magnet's display name (URL-quoted) as the category's app would name the download."""
    return urllib.parse.quote(
        NAME_PATTERNS[category].format(
            i=index,
            s=batch % 30,
            t=random_title(rng),
            u=random_title(rng).replace(".", " "),
            y=rng.randint(1970, 2026),
            q=rng.choice(QUALITIES),
            g=rng.choice(GROUPS),
        )
    )


def quiet(instance: Instance, *, timeout: float = 15.0) -> float:
    """Wait until the server's CPU use stops falling after new torrents; return its idle use.

    Fastresume files are written for ~3 s. The idle background is in CPU seconds per second.
    """
    rates: list[float] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rates.append(background_rate(instance.pid, 0.5))
        last = rates[-QUIET_WINDOWS:]
        steady = len(last) == QUIET_WINDOWS and max(last) - min(last) <= QUIET_SPREAD
        if rates[-1] < QUIET_RATE or steady:
            break
    return rates[-1]


def settle(client: Ours, meter: WireMeter, *, timeout: float = 60.0) -> None:
    """Poll until a reply carries no torrent changes (new magnets change state for ~1 s)."""
    meter.keep_body = True
    try:
        deadline = time.monotonic() + timeout
        client.poll()
        meter.reply_torrents()
        while time.monotonic() < deadline:
            time.sleep(CHANGE_WAIT)
            meter.reset()
            client.poll()
            if meter.reply_torrents() == 0:
                return
        raise BenchError("the server never went idle")
    finally:
        meter.keep_body = False
        meter.last_body = None


def flip(instance: Instance, count: int, rng: random.Random) -> None:
    """Change ``count`` torrents: toggle FLIP_TAG on a random subset."""
    subset = rng.sample(instance.hashes, count)
    tagged = [h for h in subset if h in instance.flipped]
    untagged = [h for h in subset if h not in instance.flipped]
    if untagged:
        instance.admin.torrents_add_tags(tags=FLIP_TAG, torrent_hashes=untagged)
        instance.flipped.update(untagged)
    if tagged:
        instance.admin.torrents_remove_tags(tags=FLIP_TAG, torrent_hashes=tagged)
        instance.flipped.difference_update(tagged)
