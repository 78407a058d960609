"""What the stack prints once it is up: the entries, the Arr side, and the logins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import ARR_LABELS, HA_USER, QBT_LABELS, write_private

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .stack import DevStack


def write_credentials(stack: DevStack) -> str:
    """Write dev-instance/credentials.txt and return its text."""
    lines = [
        "# scripts/develop: local dev instance (127.0.0.1 only). Secrets: keep private.",
        f"Home Assistant   {stack.ha_url}",
        f"  username: {HA_USER}",
        f"  password: {stack.state.ha_password}",
        f"  long-lived token: {stack.state.ha_token}",
    ]
    for major, server in stack.servers.items():
        lines += [
            f"{QBT_LABELS[major]:<16} {server.url}",
            f"  username: {server.username}",
            f"  password: {server.password}",
        ]
    for app, emulator in stack.arrs.items():
        lines += [
            f"{ARR_LABELS[app] + ' emulator':<16} {emulator.url}",
            f"  api key: {emulator.api_key}",
        ]
    text = "\n".join(lines) + "\n"
    write_private(stack.dev_dir / "credentials.txt", text)
    return text


def arr_summary(stack: DevStack) -> list[str]:
    """The emulators, the Arr sensors and the cross-instance services, for the summary."""
    lines = ["Arr emulators (in the orchestrator process):"]
    for app, emulator in stack.arrs.items():
        per_server = ", ".join(
            f"{n} on {QBT_LABELS[major]}" for major, n in sorted(stack.queued[app].items())
        )
        warnings = len([h for h in emulator.health if h.get("type") in {"warning", "error"}])
        lines.append(
            f"  {ARR_LABELS[app]:<7} {emulator.url}  api key {emulator.api_key}"
            f"  queue {sum(stack.queued[app].values())} ({per_server}),"
            f" {warnings} health warning{'s' * (warnings != 1)}"
        )
    lines += ["Arr sensors:"]
    lines += [f"  {entity_id} = {state}" for entity_id, state in stack.arr_sensors.items()]
    titles: Mapping[str, str] = stack.distribution.get("instances", {})
    lines.append("Torrents per category and instance (qbitrr.get_distribution):")
    for category, counts in stack.distribution.get("distribution", {}).items():
        per_instance = ", ".join(f"{titles.get(k, k)} {n}" for k, n in counts.items())
        lines.append(f"  {category}: {per_instance}")
    if stack.category_sync:
        instances = stack.category_sync.get("instances", {}).values()
        lines.append(
            f"qbitrr.sync_categories: {', '.join(stack.category_sync.get('categories', []))}"
            f" on {len(instances)} instances, "
            + "; ".join(
                f"{i.get('title')}: created {i.get('created') or 'none'},"
                f" failed {i.get('failed') or 'none'}"
                for i in instances
            )
        )
    return lines


def summarize(
    entries: list[dict[str, Any]], per_entry: dict[str, list[dict[str, Any]]]
) -> list[str]:
    """One line per config entry: title, state, entity counts by platform."""
    lines = []
    for entry in entries:
        states = per_entry.get(entry["entry_id"], [])
        by_domain: dict[str, int] = {}
        for state in states:
            domain = state["entity_id"].split(".", 1)[0]
            by_domain[domain] = by_domain.get(domain, 0) + 1
        unavailable = sum(1 for s in states if s["state"] == "unavailable")
        counts = ", ".join(f"{n} {d}" for d, n in sorted(by_domain.items())) or "no entities"
        lines.append(
            f"  {entry['title']}: {entry['state']}; {counts}"
            + (f" ({unavailable} unavailable)" if unavailable else "")
        )
    return lines
