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
# move, every 2 min while the server is idle, never more than 1/30 of the server's time (a poll
# that took 4 s waits at least 2 min), at most 5 min, and at once after qbitrr's own actions.
# qBittorrent 4.x works through every torrent on each sync call, even one that returns nothing:
# an incremental poll costs it half to all of a full one, the core integration's poll every
# 30 s. So a 4.x server with a large library (QBIT_FULL_COST_TORRENTS) whose polls take
# noticeable time (QBIT_CHEAP_POLL_SECONDS) is polled at most every 90 s even while active,
# which keeps its CPU on polling under a third of the core integration's however fast the
# server and busy the machine. The 1/30 bound alone could not
# hold that: it reads the poll's wall time, and a faster 4.x server answers sooner, so it is
# polled sooner (at 10,000 torrents it gave 0.42 of the core's CPU; 1/50 0.37, 1/100 still 0.32).
QBIT_UPDATE_INTERVAL: Final = timedelta(seconds=15)
QBIT_IDLE_UPDATE_INTERVAL: Final = timedelta(minutes=2)
QBIT_MAX_UPDATE_INTERVAL: Final = timedelta(minutes=5)
QBIT_POLL_LOAD_FACTOR: Final = 30
QBIT_FULL_COST_INTERVAL: Final = timedelta(seconds=90)  # 4.x, active: 3 x the core's 30 s
# A poll under this costs the server under 1.5 % of a core even every 15 s: no need to slow down.
QBIT_CHEAP_POLL_SECONDS: Final = 0.2
# Below this a 4.x sync call costs the server little whatever its wall time (a remote server's
# latency is not the server's work).
QBIT_FULL_COST_TORRENTS: Final = 2_000
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
