// Checks the admin key and group labels of web/static/js/crypto.js against
// tests/vectors/crypto-labels-v1.json, and that tampered or moved labels are refused.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";

import { loadCrypto } from "./load-crypto.mjs";
import { replayRng } from "./replay.mjs";

const V = JSON.parse(readFileSync(new URL("../vectors/crypto-labels-v1.json", import.meta.url), "utf8"));
let c;
const d = (s) => c.b64decode(s);
const e = (b) => c.b64encode(b);
const account = (name) => {
  const rng = replayRng(c, V.accounts[name].rng);
  const identity = c.generateIdentity(V.accounts[name].user_id, rng);
  rng.done();
  return identity;
};

before(async () => {
  c = await loadCrypto();
});

describe("crypto-labels-v1 vectors", () => {
  test("admin key, its seal and a label", () => {
    const admin = account("admin");
    const other = account("other_admin");
    const key = V.admin_key;
    const made = c.createAdminKey(replayRng(c, key.rng));
    assert.equal(e(made.publicKey), key.public_key);
    assert.equal(e(made.secretKey), key.secret);
    const seal = c.sealAdminKey(made.secretKey, V.clinic_id, key.generation, other.boxPk, replayRng(c, key.seal_rng));
    assert.equal(e(seal), key.seal);
    assert.equal(e(c.openAdminKey(seal, V.clinic_id, key.generation, made.publicKey, other)), key.secret);
    assert.throws(() => c.openAdminKey(seal, V.clinic_id, key.generation + 1, made.publicKey, other), c.WrongKeyError);
    const label = c.createGroupLabel(admin, V.group_id, key.generation, V.label.text, made.publicKey, replayRng(c, V.label.rng));
    assert.equal(e(label), V.label.bytes);
    assert.equal(label.length, c.LABEL_BYTES);
    assert.equal(c.openGroupLabel(c.parseGroupLabel(label), V.group_id, admin.signPk, made.secretKey), V.label.text);
  });

  test("the admin key's signature, and a moved, forged or tampered one refused", () => {
    const admin = account("admin");
    const other = account("other_admin");
    const v = V.admin_key_signature;
    const publicKey = d(V.admin_key.public_key);
    const signature = c.signAdminKey(admin, V.clinic_id, v.generation, publicKey);
    assert.equal(e(signature), v.bytes);
    c.verifyAdminKey(signature, V.clinic_id, v.generation, publicKey, admin.userId, admin.signPk);
    const refused = [
      () => c.verifyAdminKey(signature, V.clinic_id, v.generation + 1, publicKey, admin.userId, admin.signPk),
      () => c.verifyAdminKey(signature, "c1c1c1c1-0000-4000-8000-00000000000f", v.generation, publicKey, admin.userId, admin.signPk),
      () => c.verifyAdminKey(signature, V.clinic_id, v.generation, d(V.label.bytes).slice(0, 32), admin.userId, admin.signPk),
      () => c.verifyAdminKey(signature, V.clinic_id, v.generation, publicKey, other.userId, other.signPk),
      () => c.verifyAdminKey(c.signAdminKey(other, V.clinic_id, v.generation, publicKey), V.clinic_id, v.generation, publicKey, admin.userId, admin.signPk),
    ];
    for (const position of [0, 31, 63]) {
      const tampered = signature.slice();
      tampered[position] ^= 1;
      refused.push(() => c.verifyAdminKey(tampered, V.clinic_id, v.generation, publicKey, admin.userId, admin.signPk));
    }
    for (const attempt of refused) assert.throws(attempt, c.BadSignatureError);
  });

  test("a moved, forged or tampered label is refused", () => {
    const admin = account("admin");
    const secret = d(V.admin_key.secret);
    const raw = d(V.label.bytes);
    assert.throws(() => c.openGroupLabel(c.parseGroupLabel(raw), "6a6a6a6a-0000-4000-8000-00000000000f", admin.signPk, secret), c.BadSignatureError);
    const outsider = c.generateIdentity("0b0b0b0b-0000-4000-8000-000000000001");
    const forged = c.createGroupLabel(outsider, V.group_id, 2, "Not yours", d(V.admin_key.public_key));
    assert.throws(() => c.openGroupLabel(c.parseGroupLabel(forged), V.group_id, admin.signPk, secret), c.BadSignatureError);
    for (const position of [0, 20, 100, 240, raw.length - 1]) {
      const tampered = raw.slice();
      tampered[position] ^= 1;
      assert.throws(() => c.openGroupLabel(c.parseGroupLabel(tampered), V.group_id, admin.signPk, secret), c.CryptoError);
    }
  });
});
