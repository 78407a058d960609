// A Home Assistant frontend `hass` as it holds qbitrr's entities: two servers (one down), one Radarr.
import type { HassEntityState, HomeAssistant } from "../src/types.js";

type Spec = [entityId: string, device: string, key: string | null, state: string, attributes?: Record<string, unknown>];

export function fakeHass(specs: Spec[], extra: Partial<HomeAssistant> = {}): HomeAssistant {
  const states: Record<string, HassEntityState> = {};
  const entities: HomeAssistant["entities"] = {};
  for (const [entityId, device, key, state, attributes] of specs) {
    states[entityId] = { entity_id: entityId, state, attributes: attributes ?? {} };
    entities[entityId] = { entity_id: entityId, device_id: device, platform: "qbitrr", translation_key: key };
  }
  entities["sensor.other"] = { entity_id: "sensor.other", device_id: "dev-other", platform: "demo" };
  states["sensor.other"] = { entity_id: "sensor.other", state: "1", attributes: {} };
  return {
    states,
    entities,
    devices: {
      "dev-a": { id: "dev-a", name: "qBittorrent A", model: "qBittorrent", sw_version: "v5.1.2", config_entries: ["entry-a"] },
      "dev-b": { id: "dev-b", name: "qBittorrent B", name_by_user: "Attic", model: "qBittorrent", sw_version: "v4.5.2", config_entries: ["entry-b"] },
      "dev-r": { id: "dev-r", name: "Radarr", model: "Radarr", sw_version: "5.2", config_entries: ["entry-r"] },
      "dev-other": { id: "dev-other", name: "Other", config_entries: ["entry-x"] },
    },
    localize: () => "",
    callWS: async () => { throw new Error("no calls in unit tests"); },
    callService: async () => undefined,
    ...extra,
  };
}

export const HASS = fakeHass([
  ["binary_sensor.a_connectivity", "dev-a", null, "on", { device_class: "connectivity" }],
  ["sensor.a_total", "dev-a", "total_torrents", "5", { categories: { radarr: 3, "": 1, sonarr: 1 } }],
  ["sensor.a_stalled", "dev-a", "stalled_torrents", "2"],
  ["sensor.a_seeding", "dev-a", "seeding_torrents", "3"],
  ["sensor.a_dl", "dev-a", "download_speed", "1.5", { unit_of_measurement: "MiB/s" }],
  ["sensor.a_version", "dev-a", "app_version", "v5.1.2"],
  ["switch.a_alt", "dev-a", "alternative_speed_limits", "off"],
  ["binary_sensor.b_connectivity", "dev-b", null, "off", { device_class: "connectivity" }],
  ["sensor.b_total", "dev-b", "total_torrents", "unavailable", {}],
  ["sensor.b_stalled", "dev-b", "stalled_torrents", "unavailable"],
  ["sensor.r_queue", "dev-r", "queue_size", "4"],
  ["binary_sensor.r_health", "dev-r", "health_problem", "on", { messages: [{ message: "Indexer down" }] }],
  ["sensor.r_torrents", "dev-r", "arr_torrents", "3", { category: "radarr", instances: {} }],
  ["sensor.r_stalled", "dev-r", "arr_stalled_torrents", "1"],
  ["sensor.r_last", "dev-r", "last_run", "2026-01-01T10:00:00+00:00", { dry_run: true, by_action: { strike: 2 }, failed: 0 }],
  ["sensor.r_pending", "dev-r", "pending_removals", "1", {
    removals: [{ server: "entry-a", server_title: "qBittorrent A", hash: "h1", name: "Movie.2020", rule: "stalled", reason: "stalled 3 times", since: "2026-01-01T09:00:00+00:00" }],
  }],
]);
