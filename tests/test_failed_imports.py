"""Blocked imports and unmonitored media end to end: real qBittorrent 4.5 and 5.x servers, the
emulator as Radarr, Sonarr and Lidarr, every request checked against the apps' OpenAPI.
"""

from __future__ import annotations

from collections.abc import Iterator
import functools
import json
from pathlib import Path
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs
import urllib.request

import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.qbitrr.api.arr import APPS as APP_TRAITS, parse_queue_record
from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.handling import planning, runner
from custom_components.qbitrr.handling.approvals import hold_removals
from custom_components.qbitrr.handling.report import EVENT_IMPORT_BLOCKED
from custom_components.qbitrr.model.arr import ArrApp
from custom_components.qbitrr.policy.model import (
    DEFAULT_IMPORT_PATTERNS,
    TAG_OBSOLETE,
    ImportReport,
    Plan,
    PolicyInput,
    Settings,
)
from custom_components.qbitrr.policy.options import (
    OPT_IMPORT_BLOCKED_DELAY,
    OPT_IMPORT_PATTERNS,
    OPT_REMOVE_UNMONITORED,
    settings_from_options,
)
from devtools.arr_emulator import ArrEmulator
from devtools.openapi import OpenApiSpec, load_specs, spec_folder
from devtools.qbittorrent_server import QbittorrentServer, wait_for
from devtools.torrent_files import TorrentFile, random_torrent, write_data
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .conftest import ARR_KEYS, add_arr_entry, add_qbt_entry, setup_integration

REPO = Path(__file__).resolve().parents[1]
APPS = ("radarr", "sonarr", "lidarr")
KNOWN = {
    "radarr": "Not an upgrade for existing movie file(s)",
    "sonarr": "Not an upgrade for existing episode file(s)",
    "lidarr": "Not an upgrade for existing album file(s)",
}
UNKNOWN = "Destination path is on a read-only file system"
DELAY_MIN = 30


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
            spec = specs[app]
            problems = [
                problem
                for r in emulator.requests
                if r.accepted
                for problem in spec.check_request(r.method, r.path, r.query)
            ]
            assert not problems, problems


def _seeding(server: QbittorrentServer, category: str, *, private: bool = False) -> TorrentFile:
    """A complete torrent (its data written first) seeding in `category`."""
    torrent, content = random_torrent(private=private)
    write_data(server.save_path, torrent, content)
    api = server.client()
    api.torrents_add(torrent_files=[torrent.data], category=category)

    def complete() -> bool:
        found = api.torrents_info(torrent_hashes=torrent.info_hash)
        return bool(found) and found[0]["progress"] == 1

    wait_for(complete, 30, message=f"{torrent.name} complete")
    return torrent


def _blocked(emulator: ArrEmulator, torrent: TorrentFile, message: str, records: int = 1) -> None:
    """Queue records of one download its app cannot import (a season pack: several)."""
    for n in range(records):
        extra: dict[str, Any] = {}
        if emulator.app == "sonarr":
            extra["episode_id"] = 500 + n
        elif emulator.app == "lidarr":
            extra["album_id"] = 500 + n
        emulator.add_queue_item(
            torrent.info_hash,
            title=torrent.name,
            media_id=42 if emulator.app == "radarr" else 9,
            status="completed",
            tracked_download_status="warning",
            tracked_download_state="importBlocked",
            status_messages=[{"title": torrent.name, "messages": [message]}],
            sizeleft=0,
            **extra,
        )


def _later(monkeypatch: pytest.MonkeyPatch, minutes: int) -> None:
    """Make the runner's clock run `minutes` ahead (the servers keep real time)."""
    later = SimpleNamespace(time=lambda: time.time() + minutes * 60)
    monkeypatch.setattr(runner, "time", later)
    monkeypatch.setattr(planning, "time", later)


async def _handle(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN, "handle_torrents", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


def _without_results(response: dict[str, Any]) -> dict[str, Any]:
    actions = [
        {k: v for k, v in a.items() if k not in {"result", "error"}} for a in response["actions"]
    ]
    return {**response, "dry_run": None, "actions": actions}


def _hashes(server: QbittorrentServer) -> dict[str, str]:
    return {str(t["hash"]): str(t["tags"]) for t in server.client().torrents_info()}


async def test_blocked_import_removed_or_reported(
    hass: HomeAssistant,
    qbt: QbittorrentServer,
    arr: ArrEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = arr.app
    known, unknown = _seeding(qbt, app), _seeding(qbt, app)
    private = _seeding(qbt, app, private=True)
    episodes = 3 if app != "radarr" else 1  # a season pack, a discography
    _blocked(arr, known, KNOWN[app], records=episodes)
    _blocked(arr, unknown, UNKNOWN)
    _blocked(arr, private, KNOWN[app])
    add_qbt_entry(hass, qbt)
    entry = add_arr_entry(hass, arr, options={OPT_IMPORT_BLOCKED_DELAY: DELAY_MIN})
    await setup_integration(hass)
    events = async_capture_events(hass, EVENT_IMPORT_BLOCKED)

    first = await _handle(hass)  # first seen blocked: the clock starts
    assert first["actions"] == []
    assert first["unmatched_imports"] == []
    _later(monkeypatch, DELAY_MIN - 1)
    assert (await _handle(hass))["actions"] == []

    _later(monkeypatch, DELAY_MIN)
    dry = await _handle(hass, dry_run=True)
    assert arr.removals == []
    real = await _handle(hass)
    assert _without_results(real) == _without_results(dry)

    planned = {a["hash"]: a for a in real["actions"]}
    assert set(planned) == {known.info_hash, private.info_hash}
    assert {(a["rule"], a["result"]) for a in planned.values()} == {("import_blocked", "done")}
    assert planned[known.info_hash]["action"] == "arr_remove"
    # Private, short of its tracker's minimum: out of the queue, still seeding in qBittorrent.
    assert planned[private.info_hash]["action"] == "arr_remove_keep"
    (report,) = real["unmatched_imports"]
    assert (report["hash"], report["arr"], report["messages"]) == (
        unknown.info_hash,
        entry.entry_id,
        [UNKNOWN],
    )
    assert (report["state"], report["status"]) == ("importBlocked", "warning")
    assert real["summary"]["unmatched_imports"] == 1
    assert [(e.data["hash"], e.data["dry_run"]) for e in events[-2:]] == [
        (unknown.info_hash, True),
        (unknown.info_hash, False),
    ]

    removals = {(r.download_id.lower(), r.requested) for r in arr.removals}
    assert (known.info_hash, True) in removals
    assert sum(1 for r in arr.removals if r.requested) == 2  # one request per download
    assert all(r.blocklist for r in arr.removals)
    searched = sorted(i for s in arr.searches if s.source == "command" for i in s.ids)
    media = [42] if app == "radarr" else [500 + n for n in range(episodes)]
    assert searched == sorted([*media, media[0]])  # the pack's every one, the private one's
    assert [r["downloadId"].lower() for r in arr.queue] == [unknown.info_hash]

    left = await hass.async_add_executor_job(_hashes, qbt)
    assert known.info_hash not in left
    assert unknown.info_hash in left
    assert TAG_OBSOLETE in left[private.info_hash]


async def test_unmonitored_removed_without_search(
    hass: HomeAssistant, qbt: QbittorrentServer, arr: ArrEmulator
) -> None:
    app = arr.app
    dropped, wanted = _seeding(qbt, app), _seeding(qbt, app)
    for torrent, monitored in ((dropped, False), (wanted, True)):
        arr.add_queue_item(
            torrent.info_hash,
            title=torrent.name,
            status="completed",
            tracked_download_state="importPending",
            monitored=monitored,
            parent_monitored=True,
        )
    add_qbt_entry(hass, qbt)
    add_arr_entry(hass, arr, options={OPT_REMOVE_UNMONITORED: True})
    await setup_integration(hass)

    response = await _handle(hass)

    assert [(a["hash"], a["rule"], a["action"], a["result"]) for a in response["actions"]] == [
        (dropped.info_hash, "unmonitored", "arr_remove", "done")
    ]
    (removal,) = arr.removals
    assert (removal.download_id.lower(), removal.blocklist, removal.remove_from_client) == (
        dropped.info_hash,
        False,
        True,
    )
    assert arr.searches == []
    left = await hass.async_add_executor_job(_hashes, qbt)
    assert dropped.info_hash not in left
    assert wanted.info_hash in left
    # The queue was read with its media, and the embedded fields are the documents' own.
    media_params = {"radarr": {"includeMovie"}, "sonarr": {"includeSeries", "includeEpisode"}}
    wanted_params = media_params.get(app, {"includeArtist", "includeAlbum"})
    queue_reads = [r for r in arr.requests if r.path.endswith("/queue") and r.method == "GET"]
    assert queue_reads
    assert all(wanted_params <= set(r.query) for r in queue_reads)


@pytest.mark.parametrize("app", APPS)
def test_embedded_media_fields_are_declared(app: str) -> None:
    specs = _specs()
    if specs is None:
        pytest.skip("OpenAPI documents not found (../shared/arr-openapi)")
    spec = specs[app]
    params = {
        "radarr": "includeMovie=true",
        "sonarr": "includeSeries=true&includeEpisode=true",
        "lidarr": "includeArtist=true&includeAlbum=true",
    }[app]
    with ArrEmulator(app, api_key=ARR_KEYS[app]) as arr:  # type: ignore[arg-type]
        arr.add_queue_item("ab" * 20, title="Some.Release", monitored=False)
        reply = _get(arr, f"/queue?{params}")
        assert not spec.check_request("GET", arr.base_path + "/queue", parse_qs(params))
    (record,) = reply["records"]
    embedded = {
        k: v for k, v in record.items() if k in {"movie", "series", "episode", "artist", "album"}
    }
    assert embedded
    for key, media in embedded.items():
        declared = spec.response_fields("GET", arr.base_path + "/queue", "200", at=key)
        assert set(media) <= declared, (key, set(media) - declared)
    assert any(media["monitored"] is False for media in embedded.values())


def _get(emulator: ArrEmulator, path: str) -> dict[str, Any]:
    url = emulator.api_url + path  # loopback http only
    request = urllib.request.Request(url, headers={"X-Api-Key": emulator.api_key})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
        payload: dict[str, Any] = json.loads(reply.read())
    return payload


async def test_imports_options_validate_patterns(hass: HomeAssistant, radarr: ArrEmulator) -> None:
    entry = add_arr_entry(hass, radarr)
    await setup_integration(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "imports"}
    )
    form = result["data_schema"]
    assert form is not None
    shown = {key.schema: key.default() for key in form.schema}
    assert shown[OPT_IMPORT_PATTERNS] == "\n".join(DEFAULT_IMPORT_PATTERNS)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**shown, OPT_IMPORT_PATTERNS: "sample\n/(unclosed/"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {OPT_IMPORT_PATTERNS: "invalid_import_pattern"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            **shown,
            OPT_IMPORT_PATTERNS: " Sample \n\n/^not an? upgrade/\nsample",
            OPT_REMOVE_UNMONITORED: True,
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[OPT_IMPORT_PATTERNS] == "sample\n/^not an? upgrade/"
    settings = settings_from_options(entry.options)
    assert settings.import_patterns == ("sample", "/^not an? upgrade/")
    assert settings.remove_unmonitored is True
    # The queue is now read with its media: the entry reloaded with the option on.
    await entry.runtime_data.async_refresh()
    reads = [r for r in radarr.requests if r.method == "GET" and r.path.endswith("/queue")]
    assert "includeMovie" not in reads[0].query
    assert reads[-1].query.get("includeMovie") == ["true"]


def test_queue_record_fields_are_read() -> None:
    record = {
        "id": 5,
        "downloadId": "ABC",
        "episodeId": 77,
        "trackedDownloadState": "importBlocked",
        "trackedDownloadStatus": "warning",
        "statusMessages": [
            {"title": "Show.S01E01.mkv", "messages": ["Sample", " "]},
            # Some messages are only a title (the apps put the reason there).
            {"title": "One or more episodes expected were missing", "messages": []},
            {"title": "Show.S01E01.mkv", "messages": ["Sample"]},
            "not a message",
        ],
        "series": {"id": 1, "monitored": False},
        "episode": {"id": 77, "monitored": True},
    }
    item = parse_queue_record(record, APP_TRAITS[ArrApp.SONARR])
    assert item is not None
    assert (item.torrent_hash, item.media_id) == ("abc", 77)
    assert (item.tracked_state, item.tracked_status) == ("importBlocked", "warning")
    assert item.status_messages == ("Sample", "One or more episodes expected were missing")
    assert item.monitored is False  # an episode of an unmonitored series is not wanted
    bare = parse_queue_record({"id": 6, "statusMessages": None}, APP_TRAITS[ArrApp.RADARR])
    assert bare is not None
    assert (bare.tracked_state, bare.status_messages, bare.monitored) == ("", (), None)
    movie = parse_queue_record({"id": 7, "movie": {"monitored": True}}, APP_TRAITS[ArrApp.RADARR])
    assert movie is not None
    assert movie.monitored is True


def test_held_removals_keep_the_import_reports() -> None:
    """Asking before removing holds the removal; the unmatched reports stay in the plan."""
    report = ImportReport("a", "h" * 40, "n", "arr", 1, "importBlocked", "warning", ("odd",), 0)
    data = PolicyInput(
        0, (), frozenset(), {"arr": ("radarr", Settings(ask_before_removing=True))}, {}, {}
    )
    held = hold_removals([(data, Plan((), (), {}, unmatched_imports=(report,)))])
    assert held.plans[0][1].unmatched_imports == (report,)
