"""qbitrr's services, registered once in `async_setup` (they answer while no entry is loaded).

Every service takes `config_entry_id` the same way (see `targets`), refuses bad input with a
translated `ServiceValidationError`, and raises a translated `HomeAssistantError` when every
server it targets failed; a partial failure returns, with each failed server's error code.
"""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant, SupportsResponse, callback

from ..const import DOMAIN
from .actions import (
    SELECTION_SCHEMA,
    TAGS_SCHEMA,
    async_add_tags,
    async_pause_torrents,
    async_recheck_torrents,
    async_remove_tags,
    async_resume_torrents,
)
from .approvals import APPROVAL_SCHEMA, async_keep_torrent, async_remove_torrent
from .categories import SYNC_CATEGORIES_SCHEMA, async_sync_categories
from .handling import HANDLE_TORRENTS_SCHEMA, async_handle_torrents
from .searches import SEARCH_WANTED_SCHEMA, async_search_cutoff_unmet, async_search_missing
from .views import (
    GET_DISTRIBUTION_SCHEMA,
    GET_STATUS_SCHEMA,
    GET_TORRENTS_SCHEMA,
    async_get_distribution,
    async_get_status,
    async_get_torrents,
)

SERVICE_SYNC_CATEGORIES: Final = "sync_categories"
SERVICE_GET_DISTRIBUTION: Final = "get_distribution"
SERVICE_GET_TORRENTS: Final = "get_torrents"
SERVICE_GET_STATUS: Final = "get_status"
SERVICE_HANDLE_TORRENTS: Final = "handle_torrents"
SERVICE_ADD_TAGS: Final = "add_tags"
SERVICE_REMOVE_TAGS: Final = "remove_tags"
SERVICE_PAUSE_TORRENTS: Final = "pause_torrents"
SERVICE_RESUME_TORRENTS: Final = "resume_torrents"
SERVICE_RECHECK_TORRENTS: Final = "recheck_torrents"
SERVICE_SEARCH_MISSING: Final = "search_missing"
SERVICE_SEARCH_CUTOFF_UNMET: Final = "search_cutoff_unmet"
SERVICE_REMOVE_TORRENT: Final = "remove_torrent"
SERVICE_KEEP_TORRENT: Final = "keep_torrent"

_SERVICES: Final = (
    # Mutating services return what they did when asked; read services always answer.
    (SERVICE_SYNC_CATEGORIES, async_sync_categories, SYNC_CATEGORIES_SCHEMA, False),
    (SERVICE_HANDLE_TORRENTS, async_handle_torrents, HANDLE_TORRENTS_SCHEMA, False),
    (SERVICE_ADD_TAGS, async_add_tags, TAGS_SCHEMA, False),
    (SERVICE_REMOVE_TAGS, async_remove_tags, TAGS_SCHEMA, False),
    (SERVICE_PAUSE_TORRENTS, async_pause_torrents, SELECTION_SCHEMA, False),
    (SERVICE_RESUME_TORRENTS, async_resume_torrents, SELECTION_SCHEMA, False),
    (SERVICE_RECHECK_TORRENTS, async_recheck_torrents, SELECTION_SCHEMA, False),
    (SERVICE_SEARCH_MISSING, async_search_missing, SEARCH_WANTED_SCHEMA, False),
    (SERVICE_SEARCH_CUTOFF_UNMET, async_search_cutoff_unmet, SEARCH_WANTED_SCHEMA, False),
    (SERVICE_REMOVE_TORRENT, async_remove_torrent, APPROVAL_SCHEMA, False),
    (SERVICE_KEEP_TORRENT, async_keep_torrent, APPROVAL_SCHEMA, False),
    (SERVICE_GET_DISTRIBUTION, async_get_distribution, GET_DISTRIBUTION_SCHEMA, True),
    (SERVICE_GET_TORRENTS, async_get_torrents, GET_TORRENTS_SCHEMA, True),
    (SERVICE_GET_STATUS, async_get_status, GET_STATUS_SCHEMA, True),
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's services."""
    for name, handler, schema, read_only in _SERVICES:
        hass.services.async_register(
            DOMAIN,
            name,
            handler,
            schema=schema,
            supports_response=SupportsResponse.ONLY if read_only else SupportsResponse.OPTIONAL,
        )
