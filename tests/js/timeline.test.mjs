// A conversation's messages without a DOM (web/static/js/timeline.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { STATUS, Timeline } from "../../web/static/js/timeline.js";

function payload(seq, { sender = "them", cmid = `m${seq}`, edited = null, envelope = "e" } = {}) {
  return {
    id: `id-${seq}`,
    thread_id: "t",
    seq,
    sender_id: sender,
    client_message_id: cmid,
    epoch: 0,
    envelope,
    state: envelope === null ? "removed" : "visible",
    created_at: "2025-01-01T10:00:00Z",
    edited_at: edited,
    deleted_at: null,
  };
}

const opened = (text) => ({ text, problem: null });
const texts = (timeline) => timeline.items().map((entry) => entry.text);

test("messages are ordered by seq and shown once however often they arrive", () => {
  const timeline = new Timeline();
  assert.ok(timeline.receive(payload(3), opened("c")));
  assert.ok(timeline.receive(payload(1), opened("a")));
  assert.equal(timeline.receive(payload(3), opened("c")), null);
  timeline.receive(payload(2), opened("b"));
  assert.deepEqual(texts(timeline), ["a", "b", "c"]);
  assert.equal(timeline.firstSeq(), 1);
  assert.equal(timeline.lastSeq(), 3);
});

test("an own message is pending at the end, then sent in its seq place when the server has it", () => {
  const timeline = new Timeline();
  timeline.receive(payload(1), opened("a"));
  const mine = timeline.addPending({ senderId: "me", clientMessageId: "x", text: "mine", envelope: new Uint8Array(1) });
  assert.equal(mine.status, STATUS.PENDING);
  timeline.receive(payload(2), opened("b"));
  assert.deepEqual(texts(timeline), ["a", "b", "mine"]);
  timeline.receive(payload(3, { sender: "me", cmid: "x" }), opened("mine"));
  assert.equal(timeline.items().length, 3);
  assert.equal(timeline.items()[2].status, STATUS.SENT);
  assert.equal(timeline.items()[2].seq, 3);
});

test("a failed message keeps its bytes for the retry; a sent one cannot fail any more", () => {
  const timeline = new Timeline();
  const bytes = new Uint8Array([1, 2, 3]);
  const mine = timeline.addPending({ senderId: "me", clientMessageId: "x", text: "hi", envelope: bytes });
  timeline.setStatus(mine.key, STATUS.FAILED, "You are offline.");
  assert.equal(timeline.get(mine.key).status, STATUS.FAILED);
  assert.equal(timeline.get(mine.key).envelope, bytes);
  timeline.setStatus(mine.key, STATUS.PENDING);
  timeline.receive(payload(1, { sender: "me", cmid: "x" }), opened("hi"));
  assert.equal(timeline.setStatus(mine.key, STATUS.FAILED), null);
  assert.equal(timeline.get(mine.key).status, STATUS.SENT);
});

test("a message sealed again for a new epoch keeps its place under its new id", () => {
  const timeline = new Timeline();
  const first = timeline.addPending({ senderId: "me", clientMessageId: "x", text: "one", envelope: new Uint8Array(1) });
  timeline.addPending({ senderId: "me", clientMessageId: "y", text: "two", envelope: new Uint8Array(1) });
  timeline.resealed(first.key, "z", new Uint8Array(2));
  assert.equal(timeline.get("me x"), null);
  assert.equal(timeline.get("me z").text, "one");
  assert.deepEqual(texts(timeline), ["one", "two"]);
});

test("edits and deletions replace what a message shows", () => {
  const timeline = new Timeline();
  timeline.receive(payload(1), opened("first"));
  assert.ok(timeline.receive(payload(1, { edited: "2025-01-01T10:05:00Z" }), opened("changed")));
  assert.deepEqual(texts(timeline), ["changed"]);
  const removed = timeline.receive(payload(1, { edited: "2025-01-01T10:05:00Z", envelope: null }), { text: null, problem: "deleted" });
  assert.equal(removed.removed, true);
});

test("a catch-up starts at the end of the gap-free run, not at the highest seq held", () => {
  const timeline = new Timeline();
  timeline.receive(payload(1), opened("a"));
  // The own message sent over HTTP while offline got seq 3; seq 2 was never seen.
  timeline.receive(payload(3, { sender: "me", cmid: "x" }), opened("mine"));
  assert.equal(timeline.lastSeq(), 3);
  assert.equal(timeline.completeThrough, 1);
  assert.ok(timeline.hasGap());
  timeline.receive(payload(2), opened("b"));
  assert.equal(timeline.completeThrough, 3);
  assert.ok(!timeline.hasGap());
});

test("live events out of order are shown in seq order and the run closes when the gap fills", () => {
  const timeline = new Timeline();
  timeline.caughtUpTo(80);
  timeline.receive(payload(82), opened("later"));
  assert.ok(timeline.hasGap(), "82 before 81 shows a gap to fetch");
  timeline.receive(payload(81), opened("earlier"));
  assert.deepEqual(texts(timeline), ["earlier", "later"]);
  assert.equal(timeline.completeThrough, 82);
});

test("a page fetched after the run moves it to the page's end, even past seqs not shown", () => {
  const timeline = new Timeline();
  timeline.receive(payload(5), opened("e"));
  timeline.caughtUpTo(4);
  assert.equal(timeline.completeThrough, 5);
  timeline.caughtUpTo(9);
  assert.equal(timeline.completeThrough, 9);
});

test("a queued message keeps its place at the end until the server has it", () => {
  const timeline = new Timeline();
  timeline.receive(payload(1), opened("a"));
  const mine = timeline.addPending({ senderId: "me", clientMessageId: "q", text: "offline", envelope: new Uint8Array(1) });
  assert.ok(timeline.setStatus(mine.key, STATUS.QUEUED, "waiting"));
  assert.deepEqual(texts(timeline), ["a", "offline"]);
  timeline.receive(payload(2, { sender: "me", cmid: "q" }), opened("offline"));
  assert.equal(timeline.get(mine.key).status, STATUS.SENT);
  assert.equal(timeline.setStatus(mine.key, STATUS.QUEUED), null, "a sent message stays sent");
});
