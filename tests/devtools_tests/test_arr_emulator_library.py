"""The emulator's library side (wanted lists, import history, scan/search commands) and qbitrr's
client of it (`api/arr_library.py`), each request and answer checked against the OpenAPI
documents of Radarr, Sonarr and Lidarr."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
import functools
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
import pytest_socket

from custom_components.qbitrr.api.arr import ArrClient, ArrError, ArrNotArrError
from custom_components.qbitrr.api.arr_library import ArrLibrary, WantedList, group_imports
from custom_components.qbitrr.model.arr import ArrApp
from devtools.arr_emulator import ArrEmulator
from devtools.openapi import OpenApiSpec, load_specs, spec_folder

API_KEY = "0123456789abcdef0123456789abcdef"
REPO = Path(__file__).resolve().parents[2]
HASH = "ab" * 20
# Command bodies carry each command's own fields, which the documents leave out (their
# schema is the base Command class), as `movieIds` for the searches.
UNDECLARED_COMMAND_FIELDS = {
    "radarr": {"movieIds", "path", "downloadClientId", "importMode"},
    "sonarr": {"episodeIds", "path", "downloadClientId", "importMode"},
    "lidarr": {"albumIds", "path", "downloadClientId", "importMode"},
}
EVENT_TYPES = {
    "radarr": "MovieHistoryEventType",
    "sonarr": "EpisodeHistoryEventType",
    "lidarr": "EntityHistoryEventType",
}


@functools.cache
def _specs() -> dict[str, OpenApiSpec] | None:
    folder = spec_folder() or spec_folder(REPO.parent / "shared" / "arr-openapi")
    return load_specs(folder) if folder is not None else None


@pytest.fixture(params=["radarr", "sonarr", "lidarr"])
def emu(request: pytest.FixtureRequest) -> Iterator[ArrEmulator]:
    """One emulator per app; every request it accepted must be one the real app accepts."""
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(["127.0.0.1"], allow_unix_socket=True)
    with ArrEmulator(request.param, api_key=API_KEY) as emulator:
        yield emulator
    specs = _specs()
    if specs is not None:
        spec = specs[emulator.app]
        problems = [
            problem
            for r in emulator.requests
            if r.accepted
            for problem in spec.check_request(r.method, r.path, r.query)
        ]
        assert not problems, problems


@pytest.fixture
async def client(emu: ArrEmulator) -> AsyncIterator[ArrClient]:
    async with aiohttp.ClientSession() as session:
        yield ArrClient(session, emu.url, API_KEY, app=ArrApp(emu.app))


def _fill(emu: ArrEmulator) -> None:
    library = emu.library
    library.add_item(1, "Never Searched", parent_title="Show", season=2, episode=3)
    library.add_item(2, "Searched Long Ago", last_search_time="2024-01-01T00:00:00Z")
    library.add_item(3, "Searched Lately", last_search_time="2025-06-01T00:00:00Z")
    library.add_item(4, "Unmonitored", monitored=False)
    library.add_item(5, "Has File", missing=False)
    library.add_item(6, "Below Cutoff", missing=False, cutoff_unmet=True)


async def test_wanted_lists_least_recently_searched_first(
    emu: ArrEmulator, client: ArrClient
) -> None:
    _fill(emu)
    library = ArrLibrary(client)
    missing = await library.wanted(WantedList.MISSING, 1)
    assert [item.id for item in missing.items] == [1, 2, 3]
    assert missing.total == 3
    assert missing.items[1].last_search_time == "2024-01-01T00:00:00Z"
    titles = {"radarr": "Never Searched (2024)", "sonarr": "Show S02E03"}
    assert missing.items[0].title == titles.get(emu.app, "Show - Never Searched")
    second = await library.wanted(WantedList.MISSING, 2, page_size=2)
    assert [item.id for item in second.items] == [3]
    cutoff = await library.wanted(WantedList.CUTOFF_UNMET, 1)
    assert [item.id for item in cutoff.items] == [6]


async def test_scan_command_imports_a_grabbed_download(emu: ArrEmulator, client: ArrClient) -> None:
    _fill(emu)
    library = ArrLibrary(client)
    since = datetime.now(UTC).replace(microsecond=0)
    emu.library.add_grab(HASH, [1, 2], "Release.2024.1080p")
    await library.request_import(HASH, "/downloads/Release.2024.1080p")
    scan = emu.commands[-1]
    assert scan["downloadClientId"] == HASH.upper()
    assert scan["path"] == "/downloads/Release.2024.1080p"
    assert scan["importMode"] == "Auto"
    (imported,) = await library.imports_since(since)
    assert imported.torrent_hash == HASH
    assert imported.release == "Release.2024.1080p"
    assert imported.quality == emu.profile.quality["name"]
    assert imported.media_ids == (1, 2)
    assert imported.history_id == 2
    assert not emu.library.item(1).missing
    assert await library.imports_since(since + timedelta(days=1)) == []
    # An unknown download imports nothing.
    await library.request_import("cd" * 20, "/downloads/other")
    assert len(emu.library.history) == 2


async def test_search_command_stamps_last_search_time(emu: ArrEmulator, client: ArrClient) -> None:
    _fill(emu)
    await client.search([1])
    assert emu.library.item(1).last_search_time is not None
    assert emu.library.item(2).last_search_time == "2024-01-01T00:00:00Z"


async def test_answers_use_the_documents_fields(emu: ArrEmulator, client: ArrClient) -> None:
    specs = _specs()
    if specs is None:
        pytest.skip("OpenAPI documents not found (../shared/arr-openapi)")
    spec = specs[emu.app]
    _fill(emu)
    emu.library.add_grab(HASH, [1], "Release")
    await ArrLibrary(client).request_import(HASH, "/downloads/Release")
    base = emu.base_path
    includes = {"radarr": ["includeMovie"], "sonarr": ["includeSeries", "includeEpisode"]}
    params: dict[str, Any] = dict.fromkeys(
        includes.get(emu.app, ["includeArtist", "includeAlbum"]), "true"
    )
    history = await client.call("GET", "/history/since", params={"date": "2020-01-01", **params})
    assert not spec.undeclared({k for r in history for k in r}, "GET", f"{base}/history/since")
    for nested in ("movie", "series", "episode", "album", "artist"):
        if nested in history[0]:
            keys = set(history[0][nested])
            assert not spec.undeclared(keys, "GET", f"{base}/history/since", at=nested)
    assert history[0]["eventType"] in spec.enum_values(EVENT_TYPES[emu.app])
    parent = {"sonarr": "includeSeries", "lidarr": "includeArtist"}.get(emu.app)
    for which in ("missing", "cutoff"):
        page = await client.call(
            "GET", f"/wanted/{which}", params={parent: "true"} if parent else None
        )
        path = f"{base}/wanted/{which}"
        assert not spec.undeclared(set(page), "GET", path, unwrap_paging=False)
        assert not spec.undeclared({k for r in page["records"] for k in r}, "GET", path)
    command = await client.call("POST", "/command", body=emu.commands[-1])
    extra = spec.undeclared(set(command["body"]), "POST", f"{base}/command", "201", at="body")
    assert extra <= UNDECLARED_COMMAND_FIELDS[emu.app]


def test_history_records_group_per_download() -> None:
    records = [
        {"id": 7, "downloadId": "AA", "episode": {"seasonNumber": 1, "episodeNumber": 2}},
        {"id": 9, "downloadId": "AA", "episode": {"seasonNumber": 1, "episodeNumber": 1}},
        {"id": 8, "downloadId": "BB", "episode": {"seasonNumber": 1, "episodeNumber": 5}},
        {"id": 10, "downloadId": "CC", "episode": {"seasonNumber": 2, "episodeNumber": 1}},
        {"id": 11, "downloadId": "CC", "episode": {"seasonNumber": 3, "episodeNumber": 1}},
        {"id": "x"},
        "not a record",
    ]
    grouped = group_imports(ArrApp.SONARR, records)
    assert [(g.history_id, g.torrent_hash, g.title) for g in grouped] == [
        (8, "bb", "S01E05"),
        (9, "aa", "S01E01-E02"),
        (11, "cc", "2 episodes"),
    ]
    with pytest.raises(ArrNotArrError):
        group_imports(ArrApp.RADARR, {"records": []})


class _Canned(ArrClient):
    """A client whose every request answers the same payload."""

    def __init__(self, app: ArrApp | None, payload: object) -> None:
        super().__init__(cast("aiohttp.ClientSession", None), "http://arr", API_KEY, app=app)
        self.payload = payload

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.payload


async def test_odd_answers_are_typed_or_refused() -> None:
    wanted = await ArrLibrary(
        _Canned(ArrApp.RADARR, {"records": [{"title": None}, {"id": 3}, "x"], "totalRecords": 2})
    ).wanted(WantedList.MISSING, 1)
    assert [(item.id, item.title) for item in wanted.items] == [(3, "3")]
    with pytest.raises(ArrNotArrError):
        await ArrLibrary(_Canned(ArrApp.LIDARR, [])).wanted(WantedList.CUTOFF_UNMET, 1)
    with pytest.raises(ArrError):
        await ArrLibrary(_Canned(None, [])).imports_since(datetime.now(UTC))
    (no_numbers,) = group_imports(ArrApp.SONARR, [{"id": 1, "series": {"title": "Show"}}])
    assert (no_numbers.title, no_numbers.torrent_hash) == ("Show", None)
