// What the browser keeps on the device (the outbox) is encrypted under a key derived from
// the account key, bound to the account and the purpose (web/static/js/crypto.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { loadCrypto } from "./load-crypto.mjs";

const crypto = await loadCrypto();
const USER = "0b6a1e52-6c1f-4c36-9d3e-1f5d1b9a7c01";
const OTHER = "5f0c2a8e-2b7d-4e0a-8f61-3c9d7e1a2b40";

test("a device blob opens with the same account key, user and purpose, and hides its text", () => {
  const key = crypto.generateAccountKey();
  const text = new TextEncoder().encode("a message written offline");
  const blob = crypto.encryptForDevice(text, key, USER, crypto.DEVICE_PURPOSE.OUTBOX);
  assert.ok(!Buffer.from(blob).includes(Buffer.from("offline")));
  assert.deepEqual(crypto.decryptForDevice(blob, key, USER, crypto.DEVICE_PURPOSE.OUTBOX), text);
});

test("another account key, another user or a changed byte does not open it", () => {
  const key = crypto.generateAccountKey();
  const blob = crypto.encryptForDevice(new Uint8Array([1, 2, 3]), key, USER, crypto.DEVICE_PURPOSE.OUTBOX);
  const purpose = crypto.DEVICE_PURPOSE.OUTBOX;
  assert.throws(() => crypto.decryptForDevice(blob, crypto.generateAccountKey(), USER, purpose), crypto.WrongKeyError);
  assert.throws(() => crypto.decryptForDevice(blob, key, OTHER, purpose), crypto.WrongKeyError);
  const tampered = blob.slice();
  tampered[tampered.length - 1] ^= 1;
  assert.throws(() => crypto.decryptForDevice(tampered, key, USER, purpose), crypto.WrongKeyError);
});
