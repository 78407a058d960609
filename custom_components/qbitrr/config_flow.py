"""Config flow for qbitrr: add, re-authenticate and reconfigure qBittorrent servers and Arr apps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import voluptuous as vol

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import CONF_APP, CONF_CATEGORY, CONF_KIND, DOMAIN, KIND_ARR, KIND_QBITTORRENT
from .flow_checks import ArrCheck, async_check_arr, async_check_qbittorrent
from .model.arr import APP_DISPLAY_NAMES, ArrApp
from .model.url import host_and_port, normalize_url
from .options_flow import ArrOptionsFlow
from .policy.categories import is_valid_category
from .qbit_options_flow import QbitOptionsFlow

_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_TEXT = TextSelector(TextSelectorConfig(type=TextSelectorType.TEXT, autocomplete="username"))
_PASSWORD = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)
_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def _qbit_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_URL, default=defaults.get(CONF_URL, vol.UNDEFINED)): _URL,
            vol.Optional(CONF_USERNAME): _TEXT,
            vol.Optional(CONF_PASSWORD): _PASSWORD,
            vol.Optional(CONF_API_KEY): _SECRET,
            vol.Required(CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)): (
                BooleanSelector()
            ),
        }
    )


def _arr_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_URL, default=defaults.get(CONF_URL, vol.UNDEFINED)): _URL,
            vol.Required(CONF_API_KEY): _SECRET,
            vol.Required(CONF_VERIFY_SSL, default=defaults.get(CONF_VERIFY_SSL, True)): (
                BooleanSelector()
            ),
        }
    )


def _category_schema(options: list[str], default: str) -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_CATEGORY, default=default): SelectSelector(
                SelectSelectorConfig(
                    options=options, custom_value=True, mode=SelectSelectorMode.DROPDOWN
                )
            )
        }
    )


_CREDENTIALS_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_USERNAME): _TEXT,
        vol.Optional(CONF_PASSWORD): _PASSWORD,
        vol.Optional(CONF_API_KEY): _SECRET,
    }
)
_API_KEY_SCHEMA = vol.Schema({vol.Required(CONF_API_KEY): _SECRET})


def _without_secrets(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """Suggested values for a form shown again: never send a secret back to the browser."""
    return {
        key: value
        for key, value in (user_input or {}).items()
        if key not in {CONF_PASSWORD, CONF_API_KEY}
    }


def _credentials(user_input: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, str]:
    """Return the qBittorrent credentials as submitted: an API key, or a username and password.

    An empty field means none (a server may allow it). A key, when given, is what logs in, so
    the username and password are stored empty: only what is checked is stored. Without a key,
    a key stored before is cleared; an entry that never had one gets no `api_key` at all.
    """
    api_key = str(user_input.get(CONF_API_KEY, "")).strip()
    if api_key:
        return {CONF_USERNAME: "", CONF_PASSWORD: "", CONF_API_KEY: api_key}
    credentials = {
        CONF_USERNAME: user_input.get(CONF_USERNAME, ""),
        CONF_PASSWORD: user_input.get(CONF_PASSWORD, ""),
    }
    if CONF_API_KEY in current or CONF_API_KEY in user_input:
        credentials[CONF_API_KEY] = ""
    return credentials


def _default_title(data: Mapping[str, Any]) -> str:
    """Name an entry after its app and address.

    The URL path is part of it: two servers behind one reverse proxy share a host and port.
    """
    if data[CONF_KIND] == KIND_ARR:
        name = APP_DISPLAY_NAMES[ArrApp(data[CONF_APP])]
    else:
        name = "qBittorrent"
    url = data[CONF_URL]
    return f"{name} {host_and_port(url)}{urlsplit(url).path}"


class QbitrrConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a qBittorrent server or an Arr app; each is its own entry, none is primary."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry[Any]) -> OptionsFlow:
        """Return an Arr's torrent-handling rules, or what qbitrr does on a qBittorrent server."""
        if config_entry.data.get(CONF_KIND) == KIND_ARR:
            return ArrOptionsFlow()
        return QbitOptionsFlow()

    def __init__(self) -> None:
        """Start with nothing checked."""
        self._arr_data: dict[str, Any] = {}
        self._arr_check = ArrCheck()

    async def _async_finish(self, data: Mapping[str, Any]) -> ConfigFlowResult:
        """Store exactly the data that was checked: a new entry, or the entry being fixed."""
        data = {**data, CONF_URL: normalize_url(data[CONF_URL])}
        unique_id = data[CONF_URL]
        if self.source == SOURCE_REAUTH:
            # Store the credentials only for the server this entry stands for.
            await self.async_set_unique_id(unique_id, raise_on_progress=False)
            self._abort_if_unique_id_mismatch()
            return self.async_update_reload_and_abort(self._get_reauth_entry(), data_updates=data)
        await self.async_set_unique_id(unique_id)
        if self.source == SOURCE_RECONFIGURE:
            entry = self._get_reconfigure_entry()
            # The entry may move to a new address, but not onto another entry's server.
            if unique_id != entry.unique_id:
                self._abort_if_unique_id_configured()
            return self.async_update_reload_and_abort(
                entry, unique_id=unique_id, title=_default_title(data), data_updates=data
            )
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=_default_title(data), data=data)

    # --- steps ---------------------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to add."""
        return self.async_show_menu(step_id="user", menu_options=["qbittorrent", "arr"])

    async def async_step_qbittorrent(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the WebUI address and a username and password or an API key; test them."""
        return await self._async_step_qbit_form(
            "qbittorrent", {CONF_KIND: KIND_QBITTORRENT}, _qbit_schema({}), user_input
        )

    async def async_step_arr(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the app's address and API key; detect which app it is."""
        return await self._async_step_arr_form(
            "arr", {CONF_KIND: KIND_ARR}, _arr_schema({}), user_input
        )

    async def async_step_arr_category(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which qBittorrent category the app downloads into."""
        status, offered = self._arr_check.status, self._arr_check.categories
        if status is None:  # pragma: no cover - only reachable through async_step_arr
            return self.async_abort(reason="unknown")
        errors: dict[str, str] = {}
        if user_input is not None:
            category = str(user_input[CONF_CATEGORY]).strip()
            if is_valid_category(category):
                return await self._async_finish({**self._arr_data, CONF_CATEGORY: category})
            errors[CONF_CATEGORY] = "invalid_category"
        return self.async_show_form(
            step_id="arr_category",
            data_schema=_category_schema(
                sorted({*offered, str(status.app)}), offered[0] if offered else str(status.app)
            ),
            errors=errors,
            description_placeholders={
                "app": APP_DISPLAY_NAMES[status.app],
                "version": status.version,
            },
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication after the server refused the stored secret."""
        # A reauth must start even while another flow for this server is open.
        await self.async_set_unique_id(self._get_reauth_entry().unique_id, raise_on_progress=False)
        if entry_data.get(CONF_KIND) == KIND_ARR:
            return await self.async_step_reauth_arr()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new qBittorrent credentials (or an API key); check them on the same server."""
        entry = self._get_reauth_entry()
        return await self._async_step_qbit_form(
            "reauth_confirm", entry.data, _CREDENTIALS_SCHEMA, user_input
        )

    async def async_step_reauth_arr(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new API key and check it against the same app."""
        entry = self._get_reauth_entry()
        return await self._async_step_arr_form(
            "reauth_arr", entry.data, _API_KEY_SCHEMA, user_input
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address, credentials or TLS check; entities keep their ids."""
        entry = self._get_reconfigure_entry()
        if entry.data.get(CONF_KIND) == KIND_ARR:
            return await self.async_step_reconfigure_arr()
        return await self._async_step_qbit_form(
            "reconfigure", entry.data, _qbit_schema(entry.data), user_input
        )

    async def async_step_reconfigure_arr(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change an Arr app's address, API key, TLS check or category."""
        entry = self._get_reconfigure_entry()
        schema = _arr_schema(entry.data).extend(
            {vol.Required(CONF_CATEGORY, default=entry.data[CONF_CATEGORY]): TextSelector()}
        )
        return await self._async_step_arr_form("reconfigure_arr", entry.data, schema, user_input)

    # --- the forms every step shares ---------------------------------------------------------

    async def _async_step_qbit_form(
        self,
        step_id: str,
        current: Mapping[str, Any],
        schema: vol.Schema,
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        """Check the submitted fields over the `current` data; finish or show the form again."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**current, **user_input, **_credentials(user_input, current)}
            check = await async_check_qbittorrent(self.hass, data)
            if check.error is None:
                return await self._async_finish(data)
            errors = check.errors
        suggested = current if user_input is None else user_input
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, _without_secrets(suggested)),
            errors=errors,
        )

    async def _async_step_arr_form(
        self,
        step_id: str,
        current: Mapping[str, Any],
        schema: vol.Schema,
        user_input: dict[str, Any] | None,
    ) -> ConfigFlowResult:
        """Check the submitted fields over the `current` data; go on or show the form again."""
        errors: dict[str, str] = {}
        placeholders: Mapping[str, str] = {}
        if user_input is not None:
            data = {**current, **user_input}
            if CONF_CATEGORY in data:
                data[CONF_CATEGORY] = str(data[CONF_CATEGORY]).strip()
            check = await async_check_arr(self.hass, data)
            errors, placeholders = _arr_errors(check, data), check.placeholders
            if check.status is not None and not errors:
                if self.source != SOURCE_USER:
                    return await self._async_finish(data)
                # Refuse a known app before asking anything more about it.
                await self.async_set_unique_id(normalize_url(data[CONF_URL]))
                self._abort_if_unique_id_configured()
                self._arr_data = {**data, CONF_APP: str(check.status.app)}
                self._arr_check = check
                return await self.async_step_arr_category()
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, _without_secrets(user_input)),
            errors=errors,
            description_placeholders=placeholders,
        )


def _arr_errors(check: ArrCheck, data: Mapping[str, Any]) -> dict[str, str]:
    """Return the check's errors, then what is wrong with the data the app was found with."""
    if check.status is None:
        return check.errors
    if CONF_APP in data and str(check.status.app) != data[CONF_APP]:
        return {"base": "app_mismatch"}  # another app at this address is another entry
    if CONF_CATEGORY in data and not is_valid_category(data[CONF_CATEGORY]):
        return {CONF_CATEGORY: "invalid_category"}
    return {}
