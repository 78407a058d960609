// The small part of Home Assistant's frontend `hass` object the card uses.

export interface HassEntityState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed?: string;
}

export interface HassEntityEntry {
  entity_id: string;
  device_id?: string | null;
  platform: string;
  translation_key?: string | null;
  hidden?: boolean;
}

export interface HassDevice {
  id: string;
  name?: string | null;
  name_by_user?: string | null;
  model?: string | null;
  sw_version?: string | null;
  config_entries: string[];
}

export interface ServiceCallMessage {
  type: "call_service";
  domain: string;
  service: string;
  service_data?: Record<string, unknown>;
  return_response?: boolean;
}

export interface HomeAssistant {
  states: Record<string, HassEntityState>;
  entities: Record<string, HassEntityEntry>;
  devices: Record<string, HassDevice>;
  language?: string;
  themes?: { darkMode?: boolean };
  localize: (key: string, values?: Record<string, unknown>) => string;
  formatEntityState?: (stateObj: HassEntityState) => string;
  callWS: <T>(message: ServiceCallMessage) => Promise<T>;
  callService: (
    domain: string,
    service: string,
    data?: Record<string, unknown>,
  ) => Promise<unknown>;
}

/** One torrent of `qbitrr.get_torrents`' response. */
export interface ListedTorrent {
  instance: string;
  instance_title: string;
  hash: string;
  name: string;
  category: string;
  tags: string[];
  state: string;
  state_group: string;
  progress: number;
  size: number;
}

/** One action of `qbitrr.handle_torrents`' response (a dry run's plan). */
export interface PlannedAction {
  instance: string;
  instance_title: string;
  hash: string;
  name: string;
  category: string;
  arr: string;
  arr_title: string;
  rule: string;
  action: string;
  reason: string;
  result?: string;
  error?: string | null;
}

export interface HandlingResponse {
  dry_run: boolean;
  summary: Record<string, unknown>;
  actions: PlannedAction[];
  skipped: Array<{ instance_title: string; name: string; rule: string; guard: string }>;
  skipped_arrs: Record<string, { title: string; error: string }>;
}

/** `qbitrr.get_distribution`' by_state: {category: {instance: {group: count}}}. */
export type DistributionByState = Record<string, Record<string, Record<string, number>>>;
