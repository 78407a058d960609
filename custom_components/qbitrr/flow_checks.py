"""The connection checks the config flow runs before it stores anything.

Each check talks to the server once and answers a small result: the error key the form shows
(None when the server answered as it should), the form field it belongs to and its
placeholders, and for an Arr the app found and the categories its download clients use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api.arr import (
    ArrAuthError,
    ArrClient,
    ArrConnectionError,
    ArrNotArrError,
    ArrSSLError,
    ArrUnsupportedAppError,
)
from .api.qbittorrent import (
    QbitApiKeyUnsupportedError,
    QbitAuthError,
    QbitConnectionError,
    QbitNotQbittorrentError,
    QbitSSLError,
    QbittorrentClient,
)
from .const import LOGGER
from .model.arr import ArrStatus, DownloadClient
from .model.url import InvalidUrlError


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionCheck:
    """What one check found: an error key for the form, or None when all is well."""

    error: str | None = None
    error_field: str = "base"  # the form field the error is shown under
    placeholders: Mapping[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> dict[str, str]:
        """The form's `errors` argument."""
        return {self.error_field: self.error} if self.error else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class ArrCheck(ConnectionCheck):
    """An Arr check; `status` is set exactly when there is no error."""

    status: ArrStatus | None = None
    categories: tuple[str, ...] = ()  # of the app's enabled qBittorrent download clients


def check_qbittorrent(data: Mapping[str, Any]) -> ConnectionCheck:
    """Log in to the WebUI with exactly `data` (blocking: run it in the executor).

    With an API key, errors about the key are shown under its field.
    """
    try:
        client = QbittorrentClient(
            data[CONF_URL],
            data.get(CONF_USERNAME),
            data.get(CONF_PASSWORD),
            api_key=data.get(CONF_API_KEY),
            verify_ssl=data.get(CONF_VERIFY_SSL, True),
        )
    except InvalidUrlError:
        return ConnectionCheck(error="invalid_url")
    try:
        client.validate()
    except QbitSSLError:
        return ConnectionCheck(error="ssl_error")
    except QbitConnectionError:
        return ConnectionCheck(error="cannot_connect")
    except QbitApiKeyUnsupportedError:
        return ConnectionCheck(error="api_key_unsupported", error_field=CONF_API_KEY)
    except QbitAuthError:
        if client.uses_api_key:
            return ConnectionCheck(error="invalid_qbit_api_key", error_field=CONF_API_KEY)
        return ConnectionCheck(error="invalid_auth")
    except QbitNotQbittorrentError:
        return ConnectionCheck(error="not_qbittorrent")
    except Exception:  # noqa: BLE001 - the form must answer, whatever the server did
        LOGGER.exception("Unexpected error while checking %s", client.url)
        return ConnectionCheck(error="unknown")
    finally:
        client.close()
    return ConnectionCheck()


async def async_check_qbittorrent(hass: HomeAssistant, data: Mapping[str, Any]) -> ConnectionCheck:
    """Log in to the WebUI with exactly `data`, from the executor."""
    return await hass.async_add_executor_job(check_qbittorrent, data)


async def async_check_arr(hass: HomeAssistant, data: Mapping[str, Any]) -> ArrCheck:
    """Find which app answers at the URL with exactly `data`, and its download categories."""
    try:
        client = ArrClient(
            async_get_clientsession(hass, verify_ssl=data.get(CONF_VERIFY_SSL, True)),
            data[CONF_URL],
            data[CONF_API_KEY],
        )
    except InvalidUrlError:
        return ArrCheck(error="invalid_url")
    try:
        status = await client.detect()
        clients = await client.download_clients()
    except ArrSSLError:
        return ArrCheck(error="ssl_error")
    except ArrConnectionError:
        return ArrCheck(error="cannot_connect")
    except ArrAuthError:
        return ArrCheck(error="invalid_api_key", error_field=CONF_API_KEY)
    except ArrUnsupportedAppError as err:
        return ArrCheck(error="unsupported_app", placeholders={"app": err.app_name})
    except ArrNotArrError:
        return ArrCheck(error="not_arr")
    except Exception:  # noqa: BLE001 - the form must answer, whatever the server did
        LOGGER.exception("Unexpected error while checking %s", client.url)
        return ArrCheck(error="unknown")
    return ArrCheck(status=status, categories=_qbittorrent_categories(clients))


def _qbittorrent_categories(clients: list[DownloadClient]) -> tuple[str, ...]:
    """Return the categories the app's enabled qBittorrent clients download into, sorted."""
    return tuple(
        sorted(
            {
                client.category
                for client in clients
                if client.category and client.enabled and client.is_qbittorrent
            }
        )
    )
