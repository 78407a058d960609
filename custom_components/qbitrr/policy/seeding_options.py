"""A qBittorrent entry's seeding options (in the units its forms show) and the goals they make.

The default goal and the private minimum are plain fields; goals per tracker, tag or category
are a short YAML list, since a form cannot hold a list of groups:

    - tracker: tracker.example.org    # or tag: / category:
      max_ratio: 2
      min_seeding_hours: 72
      private_min_ratio: 1            # trackers only: this tracker's minimum
      private_min_hours: 120
      action: stop                    # or remove / remove_with_files

A rule's missing limits are the default goal's. Errors carry a code the options flow
translates and the rule's position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import yaml

from .seeding_goals import (
    HOUR_SECONDS,
    GoalAction,
    GoalRule,
    MatchKind,
    PrivateMinimum,
    SeedingConfig,
    SeedingGoal,
)

HOUR: Final = HOUR_SECONDS

OPT_GOAL_MAX_RATIO: Final = "goal_max_ratio"  # 0 = none
OPT_GOAL_MAX_SEEDING_HOURS: Final = "goal_max_seeding_hours"  # 0 = none
OPT_GOAL_MAX_INACTIVE_HOURS: Final = "goal_max_inactive_hours"  # 0 = none
OPT_GOAL_MIN_SEEDING_HOURS: Final = "goal_min_seeding_hours"
OPT_GOAL_ACTION: Final = "goal_action"
OPT_GOAL_RULES: Final = "goal_rules"  # YAML text
OPT_PRIVATE_MIN_RATIO: Final = "private_min_ratio"
OPT_PRIVATE_MIN_HOURS: Final = "private_min_hours"

DEFAULT_SEEDING_OPTIONS: Final[Mapping[str, Any]] = {
    OPT_GOAL_MAX_RATIO: 0,
    OPT_GOAL_MAX_SEEDING_HOURS: 0,
    OPT_GOAL_MAX_INACTIVE_HOURS: 0,
    OPT_GOAL_MIN_SEEDING_HOURS: 0,
    OPT_GOAL_ACTION: GoalAction.STOP.value,
    OPT_GOAL_RULES: "",
    OPT_PRIVATE_MIN_RATIO: 1.0,
    OPT_PRIVATE_MIN_HOURS: 168,
}

# A rule's keys -> the goal field they set and the factor from the form's unit.
_GOAL_KEYS: Final = {
    "max_ratio": ("max_ratio", 1.0),
    "max_seeding_hours": ("max_seeding_time", HOUR),
    "max_inactive_hours": ("max_inactive_time", HOUR),
    "min_seeding_hours": ("min_seeding_time", HOUR),
}
_PRIVATE_KEYS: Final = {"private_min_ratio", "private_min_hours"}
_MAX_RULES: Final = 100


class GoalRulesError(ValueError):
    """The rules text is not valid; `code` names the problem for the translations."""

    def __init__(self, code: str, position: int = 0, detail: str = "") -> None:
        """Name the problem, the rule (1-based; 0 for the whole text) and the offending part."""
        super().__init__(f"{code} (rule {position}): {detail}")
        self.code = code
        self.position = position
        self.detail = detail


def _number(value: object, position: int, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise GoalRulesError("rule_bad_number", position, key)
    return float(value)


def _goal(item: Mapping[str, object], position: int, default: SeedingGoal) -> SeedingGoal:
    """Return the rule's goal: its own limits and action, the default's for the rest."""
    numbers = {
        field_name: _number(item[key], position, key) * factor
        for key, (field_name, factor) in _GOAL_KEYS.items()
        if key in item
    }
    try:
        action = GoalAction(str(item.get("action", default.action.value)))
    except ValueError:
        raise GoalRulesError("rule_bad_action", position, str(item["action"])) from None
    return SeedingGoal(
        max_ratio=numbers.get("max_ratio", default.max_ratio),
        max_seeding_time=int(numbers.get("max_seeding_time", default.max_seeding_time)),
        max_inactive_time=int(numbers.get("max_inactive_time", default.max_inactive_time)),
        min_seeding_time=int(numbers.get("min_seeding_time", default.min_seeding_time)),
        action=action,
    )


def _minimum(
    item: Mapping[str, object], position: int, kind: MatchKind, default: PrivateMinimum
) -> PrivateMinimum | None:
    """Return a tracker's own private minimum, if the rule sets one."""
    if not _PRIVATE_KEYS & set(item):
        return None
    if kind is not MatchKind.TRACKER:
        raise GoalRulesError("rule_private_needs_tracker", position)
    hours = item.get("private_min_hours", default.seeding_time / HOUR)
    return PrivateMinimum(
        ratio=_number(item.get("private_min_ratio", default.ratio), position, "private_min_ratio"),
        seeding_time=int(_number(hours, position, "private_min_hours") * HOUR),
    )


def _rule(item: object, position: int, default: SeedingGoal, minimum: PrivateMinimum) -> GoalRule:
    if not isinstance(item, dict):
        raise GoalRulesError("rule_not_mapping", position)
    kinds = [kind for kind in MatchKind if kind.value in item]
    if len(kinds) != 1:
        raise GoalRulesError("rule_needs_one_match", position)
    kind = kinds[0]
    value = item[kind.value]
    if not isinstance(value, str) or not value.strip():
        raise GoalRulesError("rule_bad_match", position, kind.value)
    unknown = set(item) - {kind.value, "action", *_GOAL_KEYS, *_PRIVATE_KEYS}
    if unknown:
        raise GoalRulesError("rule_unknown_key", position, ", ".join(sorted(map(str, unknown))))
    match = value.strip().lower() if kind is MatchKind.TRACKER else value.strip()
    return GoalRule(
        kind, match, _goal(item, position, default), _minimum(item, position, kind, minimum)
    )


def parse_goal_rules(
    text: str, default: SeedingGoal | None = None, minimum: PrivateMinimum | None = None
) -> tuple[GoalRule, ...]:
    """Read the rules text (empty: no rules); raise GoalRulesError when it is not valid."""
    if not text.strip():
        return ()
    try:
        items = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise GoalRulesError("rules_not_yaml", 0, str(err).splitlines()[0]) from None
    if items is None:
        return ()
    if not isinstance(items, list):
        raise GoalRulesError("rules_not_list")
    if len(items) > _MAX_RULES:
        raise GoalRulesError("rules_too_many", 0, str(_MAX_RULES))
    base, base_minimum = default or SeedingGoal(), minimum or PrivateMinimum()
    return tuple(
        _rule(item, position, base, base_minimum) for position, item in enumerate(items, start=1)
    )


def with_seeding_defaults(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the seeding options with every missing key at its default."""
    known = {key: value for key, value in options.items() if key in DEFAULT_SEEDING_OPTIONS}
    return {**DEFAULT_SEEDING_OPTIONS, **known}


def default_goal(options: Mapping[str, Any]) -> SeedingGoal:
    """Return the goal of torrents no rule matches."""
    merged = with_seeding_defaults(options)
    return SeedingGoal(
        max_ratio=float(merged[OPT_GOAL_MAX_RATIO]),
        max_seeding_time=int(float(merged[OPT_GOAL_MAX_SEEDING_HOURS]) * HOUR),
        max_inactive_time=int(float(merged[OPT_GOAL_MAX_INACTIVE_HOURS]) * HOUR),
        min_seeding_time=int(float(merged[OPT_GOAL_MIN_SEEDING_HOURS]) * HOUR),
        action=GoalAction(merged[OPT_GOAL_ACTION]),
    )


def seeding_config(options: Mapping[str, Any], protect_tags: frozenset[str]) -> SeedingConfig:
    """Turn an entry's options into its goals (rules already validated by the options flow)."""
    merged = with_seeding_defaults(options)
    default = default_goal(merged)
    minimum = PrivateMinimum(
        ratio=float(merged[OPT_PRIVATE_MIN_RATIO]),
        seeding_time=int(float(merged[OPT_PRIVATE_MIN_HOURS]) * HOUR),
    )
    try:
        rules = parse_goal_rules(str(merged[OPT_GOAL_RULES]), default, minimum)
    except GoalRulesError:
        # Rules that do not read (edited outside the options flow): without them the default
        # could reach torrents a rule kept apart, so no goal applies until they are fixed.
        return SeedingConfig(SeedingGoal(), (), minimum, protect_tags)
    return SeedingConfig(default, rules, minimum, protect_tags)
