"""Removals that wait for the user's answer (an Arr's "ask before removing" option).

A removal the rules plan for such an Arr is held: the plan shows it as a pending removal, the
torrent keeps its strikes (at the last one), and the removal the rules chose waits in the
history store until `qbitrr.remove_torrent` carries it out or `qbitrr.keep_torrent` protects
the torrent. Holding is pure and done in dry runs too, so a dry run shows what a real run holds;
only a real run remembers the held removals and announces the new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, LOGGER
from ..model.torrent import TorrentKey
from ..policy.model import (
    REMOVALS,
    Action,
    ActionKind,
    Guard,
    HistoryEntry,
    Plan,
    PolicyInput,
    PrivateMode,
    QueueEntry,
    Rule,
    Settings,
    TorrentInfo,
)
from ..policy.routing import route

if TYPE_CHECKING:
    from .store import HistoryStore

EVENT_PENDING_REMOVAL: Final = "qbitrr_pending_removal"
# Sent whenever an Arr's pending removals change (a real run, or an answer).
SIGNAL_PENDING_CHANGED: Final = f"{DOMAIN}_pending_changed"
_WAITING: Final = "; waiting for approval"
_LISTED_MAX: Final = 50  # pending removals a sensor lists (its count covers every one)
# An at-risk private torrent keeps seeding: what a removal becomes (as in the strike rules).
_KEPT_SEEDING: Final = {
    ActionKind.ARR_REMOVE: ActionKind.ARR_REMOVE_KEEP,
    ActionKind.DELETE: ActionKind.KEEP_SEEDING,
    ActionKind.DELETE_WITH_FILES: ActionKind.KEEP_SEEDING,
}


class PendingRemoval(NamedTuple):
    """A removal held for approval: exactly what the rules planned, and since when."""

    action: Action
    since: int  # Unix seconds: the run that first held it


@dataclass(frozen=True, slots=True)
class HeldArr:
    """The removals held in one asking Arr's plan, and the servers that plan could see."""

    arr: str
    reachable: frozenset[str]
    removals: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Held:
    """A run's plans with the removals of asking Arrs held, and what was held."""

    plans: list[tuple[PolicyInput, Plan]]
    arrs: tuple[HeldArr, ...]


def _held_entry(data: PolicyInput, settings: Settings, action: Action) -> HistoryEntry:
    """Return the history that keeps a held torrent at its last strike (held again next run)."""
    past = data.history.get((action.instance, action.hash))
    if past is None:
        held = ActionKind.PENDING_REMOVAL
        return HistoryEntry(data.now, settings.strikes, action.rule, None, None, held, data.now)
    return past._replace(
        strikes=settings.strikes,
        rule=action.rule,
        last_action=ActionKind.PENDING_REMOVAL,
        last_action_at=data.now,
    )


def hold_removals(plans: Sequence[tuple[PolicyInput, Plan]]) -> Held:
    """Hold every removal planned for an Arr that asks before removing."""
    held_plans: list[tuple[PolicyInput, Plan]] = []
    held_arrs: list[HeldArr] = []
    for data, plan in plans:
        arr, (_, settings) = next(iter(data.arrs.items()))
        if not settings.ask_before_removing:
            held_plans.append((data, plan))
            continue
        actions: list[Action] = []
        removals: list[Action] = []
        history = dict(plan.history)
        for action in plan.actions:
            if action.kind not in REMOVALS:
                actions.append(action)
                continue
            removals.append(action)
            actions.append(
                action._replace(kind=ActionKind.PENDING_REMOVAL, reason=action.reason + _WAITING)
            )
            history[action.instance, action.hash] = _held_entry(data, settings, action)
        # replace: whatever else the plan carries (reports of blocked imports) stays.
        held_plans.append((data, replace(plan, actions=tuple(actions), history=history)))
        held_arrs.append(HeldArr(arr, data.reachable_instances, tuple(removals)))
    return Held(held_plans, tuple(held_arrs))


@callback
def remember_pending(
    hass: HomeAssistant, store: HistoryStore, held: Held, titles: Mapping[str, str], now: int
) -> None:
    """Keep each asking Arr's held removals (after a real run); announce the new ones.

    What the run held replaces what was pending, except on servers the run could not see.
    """
    for arr in held.arrs:
        before = store.pending_removals(arr.arr)
        pending = {key: p for key, p in before.items() if key[0] not in arr.reachable}
        for action in arr.removals:
            key = (action.instance, action.hash)
            known = before.get(key)
            pending[key] = PendingRemoval(action, known.since if known else now)
            if known is None:
                hass.bus.async_fire(EVENT_PENDING_REMOVAL, pending_event(arr.arr, action, titles))
        store.set_pending(arr.arr, pending)
    if held.arrs:
        async_dispatcher_send(hass, SIGNAL_PENDING_CHANGED)


def pending_event(arr: str, action: Action, titles: Mapping[str, str]) -> dict[str, Any]:
    """Return what the pending-removal event (and the blueprint) tells of one held removal."""
    return {
        "arr": arr,
        "arr_title": titles.get(arr, arr),
        "server": action.instance,
        "server_title": titles.get(action.instance, action.instance),
        "hash": action.hash,
        "name": action.name,
        "category": action.category,
        "rule": str(action.rule),
        "reason": action.reason,
        "action": str(action.kind),
    }


def pending_attributes(
    hass: HomeAssistant, pending: Mapping[TorrentKey, PendingRemoval]
) -> list[dict[str, Any]]:
    """List one Arr's pending removals for its sensor, oldest first (at most 50)."""
    titles = {entry.entry_id: entry.title for entry in hass.config_entries.async_entries(DOMAIN)}
    return [
        {
            "server": record.action.instance,
            "server_title": titles.get(record.action.instance, record.action.instance),
            "hash": record.action.hash,
            "name": record.action.name,
            "rule": str(record.action.rule),
            "reason": record.action.reason,
            "since": dt_util.utc_from_timestamp(record.since).isoformat(),
        }
        for record in sorted(pending.values(), key=lambda p: (p.since, p.action.name))[:_LISTED_MAX]
    ]


def manual_removal(
    torrent: TorrentInfo,
    entries: tuple[QueueEntry, ...],
    arr: str,
    settings: Settings,
    *,
    reachable: frozenset[str],
    any_unreachable: bool,
    copies: Callable[[str], int],
) -> Action | Guard:
    """Return the removal the rules would make of a torrent not held, or the guard keeping it.

    Routed like any bad torrent (through the Arr that downloads this copy, or as the Arr's
    unknown-torrent action); the protect tag and the private-tracker guard apply.
    """
    if settings.protect_tag and settings.protect_tag in torrent.tags:
        return Guard.PROTECTED
    routed = route(
        torrent,
        entries,
        settings,
        reachable=reachable,
        any_unreachable=any_unreachable,
        copies=copies,
    )
    if isinstance(routed, Guard):
        return routed
    kind, queue_entry = routed
    if torrent.at_risk and kind in _KEPT_SEEDING:
        if settings.private_mode is PrivateMode.NEVER_TOUCH:
            return Guard.PRIVATE
        if settings.private_mode is PrivateMode.KEEP_SEEDING:
            kind = _KEPT_SEEDING[kind]
    return Action(
        torrent.instance,
        torrent.hash,
        torrent.name,
        torrent.category,
        queue_entry.arr if queue_entry is not None else arr,
        Rule.STALLED,  # no rule matched: the user asked (the rule names nothing here)
        kind,
        "removal requested",
        queue_entry.queue_id if queue_entry is not None else None,
        queue_entry.media_ids if queue_entry is not None else (),
    )


def pending_to_json(pending: Mapping[TorrentKey, PendingRemoval]) -> list[dict[str, Any]]:
    """Store form of one Arr's pending removals."""
    return [
        {
            "action": [*record.action[:8], record.action.queue_id, list(record.action.media_ids)],
            "since": record.since,
        }
        for record in pending.values()
    ]


def pending_from_json(raw: object) -> dict[TorrentKey, PendingRemoval]:
    """Parse stored pending removals; one that does not parse is dropped, never fatal."""
    pending: dict[TorrentKey, PendingRemoval] = {}
    for item in raw if isinstance(raw, list) else ():
        try:
            instance, torrent_hash, name, category, arr, rule, kind, reason, queue_id, media = item[
                "action"
            ]
            action = Action(
                str(instance),
                str(torrent_hash),
                str(name),
                str(category),
                str(arr),
                Rule(rule),
                ActionKind(kind),
                str(reason),
                int(queue_id) if queue_id is not None else None,
                tuple(int(media_id) for media_id in media),
            )
            pending[action.instance, action.hash] = PendingRemoval(action, int(item["since"]))
        except KeyError, TypeError, ValueError:
            LOGGER.debug("Dropping unreadable pending removal %s", item)
    return pending
