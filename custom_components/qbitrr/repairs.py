"""Fix flows for the repair issues qbitrr can fix itself once the user decides."""

from __future__ import annotations

from typing import Final

import voluptuous as vol

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import SelectSelector, SelectSelectorConfig

from .const import CONF_CATEGORY, CONF_KEEP_CASE_VARIANTS, CONF_KIND, DOMAIN, KIND_ARR
from .coordinator import QbitCoordinator
from .hub import HUB_KEY
from .issues import ISSUE_CATEGORY_CASE, ISSUE_CATEGORY_MISSING

CHOICE: Final = "choice"
USE_EXISTING: Final = "use_existing"
KEEP_BOTH: Final = "keep_both"


class CategoryRepairFlow(RepairsFlow):
    """Create a missing category again on its instance."""

    def __init__(self, entry_id: str, category: str) -> None:
        """Remember which instance and category."""
        self._entry_id = entry_id
        self._category = category

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Go straight to the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Try again when confirmed; say why when it still fails."""
        if user_input is None:
            return self.async_show_form(
                step_id="confirm", description_placeholders={"category": self._category}
            )
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        coordinator = getattr(entry, "runtime_data", None)
        if not isinstance(coordinator, QbitCoordinator):
            return self.async_abort(reason="instance_not_loaded")
        keeper = self.hass.data[HUB_KEY].categories
        result = await keeper.async_ensure(coordinator, frozenset({self._category}))
        if self._category in result.failed:
            return self.async_abort(
                reason="still_failing",
                description_placeholders={"error": result.failed[self._category]},
            )
        return self.async_create_entry(data={})


class CategoryCaseRepairFlow(RepairsFlow):
    """Decide between two spellings of one category that differ only in case."""

    def __init__(self, category: str, existing: str) -> None:
        """Remember the Arr's spelling and the one found on the servers."""
        self._category = category
        self._existing = existing

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Go straight to the decision (the repairs API passes the issue's data here)."""
        return await self.async_step_decide()

    async def async_step_decide(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Ask which spelling the Arr's torrents belong to."""
        if user_input is None:
            return self.async_show_form(
                step_id="decide",
                data_schema=vol.Schema(
                    {
                        vol.Required(CHOICE, default=USE_EXISTING): SelectSelector(
                            SelectSelectorConfig(
                                options=[USE_EXISTING, KEEP_BOTH], translation_key=CHOICE
                            )
                        )
                    }
                ),
                description_placeholders={
                    "category": self._category,
                    "existing": self._existing,
                },
            )
        entries = self.hass.config_entries
        for entry in entries.async_entries(DOMAIN):
            if entry.data.get(CONF_KIND) != KIND_ARR or entry.data[CONF_CATEGORY] != self._category:
                continue
            if user_input[CHOICE] == USE_EXISTING:
                # The Arr's own download client still names its spelling: the description
                # tells the user to change it there too.
                entries.async_update_entry(
                    entry, data={**entry.data, CONF_CATEGORY: self._existing}
                )
            else:
                kept = {*entry.data.get(CONF_KEEP_CASE_VARIANTS, ()), self._existing}
                entries.async_update_entry(
                    entry, data={**entry.data, CONF_KEEP_CASE_VARIANTS: sorted(kept)}
                )
        self.hass.data[HUB_KEY].categories.recheck_everywhere()
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow of a fixable issue."""
    if issue_id.startswith(ISSUE_CATEGORY_CASE) and data:
        return CategoryCaseRepairFlow(str(data["category"]), str(data["existing"]))
    if issue_id.startswith(ISSUE_CATEGORY_MISSING) and data:
        return CategoryRepairFlow(str(data["entry_id"]), str(data["detail"]))
    return ConfirmRepairFlow()  # pragma: no cover - every fixable issue has its flow
