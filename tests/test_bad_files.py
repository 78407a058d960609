"""Bad and dangerous files end to end: real qBittorrent 4.5 and 5.x servers, the emulator as
Radarr, Sonarr and Lidarr (every request checked against the apps' OpenAPI documents).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
import functools
import os
from pathlib import Path
from typing import Any
import uuid

import pytest

from custom_components.qbitrr.api.qbit_files import (
    EXCLUDED_NAMES,
    EXCLUDED_NAMES_ENABLED,
    QbitFiles,
)
from custom_components.qbitrr.api.qbittorrent import QbittorrentClient
from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.model.arr import ArrApp
from custom_components.qbitrr.options_flow import AREA_FILES
from custom_components.qbitrr.policy.files_options import (
    OPT_ALLOWED_EXTENSIONS,
    OPT_BLOCKED_EXTENSIONS,
    OPT_EXCLUDE_DANGEROUS,
    OPT_FILE_MODE,
    file_defaults,
)
from custom_components.qbitrr.qbit_options_flow import AREA_DANGEROUS_FILES
from devtools.arr_emulator import ArrEmulator
from devtools.openapi import OpenApiSpec, load_specs, spec_folder
from devtools.qbittorrent_server import QbittorrentServer, add_magnets, wait_for
from devtools.torrent_files import PIECE_LENGTH, TorrentFile, make_folder_torrent
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .conftest import ARR_KEYS, add_arr_entry, add_qbt_entry, setup_integration

REPO = Path(__file__).resolve().parents[1]
APPS = ("radarr", "sonarr", "lidarr")
GOOD = {"radarr": "movie.mkv", "sonarr": "episode.mkv", "lidarr": "01 - track.flac"}


@functools.cache
def _specs() -> dict[str, OpenApiSpec] | None:
    folder = spec_folder() or spec_folder(REPO.parent / "shared" / "arr-openapi")
    return load_specs(folder) if folder is not None else None


@pytest.fixture(params=APPS)
def arr(request: pytest.FixtureRequest, qbt: QbittorrentServer) -> Iterator[ArrEmulator]:
    """The emulator as one app, downloading on `qbt`; its traffic checked at teardown."""
    app = request.param

    def remove(torrent_hash: str) -> None:
        qbt.client().torrents_delete(delete_files=True, torrent_hashes=torrent_hash)

    with ArrEmulator(app, api_key=ARR_KEYS[app], qbittorrent_remover=remove) as emulator:
        emulator.set_download_clients(
            [emulator.qbittorrent_client(host="127.0.0.1", port=qbt.port, category=app)]
        )
        yield emulator
        specs = _specs()
        if specs is not None:
            problems = [
                problem
                for r in emulator.requests
                if r.accepted
                for problem in specs[app].check_request(r.method, r.path, r.query)
            ]
            assert not problems, problems


def _folder(files: Sequence[tuple[str, int]]) -> TorrentFile:
    """A multi-file torrent of random content (a new info-hash each time)."""
    return make_folder_torrent(
        f"Release-{uuid.uuid4().hex[:8]}", [(name, os.urandom(size)) for name, size in files]
    )


def _add(server: QbittorrentServer, torrent: TorrentFile, category: str) -> None:
    """Add without its data: an incomplete download whose file list the server knows."""
    api = server.client()
    api.torrents_add(torrent_files=[torrent.data], category=category)
    wait_for(
        lambda: api.torrents_files(torrent_hash=torrent.info_hash),
        message=f"{torrent.name} listed",
    )


def _priorities(server: QbittorrentServer, torrent: TorrentFile) -> dict[str, int]:
    rows = server.client().torrents_files(torrent_hash=torrent.info_hash)
    return {str(row["name"]).split("/", 1)[1]: int(row["priority"]) for row in rows}


def _queue(emulator: ArrEmulator, torrent: TorrentFile) -> None:
    extra: dict[str, Any] = {}
    if emulator.app == "sonarr":
        extra["episode_id"] = 501
    elif emulator.app == "lidarr":
        extra["album_id"] = 501
    emulator.add_queue_item(torrent.info_hash, title=torrent.name, media_id=42, **extra)


async def _handle(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "handle_torrents", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


def _without_results(response: dict[str, Any]) -> dict[str, Any]:
    def strip(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k not in {"result", "error"}} for r in rows]

    return {
        **response,
        "dry_run": None,
        "actions": strip(response["actions"]),
        "bad_files": strip(response["bad_files"]),
    }


async def test_bad_files_skipped_and_bad_releases_removed(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    arr: ArrEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = arr.app
    good = GOOD[app]
    mixed = _folder([(good, 3 * PIECE_LENGTH), ("setup.exe", PIECE_LENGTH), ("info.nfo", 100)])
    bad = _folder([("setup.exe", PIECE_LENGTH), ("run.bat", 200)])
    clean = _folder([(good, 2 * PIECE_LENGTH)])
    for torrent in (mixed, bad, clean):
        await hass.async_add_executor_job(_add, qbt, torrent, app)
        _queue(arr, torrent)
    add_qbt_entry(hass, qbt)
    add_arr_entry(hass, arr)
    await setup_integration(hass)
    asked: list[str] = []
    file_lists = QbitFiles.file_lists

    def spy(self: QbitFiles, hashes: Sequence[str]) -> Any:
        asked.extend(hashes)
        return file_lists(self, hashes)

    monkeypatch.setattr(QbitFiles, "file_lists", spy)

    dry = await _handle(hass, dry_run=True)
    assert sorted(asked) == sorted(t.info_hash for t in (mixed, bad, clean))
    assert arr.removals == []
    assert (await hass.async_add_executor_job(_priorities, qbt, mixed))["setup.exe"] == 1

    real = await _handle(hass)
    assert _without_results(real) == _without_results(dry)
    assert len(asked) == 3  # remembered: no list asked again
    assert [(a["hash"], a["rule"], a["action"], a["result"]) for a in real["actions"]] == [
        (bad.info_hash, "bad_files", "arr_remove", "done")
    ]
    assert real["actions"][0]["reason"] == (
        f"every wanted file is bad: {bad.name}/setup.exe, {bad.name}/run.bat"
    )
    assert [(r["hash"], r["files"], r["result"]) for r in real["bad_files"]] == [
        (mixed.info_hash, [f"{mixed.name}/setup.exe"], "done")
    ]
    assert real["summary"]["files_skipped"] == 1
    # Read back from the server: only the dangerous file is not downloaded.
    assert await hass.async_add_executor_job(_priorities, qbt, mixed) == {
        good: 1,
        "setup.exe": 0,
        "info.nfo": 1,
    }
    (removal,) = arr.removals
    assert (removal.download_id.lower(), removal.blocklist, removal.remove_from_client) == (
        bad.info_hash,
        True,
        True,
    )
    searched = [s.ids for s in arr.searches if s.source == "command"]
    assert searched == [(42,) if app == "radarr" else (501,)]
    left = {t["hash"] for t in await hass.async_add_executor_job(qbt.client().torrents_info)}
    assert left == {mixed.info_hash, clean.info_hash}

    again = await _handle(hass)
    assert (again["actions"], again["bad_files"], len(asked)) == ([], [], 3)


async def test_allowlist_and_rule_changes(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    radarr: ArrEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notes = _folder([("movie.mkv", 2 * PIECE_LENGTH), ("notes.txt", 100)])
    elsewhere = _folder([("notes.txt", 100)])
    await hass.async_add_executor_job(_add, qbt, notes, "radarr")
    await hass.async_add_executor_job(_add, qbt, elsewhere, "manual")
    (magnet,) = await hass.async_add_executor_job(
        functools.partial(add_magnets, qbt.client(), 1, category="radarr")
    )
    add_qbt_entry(hass, qbt)
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    asked: list[str] = []
    file_lists = QbitFiles.file_lists

    def spy(self: QbitFiles, hashes: Sequence[str]) -> Any:
        asked.extend(hashes)
        return file_lists(self, hashes)

    monkeypatch.setattr(QbitFiles, "file_lists", spy)
    assert (await _handle(hass))["bad_files"] == []  # a .txt is fine in the blocklist
    # Only its Arr's categories, only with metadata (a magnet has none yet).
    assert asked == [notes.info_hash]
    assert magnet.lower() != notes.info_hash

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert AREA_FILES in result["menu_options"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": AREA_FILES}
    )
    defaults = {key.schema: key.default() for key in result["data_schema"].schema}
    assert defaults == file_defaults(ArrApp.RADARR)
    for text, error in (("*.exe", "invalid_extension"), ("", "empty_allowlist")):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {**defaults, OPT_FILE_MODE: "allowlist", OPT_ALLOWED_EXTENSIONS: text},
        )
        assert result["errors"] == {OPT_ALLOWED_EXTENSIONS: error}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**defaults, OPT_FILE_MODE: "allowlist", OPT_ALLOWED_EXTENSIONS: "MKV, srt"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.options[OPT_ALLOWED_EXTENSIONS] == ".mkv .srt"
    assert entry.options[OPT_BLOCKED_EXTENSIONS] == defaults[OPT_BLOCKED_EXTENSIONS]

    # The entry reloaded, the rule changed: the list is judged again under the new rule.
    response = await _handle(hass)
    assert [(r["hash"], r["files"]) for r in response["bad_files"]] == [
        (notes.info_hash, [f"{notes.name}/notes.txt"])
    ]
    assert (await hass.async_add_executor_job(_priorities, qbt, notes))["notes.txt"] == 0
    assert asked == [notes.info_hash, notes.info_hash]


async def test_the_server_skips_dangerous_files_when_asked(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    api = qbt.client()
    api.app_set_preferences({EXCLUDED_NAMES: "*.tmp", EXCLUDED_NAMES_ENABLED: False})
    try:
        entry = add_qbt_entry(hass, qbt)
        add_arr_entry(hass, radarr)
        await setup_integration(hass)
        result = await hass.config_entries.options.async_init(entry.entry_id)
        assert AREA_DANGEROUS_FILES in result["menu_options"]
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"next_step_id": AREA_DANGEROUS_FILES}
        )
        assert [key.default() for key in result["data_schema"].schema] == [False]
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {OPT_EXCLUDE_DANGEROUS: True}
        )
        await hass.async_block_till_done(wait_background_tasks=True)
        assert entry.options[OPT_EXCLUDE_DANGEROUS] is True

        await _handle(hass, dry_run=True)  # a dry run changes nothing
        assert api.app_preferences()[EXCLUDED_NAMES_ENABLED] is False
        await _handle(hass)
        preferences = api.app_preferences()
        patterns = str(preferences[EXCLUDED_NAMES]).split("\n")
        assert preferences[EXCLUDED_NAMES_ENABLED] is True
        assert patterns[0] == "*.tmp"  # the user's own stay
        assert {"*.exe", "*.scr", "*.lnk", "*.hta"} <= set(patterns)

        # The server itself now skips them when a torrent is added, whatever its category.
        added = _folder([("movie.mkv", 2 * PIECE_LENGTH), ("setup.exe", 100)])
        await hass.async_add_executor_job(_add, qbt, added, "manual")
        priorities = await hass.async_add_executor_job(_priorities, qbt, added)
        assert priorities == {"movie.mkv": 1, "setup.exe": 0}
    finally:
        api.app_set_preferences({EXCLUDED_NAMES: "", EXCLUDED_NAMES_ENABLED: False})


async def test_a_server_gone_mid_run(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    mixed = [_folder([("movie.mkv", 2 * PIECE_LENGTH), (f"x{n}.exe", 100)]) for n in range(2)]
    for torrent in mixed:
        await hass.async_add_executor_job(_add, qbt, torrent, "radarr")
    entry = add_qbt_entry(hass, qbt)
    hass.config_entries.async_update_entry(entry, options={OPT_EXCLUDE_DANGEROUS: True})
    add_arr_entry(hass, radarr)
    await setup_integration(hass)
    dry = await _handle(hass, dry_run=True)
    assert [r["result"] for r in dry["bad_files"]] == ["planned", "planned"]
    await hass.async_add_executor_job(qbt.stop)

    # The lists are remembered; setting the files fails, reported per torrent, nothing raised.
    real = await _handle(hass)
    assert [(r["result"], r["error"]) for r in real["bad_files"]] == [
        ("failed", "unreachable"),
        ("failed", "unreachable"),
    ]
    await hass.async_add_executor_job(qbt.restart)


async def test_file_requests_on_real_servers(qbt: QbittorrentServer) -> None:
    client = QbittorrentClient(qbt.url, qbt.username, qbt.password)
    api = qbt.client()
    try:
        torrent = _folder([("a.mkv", 2 * PIECE_LENGTH), ("b.exe", 100), ("c.js", 100)])
        _add(qbt, torrent, "")
        (rows,) = client.file_lists([torrent.info_hash, "0" * 40]).values()  # unknown: left out
        assert [(f.file_id, f.name.split("/")[1], f.priority) for f in rows] == [
            (0, "a.mkv", 1),
            (1, "b.exe", 1),
            (2, "c.js", 1),
        ]
        client.skip_files(torrent.info_hash, [2, 1])
        assert _priorities(qbt, torrent) == {"a.mkv": 1, "b.exe": 0, "c.js": 0}
        assert client.exclude_file_names(["*.exe"]) is True
        assert client.exclude_file_names(["*.exe"]) is False  # nothing left to add
    finally:
        api.app_set_preferences({EXCLUDED_NAMES: "", EXCLUDED_NAMES_ENABLED: False})
        client.close()
