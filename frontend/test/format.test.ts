import { test } from "node:test";
import assert from "node:assert/strict";

import { formatAgo, formatBytes, formatCount, formatSpeed, humanize, plural, toBytes } from "../src/format.js";

test("bytes use binary units with two, one or no decimals", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1536), "1.50 KiB");
  assert.equal(formatBytes(15 * 1024 ** 3), "15.0 GiB");
  assert.equal(formatBytes(500 * 1024 ** 4), "500 TiB");
  assert.equal(formatBytes(-1), "—");
  assert.equal(formatBytes(Number.NaN), "—");
  assert.equal(formatSpeed(2 * 1024 ** 2), "2.00 MiB/s");
  assert.equal(formatSpeed(Number.NaN), "—");
});

test("sensor states with their unit become bytes", () => {
  assert.equal(toBytes("1.5", "MiB/s"), 1.5 * 1024 ** 2);
  assert.equal(toBytes("2", "GB"), 2e9);
  assert.equal(toBytes("7", undefined), 7);
  assert.equal(toBytes("unavailable", "B"), null);
  assert.equal(toBytes("", "B"), null);
  assert.equal(toBytes("3", "bit/s"), null);
});

test("times ago, counts and keys in words", () => {
  const now = Date.parse("2026-01-02T12:00:00Z");
  assert.equal(formatAgo("2026-01-02T11:59:50Z", now), "just now");
  assert.equal(formatAgo("2026-01-02T11:55:00Z", now), "5 min ago");
  assert.equal(formatAgo("2026-01-02T09:00:00Z", now), "3 h ago");
  assert.equal(formatAgo("2025-12-28T12:00:00Z", now), "5 d ago");
  assert.equal(formatAgo(null, now), "never");
  assert.equal(formatAgo("not a time", now), "never");
  assert.equal(formatCount(999), "999");
  assert.equal(formatCount(1234), "1.2k");
  assert.equal(formatCount(12_345), "12k");
  assert.equal(humanize("pending_removal"), "Pending removal");
  assert.equal(humanize(""), "");
  assert.equal(plural(1, "action"), "1 action");
  assert.equal(plural(0, "action"), "0 actions");
});
