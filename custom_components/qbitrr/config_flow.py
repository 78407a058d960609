"""Config flow for qbitrr: add, re-authenticate and reconfigure a qBittorrent server."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import voluptuous as vol

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, CONF_VERIFY_SSL
from homeassistant.helpers.selector import (
    BooleanSelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api.qbittorrent import (
    InvalidUrlError,
    QbitAuthError,
    QbitConnectionError,
    QbitNotQbittorrentError,
    QbitSSLError,
    QbittorrentClient,
    normalize_url,
)
from .const import CONF_KIND, DOMAIN, KIND_QBITTORRENT, LOGGER

_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT = TextSelector(TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="username"))
_PASSWORD = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)


def _server_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_URL, default=defaults.get(CONF_URL, vol.UNDEFINED)): _URL,
            vol.Optional(
                CONF_USERNAME, description={"suggested_value": defaults.get(CONF_USERNAME)}
            ): _TEXT,
            vol.Optional(CONF_PASSWORD): _PASSWORD,
            vol.Required(CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)): (
                BooleanSelector()
            ),
        }
    )


_CREDENTIALS_SCHEMA = vol.Schema(
    {vol.Optional(CONF_USERNAME): _TEXT, vol.Optional(CONF_PASSWORD): _PASSWORD}
)


def _check_server(data: Mapping[str, Any]) -> str | None:
    """Talk to the server (blocking; run in the executor); return an error key or None."""
    try:
        client = QbittorrentClient(
            data[CONF_URL],
            data.get(CONF_USERNAME),
            data.get(CONF_PASSWORD),
            verify_ssl=data.get(CONF_VERIFY_SSL, True),
        )
    except InvalidUrlError:
        return "invalid_url"
    try:
        client.validate()
    except QbitSSLError:
        return "ssl_error"
    except QbitConnectionError:
        return "cannot_connect"
    except QbitAuthError:
        return "invalid_auth"
    except QbitNotQbittorrentError:
        return "not_qbittorrent"
    except Exception:  # noqa: BLE001 - the form must answer, whatever the server did
        LOGGER.exception("Unexpected error while checking %s", client.url)
        return "unknown"
    finally:
        client.close()
    return None


def _without_password(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """Suggested values for a form shown again: never send a password back to the browser."""
    return {key: value for key, value in (user_input or {}).items() if key != CONF_PASSWORD}


def _title(url: str) -> str:
    return f"qBittorrent {urlsplit(url).netloc}"


class QbitrrConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a qBittorrent server; each server is its own entry, none is primary."""

    VERSION = 1
    MINOR_VERSION = 1

    async def _async_check(self, data: Mapping[str, Any]) -> dict[str, str]:
        error = await self.hass.async_add_executor_job(_check_server, data)
        return {"base": error} if error else {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the WebUI address and credentials, and test them before creating anything."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_check(user_input)
            if not errors:
                url = normalize_url(user_input[CONF_URL])
                await self.async_set_unique_id(url)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=_title(url),
                    data={CONF_KIND: KIND_QBITTORRENT, **user_input, CONF_URL: url},
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                _server_schema({}), _without_password(user_input)
            ),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication after the server refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials and check them against the same server."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_check({**entry.data, **user_input})
            if not errors:
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_USERNAME: user_input.get(CONF_USERNAME, ""),
                        CONF_PASSWORD: user_input.get(CONF_PASSWORD, ""),
                    },
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                _CREDENTIALS_SCHEMA, {CONF_USERNAME: entry.data.get(CONF_USERNAME)}
            ),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address, credentials or TLS check; entities keep their ids."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_check(user_input)
            if not errors:
                url = normalize_url(user_input[CONF_URL])
                if any(
                    other.unique_id == url and other.entry_id != entry.entry_id
                    for other in self._async_current_entries(include_ignore=False)
                ):
                    return self.async_abort(reason="already_configured")
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=url,
                    title=_title(url),
                    data_updates={
                        CONF_USERNAME: user_input.get(CONF_USERNAME, ""),
                        CONF_PASSWORD: user_input.get(CONF_PASSWORD, ""),
                        CONF_VERIFY_SSL: user_input[CONF_VERIFY_SSL],
                        CONF_URL: url,
                    },
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                _server_schema(entry.data),
                _without_password(user_input) or {CONF_USERNAME: entry.data.get(CONF_USERNAME)},
            ),
            errors=errors,
        )
