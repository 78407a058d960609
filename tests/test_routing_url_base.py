"""Two qBittorrent servers behind one host:port are told apart by their path (the URL base).

Repro of the bug: a reverse proxy serves /a -> qBittorrent 4.5 and /b -> qBittorrent 5.x on
one port; qbitrr has an entry for each path; Radarr's qBittorrent download client has the
proxy's host and port and URL base /b. Matching the download client to an entry compared the
host and port only, so Radarr was matched to /a (the first entry at that host:port): its
torrent on /b was skipped as "copy elsewhere" on every run and never removed. Scheme, host,
port and path must all count (`policy.inputs.owner_instance`).
"""

from __future__ import annotations

from typing import Any, Final

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qbitrr.const import DOMAIN
from custom_components.qbitrr.model.url import normalize_url
from custom_components.qbitrr.policy.options import OPT_MIN_AGE, OPT_STALL_DELAY, OPT_STRIKES
from devtools.arr_emulator import ArrEmulator
from devtools.path_proxy import PathProxy
from devtools.qbittorrent_server import QbittorrentServer, random_info_hash, wait_for
from homeassistant.const import CONF_URL
from homeassistant.core import HomeAssistant

from .conftest import ARR_KEYS, add_arr_entry, async_wait_for, entry_data, setup_integration

type Pair = tuple[QbittorrentServer, QbittorrentServer]

AT_ONCE: Final = {OPT_STALL_DELAY: 0, OPT_MIN_AGE: 0, OPT_STRIKES: 1}
MEDIA_ID: Final = 42


def _add(server: QbittorrentServer, torrent_hash: str) -> None:
    api = server.client()
    api.torrents_add(
        urls=f"magnet:?xt=urn:btih:{torrent_hash}&dn=m-{torrent_hash[:6]}", category="radarr"
    )

    def stalled() -> bool:
        found = api.torrents_info(torrent_hashes=torrent_hash)
        return bool(found) and found[0]["state"] == "metaDL"

    wait_for(stalled, 30, message="added and stalled")


def _torrents(server: QbittorrentServer) -> dict[str, dict[str, Any]]:
    return {str(t["hash"]): dict(t) for t in server.client().torrents_info()}


def _add_entry(
    hass: HomeAssistant, server: QbittorrentServer, url: str, key: str
) -> MockConfigEntry:
    """An entry for `server` reached at `url`; titled with the path, as the config flow does."""
    data = entry_data(server, **{CONF_URL: normalize_url(url)})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"qBittorrent {url.removeprefix('http://')}",
        data=data,
        unique_id=data[CONF_URL],
        entry_id=f"path{key}entry",
    )
    entry.add_to_hass(hass)
    return entry


@pytest.mark.parametrize(
    ("url_base", "owner"),
    [
        # The repro: host and port alone would have picked /a, the first entry there.
        ("/b", "b"),
        # The other way round, so neither entry wins by being first.
        ("/a", "a"),
    ],
)
async def test_the_url_base_picks_the_server_behind_a_shared_host_and_port(
    hass: HomeAssistant,
    both_qbt: Pair,
    path_proxy: PathProxy,
    url_base: str,
    owner: str,
) -> None:
    """The copy on the server the Arr's URL base names is removed through the Arr; the copy
    on the other path is skipped (copy_elsewhere) and left alone, untagged."""
    qbt4, qbt5 = both_qbt
    path_proxy.routes.update({"/a": qbt4.url, "/b": qbt5.url})  # one host:port, two servers
    by_path = {"a": qbt4, "b": qbt5}
    other = "a" if owner == "b" else "b"
    shared = random_info_hash()
    _add(qbt4, shared)
    _add(qbt5, shared)

    def remove(torrent_hash: str) -> None:  # Radarr deletes from the client it knows
        by_path[owner].client().torrents_delete(delete_files=True, torrent_hashes=torrent_hash)

    with ArrEmulator("radarr", api_key=ARR_KEYS["radarr"], qbittorrent_remover=remove) as radarr:
        radarr.set_download_clients(
            [
                radarr.qbittorrent_client(
                    host="127.0.0.1", port=path_proxy.port, category="radarr", url_base=url_base
                )
            ]
        )
        radarr.add_queue_item(shared.upper(), title="Shared Movie", media_id=MEDIA_ID)
        entries = {
            "a": _add_entry(hass, qbt4, f"{path_proxy.url}/a", "a"),
            "b": _add_entry(hass, qbt5, f"{path_proxy.url}/b", "b"),
        }
        assert entries["a"].title != entries["b"].title
        arr = add_arr_entry(hass, radarr, options=AT_ONCE)
        await setup_integration(hass)
        for entry in entries.values():
            assert entry.runtime_data.last_update_success
            assert shared in entry.runtime_data.data.torrents

        reply = await hass.services.async_call(
            DOMAIN, "handle_torrents", {}, blocking=True, return_response=True
        )
        assert reply is not None
        response: dict[str, Any] = dict(reply)

        assert [
            (a["instance"], a["hash"], a["action"], a["result"]) for a in response["actions"]
        ] == [(entries[owner].entry_id, shared, "arr_remove", "done")]
        assert [(s["instance"], s["hash"], s["guard"]) for s in response["skipped"]] == [
            (entries[other].entry_id, shared, "copy_elsewhere")
        ]
        assert response["skipped"][0]["arr"] == arr.entry_id
        # Through the Arr: one removal (from the client, blocklisted), one explicit search.
        assert [
            (r.download_id.lower(), r.remove_from_client, r.blocklist) for r in radarr.removals
        ] == [(shared, True, True)]
        assert [(c["name"], c["movieIds"]) for c in radarr.commands] == [
            ("MoviesSearch", [MEDIA_ID])
        ]
        assert [s.ids for s in radarr.searches if s.source == "command"] == [(MEDIA_ID,)]
        # Gone from the owner's server; the other server's copy is there, untagged.
        await async_wait_for(
            hass, lambda: shared not in _torrents(by_path[owner]), f"removed from /{owner}"
        )
        kept = _torrents(by_path[other])
        assert shared in kept
        assert kept[shared]["tags"] == ""
        for entry in (*entries.values(), arr):  # before the proxy they poll through stops
            await hass.config_entries.async_unload(entry.entry_id)
