"""Options of an Arr entry: its torrent handling, in areas of a few fields each.

Rules grow with every feature, so the options open on a menu of areas instead of one long
form; each area saves its own fields and keeps the others as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import voluptuous as vol

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
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
)

from .const import CONF_APP
from .model.arr import ArrApp
from .policy.files import FileMode
from .policy.files_options import (
    OPT_ALLOWED_EXTENSIONS,
    OPT_BLOCKED_EXTENSIONS,
    OPT_FILE_MODE,
    OPT_SAMPLE_SIZE,
    file_defaults,
    invalid_extension,
    parse_extensions,
)
from .policy.imports import invalid_pattern, parse_patterns
from .policy.model import PrivateMode, UnknownTorrentAction
from .policy.options import (
    OPT_ASK_BEFORE_REMOVING,
    OPT_AUTO_HANDLE,
    OPT_AUTO_INTERVAL,
    OPT_IMPORT_BLOCKED_DELAY,
    OPT_IMPORT_PATTERNS,
    OPT_INSTANT_IMPORT,
    OPT_MAX_ETA,
    OPT_MAX_PROGRESS,
    OPT_MAX_REMOVALS,
    OPT_MAX_UNREGISTERED_PER_TRACKER,
    OPT_MIN_AGE,
    OPT_PRIVATE_MODE,
    OPT_PROTECT_TAG,
    OPT_REMOVE_UNMONITORED,
    OPT_SEARCH_COOLDOWN,
    OPT_SLOW_PERIOD,
    OPT_SLOW_SPEED,
    OPT_STALL_DELAY,
    OPT_STRIKES,
    OPT_UNKNOWN_ACTION,
    OPT_UNREGISTERED_GRACE,
    with_defaults,
)

AREA_RULES: Final = "rules"
AREA_GUARDS: Final = "guards"
AREA_AUTOMATION: Final = "automation"
AREA_IMPORTS: Final = "imports"
AREA_FILES: Final = "files"


def _number(low: float, high: float, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=1, mode=NumberSelectorMode.BOX)
    if unit:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


# Area -> its fields and their selectors, in the order the form shows them.
OPTION_AREAS: Final[Mapping[str, Mapping[str, Any]]] = {
    AREA_RULES: {
        OPT_STALL_DELAY: _number(1, 10080, "min"),
        OPT_SLOW_SPEED: _number(0, 1_000_000, "KiB/s"),
        OPT_SLOW_PERIOD: _number(1, 10080, "min"),
        OPT_MAX_ETA: _number(0, 8760, "h"),
        OPT_UNREGISTERED_GRACE: _number(0, 10080, "min"),
    },
    AREA_GUARDS: {
        OPT_STRIKES: _number(1, 50),
        OPT_MIN_AGE: _number(0, 10080, "min"),
        OPT_MAX_PROGRESS: _number(0, 100, "%"),
        OPT_MAX_REMOVALS: _number(0, 1000),
        OPT_PROTECT_TAG: TextSelector(),
        OPT_MAX_UNREGISTERED_PER_TRACKER: _number(0, 1000),
        OPT_PRIVATE_MODE: SelectSelector(
            SelectSelectorConfig(
                options=[mode.value for mode in PrivateMode],
                translation_key=OPT_PRIVATE_MODE,
                mode=SelectSelectorMode.LIST,
            )
        ),
    },
    AREA_AUTOMATION: {
        OPT_UNKNOWN_ACTION: SelectSelector(
            SelectSelectorConfig(
                options=[action.value for action in UnknownTorrentAction],
                translation_key=OPT_UNKNOWN_ACTION,
                mode=SelectSelectorMode.LIST,
            )
        ),
        OPT_AUTO_HANDLE: BooleanSelector(),
        OPT_AUTO_INTERVAL: _number(5, 10080, "min"),
        OPT_ASK_BEFORE_REMOVING: BooleanSelector(),
        OPT_INSTANT_IMPORT: BooleanSelector(),
        OPT_SEARCH_COOLDOWN: _number(0, 8760, "h"),
    },
    AREA_IMPORTS: {
        OPT_IMPORT_BLOCKED_DELAY: _number(0, 10080, "min"),
        OPT_IMPORT_PATTERNS: TextSelector(TextSelectorConfig(multiline=True)),
        OPT_REMOVE_UNMONITORED: BooleanSelector(),
    },
    AREA_FILES: {
        OPT_FILE_MODE: SelectSelector(
            SelectSelectorConfig(
                options=[mode.value for mode in FileMode],
                translation_key=OPT_FILE_MODE,
                mode=SelectSelectorMode.LIST,
            )
        ),
        OPT_BLOCKED_EXTENSIONS: TextSelector(TextSelectorConfig(multiline=True)),
        OPT_ALLOWED_EXTENSIONS: TextSelector(TextSelectorConfig(multiline=True)),
        OPT_SAMPLE_SIZE: _number(0, 100_000, "MB"),
    },
}


class ArrOptionsFlow(OptionsFlowWithReload):
    """The rules, guards and automation of one Arr's torrent handling."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the areas."""
        return self.async_show_menu(step_id="init", menu_options=list(OPTION_AREAS))

    async def async_step_rules(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Set when a torrent is bad: stalled, slow, or too long to finish."""
        return self._area(AREA_RULES, user_input)

    async def async_step_guards(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Set what keeps a bad torrent: strikes, age, progress, a tag, a limit per run."""
        errors: dict[str, str] = {}
        if user_input is not None:
            tag = str(user_input.get(OPT_PROTECT_TAG, "")).strip()
            if "," in tag:
                errors[OPT_PROTECT_TAG] = "invalid_tag"
            else:
                user_input = {**user_input, OPT_PROTECT_TAG: tag}
        return self._area(AREA_GUARDS, user_input, errors)

    async def async_step_automation(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set what happens to torrents no Arr knows, and handling on a timer."""
        return self._area(AREA_AUTOMATION, user_input)

    async def async_step_imports(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set when a blocked import is removed, and whether unmonitored media are."""
        errors: dict[str, str] = {}
        if user_input is not None:
            text = str(user_input.get(OPT_IMPORT_PATTERNS, ""))
            if invalid_pattern(text) is not None:
                errors[OPT_IMPORT_PATTERNS] = "invalid_import_pattern"
            else:
                user_input = {**user_input, OPT_IMPORT_PATTERNS: "\n".join(parse_patterns(text))}
        return self._area(AREA_IMPORTS, user_input, errors)

    async def async_step_files(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Set which files of a torrent are bad: extensions blocked or allowed, and samples."""
        errors: dict[str, str] = {}
        if user_input is not None:
            for key in (OPT_BLOCKED_EXTENSIONS, OPT_ALLOWED_EXTENSIONS):
                text = str(user_input.get(key, ""))
                if invalid_extension(text) is not None:
                    errors[key] = "invalid_extension"
                else:
                    user_input = {**user_input, key: " ".join(parse_extensions(text))}
            allowlist = user_input.get(OPT_FILE_MODE) == FileMode.ALLOWLIST
            if allowlist and not user_input.get(OPT_ALLOWED_EXTENSIONS):
                errors.setdefault(OPT_ALLOWED_EXTENSIONS, "empty_allowlist")
        app = ArrApp(self.config_entry.data.get(CONF_APP, ArrApp.RADARR))
        return self._area(AREA_FILES, user_input, errors, file_defaults(app))

    def _area(
        self,
        area: str,
        user_input: dict[str, Any] | None,
        errors: dict[str, str] | None = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> ConfigFlowResult:
        if user_input is not None and not errors:
            return self.async_create_entry(data={**self.config_entry.options, **user_input})
        current = with_defaults({**(defaults or {}), **self.config_entry.options})
        schema = vol.Schema(
            {
                vol.Required(key, default=current[key]): selector
                for key, selector in OPTION_AREAS[area].items()
            }
        )
        return self.async_show_form(
            step_id=area,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors or {},
        )
