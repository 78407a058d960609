"""Repair issues: problems the user has to fix, raised and cleared as the state changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN

# An instance unreachable this long is a problem to fix, not a blip to ride out.
UNREACHABLE_AFTER: Final = timedelta(minutes=30)
LEARN_MORE: Final = "https://github.com/qbitrr/qbitrr-homeassistant#troubleshooting"

ISSUE_UNREACHABLE: Final = "instance_unreachable"
ISSUE_AUTH_FAILED: Final = "auth_failed"
ISSUE_CATEGORY_MISSING: Final = "category_missing"
ISSUE_ARR_HEALTH: Final = "arr_health_error"


def issue_id(kind: str, entry_id: str, detail: str = "") -> str:
    """Return the issue id: one per kind, entry and (for categories) category."""
    return f"{kind}_{entry_id}" + (f"_{detail}" if detail else "")


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
) -> None:
    """Create (or update) an issue."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry_id, detail),
        is_fixable=fixable,
        severity=severity,
        translation_key=kind,
        translation_placeholders=placeholders,
        learn_more_url=LEARN_MORE,
        data={"entry_id": entry_id, "detail": detail},
    )


@callback
def clear_issue(hass: HomeAssistant, kind: str, entry_id: str, detail: str = "") -> None:
    """Delete an issue that no longer holds (no-op when there is none)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry_id, detail))


@callback
def clear_category_issues(hass: HomeAssistant, entry_id: str, present: Iterable[str]) -> None:
    """Delete the missing-category issues of categories the instance now has."""
    for category in present:
        clear_issue(hass, ISSUE_CATEGORY_MISSING, entry_id, category)


@callback
def clear_entry_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Delete every issue of an entry (it was removed)."""
    registry = ir.async_get(hass)
    for (domain, existing), issue in list(registry.issues.items()):
        if domain == DOMAIN and issue.data and issue.data.get("entry_id") == entry_id:
            ir.async_delete_issue(hass, DOMAIN, existing)
