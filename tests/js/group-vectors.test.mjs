// Checks the group functions of web/static/js/crypto.js against tests/vectors/crypto-groups-v1.json.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";

import { loadCrypto } from "./load-crypto.mjs";
import { replayRng } from "./replay.mjs";

const V = JSON.parse(readFileSync(new URL("../vectors/crypto-groups-v1.json", import.meta.url), "utf8"));
let c;
const d = (s) => c.b64decode(s);
const e = (b) => c.b64encode(b);
const account = (name) => {
  const rng = replayRng(c, V.accounts[name].rng);
  const identity = c.generateIdentity(V.accounts[name].user_id, rng);
  rng.done();
  return identity;
};
const membership = (name) => {
  const m = V.memberships[name];
  return c.membershipIdentity(d(V.accounts[m.account].account_key), V.group_id, m.member_id);
};

before(async () => {
  c = await loadCrypto();
});

describe("crypto-groups-v1 vectors", () => {
  test("membership keys, bundles and the certificate", () => {
    for (const [name, v] of Object.entries(V.memberships)) {
      const identity = membership(name);
      assert.equal(e(identity.signPk), v.sign_pk);
      assert.equal(e(identity.boxPk), v.box_pk);
      assert.equal(e(c.publicBundle(identity)), v.bundle);
    }
    const bob = account("bob");
    const cert = c.createMembershipCertificate(bob, V.group_id, membership("member"));
    assert.equal(e(cert), V.certificate.bytes);
    c.verifyMembershipCertificate(c.parseMembershipCertificate(cert), bob.signPk, V.group_id);
    assert.throws(
      () => c.verifyMembershipCertificate(c.parseMembershipCertificate(cert), account("alice").signPk, V.group_id),
      c.BadSignatureError,
    );
  });

  test("info, moderator key, commit, held post, release and report", () => {
    const bob = account("bob");
    const moderator = membership("moderator");
    const member = membership("member");
    const info = V.info;
    const seal = c.sealGroupSecret(c.SECRET_KIND.INFO_KEY, V.group_id, 0, d(info.key), bob.boxPk, replayRng(c, info.seal_rng));
    assert.equal(e(seal), info.seal);
    assert.equal(e(c.openGroupSecret(seal, c.SECRET_KIND.INFO_KEY, V.group_id, 0, bob.boxPk, bob.boxSk)), info.key);
    const blob = c.encryptGroupInfo(d(info.key), V.group_id, new TextEncoder().encode(info.plaintext), replayRng(c, info.rng));
    assert.equal(e(blob), info.bytes);
    assert.equal(new TextDecoder().decode(c.decryptGroupInfo(blob, d(info.key), V.group_id)), info.plaintext);

    const made = c.createModeratorKey(
      moderator,
      V.group_id,
      1,
      [{ memberId: moderator.userId, boxPk: moderator.boxPk }],
      replayRng(c, V.moderator_key.rng),
    );
    assert.equal(e(made.package), V.moderator_key.package);
    assert.equal(e(made.secret), V.moderator_key.secret);
    const pkg = c.parseModeratorKey(made.package);
    c.verifyModeratorKey(pkg, moderator.signPk);
    assert.equal(e(c.openModeratorKey(pkg, moderator)), V.moderator_key.secret);

    const rng = replayRng(c, V.commit.rng);
    const epochKey = c.createEpochKey(rng);
    const commit = c.createCommit(
      member,
      V.group_id,
      0,
      c.GENESIS_PREV_HASH,
      [
        { userId: moderator.userId, role: c.ROLE.MODERATOR, keyId: moderator.keyId, boxPk: moderator.boxPk },
        { userId: member.userId, role: c.ROLE.MEMBER, keyId: member.keyId, boxPk: member.boxPk },
      ],
      epochKey,
      rng,
    );
    rng.done();
    assert.equal(e(commit), V.commit.bytes);
    c.checkGroupChainLink(null, c.parseCommit(commit));

    const held = c.sealMessage(member, V.group_id, 0, new TextEncoder().encode(V.held_post.plaintext), {
      moderatorPk: pkg.publicKey,
      rng: replayRng(c, V.held_post.rng),
    });
    assert.equal(e(held), V.held_post.envelope);
    const envelope = c.parseEnvelope(held);
    assert.equal(e(c.openHeldKey(envelope, made.secret)), V.held_post.message_key);

    const accountKey = d(V.accounts[V.author_copy.account].account_key);
    const rngHeld = replayRng(c, [...V.held_post.rng, ...V.author_copy.rng]);
    const sealed = c.sealHeldPost(member, V.group_id, 0, new TextEncoder().encode(V.held_post.plaintext), pkg.publicKey, accountKey, rngHeld);
    rngHeld.done();
    assert.equal(e(sealed.envelope), V.held_post.envelope);
    assert.equal(e(sealed.authorCopy), V.author_copy.bytes);
    assert.equal(e(c.openAuthorCopy(sealed.authorCopy, envelope, accountKey)), V.held_post.message_key);
    assert.throws(() => c.openAuthorCopy(sealed.authorCopy, envelope, d(V.accounts.alice.account_key)), c.WrongKeyError);

    const release = c.releaseHeldKey(d(V.held_post.message_key), envelope, 0, epochKey, replayRng(c, V.release.rng));
    assert.equal(e(release), V.release.bytes);
    const key = c.openRelease(release, envelope, epochKey);
    assert.equal(new TextDecoder().decode(c.openReportedMessage(envelope, member.signPk, key)), V.held_post.plaintext);

    const report = c.sealReport(envelope, key, V.report.category, V.report.note, pkg.publicKey, replayRng(c, V.report.rng));
    assert.equal(e(report), V.report.seal);
    const opened = c.openReport(report, envelope, made.secret);
    assert.equal(opened.category, V.report.category);
    assert.equal(opened.note, V.report.note);
  });
});
