"""The seeding goals' options: the rules text, its translated errors, the forms of a server."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qbitrr.policy.seeding_goals import (
    HOUR_SECONDS,
    GoalAction,
    MatchKind,
    PrivateMinimum,
    SeedingGoal,
)
from custom_components.qbitrr.policy.seeding_options import (
    OPT_GOAL_ACTION,
    OPT_GOAL_MAX_INACTIVE_HOURS,
    OPT_GOAL_MAX_RATIO,
    OPT_GOAL_MAX_SEEDING_HOURS,
    OPT_GOAL_MIN_SEEDING_HOURS,
    OPT_GOAL_RULES,
    OPT_PRIVATE_MIN_HOURS,
    OPT_PRIVATE_MIN_RATIO,
    GoalRulesError,
    parse_goal_rules,
    seeding_config,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

RULES = """
- tracker: Tracker.Example.org
  max_ratio: 2
  min_seeding_hours: 72
  private_min_hours: 120
- tag: keep
  max_ratio: 0
  max_seeding_hours: 0
- category: sonarr
  action: remove_with_files
"""


def test_rules_take_the_defaults_for_what_they_leave_out() -> None:
    default = SeedingGoal(max_ratio=1.0, max_seeding_time=240 * HOUR_SECONDS)
    tracker, tag, category = parse_goal_rules(
        RULES, default, PrivateMinimum(1.5, 48 * HOUR_SECONDS)
    )
    assert (tracker.kind, tracker.value) == (MatchKind.TRACKER, "tracker.example.org")
    assert tracker.goal == SeedingGoal(
        max_ratio=2.0, max_seeding_time=240 * HOUR_SECONDS, min_seeding_time=72 * HOUR_SECONDS
    )
    # The tracker's own minimum: its hours, the default ratio.
    assert tracker.private_minimum == PrivateMinimum(1.5, 120 * HOUR_SECONDS)
    assert not tag.goal.active
    assert tag.private_minimum is None
    assert category.goal == SeedingGoal(
        max_ratio=1.0, max_seeding_time=240 * HOUR_SECONDS, action=GoalAction.REMOVE_WITH_FILES
    )


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("- tracker: [unclosed", "rules_not_yaml", 0),
        ("tracker: a.org", "rules_not_list", 0),
        ("- just text", "rule_not_mapping", 1),
        ("- max_ratio: 2", "rule_needs_one_match", 1),
        ("- tag: a\n- tag: b\n  category: c", "rule_needs_one_match", 2),
        ("- tag: ''", "rule_bad_match", 1),
        ("- tag: a\n  max_ratio: lots", "rule_bad_number", 1),
        ("- tag: a\n  max_ratio: -1", "rule_bad_number", 1),
        ("- tag: a\n  max_ratio: true", "rule_bad_number", 1),
        ("- tag: a\n  action: explode", "rule_bad_action", 1),
        ("- tag: a\n  ratio: 2", "rule_unknown_key", 1),
        ("- tag: a\n  private_min_hours: 2", "rule_private_needs_tracker", 1),
        ("\n".join(["- tag: a"] * 101), "rules_too_many", 0),
    ],
)
def test_rules_that_do_not_read(text: str, code: str, position: int) -> None:
    with pytest.raises(GoalRulesError) as err:
        parse_goal_rules(text)
    assert (err.value.code, err.value.position) == (code, position)


def test_empty_rules_are_no_rules() -> None:
    assert parse_goal_rules("") == ()
    assert parse_goal_rules("# nothing yet\n") == ()


def test_rules_stored_broken_turn_every_goal_off() -> None:
    config = seeding_config({OPT_GOAL_MAX_RATIO: 1, OPT_GOAL_RULES: "- nonsense"}, frozenset())
    assert not config.any_goal  # the default alone could reach torrents a rule kept apart
    config = seeding_config({OPT_GOAL_MAX_RATIO: 1, OPT_GOAL_RULES: RULES}, frozenset())
    assert config.any_goal
    assert len(config.rules) == 3


async def _open(hass: HomeAssistant, entry: MockConfigEntry, area: str) -> dict[str, Any]:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert area in result["menu_options"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": area}
    )
    assert result["type"] is FlowResultType.FORM
    return dict(result)


async def test_seeding_goals_form_checks_the_rules(
    hass: HomeAssistant, init_qbt: MockConfigEntry, strings: dict[str, Any]
) -> None:
    form = await _open(hass, init_qbt, "seeding")
    fields = {str(key): key for key in form["data_schema"].schema}
    assert list(fields) == [
        OPT_GOAL_MAX_RATIO,
        OPT_GOAL_MAX_SEEDING_HOURS,
        OPT_GOAL_MAX_INACTIVE_HOURS,
        OPT_GOAL_MIN_SEEDING_HOURS,
        OPT_GOAL_ACTION,
        OPT_GOAL_RULES,
    ]
    base = {
        OPT_GOAL_MAX_RATIO: 2,
        OPT_GOAL_MAX_SEEDING_HOURS: 0,
        OPT_GOAL_MAX_INACTIVE_HOURS: 0,
        OPT_GOAL_MIN_SEEDING_HOURS: 0,
        OPT_GOAL_ACTION: "stop",
    }
    result = await hass.config_entries.options.async_configure(
        form["flow_id"], {**base, OPT_GOAL_RULES: "- tag: a\n  max_ratio: lots"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {OPT_GOAL_RULES: "rule_bad_number"}
    assert result["description_placeholders"] == {"position": "1", "detail": "max_ratio"}
    message = strings["options"]["error"]["rule_bad_number"]
    assert message.format(**result["description_placeholders"]) == (
        "Rule 1: max_ratio must be a number, 0 or more."
    )

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**base, OPT_GOAL_RULES: RULES}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert init_qbt.options[OPT_GOAL_RULES] == RULES
    assert init_qbt.options[OPT_GOAL_MAX_RATIO] == 2
    config = seeding_config(init_qbt.options, frozenset())
    assert [rule.kind for rule in config.rules] == list(MatchKind)


async def test_private_trackers_form_keeps_the_other_areas(
    hass: HomeAssistant, init_qbt: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(init_qbt, options={OPT_GOAL_MAX_RATIO: 3})
    form = await _open(hass, init_qbt, "private_trackers")
    result = await hass.config_entries.options.async_configure(
        form["flow_id"], {OPT_PRIVATE_MIN_RATIO: 0.8, OPT_PRIVATE_MIN_HOURS: 96}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    config = seeding_config(init_qbt.options, frozenset())
    assert config.private_minimum == PrivateMinimum(0.8, 96 * HOUR_SECONDS)
    assert config.default.max_ratio == 3
