"""The human-readable table: per server and size, the 5 instances, stalls, plan, targets."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Final

from .polls import SCENARIO_LABELS, SCENARIOS
from .units import fmt_bytes, fmt_ratio, fmt_stats, fmt_time

if TYPE_CHECKING:
    from .common import Json
    from .runner import Benchmark
    from .targets import Target

COLUMNS: Final = "{:<22} {:<14} {:>12} {:>12}  {:<34} {}"
METRICS: Final = (
    ("wire", "wire bytes / poll", fmt_bytes),
    ("body", "JSON bytes / poll", fmt_bytes),
    ("cpu", "client CPU / poll", fmt_time),
    ("wall", "wall time / poll", fmt_time),
    ("server", "server CPU / poll", fmt_time),
)
# The target each row of a server's table is read by: (attribute, scenario) -> target name.
ROW_TARGETS: Final = {
    ("wire", "idle"): "poll bytes, idle vs full",
    ("wire", "changed_100"): "poll bytes, 100 changed vs full",
    ("wire", "idle_cycle"): "poll bytes, idle+resyncs vs full",
    ("cpu", "idle"): "client CPU, idle vs full",
    ("cpu", "changed_100"): "client CPU, 100 changed vs full",
    ("cpu", "idle_cycle"): "client CPU, idle+resyncs vs full",
    ("hour", "idle"): "server CPU per hour, idle, vs baseline",
    ("hour", "active"): "server CPU per hour, active, vs baseline",
    ("memory", ""): "held model per torrent",
}


def render(bench: Benchmark) -> str:
    """The human-readable table."""
    lines = [
        "torrents: magnets with a library's history (dates, transfer totals)"
        if bench.s.history
        else "torrents: magnets as added (--no-history: equal dates, zero totals)"
    ]
    for result in bench.results:
        lines += _server_table(bench, result)
    if bench.instances_result is not None:
        lines += _instances(bench.instances_result)
    for stall in bench.stalls:
        lines += [
            (
                f"== event-loop stall, full refresh in the executor,"
                f" {stall['version']} @ {stall['size']:,} (probe sleeps 5 ms;"
                f" floor {fmt_time(stall['probe_floor_s'])}) =="
            ),
            (
                f"   ours {fmt_stats(stall['ours'], fmt_time)}"
                f" (refresh {fmt_time(stall['ours_refresh_wall']['median'])});"
                f" baseline {fmt_stats(stall['baseline'], fmt_time)}"
                f" (refresh {fmt_time(stall['baseline_refresh_wall']['median'])})"
            ),
            (
                f"   each refresh starts after gc.collect(); the collector's longest pause in"
                f" ours {fmt_stats(stall['ours_gc_longest_pause'], fmt_time)},"
                f" full collections {stall['ours_full_collections']}; measured again as the"
                f" machine slowed them: {stall['ours_redone']}"
            ),
        ]
    if bench.handling_result is not None:
        lines += _handling(bench.handling_result)
    if (plan := bench.plan_result) is not None:
        lines.append(
            f"== policy plan, {plan['torrents']:,} torrents, every rule, a routine run"
            f" ({plan.get('changed_per_run', 0):,} records changed since the last):"
            f" {fmt_stats(plan['seconds'], fmt_time)} ({plan['actions']} actions,"
            f" {plan['skipped']} skipped) =="
        )
        if "whole_seconds" in plan:
            lines.append(
                "   inputs brought up to date first:"
                f" {fmt_stats(plan['inputs_seconds'], fmt_time)};"
                f" the run's whole planning: {fmt_stats(plan['whole_seconds'], fmt_time)}"
            )
        if "first_run_seconds" in plan:
            lines.append(
                f"   first run (nothing kept; goals just turned on):"
                f" {fmt_stats(plan['first_run_seconds'], fmt_time)}, whole planning"
                f" {fmt_stats(plan['first_run_whole_seconds'], fmt_time)}"
                f" ({plan['first_run_goal_actions']} goal actions,"
                f" {plan['first_run_share_limits']} torrents' share limits)"
            )
    lines += _machine(bench)
    lines += ["", f"== targets (medians; sizes at {bench.target_size:,} torrents) =="]
    for target in bench.targets:
        verdict = "PASS" if target.passed else "FAIL"
        slowed = bench.machine.slowed(target.phase) if not target.passed else None
        lines.append(
            f"   {verdict:<4}  {target.name:<44} {target.scope:<34}"
            f" {target.shown:>10}  (target {target.limit_shown}; {margin_text(target)})"
            + ("  [extra, not counted]" if target.extra else "")
            + (f"  [machine slowed: {slowed.describe()}]" if slowed else "")
        )
    return "\n".join(lines)


def _machine(bench: Benchmark) -> list[str]:
    """The timed phases other processes slowed, if any."""
    slowed = [phase for phase in bench.machine.phases.values() if phase.slowed]
    if not slowed:
        return []
    return [
        (
            f"== machine: other processes slowed {len(slowed)} of {len(bench.machine.phases)}"
            " timed phases; their timing figures measured the machine too =="
        ),
        *(f"   {phase.name}: {phase.describe()} over {phase.wall:.0f} s" for phase in slowed),
    ]


def _server_table(bench: Benchmark, result: Json) -> list[str]:
    """One server and size: every metric and scenario, per hour, the held model, notes."""
    metrics = result["metrics"]
    lines = [
        (
            f"== qBittorrent {result['version']}, {result['size']:,} torrents,"
            f" {result['reps']} rep(s); ratio = ours / baseline in the same rep,"
            " min / median / max =="
        ),
        (
            "   idle+resyncs = one cycle of the client's own periodic full resync:"
            f" {result['resync_polls']} idle polls + 1 full, averaged"
        ),
        COLUMNS.format("metric", "scenario", "ours", "baseline", "ratio", "target"),
    ]
    for attribute, label, fmt in METRICS:
        for scenario in SCENARIOS:
            row = metrics[attribute][scenario]
            lines.append(
                COLUMNS.format(
                    label,
                    SCENARIO_LABELS[scenario],
                    fmt(row["ours"]["median"]),
                    fmt(row["baseline"]["median"]),
                    fmt_stats(row["ratio"], fmt_ratio),
                    target_note(bench, result, attribute, scenario),
                )
            )
    for name, row in metrics["server_cpu_per_hour"].items():
        lines.append(
            COLUMNS.format(
                "server CPU / hour",
                f"{name} {row['ours_interval_s']['median']:.0f}s|{row['baseline_interval_s']:.0f}s",
                fmt_time(row["ours"]["median"]),
                fmt_time(row["baseline"]["median"]),
                fmt_stats(row["ratio"], fmt_ratio),
                target_note(bench, result, "hour", name),
            )
        )
    return lines + _memory_and_notes(bench, result)


def _memory_and_notes(bench: Benchmark, result: Json) -> list[str]:
    """The held model's rows, then what else the repetitions saw."""
    memory = result["memory"]
    background = result["server_background_cpu"]["median"]
    changed = ", ".join(f"{k}: {v}" for k, v in result["reply_torrents"].items())
    return [
        COLUMNS.format(
            "held model / torrent",
            "after 1 sync",
            fmt_bytes(memory["ours"]["median"]),
            fmt_bytes(memory["baseline"]["median"]),
            fmt_stats(memory["ratio"], fmt_ratio),
            target_note(bench, result, "memory", ""),
        ),
        COLUMNS.format(
            "peak / torrent",
            "during sync",
            fmt_bytes(memory["ours_peak"]["median"]),
            fmt_bytes(memory["baseline_peak"]["median"]),
            "",
            "",
        ),
        (
            "   periodic full resyncs inside idle windows:"
            f" {result['periodic_fulls_in_idle_windows']}"
            f" (counted as full, not idle); change polls redone after landing on one:"
            f" {result['change_polls_retried']}, after carrying other torrents too:"
            f" {result.get('change_polls_crowded', 0)}"
        ),
        (
            f"   server idle background {background * 100:.1f}% of a core (subtracted);"
            f" torrents in changed replies: {changed};"
            f" encodings: {', '.join(result['encodings'])}"
        ),
        "",
    ]


def _instances(result: Json) -> list[str]:
    """The 5-instance scenario: both kinds of refresh, latency-bound (the target), co-located."""
    lines = [
        (
            f"== 5 instances ({', '.join(result['versions'])}), {result['torrents_each']:,}"
            f" torrents each, ThreadPoolExecutor({result['workers']}) =="
        ),
        (
            f"   latency-bound: each server behind a proxy holding each poll request"
            f" {fmt_time(result['latency_s'])}; the target reads the round with the servers apart"
        ),
    ]
    lines += [_instance_row(kind, result[kind]) for kind in ("full", "idle")]
    lines.append(
        f"   co-located (information): the servers and the client share {os.cpu_count()} cores"
    )
    lines += [_instance_row(kind, result["colocated"][kind]) for kind in ("full", "idle")]
    return [*lines, ""]


def _instance_row(kind: str, row: Json) -> str:
    """One kind of refresh: together, alone, CPU, ratios."""
    return (
        f"     {kind:<5} refresh: concurrent {fmt_time(row['concurrent']['median'])},"
        f" slowest alone {fmt_time(row['slowest_alone']['median'])},"
        f" all alone in turn {fmt_time(row['sum_alone']['median'])},"
        f" CPU used: client {fmt_time(row['client_cpu']['median'])}, servers"
        f" {fmt_time(row['servers_cpu']['median'])} -> floor on {os.cpu_count()} cores"
        f" {fmt_time(row['cpu_floor']['median'])};"
        f" per-round ratio {fmt_stats(row['ratio'], lambda v: f'{v:.2f}x')};"
        f" medians' ratio {row['ratio_of_medians']:.2f}x" + _apart(row)
    )


def _apart(row: Json) -> str:
    """Behind proxies: the servers' answer times, and the round as if each had its own machine."""
    if "apart" not in row:
        return ""
    return (
        f"\n       slowest server's answer alone"
        f" {fmt_time(row['server_answer_alone']['median'])}, together"
        f" {fmt_time(row['server_answer_together']['median'])} (their shared cores);"
        f" with each answer as long as alone (servers apart):"
        f" {fmt_time(row['apart']['median'])}, per-round ratio"
        f" {fmt_stats(row['ratio_apart'], lambda v: f'{v:.2f}x')};"
        f" medians' ratio {row['ratio_of_medians_apart']:.2f}x"
    )


def _handling(result: Json) -> list[str]:
    """The handle_torrents run: time, stall, and what reached the server and the bus."""
    seconds = result["request_seconds_last_run"]
    stall = result["loop_stall_without_gc"]
    requests = ", ".join(
        f"{path} {n} ({fmt_time(seconds[path])})" for path, n in result["requests_last_run"].items()
    )
    options = ", ".join(f"{k} {v}" for k, v in result["arr_options"].items())
    return [
        (
            f"== handle_torrents over {result['torrents']:,} stalled magnets in Home Assistant,"
            f" {result['version']} ({options}), {result['reps']} rep(s), min / median / max =="
        ),
        (
            f"   answered in {fmt_stats(result['seconds'], fmt_time)};"
            f" client CPU {fmt_stats(result['client_cpu'], fmt_time)}"
        ),
        (
            f"   longest event-loop stall {fmt_stats(result['loop_stall'], fmt_time)}"
            f" (without the collector's pauses {fmt_stats(stall, fmt_time)});"
            f" full collections per run {result['gc_full_collections']}, longest pause"
            f" {fmt_stats(result['gc_longest_pause'], fmt_time)}"
        ),
        (
            f"   struck {result['struck']:,}"
            f" (tagged on the server: {result['struck_on_server']:,});"
            f" events per run: qbitrr_torrent_action {result['action_events']} (cap"
            f" {result['action_events_cap']}), qbitrr_handling_summary {result['summary_events']};"
            f" state writes {result['state_writes']}"
        ),
        f"   requests reaching the server in the last run (time in the proxy): {requests}",
        "",
    ]


def margin_text(target: Target) -> str:
    """'2.4x under' or '1.5x over' beside a limit ('exact' / 'off by 3' for counts)."""
    if target.exact:
        return "exact" if target.passed else f"off by {target.value - target.limit:+,}"
    margin = target.margin
    if margin is None:
        return "nothing measured: under any limit"
    return f"{margin:,.3g}x under" if margin >= 1 else f"{1 / margin:,.3g}x over"


def target_note(bench: Benchmark, result: Json, attribute: str, scenario: str) -> str:
    """PASS/FAIL beside the row a target reads."""
    if result["size"] != bench.target_size:
        return ""
    name = ROW_TARGETS.get((attribute, scenario))
    scope = f"{result['version']} @ {result['size']:,}"
    for target in bench.targets:
        if target.name == name and target.scope == scope:
            verdict = "PASS" if target.passed else "FAIL"
            return f"{target.limit_shown} {verdict} ({margin_text(target)})" + (
                " (extra)" if target.extra else ""
            )
    return ""
