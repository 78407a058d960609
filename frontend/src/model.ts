// Data shaping: qbitrr's entities, as Home Assistant's frontend holds them, into the card's views.
// Pure functions of plain data (no DOM, no Lit), so the unit tests run them in node.

import type {
  DistributionByState,
  HassEntityState,
  HomeAssistant,
  ListedTorrent,
  PlannedAction,
} from "./types.js";
import { selected } from "./config.js";

export const DOMAIN = "qbitrr";
export const QBITTORRENT_MODEL = "qBittorrent";
export const UNAVAILABLE = new Set(["unavailable", "unknown"]);
/** State groups with a count sensor, in the order the card lists them. */
export const STATE_GROUPS = [
  "downloading",
  "seeding",
  "stalled",
  "paused",
  "errored",
  "checking",
  "queued",
] as const;
export const TAG_STRIKE = "qbitrr-strike";
export const TAG_BAD = "qbitrr-bad";

/** One config entry's device with its qbitrr entities, keyed by translation key. */
export interface EntryEntities {
  entryId: string;
  deviceId: string;
  title: string;
  model: string;
  version: string | null;
  entities: Map<string, HassEntityState>;
}

export interface ServerView {
  entryId: string;
  title: string;
  version: string | null;
  up: boolean;
  download?: HassEntityState;
  upload?: HassEntityState;
  freeSpace?: HassEntityState;
  counts: Array<{ group: string; count: number }>;
  total: number | null;
  categories: Record<string, number>;
  altSpeed?: HassEntityState;
}

export interface PendingRemoval {
  server: string;
  server_title: string;
  hash: string;
  name: string;
  rule: string;
  reason: string;
  since: string;
}

export interface AppView {
  entryId: string;
  title: string;
  app: string;
  version: string | null;
  reachable: boolean;
  healthMessages: string[];
  queueSize: number | null;
  torrents: number | null;
  stalled: number | null;
  category: string | null;
  lastRun: {
    time: string;
    dryRun: boolean;
    byAction: Record<string, number>;
    failed: number;
  } | null;
  pending: PendingRemoval[];
}

function number(state: HassEntityState | undefined): number | null {
  if (!state || UNAVAILABLE.has(state.state) || state.state === "") return null;
  const value = Number(state.state);
  return Number.isFinite(value) ? value : null;
}

/** The key an entity is known by: its translation key, or its device class (connectivity). */
function entityKey(translationKey: string | null | undefined, state: HassEntityState): string {
  if (translationKey) return translationKey;
  const deviceClass = state.attributes.device_class;
  return typeof deviceClass === "string" ? deviceClass : state.entity_id;
}

/** Every qbitrr config entry's device and entities, servers and apps alike, sorted by title. */
export function entriesOf(hass: HomeAssistant): EntryEntities[] {
  const byDevice = new Map<string, EntryEntities>();
  for (const entry of Object.values(hass.entities ?? {})) {
    if (entry.platform !== DOMAIN || !entry.device_id) continue;
    const state = hass.states[entry.entity_id];
    const device = hass.devices?.[entry.device_id];
    if (!state || !device || device.config_entries.length === 0) continue;
    let item = byDevice.get(device.id);
    if (!item) {
      item = {
        entryId: device.config_entries[0],
        deviceId: device.id,
        title: device.name_by_user || device.name || device.config_entries[0],
        model: device.model ?? "",
        version: device.sw_version ?? null,
        entities: new Map(),
      };
      byDevice.set(device.id, item);
    }
    item.entities.set(entityKey(entry.translation_key, state), state);
  }
  return [...byDevice.values()].sort(
    (a, b) => a.title.localeCompare(b.title) || a.entryId.localeCompare(b.entryId),
  );
}

export function serverViews(entries: EntryEntities[], filter?: string[]): ServerView[] {
  return entries
    .filter((e) => e.model === QBITTORRENT_MODEL && selected(filter, e.entryId, e.title))
    .map((e) => {
      const get = (key: string) => e.entities.get(key);
      const connectivity = get("connectivity");
      const total = get("total_torrents");
      const up = connectivity ? connectivity.state === "on" : total ? !UNAVAILABLE.has(total.state) : false;
      const categories = up ? (total?.attributes.categories as Record<string, number>) ?? {} : {};
      const version = get("app_version");
      return {
        entryId: e.entryId,
        title: e.title,
        version: version && !UNAVAILABLE.has(version.state) ? version.state : e.version,
        up,
        download: get("download_speed"),
        upload: get("upload_speed"),
        freeSpace: get("free_space"),
        counts: STATE_GROUPS.flatMap((group) => {
          const count = up ? number(get(`${group}_torrents`)) : null;
          return count === null ? [] : [{ group, count }];
        }),
        total: up ? number(total) : null,
        categories,
        altSpeed: get("alternative_speed_limits"),
      };
    });
}

export function appViews(entries: EntryEntities[], filter?: string[]): AppView[] {
  return entries
    .filter((e) => e.model !== QBITTORRENT_MODEL && selected(filter, e.entryId, e.title))
    .map((e) => {
      const get = (key: string) => e.entities.get(key);
      const queue = get("queue_size");
      const health = get("health_problem");
      const torrents = get("arr_torrents");
      const lastRun = get("last_run");
      const pending = get("pending_removals")?.attributes.removals;
      const messages = (health?.attributes.messages as Array<{ message?: string }>) ?? [];
      const byAction = lastRun?.attributes.by_action as Record<string, number> | undefined;
      return {
        entryId: e.entryId,
        title: e.title,
        app: e.model,
        version: e.version,
        reachable: queue !== undefined && !UNAVAILABLE.has(queue.state),
        healthMessages: health?.state === "on" ? messages.map((m) => String(m.message ?? m)) : [],
        queueSize: number(queue),
        torrents: number(torrents),
        stalled: number(get("arr_stalled_torrents")),
        category: typeof torrents?.attributes.category === "string" ? torrents.attributes.category : null,
        lastRun:
          lastRun && !UNAVAILABLE.has(lastRun.state)
            ? {
                time: lastRun.state,
                dryRun: Boolean(lastRun.attributes.dry_run),
                byAction: byAction ?? {},
                failed: Number(lastRun.attributes.failed ?? 0),
              }
            : null,
        pending: Array.isArray(pending) ? (pending as PendingRemoval[]) : [],
      };
    });
}

export interface MatrixCell {
  total: number;
  stalled: number | null;
}

export interface DistributionMatrix {
  servers: Array<{ entryId: string; title: string; up: boolean }>;
  rows: Array<{ category: string; cells: Array<MatrixCell | null>; total: number }>;
}

/**
 * Category × server counts. Totals come from each server's total-torrents sensor; stalled counts
 * from `get_distribution`'s by_state when the card has it. A down server's cells are null.
 */
export function distributionMatrix(
  servers: ServerView[],
  byState: DistributionByState | null,
): DistributionMatrix {
  const categories = new Set<string>();
  for (const server of servers) for (const c of Object.keys(server.categories)) categories.add(c);
  const ordered = [...categories].sort((a, b) =>
    a === "" ? 1 : b === "" ? -1 : a.localeCompare(b),
  );
  return {
    servers: servers.map(({ entryId, title, up }) => ({ entryId, title, up })),
    rows: ordered.map((category) => {
      const cells = servers.map((server): MatrixCell | null => {
        if (!server.up) return null;
        const stalled = byState ? (byState[category]?.[server.entryId]?.stalled ?? 0) : null;
        return { total: server.categories[category] ?? 0, stalled };
      });
      return { category, cells, total: cells.reduce((sum, cell) => sum + (cell?.total ?? 0), 0) };
    }),
  };
}

export type ProblemKind = "pending" | "struck" | "bad" | "errored" | "stalled";
const KIND_ORDER: ProblemKind[] = ["pending", "struck", "bad", "errored", "stalled"];

export interface Problem {
  key: string;
  instance: string;
  serverTitle: string;
  hash: string;
  name: string;
  app: string | null;
  kinds: ProblemKind[];
  rule: string | null;
  reason: string | null;
}

function kindsOf(torrent: ListedTorrent): ProblemKind[] {
  const kinds: ProblemKind[] = [];
  if (torrent.tags.includes(TAG_STRIKE)) kinds.push("struck");
  if (torrent.tags.includes(TAG_BAD)) kinds.push("bad");
  if (torrent.state_group === "errored") kinds.push("errored");
  if (torrent.state_group === "stalled") kinds.push("stalled");
  return kinds;
}

/**
 * The problem torrents: pending removals (from the apps' sensors), then listed torrents that are
 * struck, bad, errored or stalled; one row per server and hash, the rule and reason of a dry
 * run's plan filled in where the row has none. Most urgent first, then by name.
 */
export function problems(
  apps: AppView[],
  torrents: ListedTorrent[],
  plan: PlannedAction[],
  limit: number,
): Problem[] {
  const rows = new Map<string, Problem>();
  const appOfCategory = new Map(apps.filter((a) => a.category).map((a) => [a.category!, a.title]));
  const row = (instance: string, hash: string, init: () => Omit<Problem, "kinds">): Problem => {
    const key = `${instance}:${hash}`;
    let found = rows.get(key);
    if (!found) {
      found = { ...init(), kinds: [] };
      rows.set(key, found);
    }
    return found;
  };
  for (const app of apps) {
    for (const p of app.pending) {
      const r = row(p.server, p.hash, () => ({
        key: `${p.server}:${p.hash}`,
        instance: p.server,
        serverTitle: p.server_title,
        hash: p.hash,
        name: p.name,
        app: app.title,
        rule: p.rule,
        reason: p.reason,
      }));
      if (!r.kinds.includes("pending")) r.kinds.push("pending");
    }
  }
  for (const t of torrents) {
    const kinds = kindsOf(t);
    if (kinds.length === 0) continue;
    const r = row(t.instance, t.hash, () => ({
      key: `${t.instance}:${t.hash}`,
      instance: t.instance,
      serverTitle: t.instance_title,
      hash: t.hash,
      name: t.name,
      app: appOfCategory.get(t.category) ?? null,
      rule: null,
      reason: null,
    }));
    for (const kind of kinds) if (!r.kinds.includes(kind)) r.kinds.push(kind);
  }
  for (const action of plan) {
    const r = rows.get(`${action.instance}:${action.hash}`);
    if (r && r.rule === null) {
      r.rule = action.rule;
      r.reason = action.reason;
      r.app = r.app ?? action.arr_title;
    }
  }
  const rank = (p: Problem) => Math.min(...p.kinds.map((k) => KIND_ORDER.indexOf(k)));
  return [...rows.values()]
    .map((p) => ({ ...p, kinds: [...p.kinds].sort((a, b) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b)) }))
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.key.localeCompare(b.key))
    .slice(0, limit);
}

const REMOVALS = new Set([
  "arr_remove",
  "arr_remove_keep",
  "delete",
  "delete_with_files",
  "pending_removal",
  "deferred",
]);

/** A dry run's plan, grouped for display: removals first, then the rest by action, then name. */
export function sortedPlan(actions: PlannedAction[]): PlannedAction[] {
  const order = (a: PlannedAction) => (REMOVALS.has(a.action) ? 0 : a.action === "strike" ? 1 : 2);
  return [...actions].sort(
    (a, b) =>
      order(a) - order(b) || a.action.localeCompare(b.action) || a.name.localeCompare(b.name),
  );
}

/** A signature of the states that change the problem list (to refetch it only then). */
export function problemsSignature(servers: ServerView[], apps: AppView[]): string {
  return [
    ...servers.map((s) => `${s.entryId}:${s.up}:${s.total}:${s.counts.map((c) => c.count).join(",")}`),
    ...apps.map((a) => `${a.entryId}:${a.pending.length}:${a.lastRun?.time ?? ""}`),
  ].join("|");
}
