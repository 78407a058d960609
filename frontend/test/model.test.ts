import { test } from "node:test";
import assert from "node:assert/strict";

import { appViews, distributionMatrix, entriesOf, problems, problemsSignature, serverViews, sortedPlan } from "../src/model.js";
import type { ListedTorrent, PlannedAction } from "../src/types.js";
import { HASS } from "./fixtures.js";

const torrent = (over: Partial<ListedTorrent>): ListedTorrent => ({
  instance: "entry-a", instance_title: "qBittorrent A", hash: "h", name: "T", category: "radarr",
  tags: [], state: "stalledDL", state_group: "stalled", progress: 0, size: 1, ...over,
});
const action = (over: Partial<PlannedAction>): PlannedAction => ({
  instance: "entry-a", instance_title: "qBittorrent A", hash: "h", name: "T", category: "radarr",
  arr: "entry-r", arr_title: "Radarr", rule: "stalled", action: "strike", reason: "r", ...over,
});

test("entries group qbitrr entities by device, sorted by title, others ignored", () => {
  const entries = entriesOf(HASS);
  assert.deepEqual(entries.map((e) => [e.entryId, e.title]), [
    ["entry-b", "Attic"], ["entry-a", "qBittorrent A"], ["entry-r", "Radarr"],
  ]);
  assert.ok(entries[1].entities.has("connectivity"));
});

test("a server that is down reads as down, with no counts or categories (not zeros)", () => {
  const [attic, a] = serverViews(entriesOf(HASS));
  assert.equal(attic.up, false);
  assert.deepEqual(attic.counts, []);
  assert.equal(attic.total, null);
  assert.deepEqual(attic.categories, {});
  assert.equal(a.up, true);
  assert.equal(a.version, "v5.1.2");
  assert.deepEqual(a.counts, [{ group: "seeding", count: 3 }, { group: "stalled", count: 2 }]);
  assert.equal(a.altSpeed?.entity_id, "switch.a_alt");
});

test("servers and apps are filtered by entry id or title, case-insensitive", () => {
  assert.deepEqual(serverViews(entriesOf(HASS), ["attic"]).map((s) => s.entryId), ["entry-b"]);
  assert.deepEqual(serverViews(entriesOf(HASS), ["entry-a"]).map((s) => s.title), ["qBittorrent A"]);
  assert.deepEqual(appViews(entriesOf(HASS), ["Sonarr"]), []);
});

test("apps carry health, queue, counts, last run and pending removals", () => {
  const [radarr] = appViews(entriesOf(HASS));
  assert.equal(radarr.app, "Radarr");
  assert.equal(radarr.reachable, true);
  assert.deepEqual(radarr.healthMessages, ["Indexer down"]);
  assert.equal(radarr.queueSize, 4);
  assert.equal(radarr.stalled, 1);
  assert.equal(radarr.category, "radarr");
  assert.deepEqual(radarr.lastRun, { time: "2026-01-01T10:00:00+00:00", dryRun: true, byAction: { strike: 2 }, failed: 0 });
  assert.equal(radarr.pending.length, 1);
});

test("distribution: categories sorted, uncategorised last, down server null, stalled from by_state", () => {
  const servers = serverViews(entriesOf(HASS));
  const without = distributionMatrix(servers, null);
  assert.deepEqual(without.rows.map((r) => r.category), ["radarr", "sonarr", ""]);
  assert.deepEqual(without.rows[0].cells, [null, { total: 3, stalled: null }]);
  assert.equal(without.rows[0].total, 3);
  const withStates = distributionMatrix(servers, { radarr: { "entry-a": { stalled: 2, seeding: 1 } } });
  assert.deepEqual(withStates.rows[0].cells[1], { total: 3, stalled: 2 });
  assert.deepEqual(withStates.rows[1].cells[1], { total: 1, stalled: 0 });
  assert.deepEqual(withStates.servers.map((s) => s.up), [false, true]);
});

test("problems merge pending removals and listed torrents, urgent first, plan fills rule", () => {
  const apps = appViews(entriesOf(HASS));
  const rows = problems(apps, [
    torrent({ hash: "h1", name: "Movie.2020", tags: ["qbitrr-strike"] }),
    torrent({ hash: "h2", name: "Alpha", tags: [] }),
    torrent({ hash: "h3", name: "Beta", tags: ["qbitrr-bad"], state_group: "seeding", category: "x" }),
    torrent({ hash: "h4", name: "Fine", state_group: "seeding" }),
  ], [action({ hash: "h2", rule: "stalled", reason: "no progress" })], 10);
  assert.deepEqual(rows.map((r) => [r.hash, r.kinds]), [
    ["h1", ["pending", "struck", "stalled"]],
    ["h3", ["bad"]],
    ["h2", ["stalled"]],
  ]);
  assert.equal(rows[0].reason, "stalled 3 times");
  assert.equal(rows[0].app, "Radarr");
  assert.equal(rows[1].app, null);
  assert.deepEqual([rows[2].rule, rows[2].reason, rows[2].app], ["stalled", "no progress", "Radarr"]);
  assert.equal(problems(apps, [torrent({ hash: "h2" })], [], 1).length, 1);
});

test("the same torrent listed twice (by state and by tag) is one row", () => {
  const t = torrent({ hash: "h9", tags: ["qbitrr-strike"] });
  assert.equal(problems([], [t, t], [], 10).length, 1);
});

test("plan: removals first, then strikes, then the rest, by name", () => {
  const sorted = sortedPlan([
    action({ name: "b", action: "tag" }),
    action({ name: "z", action: "strike" }),
    action({ name: "a", action: "strike" }),
    action({ name: "c", action: "arr_remove" }),
  ]);
  assert.deepEqual(sorted.map((a) => a.name), ["c", "a", "z", "b"]);
});

test("the refetch signature changes with counts and pending removals only", () => {
  const entries = entriesOf(HASS);
  const before = problemsSignature(serverViews(entries), appViews(entries));
  assert.equal(problemsSignature(serverViews(entriesOf(HASS)), appViews(entriesOf(HASS))), before);
  const apps = appViews(entries);
  apps[0].pending = [];
  assert.notEqual(problemsSignature(serverViews(entries), apps), before);
});
