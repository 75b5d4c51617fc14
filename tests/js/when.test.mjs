// Times as people read them (web/static/js/when.js): days and clock times in a given zone,
// (en-GB, so the clock is 24-hour), countdowns, and a picker's local date and time turned into an instant.
import assert from "node:assert/strict";
import { test } from "node:test";

import { clockTime, countdown, dayAndTime, localInstant, localParts, suggestedInstant, zoneChoices } from "../../web/static/js/when.js";

const NOW = new Date("2026-12-01T10:00:00Z"); // a Tuesday

test("a time today, tomorrow, this week and further away reads naturally in the given zone", () => {
  const zone = { now: NOW, timeZone: "Europe/Berlin", locale: "en-GB" };
  assert.match(dayAndTime("2026-12-01T13:00:00Z", zone), /^today 14:00$/);
  assert.match(dayAndTime("2026-12-02T13:00:00Z", zone), /^tomorrow 14:00$/);
  assert.match(dayAndTime("2026-12-04T13:00:00Z", zone), /^Friday 14:00$/);
  assert.match(dayAndTime("2026-12-15T13:00:00Z", zone), /^Tuesday,? 15 December 14:00$/);
});

test("the zone decides the day: late evening in New York is the next day in Tokyo", () => {
  const iso = "2026-12-02T02:30:00Z";
  assert.match(dayAndTime(iso, { now: NOW, timeZone: "America/New_York", locale: "en-GB" }), /^today 21:30$/);
  assert.match(dayAndTime(iso, { now: NOW, timeZone: "Asia/Tokyo", locale: "en-GB" }), /^tomorrow 11:30$/);
  assert.equal(clockTime("2026-12-01T13:50:00Z", { timeZone: "UTC", locale: "en-GB" }), "13:50");
});

test("countdowns shorten as the time comes near, and end at now", () => {
  assert.equal(countdown("2026-12-03T12:00:00Z", NOW), "in 2 d 2 h");
  assert.equal(countdown("2026-12-01T12:05:00Z", NOW), "in 2 h 5 min");
  assert.equal(countdown("2026-12-01T10:20:00Z", NOW), "in 20 min");
  assert.equal(countdown("2026-12-01T10:02:30Z", NOW), "in 2 min 30 s");
  assert.equal(countdown("2026-12-01T10:00:09Z", NOW), "in 9 s");
  assert.equal(countdown("2026-12-01T09:59:00Z", NOW), "now");
});

test("a picker's date and time on this device's clock round-trip through an instant", () => {
  const iso = localInstant("2026-12-01", "14:30");
  assert.deepEqual(localParts(iso), { date: "2026-12-01", time: "14:30" });
  assert.equal(new Date(localInstant("2026-12-01", "14:30:15")) - new Date(iso), 15_000);
  assert.equal(localInstant("", "14:30"), null);
  assert.equal(localInstant("2026-12-01", ""), null);
  assert.equal(localInstant("2026-13-45", "14:30"), null);
});

test("the suggested time is at least an hour ahead, on a quarter hour", () => {
  const suggested = new Date(suggestedInstant(new Date("2026-12-01T10:07:00Z")));
  assert.equal(suggested.toISOString(), "2026-12-01T11:15:00.000Z");
});

test("the zone list is sorted and keeps the saved zone even if the browser lacks it", () => {
  const zones = zoneChoices("Mars/Olympus_Mons");
  assert.ok(zones.includes("UTC"));
  assert.ok(zones.includes("Mars/Olympus_Mons"));
  assert.deepEqual(zones, [...zones].sort());
});
