import { test } from "node:test";
import assert from "node:assert/strict";

import { normalizeConfig, selected, SECTIONS, shownSections, toggled, withOption } from "../src/config.js";

test("a minimal config shows every section", () => {
  const config = normalizeConfig({ type: "custom:qbitrr-card" });
  assert.deepEqual(config, { type: "custom:qbitrr-card" });
  assert.deepEqual(shownSections(config), [...SECTIONS]);
});

test("options are checked and lists deduplicated; one name is a list of one", () => {
  const config = normalizeConfig({
    type: "custom:qbitrr-card", title: "Downloads", servers: "Attic", apps: ["a", "a"],
    sections: ["problems", "servers"], problems_limit: "10",
  });
  assert.deepEqual(config, {
    type: "custom:qbitrr-card", title: "Downloads", servers: ["Attic"], apps: ["a"],
    sections: ["problems", "servers"], problems_limit: 10,
  });
});

test("bad options raise errors Home Assistant shows", () => {
  assert.throws(() => normalizeConfig(null), /mapping/);
  assert.throws(() => normalizeConfig({ title: 3 }), /title/);
  assert.throws(() => normalizeConfig({ servers: [""] }), /servers/);
  assert.throws(() => normalizeConfig({ sections: ["charts"] }), /unknown section charts/);
  assert.throws(() => normalizeConfig({ problems_limit: 0 }), /problems_limit/);
  assert.throws(() => normalizeConfig({ problems_limit: 1.5 }), /problems_limit/);
});

test("selection by entry id or title", () => {
  assert.equal(selected(undefined, "e1", "A"), true);
  assert.equal(selected(["e1"], "e1", "A"), true);
  assert.equal(selected(["a"], "e2", "A"), true);
  assert.equal(selected(["b"], "e2", "A"), false);
});

test("the editor's toggles keep display order and drop a list holding everything", () => {
  const all = ["a", "b", "c"];
  assert.deepEqual(toggled(undefined, all, "b", false), ["a", "c"]);
  assert.deepEqual(toggled(["c", "a"], all, "b", true), undefined);
  assert.deepEqual(toggled(["c"], all, "a", true), ["a", "c"]);
  assert.deepEqual(toggled(["a"], all, "a", false), []);
});

test("withOption sets and removes keys without touching the original", () => {
  const config = { type: "custom:qbitrr-card", title: "x" };
  assert.deepEqual(withOption(config, "title", ""), { type: "custom:qbitrr-card" });
  assert.deepEqual(withOption(config, "servers", ["a"]), { ...config, servers: ["a"] });
  assert.equal(config.title, "x");
});
