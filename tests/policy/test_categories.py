"""Category planning: only what is missing, valid names only."""

from __future__ import annotations

import pytest

from custom_components.qbitrr.policy.categories import (
    CategorySyncResult,
    case_variants,
    is_valid_category,
    missing_categories,
)


def test_missing_categories_leaves_existing_ones() -> None:
    assert missing_categories({"sonarr", "radarr", "lidarr"}, {"radarr", "other"}) == [
        "lidarr",
        "sonarr",
    ]
    assert missing_categories(set(), {"radarr"}) == []
    assert missing_categories({"radarr"}, set()) == ["radarr"]


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("radarr", True),
        ("tv/sonarr", True),
        ("Films 4K", True),
        ("", False),
        (" radarr", False),
        ("a\\b", False),
        ("/radarr", False),
        ("radarr/", False),
        ("a//b", False),
    ],
)
def test_is_valid_category(name: str, valid: bool) -> None:
    assert is_valid_category(name) is valid


def test_result_as_dict_is_sorted() -> None:
    result = CategorySyncResult(created=["b", "a"], present=["d", "c"], failed={"z": "x", "y": "w"})
    result.case_conflicts["Radarr"] = ["radarr"]
    assert result.as_dict() == {
        "created": ["a", "b"],
        "present": ["c", "d"],
        "failed": {"y": "w", "z": "x"},
        "case_conflicts": {"Radarr": ["radarr"]},
    }


def test_case_variants_differ_only_in_case() -> None:
    existing = {"radarr", "RADARR", "Radarr", "radarr-4k", "sonarr"}
    assert case_variants("Radarr", existing) == {"radarr", "RADARR"}
    assert case_variants("lidarr", existing) == frozenset()
    assert case_variants("Straße", {"STRASSE"}) == {"STRASSE"}
