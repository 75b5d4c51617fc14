// The journal's search, export and chart series (web/static/js/journal-text.js), in Node.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { checkInSeries, search, searchableText, toJson, toMarkdown } from "../../web/static/js/journal-text.js";

const entries = [
  { id: "1", createdAt: "2026-11-01T08:00:00Z", updatedAt: "2026-11-01T08:00:00Z", content: { kind: "entry", title: "Walk", body: "The river was quiet", tags: ["Outside"] } },
  { id: "2", createdAt: "2026-11-02T08:00:00Z", updatedAt: "2026-11-02T08:00:00Z", content: { kind: "checkin", mood: 3, feelings: ["tired"], sleep_hours: 5, note: "river again" } },
  { id: "3", createdAt: "2026-10-01T08:00:00Z", updatedAt: "2026-10-01T08:00:00Z", content: { kind: "checkin", mood: 8, feelings: [], sleep_hours: null, note: "" } },
];

describe("journal text", () => {
  test("search matches every word, case-insensitively, in titles, bodies, tags and notes", () => {
    assert.deepEqual(search(entries, "RIVER").map((e) => e.id), ["1", "2"]);
    assert.deepEqual(search(entries, "river outside").map((e) => e.id), ["1"]);
    assert.deepEqual(search(entries, "checkin").map((e) => e.id), [], "the kind is not text");
    assert.equal(searchableText(entries[1].content).includes("tired"), true);
  });

  test("exports list every entry oldest first", () => {
    const markdown = toMarkdown(entries);
    assert.ok(markdown.indexOf("Mood: 8/10") < markdown.indexOf("The river was quiet"));
    assert.ok(markdown.includes("- Feelings: tired"));
    assert.deepEqual(JSON.parse(toJson(entries)).entries.map((e) => e.id), ["3", "1", "2"]);
  });

  test("the chart series holds the check-ins of the period only, oldest first", () => {
    const now = new Date("2026-11-03T00:00:00Z");
    assert.deepEqual(checkInSeries(entries, 7, now).map((p) => p.mood), [3]);
    assert.deepEqual(checkInSeries(entries, 90, now).map((p) => p.mood), [8, 3]);
  });
});
