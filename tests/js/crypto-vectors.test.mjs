// Checks web/static/js/crypto.js (the file the browser loads) against tests/vectors/crypto-v1.json.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";

import { loadCrypto } from "./load-crypto.mjs";
import { replayRng } from "./replay.mjs";

const vectors = JSON.parse(readFileSync(new URL("../vectors/crypto-v1.json", import.meta.url), "utf8"));
let c;
let ids;
const d = (s) => c.b64decode(s);
const e = (b) => c.b64encode(b);

before(async () => {
  c = await loadCrypto();
  ids = {};
  for (const [name, v] of Object.entries(vectors.identities)) {
    const rng = replayRng(c, v.rng);
    ids[name] = c.generateIdentity(v.user_id, rng);
    rng.done();
  }
});

const member = (m) => {
  const identity = Object.values(ids).find((i) => i.userId === m.user_id);
  return { userId: m.user_id, role: m.role, keyId: identity.keyId, boxPk: identity.boxPk };
};

describe("crypto-v1 vectors", () => {
  test("base64url is strict and canonical", () => {
    for (const { hex, b64 } of vectors.encoding.valid) {
      assert.equal(c.b64encode(Uint8Array.from(Buffer.from(hex, "hex"))), b64);
      assert.equal(Buffer.from(c.b64decode(b64)).toString("hex"), hex);
    }
    for (const bad of vectors.encoding.invalid) assert.throws(() => c.b64decode(bad), c.MalformedError);
  });

  test("crypto_kdf matches", () => {
    for (const v of vectors.kdf) assert.equal(e(c.kdfDerive(v.size, v.id, v.context, d(v.key))), v.out);
  });

  test("identities, key ids and bundles", () => {
    for (const [name, v] of Object.entries(vectors.identities)) {
      const identity = ids[name];
      assert.equal(e(identity.signPk), v.sign_pk);
      assert.equal(e(identity.boxPk), v.box_pk);
      assert.equal(e(identity.keyId), v.key_id);
      assert.equal(e(c.keyId(identity.signPk)), v.key_id);
      assert.equal(e(c.publicBundle(identity)), v.bundle);
      const bundle = c.parsePublicBundle(d(v.bundle));
      c.verifyPublicBundle(bundle, v.user_id);
      assert.throws(() => c.verifyPublicBundle(bundle, vectors.identities.carol.user_id === v.user_id ? vectors.identities.alice.user_id : vectors.identities.carol.user_id), c.BadSignatureError);
    }
  });

  test("safety number is the same from both sides", () => {
    const { a, b, number } = vectors.safety_number;
    assert.equal(c.safetyNumber(ids[a].userId, ids[a].signPk, ids[b].userId, ids[b].signPk), number);
    assert.equal(c.safetyNumber(ids[b].userId, ids[b].signPk, ids[a].userId, ids[a].signPk), number);
  });

  test("password keys (NFC and NFD spellings agree)", () => {
    const v = vectors.password;
    for (const password of [v.password, v.password_nfd]) {
      const keys = c.derivePasswordKeys(password, d(v.salt), v.params, { allowInteractive: true });
      assert.equal(e(keys.kek), v.kek);
      assert.equal(e(keys.authKey), v.auth_key);
    }
    assert.throws(() => c.derivePasswordKeys(v.password, d(v.salt), v.params), c.KdfParamsError);
  });

  test("account key wrap by password and recovery code", () => {
    const v = vectors.account_key;
    const p = vectors.password;
    const rng = replayRng(c, v.rng);
    const accountKey = c.generateAccountKey(rng);
    assert.equal(e(accountKey), v.account_key);
    assert.equal(e(c.wrapAccountKey(accountKey, d(p.kek), v.user_id, p.params, rng)), v.wrapped);
    rng.done();
    assert.equal(e(c.unwrapAccountKey(d(v.wrapped), d(p.kek), v.user_id, p.params)), v.account_key);
    assert.throws(() => c.unwrapAccountKey(d(v.wrapped), d(p.auth_key), v.user_id, p.params), c.WrongKeyError);

    const r = vectors.recovery;
    assert.equal(c.generateRecoveryCode(replayRng(c, r.rng)), r.code);
    const keys = c.deriveRecoveryKeys(r.code.toLowerCase().replaceAll("-", " "));
    assert.equal(e(keys.kek), r.kek);
    assert.equal(e(keys.authKey), r.auth_key);
    assert.equal(e(c.wrapAccountKeyWithRecovery(accountKey, keys.kek, v.user_id, replayRng(c, r.wrap_rng))), r.wrapped);
    assert.equal(e(c.unwrapAccountKeyWithRecovery(d(r.wrapped), keys.kek, v.user_id)), v.account_key);
    assert.throws(() => c.deriveRecoveryKeys(r.typo), c.MalformedError);
  });

  test("keyring", () => {
    const v = vectors.keyring;
    const old = c.identityFromSecrets(v.user_id, d(v.old_identity_rng[0]), d(v.old_identity_rng[1]));
    const accountKey = d(vectors.account_key.account_key);
    assert.equal(e(c.encryptKeyring([ids.alice, old], accountKey, replayRng(c, v.rng))), v.blob);
    const ring = c.decryptKeyring(d(v.blob), accountKey, v.user_id);
    assert.deepEqual(ring.map((i) => e(i.signPk)), [e(ids.alice.signPk), e(old.signPk)]);
  });

  test("epoch seal", () => {
    const v = vectors.epoch_seal;
    const rng = replayRng(c, v.rng);
    const key = c.createEpochKey(rng);
    assert.equal(e(key), v.epoch_key);
    assert.equal(e(c.sealEpochKey(key, v.thread_id, v.epoch, ids[v.recipient].boxPk, rng)), v.seal);
    assert.equal(e(c.openEpochSeal(d(v.seal), v.thread_id, v.epoch, ids[v.recipient])), v.epoch_key);
    assert.throws(() => c.openEpochSeal(d(v.seal), v.thread_id, v.epoch + 1, ids[v.recipient]), c.WrongKeyError);
    assert.throws(() => c.openEpochSeal(d(v.seal), v.thread_id, v.epoch, ids.alice), c.WrongKeyError);
  });

  test("commit chain", () => {
    const threadId = vectors.epoch_seal.thread_id;
    for (const v of vectors.commits) {
      const rng = replayRng(c, v.rng);
      const key = v.epoch === 0 ? d(v.epoch_key) : c.createEpochKey(rng);
      assert.equal(e(key), v.epoch_key);
      const bytes = c.createCommit(ids[v.author], threadId, v.epoch, d(v.prev_hash), v.members.map(member), key, rng);
      rng.done();
      assert.equal(e(bytes), v.commit);
      assert.equal(e(c.commitHash(bytes)), v.hash);
    }
    const keys = new Map(Object.values(ids).map((i) => [e(i.keyId), i.signPk]));
    const chain = c.verifyCommitChain(vectors.commits.map((v) => d(v.commit)), keys);
    assert.equal(e(c.openCommitSeal(chain[1], ids.carol)), vectors.commits[1].epoch_key);
    assert.throws(() => c.openCommitSeal(chain[1], ids.bob), c.WrongKeyError);
    assert.deepEqual(chain[0].members.map((m) => [m.userId, m.role]), vectors.commits[0].members.map((m) => [m.user_id, m.role]));
    assert.throws(() => c.verifyCommitChain([d(vectors.commits[1].commit)], keys), c.ChainError);
  });

  test("envelopes", () => {
    for (const v of vectors.envelopes) {
      const rng = replayRng(c, v.rng);
      const commit = vectors.commits[v.epoch];
      const options = v.scope === "epoch"
        ? { epochKey: d(commit.epoch_key), contentType: v.content_type, rng }
        : { moderatorPk: ids[v.moderator].boxPk, contentType: v.content_type, rng };
      const bytes = c.sealMessage(ids[v.sender], v.thread_id, v.epoch, d(v.plaintext), options);
      rng.done();
      assert.equal(e(bytes), v.envelope);
      const env = c.parseEnvelope(bytes);
      assert.equal(env.senderId, ids[v.sender].userId);
      assert.equal(env.threadId, v.thread_id);
      assert.equal(env.epoch, v.epoch);
      assert.equal(env.contentType, v.content_type);
      const opened = c.openMessage(bytes, ids[v.sender].signPk, v.scope === "epoch"
        ? { epochKey: d(commit.epoch_key) } : { moderator: ids[v.moderator] });
      assert.equal(e(opened.plaintext), v.plaintext);
      assert.equal(e(opened.messageKey), v.message_key);
      assert.equal(e(c.openReportedMessage(bytes, ids[v.sender].signPk, d(v.message_key))), v.plaintext);
      assert.throws(() => c.openReportedMessage(bytes, ids[v.sender].signPk, d(commit.epoch_key)), c.KeyCommitmentError);
    }
    for (const v of vectors.invalid_envelopes) {
      assert.throws(() => c.openMessage(d(v.envelope), ids[v.sender].signPk, { epochKey: d(vectors.commits[0].epoch_key) }), (err) => err.name === v.error);
    }
  });
});
