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

/** The message of a failed call: Home Assistant's translated error text when it sent one. */
export function errorText(error: unknown): string {
  if (error && typeof error === "object" && "message" in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
