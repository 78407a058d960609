// Numbers and times as the card shows them (used where Home Assistant's formatter is absent).

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

const UNIT_FACTORS: Record<string, number> = {
  B: 1,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** A size in bytes with a binary unit: 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** A rate in bytes per second: "1.5 MiB/s". */
export function formatSpeed(bytesPerSecond: number): string {
  const text = formatBytes(bytesPerSecond);
  return text === "—" ? text : `${text}/s`;
}

/** Bytes from a sensor's state and unit ("12.5", "GiB" or "MiB/s"); null when not a number. */
export function toBytes(state: string | undefined, unit: unknown): number | null {
  if (state === undefined || state === "" || Number.isNaN(Number(state))) return null;
  const base = typeof unit === "string" ? unit.replace(/\/s$/, "") : "B";
  const factor = UNIT_FACTORS[base];
  return factor === undefined ? null : Number(state) * factor;
}

/** How long ago an ISO time was, in words: "just now", "5 min ago", "3 h ago", "2 d ago". */
export function formatAgo(iso: string | undefined | null, now: number = Date.now()): string {
  if (!iso) return "never";
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "never";
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} d ago`;
}

/** A count that stays readable in a narrow column: 1234 -> "1.2k". */
export function formatCount(count: number): string {
  if (count < 1000) return String(count);
  if (count < 10_000) return `${(count / 1000).toFixed(1)}k`;
  return `${Math.round(count / 1000)}k`;
}

/** Words of a snake_case key: "pending_removal" -> "Pending removal". */
export function humanize(key: string): string {
  const words = key.replace(/_/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : "";
}

/** A count with its noun: 1 -> "1 action", 2 -> "2 actions". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
