"""Which torrents are private, against real servers.

qBittorrent 5.x lists `private` with every torrent; 4.5 tells it only in a torrent's properties,
so the client asks each torrent there once, ever, and remembers the answer across polls and
resyncs. The fault proxy in front of the server counts those requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import parse_qs

import pytest

from custom_components.qbitrr.api import qbittorrent as qbit_api
from custom_components.qbitrr.api.qbittorrent import QbitConnectionError, QbittorrentClient
from custom_components.qbitrr.const import DOMAIN
from devtools.fault_proxy import FaultProxy, RecordedRequest
from devtools.qbittorrent_server import QbittorrentServer, random_info_hash, wait_for
from devtools.torrent_files import TorrentFile, random_torrent, write_data
from homeassistant.core import HomeAssistant

from .conftest import add_qbt_entry, setup_integration

MAINDATA = r"/api/v2/sync/maindata$"
PROPERTIES = r"/api/v2/torrents/properties$"


def _asked(proxy: FaultProxy) -> list[str]:
    """The hashes `torrents/properties` was asked for, oldest first."""
    return [_hash_of(r) for r in proxy.requests if r.path.endswith("/torrents/properties")]


def _hash_of(request: RecordedRequest) -> str:
    form = parse_qs(request.body.decode())
    return (request.query.get("hash") or form.get("hash") or [""])[0].lower()


def _add(server: QbittorrentServer, tracker: str, *, private: bool, seed: bool) -> TorrentFile:
    """Add a `.torrent` (seeding when its data is written first), listed with its tracker."""
    torrent, content = random_torrent(private=private, announce=tracker)
    if seed:
        write_data(server.save_path, torrent, content)
    api = server.client()
    api.torrents_add(torrent_files=[torrent.data])

    def tracked() -> bool:
        return any(t["tracker"] for t in api.torrents_info(torrent_hashes=torrent.info_hash))

    wait_for(tracked, 30, message=f"{torrent.name} announced")
    return torrent


def _add_magnet(server: QbittorrentServer) -> str:
    """A magnet that never gets its metadata: private or not, no one can tell."""
    magnet = random_info_hash()
    server.client().torrents_add(urls=f"magnet:?xt=urn:btih:{magnet}&dn=magnet")
    wait_for(lambda: server.client().torrents_info(torrent_hashes=magnet), message="magnet")
    return magnet


def _raw(server: QbittorrentServer, torrent: TorrentFile, key: str) -> int:
    """One number of a torrent's properties, as the server reports it."""
    value = server.client().torrents_properties(torrent_hash=torrent.info_hash)[key]
    assert isinstance(value, int)
    return value


@pytest.fixture
def proxy(qbt: QbittorrentServer) -> Iterator[FaultProxy]:
    """A fault proxy in front of the server, recording every request."""
    with FaultProxy(qbt.url) as running:
        yield running


def test_the_flag_is_known_on_both_versions_and_asked_once_on_4x(
    qbt: QbittorrentServer,
    proxy: FaultProxy,
    announce_tracker: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(qbit_api, "FULL_RESYNC_POLLS", 3)
    private = _add(qbt, announce_tracker, private=True, seed=True)
    public = _add(qbt, announce_tracker, private=False, seed=False)
    magnet = _add_magnet(qbt)
    client = QbittorrentClient(proxy.url, qbt.username, qbt.password)

    first = client.sync().maindata.torrents
    expected = {private.info_hash: 1, public.info_hash: 0, magnet: -1}
    assert {h: t.private for h, t in first.items()} == expected
    assert first[private.info_hash].tracker_host == "127.0.0.1"
    assert first[public.info_hash].tracker_host == "127.0.0.1"

    # Incremental polls, two periodic full resyncs, and a resync after an error.
    for _ in range(8):
        client.sync()
    proxy.inject(MAINDATA, "status_500")  # the library retries: not just once
    with pytest.raises(QbitConnectionError):
        client.sync()
    proxy.clear()
    resynced = client.sync()
    assert resynced.full_update
    assert client.full_syncs >= 4
    assert {h: t.private for h, t in resynced.maindata.torrents.items()} == expected
    # 4.x: once per torrent with metadata (the magnet is not asked); 5.x lists it: never.
    on_4x = qbt.major == 4
    assert sorted(_asked(proxy)) == (sorted([private.info_hash, public.info_hash]) if on_4x else [])

    # A torrent added later is asked once too; one that left is forgotten, so its return asks.
    proxy.clear_requests()
    later = _add(qbt, announce_tracker, private=True, seed=False)
    assert client.sync().maindata.torrents[later.info_hash].private == 1
    qbt.client().torrents_delete(delete_files=False, torrent_hashes=public.info_hash)
    assert public.info_hash not in client.sync().maindata.torrents
    qbt.client().torrents_add(torrent_files=[public.data])
    wait_for(lambda: qbt.client().torrents_info(torrent_hashes=public.info_hash))
    back = client.sync().maindata.torrents
    for _ in range(3):
        client.sync()
    assert back[public.info_hash].private == 0
    assert _asked(proxy) == ([later.info_hash, public.info_hash] if on_4x else [])


def test_torrent_properties_are_typed_and_spare_the_polls(
    qbt: QbittorrentServer,
    proxy: FaultProxy,
    announce_tracker: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private = _add(qbt, announce_tracker, private=True, seed=True)
    public = _add(qbt, announce_tracker, private=False, seed=False)
    api = qbt.client()
    wait_for(
        lambda: api.torrents_info(torrent_hashes=private.info_hash)[0]["progress"] == 1,
        message="checked complete",
    )
    client = QbittorrentClient(proxy.url, qbt.username, qbt.password)
    monkeypatch.setattr(qbit_api, "PRIVATE_ASKS_PER_POLL", 0)
    assert client.sync().maindata.torrents[private.info_hash].private == (
        -1 if qbt.major == 4 else 1
    )

    unknown = random_info_hash()
    before = {key: _raw(qbt, private, key) for key in ("seeding_time", "time_elapsed")}
    read = client.torrent_properties([private.info_hash, public.info_hash.upper(), unknown])
    after = {key: _raw(qbt, private, key) for key in ("seeding_time", "time_elapsed")}
    assert set(read) == {private.info_hash, public.info_hash.upper()}  # the unknown left out
    seeded, waiting = read[private.info_hash], read[public.info_hash.upper()]
    assert (seeded.private, waiting.private) == (1, 0)
    assert before["seeding_time"] <= seeded.seeding_time <= after["seeding_time"]
    assert before["time_elapsed"] <= seeded.time_active <= after["time_elapsed"]
    assert (seeded.total_downloaded, seeded.share_ratio) == (0, 0.0)
    assert (waiting.seeding_time, waiting.total_downloaded) == (0, 0)

    # What the call read is what polls would have asked: the flags show, nothing more is asked.
    monkeypatch.setattr(qbit_api, "PRIVATE_ASKS_PER_POLL", 20)
    torrents = client.sync().maindata.torrents
    assert (torrents[private.info_hash].private, torrents[public.info_hash].private) == (1, 0)
    client.sync()
    assert sorted(_asked(proxy)) == sorted([private.info_hash, public.info_hash, unknown])


@pytest.fixture
def qbt4(both_qbt: tuple[QbittorrentServer, QbittorrentServer]) -> QbittorrentServer:
    """The 4.5 server: the only one asked for flags."""
    return both_qbt[0]


def test_a_failed_ask_never_fails_the_poll(qbt4: QbittorrentServer, announce_tracker: str) -> None:
    first = _add(qbt4, announce_tracker, private=True, seed=False)
    second = _add(qbt4, announce_tracker, private=True, seed=False)
    with FaultProxy(qbt4.url) as proxy:
        client = QbittorrentClient(proxy.url, qbt4.username, qbt4.password)
        # A server error stops the asking until the next poll; the poll itself succeeds.
        proxy.inject(PROPERTIES, "status_500")
        polled = client.sync().maindata.torrents
        assert {t.private for t in polled.values()} == {-1}
        assert len(set(_asked(proxy))) == 1  # the first torrent asked (and retried) only
        proxy.clear()
        proxy.clear_requests()
        # A reply that is no answer marks that torrent unknown for good; the others go on.
        proxy.inject(PROPERTIES, "html_login_page", times=1)
        polled = client.sync().maindata.torrents
        refused, answered = _asked(proxy)
        assert {refused, answered} == {first.info_hash, second.info_hash}
        assert (polled[refused].private, polled[answered].private) == (-1, 1)
        client.sync()
        client.sync()
        assert len(_asked(proxy)) == 2


async def test_get_torrents_shows_private_and_tracker(
    hass: HomeAssistant, qbt: QbittorrentServer, announce_tracker: str
) -> None:
    private = await hass.async_add_executor_job(
        lambda: _add(qbt, announce_tracker, private=True, seed=True)
    )
    public = await hass.async_add_executor_job(
        lambda: _add(qbt, announce_tracker, private=False, seed=False)
    )
    magnet = await hass.async_add_executor_job(_add_magnet, qbt)
    add_qbt_entry(hass, qbt)
    await setup_integration(hass)

    listed = await hass.services.async_call(
        DOMAIN, "get_torrents", {}, blocking=True, return_response=True
    )
    assert listed is not None
    torrents = cast("list[dict[str, Any]]", listed["torrents"])
    shown = {t["hash"]: (t["private"], t["tracker"]) for t in torrents}
    assert shown == {
        private.info_hash: (True, "127.0.0.1"),
        public.info_hash: (False, "127.0.0.1"),
        magnet: (None, None),
    }


def test_asking_stops_when_a_poll_has_spent_its_time(
    qbt4: QbittorrentServer, announce_tracker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(qbit_api, "PRIVATE_ASK_SECONDS", 0.0)
    hashes = {_add(qbt4, announce_tracker, private=True, seed=False).info_hash for _ in range(2)}
    with FaultProxy(qbt4.url) as proxy:
        client = QbittorrentClient(proxy.url, qbt4.username, qbt4.password)
        polls = [client.sync().maindata.torrents for _ in range(3)]
        assert [sorted(t.private for t in torrents.values()) for torrents in polls] == [
            [-1, 1],
            [1, 1],
            [1, 1],
        ]
        assert sorted(_asked(proxy)) == sorted(hashes)
