"""The cross-instance view over plain data: distribution, filters, (instance, hash) identity."""

from __future__ import annotations

from custom_components.qbitrr.model.states import StateGroup
from custom_components.qbitrr.model.torrent import Torrent
from custom_components.qbitrr.policy.torrents import (
    TorrentFilter,
    distribution,
    distribution_by_state,
    iter_torrents,
)

SAME_HASH = "a" * 40
INSTANCES = {
    "qbt-b": {
        SAME_HASH: Torrent(category="radarr", state="metaDL", tags="hd, qbitrr-protected"),
        "c" * 40: Torrent(category="sonarr", state="uploading", tags=""),
    },
    "qbt-a": {
        SAME_HASH: Torrent(category="radarr", state="stoppedDL", tags="hd"),
        "b" * 40: Torrent(state="downloading"),
    },
}


def test_same_hash_on_two_instances_is_two_torrents() -> None:
    listed = [(instance, h) for instance, h, _ in iter_torrents(INSTANCES)]
    assert listed == [
        ("qbt-a", SAME_HASH),
        ("qbt-a", "b" * 40),
        ("qbt-b", SAME_HASH),
        ("qbt-b", "c" * 40),
    ]
    assert distribution(INSTANCES)["radarr"] == {"qbt-a": 1, "qbt-b": 1}


def test_distribution_with_and_without_categories() -> None:
    assert distribution(INSTANCES) == {
        "radarr": {"qbt-a": 1, "qbt-b": 1},
        "": {"qbt-a": 1},
        "sonarr": {"qbt-b": 1},
    }
    # Asked-for categories are all reported, with zeros where an instance has none.
    assert distribution(INSTANCES, ["sonarr", "lidarr"]) == {
        "lidarr": {"qbt-a": 0, "qbt-b": 0},
        "sonarr": {"qbt-a": 0, "qbt-b": 1},
    }
    assert distribution({}) == {}


def test_distribution_by_state() -> None:
    assert distribution_by_state(INSTANCES, ["radarr"]) == {
        "radarr": {"qbt-a": {"paused": 1}, "qbt-b": {"stalled": 1}}
    }
    assert distribution_by_state(INSTANCES)["sonarr"] == {"qbt-b": {"seeding": 1}}


def test_filters() -> None:
    def hashes(torrent_filter: TorrentFilter) -> list[tuple[str, str]]:
        return [(i, h[:1]) for i, h, _ in iter_torrents(INSTANCES, torrent_filter)]

    assert hashes(TorrentFilter(categories={"radarr"})) == [("qbt-a", "a"), ("qbt-b", "a")]
    assert hashes(TorrentFilter(groups={StateGroup.STALLED})) == [("qbt-b", "a")]
    assert hashes(TorrentFilter(tags={"qbitrr-protected"})) == [("qbt-b", "a")]
    assert hashes(TorrentFilter(categories={"radarr"}, groups={StateGroup.SEEDING})) == []
    assert len(hashes(TorrentFilter())) == 4
