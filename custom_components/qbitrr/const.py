"""Constants for qbitrr."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "qbitrr"
LOGGER = logging.getLogger(__package__)

# Which kind of server a config entry describes; Arr apps join qBittorrent as their own kind.
CONF_KIND: Final = "kind"
KIND_QBITTORRENT: Final = "qbittorrent"

# Polling is not user-configurable (core guidance); incremental sync keeps a short interval cheap.
QBIT_UPDATE_INTERVAL: Final = timedelta(seconds=15)
