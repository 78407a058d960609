// The card's configuration: defaults, validation, and the editor's changes.

export const SECTIONS = ["servers", "apps", "distribution", "problems", "plan"] as const;
export type Section = (typeof SECTIONS)[number];

export interface CardConfig {
  type: string;
  title?: string;
  /** Config entry ids or titles of the qBittorrent servers to show (all when absent). */
  servers?: string[];
  /** Config entry ids or titles of the Arr apps to show (all when absent). */
  apps?: string[];
  /** Sections in display order (all when absent). */
  sections?: Section[];
  /** How many problem torrents are listed at most. */
  problems_limit?: number;
}

export const DEFAULT_PROBLEMS_LIMIT = 25;
export const MAX_PROBLEMS_LIMIT = 200;

function stringList(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string" || item === "")) {
    throw new Error(`qbitrr-card: "${field}" must be a list of names or config entry ids`);
  }
  return [...new Set(list as string[])];
}

/** Check a configuration from YAML or the editor; throw an Error Home Assistant shows. */
export function normalizeConfig(raw: unknown): CardConfig {
  if (typeof raw !== "object" || raw === null) {
    throw new Error("qbitrr-card: the configuration must be a mapping");
  }
  const input = raw as Record<string, unknown>;
  const config: CardConfig = { type: String(input.type ?? "custom:qbitrr-card") };
  if (input.title !== undefined) {
    if (typeof input.title !== "string") throw new Error('qbitrr-card: "title" must be text');
    config.title = input.title;
  }
  const servers = stringList(input.servers, "servers");
  if (servers) config.servers = servers;
  const apps = stringList(input.apps, "apps");
  if (apps) config.apps = apps;
  const sections = stringList(input.sections, "sections");
  if (sections) {
    const unknown = sections.filter((s) => !(SECTIONS as readonly string[]).includes(s));
    if (unknown.length) {
      throw new Error(
        `qbitrr-card: unknown section ${unknown.join(", ")} (known: ${SECTIONS.join(", ")})`,
      );
    }
    config.sections = sections as Section[];
  }
  if (input.problems_limit !== undefined) {
    const limit = Number(input.problems_limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PROBLEMS_LIMIT) {
      throw new Error(`qbitrr-card: "problems_limit" must be 1 to ${MAX_PROBLEMS_LIMIT}`);
    }
    config.problems_limit = limit;
  }
  return config;
}

export function shownSections(config: CardConfig): Section[] {
  return config.sections ?? [...SECTIONS];
}

/** Whether an entry is selected by a list of ids or titles (everything when no list). */
export function selected(list: string[] | undefined, entryId: string, title: string): boolean {
  if (!list) return true;
  const folded = title.toLocaleLowerCase();
  return list.some((item) => item === entryId || item.toLocaleLowerCase() === folded);
}

/**
 * The editor's toggle of one item of a list option. `all` is every choice in display order;
 * a list that ends up holding all of them is dropped (absent means all, and follows new ones).
 */
export function toggled<T extends string>(
  current: readonly T[] | undefined,
  all: readonly T[],
  item: T,
  on: boolean,
): T[] | undefined {
  const set = new Set<T>(current ?? all);
  if (on) set.add(item);
  else set.delete(item);
  const result = all.filter((choice) => set.has(choice));
  return result.length === all.length ? undefined : result;
}

/** A new configuration with one option changed; undefined removes the key. */
export function withOption<K extends keyof CardConfig>(
  config: CardConfig,
  key: K,
  value: CardConfig[K] | undefined,
): CardConfig {
  const next: CardConfig = { ...config };
  if (value === undefined || value === "") delete next[key];
  else next[key] = value;
  return next;
}
