"""Which categories each qBittorrent instance must get: pure set arithmetic, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


def is_valid_category(name: str) -> bool:
    """Whether qBittorrent accepts the name (it refuses empty names and odd slashes)."""
    return (
        bool(name)
        and name == name.strip()
        and "\\" not in name
        and not name.startswith("/")
        and not name.endswith("/")
        and "//" not in name
    )


def missing_categories(wanted: Iterable[str], existing: Iterable[str]) -> list[str]:
    """Categories to create on one instance, in a stable order; existing ones stay untouched."""
    return sorted(set(wanted) - set(existing))


def case_variants(name: str, existing: Iterable[str]) -> frozenset[str]:
    """Existing categories that differ from `name` only in case (qBittorrent tells them apart)."""
    folded = name.casefold()
    return frozenset(other for other in existing if other != name and other.casefold() == folded)


@dataclass(slots=True)
class CategorySyncResult:
    """What happened on one instance; failures are error codes (see the README)."""

    created: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    # Wanted name -> spellings on the instance that differ only in case: not created.
    case_conflicts: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Plain data for a service response."""
        return {
            "created": sorted(self.created),
            "present": sorted(self.present),
            "failed": dict(sorted(self.failed.items())),
            "case_conflicts": dict(sorted(self.case_conflicts.items())),
        }
