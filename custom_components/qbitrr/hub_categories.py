"""The Arrs' categories on every qBittorrent instance: created where missing, never changed.

qBittorrent's categories are case-sensitive. When an instance holds a spelling that differs
from an Arr's only in case (`radarr` for `Radarr`), creating the Arr's spelling would split its
torrents over two categories without a word; instead a repair names both and lets the user
pick, and until then both spellings count as the Arr's.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from homeassistant.core import HomeAssistant, callback

from .api.qbittorrent import QbitConflictError
from .const import CONF_CATEGORY, CONF_KEEP_CASE_VARIANTS, DOMAIN, LOGGER
from .coordinator import QbitCoordinator
from .entries import arr_entries, managed_categories, qbit_coordinators, reachable_instances
from .errors import INVALID_CATEGORY, UNREACHABLE, error_code
from .issues import (
    ISSUE_CATEGORY_CASE,
    ISSUE_CATEGORY_MISSING,
    clear_entry_issues,
    clear_issue,
    raise_issue,
)
from .policy.categories import (
    CategorySyncResult,
    case_variants,
    is_valid_category,
    missing_categories,
)


class CategoryKeeper:
    """Ensures the managed categories on each instance when it is new, back, or they change."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with nothing ensured anywhere."""
        self.hass = hass
        # Per instance, the managed categories last ensured there; absent after an outage,
        # so the instance gets them again as soon as it is back.
        self._ensured_for: dict[str, frozenset[str]] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Arr spelling -> instance entry id -> the other spellings found there.
        self._case_conflicts: dict[str, dict[str, list[str]]] = {}

    @callback
    def forget(self, instance_id: str) -> None:
        """Ensure everything again when the instance is next seen."""
        self._ensured_for.pop(instance_id, None)

    @callback
    def recheck_everywhere(self) -> None:
        """Look at every instance again (a decision about categories changed)."""
        self._ensured_for.clear()
        self.ensure_everywhere()

    @callback
    def kept_apart(self, category: str) -> frozenset[str]:
        """Spellings of an Arr's category the user chose to keep as separate categories."""
        return self._kept_apart().get(category, frozenset())

    @callback
    def clear_issues(self, entry_id: str) -> None:
        """Drop the repairs of a removed entry."""
        clear_entry_issues(self.hass, entry_id)

    @callback
    def ensure_everywhere(self) -> None:
        """Give every reachable instance the managed categories (they changed)."""
        for instance in qbit_coordinators(self.hass):
            self.instance_polled(instance)

    @callback
    def instance_polled(self, instance: QbitCoordinator) -> None:
        """After a poll: ensure the categories if the instance is new, back, or they changed."""
        entry_id = instance.config_entry.entry_id
        if not instance.reachable:
            self._ensured_for.pop(entry_id, None)
            return
        wanted = managed_categories(self.hass)
        if self._ensured_for.get(entry_id) == wanted:
            return
        self._ensured_for[entry_id] = wanted
        if missing_categories(wanted, instance.data.maindata.categories):
            instance.config_entry.async_create_background_task(
                self.hass,
                self.async_ensure(instance, wanted),
                name=f"{DOMAIN} categories {instance.config_entry.title}",
            )
        else:  # all there: clear what was reported before
            self._report(instance, CategorySyncResult(present=sorted(wanted)))

    @callback
    def aliases(self, category: str, keep: frozenset[str] = frozenset()) -> frozenset[str]:
        """Spellings of `category` that differ only in case, on any reachable instance.

        Spellings the user chose to keep apart (`keep`) are not aliases.
        """
        found: set[str] = set()
        for instance in reachable_instances(self.hass):
            found.update(case_variants(category, instance.data.maindata.categories))
        return frozenset(found - keep)

    async def async_ensure(
        self, instance: QbitCoordinator, wanted: frozenset[str]
    ) -> CategorySyncResult:
        """Create the wanted categories the instance lacks; leave existing ones untouched."""
        entry = instance.config_entry
        if not instance.reachable:
            return CategorySyncResult(failed=dict.fromkeys(sorted(wanted), UNREACHABLE))
        async with self._locks[entry.entry_id]:
            result = await self._async_create_missing(instance, wanted)
        self._report(instance, result)
        if result.failed:
            LOGGER.warning("Could not create categories on %s: %s", entry.title, result.failed)
            self._ensured_for.pop(entry.entry_id, None)
        if result.created:
            LOGGER.info("Created categories %s on %s", result.created, entry.title)
            await instance.async_request_refresh()
        return result

    async def _async_create_missing(
        self, instance: QbitCoordinator, wanted: frozenset[str]
    ) -> CategorySyncResult:
        existing = instance.data.maindata.categories
        missing = missing_categories(wanted, existing)
        result = CategorySyncResult(present=sorted(set(wanted) - set(missing)))
        kept_apart = self._kept_apart()
        to_create: list[str] = []
        for name in missing:
            variants = sorted(case_variants(name, existing) - kept_apart.get(name, frozenset()))
            if not is_valid_category(name):
                result.failed[name] = INVALID_CATEGORY
            elif variants:
                result.case_conflicts[name] = variants
            else:
                to_create.append(name)
        if not to_create:
            return result
        outcome = await self.hass.async_add_executor_job(
            instance.client.create_categories, to_create
        )
        for name, error in outcome.items():
            if error is None:
                result.created.append(name)
            elif isinstance(error, QbitConflictError):
                result.present.append(name)
            else:
                result.failed[name] = error_code(error)
        return result

    @callback
    def _kept_apart(self) -> dict[str, frozenset[str]]:
        """Per Arr spelling, the other spellings the user chose to keep as separate categories."""
        kept: dict[str, frozenset[str]] = {}
        for entry in arr_entries(self.hass):
            category = entry.data[CONF_CATEGORY]
            kept[category] = kept.get(category, frozenset()) | frozenset(
                entry.data.get(CONF_KEEP_CASE_VARIANTS, ())
            )
        return kept

    @callback
    def _report(self, instance: QbitCoordinator, result: CategorySyncResult) -> None:
        """Keep one repair per category the instance lacks, and one per case-only clash."""
        entry = instance.config_entry
        for category in [*result.created, *result.present]:
            clear_issue(self.hass, ISSUE_CATEGORY_MISSING, entry.entry_id, category)
        for category, error in result.failed.items():
            raise_issue(
                self.hass,
                ISSUE_CATEGORY_MISSING,
                entry.entry_id,
                {"title": entry.title, "category": category, "error": error},
                detail=category,
                fixable=True,
            )
        for category in set(self._case_conflicts) | set(result.case_conflicts):
            found = self._case_conflicts.setdefault(category, {})
            found.pop(entry.entry_id, None)
            if category in result.case_conflicts:
                found[entry.entry_id] = result.case_conflicts[category]
            self._report_case(category, found)

    @callback
    def _report_case(self, category: str, found: dict[str, list[str]]) -> None:
        if not found:
            self._case_conflicts.pop(category, None)
            clear_issue(self.hass, ISSUE_CATEGORY_CASE, "", category)
            return
        titles = []
        for instance_id in sorted(found):
            entry = self.hass.config_entries.async_get_entry(instance_id)
            titles.append(entry.title if entry else instance_id)
        spellings = sorted({name for names in found.values() for name in names})
        raise_issue(
            self.hass,
            ISSUE_CATEGORY_CASE,
            "",
            {"category": category, "existing": ", ".join(spellings), "servers": ", ".join(titles)},
            detail=category,
            fixable=True,
            data={"category": category, "existing": spellings[0]},
        )
