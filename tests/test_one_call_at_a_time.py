"""One call at a time per qBittorrent server: a poll, a service and a category sync at once.

The poll, the services, the handler's steps and the background category sync each run an
executor job against the same `qbittorrentapi.Client`. When the server's session has expired,
every one of them that is in flight gets a 403 and logs in again; the library's login also
throws the HTTP session (and its cookie jar) away, so the threads race on the cookie. qbitrr
holds a lock per client around every call, so one server sees one call at a time: the first
caller logs in again, the others find the new session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import threading
from typing import Any, Final

from pytest_homeassistant_custom_component.common import MockConfigEntry
import qbittorrentapi

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.coordinator import QbitCoordinator
from custom_components.qbitrr.hub import HUB_KEY
from custom_components.qbitrr.policy.categories import CategorySyncResult
from devtools.arr_emulator import ArrEmulator
from devtools.fault_proxy import Fault, FaultProxy, RecordedRequest
from devtools.qbittorrent_server import PAUSED_STATES, QbittorrentServer, random_info_hash, wait_for
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant

from .conftest import add_arr_entry, async_wait_for, entry_data, setup_integration

NEW_CATEGORY: Final = "qbitrr-one-at-a-time"
# The first request of each of the three calls is held this long by the proxy, so without
# the lock all three are surely in flight, with the expired cookie, before any answer comes.
HOLD: Final = 1.5
# Every API request but the login; its first three matches are held.
_API_BUT_LOGIN: Final = r"^/api/v2/(?!auth/login$)"


def _add_magnet(server: QbittorrentServer, torrent_hash: str, category: str) -> None:
    api = server.client()
    api.torrents_add(urls=f"magnet:?xt=urn:btih:{torrent_hash}&dn=one-at-a-time", category=category)
    wait_for(
        lambda: any(t["hash"] == torrent_hash for t in api.torrents_info()), 30, message="added"
    )


def _state(server: QbittorrentServer, torrent_hash: str) -> str:
    return str(server.client().torrents_info(torrent_hashes=torrent_hash)[0]["state"])


def _seen_logins(proxy: FaultProxy, since: int) -> list[RecordedRequest]:
    """Logins after the first `since` requests that qBittorrent itself answered."""
    return [
        r
        for r in proxy.requests[since:]
        if r.method == "POST" and r.path == "/api/v2/auth/login" and r.upstream_status
    ]


async def test_poll_service_and_category_sync_at_once_log_in_once(
    hass: HomeAssistant, qbt: QbittorrentServer, radarr: ArrEmulator
) -> None:
    """Guards the per-client lock (`_one_at_a_time`).

    Without it the three executor jobs each send their first request with the expired
    cookie (the proxy holds each for a while, so they overlap for sure), each get 403 and
    each log in: three logins, and a login on one thread drops the session another thread
    is using, so some calls also fail (qbitrr's "session refused": the service raises, the
    category sync reports `unreachable`). With it: one login, three successes. (Checked by
    swapping the client's lock for a no-op: this test then fails on every run.)
    """
    torrent_hash = random_info_hash()
    _add_magnet(qbt, torrent_hash, "radarr")
    with FaultProxy(qbt.url) as proxy:
        data = entry_data(qbt, **{CONF_URL: proxy.url})
        entry = MockConfigEntry(
            domain=DOMAIN, title="qBittorrent via proxy", data=data, unique_id=data[CONF_URL]
        )
        entry.add_to_hass(hass)
        # Its category ("radarr-lock") is missing on the server: the set-up syncs it.
        add_arr_entry(hass, radarr, category="radarr-lock")
        await setup_integration(hass)
        coordinator = entry.runtime_data
        assert isinstance(coordinator, QbitCoordinator)
        assert coordinator.last_update_success
        assert "radarr-lock" in qbt.client().torrents_categories()
        assert NEW_CATEGORY not in qbt.client().torrents_categories()
        assert _state(qbt, torrent_hash) not in PAUSED_STATES
        categories = hass.data[HUB_KEY].categories

        proxy.expire_sessions()
        since = len(proxy.requests)
        proxy.inject(_API_BUT_LOGIN, Fault("delay", seconds=HOLD), times=3)

        results = await asyncio.gather(
            coordinator.async_refresh(),
            hass.services.async_call(
                DOMAIN,
                "pause_torrents",
                {"config_entry_id": entry.entry_id, "hashes": [torrent_hash]},
                blocking=True,
                return_response=True,
            ),
            categories.async_ensure(coordinator, frozenset({"radarr-lock", NEW_CATEGORY})),
            return_exceptions=True,
        )
        await hass.async_block_till_done(wait_background_tasks=True)
        assert not [r for r in results if isinstance(r, BaseException)], results
        refreshed, paused, synced = results
        assert isinstance(synced, CategorySyncResult)

        # The poll.
        assert refreshed is None
        assert coordinator.last_update_success, coordinator.last_exception
        assert torrent_hash in coordinator.data.torrents
        # The service.
        assert isinstance(paused, dict)
        instances: dict[str, Any] = dict(paused["instances"])  # type: ignore[arg-type]
        assert instances[entry.entry_id] == {
            "title": entry.title,
            "hashes": [torrent_hash],
            "error": None,
        }
        await async_wait_for(
            hass, lambda: _state(qbt, torrent_hash) in PAUSED_STATES, "paused on the server"
        )
        # The category sync.
        assert (synced.created, synced.failed) == ([NEW_CATEGORY], {})
        assert NEW_CATEGORY in qbt.client().torrents_categories()

        # The three held requests did meet the expired session, and one login renewed it.
        after = proxy.requests[since:]
        assert any(r.session_expired for r in after)
        assert sum(r.fault == "delay" for r in after) == 3
        logins = _seen_logins(proxy, since)
        assert len(logins) == 1, [(r.path, r.upstream_status) for r in after]
        await hass.config_entries.async_unload(entry.entry_id)


async def test_without_the_lock_a_shared_client_logs_in_once_per_thread(
    qbt: QbittorrentServer,
) -> None:
    """What the lock prevents, shown on qbittorrent-api alone (deterministic).

    The same three calls on one plain `qbittorrentapi.Client` shared by three threads, the
    first request of each held by the proxy so that all three carry the expired cookie: each
    thread gets its own 403 and logs in on its own, so the server sees three logins where
    one would do (and each login throws away the session the others are using, so some
    calls may even fail; that part depends on timing and is not asserted).
    """
    torrent_hash = random_info_hash()
    _add_magnet(qbt, torrent_hash, "radarr")
    with FaultProxy(qbt.url) as proxy:
        api = qbittorrentapi.Client(
            host=proxy.url,
            username=qbt.username,
            password=qbt.password,
            FORCE_SCHEME_FROM_HOST=True,
            SIMPLE_RESPONSES=True,
            REQUESTS_ARGS={"timeout": 30},
        )
        api.auth_log_in()
        api.sync_maindata(rid=0)
        proxy.expire_sessions()
        since = len(proxy.requests)
        proxy.inject(_API_BUT_LOGIN, Fault("delay", seconds=HOLD), times=3)

        calls: list[Callable[[], Any]] = [
            lambda: api.sync_maindata(rid=0),
            lambda: api.torrents_stop(torrent_hashes=[torrent_hash]),
            lambda: api.torrents_create_category(name=NEW_CATEGORY),
        ]
        start = threading.Barrier(len(calls))
        errors: list[BaseException] = []

        def run(call: Callable[[], Any]) -> None:
            start.wait()
            try:
                call()
            except qbittorrentapi.APIError as err:
                errors.append(err)

        threads = [threading.Thread(target=run, args=(call,)) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in threads)

        after = proxy.requests[since:]
        held = [r for r in after if r.fault == "delay"]
        assert len(held) == 3
        assert all(r.session_expired for r in held)
        # One login per thread at least (a failed retry of the version check may add more).
        assert len(_seen_logins(proxy, since)) >= len(calls), errors
