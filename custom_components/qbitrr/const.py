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

# Polling is not user-configurable (core guidance); incremental sync keeps a short interval cheap.
QBIT_UPDATE_INTERVAL: Final = timedelta(seconds=15)
ARR_UPDATE_INTERVAL: Final = timedelta(seconds=30)

# Sent after every poll of any qBittorrent instance (success or failure), so entities that
# look across instances (an Arr's torrents) update with them.
SIGNAL_QBIT_UPDATED: Final = f"{DOMAIN}_qbit_updated"

# Fired when a torrent finishes downloading, or enters an error state, between two polls.
EVENT_TORRENT_COMPLETED: Final = "qbitrr_torrent_completed"
EVENT_TORRENT_FAILED: Final = "qbitrr_torrent_failed"
