// qbitrr's services as the card calls them, over Home Assistant's websocket (with responses).

import type {
  DistributionByState,
  HandlingResponse,
  HomeAssistant,
  ListedTorrent,
} from "./types.js";
import { DOMAIN, TAG_BAD, TAG_STRIKE } from "./model.js";

export async function callQbitrr<T>(
  hass: HomeAssistant,
  service: string,
  data: Record<string, unknown> = {},
): Promise<T> {
  const answer = await hass.callWS<{ response: T }>({
    type: "call_service",
    domain: DOMAIN,
    service,
    service_data: data,
    return_response: true,
  });
  return answer.response;
}

/** The torrents worth a look: stalled or errored ones, and those carrying a strike or bad tag. */
export async function fetchProblemTorrents(
  hass: HomeAssistant,
  limit: number,
): Promise<ListedTorrent[]> {
  const [byState, byTag] = await Promise.all([
    callQbitrr<{ torrents: ListedTorrent[] }>(hass, "get_torrents", {
      states: ["stalled", "errored"],
      limit,
    }),
    callQbitrr<{ torrents: ListedTorrent[] }>(hass, "get_torrents", {
      tags: [TAG_STRIKE, TAG_BAD],
      limit,
    }),
  ]);
  return [...byState.torrents, ...byTag.torrents];
}

export async function fetchDistribution(hass: HomeAssistant): Promise<DistributionByState> {
  const answer = await callQbitrr<{ by_state: DistributionByState }>(hass, "get_distribution");
  return answer.by_state;
}

export function dryRun(hass: HomeAssistant): Promise<HandlingResponse> {
  return callQbitrr<HandlingResponse>(hass, "handle_torrents", { dry_run: true });
}

/** What a problem row's buttons do, each to one torrent of one server. */
export type RowAction = "keep" | "recheck" | "remove";

interface SelectionResponse {
  instances: Record<string, { hashes: string[]; error: string | null }>;
}

/** Run a row's action; the text to show after it (a failed call throws). */
export async function actOnRow(
  hass: HomeAssistant,
  action: RowAction,
  row: { instance: string; hash: string },
): Promise<string> {
  if (action === "recheck") {
    // A selection service: it answers, rather than fails, when the torrent has gone meanwhile.
    const answer = await callQbitrr<SelectionResponse>(hass, "recheck_torrents", {
      config_entry_id: row.instance,
      hashes: [row.hash],
    });
    const chosen = answer.instances[row.instance]?.hashes ?? [];
    return chosen.includes(row.hash)
      ? "Recheck started: qBittorrent checks the data on disk."
      : "Not on that server any more.";
  }
  const service = action === "keep" ? "keep_torrent" : "remove_torrent";
  await callQbitrr(hass, service, { config_entry_id: row.instance, hash: row.hash });
  return action === "keep" ? "Kept: protected and strikes cleared." : "Removed.";
}

/** The message of a failed call: Home Assistant's translated error text when it sent one. */
export function errorText(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
