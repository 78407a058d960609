"""Both qBittorrent servers with demo torrents, and the Arr emulators whose queues hold them."""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING

from devtools.arr_emulator import ArrEmulator
from devtools.qbittorrent_server import PAUSED_STATES, QbittorrentServer, add_magnets

from .common import ARR_LABELS, HOST, QBT_LABELS, StackError, log

if TYPE_CHECKING:
    from collections.abc import Mapping

    from devtools.arr_emulator import App

    from .stack import DevStack

QBT_USER = "admin"
# Radarr's health check reports this, so its Health (problem) binary sensor is on.
RADARR_HEALTH: tuple[dict[str, str], ...] = (
    {
        "source": "IndexerStatusCheck",
        "type": "warning",
        "message": "Indexers unavailable due to failures: Demo Indexer",
        "wikiUrl": "https://wiki.servarr.com/radarr/system#indexers-are-unavailable-due-to-failures",
    },
)
# Demo torrents without metadata wait in these states; the apps show them as queued.
QUEUED_STATES = frozenset({"metaDL", "forcedMetaDL", "queuedDL", "checkingResumeData"})

# Demo torrents per server: (category, count, tags, paused, display-name prefix).
DEMO_TORRENTS: tuple[tuple[str, int, tuple[str, ...], bool, str], ...] = (
    ("radarr", 3, (), False, "Demo.Movie.2024.1080p.WEB-DL"),
    ("radarr", 1, ("4k", "upgrade"), False, "Demo.Movie.2023.2160p.UHD.BluRay"),
    ("radarr", 1, (), True, "Demo.Movie.2022.720p.BluRay"),
    ("sonarr", 2, ("anime",), False, "Demo.Show.S01E01.1080p.WEB"),
    ("sonarr", 1, (), False, "Demo.Show.S02E05.720p.HDTV"),
    ("sonarr", 2, (), True, "Demo.Show.S03.COMPLETE.1080p"),
)


def start_qbittorrent(stack: DevStack, major: int) -> None:
    """Start one server (keeping its profile) and add demo torrents to a new one."""
    started = time.monotonic()
    server = QbittorrentServer(
        major,
        stack.dev_dir / f"qbittorrent{major}",
        username=QBT_USER,
        password=stack.state.qbt_password,
        port=stack.state.ports[f"qbt{major}"],
        fresh=False,
    )
    with stack.starting(QBT_LABELS[major]):
        stack.servers[major] = server
        server.start()
    stack.timings[f"qBittorrent {major}.x start"] = time.monotonic() - started
    client = server.client()
    try:
        if not client.torrents_info():
            for category, count, tags, paused, name in DEMO_TORRENTS:
                add_magnets(
                    client,
                    count,
                    category=category,
                    tags=tags or None,
                    paused=paused,
                    name_prefix=name,
                )
            log(f"{QBT_LABELS[major]}: added {sum(d[1] for d in DEMO_TORRENTS)} demo torrents")
    finally:
        client.auth_log_out()


def start_arr(stack: DevStack, app: App) -> None:
    """Start one emulator; its queue holds the app's torrents on both qBittorrent servers.

    It serves from its own thread in this process. One qBittorrent download client per
    server, with the app's category (what the config flow offers as the category).
    """
    started = time.monotonic()
    emulator = ArrEmulator(
        app,
        api_key=stack.state.arr_api_keys[app],
        port=stack.state.ports[app],
        qbittorrent_remover=functools.partial(remove_torrent, stack.servers),
    )
    emulator.set_download_clients(
        [
            emulator.qbittorrent_client(
                client_id=number,
                name=QBT_LABELS[major],
                host=HOST,
                port=server.port,
                username=server.username,
                category=app,
            )
            for number, (major, server) in enumerate(sorted(stack.servers.items()), start=1)
        ]
    )
    if app == "radarr":
        emulator.set_health(RADARR_HEALTH)
    with stack.starting(f"the {ARR_LABELS[app]} emulator"):
        stack.queued[app] = fill_queue(stack.servers, emulator, app)
        stack.arrs[app] = emulator
        try:
            emulator.start()
        except OSError as err:
            where = f"{HOST}:{stack.state.ports[app]}"
            raise StackError(
                f"the {ARR_LABELS[app]} emulator cannot listen on {where}: {err}"
            ) from err
    stack.timings[f"{ARR_LABELS[app]} start"] = time.monotonic() - started


def fill_queue(
    servers: Mapping[int, QbittorrentServer], emulator: ArrEmulator, app: App
) -> dict[int, int]:
    """One queue record per torrent of the app's category on each server; count per server.

    As the apps report them: downloadId is the upper-case hash, the title the torrent's
    name, downloadClient the client's name; media ids 1..n (Sonarr: episode ids too).
    """
    counts: dict[int, int] = {}
    media_id = 0
    for major, server in sorted(servers.items()):
        client = server.client()
        try:
            torrents = client.torrents_info(category=app)
        finally:
            client.auth_log_out()
        for torrent in sorted(torrents, key=lambda t: (str(t["name"]), str(t["hash"]))):
            media_id += 1
            state = str(torrent.get("state", ""))
            emulator.add_queue_item(
                str(torrent["hash"]).upper(),
                title=str(torrent["name"]),
                media_id=media_id,
                episode_id=1000 + media_id if app == "sonarr" else None,
                download_client=QBT_LABELS[major],
                status=(
                    "paused"
                    if state in PAUSED_STATES
                    else "queued"
                    if state in QUEUED_STATES
                    else "downloading"
                ),
                output_path=str(torrent.get("content_path") or "") or None,
            )
        counts[major] = len(torrents)
    return counts


def remove_torrent(servers: Mapping[int, QbittorrentServer], info_hash: str) -> None:
    """The emulators' ``qbittorrent_remover``: delete the torrent and its files everywhere.

    An emulator calls it from a worker thread when a queue item is removed with
    ``removeFromClient=true``, as Radarr/Sonarr delete the download in qBittorrent.
    """
    for major, server in sorted(servers.items()):
        if not server.running:
            continue
        client = server.client()
        try:
            held = bool(client.torrents_info(torrent_hashes=info_hash))
            client.torrents_delete(delete_files=True, torrent_hashes=info_hash)
        finally:
            client.auth_log_out()
        if held:
            log(f"{QBT_LABELS[major]}: deleted torrent {info_hash} (removed from an Arr queue)")
