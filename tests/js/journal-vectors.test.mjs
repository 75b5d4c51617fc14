// Checks the journal part of web/static/js/crypto.js against tests/vectors/journal-v1.json.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";

import { loadCrypto } from "./load-crypto.mjs";
import { replayRng } from "./replay.mjs";

const vectors = JSON.parse(readFileSync(new URL("../vectors/journal-v1.json", import.meta.url), "utf8"));
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

describe("journal-v1 vectors", () => {
  test("items are the same bytes and open", () => {
    const accountKey = d(vectors.account_key);
    assert.equal(e(c.journalKey(accountKey)), vectors.journal_key);
    for (const v of vectors.items) {
      const rng = replayRng(c, v.rng);
      const blob = c.sealJournalItem(accountKey, v.author, v.item_id, d(v.plaintext), { purpose: v.purpose, rng });
      rng.done();
      assert.equal(e(blob), v.blob);
      const opened = c.openJournalItem(d(v.blob), accountKey, v.author);
      assert.equal(e(opened.plaintext), v.plaintext);
      assert.equal(opened.item.itemId, v.item_id);
      assert.equal(opened.item.purpose, v.purpose);
    }
  });

  test("the share is the same bytes and opens for each recipient only", () => {
    const v = vectors.share;
    const entry = vectors.items.find((i) => i.name === v.entry);
    const rng = replayRng(c, v.rng);
    const recipients = v.recipients.map((name) => ({ userId: ids[name].userId, boxPk: ids[name].boxPk }));
    const share = c.createShare(ids[v.author], d(vectors.account_key), v.share_id, v.thread_id, d(entry.blob), recipients, rng);
    rng.done();
    assert.equal(e(share), v.share);
    for (const name of v.recipients) {
      assert.equal(e(c.openShare(share, ids[v.author].signPk, ids[name]).plaintext), entry.plaintext);
    }
    assert.throws(() => c.openShare(share, ids.alice.signPk, ids.alice), c.WrongKeyError);
  });

  test("invalid items and shares fail with the named error", () => {
    for (const v of vectors.invalid) {
      const error = c[v.error];
      if (v.what === "item") {
        assert.throws(() => c.openJournalItem(d(v.blob), d(vectors.account_key), ids.alice.userId), error);
      } else {
        assert.throws(() => c.openShare(d(v.blob), ids.alice.signPk, ids.bob), error);
      }
    }
  });
});
