import { test } from "node:test";
import assert from "node:assert/strict";

import { actOnRow } from "../src/services.js";
import type { ServiceCallMessage } from "../src/types.js";
import { fakeHass } from "./fixtures.js";

const ROW = { instance: "entry-a", hash: "h1" };

/** A hass whose websocket records each call and answers with `response`. */
function recording(response: unknown): { hass: ReturnType<typeof fakeHass>; sent: ServiceCallMessage[] } {
  const sent: ServiceCallMessage[] = [];
  const hass = fakeHass([], {
    callWS: async <T>(message: ServiceCallMessage): Promise<T> => {
      sent.push(message);
      return { response } as T;
    },
  });
  return { hass, sent };
}

test("recheck calls the selection service with the row's server and hash", async () => {
  const { hass, sent } = recording({ instances: { "entry-a": { hashes: ["h1"], error: null } } });
  const text = await actOnRow(hass, "recheck", ROW);
  assert.deepEqual(sent, [{
    type: "call_service", domain: "qbitrr", service: "recheck_torrents",
    service_data: { config_entry_id: "entry-a", hashes: ["h1"] }, return_response: true,
  }]);
  assert.match(text, /^Recheck started/);
});

test("recheck of a torrent gone meanwhile says so instead of claiming a recheck", async () => {
  const { hass } = recording({ instances: { "entry-a": { hashes: [], error: null } } });
  assert.equal(await actOnRow(hass, "recheck", ROW), "Not on that server any more.");
});

test("keep and remove call the approval services with one hash", async () => {
  const { hass, sent } = recording({});
  assert.equal(await actOnRow(hass, "keep", ROW), "Kept: protected and strikes cleared.");
  assert.equal(await actOnRow(hass, "remove", ROW), "Removed.");
  assert.deepEqual(
    sent.map((m) => [m.service, m.service_data]),
    [["keep_torrent", { config_entry_id: "entry-a", hash: "h1" }], ["remove_torrent", { config_entry_id: "entry-a", hash: "h1" }]],
  );
});

test("a refused call reaches the row as an error", async () => {
  const hass = fakeHass([], { callWS: async () => { throw new Error("server down"); } });
  await assert.rejects(actOnRow(hass, "recheck", ROW), /server down/);
});
