// Driven by tests/integration/test_crypto_crosslang.py: `node tests/js/crosslang.mjs make`
// prints material made by crypto.js; `... open` reads Python-made material on stdin and
// prints what crypto.js recovered from it. All binary values are base64url.
import { readFileSync } from "node:fs";

import { loadCrypto } from "./load-crypto.mjs";

const c = await loadCrypto();
const e = (b) => c.b64encode(b);
const d = (s) => c.b64decode(s);
const utf8 = new TextEncoder();
const INTERACTIVE = c.KDF_INTERACTIVE;

function make() {
  const threadId = "7e7e7e7e-1111-4000-8000-000000000000";
  const alice = c.generateIdentity("a11ce000-1111-4000-8000-000000000001");
  const bob = c.generateIdentity("b0b00000-1111-4000-8000-000000000002");
  const salt = c.createEpochKey().slice(0, 16);
  const keys = c.derivePasswordKeys("pässwörd 🔑", salt, INTERACTIVE, { allowInteractive: true });
  const accountKey = c.generateAccountKey();
  const code = c.generateRecoveryCode();
  const epochKey = c.createEpochKey();
  const members = [alice, bob].map((i, n) => ({ userId: i.userId, role: n + 1, keyId: i.keyId, boxPk: i.boxPk }));
  return {
    thread_id: threadId,
    alice: { user_id: alice.userId, sign_seed: e(alice.signSeed), box_sk: e(alice.boxSk), bundle: e(c.publicBundle(alice)) },
    bob: { user_id: bob.userId, sign_seed: e(bob.signSeed), box_sk: e(bob.boxSk), bundle: e(c.publicBundle(bob)) },
    password: "pässwörd 🔑",
    salt: e(salt),
    auth_key: e(keys.authKey),
    account_key: e(accountKey),
    wrapped_account_key: e(c.wrapAccountKey(accountKey, keys.kek, alice.userId, INTERACTIVE)),
    recovery_code: code,
    recovery_wrapped: e(c.wrapAccountKeyWithRecovery(accountKey, c.deriveRecoveryKeys(code).kek, alice.userId)),
    keyring: e(c.encryptKeyring([alice], accountKey)),
    epoch_key: e(epochKey),
    seal: e(c.sealEpochKey(epochKey, threadId, 5, bob.boxPk)),
    commit: e(c.createCommit(alice, threadId, 0, c.GENESIS_PREV_HASH, members, epochKey)),
    plaintext: e(utf8.encode("Bonjour — こんにちは 🌱")),
    envelope: e(c.sealMessage(bob, threadId, 0, utf8.encode("Bonjour — こんにちは 🌱"), { epochKey })),
    mod_envelope: e(c.sealMessage(bob, threadId, 0, new Uint8Array(0), { moderatorPk: alice.boxPk })),
    ...heldPost(bob, threadId, alice.boxPk, accountKey),
  };
}

// A held group post and its author's copy of the key (docs/crypto.md §12).
function heldPost(author, threadId, moderatorPk, accountKey) {
  const held = c.sealHeldPost(author, threadId, 0, utf8.encode("En attente — 保留 ⏳"), moderatorPk, accountKey);
  return { held_envelope: e(held.envelope), author_copy: e(held.authorCopy) };
}

function openHeldPost(input, author, accountKey) {
  const envelope = c.parseEnvelope(d(input.held_envelope));
  const key = c.openAuthorCopy(d(input.author_copy), envelope, accountKey);
  return e(c.openReportedMessage(envelope, author.signPk, key));
}

function open(input) {
  const alice = c.identityFromSecrets(input.alice.user_id, d(input.alice.sign_seed), d(input.alice.box_sk));
  const bob = c.identityFromSecrets(input.bob.user_id, d(input.bob.sign_seed), d(input.bob.box_sk));
  c.verifyPublicBundle(c.parsePublicBundle(d(input.alice.bundle)), alice.userId);
  const keys = c.derivePasswordKeys(input.password, d(input.salt), INTERACTIVE, { allowInteractive: true });
  const accountKey = c.unwrapAccountKey(d(input.wrapped_account_key), keys.kek, alice.userId, INTERACTIVE);
  const recovered = c.unwrapAccountKeyWithRecovery(
    d(input.recovery_wrapped), c.deriveRecoveryKeys(input.recovery_code).kek, alice.userId);
  const ring = c.decryptKeyring(d(input.keyring), accountKey, alice.userId);
  const chain = c.verifyCommitChain([d(input.commit)], new Map([[e(alice.keyId), alice.signPk]]));
  const opened = c.openMessage(d(input.envelope), bob.signPk, { epochKey: c.openCommitSeal(chain[0], bob) });
  const modOpened = c.openMessage(d(input.mod_envelope), bob.signPk, { moderator: alice });
  return {
    auth_key: e(keys.authKey),
    account_key: e(accountKey),
    recovered_account_key: e(recovered),
    keyring_sign_pk: e(ring[0].signPk),
    seal_epoch_key: e(c.openEpochSeal(d(input.seal), input.thread_id, 5, bob)),
    commit_epoch_key: e(c.openCommitSeal(chain[0], alice)),
    commit_hash: e(chain[0].hash),
    plaintext: e(opened.plaintext),
    mod_plaintext: e(modOpened.plaintext),
    report_plaintext: e(c.openReportedMessage(d(input.envelope), bob.signPk, opened.messageKey)),
    held_plaintext: openHeldPost(input, bob, accountKey),
    safety_number: c.safetyNumber(alice.userId, alice.signPk, bob.userId, bob.signPk),
  };
}

const mode = process.argv[2];
const result = mode === "make" ? make() : open(JSON.parse(readFileSync(0, "utf8")));
process.stdout.write(JSON.stringify(result));
