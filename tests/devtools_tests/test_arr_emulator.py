"""Tests of the Radarr/Sonarr/Lidarr emulator and of the OpenAPI contract checker."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
import contextlib
from dataclasses import dataclass
import functools
import hashlib
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp
import pytest
import pytest_socket

from devtools.arr_emulator import PROFILES, App, ArrEmulator, RecordedRequest, Search
from devtools.openapi import OpenApiSpec, load_specs, spec_folder
from devtools.qbittorrent_server import DEFAULT_QBT4_BIN, QbittorrentServer, add_magnets

APPS: tuple[App, ...] = ("radarr", "sonarr", "lidarr")
API_KEY = "0123456789abcdef0123456789abcdef"
REPO = Path(__file__).resolve().parents[2]
SEARCH = {"radarr": "MoviesSearch", "sonarr": "EpisodeSearch", "lidarr": "AlbumSearch"}
SEARCH_IDS = {"radarr": "movieIds", "sonarr": "episodeIds", "lidarr": "albumIds"}
SCAN = {
    "radarr": "DownloadedMoviesScan",
    "sonarr": "DownloadedEpisodesScan",
    "lidarr": "DownloadedAlbumsScan",
}
CATEGORY_FIELD = {"radarr": "movieCategory", "sonarr": "tvCategory", "lidarr": "musicCategory"}


def _allow_loopback() -> None:
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1"], allow_unix_socket=True)


@pytest.fixture(autouse=True)
def _loopback_sockets() -> None:
    """Home Assistant's plugin blocks sockets before each test; these tests need loopback."""
    _allow_loopback()


@functools.cache
def _specs() -> dict[str, OpenApiSpec] | None:
    # The environment's folder, else the one next to this repository.
    folder = spec_folder() or spec_folder(REPO.parent / "shared" / "arr-openapi")
    return load_specs(folder) if folder is not None else None


def _need_specs() -> dict[str, OpenApiSpec]:
    specs = _specs()
    if specs is None:
        pytest.skip("OpenAPI documents not found (../shared/arr-openapi)")
    return specs


def _contract_problems(app: str, requests: list[RecordedRequest]) -> list[str]:
    specs = _specs()
    if specs is None:
        return []
    return [
        problem
        for request in requests
        if request.accepted
        for problem in specs[app].check_request(request.method, request.path, request.query)
    ]


@pytest.fixture
def emulators() -> Iterator[Callable[..., ArrEmulator]]:
    """Start emulators on demand; stop them all (and check their traffic) at teardown."""
    _allow_loopback()
    started: list[ArrEmulator] = []

    def make(app: App, **kwargs: Any) -> ArrEmulator:
        kwargs.setdefault("api_key", API_KEY)
        emulator = ArrEmulator(app, **kwargs).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()
    # Whatever a test made the emulator accept must be a request the real app accepts.
    problems = [p for e in started for p in _contract_problems(e.app, e.requests)]
    assert not problems, problems


@pytest.fixture(params=APPS)
def emu(request: pytest.FixtureRequest, emulators: Callable[..., ArrEmulator]) -> ArrEmulator:
    """One running emulator of each app."""
    return emulators(request.param)


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    emu: ArrEmulator,
    method: str,
    path: str,
    *,
    query: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
    body: Any = None,
    key: str | None = API_KEY,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
) -> Reply:
    """One HTTP request; `path` is relative to the API base unless it starts with "//"."""
    url = emu.url + (path[1:] if path.startswith("//") else emu.base_path + path)
    if query:
        url += "?" + urllib.parse.urlencode(query, doseq=True)
    all_headers = {"Accept": "application/json", **(headers or {})}
    if key is not None:
        all_headers["X-Api-Key"] = key
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as err:
        with err:
            return Reply(err.code, dict(err.headers), err.read())


def _hash(n: int) -> str:
    return f"{n:040x}"


# --- lifecycle ---------------------------------------------------------------------------------


def test_start_stop_leaves_no_thread_or_socket() -> None:
    before = set(threading.enumerate())
    with ArrEmulator("radarr", api_key=API_KEY) as emu:
        assert len(threading.enumerate()) == len(before) + 1
        assert emu.url == f"http://127.0.0.1:{emu.port}"
        assert emu.base_path == "/api/v3"
        assert call(emu, "GET", "/system/status").status == 200
        port = emu.port
    assert not emu.running
    assert set(threading.enumerate()) == before
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), 1).close()
    emu.stop()  # a second stop is harmless


def test_restart_keeps_port_and_state(emulators: Callable[..., ArrEmulator]) -> None:
    emu = emulators("lidarr")
    emu.add_queue_item(_hash(1), title="Album")
    url = emu.url
    emu.stop()
    with pytest.raises(urllib.error.URLError):
        call(emu, "GET", "/queue", timeout=1)
    emu.start()
    assert emu.url == url
    assert call(emu, "GET", "/queue").json()["totalRecords"] == 1


async def test_usable_inside_a_running_event_loop(
    emulators: Callable[..., ArrEmulator],
) -> None:
    """Home Assistant's tests run in an event loop; the emulator serves from its own."""
    emu = emulators("radarr")
    emu.add_queue_item(_hash(1), title="Movie")
    headers = {"X-Api-Key": API_KEY}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{emu.api_url}/queue", headers=headers) as response:
            assert response.status == 200
            assert (await response.json())["records"][0]["title"] == "Movie"
        emu.inject_fault("system/status", "timeout")
        with pytest.raises(TimeoutError):
            await session.get(
                f"{emu.api_url}/system/status",
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=0.3),
            )
    emu.stop()


def test_port_in_use_raises_from_start(emulators: Callable[..., ArrEmulator]) -> None:
    first = emulators("sonarr")
    before = set(threading.enumerate())
    with pytest.raises(OSError, match="address already in use"):
        ArrEmulator("sonarr", api_key=API_KEY, port=first.port).start()
    assert set(threading.enumerate()) == before


# --- authentication ----------------------------------------------------------------------------


def test_auth(emu: ArrEmulator) -> None:
    assert call(emu, "GET", "/system/status", key=None).status == 401
    wrong = call(emu, "GET", "/queue", key="nope")
    assert wrong.status == 401
    assert wrong.headers["Content-Type"].startswith("application/json")
    assert wrong.json() == {"error": "Unauthorized"}
    # Every route needs the key, also unknown ones (the key is checked before routing).
    assert call(emu, "GET", "/movie", key=None).status == 401
    assert call(emu, "GET", "/system/status").status == 200
    assert call(emu, "GET", "/system/status", key=None, query={"apikey": API_KEY}).status == 200
    bearer = {"Authorization": f"Bearer {API_KEY}"}
    assert call(emu, "GET", "/system/status", key=None, headers=bearer).status == 200
    # As the apps: a query key wins over the header.
    assert call(emu, "GET", "/system/status", query={"apikey": "nope"}).status == 401
    statuses = [r.status for r in emu.requests]
    assert statuses == [401, 401, 401, 200, 200, 200, 401]


# --- read endpoints ----------------------------------------------------------------------------


def test_system_status(emulators: Callable[..., ArrEmulator]) -> None:
    for app, name, base in (
        ("radarr", "Radarr", "/api/v3"),
        ("sonarr", "Sonarr", "/api/v3"),
        ("lidarr", "Lidarr", "/api/v1"),
    ):
        emu = emulators(app, instance_name=f"{name} 4K", version="9.9.9.9")
        assert emu.base_path == base
        status = call(emu, "GET", "/system/status").json()
        assert status["appName"] == name
        assert status["instanceName"] == f"{name} 4K"
        assert status["version"] == "9.9.9.9"
        assert status["urlBase"] == ""
        # The other API version is not served (wrong app type behind a URL).
        other = "/api/v1" if base == "/api/v3" else "/api/v3"
        assert call(emu, "GET", f"/{other}/system/status").status == 404
    default = emulators("lidarr")
    status = call(default, "GET", "/system/status").json()
    assert status["instanceName"] == "Lidarr"
    assert status["version"] == PROFILES["lidarr"].default_version


def test_unknown_route_is_404_json(emu: ArrEmulator) -> None:
    for method, path in (("GET", "/movie"), ("POST", "/queue"), ("GET", "/queue/5")):
        reply = call(emu, method, path)
        assert reply.status == 404
        assert reply.json() == {"message": "NotFound"}
    assert call(emu, "GET", "//", key=None).status == 404


def test_health_and_diskspace(emu: ArrEmulator) -> None:
    assert call(emu, "GET", "/health").json() == []
    emu.set_health(
        [
            {"source": "IndexerStatusCheck", "type": "warning", "message": "Indexers down"},
            {"message": "Disk almost full", "type": "error"},
        ]
    )
    health = call(emu, "GET", "/health").json()
    assert [h["message"] for h in health] == ["Indexers down", "Disk almost full"]
    assert {h["type"] for h in health} == {"warning", "error"}
    assert all(h["wikiUrl"].startswith("https://wiki.servarr.com/") for h in health)
    disks = call(emu, "GET", "/diskspace").json()
    assert disks
    assert {"path", "label", "freeSpace", "totalSpace"} <= set(disks[0])
    emu.set_diskspace([{"path": "/data", "label": "data", "freeSpace": 1, "totalSpace": 2}])
    assert call(emu, "GET", "/diskspace").json() == emu.diskspace


def test_download_clients(emu: ArrEmulator) -> None:
    clients = call(emu, "GET", "/downloadclient").json()
    assert len(clients) == 1
    client = clients[0]
    assert client["implementation"] == "QBittorrent"
    assert client["protocol"] == "torrent"
    assert client["enable"] is True
    fields = {f["name"]: f for f in client["fields"]}
    assert {"host", "port", "urlBase", "useSsl", CATEGORY_FIELD[emu.app]} <= set(fields)
    assert fields["host"]["value"] == "localhost"
    assert fields["port"]["value"] == 8080
    assert fields["useSsl"]["value"] is False
    assert "value" not in fields["urlBase"]  # unset settings come without a value
    assert fields["password"]["value"] == "********"
    assert fields[CATEGORY_FIELD[emu.app]]["value"] == PROFILES[emu.app].default_category

    emu.set_download_clients(
        [
            emu.qbittorrent_client(
                host="127.0.0.1", port=18080, url_base="qbt", use_ssl=True, category="films"
            ),
            {**emu.qbittorrent_client(client_id=2, name="Other"), "enable": False},
        ]
    )
    clients = call(emu, "GET", "/downloadclient").json()
    assert [c["name"] for c in clients] == ["qBittorrent", "Other"]
    fields = {f["name"]: f.get("value") for f in clients[0]["fields"]}
    assert fields["host"] == "127.0.0.1"
    assert fields["port"] == 18080
    assert fields["urlBase"] == "qbt"
    assert fields["useSsl"] is True
    assert fields[CATEGORY_FIELD[emu.app]] == "films"


# --- queue -------------------------------------------------------------------------------------


def test_queue_paging(emu: ArrEmulator) -> None:
    ids = [emu.add_queue_item(_hash(n), title=f"Item {n}") for n in range(23)]
    assert len(set(ids)) == 23
    first = call(emu, "GET", "/queue").json()
    assert first["page"] == 1
    assert first["pageSize"] == 10  # the apps' default
    assert first["totalRecords"] == 23
    assert first["sortKey"] == "timeleft"
    assert first["sortDirection"] == "ascending"
    seen: list[int] = []
    for page, count in ((1, 10), (2, 10), (3, 3)):
        reply = call(emu, "GET", "/queue", query={"page": page, "pageSize": 10}).json()
        assert reply["page"] == page
        assert len(reply["records"]) == count
        seen.extend(r["id"] for r in reply["records"])
    assert seen == ids
    # Past the end the apps answer page max(total // size, 1), not an empty page.
    past = call(emu, "GET", "/queue", query={"page": 7, "pageSize": 10}).json()
    assert past["page"] == 2
    assert len(past["records"]) == 10
    everything = call(emu, "GET", "/queue", query={"pageSize": 100}).json()
    assert [r["id"] for r in everything["records"]] == ids


def test_queue_records(emu: ArrEmulator) -> None:
    queue_id = emu.add_queue_item(
        "abcdef0123456789abcdef0123456789abcdef01",
        title="Some.Release.1080p",
        media_id=42,
        status="warning",
        tracked_download_status="warning",
        error_message="The download is stalled with no connections",
        size=1000,
        sizeleft=250,
    )
    record = call(emu, "GET", "/queue").json()["records"][0]
    assert record["id"] == queue_id
    assert record["downloadId"] == "ABCDEF0123456789ABCDEF0123456789ABCDEF01"
    assert record["title"] == "Some.Release.1080p"
    assert record["status"] == "warning"
    assert record["trackedDownloadStatus"] == "warning"
    assert record["trackedDownloadState"] == "downloading"
    assert record["protocol"] == "torrent"
    assert record["downloadClient"] == "qBittorrent"
    assert (record["size"], record["sizeleft"]) == (1000, 250)
    assert record["errorMessage"] == "The download is stalled with no connections"
    assert record["added"].endswith("Z")
    media_key = {"radarr": "movieId", "sonarr": "seriesId", "lidarr": "artistId"}[emu.app]
    assert record[media_key] == 42
    if emu.app == "sonarr":
        assert isinstance(record["episodeId"], int)
        assert isinstance(record["seasonNumber"], int)
    if emu.app == "lidarr":
        assert isinstance(record["albumId"], int)
    assert emu.queue == [record]

    # No error: the key is absent, as the apps leave nulls out.
    emu.add_queue_item(_hash(2), title="Fine")
    assert "errorMessage" not in emu.queue[1]
    emu.remove_queue_item(queue_id)
    assert [r["title"] for r in emu.queue] == ["Fine"]


def test_queue_unknown_items_and_filters(emu: ArrEmulator) -> None:
    profile = PROFILES[emu.app]
    emu.add_queue_item(_hash(1), title="Matched", media_id=7)
    emu.add_queue_item(_hash(2), title="Other", media_id=8)
    emu.add_queue_item(_hash(3), title="Unmatched", unknown=True)
    titles = [r["title"] for r in call(emu, "GET", "/queue").json()["records"]]
    assert titles == ["Matched", "Other"]
    reply = call(emu, "GET", "/queue", query={profile.unknown_items_param: "true"}).json()
    assert [r["title"] for r in reply["records"]] == ["Matched", "Other", "Unmatched"]
    assert profile.media_key not in reply["records"][2]
    only = call(emu, "GET", "/queue", query=[(profile.media_ids_param, 8)]).json()
    assert [r["title"] for r in only["records"]] == ["Other"]
    both = call(emu, "GET", "/queue", query=[(profile.media_ids_param, i) for i in (7, 8)]).json()
    assert both["totalRecords"] == 2


def test_delete_with_blocklist(emu: ArrEmulator) -> None:
    keep = emu.add_queue_item(_hash(1), title="Keep")
    drop = emu.add_queue_item(_hash(2), title="Drop")
    flags = {"removeFromClient": "false", "blocklist": "true", "skipRedownload": "true"}
    reply = call(emu, "DELETE", f"/queue/{drop}", query=flags)
    assert reply.status == 200
    assert reply.body == b""  # a void action
    assert [r["id"] for r in emu.queue] == [keep]
    assert [b["downloadId"] for b in emu.blocklist] == [_hash(2).upper()]
    (removal,) = emu.removals
    assert removal.queue_id == drop
    assert removal.download_id == _hash(2).upper()
    assert (removal.remove_from_client, removal.blocklist) == (False, True)
    assert (removal.skip_redownload, removal.change_category, removal.bulk) == (True, False, False)
    assert call(emu, "DELETE", f"/queue/{drop}", query=flags).status == 404
    # Without flags: removeFromClient defaults to true, blocklist to false (the spec's defaults).
    assert call(emu, "DELETE", f"/queue/{keep}").status == 200
    assert emu.removals[-1].remove_from_client is True
    assert emu.removals[-1].blocklist is False
    assert len(emu.blocklist) == 1
    bad = call(emu, "DELETE", f"/queue/{keep}", query={"blocklist": "yes"})
    assert bad.status == 400


def test_delete_calls_remover_off_the_loop(emulators: Callable[..., ArrEmulator]) -> None:
    calls: list[tuple[str, str]] = []

    def remover(info_hash: str) -> None:
        calls.append((info_hash, threading.current_thread().name))

    emu = emulators("radarr", qbittorrent_remover=remover)
    first = emu.add_queue_item(_hash(10), title="A")
    second = emu.add_queue_item(_hash(11), title="B")
    call(emu, "DELETE", f"/queue/{first}", query={"removeFromClient": "false"})
    assert calls == []
    call(emu, "DELETE", f"/queue/{second}", query={"removeFromClient": "true"})
    assert [c[0] for c in calls] == [_hash(11)]  # lower-case
    assert calls[0][1] != f"arr-emulator-{emu.app}"

    failing = emulators("sonarr", qbittorrent_remover=lambda _hash: 1 / 0)
    queue_id = failing.add_queue_item(_hash(12), title="C")
    assert call(failing, "DELETE", f"/queue/{queue_id}").status == 500
    assert [r["id"] for r in failing.queue] == [queue_id]


def test_bulk_delete(emu: ArrEmulator) -> None:
    ids = [emu.add_queue_item(_hash(n), title=f"Item {n}") for n in range(4)]
    reply = call(
        emu,
        "DELETE",
        "/queue/bulk",
        query={"removeFromClient": "true", "blocklist": "true"},
        body={"ids": ids[:2]},
    )
    assert reply.status == 200
    assert reply.json() == {}
    assert [r["id"] for r in emu.queue] == ids[2:]
    assert [r.queue_id for r in emu.removals] == ids[:2]
    assert all(r.bulk and r.blocklist for r in emu.removals)
    assert len(emu.blocklist) == 2
    # The apps look every id up first: an unknown one is 404 and nothing is removed.
    reply = call(emu, "DELETE", "/queue/bulk", body={"ids": [ids[2], 999, ids[3]]})
    assert reply.status == 404
    assert [r["id"] for r in emu.queue] == ids[2:]
    assert len(emu.removals) == 2
    assert call(emu, "DELETE", "/queue/bulk", body={"id": [1]}).status == 400


# --- redownload, season packs and discographies ----------------------------------------------

# The ids each app's search takes from a queue record: movieId, episodeId, albumId.
SEARCH_KEY = {"radarr": "movieId", "sonarr": "episodeId", "lidarr": "albumId"}


def _searched_id(emu: ArrEmulator, queue_id: int) -> int:
    record = next(r for r in emu.queue if r["id"] == queue_id)
    return int(record[SEARCH_KEY[emu.app]])


def test_blocklist_removal_searches_again(emu: ArrEmulator) -> None:
    queue_id = emu.add_queue_item(_hash(1), title="Failed", media_id=7, episode_id=70, album_id=70)
    expected = 7 if emu.app == "radarr" else 70
    assert _searched_id(emu, queue_id) == expected
    # skipRedownload left out: the spec's default (false), so the app searches by itself.
    reply = call(emu, "DELETE", f"/queue/{queue_id}", query={"blocklist": "true"})
    assert reply.status == 200
    assert emu.searches == [
        Search(SEARCH[emu.app], (expected,), "redownload", 1, download_id=_hash(1).upper())
    ]
    assert emu.commands == []  # only what clients POSTed
    assert len(emu.blocklist) == 1

    # An explicit search is told apart, and shares the app's command numbering.
    body = {"name": SEARCH[emu.app].lower(), SEARCH_IDS[emu.app]: [3, 4]}
    command = call(emu, "POST", "/command", body=body).json()
    assert command["id"] == 2
    assert emu.searches[1] == Search(SEARCH[emu.app], (3, 4), "command", 2)
    assert [s.source for s in emu.searches] == ["redownload", "command"]
    # Other commands are not searches.
    assert call(emu, "POST", "/command", body={"name": SCAN[emu.app]}).status == 201
    assert len(emu.searches) == 2
    assert len(emu.commands) == 2


def test_no_redownload_without_blocklist_or_with_skip(emu: ArrEmulator) -> None:
    ids = [emu.add_queue_item(_hash(n), title=f"Item {n}") for n in range(5)]
    skip = {"blocklist": "true", "skipRedownload": "true"}
    assert call(emu, "DELETE", f"/queue/{ids[0]}", query=skip).status == 200
    assert call(emu, "DELETE", "/queue/bulk", query=skip, body={"ids": [ids[1]]}).status == 200
    no_blocklist = {"blocklist": "false", "skipRedownload": "false"}
    assert call(emu, "DELETE", f"/queue/{ids[2]}", query=no_blocklist).status == 200
    assert len(emu.blocklist) == 2  # skipRedownload still blocklists
    assert emu.searches == []
    # The apps' "Redownload Failed" setting off: blocklisted, not searched for.
    emu.auto_redownload_failed = False
    assert call(emu, "DELETE", f"/queue/{ids[3]}", query={"blocklist": "true"}).status == 200
    assert len(emu.blocklist) == 3
    assert emu.searches == []
    emu.auto_redownload_failed = True
    assert call(emu, "DELETE", f"/queue/{ids[4]}", query={"blocklist": "true"}).status == 200
    assert [s.source for s in emu.searches] == ["redownload"]
    assert len(emu.removals) == 5


def test_unknown_download_is_removed_but_neither_blocklisted_nor_searched(
    emu: ArrEmulator,
) -> None:
    queue_id = emu.add_queue_item(_hash(1), title="Not ours", unknown=True)
    assert call(emu, "DELETE", f"/queue/{queue_id}", query={"blocklist": "true"}).status == 200
    assert emu.queue == []
    assert [(r.queue_id, r.blocklist) for r in emu.removals] == [(queue_id, True)]
    assert emu.blocklist == []
    assert emu.searches == []


def _app_record_id(app: App, download_id: str, sub_id: int | None = None) -> int:
    # Radarr/Sonarr/Lidarr QueueService: HashConverter.GetHashInt31 of this key.
    key = f"trackedDownload-1-{download_id}"
    if app == "sonarr":
        key += f"-ep{sub_id or 0}"
    elif app == "lidarr":
        key += f"-album{sub_id or 0}"
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def _pack(emu: ArrEmulator, n: int, media_id: int, sub_ids: list[int]) -> list[int]:
    """One download with a record per episode (Sonarr) or album (Lidarr)."""
    return [
        emu.add_queue_item(
            _hash(n),  # lower case: stored upper-cased, as the apps report hashes
            title=f"Pack {n}",
            media_id=media_id if index == 0 else None,  # the others inherit it
            episode_id=sub_id,
            album_id=sub_id,
        )
        for index, sub_id in enumerate(sub_ids)
    ]


@pytest.mark.parametrize("app", ["sonarr", "lidarr"])
def test_pack_records_have_distinct_ids_derived_like_the_apps(
    emulators: Callable[..., ArrEmulator], app: App
) -> None:
    emu = emulators(app)
    ids = _pack(emu, 1, 5, [101, 102, 103])
    assert ids == [_app_record_id(app, _hash(1).upper(), s) for s in (101, 102, 103)]
    assert len(set(ids)) == 3
    media_key = PROFILES[app].media_key
    records = call(emu, "GET", "/queue").json()["records"]
    assert [(r["id"], r[media_key], r[SEARCH_KEY[app]]) for r in records] == [
        (ids[0], 5, 101),
        (ids[1], 5, 102),
        (ids[2], 5, 103),
    ]
    assert {r["downloadId"] for r in records} == {_hash(1).upper()}
    # Radarr keys records by download only.
    radarr = emulators("radarr")
    assert radarr.add_queue_item(_hash(1), title="Movie") == _app_record_id(
        "radarr", _hash(1).upper()
    )


@pytest.mark.parametrize("app", ["sonarr", "lidarr"])
def test_removing_one_record_removes_the_whole_download(
    emulators: Callable[..., ArrEmulator], app: App
) -> None:
    removed: list[str] = []
    emu = emulators(app, qbittorrent_remover=removed.append)
    pack = _pack(emu, 1, 5, [101, 102, 103])
    other = emu.add_queue_item(_hash(2), title="Other", media_id=6, episode_id=201, album_id=201)
    flags = {"removeFromClient": "true", "blocklist": "true", "skipRedownload": "false"}
    assert call(emu, "DELETE", f"/queue/{pack[1]}", query=flags).status == 200

    assert [r["id"] for r in emu.queue] == [other]
    assert removed == [_hash(1)]  # the client is asked once, with the lower-case hash
    assert [(r.queue_id, r.requested, r.bulk) for r in emu.removals] == [
        (pack[0], False, False),
        (pack[1], True, False),
        (pack[2], False, False),
    ]
    assert all(r.download_id == _hash(1).upper() and r.blocklist for r in emu.removals)
    (blocked,) = emu.blocklist  # the release, once
    assert blocked["downloadId"] == _hash(1).upper()
    assert blocked[f"{SEARCH_KEY[app]}s"] == [101, 102, 103]
    assert emu.searches == [
        Search(SEARCH[app], (101, 102, 103), "redownload", 1, download_id=_hash(1).upper())
    ]
    # Every record of it is gone: any of its ids is unknown now.
    assert call(emu, "DELETE", f"/queue/{pack[2]}", query=flags).status == 404


@pytest.mark.parametrize("app", ["sonarr", "lidarr"])
def test_bulk_removes_each_download_once(emulators: Callable[..., ArrEmulator], app: App) -> None:
    removed: list[str] = []
    emu = emulators(app, qbittorrent_remover=removed.append)
    first = _pack(emu, 1, 5, [101, 102, 103])
    second = _pack(emu, 2, 6, [201, 202])
    keep = emu.add_queue_item(_hash(3), title="Keep", media_id=7, episode_id=301, album_id=301)
    flags = {"removeFromClient": "true", "blocklist": "true"}
    # Two records of the first download, one of the second, in any order.
    ids = [second[1], first[0], first[2]]
    reply = call(emu, "DELETE", "/queue/bulk", query=flags, body={"ids": ids})
    assert reply.status == 200

    assert [r["id"] for r in emu.queue] == [keep]
    assert removed == [_hash(2), _hash(1)]  # once per download, in the order first named
    assert [(r.queue_id, r.requested) for r in emu.removals] == [
        (second[0], False),
        (second[1], True),
        (first[0], True),
        (first[1], False),
        (first[2], True),
    ]
    assert all(r.bulk for r in emu.removals)
    assert [b["downloadId"] for b in emu.blocklist] == [_hash(2).upper(), _hash(1).upper()]
    assert [(s.ids, s.source, s.download_id) for s in emu.searches] == [
        ((201, 202), "redownload", _hash(2).upper()),
        ((101, 102, 103), "redownload", _hash(1).upper()),
    ]
    # skipRedownload=true: blocklisted, no search; the 404 rule holds for packs too.
    pack = _pack(emu, 4, 8, [401, 402])
    assert call(emu, "DELETE", "/queue/bulk", body={"ids": [pack[0], 999]}).status == 404
    assert len(emu.queue) == 3
    flags["skipRedownload"] = "true"
    reply = call(emu, "DELETE", "/queue/bulk", query=flags, body={"ids": [pack[1], pack[0]]})
    assert reply.status == 200
    assert [r["id"] for r in emu.queue] == [keep]
    assert removed[-1] == _hash(4)
    assert len(removed) == 3
    assert len(emu.blocklist) == 3
    assert len(emu.searches) == 2


def test_pack_removals_conform_to_openapi(emu: ArrEmulator) -> None:
    _need_specs()
    pack = _pack(emu, 1, 5, [101, 102])
    other = _pack(emu, 2, 6, [201])
    flags = {
        "removeFromClient": "true",
        "blocklist": "true",
        "skipRedownload": "false",
        "changeCategory": "false",
    }
    assert call(emu, "DELETE", f"/queue/{pack[1]}", query=flags).status == 200
    flags["skipRedownload"] = "true"
    assert call(emu, "DELETE", "/queue/bulk", query=flags, body={"ids": other}).status == 200
    body = {"name": SEARCH[emu.app], SEARCH_IDS[emu.app]: [101]}
    assert call(emu, "POST", "/command", body=body).status == 201
    accepted = [r for r in emu.requests if r.accepted]
    assert len(accepted) == 3
    problems = _contract_problems(emu.app, accepted)
    assert not problems, problems
    assert [s.source for s in emu.searches] == ["redownload", "command"]


def test_failing_client_in_bulk_keeps_the_rest(emulators: Callable[..., ArrEmulator]) -> None:
    def remover(info_hash: str) -> None:
        if info_hash == _hash(2):
            raise RuntimeError("qBittorrent is down")

    emu = emulators("sonarr", qbittorrent_remover=remover)
    first = _pack(emu, 1, 5, [101, 102])
    second = _pack(emu, 2, 6, [201, 202])
    third = _pack(emu, 3, 7, [301])
    flags = {"blocklist": "true"}
    body = {"ids": [first[0], second[0], third[0]]}
    assert call(emu, "DELETE", "/queue/bulk", query=flags, body=body).status == 500
    # The first download went before the client failed; the rest stays.
    assert [r["id"] for r in emu.queue] == second + third
    assert [r.queue_id for r in emu.removals] == first
    assert [s.ids for s in emu.searches] == [(101, 102)]


# --- commands ----------------------------------------------------------------------------------


def test_commands(emu: ArrEmulator) -> None:
    search, ids_key = SEARCH[emu.app], SEARCH_IDS[emu.app]
    reply = call(emu, "POST", "/command", body={"name": search, ids_key: [3, 4]})
    assert reply.status == 201
    command = reply.json()
    assert command["name"] == search
    assert command["status"] == "queued"
    assert command["body"][ids_key] == [3, 4]
    assert isinstance(command["id"], int)
    scan = call(emu, "POST", "/command", body={"name": SCAN[emu.app].lower()})
    assert scan.status == 201
    assert scan.json()["name"] == SCAN[emu.app]  # matched case-insensitively, named canonically
    assert scan.json()["id"] == command["id"] + 1
    assert emu.commands == [{"name": search, ids_key: [3, 4]}, {"name": SCAN[emu.app].lower()}]

    other = next(SEARCH[a] for a in APPS if a != emu.app)
    assert call(emu, "POST", "/command", body={"name": other}).status == 400
    assert call(emu, "POST", "/command", body={"name": "NoSuchCommand"}).status == 400
    assert call(emu, "POST", "/command", body={"name": ""}).status == 400
    assert call(emu, "POST", "/command").status == 400
    assert len(emu.commands) == 2


# --- recording ---------------------------------------------------------------------------------


def test_requests_recorded(emu: ArrEmulator) -> None:
    call(emu, "GET", "/queue", query=[("page", 2), ("pageSize", 5)])
    call(emu, "POST", "/command", body={"name": SEARCH[emu.app], SEARCH_IDS[emu.app]: [1]})
    call(emu, "GET", "/health", key="wrong")
    first, second, third = emu.requests
    assert first == RecordedRequest(
        "GET", f"{emu.base_path}/queue", {"page": ["2"], "pageSize": ["5"]}, None, 200
    )
    assert first.accepted
    assert second.method == "POST"
    assert second.body == {"name": SEARCH[emu.app], SEARCH_IDS[emu.app]: [1]}
    assert second.status == 201
    assert (third.status, third.accepted) == (401, False)
    emu.clear_requests()
    assert emu.requests == []


def test_requests_recorded_from_many_threads(emulators: Callable[..., ArrEmulator]) -> None:
    emu = emulators("radarr")

    def hammer() -> None:
        for _ in range(10):
            call(emu, "GET", "/health")

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(emu.requests) == 40


# --- faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["401", "500"])
def test_fault_json_errors(emulators: Callable[..., ArrEmulator], kind: str) -> None:
    emu = emulators("radarr")
    emu.inject_fault(r"/queue$", kind)  # type: ignore[arg-type]
    reply = call(emu, "GET", "/queue")
    assert reply.status == int(kind)
    assert isinstance(reply.json(), dict)
    assert call(emu, "GET", "/health").status == 200  # other paths unaffected
    assert emu.requests[0].fault == kind
    assert not emu.requests[0].accepted
    emu.clear_faults()
    assert call(emu, "GET", "/queue").status == 200


def test_fault_malformed(emulators: Callable[..., ArrEmulator]) -> None:
    emu = emulators("sonarr")
    emu.add_queue_item(_hash(1), title="A")
    emu.inject_fault("queue", "malformed", times=1)
    reply = call(emu, "GET", "/queue")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(reply.body)
    assert call(emu, "GET", "/queue").json()["totalRecords"] == 1  # times=1 used up


def test_fault_html(emulators: Callable[..., ArrEmulator]) -> None:
    emu = emulators("lidarr")
    emu.inject_fault("system/status", "html")
    reply = call(emu, "GET", "/system/status", key=None)  # before authentication
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.body.lstrip().lower().startswith(b"<!doctype html")


def test_fault_method_and_times(emulators: Callable[..., ArrEmulator]) -> None:
    emu = emulators("radarr")
    queue_id = emu.add_queue_item(_hash(1), title="A")
    emu.inject_fault(r"/queue/\d+", "500", method="DELETE", times=2)
    assert call(emu, "GET", "/queue").status == 200
    assert call(emu, "DELETE", f"/queue/{queue_id}").status == 500
    assert call(emu, "DELETE", f"/queue/{queue_id}").status == 500
    assert emu.queue  # a faulted request changes nothing
    assert call(emu, "DELETE", f"/queue/{queue_id}").status == 200
    with pytest.raises(ValueError, match="kind"):
        emu.inject_fault("x", "teapot")  # type: ignore[arg-type]


def test_fault_timeout_does_not_block_stop(emulators: Callable[..., ArrEmulator]) -> None:
    emu = emulators("radarr")  # default delay: 30 s
    emu.inject_fault("system/status", "timeout")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        call(emu, "GET", "/system/status", timeout=0.5)
    assert time.monotonic() - started < 5
    assert call(emu, "GET", "/health").status == 200  # the server still serves others
    started = time.monotonic()
    emu.stop()
    assert time.monotonic() - started < 5


def test_fault_timeout_then_normal_answer(emulators: Callable[..., ArrEmulator]) -> None:
    emu = emulators("sonarr", timeout_delay=0.3)
    emu.inject_fault("system/status", "timeout", times=1)
    reply = call(emu, "GET", "/system/status", timeout=5)
    assert reply.status == 200
    assert reply.json()["appName"] == "Sonarr"


# --- contract with the official OpenAPI documents ----------------------------------------------


def _exercise(emu: ArrEmulator) -> dict[str, Any]:
    """Every endpoint, with the parameters qbitrr sends; returns the JSON answers."""
    profile = PROFILES[emu.app]
    ids = [emu.add_queue_item(_hash(n), title=f"Item {n}", media_id=n + 1) for n in range(5)]
    emu.set_health([{"source": "IndexerStatusCheck", "type": "warning", "message": "x"}])
    answers: dict[str, Any] = {
        "status": call(emu, "GET", "/system/status").json(),
        "health": call(emu, "GET", "/health").json(),
        "diskspace": call(emu, "GET", "/diskspace").json(),
        "downloadclient": call(emu, "GET", "/downloadclient").json(),
        "queue": call(
            emu,
            "GET",
            "/queue",
            query=[
                ("page", 1),
                ("pageSize", 2),
                ("sortKey", "timeleft"),
                ("sortDirection", "ascending"),
                (profile.unknown_items_param, "true"),
                ("protocol", "torrent"),
                (profile.media_ids_param, 1),
                (profile.media_ids_param, 2),
            ],
        ).json(),
        "command": call(
            emu, "POST", "/command", body={"name": SEARCH[emu.app], SEARCH_IDS[emu.app]: [1]}
        ).json(),
    }
    call(emu, "POST", "/command", body={"name": SCAN[emu.app]})
    flags = {"removeFromClient": "true", "blocklist": "true", "skipRedownload": "false"}
    assert call(emu, "DELETE", f"/queue/{ids[0]}", query=flags).status == 200
    flags["changeCategory"] = "false"
    assert call(emu, "DELETE", "/queue/bulk", query=flags, body={"ids": ids[1:3]}).status == 200
    call(emu, "GET", "/system/status", key=None, query={"apikey": API_KEY})
    return answers


def test_accepted_requests_conform_to_openapi(emu: ArrEmulator) -> None:
    specs = _need_specs()
    _exercise(emu)
    accepted = [r for r in emu.requests if r.accepted]
    assert len(accepted) == 10
    problems = _contract_problems(emu.app, accepted)
    assert not problems, problems
    # And every operation used is one the document defines.
    spec = specs[emu.app]
    assert all(spec.match_path(r.path) is not None for r in accepted)


def test_response_fields_declared_in_openapi(emu: ArrEmulator) -> None:
    spec = _need_specs()[emu.app]
    answers = _exercise(emu)
    base = emu.base_path

    def undeclared(
        keys: set[str], method: str, path: str, status: str = "200", **kw: Any
    ) -> set[str]:
        return keys - spec.response_fields(method, base + path, status, **kw)

    assert not undeclared(set(answers["status"]), "GET", "/system/status")
    assert not undeclared({k for h in answers["health"] for k in h}, "GET", "/health")
    assert not undeclared({k for d in answers["diskspace"] for k in d}, "GET", "/diskspace")
    clients = answers["downloadclient"]
    assert not undeclared({k for c in clients for k in c}, "GET", "/downloadclient")
    field_keys = {k for c in clients for f in c["fields"] for k in f}
    assert not undeclared(field_keys, "GET", "/downloadclient", at="fields")
    options = {
        k for c in clients for f in c["fields"] for o in f.get("selectOptions", []) for k in o
    }
    assert not undeclared(options, "GET", "/downloadclient", at="fields.selectOptions")
    queue = answers["queue"]
    assert not undeclared(set(queue), "GET", "/queue", unwrap_paging=False)
    records = queue["records"]
    assert records
    assert not undeclared({k for r in records for k in r}, "GET", "/queue")
    quality = {k for r in records for k in r["quality"]["quality"]}
    assert not undeclared(quality, "GET", "/queue", at="quality.quality")
    command = answers["command"]
    assert not undeclared(set(command), "POST", "/command", "201")
    # The command body carries the command's own fields (movieIds, ...), which the documents
    # leave out: the body schema is the base Command class.
    extra = undeclared(set(command["body"]), "POST", "/command", "201", at="body")
    assert extra == {SEARCH_IDS[emu.app]}
    # Enum-valued fields use the documents' values.
    assert records[0]["trackedDownloadStatus"] in spec.enum_values("TrackedDownloadStatus")
    assert records[0]["trackedDownloadState"] in spec.enum_values("TrackedDownloadState")
    assert records[0]["protocol"] in spec.enum_values("DownloadProtocol")
    assert command["status"] in spec.enum_values("CommandStatus")
    assert answers["health"][0]["type"] in spec.enum_values("HealthCheckResult")
    if emu.app != "lidarr":  # Lidarr's queue status is a plain string in its document
        assert records[0]["status"] in spec.enum_values("QueueStatus")


# --- OpenApiSpec itself ------------------------------------------------------------------------

_DOC: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "Mini", "version": "1"},
    "paths": {
        "/api/v3/queue": {
            "get": {
                "parameters": [
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "format": "int32"},
                    },
                    {"name": "includeX", "in": "query", "schema": {"type": "boolean"}},
                    {
                        "name": "ids",
                        "in": "query",
                        "schema": {"type": "array", "items": {"type": "integer"}},
                    },
                    {"name": "dir", "in": "query", "schema": {"$ref": "#/components/schemas/Dir"}},
                    {"name": "must", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ItemPagingResource"}
                            }
                        },
                    }
                },
            }
        },
        "/api/v3/queue/{id}": {
            "delete": {
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "format": "int32"},
                    },
                ],
                "responses": {"200": {"description": "OK"}},
            }
        },
        "/api/v3/queue/bulk": {
            "delete": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Bulk"}}
                    }
                },
                "responses": {"200": {"description": "OK"}},
            }
        },
        "/api/v3/command": {
            "post": {
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                        },
                    }
                }
            }
        },
    },
    "components": {
        "securitySchemes": {"apikey": {"type": "apiKey", "name": "apikey", "in": "query"}},
        "schemas": {
            "Dir": {"type": "string", "enum": ["ascending", "descending"]},
            "Bulk": {"type": "object", "properties": {"ids": {"type": "array"}}},
            "Item": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                },
            },
            "Tag": {"type": "object", "properties": {"label": {"type": "string"}}},
            "ItemPagingResource": {
                "type": "object",
                "properties": {
                    "page": {"type": "integer"},
                    "totalRecords": {"type": "integer"},
                    "records": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                },
            },
        },
    },
}


@pytest.fixture
def mini() -> OpenApiSpec:
    return OpenApiSpec(_DOC, name="mini")


def test_openapi_conforming_requests(mini: OpenApiSpec) -> None:
    ok = {
        "must": ["x"],
        "page": ["2"],
        "includeX": ["True"],
        "ids": ["1", "2"],
        "dir": ["ascending"],
    }
    assert mini.check_request("GET", "/api/v3/queue", ok) == []
    assert mini.check_request("get", "/api/v3/queue?must=x&apikey=secret", {}) == []
    assert mini.check_request("DELETE", "/api/v3/queue/12", {}) == []
    # A literal path wins over a template: "bulk" is not taken for an {id}.
    assert mini.check_request("DELETE", "/api/v3/queue/bulk", {}) == []
    assert mini.match_path("/api/v3/queue/bulk").template == "/api/v3/queue/bulk"  # type: ignore[union-attr]
    match = mini.match_path("/api/v3/queue/7")
    assert match is not None
    assert (match.template, dict(match.params)) == ("/api/v3/queue/{id}", {"id": "7"})


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v3/queues", {"must": "x"}, "no path in the spec matches"),
        ("GET", "/api/v3/queue/12", {}, "GET not defined for /api/v3/queue/{id}"),
        ("POST", "/api/v3/queue", {"must": "x"}, "POST not defined"),
        ("DELETE", "/api/v3/queue/abc", {}, "id='abc' in /api/v3/queue/{id}: not an integer"),
        ("DELETE", "/api/v3/queue/99999999999", {}, "out of int32 range"),
        ("GET", "/api/v3/queue", {"must": "x", "pageSize": "5"}, "'pageSize' is not declared"),
        ("GET", "/api/v3/queue", {"must": "x", "Page": "5"}, "did you mean 'page'"),
        ("GET", "/api/v3/queue", {"must": "x", "page": "one"}, "page='one': not an integer"),
        ("GET", "/api/v3/queue", {"must": "x", "page": ["1", "2"]}, "repeated but not an array"),
        ("GET", "/api/v3/queue", {"must": "x", "includeX": "1"}, "not a boolean"),
        ("GET", "/api/v3/queue", {"must": "x", "ids": ["1", "b"]}, "ids='b': not an integer"),
        ("GET", "/api/v3/queue", {"must": "x", "dir": "up"}, "not one of ascending, descending"),
        ("GET", "/api/v3/queue", {}, "required query parameter 'must' missing"),
    ],
)
def test_openapi_problems(
    mini: OpenApiSpec, method: str, path: str, query: dict[str, Any], expected: str
) -> None:
    problems = mini.check_request(method, path, query)
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_openapi_fields(mini: OpenApiSpec) -> None:
    assert mini.response_fields("GET", "/api/v3/queue") == {"id", "tags"}
    fields = mini.response_fields("GET", "/api/v3/queue", unwrap_paging=False)
    assert fields == {"page", "totalRecords", "records"}
    assert mini.response_fields("GET", "/api/v3/queue", at="tags") == {"label"}
    assert mini.response_fields("DELETE", "/api/v3/queue/1") == set()
    assert mini.response_fields("POST", "/api/v3/command", 201) == {"id", "tags"}
    with pytest.raises(KeyError, match="no 404 response"):
        mini.response_fields("POST", "/api/v3/command", 404)
    with pytest.raises(KeyError, match="not defined"):
        mini.response_fields("GET", "/api/v3/command")
    with pytest.raises(KeyError, match="no property"):
        mini.response_fields("GET", "/api/v3/queue", at="nope")
    assert mini.request_body_fields("DELETE", "/api/v3/queue/bulk") == {"ids"}
    assert mini.request_body_fields("GET", "/api/v3/queue") == set()


def test_spec_folder_absent(tmp_path: Path) -> None:
    assert spec_folder(tmp_path) is None
    with pytest.raises(FileNotFoundError):
        load_specs(tmp_path)


def test_real_specs_differ_per_app() -> None:
    specs = _need_specs()
    assert set(specs) == {"radarr", "sonarr", "lidarr"}
    radarr, sonarr, lidarr = specs["radarr"], specs["sonarr"], specs["lidarr"]
    assert radarr.check_request("GET", "/api/v3/queue", {"movieIds": ["1", "2"]}) == []
    assert sonarr.check_request("GET", "/api/v3/queue", {"movieIds": ["1"]})
    assert sonarr.check_request("GET", "/api/v3/queue", {"seriesIds": ["1"]}) == []
    assert lidarr.check_request("GET", "/api/v1/queue", {"artistIds": ["1"]}) == []
    assert lidarr.check_request("GET", "/api/v3/queue", {})  # Lidarr is v1
    assert "status" in lidarr.check_request("GET", "/api/v1/queue", {"status": "queued"})[0]
    for spec, base in ((radarr, "/api/v3"), (sonarr, "/api/v3"), (lidarr, "/api/v1")):
        assert spec.check_request("DELETE", f"{base}/queue/abc", {})
        assert spec.check_request("GET", f"{base}/queue/1", {})
        assert spec.response_fields("DELETE", f"{base}/queue/1") == set()
        assert spec.request_body_fields("DELETE", f"{base}/queue/bulk") == {"ids"}
        assert "downloadId" in spec.response_fields("GET", f"{base}/queue")


# --- command line ------------------------------------------------------------------------------


def _run_cli(*args: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.arr_emulator", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        _, err = process.communicate(timeout=10)
        pytest.fail(f"emulator CLI exited: {err}")
    return process, json.loads(line)


def _stop_cli(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err


def _get(url: str, key: str) -> Any:
    request = urllib.request.Request(url, headers={"X-Api-Key": key})  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


def test_cli_serves_until_sigterm() -> None:
    process, info = _run_cli("--app", "sonarr", "--port", "0", "--api-key", "CLIKEY")
    try:
        assert info["app"] == "sonarr"
        assert info["api_key"] == "CLIKEY"
        assert info["url"].startswith("http://127.0.0.1:")
        status = _get(info["url"] + "/api/v3/system/status", "CLIKEY")
        assert status["appName"] == "Sonarr"
    finally:
        _stop_cli(process)


@pytest.fixture(scope="module")
def qbt4(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QbittorrentServer]:
    """A real qBittorrent 4.x for the remover and the CLI's queue import."""
    _allow_loopback()
    if not Path(DEFAULT_QBT4_BIN).exists() and not shutil.which("qbittorrent-nox"):
        pytest.skip("qbittorrent-nox not installed")
    server = QbittorrentServer(4, tmp_path_factory.mktemp("qbt4-emulator")).start()
    try:
        yield server
    finally:
        server.stop()


def test_remover_deletes_real_torrent(
    qbt4: QbittorrentServer, emulators: Callable[..., ArrEmulator]
) -> None:
    client = qbt4.client()
    hashes = add_magnets(client, 2, category="emu-remover")
    try:

        def remover(info_hash: str) -> None:
            client.torrents_delete(delete_files=True, torrent_hashes=info_hash)

        emu = emulators("radarr", qbittorrent_remover=remover)
        ids = [emu.add_queue_item(h, title=h[:8]) for h in hashes]
        assert (
            call(emu, "DELETE", f"/queue/{ids[0]}", query={"removeFromClient": "true"}).status
            == 200
        )
        left = {t["hash"] for t in client.torrents_info(category="emu-remover")}
        assert left == {hashes[1]}
    finally:
        client.torrents_delete(delete_files=True, torrent_hashes="all")
        with contextlib.suppress(Exception):
            client.auth_log_out()


def test_cli_queue_from_qbittorrent(qbt4: QbittorrentServer) -> None:
    client = qbt4.client()
    hashes = add_magnets(client, 3, category="emu-cli")
    add_magnets(client, 1, category="elsewhere")
    process, info = _run_cli(
        "--app", "lidarr", "--api-key", "K",
        "--queue-from-qbittorrent", qbt4.url, qbt4.username, qbt4.password, "emu-cli",
    )  # fmt: skip
    try:
        queue = _get(info["url"] + "/api/v1/queue", "K")
        assert queue["totalRecords"] == 3
        assert {r["downloadId"] for r in queue["records"]} == {h.upper() for h in hashes}
        clients = _get(info["url"] + "/api/v1/downloadclient", "K")
        fields = {f["name"]: f.get("value") for f in clients[0]["fields"]}
        assert (fields["host"], fields["port"]) == ("127.0.0.1", qbt4.port)
        assert fields["musicCategory"] == "emu-cli"
        # Removing from the client deletes the torrent on the real server.
        queue_id = queue["records"][0]["id"]
        url = f"{info['url']}/api/v1/queue/{queue_id}?removeFromClient=true"
        request = urllib.request.Request(url, method="DELETE", headers={"X-Api-Key": "K"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200
        left = {str(t["hash"]).upper() for t in client.torrents_info(category="emu-cli")}
        assert queue["records"][0]["downloadId"] not in left
        assert len(left) == 2
    finally:
        _stop_cli(process)
        client.torrents_delete(delete_files=True, torrent_hashes="all")
        with contextlib.suppress(Exception):
            client.auth_log_out()
