"""The removal approval blueprint end to end: real qBittorrent, the Radarr emulator, a phone."""

from __future__ import annotations

from pathlib import Path

from devtools.qbittorrent_server import QbittorrentServer
from homeassistant.core import HomeAssistant, ServiceCall

from ..conftest import async_wait_for
from ..test_approvals import asking_setup, call, radarr_downloading_to, torrents
from .common import use_blueprint

MOVIE_ID = 17  # the first queued torrent's movie (see asking_setup)


async def test_the_phone_removes_or_keeps_each_held_torrent(
    hass: HomeAssistant,
    blueprint_config_dir: Path,
    phone: tuple[str, list[ServiceCall]],
    qbt: QbittorrentServer,
) -> None:
    device_id, notifications = phone
    with radarr_downloading_to(qbt) as radarr:
        server, arr, (doomed, kept) = await asking_setup(hass, qbt, radarr, count=2)
        await use_blueprint(hass, "removal_approval.yaml", {"notify_device": device_id})

        await call(hass, "handle_torrents")  # the first strike: nothing to ask yet
        await hass.async_block_till_done()
        assert notifications == []
        await call(hass, "handle_torrents")  # the last strike: both held, both asked
        await hass.async_block_till_done()
        by_hash = {n.data["data"]["tag"].removeprefix("qbitrr-"): n.data for n in notifications}
        assert set(by_hash) == {doomed.info_hash, kept.info_hash}
        asked = by_hash[doomed.info_hash]
        assert asked["title"] == f"Remove {doomed.name}?"
        assert asked["message"].startswith(f"{arr.title} would remove it from {server.title}: ")
        remove, keep = asked["data"]["actions"]
        assert remove == {
            "action": f"QBITRR_REMOVE_{server.entry_id}_{doomed.info_hash}",
            "title": "Remove",
        }
        assert keep["title"] == "Keep"
        # Another run while they wait asks nothing more.
        await call(hass, "handle_torrents")
        await hass.async_block_till_done()
        assert len(notifications) == 2

        # An answer of some other automation's notification is not ours.
        hass.bus.async_fire("mobile_app_notification_action", {"action": "OPEN_GARAGE"})
        await hass.async_block_till_done()
        assert radarr.removals == []

        # Remove, from the phone: through Radarr with blocklist, then one search.
        hass.bus.async_fire("mobile_app_notification_action", {"action": remove["action"]})
        await hass.async_block_till_done()
        assert [
            (r.download_id.lower(), r.remove_from_client, r.blocklist) for r in radarr.removals
        ] == [(doomed.info_hash, True, True)]
        assert [(s.name, s.ids) for s in radarr.searches if s.source == "command"] == [
            ("MoviesSearch", (MOVIE_ID,))
        ]
        await async_wait_for(hass, lambda: doomed.info_hash not in torrents(qbt), "removed")

        # Keep, from the phone: the protect tag, the strike tag gone, no removal.
        (keep_kept,) = (
            a for a in by_hash[kept.info_hash]["data"]["actions"] if a["title"] == "Keep"
        )
        hass.bus.async_fire("mobile_app_notification_action", {"action": keep_kept["action"]})
        await hass.async_block_till_done()
        assert torrents(qbt)[kept.info_hash]["tags"] == "qbitrr-protected"
        assert len(radarr.removals) == 1
        state = hass.states.get(f"sensor.{arr.title.lower().replace(' ', '_')}_pending_removals")
        assert state is not None
        assert state.state == "0"
