"""Options of a qBittorrent entry, in areas of a few fields each (as an Arr's options are).

The options open on a menu of areas; each area saves its own fields and keeps the others (and
the guard switch's state, which is an option too) as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

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

from .policy.files_options import OPT_EXCLUDE_DANGEROUS
from .policy.seeding_goals import GoalAction
from .policy.seeding_options import (
    OPT_GOAL_ACTION,
    OPT_GOAL_MAX_INACTIVE_HOURS,
    OPT_GOAL_MAX_RATIO,
    OPT_GOAL_MAX_SEEDING_HOURS,
    OPT_GOAL_MIN_SEEDING_HOURS,
    OPT_GOAL_RULES,
    OPT_PRIVATE_MIN_HOURS,
    OPT_PRIVATE_MIN_RATIO,
    GoalRulesError,
    default_goal,
    parse_goal_rules,
    with_seeding_defaults,
)
from .policy.space import SpaceOrder
from .policy.space_options import (
    OPT_FREE_SPACE_MARGIN,
    OPT_MIN_FREE_SPACE,
    OPT_SPACE_ORDER,
    with_space_defaults,
)

AREA_SPACE: Final = "space"
AREA_SEEDING: Final = "seeding"
AREA_PRIVATE: Final = "private_trackers"
AREA_DANGEROUS_FILES: Final = "dangerous_files"

_GIB = NumberSelector(
    NumberSelectorConfig(
        min=0, max=1_000_000, step=0.5, unit_of_measurement="GiB", mode=NumberSelectorMode.BOX
    )
)


def _number(
    high: float, unit: str | None = None, step: float | Literal["any"] = "any"
) -> NumberSelector:
    config = NumberSelectorConfig(min=0, max=high, step=step, mode=NumberSelectorMode.BOX)
    if unit:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


_HOURS = _number(87_600, "h")
_RATIO = _number(1000, step=0.01)

# Area -> its fields and their selectors, in the order the form shows them.
SERVER_OPTION_AREAS: Final[Mapping[str, Mapping[str, Any]]] = {
    AREA_SPACE: {
        OPT_MIN_FREE_SPACE: _GIB,
        OPT_FREE_SPACE_MARGIN: _GIB,
        OPT_SPACE_ORDER: SelectSelector(
            SelectSelectorConfig(
                options=[order.value for order in SpaceOrder],
                translation_key=OPT_SPACE_ORDER,
                mode=SelectSelectorMode.LIST,
            )
        ),
    },
    AREA_SEEDING: {
        OPT_GOAL_MAX_RATIO: _RATIO,
        OPT_GOAL_MAX_SEEDING_HOURS: _HOURS,
        OPT_GOAL_MAX_INACTIVE_HOURS: _HOURS,
        OPT_GOAL_MIN_SEEDING_HOURS: _HOURS,
        OPT_GOAL_ACTION: SelectSelector(
            SelectSelectorConfig(
                options=[action.value for action in GoalAction],
                translation_key=OPT_GOAL_ACTION,
                mode=SelectSelectorMode.LIST,
            )
        ),
        OPT_GOAL_RULES: TextSelector(TextSelectorConfig(multiline=True)),
    },
    AREA_PRIVATE: {
        OPT_PRIVATE_MIN_RATIO: _RATIO,
        OPT_PRIVATE_MIN_HOURS: _HOURS,
    },
    AREA_DANGEROUS_FILES: {OPT_EXCLUDE_DANGEROUS: BooleanSelector()},
}


class QbitOptionsFlow(OptionsFlowWithReload):
    """What qbitrr does on one qBittorrent server by itself."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the areas (a menu of its own: an Arr's menu offers other areas)."""
        return await self.async_step_server()

    async def async_step_server(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the areas."""
        return self.async_show_menu(step_id="server", menu_options=list(SERVER_OPTION_AREAS))

    async def async_step_space(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Set the free-space guard: the minimum, the margin, and which downloads go first."""
        return self._area(AREA_SPACE, user_input)

    async def async_step_seeding(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set when a completed torrent has seeded enough, and rules per tracker, tag, category."""
        errors: dict[str, str] = {}
        placeholders = {"position": "", "detail": ""}
        if user_input is not None:
            try:
                parse_goal_rules(str(user_input.get(OPT_GOAL_RULES, "")), default_goal(user_input))
            except GoalRulesError as err:
                errors[OPT_GOAL_RULES] = err.code
                placeholders = {"position": str(err.position), "detail": err.detail}
        return self._area(AREA_SEEDING, user_input, errors, placeholders)

    async def async_step_private_trackers(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set how long a private torrent seeds before anything may stop or remove it."""
        return self._area(AREA_PRIVATE, user_input)

    async def async_step_dangerous_files(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set whether the server itself skips dangerous files when a torrent is added."""
        return self._area(AREA_DANGEROUS_FILES, user_input)

    def _area(
        self,
        area: str,
        user_input: dict[str, Any] | None,
        errors: dict[str, str] | None = None,
        placeholders: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        if user_input is not None and not errors:
            return self.async_create_entry(data={**self.config_entry.options, **user_input})
        options = self.config_entry.options
        current = {**with_space_defaults(options), **with_seeding_defaults(options)}
        current.setdefault(OPT_EXCLUDE_DANGEROUS, bool(options.get(OPT_EXCLUDE_DANGEROUS)))
        schema = vol.Schema(
            {
                vol.Required(key, default=current[key]): selector
                for key, selector in SERVER_OPTION_AREAS[area].items()
            }
        )
        return self.async_show_form(
            step_id=area,
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors or {},
            description_placeholders=placeholders,
        )
