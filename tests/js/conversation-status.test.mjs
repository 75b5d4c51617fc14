// One status at a time from one rule (web/static/js/conversation-status.js): a live session
// beats away and reply-by; away and the reply-by time make one sentence; nothing, no line.
import assert from "node:assert/strict";
import { test } from "node:test";

import { conversationStatus } from "../../web/static/js/conversation-status.js";

const NOW = new Date("2026-12-01T10:00:00Z"); // a Tuesday
const WHEN = { now: NOW, timeZone: "UTC", locale: "en-GB" };
const LIVE = { id: "s1", starts_at: "2026-12-01T09:30:00Z", ends_at: "2026-12-01T10:20:00Z", cancelled: false };
const SOON = { id: "s2", starts_at: "2026-12-01T10:30:00Z", ends_at: "2026-12-01T11:20:00Z", cancelled: false };
const LATER = { id: "s3", starts_at: "2026-12-03T09:00:00Z", ends_at: "2026-12-03T09:50:00Z", cancelled: false };
const AWAY = { therapists_working: false, back_at: "2026-12-02T08:00:00Z", reply_due_at: "2026-12-02T10:00:00Z", live_now: false, live_sessions: [] };

test("a live session now is the only status, even while the therapist is away and a reply is due", () => {
  const status = conversationStatus({ ...AWAY, live_now: true, live_sessions: [LIVE, LATER] }, "client", WHEN);
  assert.equal(status.kind, "live");
  assert.equal(status.text, "Live session now until 10:20 UTC");
  assert.doesNotMatch(status.text, /away|reply/);
});

test("a session within the hour comes before away; a later one after the reply time", () => {
  assert.equal(conversationStatus({ ...AWAY, live_sessions: [SOON] }, "client", WHEN).text, "Live session today 10:30–11:20 UTC, starts in 30 min");
  const later = conversationStatus({ ...AWAY, therapists_working: true, live_sessions: [LATER] }, "client", WHEN);
  assert.equal(later.text, "You can expect a reply by tomorrow 10:00 UTC.");
  const planned = conversationStatus({ ...AWAY, therapists_working: true, reply_due_at: null, live_sessions: [LATER] }, "client", WHEN);
  assert.equal(planned.text, "Live session Thursday 9:00–09:50 UTC");
});

test("away and the reply time read as one status", () => {
  assert.equal(
    conversationStatus(AWAY, "client", WHEN).text,
    "Your therapist is away and back tomorrow 08:00 UTC. You can expect a reply by tomorrow 10:00 UTC.",
  );
  assert.equal(conversationStatus({ ...AWAY, back_at: null, reply_due_at: null }, "client", WHEN).text, "Your therapist is away at the moment.");
});

test("a therapist sees the reply due, or overdue, and never their own away status", () => {
  assert.equal(conversationStatus(AWAY, "therapist", WHEN).text, "Reply due tomorrow 10:00 UTC.");
  assert.equal(conversationStatus({ ...AWAY, reply_due_at: "2026-12-01T09:00:00Z" }, "therapist", WHEN).kind, "overdue");
  assert.equal(conversationStatus({ ...AWAY, reply_due_at: null }, "therapist", WHEN), null);
});

test("cancelled and finished sessions say nothing", () => {
  const over = { ...LIVE, ends_at: "2026-12-01T09:59:00Z" };
  const cancelled = { ...SOON, cancelled: true };
  assert.equal(conversationStatus({ ...AWAY, therapists_working: true, reply_due_at: null, live_sessions: [over, cancelled] }, "client", WHEN), null);
});
