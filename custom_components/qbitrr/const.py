"""Constants for qbitrr."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "qbitrr"
LOGGER = logging.getLogger(__package__)

# Which kind of server a config entry describes.
CONF_KIND: Final = "kind"
KIND_QBITTORRENT: Final = "qbittorrent"
KIND_ARR: Final = "arr"

CONF_APP: Final = "app"
CONF_CATEGORY: Final = "category"
# Spellings of an Arr's category (differing only in case) the user keeps as other categories.
CONF_KEEP_CASE_VARIANTS: Final = "keep_case_variants"

# Polling is not user-configurable (core guidance). It adapts instead: every 15 s while torrents
# move, every 2 min while the server is idle (qBittorrent 4.x works through every torrent on each
# sync call, even one that returns nothing), never more than 1/30 of the server's time (a poll
# that took 4 s waits at least 2 min: a 4.x server with 10,000 torrents then spends about a
# quarter of the CPU the core integration's 30 s full polls cost it), and at once after qbitrr's
# own actions.
QBIT_UPDATE_INTERVAL: Final = timedelta(seconds=15)
QBIT_IDLE_UPDATE_INTERVAL: Final = timedelta(minutes=2)
QBIT_MAX_UPDATE_INTERVAL: Final = timedelta(minutes=5)
QBIT_POLL_LOAD_FACTOR: Final = 30
ARR_UPDATE_INTERVAL: Final = timedelta(seconds=30)

# Sent with the entry id after every refresh of a qBittorrent instance that changed anything
# (its data, or whether it is reachable), so the hub and views across instances follow.
SIGNAL_QBIT_UPDATED: Final = f"{DOMAIN}_qbit_updated"

# Fired when a torrent finishes downloading, or enters an error state, between two polls.
EVENT_TORRENT_COMPLETED: Final = "qbitrr_torrent_completed"
EVENT_TORRENT_FAILED: Final = "qbitrr_torrent_failed"

# Fired when a server's free-space guard starts (stopping its downloads) and when it ends.
EVENT_SPACE_GUARD_STARTED: Final = "qbitrr_space_guard_started"
EVENT_SPACE_GUARD_ENDED: Final = "qbitrr_space_guard_ended"
# Sent with the entry id appended when a server's free-space guard changes state.
SIGNAL_SPACE_GUARD: Final = f"{DOMAIN}_space_guard"

# Fired when an Arr reports a download imported (its history), once per download.
EVENT_IMPORTED: Final = "qbitrr_imported"
