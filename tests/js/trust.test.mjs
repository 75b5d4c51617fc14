// Trust on first use and "verified" marks (web/static/js/trust.js), on an in-memory storage.
import assert from "node:assert/strict";
import { test } from "node:test";

import { acknowledge, clearVerified, markVerified, observe } from "../../web/static/js/trust.js";

function memoryStorage() {
  const items = new Map();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => items.set(key, String(value)) };
}

test("the first key seen is trusted, and a different one later is a change", () => {
  const storage = memoryStorage();
  assert.equal(observe(storage, "me", "them", "key-1"), "trusted");
  assert.equal(observe(storage, "me", "them", "key-1"), "trusted");
  assert.equal(observe(storage, "me", "them", "key-2"), "changed");
  assert.equal(observe(storage, "me", "them", "key-2"), "changed", "a change stays until acknowledged");
});

test("acknowledging a change trusts the new key and clears verified", () => {
  const storage = memoryStorage();
  observe(storage, "me", "them", "key-1");
  assert.equal(markVerified(storage, "me", "them", "key-1"), true);
  assert.equal(observe(storage, "me", "them", "key-1"), "verified");
  assert.equal(observe(storage, "me", "them", "key-2"), "changed");
  acknowledge(storage, "me", "them", "key-2");
  assert.equal(observe(storage, "me", "them", "key-2"), "trusted");
  assert.equal(observe(storage, "me", "them", "key-1"), "changed", "going back to the old key is a change too");
});

test("only the trusted key can be marked verified, and the mark can be taken back", () => {
  const storage = memoryStorage();
  observe(storage, "me", "them", "key-1");
  assert.equal(markVerified(storage, "me", "them", "key-2"), false);
  assert.equal(observe(storage, "me", "them", "key-1"), "trusted");
  markVerified(storage, "me", "them", "key-1");
  clearVerified(storage, "me", "them");
  assert.equal(observe(storage, "me", "them", "key-1"), "trusted");
});

test("trust is kept per pair of people, and a damaged entry starts over", () => {
  const storage = memoryStorage();
  observe(storage, "me", "them", "key-1");
  assert.equal(observe(storage, "someone-else", "them", "key-2"), "trusted");
  storage.setItem("interlude.trust.me.them", "{not json");
  assert.equal(observe(storage, "me", "them", "key-3"), "trusted");
});
