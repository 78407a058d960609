"""Config flow for qbitrr: add, re-authenticate and reconfigure qBittorrent servers and Arr apps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api.arr import (
    APPS,
    ArrAuthError,
    ArrClient,
    ArrConnectionError,
    ArrNotArrError,
    ArrSSLError,
    ArrStatus,
    ArrUnsupportedAppError,
)
from .api.qbittorrent import (
    QbitAuthError,
    QbitConnectionError,
    QbitNotQbittorrentError,
    QbitSSLError,
    QbittorrentClient,
)
from .api.url import InvalidUrlError, host_and_port, normalize_url
from .const import CONF_APP, CONF_CATEGORY, CONF_KIND, DOMAIN, KIND_ARR, KIND_QBITTORRENT, LOGGER
from .policy.categories import is_valid_category
from .policy.model import UnknownTorrentAction
from .policy.options import (
    OPT_AUTO_HANDLE,
    OPT_AUTO_INTERVAL,
    OPT_MAX_ETA,
    OPT_MAX_PROGRESS,
    OPT_MAX_REMOVALS,
    OPT_MIN_AGE,
    OPT_PROTECT_TAG,
    OPT_SLOW_PERIOD,
    OPT_SLOW_SPEED,
    OPT_STALL_DELAY,
    OPT_STRIKES,
    OPT_UNKNOWN_ACTION,
    with_defaults,
)

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
    {vol.Optional(CONF_USERNAME): _TEXT, vol.Optional(CONF_PASSWORD): _PASSWORD}
)
_API_KEY_SCHEMA = vol.Schema({vol.Required(CONF_API_KEY): _SECRET})


def _check_qbit(data: Mapping[str, Any]) -> str | None:
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


def _without_secrets(user_input: Mapping[str, Any] | None) -> dict[str, Any]:
    """Suggested values for a form shown again: never send a secret back to the browser."""
    return {
        key: value
        for key, value in (user_input or {}).items()
        if key not in {CONF_PASSWORD, CONF_API_KEY}
    }


def _number(low: float, high: float, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=1, mode=NumberSelectorMode.BOX)
    if unit:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _options_schema(options: Mapping[str, Any]) -> vol.Schema:
    current = with_defaults(options)
    fields: dict[str, Any] = {
        OPT_STALL_DELAY: _number(1, 10080, "min"),
        OPT_STRIKES: _number(1, 50),
        OPT_MIN_AGE: _number(0, 10080, "min"),
        OPT_MAX_PROGRESS: _number(0, 100, "%"),
        OPT_MAX_REMOVALS: _number(0, 1000),
        OPT_SLOW_SPEED: _number(0, 1_000_000, "KiB/s"),
        OPT_SLOW_PERIOD: _number(1, 10080, "min"),
        OPT_MAX_ETA: _number(0, 8760, "h"),
        OPT_PROTECT_TAG: TextSelector(),
        OPT_UNKNOWN_ACTION: SelectSelector(
            SelectSelectorConfig(
                options=[action.value for action in UnknownTorrentAction],
                translation_key=OPT_UNKNOWN_ACTION,
                mode=SelectSelectorMode.LIST,
            )
        ),
        OPT_AUTO_HANDLE: BooleanSelector(),
        OPT_AUTO_INTERVAL: _number(5, 10080, "min"),
    }
    return vol.Schema(
        {vol.Required(key, default=current[key]): selector for key, selector in fields.items()}
    )


class ArrOptionsFlow(OptionsFlowWithReload):
    """The rules and guards of one Arr's torrent handling."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show every rule and guard with its current value."""
        errors: dict[str, str] = {}
        if user_input is not None:
            tag = str(user_input.get(OPT_PROTECT_TAG, "")).strip()
            if "," in tag:
                errors[OPT_PROTECT_TAG] = "invalid_tag"
            else:
                return self.async_create_entry(data={**user_input, OPT_PROTECT_TAG: tag})
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                _options_schema(self.config_entry.options), user_input
            ),
            errors=errors,
        )


class QbitrrConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a qBittorrent server or an Arr app; each is its own entry, none is primary."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry[Any]) -> ArrOptionsFlow:  # noqa: ARG004
        """Options exist for Arr entries: their torrent-handling rules."""
        return ArrOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry[Any]) -> bool:
        """Only Arr entries have options; qBittorrent servers have nothing to tune."""
        return config_entry.data.get(CONF_KIND) == KIND_ARR

    def __init__(self) -> None:
        """Start with nothing checked."""
        self._arr_data: dict[str, Any] = {}
        self._arr_status: ArrStatus | None = None
        self._arr_categories: list[str] = []

    # --- shared checks -----------------------------------------------------------------------

    async def _async_check_qbit(self, data: Mapping[str, Any]) -> dict[str, str]:
        error = await self.hass.async_add_executor_job(_check_qbit, data)
        return {"base": error} if error else {}

    async def _async_check_arr(
        self, data: Mapping[str, Any]
    ) -> tuple[dict[str, str], dict[str, str], ArrStatus | None, list[str]]:
        """Detect the app; return errors, placeholders, its status and offered categories."""
        try:
            client = ArrClient(
                async_get_clientsession(self.hass, verify_ssl=data.get(CONF_VERIFY_SSL, True)),
                data[CONF_URL],
                data[CONF_API_KEY],
            )
        except InvalidUrlError:
            return {"base": "invalid_url"}, {}, None, []
        try:
            status = await client.detect()
            clients = await client.download_clients()
        except ArrSSLError:
            return {"base": "ssl_error"}, {}, None, []
        except ArrConnectionError:
            return {"base": "cannot_connect"}, {}, None, []
        except ArrAuthError:
            return {CONF_API_KEY: "invalid_api_key"}, {}, None, []
        except ArrUnsupportedAppError as err:
            return {"base": "unsupported_app"}, {"app": err.app_name}, None, []
        except ArrNotArrError:
            return {"base": "not_arr"}, {}, None, []
        except Exception:  # noqa: BLE001 - the form must answer, whatever the server did
            LOGGER.exception("Unexpected error while checking %s", client.url)
            return {"base": "unknown"}, {}, None, []
        categories = sorted(
            {
                c.category
                for c in clients
                if c.category and c.enabled and c.implementation.lower() == "qbittorrent"
            }
        )
        return {}, {}, status, categories

    # --- adding --------------------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Choose what to add."""
        return self.async_show_menu(step_id="user", menu_options=["qbittorrent", "arr"])

    async def async_step_qbittorrent(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the WebUI address and credentials, and test them before creating anything."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_check_qbit(user_input)
            if not errors:
                url = normalize_url(user_input[CONF_URL])
                await self.async_set_unique_id(url)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=f"qBittorrent {host_and_port(url)}",
                    data={CONF_KIND: KIND_QBITTORRENT, **user_input, CONF_URL: url},
                )
        return self.async_show_form(
            step_id="qbittorrent",
            data_schema=self.add_suggested_values_to_schema(
                _qbit_schema({}), _without_secrets(user_input)
            ),
            errors=errors,
        )

    async def async_step_arr(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the app's address and API key; detect which app it is."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            errors, placeholders, status, categories = await self._async_check_arr(user_input)
            if status is not None:
                url = normalize_url(user_input[CONF_URL])
                await self.async_set_unique_id(url)
                self._abort_if_unique_id_configured()
                self._arr_data = {**user_input, CONF_URL: url}
                self._arr_status = status
                self._arr_categories = categories
                return await self.async_step_arr_category()
        return self.async_show_form(
            step_id="arr",
            data_schema=self.add_suggested_values_to_schema(
                _arr_schema({}), _without_secrets(user_input)
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_arr_category(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which qBittorrent category the app downloads into."""
        status = self._arr_status
        if status is None:  # pragma: no cover - only reachable through async_step_arr
            return self.async_abort(reason="unknown")
        traits = APPS[status.app]
        errors: dict[str, str] = {}
        if user_input is not None:
            category = str(user_input[CONF_CATEGORY]).strip()
            if is_valid_category(category):
                return self.async_create_entry(
                    title=f"{traits.display_name} {host_and_port(self._arr_data[CONF_URL])}",
                    data={
                        CONF_KIND: KIND_ARR,
                        **self._arr_data,
                        CONF_APP: str(status.app),
                        CONF_CATEGORY: category,
                    },
                )
            errors[CONF_CATEGORY] = "invalid_category"
        default = self._arr_categories[0] if self._arr_categories else str(status.app)
        options = sorted({*self._arr_categories, str(status.app)})
        return self.async_show_form(
            step_id="arr_category",
            data_schema=_category_schema(options, default),
            errors=errors,
            description_placeholders={"app": traits.display_name, "version": status.version},
        )

    # --- re-authentication ---------------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication after the server refused the stored secret."""
        if entry_data.get(CONF_KIND) == KIND_ARR:
            return await self.async_step_reauth_arr()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new qBittorrent credentials and check them against the same server."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_check_qbit({**entry.data, **user_input})
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

    async def async_step_reauth_arr(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new API key and check it against the same app."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {"name": entry.title}
        if user_input is not None:
            errors, extra, status, _ = await self._async_check_arr({**entry.data, **user_input})
            placeholders.update(extra)
            if status is not None and str(status.app) != entry.data[CONF_APP]:
                errors = {"base": "app_mismatch"}
            elif status is not None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_KEY: user_input[CONF_API_KEY]}
                )
        return self.async_show_form(
            step_id="reauth_arr",
            data_schema=_API_KEY_SCHEMA,
            description_placeholders=placeholders,
            errors=errors,
        )

    # --- reconfiguration -----------------------------------------------------------------------

    def _other_entry_has(self, entry: ConfigEntry[Any], url: str) -> bool:
        return any(
            other.unique_id == url and other.entry_id != entry.entry_id
            for other in self._async_current_entries(include_ignore=False)
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address, credentials or TLS check; entities keep their ids."""
        entry = self._get_reconfigure_entry()
        if entry.data.get(CONF_KIND) == KIND_ARR:
            return await self.async_step_reconfigure_arr()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_check_qbit(user_input)
            if not errors:
                url = normalize_url(user_input[CONF_URL])
                if self._other_entry_has(entry, url):
                    return self.async_abort(reason="already_configured")
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=url,
                    title=f"qBittorrent {host_and_port(url)}",
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
                _qbit_schema(entry.data),
                _without_secrets(user_input) or {CONF_USERNAME: entry.data.get(CONF_USERNAME)},
            ),
            errors=errors,
        )

    async def async_step_reconfigure_arr(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change an Arr app's address, API key, TLS check or category."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            errors, placeholders, status, _ = await self._async_check_arr(user_input)
            category = str(user_input[CONF_CATEGORY]).strip()
            if status is not None and str(status.app) != entry.data[CONF_APP]:
                errors = {"base": "app_mismatch"}
            elif status is not None and not is_valid_category(category):
                errors = {CONF_CATEGORY: "invalid_category"}
            elif status is not None:
                url = normalize_url(user_input[CONF_URL])
                if self._other_entry_has(entry, url):
                    return self.async_abort(reason="already_configured")
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=url,
                    title=f"{APPS[status.app].display_name} {host_and_port(url)}",
                    data_updates={
                        CONF_URL: url,
                        CONF_API_KEY: user_input[CONF_API_KEY],
                        CONF_VERIFY_SSL: user_input[CONF_VERIFY_SSL],
                        CONF_CATEGORY: category,
                    },
                )
        schema = _arr_schema(entry.data).extend(
            {vol.Required(CONF_CATEGORY, default=entry.data[CONF_CATEGORY]): _TEXT}
        )
        return self.async_show_form(
            step_id="reconfigure_arr",
            data_schema=self.add_suggested_values_to_schema(schema, _without_secrets(user_input)),
            errors=errors,
            description_placeholders=placeholders,
        )
