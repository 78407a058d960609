"""Repair issues: problems the user has to fix, raised and cleared as the state changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

LEARN_MORE: Final = "https://github.com/qbitrr/qbitrr-homeassistant#troubleshooting"

# Only what the user must act on in Home Assistant: bad credentials are reauth, an unreachable
# server is unavailability (and its connectivity sensor), an Arr's own health is its sensor.
ISSUE_CATEGORY_MISSING: Final = "category_missing"
ISSUE_CATEGORY_CASE: Final = "category_case_conflict"


def issue_id(kind: str, entry_id: str, detail: str = "") -> str:
    """Return the issue id: one per kind, entry (if any) and category."""
    return "_".join(part for part in (kind, entry_id, detail) if part)


@callback
def raise_issue(
    hass: HomeAssistant,
    kind: str,
    entry_id: str,
    placeholders: dict[str, str],
    *,
    detail: str = "",
    severity: ir.IssueSeverity = ir.IssueSeverity.ERROR,
    fixable: bool = False,
    data: Mapping[str, str] | None = None,
) -> None:
    """Create (or update) an issue; its fix flow reads `data`."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry_id, detail),
        is_fixable=fixable,
        severity=severity,
        translation_key=kind,
        translation_placeholders=placeholders,
        learn_more_url=LEARN_MORE,
        data={"entry_id": entry_id, "detail": detail, **(data or {})},
    )


@callback
def clear_issue(hass: HomeAssistant, kind: str, entry_id: str, detail: str = "") -> None:
    """Delete an issue that no longer holds (no-op when there is none)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry_id, detail))


@callback
def clear_entry_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Delete every issue of an entry (it was removed)."""
    registry = ir.async_get(hass)
    for (domain, existing), issue in list(registry.issues.items()):
        if domain == DOMAIN and issue.data and issue.data.get("entry_id") == entry_id:
            ir.async_delete_issue(hass, DOMAIN, existing)
