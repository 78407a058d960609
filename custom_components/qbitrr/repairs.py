"""Fix flows for repair issues that qbitrr can fix itself once the user confirms."""

from __future__ import annotations

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant

from .coordinator import QbitCoordinator
from .issues import ISSUE_CATEGORY_MISSING


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
        coordinator = entry.runtime_data if entry else None
        if not isinstance(coordinator, QbitCoordinator):
            return self.async_abort(reason="instance_not_loaded")
        result = await coordinator.async_ensure_categories(frozenset({self._category}))
        if self._category in result.failed:
            return self.async_abort(
                reason="still_failing",
                description_placeholders={"error": result.failed[self._category]},
            )
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the fix flow of a fixable issue."""
    if issue_id.startswith(ISSUE_CATEGORY_MISSING) and data:
        return CategoryRepairFlow(str(data["entry_id"]), str(data["detail"]))
    return ConfirmRepairFlow()  # pragma: no cover - every fixable issue has its flow
