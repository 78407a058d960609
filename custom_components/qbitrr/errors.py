"""Error codes for service responses: stable words a user can look up, never library text.

The codes are listed in README.md ("Error codes") and services.yaml; the translated messages
of the errors a service raises live in strings.json under `exceptions`.
"""

from __future__ import annotations

from typing import Final

from .api.arr import ArrAuthError, ArrConnectionError, ArrNotArrError
from .api.qbittorrent import QbitAuthError, QbitConnectionError

UNREACHABLE: Final = "unreachable"  # could not connect, timed out, or a server error
AUTH_FAILED: Final = "auth_failed"  # the credentials or API key were refused
REFUSED: Final = "refused"  # the server answered, but refused the request
NOT_LOADED: Final = "not_loaded"  # the config entry is not set up
NOT_IN_QUEUE: Final = "not_in_queue"  # the download is no longer in the Arr's queue
SEARCH_PENDING: Final = "search_pending"  # removed; the search failed and will be retried
INVALID_CATEGORY: Final = "invalid_category"  # qBittorrent refuses the name
OWNER_UNREACHABLE: Final = "owner_unreachable"  # the server holding the Arr's copy is down
ARR_UNAVAILABLE: Final = "arr_unavailable"  # the Arr's last poll failed: its queue is stale

ERROR_CODES: Final = (
    UNREACHABLE,
    AUTH_FAILED,
    REFUSED,
    NOT_LOADED,
    NOT_IN_QUEUE,
    SEARCH_PENDING,
    INVALID_CATEGORY,
    OWNER_UNREACHABLE,
    ARR_UNAVAILABLE,
)


def error_code(err: Exception) -> str:
    """Return the code for a client error."""
    if isinstance(err, QbitConnectionError | ArrConnectionError):
        return UNREACHABLE
    if isinstance(err, QbitAuthError | ArrAuthError):
        return AUTH_FAILED
    if isinstance(err, ArrNotArrError):
        return NOT_IN_QUEUE
    return REFUSED
