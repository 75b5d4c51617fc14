// Opening messages in the browser (web/static/js/conversations.js) against a fake server:
// whatever does not verify is reported as unverified, never dropped and never shown as text.
// Covers what a real server refuses to store (unknown sender keys, tampered bytes).
import assert from "node:assert/strict";
import { before, beforeEach, test } from "node:test";

import { loadCrypto } from "./load-crypto.mjs";

const THREAD = "7d0f7e4c-3b1a-4f0e-9a52-2c7d1c6b9e01";
const THERAPIST = "1a1a1a1a-0000-4000-8000-000000000001";
const CLIENT = "2b2b2b2b-0000-4000-8000-000000000002";

let c;
let conversations;
let therapist;
let client;
let epochKey;
let routes;

function answer(body) {
  return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
}

before(async () => {
  c = await loadCrypto();
  const stored = new Map();
  globalThis.sessionStorage = { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => stored.set(k, v), removeItem: (k) => stored.delete(k) };
  globalThis.fetch = async (url) => {
    const path = String(url);
    if (!(path in routes)) return new Response("{}", { status: 404 });
    return answer(routes[path]);
  };
  const session = await import("../../web/static/js/session.js");
  conversations = await import("../../web/static/js/conversations.js");
  therapist = c.generateIdentity(THERAPIST);
  client = c.generateIdentity(CLIENT);
  session.unlock({ user: { id: THERAPIST } }, new Uint8Array(32), [therapist]);
});

beforeEach(() => {
  conversations.reset();
  epochKey = c.createEpochKey();
  const members = [client, therapist].map((identity, i) => ({
    userId: identity.userId,
    role: i === 0 ? c.ROLE.CLIENT : c.ROLE.THERAPIST,
    keyId: identity.keyId,
    boxPk: identity.boxPk,
  }));
  const commit = c.createCommit(therapist, THREAD, 0, c.GENESIS_PREV_HASH, members, epochKey);
  routes = {
    [`/api/threads/${THREAD}/commits`]: {
      commits: [{ epoch: 0, commit: c.b64encode(commit), author_id: THERAPIST, author_bundle: c.b64encode(c.publicBundle(therapist)) }],
    },
    [`/api/users/${CLIENT}/public-key`]: { user_id: CLIENT, public_bundle: c.b64encode(c.publicBundle(client)) },
    // No client shared earlier history with anyone (care-team handover).
    [`/api/threads/${THREAD}/history-seals`]: { seals: [], granted_to: [] },
  };
});

function payload(envelope, { sender = CLIENT, seq = 1 } = {}) {
  return {
    id: `m-${seq}`,
    thread_id: THREAD,
    seq,
    sender_id: sender,
    client_message_id: envelope ? c.b64encode(c.parseEnvelope(envelope).clientMessageId) : "AAAAAAAAAAAAAAAAAAAAAA",
    epoch: 0,
    envelope: envelope ? c.b64encode(envelope) : null,
    state: envelope ? "visible" : "removed",
    created_at: "2025-01-01T10:00:00Z",
    edited_at: null,
    deleted_at: null,
  };
}

const seal = (identity, text, key = epochKey) => c.sealMessage(identity, THREAD, 0, new TextEncoder().encode(text), { epochKey: key });

test("a message from the other member opens and verifies", async () => {
  assert.deepEqual(await conversations.openPayload(payload(seal(client, "hello"))), { text: "hello", problem: null });
});

test("one's own messages open with one's own keys", async () => {
  assert.deepEqual(await conversations.openPayload(payload(seal(therapist, "mine"), { sender: THERAPIST })), { text: "mine", problem: null });
});

test("a message signed by a key the server does not vouch for is unverified", async () => {
  const impostor = c.generateIdentity(CLIENT);
  const result = await conversations.openPayload(payload(seal(impostor, "trust me")));
  assert.deepEqual(result, { text: null, problem: conversations.PROBLEM.UNVERIFIED });
});

test("a sender key the server vouches for but the epoch does not list is unverified", async () => {
  const replaced = c.generateIdentity(CLIENT);
  routes[`/api/users/${CLIENT}/public-key`] = { user_id: CLIENT, public_bundle: c.b64encode(c.publicBundle(replaced)) };
  const result = await conversations.openPayload(payload(seal(replaced, "new key, old epoch")));
  assert.equal(result.problem, conversations.PROBLEM.UNVERIFIED);
});

test("changed bytes, a foreign epoch key or a mislabelled sender are unverified", async () => {
  const tampered = seal(client, "hello");
  tampered[tampered.length - 80] ^= 1;
  const foreign = seal(client, "hello", c.createEpochKey());
  for (const bad of [payload(tampered), payload(foreign), payload(seal(client, "hi"), { sender: THERAPIST })]) {
    const result = await conversations.openPayload(bad);
    assert.deepEqual(result, { text: null, problem: conversations.PROBLEM.UNVERIFIED });
  }
});

test("a deleted message says so", async () => {
  assert.deepEqual(await conversations.openPayload(payload(null)), { text: null, problem: conversations.PROBLEM.DELETED });
});

test("a thread's sealed title opens; a forged one is left out", async () => {
  const title = c.b64encode(seal(therapist, "Between sessions"));
  assert.equal(await conversations.openTitle({ id: THREAD, title_envelope: title }), "Between sessions");
  const forged = c.b64encode(seal(c.generateIdentity(THERAPIST), "Forged"));
  assert.equal(await conversations.openTitle({ id: THREAD, title_envelope: forged }), null);
});
