"""One request per kind of action, and how a server's failure is told per kind (real servers)."""

from __future__ import annotations

from custom_components.qbitrr.api.qbittorrent import QbittorrentClient
from custom_components.qbitrr.handling.executor import run_instance_steps
from custom_components.qbitrr.policy.model import ActionKind
from devtools.qbittorrent_server import QbittorrentServer, add_magnets, free_port


def test_a_server_that_is_gone_fails_every_kind_at_once() -> None:
    client = QbittorrentClient(f"http://127.0.0.1:{free_port()}", "admin", "secret")
    steps = {ActionKind.STRIKE: ["a" * 40], ActionKind.TAG: ["b" * 40]}
    # The first kind meets the connection error; the second is not even tried.
    assert run_instance_steps(client, steps) == {
        ActionKind.STRIKE: "unreachable",
        ActionKind.TAG: "unreachable",
    }


def test_refused_credentials_are_told_per_kind(qbt: QbittorrentServer) -> None:
    hashes = add_magnets(qbt.client(), 1)
    refused = QbittorrentClient(qbt.url, qbt.username, "wrong-password")
    steps = {ActionKind.STRIKE: hashes, ActionKind.KEEP_SEEDING: hashes}
    assert run_instance_steps(refused, steps) == {
        ActionKind.STRIKE: "auth_failed",
        ActionKind.KEEP_SEEDING: "auth_failed",
    }
    good = QbittorrentClient(qbt.url, qbt.username, qbt.password)
    assert run_instance_steps(good, steps) == {
        ActionKind.STRIKE: None,
        ActionKind.KEEP_SEEDING: None,
    }
    (torrent,) = qbt.client().torrents_info(torrent_hashes=hashes)
    assert set(torrent["tags"].split(", ")) == {"qbitrr-strike", "qbitrr-obsolete"}
