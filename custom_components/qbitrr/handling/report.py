"""What a run tells: the service response, each Arr's last run, and the events.

Built from plain data (in a worker thread when a run covers thousands of torrents); firing the
events is the only part that touches Home Assistant, and it is capped so a tracker outage
striking 10,000 torrents does not flood the recorder.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from ..policy.model import REMOVALS, Action, ActionKind, Plan, Skipped
from ..policy.seeding import SeedingPlan
from .executor import RESULT_FAILED, Outcome, OutcomeKey

EVENT_TORRENT_ACTION: Final = "qbitrr_torrent_action"
EVENT_HANDLING_SUMMARY: Final = "qbitrr_handling_summary"
# A download its Arr cannot import for a reason no pattern knows: left for the user to decide.
EVENT_IMPORT_BLOCKED: Final = "qbitrr_import_blocked"
# Per run, at most this many per-action events; the rest are counted in one summary event.
MAX_ACTION_EVENTS: Final = 100


@dataclass(slots=True)
class LastRun:
    """What the last run for one Arr did, for its sensor."""

    time: datetime
    dry_run: bool
    by_rule: dict[str, int]
    by_action: dict[str, int]
    failed: int
    skipped_reason: str | None = None  # an error code when the Arr was not judged


@dataclass(frozen=True, slots=True)
class PlannedArr:
    """One judged Arr's plan and the names the response shows."""

    entry_id: str
    title: str
    plan: Plan


@dataclass(frozen=True, slots=True)
class PlannedSeeding:
    """One server's seeding plan; `limits_set` is None in a dry run."""

    entry_id: str
    title: str
    plan: SeedingPlan
    limits_set: int | None


@dataclass(slots=True)
class RunReport:
    """The rendered run: response, per-Arr last runs, and the events to fire."""

    response: dict[str, Any]
    last_runs: dict[str, LastRun]
    events: list[dict[str, Any]] = field(default_factory=list)
    summary_event: dict[str, Any] | None = None
    import_events: list[dict[str, Any]] = field(default_factory=list)


def _described(
    action: Action, arr: PlannedArr | PlannedSeeding, outcome: Outcome, titles: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "instance": action.instance,
        "instance_title": titles.get(action.instance, action.instance),
        "hash": action.hash,
        "name": action.name,
        "category": action.category,
        "arr": arr.entry_id,
        "arr_title": arr.title,
        "rule": str(action.rule),
        "action": str(action.kind),
        "reason": action.reason,
        "result": outcome.result,
        "error": outcome.error,
    }


def _skipped(skipped: Skipped, arr: PlannedArr, titles: Mapping[str, str]) -> dict[str, Any]:
    return {
        "instance": skipped.instance,
        "instance_title": titles.get(skipped.instance, skipped.instance),
        "hash": skipped.hash,
        "name": skipped.name,
        "category": skipped.category,
        "arr": arr.entry_id,
        "rule": str(skipped.rule),
        "guard": str(skipped.guard),
    }


def _unmatched_imports(
    planned: Sequence[PlannedArr], titles: Mapping[str, str]
) -> list[dict[str, Any]]:
    """List the blocked imports no pattern matched, for the response and their events."""
    return [
        {
            "instance": report.instance,
            "instance_title": titles.get(report.instance, report.instance),
            "hash": report.hash,
            "name": report.name,
            "arr": arr.entry_id,
            "arr_title": arr.title,
            "queue_id": report.queue_id,
            "state": report.state,
            "status": report.status,
            "messages": list(report.messages),
            "blocked_since": datetime.fromtimestamp(report.blocked_since, UTC).isoformat(),
        }
        for arr in planned
        for report in arr.plan.unmatched_imports
    ]


def _summary(by_action: Counter[str], by_rule: Counter[str], failed: int) -> dict[str, Any]:
    return {
        "removed": sum(by_action[str(kind)] for kind in REMOVALS),
        "failed": failed,
        "struck": by_action[str(ActionKind.STRIKE)],
        "tagged": by_action[str(ActionKind.TAG)],
        "rechecked": by_action[str(ActionKind.RECHECK)],
        "deferred": by_action[str(ActionKind.DEFERRED)],
        "pending": by_action[str(ActionKind.PENDING_REMOVAL)],
        "strikes_cleared": by_action[str(ActionKind.CLEAR_STRIKE)],
        "stopped": by_action[str(ActionKind.STOP)],
        "by_rule": dict(sorted(by_rule.items())),
    }


def _share_limits(
    seeding: Sequence[PlannedSeeding], titles: Mapping[str, str]
) -> list[dict[str, Any]]:
    """List the share limits each server's plan sets (or set), a row per set of limits."""
    return [
        {
            "instance": server.entry_id,
            "instance_title": titles.get(server.entry_id, server.title),
            "ratio": limits.ratio,
            "seeding_minutes": limits.seeding_minutes,
            "inactive_minutes": limits.inactive_minutes,
            "torrents": len(hashes),
            "set": server.limits_set is not None,
        }
        for server in seeding
        for limits, hashes in server.plan.share_limits.items()
    ]


@dataclass(slots=True)
class _Rendered:
    """The rows and counts a run's plans render to."""

    actions: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    by_rule: Counter[str] = field(default_factory=Counter)
    by_action: Counter[str] = field(default_factory=Counter)
    failed: int = 0

    def add(
        self,
        plan: PlannedArr | PlannedSeeding,
        actions: Sequence[Action],
        outcomes: Mapping[OutcomeKey, Outcome],
        titles: Mapping[str, str],
    ) -> tuple[Counter[str], Counter[str], int]:
        """Add one plan's actions; return its counts by rule and by action, and its failures."""
        by_rule: Counter[str] = Counter()
        by_action: Counter[str] = Counter()
        failed = 0
        for action in actions:
            outcome = outcomes.get((action.instance, action.hash, plan.entry_id), _PLANNED)
            self.actions.append(_described(action, plan, outcome, titles))
            by_rule[str(action.rule)] += 1
            by_action[str(action.kind)] += 1
            failed += outcome.result == RESULT_FAILED
        self.by_rule.update(by_rule)
        self.by_action.update(by_action)
        self.failed += failed
        return by_rule, by_action, failed


# The outcome of an action not carried out (a dry run, or not reached).
_PLANNED: Final = Outcome()


def render(
    planned: Sequence[PlannedArr],
    outcomes: Mapping[OutcomeKey, Outcome],
    instance_titles: Mapping[str, str],
    skipped_arrs: Mapping[str, tuple[str, str]],
    *,
    now: datetime,
    dry_run: bool,
    seeding: Sequence[PlannedSeeding] = (),
) -> RunReport:
    """Render a run; `skipped_arrs` maps Arrs not judged to (title, error code)."""
    rendered = _Rendered()
    last_runs: dict[str, LastRun] = {}
    for arr in planned:
        by_rule, by_action, failed = rendered.add(arr, arr.plan.actions, outcomes, instance_titles)
        rendered.skipped.extend(_skipped(s, arr, instance_titles) for s in arr.plan.skipped)
        last_runs[arr.entry_id] = LastRun(now, dry_run, dict(by_rule), dict(by_action), failed)
    for server in seeding:
        rendered.add(server, server.plan.actions, outcomes, instance_titles)
    for entry_id, (_, reason) in skipped_arrs.items():
        last_runs[entry_id] = LastRun(now, dry_run, {}, {}, 0, skipped_reason=reason)
    share_limits = _share_limits(seeding, instance_titles)
    unmatched = _unmatched_imports(planned, instance_titles)
    response: dict[str, Any] = {
        "dry_run": dry_run,
        "summary": {
            **_summary(rendered.by_action, rendered.by_rule, rendered.failed),
            "share_limits": sum(row["torrents"] for row in share_limits),
            "unmatched_imports": len(unmatched),
        },
        "actions": rendered.actions,
        "skipped": rendered.skipped,
        "share_limits": share_limits,
        "skipped_arrs": {
            entry_id: {"title": title, "error": reason}
            for entry_id, (title, reason) in sorted(skipped_arrs.items())
        },
        "unmatched_imports": unmatched,
    }
    return _with_events(RunReport(response, last_runs), rendered, unmatched, dry_run=dry_run)


def _with_events(
    report: RunReport,
    rendered: _Rendered,
    unmatched: list[dict[str, Any]],
    *,
    dry_run: bool,
) -> RunReport:
    """Add the events of a rendered run: capped, with a summary of what the cap left out."""
    actions = rendered.actions
    report.import_events = [{**row, "dry_run": dry_run} for row in unmatched[:MAX_ACTION_EVENTS]]
    report.events = [{**action, "dry_run": dry_run} for action in actions[:MAX_ACTION_EVENTS]]
    if len(actions) > MAX_ACTION_EVENTS:
        report.summary_event = {
            "dry_run": dry_run,
            "actions": len(actions),
            "events_fired": MAX_ACTION_EVENTS,
            "by_action": dict(sorted(rendered.by_action.items())),
            "by_rule": dict(sorted(rendered.by_rule.items())),
        }
    return report
