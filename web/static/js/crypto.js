// Interlude end-to-end crypto core for the browser (spec: docs/crypto.md).
// The only module that touches libsodium. Produces the same bytes as the Python `crypto`
// package; every function that needs randomness takes an optional `rng(n) -> Uint8Array`
// (tests inject a deterministic one). Every failure throws a CryptoError subclass.

// By absolute URL, not the import map's bare name: module workers (kdf-worker.js) get no
// import map. Node's tests map this URL to node_modules (tests/js/sodium-loader.mjs).
import sodium from "/vendor/libsodium-wrappers-sumo/dist/modules-sumo-esm/libsodium-wrappers.mjs";

/** Resolves once libsodium is initialised; call before anything else. */
export async function ready() {
  await sodium.ready;
}

// ---------------------------------------------------------------- errors

export class CryptoError extends Error {
  get code() {
    return "crypto_error";
  }
  get name() {
    return this.constructor.name;
  }
}
export class MalformedError extends CryptoError {
  get code() {
    return "crypto_malformed";
  }
}
export class UnsupportedVersionError extends CryptoError {
  get code() {
    return "crypto_unsupported_version";
  }
}
export class BadSignatureError extends CryptoError {
  get code() {
    return "crypto_bad_signature";
  }
}
export class WrongKeyError extends CryptoError {
  get code() {
    return "crypto_wrong_key";
  }
}
export class KeyCommitmentError extends WrongKeyError {
  get code() {
    return "crypto_key_commitment";
  }
}
export class KdfParamsError extends CryptoError {
  get code() {
    return "crypto_kdf_params";
  }
}
export class KeyDerivationError extends CryptoError {
  get code() {
    return "crypto_key_derivation";
  }
}
export class ChainError extends CryptoError {
  get code() {
    return "crypto_chain";
  }
}

// ---------------------------------------------------------------- constants

const te = new TextEncoder();
const ascii = (s) => te.encode(s);

const BUNDLE_VERSION = 1;
const BUNDLE_CONTEXT = ascii("interlude/bundle/v1\0");
const KEY_ID_CONTEXT = "ilkeyid_";
const SAFETY_DOMAIN = ascii("interlude/safety-number/v1");
const SAFETY_GROUPS = 12;
const KDF_VERSION = 1;
const PASSWORD_CONTEXT = "ilpasswd";
const MIB = 1024 * 1024;
const MAX_OPS = 10;
const MAX_MEM = 1024 * MIB;
export const SALT_BYTES = 16;
export const KDF_MODERATE = Object.freeze({ version: KDF_VERSION, ops: 3, mem: 256 * MIB });
export const KDF_INTERACTIVE = Object.freeze({ version: KDF_VERSION, ops: 2, mem: 64 * MIB });
const WRAP_VERSION = 1;
const WRAP_KIND_PASSWORD = 1;
const WRAP_KIND_RECOVERY = 2;
const WRAPPED_ACCOUNT_KEY_BYTES = 74;
const ACCOUNT_KEY_CONTEXT = ascii("interlude/account-key/v1\0");
const KEYRING_VERSION = 1;
const KEYRING_CONTEXT = ascii("interlude/keyring/v1\0");
const MAX_KEYRING_IDENTITIES = 64;
const RECOVERY_CONTEXT = "ilrecovr";
const RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RECOVERY_CHARS = 56;
const EPOCH_CONTEXT = "ilepoch_";
const MAX_EPOCH = Number.MAX_SAFE_INTEGER;
const SEAL_BYTES = 16 + 8 + 32 + 48;
const COMMIT_VERSION = 1;
const COMMIT_CONTEXT = ascii("interlude/commit/v1\0");
const COMMIT_HASH_DOMAIN = ascii("interlude/commit-hash/v1");
const MAX_MEMBERS = 1024;
const MAX_COMMIT_BYTES = 1 + 16 + 8 + 32 + 16 + 16 + 32 + 2 + MAX_MEMBERS * (35 + SEAL_BYTES) + 64;
export const GENESIS_PREV_HASH = new Uint8Array(32);
export const ROLE = Object.freeze({ CLIENT: 1, THERAPIST: 2, MODERATOR: 3, MEMBER: 4 });
const ENVELOPE_VERSION = 1;
const SUITE_V1 = 1;
const HEADER_BYTES = 77;
const PAD_BLOCK = 256;
const ENVELOPE_CONTEXT = ascii("interlude/envelope/v1\0");
const KEY_COMMITMENT_CONTEXT = "ilkeycmt";
export const KEY_SCOPE = Object.freeze({ EPOCH: 1, MOD: 2 });
export const CONTENT_TYPE = Object.freeze({ TEXT: 1, JSON: 2 });
const WRAP_BYTES = { 1: 72, 2: 80 };
export const MAX_ENVELOPE_BYTES = 256 * 1024;
export const MAX_PLAINTEXT_BYTES = 255 * 1024;

// ---------------------------------------------------------------- bytes, ids, base64

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && sodium.memcmp(a, b);
}

function lexCompare(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

function isZero(a) {
  return a.every((byte) => byte === 0);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Canonical lowercase UUID string -> 16 bytes. */
export function uuidToBytes(id) {
  if (typeof id !== "string" || !UUID_RE.test(id)) throw new MalformedError("invalid uuid");
  return sodium.from_hex(id.replaceAll("-", ""));
}

/** 16 bytes -> canonical lowercase UUID string. */
export function bytesToUuid(bytes) {
  const h = sodium.to_hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const B64_RE = /^[A-Za-z0-9_-]*$/;

/** Bytes -> base64url without padding. */
export function b64encode(bytes) {
  return sodium.to_base64(bytes, sodium.base64_variants.URLSAFE_NO_PADDING);
}

/** Strict base64url without padding -> bytes; anything non-canonical throws MalformedError. */
export function b64decode(text) {
  if (typeof text !== "string" || !B64_RE.test(text) || text.length % 4 === 1) {
    throw new MalformedError("invalid base64url");
  }
  let bytes;
  try {
    bytes = sodium.from_base64(text, sodium.base64_variants.URLSAFE_NO_PADDING);
  } catch {
    throw new MalformedError("invalid base64url");
  }
  if (b64encode(bytes) !== text) throw new MalformedError("non-canonical base64url");
  return bytes;
}

class Writer {
  constructor() {
    this.parts = [];
  }
  int(value, size) {
    if (!Number.isSafeInteger(value) || value < 0 || (size < 8 && value >= 2 ** (8 * size))) {
      throw new MalformedError(`integer ${value} does not fit in ${size} bytes`);
    }
    const out = new Uint8Array(size);
    let v = BigInt(value);
    for (let i = size - 1; i >= 0; i--) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    this.parts.push(out);
    return this;
  }
  u8(v) {
    return this.int(v, 1);
  }
  u16(v) {
    return this.int(v, 2);
  }
  u32(v) {
    return this.int(v, 4);
  }
  u64(v) {
    return this.int(v, 8);
  }
  fixed(bytes, size) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== size) {
      throw new MalformedError(`expected ${size} bytes`);
    }
    this.parts.push(bytes);
    return this;
  }
  uuid(id) {
    return this.fixed(uuidToBytes(id), 16);
  }
  var16(bytes) {
    return this.u16(bytes.length).fixed(bytes, bytes.length);
  }
  var32(bytes) {
    return this.u32(bytes.length).fixed(bytes, bytes.length);
  }
  bytes() {
    return concat(...this.parts);
  }
}

class Reader {
  constructor(data) {
    if (!(data instanceof Uint8Array)) throw new MalformedError("expected bytes");
    this.data = data;
    this.pos = 0;
  }
  fixed(size) {
    if (this.pos + size > this.data.length) throw new MalformedError("truncated input");
    const chunk = this.data.slice(this.pos, this.pos + size);
    this.pos += size;
    return chunk;
  }
  int(size) {
    let v = 0n;
    for (const byte of this.fixed(size)) v = (v << 8n) | BigInt(byte);
    return v;
  }
  u8() {
    return Number(this.int(1));
  }
  u16() {
    return Number(this.int(2));
  }
  u32() {
    return Number(this.int(4));
  }
  u64() {
    const v = this.int(8);
    if (v > BigInt(MAX_EPOCH)) throw new MalformedError("integer out of range");
    return Number(v);
  }
  uuid() {
    return bytesToUuid(this.fixed(16));
  }
  var16() {
    return this.fixed(this.u16());
  }
  var32() {
    return this.fixed(this.u32());
  }
  end() {
    if (this.pos !== this.data.length) throw new MalformedError("trailing bytes");
  }
}

// ---------------------------------------------------------------- primitives

/** The browser/OS CSPRNG via libsodium. */
export function osRandom(n) {
  return sodium.randombytes_buf(n);
}

function draw(rng, n) {
  const value = rng(n);
  if (!(value instanceof Uint8Array) || value.length !== n) {
    throw new MalformedError(`rng returned the wrong number of bytes (wanted ${n})`);
  }
  return value;
}

/** crypto_kdf_derive_from_key(size, id, ctx, key). */
export function kdfDerive(size, subkeyId, context, key) {
  if (context.length !== 8 || !(key instanceof Uint8Array) || key.length !== 32) {
    throw new MalformedError("invalid kdf input");
  }
  // libsodium.js takes ids above 2^32 - 1 only as BigInt.
  const id = typeof subkeyId === "number" && subkeyId > 0xffffffff ? BigInt(subkeyId) : subkeyId;
  return sodium.crypto_kdf_derive_from_key(size, id, context, key);
}

function domainHash(domain, data, size = 32) {
  return sodium.crypto_generichash(size, data, domain);
}

function aeadEncrypt(key, nonce, plaintext, ad) {
  return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
}

function aeadDecrypt(key, nonce, ciphertext, ad) {
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, ad, nonce, key);
  } catch {
    throw new WrongKeyError("decryption failed");
  }
}

function verifySignature(publicKey, message, signature) {
  let ok = false;
  try {
    ok = sodium.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    ok = false;
  }
  if (!ok) throw new BadSignatureError("signature does not verify");
}

function boxSeal(message, recipientPk, rng) {
  if (!(recipientPk instanceof Uint8Array) || recipientPk.length !== 32) {
    throw new MalformedError("invalid recipient key");
  }
  const ephSk = draw(rng, 32);
  const ephPk = sodium.crypto_scalarmult_base(ephSk);
  const nonce = sodium.crypto_generichash(24, concat(ephPk, recipientPk), null);
  let boxed;
  try {
    boxed = sodium.crypto_box_easy(message, nonce, recipientPk, ephSk);
  } catch {
    throw new WrongKeyError("invalid recipient key");
  }
  return concat(ephPk, boxed);
}

function boxSealOpen(sealed, publicKey, secretKey) {
  try {
    return sodium.crypto_box_seal_open(sealed, publicKey, secretKey);
  } catch {
    throw new WrongKeyError("cannot open sealed box");
  }
}

// ---------------------------------------------------------------- identity

/** 16-byte id of an Ed25519 public key: crypto_kdf(16, 1, "ilkeyid_", signPk). */
export function keyId(signPk) {
  return kdfDerive(16, 1, KEY_ID_CONTEXT, signPk);
}

/** Rebuilds an identity from its two 32-byte secrets. */
export function identityFromSecrets(userId, signSeed, boxSk) {
  uuidToBytes(userId);
  const pair = sodium.crypto_sign_seed_keypair(signSeed);
  return Object.freeze({
    userId,
    signSeed,
    boxSk,
    signPk: pair.publicKey,
    signSk: pair.privateKey,
    boxPk: sodium.crypto_scalarmult_base(boxSk),
    keyId: keyId(pair.publicKey),
  });
}

/** A fresh identity: signing seed (32) then X25519 secret (32) drawn from rng. */
export function generateIdentity(userId, rng = osRandom) {
  const signSeed = draw(rng, 32);
  const boxSk = draw(rng, 32);
  return identityFromSecrets(userId, signSeed, boxSk);
}

function bundleBody(userId, signPk, boxPk) {
  return new Writer().u8(BUNDLE_VERSION).uuid(userId).fixed(signPk, 32).fixed(boxPk, 32).bytes();
}

/** The signed public bundle (145 bytes). */
export function publicBundle(identity) {
  const body = bundleBody(identity.userId, identity.signPk, identity.boxPk);
  return concat(body, sodium.crypto_sign_detached(concat(BUNDLE_CONTEXT, body), identity.signSk));
}

/** Parses a bundle's structure; does not check the signature. */
export function parsePublicBundle(data) {
  const r = new Reader(data);
  const version = r.u8();
  if (version !== BUNDLE_VERSION) throw new UnsupportedVersionError(`bundle version ${version}`);
  const bundle = {
    version,
    userId: r.uuid(),
    signPk: r.fixed(32),
    boxPk: r.fixed(32),
    signature: r.fixed(64),
    raw: data,
  };
  r.end();
  bundle.keyId = keyId(bundle.signPk);
  return Object.freeze(bundle);
}

/** Throws BadSignatureError unless the bundle is userId's and self-signed. */
export function verifyPublicBundle(bundle, userId) {
  if (bundle.userId !== userId) throw new BadSignatureError("bundle is for another user");
  const body = bundleBody(userId, bundle.signPk, bundle.boxPk);
  verifySignature(bundle.signPk, concat(BUNDLE_CONTEXT, body), bundle.signature);
}

/** 60-digit safety number (12 groups of 5), identical for both users of the pair. */
export function safetyNumber(userA, signPkA, userB, signPkB) {
  const entries = [concat(uuidToBytes(userA), signPkA), concat(uuidToBytes(userB), signPkB)];
  entries.sort(lexCompare);
  const digest = domainHash(SAFETY_DOMAIN, concat(...entries), 5 * SAFETY_GROUPS);
  const groups = [];
  for (let i = 0; i < digest.length; i += 5) {
    let v = 0n;
    for (const byte of digest.slice(i, i + 5)) v = (v << 8n) | BigInt(byte);
    groups.push(String(v % 100000n).padStart(5, "0"));
  }
  return groups.join(" ");
}

// ---------------------------------------------------------------- passwords

/** Returns {version, ops, mem} if inside the bounds, else throws KdfParamsError. */
export function validateKdfParams(ops, mem, { version = KDF_VERSION, allowInteractive = false } = {}) {
  if (version !== KDF_VERSION) throw new KdfParamsError(`unknown kdf version ${version}`);
  const minOps = allowInteractive ? KDF_INTERACTIVE.ops : KDF_MODERATE.ops;
  const minMem = allowInteractive ? KDF_INTERACTIVE.mem : KDF_MODERATE.mem;
  if (
    !Number.isSafeInteger(ops) ||
    !Number.isSafeInteger(mem) ||
    ops < minOps ||
    ops > MAX_OPS ||
    mem < minMem ||
    mem > MAX_MEM ||
    mem % 1024 !== 0
  ) {
    throw new KdfParamsError(`kdf parameters out of bounds: ops=${ops} mem=${mem}`);
  }
  return Object.freeze({ version, ops, mem });
}

function encodeKdfParams(params) {
  return new Writer().u8(params.version).u32(params.ops).u64(params.mem).bytes();
}

/** Argon2id once, then {kek, authKey}; all-zero output throws KeyDerivationError. */
export function derivePasswordKeys(password, salt, params = KDF_MODERATE, { allowInteractive = false } = {}) {
  validateKdfParams(params.ops, params.mem, { version: params.version, allowInteractive });
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_BYTES) {
    throw new MalformedError("salt must be 16 bytes");
  }
  let master;
  try {
    master = sodium.crypto_pwhash(
      32,
      te.encode(password.normalize("NFC")),
      salt,
      params.ops,
      params.mem,
      sodium.crypto_pwhash_ALG_ARGON2ID13,
    );
  } catch {
    throw new KeyDerivationError("argon2id failed");
  }
  if (isZero(master)) throw new KeyDerivationError("argon2id returned an all-zero key");
  return Object.freeze({
    kek: kdfDerive(32, 1, PASSWORD_CONTEXT, master),
    authKey: kdfDerive(32, 2, PASSWORD_CONTEXT, master),
  });
}

// ---------------------------------------------------------------- recovery code

function recoveryChecksum(secret) {
  return kdfDerive(16, 3, RECOVERY_CONTEXT, secret).slice(0, 3);
}

/** 32-byte secret -> "XXXX-XXXX-..." (14 groups of 4 Crockford base32 characters). */
export function formatRecoveryCode(secret) {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw new MalformedError("recovery secret must be 32 bytes");
  }
  let n = 0n;
  for (const byte of concat(secret, recoveryChecksum(secret))) n = (n << 8n) | BigInt(byte);
  let text = "";
  for (let i = RECOVERY_CHARS - 1; i >= 0; i--) text += RECOVERY_ALPHABET[Number((n >> BigInt(5 * i)) & 31n)];
  return text.match(/.{4}/g).join("-");
}

/** A fresh recovery code (32 bytes from rng). */
export function generateRecoveryCode(rng = osRandom) {
  return formatRecoveryCode(draw(rng, 32));
}

/** Typed code -> 32-byte secret; typos (checksum) throw MalformedError. */
export function parseRecoveryCode(text) {
  const cleaned = String(text).toUpperCase().replaceAll("-", "").replaceAll(" ", "");
  const alias = { O: 0, I: 1, L: 1 };
  if (cleaned.length !== RECOVERY_CHARS) throw new MalformedError("recovery code has the wrong length");
  let n = 0n;
  for (const char of cleaned) {
    const value = char in alias ? alias[char] : RECOVERY_ALPHABET.indexOf(char);
    if (value < 0) throw new MalformedError("recovery code has an invalid character");
    n = (n << 5n) | BigInt(value);
  }
  const raw = new Uint8Array(35);
  for (let i = 34; i >= 0; i--) {
    raw[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  const secret = raw.slice(0, 32);
  if (!equal(raw.slice(32), recoveryChecksum(secret))) {
    throw new MalformedError("recovery code checksum mismatch (typo?)");
  }
  return secret;
}

/** {kek, authKey} of a recovery code. */
export function deriveRecoveryKeys(code) {
  const secret = parseRecoveryCode(code);
  return Object.freeze({
    kek: kdfDerive(32, 1, RECOVERY_CONTEXT, secret),
    authKey: kdfDerive(32, 2, RECOVERY_CONTEXT, secret),
  });
}

// ---------------------------------------------------------------- account key, keyring

/** A fresh random 32-byte account key. */
export function generateAccountKey(rng = osRandom) {
  return draw(rng, 32);
}

function wrapAd(kind, userId, params) {
  const w = new Writer().fixed(ACCOUNT_KEY_CONTEXT, ACCOUNT_KEY_CONTEXT.length);
  w.u8(WRAP_VERSION).u8(kind).uuid(userId);
  if (params) w.fixed(encodeKdfParams(params), 13);
  return w.bytes();
}

function wrapKey(kind, accountKey, kek, ad, rng) {
  if (!(accountKey instanceof Uint8Array) || accountKey.length !== 32) {
    throw new MalformedError("account key must be 32 bytes");
  }
  const nonce = draw(rng, 24);
  return concat(Uint8Array.of(WRAP_VERSION, kind), nonce, aeadEncrypt(kek, nonce, accountKey, ad));
}

function unwrapKey(kind, wrapped, kek, ad) {
  if (!(wrapped instanceof Uint8Array) || wrapped.length !== WRAPPED_ACCOUNT_KEY_BYTES) {
    throw new MalformedError("wrapped account key has the wrong size");
  }
  if (wrapped[0] !== WRAP_VERSION) throw new UnsupportedVersionError(`wrap version ${wrapped[0]}`);
  if (wrapped[1] !== kind) throw new MalformedError("wrapped account key is of another kind");
  return aeadDecrypt(kek, wrapped.slice(2, 26), wrapped.slice(26), ad);
}

/** Account key under a password's kek (74 bytes). */
export function wrapAccountKey(accountKey, kek, userId, params, rng = osRandom) {
  return wrapKey(WRAP_KIND_PASSWORD, accountKey, kek, wrapAd(WRAP_KIND_PASSWORD, userId, params), rng);
}

/** Wrong password -> WrongKeyError. */
export function unwrapAccountKey(wrapped, kek, userId, params) {
  return unwrapKey(WRAP_KIND_PASSWORD, wrapped, kek, wrapAd(WRAP_KIND_PASSWORD, userId, params));
}

/** Account key under a recovery code's kek (74 bytes). */
export function wrapAccountKeyWithRecovery(accountKey, recoveryKek, userId, rng = osRandom) {
  return wrapKey(WRAP_KIND_RECOVERY, accountKey, recoveryKek, wrapAd(WRAP_KIND_RECOVERY, userId, null), rng);
}

/** Wrong recovery code -> WrongKeyError. */
export function unwrapAccountKeyWithRecovery(wrapped, recoveryKek, userId) {
  return unwrapKey(WRAP_KIND_RECOVERY, wrapped, recoveryKek, wrapAd(WRAP_KIND_RECOVERY, userId, null));
}

function keyringAd(userId) {
  return concat(KEYRING_CONTEXT, Uint8Array.of(KEYRING_VERSION), uuidToBytes(userId));
}

/** Encrypts identities (current first) under the account key. */
export function encryptKeyring(identities, accountKey, rng = osRandom) {
  if (identities.length < 1 || identities.length > MAX_KEYRING_IDENTITIES) {
    throw new MalformedError("a keyring holds 1..64 identities");
  }
  const userId = identities[0].userId;
  if (identities.some((i) => i.userId !== userId)) throw new MalformedError("mixed users in keyring");
  const w = new Writer().u8(KEYRING_VERSION).uuid(userId).u16(identities.length);
  for (const identity of identities) w.fixed(identity.signSeed, 32).fixed(identity.boxSk, 32);
  const nonce = draw(rng, 24);
  return concat(Uint8Array.of(KEYRING_VERSION), nonce, aeadEncrypt(accountKey, nonce, w.bytes(), keyringAd(userId)));
}

/** Decrypts a keyring into identities (current first). */
export function decryptKeyring(blob, accountKey, userId) {
  const r = new Reader(blob);
  const version = r.u8();
  if (version !== KEYRING_VERSION) throw new UnsupportedVersionError(`keyring version ${version}`);
  const nonce = r.fixed(24);
  const plain = new Reader(aeadDecrypt(accountKey, nonce, blob.slice(r.pos), keyringAd(userId)));
  if (plain.u8() !== KEYRING_VERSION || plain.uuid() !== userId) {
    throw new MalformedError("keyring content does not match its header");
  }
  const count = plain.u16();
  if (count < 1 || count > MAX_KEYRING_IDENTITIES) throw new MalformedError("keyring holds no identity");
  const identities = [];
  for (let i = 0; i < count; i++) identities.push(identityFromSecrets(userId, plain.fixed(32), plain.fixed(32)));
  plain.end();
  return identities;
}

// ---------------------------------------------------------------- kept on this device

const DEVICE_CONTEXT = ascii("interlude/device/v1\0");
const DEVICE_KDF_CONTEXT = "ILdevice";
const DEVICE_VERSION = 1;
/** What a device keeps encrypted: each purpose has its own key from the account key. */
export const DEVICE_PURPOSE = Object.freeze({ OUTBOX: 1 });

function deviceAd(userId, purpose) {
  return concat(DEVICE_CONTEXT, Uint8Array.of(DEVICE_VERSION, purpose), uuidToBytes(userId));
}

/** Encrypts bytes this browser keeps (never sent) under a key derived from the account key. */
export function encryptForDevice(plaintext, accountKey, userId, purpose, rng = osRandom) {
  const key = kdfDerive(32, purpose, DEVICE_KDF_CONTEXT, accountKey);
  const nonce = draw(rng, 24);
  return concat(Uint8Array.of(DEVICE_VERSION), nonce, aeadEncrypt(key, nonce, plaintext, deviceAd(userId, purpose)));
}

/** Opens what encryptForDevice made; another account's or purpose's blob -> WrongKeyError. */
export function decryptForDevice(blob, accountKey, userId, purpose) {
  if (!(blob instanceof Uint8Array) || blob.length < 1 + 24 + 16) throw new MalformedError("device blob is too short");
  if (blob[0] !== DEVICE_VERSION) throw new UnsupportedVersionError(`device blob version ${blob[0]}`);
  const key = kdfDerive(32, purpose, DEVICE_KDF_CONTEXT, accountKey);
  return aeadDecrypt(key, blob.slice(1, 25), blob.slice(25), deviceAd(userId, purpose));
}

// ---------------------------------------------------------------- trust marks

const TRUST_VERSION = 1;
const TRUST_CONTEXT = ascii("interlude/trust/v1\0");

function trustAd(userId) {
  return concat(TRUST_CONTEXT, Uint8Array.of(TRUST_VERSION), uuidToBytes(userId));
}

/** Encrypts the user's trust marks (a JSON-able object) under the account key. */
export function encryptTrustMarks(marks, accountKey, userId, rng = osRandom) {
  const nonce = draw(rng, 24);
  const plain = new TextEncoder().encode(JSON.stringify(marks));
  return concat(Uint8Array.of(TRUST_VERSION), nonce, aeadEncrypt(accountKey, nonce, plain, trustAd(userId)));
}

/** Decrypts trust marks made by encryptTrustMarks for the same user. */
export function decryptTrustMarks(blob, accountKey, userId) {
  const r = new Reader(blob);
  const version = r.u8();
  if (version !== TRUST_VERSION) throw new UnsupportedVersionError(`trust marks version ${version}`);
  const nonce = r.fixed(24);
  const plain = aeadDecrypt(accountKey, nonce, blob.slice(r.pos), trustAd(userId));
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plain));
  } catch {
    throw new MalformedError("trust marks are not readable");
  }
}

// ---------------------------------------------------------------- epochs

/** A fresh random 32-byte epoch key. */
export function createEpochKey(rng = osRandom) {
  return draw(rng, 32);
}

/** crypto_kdf(32, 2, "ilepoch_", epochKey), published in the commit. */
export function epochKeyCommitment(epochKey) {
  return kdfDerive(32, 2, EPOCH_CONTEXT, epochKey);
}

function messageWrapKey(epochKey) {
  return kdfDerive(32, 1, EPOCH_CONTEXT, epochKey);
}

/** crypto_box_seal(threadId ‖ epoch ‖ key) to one member (104 bytes). */
export function sealEpochKey(epochKey, threadId, epoch, recipientBoxPk, rng = osRandom) {
  const plaintext = new Writer().uuid(threadId).u64(epoch).fixed(epochKey, 32).bytes();
  return boxSeal(plaintext, recipientBoxPk, rng);
}

/** Opens a seal for identity; another thread/epoch or recipient -> WrongKeyError. */
export function openEpochSeal(seal, threadId, epoch, identity) {
  if (!(seal instanceof Uint8Array) || seal.length !== SEAL_BYTES) {
    throw new MalformedError("epoch seal has the wrong size");
  }
  const r = new Reader(boxSealOpen(seal, identity.boxPk, identity.boxSk));
  if (r.uuid() !== threadId || r.u64() !== epoch) {
    throw new WrongKeyError("epoch seal is for another thread or epoch");
  }
  const key = r.fixed(32);
  r.end();
  return key;
}

// ---------------------------------------------------------------- commits

/** BLAKE2b-256 of the whole signed commit, keyed with "interlude/commit-hash/v1". */
export function commitHash(commitBytes) {
  return domainHash(COMMIT_HASH_DOMAIN, commitBytes, 32);
}

const compareIds = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Seals epochKey to every member and returns the commit signed by author.
 * members: [{userId, role, keyId, boxPk}]; sorted by user id, seals drawn in that order.
 */
export function createCommit(author, threadId, epoch, prevHash, members, epochKey, rng = osRandom) {
  const ordered = [...members].sort((a, b) => compareIds(a.userId, b.userId));
  if (ordered.length < 1 || ordered.length > MAX_MEMBERS) throw new MalformedError("a commit has 1..1024 members");
  if (new Set(ordered.map((m) => m.userId)).size !== ordered.length) throw new MalformedError("duplicate member");
  const w = new Writer().u8(COMMIT_VERSION).uuid(threadId).u64(epoch).fixed(prevHash, 32);
  w.uuid(author.userId).fixed(author.keyId, 16).fixed(epochKeyCommitment(epochKey), 32).u16(ordered.length);
  for (const m of ordered) {
    if (!Object.values(ROLE).includes(m.role)) throw new MalformedError(`unknown role ${m.role}`);
    const seal = sealEpochKey(epochKey, threadId, epoch, m.boxPk, rng);
    w.uuid(m.userId).u8(m.role).fixed(m.keyId, 16).var16(seal);
  }
  const body = w.bytes();
  return concat(body, sodium.crypto_sign_detached(concat(COMMIT_CONTEXT, body), author.signSk));
}

const HISTORY_GRANT_VERSION = 1;
const HISTORY_GRANT_CONTEXT = ascii("interlude/history-grant/v1\0");

/**
 * A signed history grant (docs/crypto.md §4): the client seals earlier epoch keys
 * ([[epoch, key], ...]) to a therapist who joined later (recipient: {userId, keyId, boxPk}).
 */
export function createHistoryGrant(granter, threadId, recipient, epochKeys, rng = osRandom) {
  const ordered = [...epochKeys].sort((a, b) => a[0] - b[0]);
  if (ordered.length < 1 || ordered.length > 4096) throw new MalformedError("a grant carries 1..4096 epochs");
  const w = new Writer().u8(HISTORY_GRANT_VERSION).uuid(threadId).uuid(granter.userId).fixed(granter.keyId, 16);
  w.uuid(recipient.userId).fixed(recipient.keyId, 16).u16(ordered.length);
  for (const [epoch, key] of ordered) w.u64(epoch).fixed(sealEpochKey(key, threadId, epoch, recipient.boxPk, rng), SEAL_BYTES);
  const body = w.bytes();
  return concat(body, sodium.crypto_sign_detached(concat(HISTORY_GRANT_CONTEXT, body), granter.signSk));
}

/** Parses and validates a commit's structure (not its signature). */
export function parseCommit(data) {
  if (!(data instanceof Uint8Array) || data.length > MAX_COMMIT_BYTES) throw new MalformedError("commit too large");
  const r = new Reader(data);
  const version = r.u8();
  if (version !== COMMIT_VERSION) throw new UnsupportedVersionError(`commit version ${version}`);
  const threadId = r.uuid();
  const epoch = r.u64();
  const prevHash = r.fixed(32);
  const authorId = r.uuid();
  const authorKeyId = r.fixed(16);
  const epochKeyCommitmentValue = r.fixed(32);
  const count = r.u16();
  if (count < 1 || count > MAX_MEMBERS) throw new MalformedError("a commit has 1..1024 members");
  const members = [];
  for (let i = 0; i < count; i++) {
    const userId = r.uuid();
    const role = r.u8();
    const memberKeyId = r.fixed(16);
    const seal = r.var16();
    if (!Object.values(ROLE).includes(role)) throw new MalformedError(`unknown role ${role}`);
    if (seal.length !== SEAL_BYTES) throw new MalformedError("seal has the wrong size");
    if (members.length && compareIds(members[members.length - 1].userId, userId) >= 0) {
      throw new MalformedError("members are not sorted and unique");
    }
    members.push(Object.freeze({ userId, role, keyId: memberKeyId, seal }));
  }
  const bodyEnd = r.pos;
  const signature = r.fixed(64);
  r.end();
  if (epoch === 0 && !isZero(prevHash)) throw new MalformedError("epoch 0 must name an all-zero previous hash");
  return Object.freeze({
    version,
    threadId,
    epoch,
    prevHash,
    authorId,
    authorKeyId,
    epochKeyCommitment: epochKeyCommitmentValue,
    members: Object.freeze(members),
    signature,
    body: data.slice(0, bodyEnd),
    raw: data,
    hash: commitHash(data),
    member(userId) {
      return members.find((m) => m.userId === userId) ?? null;
    },
  });
}

/** Throws BadSignatureError unless authorSignPk (with the named key id) signed the commit. */
export function verifyCommit(commit, authorSignPk) {
  if (!equal(keyId(authorSignPk), commit.authorKeyId)) {
    throw new BadSignatureError("author key id does not match the given key");
  }
  verifySignature(authorSignPk, concat(COMMIT_CONTEXT, commit.body), commit.signature);
}

/** Throws ChainError unless commit directly extends previous (null: commit must be epoch 0). */
export function checkChainLink(previous, commit) {
  if (previous === null) {
    if (commit.epoch !== 0 || !isZero(commit.prevHash)) {
      throw new ChainError("the first commit must be epoch 0 with a zero previous hash");
    }
    if (!commit.member(commit.authorId)) throw new ChainError("the author of epoch 0 must be a member");
    return;
  }
  if (commit.threadId !== previous.threadId) throw new ChainError("commit belongs to another thread");
  if (commit.epoch !== previous.epoch + 1) throw new ChainError("commit does not follow the previous epoch");
  if (!equal(commit.prevHash, previous.hash)) throw new ChainError("commit does not name the previous hash");
  if (!previous.member(commit.authorId)) throw new ChainError("the author was not a member of the previous epoch");
}

/**
 * Parses and verifies a chain from epoch 0. signKeys: Map from b64(keyId) to signPk.
 * Returns the parsed commits; throws the first error.
 */
export function verifyCommitChain(commits, signKeys) {
  const verified = [];
  for (const data of commits) {
    const commit = parseCommit(data);
    const authorPk = signKeys.get(b64encode(commit.authorKeyId));
    if (!authorPk) throw new BadSignatureError("commit signed by an unknown key");
    verifyCommit(commit, authorPk);
    checkChainLink(verified.length ? verified[verified.length - 1] : null, commit);
    verified.push(commit);
  }
  return verified;
}

/** Opens identity's seal in a parsed commit and checks the epoch key commitment. */
export function openCommitSeal(commit, identity) {
  const member = commit.member(identity.userId);
  if (!member) throw new WrongKeyError("not a member of this epoch");
  const key = openEpochSeal(member.seal, commit.threadId, commit.epoch, identity);
  if (!equal(epochKeyCommitment(key), commit.epochKeyCommitment)) {
    throw new WrongKeyError("epoch key does not match the commit's commitment");
  }
  return key;
}

// ---------------------------------------------------------------- envelopes

/** crypto_kdf(32, 1, "ilkeycmt", messageKey). */
export function keyCommitment(messageKey) {
  return kdfDerive(32, 1, KEY_COMMITMENT_CONTEXT, messageKey);
}

/**
 * Encrypts and signs one message. options: {epochKey} or {moderatorPk}, contentType, rng.
 * Randomness order: client message id (16), message key (32), nonce (24), wrap nonce (24) or
 * seal ephemeral secret (32).
 */
export function sealMessage(sender, threadId, epoch, plaintext, options = {}) {
  return sealMessageWithKey(sender, threadId, epoch, plaintext, options).envelope;
}

/** `{envelope, messageKey}`: the author of a held post wraps the key for themselves (§12). */
export function sealMessageWithKey(sender, threadId, epoch, plaintext, options = {}) {
  const { epochKey = null, moderatorPk = null, contentType = CONTENT_TYPE.TEXT, rng = osRandom } = options;
  if ((epochKey === null) === (moderatorPk === null)) {
    throw new MalformedError("give exactly one of epochKey and moderatorPk");
  }
  if (!(plaintext instanceof Uint8Array)) throw new MalformedError("plaintext must be bytes");
  if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new MalformedError("plaintext too large");
  const scope = epochKey !== null ? KEY_SCOPE.EPOCH : KEY_SCOPE.MOD;
  const clientMessageId = draw(rng, 16);
  const messageKey = draw(rng, 32);
  const nonce = draw(rng, 24);
  const header = new Writer()
    .u8(ENVELOPE_VERSION)
    .u8(SUITE_V1)
    .uuid(threadId)
    .u64(epoch)
    .uuid(sender.userId)
    .fixed(sender.keyId, 16)
    .fixed(clientMessageId, 16)
    .u16(contentType)
    .u8(scope)
    .bytes();
  const ciphertext = aeadEncrypt(messageKey, nonce, sodium.pad(plaintext, PAD_BLOCK), header);
  let wrap;
  if (epochKey !== null) {
    const wrapNonce = draw(rng, 24);
    wrap = concat(wrapNonce, aeadEncrypt(messageWrapKey(epochKey), wrapNonce, messageKey, header));
  } else {
    wrap = boxSeal(messageKey, moderatorPk, rng);
  }
  const unsigned = new Writer()
    .fixed(header, HEADER_BYTES)
    .fixed(nonce, 24)
    .var16(wrap)
    .fixed(keyCommitment(messageKey), 32)
    .var32(ciphertext)
    .bytes();
  const envelope = concat(unsigned, sodium.crypto_sign_detached(concat(ENVELOPE_CONTEXT, unsigned), sender.signSk));
  return { envelope, messageKey };
}

/** Parses and validates an envelope's structure and sizes. */
export function parseEnvelope(data) {
  if (!(data instanceof Uint8Array) || data.length > MAX_ENVELOPE_BYTES) throw new MalformedError("envelope too large");
  const r = new Reader(data);
  const version = r.u8();
  const suite = r.u8();
  if (version !== ENVELOPE_VERSION || suite !== SUITE_V1) {
    throw new UnsupportedVersionError(`envelope version ${version} suite ${suite}`);
  }
  const threadId = r.uuid();
  const epoch = r.u64();
  const senderId = r.uuid();
  const senderKeyId = r.fixed(16);
  const clientMessageId = r.fixed(16);
  const contentType = r.u16();
  const keyScope = r.u8();
  if (!(keyScope in WRAP_BYTES)) throw new MalformedError(`unknown key scope ${keyScope}`);
  const nonce = r.fixed(24);
  const wrap = r.var16();
  if (wrap.length !== WRAP_BYTES[keyScope]) throw new MalformedError("wrap has the wrong size for its scope");
  const commitment = r.fixed(32);
  const ciphertext = r.var32();
  const padded = ciphertext.length - 16;
  if (padded < PAD_BLOCK || padded % PAD_BLOCK !== 0) {
    throw new MalformedError("ciphertext is not a whole number of pad blocks");
  }
  const signature = r.fixed(64);
  r.end();
  return Object.freeze({
    version,
    suite,
    threadId,
    epoch,
    senderId,
    senderKeyId,
    clientMessageId,
    contentType,
    keyScope,
    header: data.slice(0, HEADER_BYTES),
    nonce,
    wrap,
    keyCommitment: commitment,
    ciphertext,
    signature,
    raw: data,
  });
}

/** Throws BadSignatureError unless signPk (with the named key id) signed the envelope. */
export function verifyEnvelope(envelope, signPk) {
  if (!equal(keyId(signPk), envelope.senderKeyId)) {
    throw new BadSignatureError("sender key id does not match the given key");
  }
  verifySignature(signPk, concat(ENVELOPE_CONTEXT, envelope.raw.slice(0, -64)), envelope.signature);
}

function decryptEnvelope(envelope, messageKey) {
  if (!(messageKey instanceof Uint8Array) || !equal(keyCommitment(messageKey), envelope.keyCommitment)) {
    throw new KeyCommitmentError("message key does not match the key commitment");
  }
  const padded = aeadDecrypt(messageKey, envelope.nonce, envelope.ciphertext, envelope.header);
  try {
    return sodium.unpad(padded, PAD_BLOCK);
  } catch {
    throw new MalformedError("invalid padding");
  }
}

const asEnvelope = (data) => (data instanceof Uint8Array ? parseEnvelope(data) : data);

/**
 * Verifies, unwraps and decrypts. options: {epochKey} for scope epoch, {moderator} (an identity
 * holding the moderators' X25519 key) for scope mod. Returns {envelope, plaintext, messageKey}.
 */
export function openMessage(data, senderSignPk, { epochKey = null, moderator = null } = {}) {
  const envelope = asEnvelope(data);
  verifyEnvelope(envelope, senderSignPk);
  let messageKey;
  if (envelope.keyScope === KEY_SCOPE.EPOCH) {
    if (!epochKey) throw new MalformedError("scope epoch needs the epoch key");
    messageKey = aeadDecrypt(messageWrapKey(epochKey), envelope.wrap.slice(0, 24), envelope.wrap.slice(24), envelope.header);
  } else {
    if (!moderator) throw new MalformedError("scope mod needs the moderator key");
    messageKey = boxSealOpen(envelope.wrap, moderator.boxPk, moderator.boxSk);
  }
  if (messageKey.length !== 32) throw new MalformedError("wrapped message key has the wrong size");
  return Object.freeze({ envelope, plaintext: decryptEnvelope(envelope, messageKey), messageKey });
}

/** Opens a reported message from the revealed per-message key (KeyCommitmentError otherwise). */
export function openReportedMessage(data, senderSignPk, messageKey) {
  const envelope = asEnvelope(data);
  verifyEnvelope(envelope, senderSignPk);
  return decryptEnvelope(envelope, messageKey);
}

// ---------------------------------------------------------------- journal (docs/crypto.md §10)

const ITEM_VERSION = 1;
export const JOURNAL_PURPOSE = Object.freeze({ ENTRY: 1, DRAFT: 2 });
const ITEM_HEADER_BYTES = 34;
const ITEM_WRAP_BYTES = 72;
const MAX_ITEM_BYTES = 256 * 1024;
const JOURNAL_CONTEXT = "iljournl";
const SHARE_VERSION = 1;
const SHARE_CONTEXT = ascii("interlude/journal-share/v1\0");
const SHARE_COMMITMENT_CONTEXT = "iljshare";
const SHARE_SEAL_BYTES = 16 + 16 + 32 + 48;
const MAX_SHARE_RECIPIENTS = 64;
const MAX_SHARE_BYTES = MAX_ITEM_BYTES + 1024 + MAX_SHARE_RECIPIENTS * (16 + SHARE_SEAL_BYTES);

/** crypto_kdf(32, 1, "iljournl", accountKey): wraps every journal item key. */
export function journalKey(accountKey) {
  return kdfDerive(32, 1, JOURNAL_CONTEXT, accountKey);
}

function shareCommitment(itemKey) {
  return kdfDerive(32, 1, SHARE_COMMITMENT_CONTEXT, itemKey);
}

function itemHeader(purpose, itemId, authorId) {
  if (purpose !== JOURNAL_PURPOSE.ENTRY && purpose !== JOURNAL_PURPOSE.DRAFT) {
    throw new MalformedError(`unknown journal item purpose ${purpose}`);
  }
  return new Writer().u8(ITEM_VERSION).u8(purpose).uuid(itemId).uuid(authorId).bytes();
}

/**
 * Encrypts one journal item for its author. options: {purpose, rng, wrapKey} (wrapKey: the
 * journal key, to derive it once for many items). Draws: item key (32), nonce (24), wrap nonce (24).
 */
export function sealJournalItem(accountKey, authorId, itemId, plaintext, options = {}) {
  const { purpose = JOURNAL_PURPOSE.ENTRY, rng = osRandom, wrapKey = null } = options;
  if (!(plaintext instanceof Uint8Array)) throw new MalformedError("plaintext must be bytes");
  if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new MalformedError("journal item too large");
  const header = itemHeader(purpose, itemId, authorId);
  const itemKey = draw(rng, 32);
  const nonce = draw(rng, 24);
  const ciphertext = aeadEncrypt(itemKey, nonce, sodium.pad(plaintext, PAD_BLOCK), header);
  const wrapNonce = draw(rng, 24);
  const wrap = concat(wrapNonce, aeadEncrypt(wrapKey ?? journalKey(accountKey), wrapNonce, itemKey, header));
  return new Writer().fixed(header, ITEM_HEADER_BYTES).fixed(nonce, 24).fixed(wrap, ITEM_WRAP_BYTES).var32(ciphertext).bytes();
}

/** Structure and sizes of a journal item (views into data, not copies: it is read often). */
export function parseJournalItem(data) {
  if (!(data instanceof Uint8Array) || data.length > MAX_ITEM_BYTES) throw new MalformedError("journal item too large");
  if (data.length < ITEM_HEADER_BYTES + 24 + ITEM_WRAP_BYTES + 4) throw new MalformedError("truncated input");
  if (data[0] !== ITEM_VERSION) throw new UnsupportedVersionError(`journal item version ${data[0]}`);
  const purpose = data[1];
  if (purpose !== JOURNAL_PURPOSE.ENTRY && purpose !== JOURNAL_PURPOSE.DRAFT) {
    throw new MalformedError(`unknown journal item purpose ${purpose}`);
  }
  const lengthAt = ITEM_HEADER_BYTES + 24 + ITEM_WRAP_BYTES;
  const length = ((data[lengthAt] << 24) | (data[lengthAt + 1] << 16) | (data[lengthAt + 2] << 8) | data[lengthAt + 3]) >>> 0;
  if (lengthAt + 4 + length !== data.length) throw new MalformedError(length > data.length ? "truncated input" : "trailing bytes");
  const padded = length - 16;
  if (padded < PAD_BLOCK || padded % PAD_BLOCK !== 0) {
    throw new MalformedError("ciphertext is not a whole number of pad blocks");
  }
  // Not frozen, unlike the other parsed formats: a journal is parsed thousands at a time
  // (search, export) and freezing is a measurable share of that (bench/journal.py).
  return {
    purpose,
    idBytes: data.subarray(2, 18),
    get itemId() {
      return bytesToUuid(this.idBytes);
    },
    authorBytes: data.subarray(18, 34),
    get authorId() {
      return bytesToUuid(this.authorBytes);
    },
    header: data.subarray(0, ITEM_HEADER_BYTES),
    nonce: data.subarray(34, 58),
    wrap: data.subarray(58, 58 + ITEM_WRAP_BYTES),
    ciphertext: data.subarray(lengthAt + 4),
    raw: data,
  };
}

let lastAuthor = { id: null, bytes: null };

// Ids are public: a plain comparison, without libsodium's copy into its heap per call.
function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// A whole journal is opened for one author: convert the id once, not per item.
function authorBytes(authorId) {
  if (lastAuthor.id !== authorId) lastAuthor = { id: authorId, bytes: uuidToBytes(authorId) };
  return lastAuthor.bytes;
}

function decryptJournalItem(item, itemKey) {
  const padded = aeadDecrypt(itemKey, item.nonce, item.ciphertext, item.header);
  try {
    return sodium.unpad(padded, PAD_BLOCK);
  } catch {
    throw new MalformedError("invalid padding");
  }
}

/**
 * Opens one of the author's own items: {item, plaintext, itemKey}. options: {wrapKey} (the
 * journal key, derived once). Another author's item or a changed header -> WrongKeyError.
 */
export function openJournalItem(data, accountKey, authorId, { wrapKey = null } = {}) {
  const item = parseJournalItem(data);
  if (!sameBytes(item.authorBytes, authorBytes(authorId))) throw new WrongKeyError("journal item of another author");
  const itemKey = aeadDecrypt(wrapKey ?? journalKey(accountKey), item.wrap.subarray(0, 24), item.wrap.subarray(24), item.header);
  return { item, plaintext: decryptJournalItem(item, itemKey), itemKey };
}

/**
 * Shares one entry: its item key sealed to each recipient ({userId, boxPk}), the entry as a
 * snapshot, signed by the author. Draws: one seal ephemeral key (32) per recipient, in id order.
 */
export function createShare(author, accountKey, shareId, threadId, entryBlob, recipients, rng = osRandom) {
  const opened = openJournalItem(entryBlob, accountKey, author.userId);
  if (opened.item.purpose !== JOURNAL_PURPOSE.ENTRY) throw new MalformedError("only entries can be shared");
  const ordered = [...recipients].sort((a, b) => lexCompare(uuidToBytes(a.userId), uuidToBytes(b.userId)));
  if (ordered.length < 1 || ordered.length > MAX_SHARE_RECIPIENTS) throw new MalformedError("a share has 1..64 recipients");
  if (new Set(ordered.map((r) => r.userId)).size !== ordered.length) throw new MalformedError("duplicate share recipient");
  const entryId = opened.item.itemId;
  const w = new Writer().u8(SHARE_VERSION).uuid(shareId).uuid(threadId).uuid(entryId);
  w.uuid(author.userId).fixed(author.keyId, 16).fixed(shareCommitment(opened.itemKey), 32).u16(ordered.length);
  const plain = new Writer().uuid(shareId).uuid(entryId).fixed(opened.itemKey, 32).bytes();
  for (const recipient of ordered) w.uuid(recipient.userId).fixed(boxSeal(plain, recipient.boxPk, rng), SHARE_SEAL_BYTES);
  w.var32(entryBlob);
  const unsigned = w.bytes();
  return concat(unsigned, sodium.crypto_sign_detached(concat(SHARE_CONTEXT, unsigned), author.signSk));
}

/** Structure of a share: {shareId, threadId, entryId, authorId, authorKeyId, recipients, snapshot, ...}. */
export function parseShare(data) {
  if (!(data instanceof Uint8Array) || data.length > MAX_SHARE_BYTES) throw new MalformedError("share too large");
  const r = new Reader(data);
  const version = r.u8();
  if (version !== SHARE_VERSION) throw new UnsupportedVersionError(`share version ${version}`);
  const shareId = r.uuid();
  const threadId = r.uuid();
  const entryId = r.uuid();
  const authorId = r.uuid();
  const authorKeyId = r.fixed(16);
  const commitment = r.fixed(32);
  const count = r.u16();
  if (count < 1 || count > MAX_SHARE_RECIPIENTS) throw new MalformedError("a share has 1..64 recipients");
  const recipients = [];
  for (let i = 0; i < count; i++) recipients.push({ userId: r.uuid(), seal: r.fixed(SHARE_SEAL_BYTES) });
  for (let i = 1; i < count; i++) {
    if (lexCompare(uuidToBytes(recipients[i - 1].userId), uuidToBytes(recipients[i].userId)) >= 0) {
      throw new MalformedError("share recipients must be sorted and distinct");
    }
  }
  const snapshot = r.var32();
  const signature = r.fixed(64);
  r.end();
  const item = parseJournalItem(snapshot);
  if (item.purpose !== JOURNAL_PURPOSE.ENTRY || item.itemId !== entryId || item.authorId !== authorId) {
    throw new MalformedError("the snapshot is not the shared entry");
  }
  return Object.freeze({ shareId, threadId, entryId, authorId, authorKeyId, commitment, recipients, snapshot, signature, raw: data });
}

/** Throws BadSignatureError unless the author's key signed the share. */
export function verifyShare(share, authorSignPk) {
  if (!equal(keyId(authorSignPk), share.authorKeyId)) throw new BadSignatureError("share key id does not match the given key");
  verifySignature(authorSignPk, concat(SHARE_CONTEXT, share.raw.slice(0, -64)), share.signature);
}

/** A recipient opens a shared entry: {share, item, plaintext, itemKey}. */
export function openShare(data, authorSignPk, recipient) {
  const share = parseShare(data);
  verifyShare(share, authorSignPk);
  const mine = share.recipients.find((r) => r.userId === recipient.userId);
  if (!mine) throw new WrongKeyError("this share is not for you");
  const r = new Reader(boxSealOpen(mine.seal, recipient.boxPk, recipient.boxSk));
  if (r.uuid() !== share.shareId || r.uuid() !== share.entryId) throw new WrongKeyError("share seal is for another share");
  const itemKey = r.fixed(32);
  r.end();
  if (!equal(shareCommitment(itemKey), share.commitment)) {
    throw new KeyCommitmentError("item key does not match the share's commitment");
  }
  const item = parseJournalItem(share.snapshot);
  return Object.freeze({ share, item, plaintext: decryptJournalItem(item, itemKey), itemKey });
}

// ---------------------------------------------------------------- consultation requests
// docs/crypto.md section 11; the Python twin is crypto/intake.py.

const INTAKE_VERSION = 1;
const MAX_INTAKE_REQUEST = 8 * 1024;
const POW_DOMAIN = ascii("interlude/consultation-pow/v1");

/** A new clinic intake key pair {publicKey, secretKey}. */
export function createIntakeKey(rng = osRandom) {
  const secretKey = draw(rng, 32);
  return { publicKey: sodium.crypto_scalarmult_base(secretKey), secretKey };
}

/** A consultation request (bytes of UTF-8 JSON) sealed to the clinic's intake key. */
export function sealIntakeRequest(plaintext, intakePk, clinicId, rng = osRandom) {
  if (plaintext.length > MAX_INTAKE_REQUEST) throw new MalformedError("request too long");
  const body = sodium.pad(concat(Uint8Array.of(INTAKE_VERSION), uuidToBytes(clinicId), plaintext), PAD_BLOCK);
  return concat(Uint8Array.of(INTAKE_VERSION), boxSeal(body, intakePk, rng));
}

/** Opens a sealed request with the intake key; checks it was meant for this clinic. */
export function openIntakeRequest(sealed, intakePk, intakeSk, clinicId) {
  if (sealed[0] !== INTAKE_VERSION) throw new UnsupportedVersionError("unknown request version");
  const body = sodium.unpad(boxSealOpen(sealed.slice(1), intakePk, intakeSk), PAD_BLOCK);
  if (body.length < 17 || body[0] !== INTAKE_VERSION) throw new MalformedError("malformed request");
  if (!equal(body.slice(1, 17), uuidToBytes(clinicId))) throw new WrongKeyError("sealed for another clinic");
  return body.slice(17);
}

/** The intake secret key sealed to one admin's encryption key. */
export function sealIntakeKey(intakeSk, adminBoxPk, clinicId, rng = osRandom) {
  return concat(Uint8Array.of(INTAKE_VERSION), boxSeal(concat(uuidToBytes(clinicId), intakeSk), adminBoxPk, rng));
}

/** Opens this admin's seal of the intake secret key. */
export function openIntakeKey(sealed, identity, clinicId) {
  if (sealed[0] !== INTAKE_VERSION) throw new UnsupportedVersionError("unknown intake key version");
  const body = boxSealOpen(sealed.slice(1), identity.boxPk, identity.boxSk);
  if (body.length !== 48 || !equal(body.slice(0, 16), uuidToBytes(clinicId))) {
    throw new WrongKeyError("sealed for another clinic");
  }
  return body.slice(16);
}

function leadingZeroBits(digest) {
  let count = 0;
  for (const byte of digest) {
    if (byte === 0) {
      count += 8;
      continue;
    }
    return count + Math.clz32(byte) - 24;
  }
  return count;
}

/**
 * The proof of work for a challenge: the first 8-byte counter whose
 * DH("interlude/consultation-pow/v1", challenge ‖ nonce) starts with `bits` zero bits.
 * onProgress(tries) is called every 4096 tries; awaits between batches so the page stays live.
 */
export async function solveProofOfWork(challenge, bits, onProgress = () => {}) {
  const prefix = ascii(challenge);
  const input = new Uint8Array(prefix.length + 8);
  input.set(prefix);
  const view = new DataView(input.buffer, prefix.length, 8);
  for (let counter = 0; ; counter += 1) {
    view.setUint32(0, Math.floor(counter / 2 ** 32));
    view.setUint32(4, counter >>> 0);
    if (leadingZeroBits(domainHash(POW_DOMAIN, input)) >= bits) return input.slice(prefix.length);
    if (counter % 4096 === 4095) {
      onProgress(counter + 1);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
}

/** A request's text sealed by an admin to the invited client's encryption key. */
export function sealIntakeNote(text, clientBoxPk, clientId, rng = osRandom) {
  if (text.length > MAX_INTAKE_REQUEST) throw new MalformedError("note too long");
  return concat(Uint8Array.of(INTAKE_VERSION), boxSeal(sodium.pad(concat(uuidToBytes(clientId), text), PAD_BLOCK), clientBoxPk, rng));
}

/** Opens a handover note with the client's own identity. */
export function openIntakeNote(sealed, identity) {
  if (sealed[0] !== INTAKE_VERSION) throw new UnsupportedVersionError("unknown note version");
  const body = sodium.unpad(boxSealOpen(sealed.slice(1), identity.boxPk, identity.boxSk), PAD_BLOCK);
  if (!equal(body.slice(0, 16), uuidToBytes(identity.userId))) throw new WrongKeyError("sealed for someone else");
  return body.slice(16);
}

// ---------------------------------------------------------------- group threads (docs/crypto.md §12)

const GROUP_FORMAT_VERSION = 1;
const MEMBERSHIP_KEY_CONTEXT = ascii("interlude/membership-key/v1\0");
const CERTIFICATE_CONTEXT = ascii("interlude/membership/v1\0");
const INFO_CONTEXT = ascii("interlude/group-info/v1\0");
const MOD_KEY_CONTEXT = ascii("interlude/mod-key/v1\0");
const RELEASE_CONTEXT = ascii("interlude/release/v1\0");
const GROUP_SECRET_SEAL_BYTES = 1 + 16 + 8 + 32 + 48;
const MAX_INFO_BYTES = 16 * 1024;
const MAX_MODERATORS = 64;
const RELEASE_BYTES = 1 + 8 + 24 + 32 + 16;
const MAX_REPORT_NOTE_BYTES = 1000;
const AUTHOR_COPY_KEY_CONTEXT = "ilauthcp";
const AUTHOR_COPY_CONTEXT = ascii("interlude/author-copy/v1\0");
const AUTHOR_COPY_BYTES = 1 + 24 + 32 + 16;
export const CERTIFICATE_BYTES = 1 + 16 + 16 + 16 + 145 + 64;
export const SECRET_KIND = Object.freeze({ INFO_KEY: 1, MODERATOR_KEY: 2, ADMIN_KEY: 3 });
export const REPORT_CATEGORY = Object.freeze({ HARASSMENT: 1, RISK_OF_HARM: 2, SPAM: 3, PRIVACY: 4, OTHER: 5 });

/** The membership's keys: BLAKE2b-512(ctx ‖ thread ‖ member id, key = account key). */
export function membershipIdentity(accountKey, threadId, memberId) {
  if (!(accountKey instanceof Uint8Array) || accountKey.length !== 32) {
    throw new MalformedError("account key has the wrong size");
  }
  const material = sodium.crypto_generichash(
    64,
    concat(MEMBERSHIP_KEY_CONTEXT, uuidToBytes(threadId), uuidToBytes(memberId)),
    accountKey,
  );
  return identityFromSecrets(memberId, material.slice(0, 32), material.slice(32));
}

/** The account identity certifies the membership (its bundle) for one group (258 bytes). */
export function createMembershipCertificate(account, threadId, membership) {
  const body = new Writer()
    .u8(GROUP_FORMAT_VERSION)
    .uuid(threadId)
    .uuid(account.userId)
    .fixed(account.keyId, 16)
    .fixed(publicBundle(membership), 145)
    .bytes();
  return concat(body, sodium.crypto_sign_detached(concat(CERTIFICATE_CONTEXT, body), account.signSk));
}

export function parseMembershipCertificate(data) {
  const r = new Reader(data);
  const version = r.u8();
  if (version !== GROUP_FORMAT_VERSION) throw new UnsupportedVersionError(`certificate version ${version}`);
  const cert = {
    threadId: r.uuid(),
    accountId: r.uuid(),
    accountKeyId: r.fixed(16),
    member: parsePublicBundle(r.fixed(145)),
    signature: r.fixed(64),
    raw: data,
  };
  r.end();
  return Object.freeze(cert);
}

/** Account signature for this thread, and the membership bundle's own signature. */
export function verifyMembershipCertificate(cert, accountSignPk, threadId) {
  if (cert.threadId !== threadId) throw new BadSignatureError("certificate is for another thread");
  if (!equal(keyId(accountSignPk), cert.accountKeyId)) {
    throw new BadSignatureError("account key id does not match the given key");
  }
  verifySignature(accountSignPk, concat(CERTIFICATE_CONTEXT, cert.raw.slice(0, -64)), cert.signature);
  verifyPublicBundle(cert.member, cert.member.userId);
}

/** SEAL(u8 kind ‖ thread ‖ u64 generation ‖ secret(32)) to one X25519 key (105 bytes). */
export function sealGroupSecret(kind, threadId, generation, secret, recipientBoxPk, rng = osRandom) {
  const plaintext = new Writer().u8(kind).uuid(threadId).u64(generation).fixed(secret, 32).bytes();
  return boxSeal(plaintext, recipientBoxPk, rng);
}

export function openGroupSecret(seal, kind, threadId, generation, boxPk, boxSk) {
  if (!(seal instanceof Uint8Array) || seal.length !== GROUP_SECRET_SEAL_BYTES) {
    throw new MalformedError("group secret seal has the wrong size");
  }
  const r = new Reader(boxSealOpen(seal, boxPk, boxSk));
  if (r.u8() !== kind || r.uuid() !== threadId || r.u64() !== generation) {
    throw new WrongKeyError("seal is for another kind, thread or generation");
  }
  const secret = r.fixed(32);
  r.end();
  return secret;
}

/** u8 1 ‖ thread ‖ nonce(24) ‖ var32 AEAD(infoKey, nonce, PAD(json), ctx ‖ first 17 bytes). */
export function encryptGroupInfo(infoKey, threadId, plaintext, rng = osRandom) {
  if (plaintext.length > MAX_INFO_BYTES) throw new MalformedError("group info too large");
  const head = new Writer().u8(GROUP_FORMAT_VERSION).uuid(threadId).bytes();
  const nonce = draw(rng, 24);
  const sealed = aeadEncrypt(infoKey, nonce, sodium.pad(plaintext, PAD_BLOCK), concat(INFO_CONTEXT, head));
  return concat(head, nonce, new Writer().var32(sealed).bytes());
}

export function decryptGroupInfo(data, infoKey, threadId) {
  const r = new Reader(data);
  if (r.u8() !== GROUP_FORMAT_VERSION) throw new UnsupportedVersionError("group info version");
  if (r.uuid() !== threadId) throw new MalformedError("group info is for another thread");
  const nonce = r.fixed(24);
  const sealed = r.var32();
  r.end();
  const padded = aeadDecrypt(infoKey, nonce, sealed, concat(INFO_CONTEXT, data.slice(0, 17)));
  try {
    return sodium.unpad(padded, PAD_BLOCK);
  } catch {
    throw new MalformedError("invalid padding");
  }
}

/**
 * A fresh moderators' key sealed to each {memberId, boxPk} (sorted by member id), signed by
 * author (a membership identity). Returns {package, secret}. Draws: secret, then one seal each.
 */
export function createModeratorKey(author, threadId, generation, moderators, rng = osRandom) {
  const ordered = [...moderators].sort((a, b) => compareIds(a.memberId, b.memberId));
  if (ordered.length < 1 || ordered.length > MAX_MODERATORS || new Set(ordered.map((m) => m.memberId)).size !== ordered.length) {
    throw new MalformedError("a moderator key has 1..64 distinct moderators");
  }
  const secret = draw(rng, 32);
  const w = new Writer().u8(GROUP_FORMAT_VERSION).uuid(threadId).u64(generation);
  w.fixed(sodium.crypto_scalarmult_base(secret), 32).uuid(author.userId).fixed(author.keyId, 16).u16(ordered.length);
  for (const m of ordered) {
    w.uuid(m.memberId).fixed(sealGroupSecret(SECRET_KIND.MODERATOR_KEY, threadId, generation, secret, m.boxPk, rng), GROUP_SECRET_SEAL_BYTES);
  }
  const body = w.bytes();
  return { package: concat(body, sodium.crypto_sign_detached(concat(MOD_KEY_CONTEXT, body), author.signSk)), secret };
}

export function parseModeratorKey(data) {
  const r = new Reader(data);
  if (r.u8() !== GROUP_FORMAT_VERSION) throw new UnsupportedVersionError("moderator key version");
  const threadId = r.uuid();
  const generation = r.u64();
  const publicKey = r.fixed(32);
  const authorId = r.uuid();
  const authorKeyId = r.fixed(16);
  const count = r.u16();
  if (count < 1 || count > MAX_MODERATORS) throw new MalformedError("moderator key out of range");
  const seals = [];
  for (let i = 0; i < count; i++) {
    const memberId = r.uuid();
    const seal = r.fixed(GROUP_SECRET_SEAL_BYTES);
    if (seals.length && compareIds(seals[seals.length - 1].memberId, memberId) >= 0) {
      throw new MalformedError("moderators are not sorted and unique");
    }
    seals.push(Object.freeze({ memberId, seal }));
  }
  const signature = r.fixed(64);
  r.end();
  return Object.freeze({ threadId, generation, publicKey, authorId, authorKeyId, seals, signature, raw: data });
}

export function verifyModeratorKey(pkg, authorSignPk) {
  if (!equal(keyId(authorSignPk), pkg.authorKeyId)) {
    throw new BadSignatureError("author key id does not match the given key");
  }
  verifySignature(authorSignPk, concat(MOD_KEY_CONTEXT, pkg.raw.slice(0, -64)), pkg.signature);
}

/** The moderators' secret key from moderator's (a membership identity's) seal. */
export function openModeratorKey(pkg, moderator) {
  const entry = pkg.seals.find((s) => s.memberId === moderator.userId);
  if (!entry) throw new WrongKeyError("not a moderator in this generation");
  const secret = openGroupSecret(entry.seal, SECRET_KIND.MODERATOR_KEY, pkg.threadId, pkg.generation, moderator.boxPk, moderator.boxSk);
  if (!equal(sodium.crypto_scalarmult_base(secret), pkg.publicKey)) {
    throw new WrongKeyError("sealed secret does not match the package's public key");
  }
  return secret;
}

/** A held (scope mod) post's message key; decrypt it with openReportedMessage. */
export function openHeldKey(envelope, moderatorSecret) {
  const key = boxSealOpen(envelope.wrap, sodium.crypto_scalarmult_base(moderatorSecret), moderatorSecret);
  if (key.length !== 32) throw new MalformedError("wrapped message key has the wrong size");
  return key;
}

const releaseAd = (epoch, envelope) => concat(RELEASE_CONTEXT, new Writer().u64(epoch).bytes(), envelope.header);

/** u8 1 ‖ u64 epoch ‖ wnonce ‖ AEAD(wrap key of epoch, wnonce, messageKey, ctx ‖ epoch ‖ header). */
export function releaseHeldKey(messageKey, envelope, epoch, epochKey, rng = osRandom) {
  if (!equal(keyCommitment(messageKey), envelope.keyCommitment)) {
    throw new KeyCommitmentError("that is not this post's message key");
  }
  const nonce = draw(rng, 24);
  const wrapped = aeadEncrypt(messageWrapKey(epochKey), nonce, messageKey, releaseAd(epoch, envelope));
  return concat(new Writer().u8(GROUP_FORMAT_VERSION).u64(epoch).bytes(), nonce, wrapped);
}

export function releaseEpoch(release) {
  if (!(release instanceof Uint8Array) || release.length !== RELEASE_BYTES) throw new MalformedError("release has the wrong size");
  const r = new Reader(release.slice(0, 9));
  if (r.u8() !== GROUP_FORMAT_VERSION) throw new UnsupportedVersionError("release version");
  return r.u64();
}

export function openRelease(release, envelope, epochKey) {
  const epoch = releaseEpoch(release);
  const key = aeadDecrypt(messageWrapKey(epochKey), release.slice(9, 33), release.slice(33), releaseAd(epoch, envelope));
  if (!equal(keyCommitment(key), envelope.keyCommitment)) {
    throw new KeyCommitmentError("released key does not match the post");
  }
  return key;
}

/** crypto_kdf(32, 1, "ilauthcp", accountKey): wraps the keys of the account's held posts. */
export function authorCopyKey(accountKey) {
  if (!(accountKey instanceof Uint8Array) || accountKey.length !== 32) {
    throw new MalformedError("account key has the wrong size");
  }
  return kdfDerive(32, 1, AUTHOR_COPY_KEY_CONTEXT, accountKey);
}

const authorCopyAd = (envelope) => concat(AUTHOR_COPY_CONTEXT, envelope.header);

/** u8 1 ‖ wnonce(24) ‖ AEAD(author copy key, wnonce, messageKey, ctx ‖ post header): 73 bytes. */
export function wrapAuthorCopy(messageKey, envelope, accountKey, rng = osRandom) {
  if (!equal(keyCommitment(messageKey), envelope.keyCommitment)) {
    throw new KeyCommitmentError("that is not this post's message key");
  }
  const nonce = draw(rng, 24);
  const wrapped = aeadEncrypt(authorCopyKey(accountKey), nonce, messageKey, authorCopyAd(envelope));
  return concat(new Writer().u8(GROUP_FORMAT_VERSION).bytes(), nonce, wrapped);
}

/** The held post's message key, for its author; decrypt it with openReportedMessage. */
export function openAuthorCopy(copy, envelope, accountKey) {
  if (!(copy instanceof Uint8Array) || copy.length !== AUTHOR_COPY_BYTES) {
    throw new MalformedError("author copy has the wrong size");
  }
  if (copy[0] !== GROUP_FORMAT_VERSION) throw new UnsupportedVersionError("author copy version");
  const key = aeadDecrypt(authorCopyKey(accountKey), copy.slice(1, 25), copy.slice(25), authorCopyAd(envelope));
  if (!equal(keyCommitment(key), envelope.keyCommitment)) {
    throw new KeyCommitmentError("author copy does not match the post");
  }
  return key;
}

/** A held post and its author copy: `{envelope, authorCopy}` (draws: the envelope's, then wnonce). */
export function sealHeldPost(sender, threadId, epoch, plaintext, moderatorPk, accountKey, rng = osRandom) {
  const { envelope, messageKey } = sealMessageWithKey(sender, threadId, epoch, plaintext, { moderatorPk, rng });
  return { envelope, authorCopy: wrapAuthorCopy(messageKey, parseEnvelope(envelope), accountKey, rng) };
}

/** SEAL(u8 1 ‖ thread ‖ client message id ‖ message key ‖ u8 category ‖ var16 note) to the moderators. */
export function sealReport(envelope, messageKey, category, note, moderatorPk, rng = osRandom) {
  const noteBytes = te.encode(note);
  if (noteBytes.length > MAX_REPORT_NOTE_BYTES) throw new MalformedError("report note too long");
  if (!Object.values(REPORT_CATEGORY).includes(category)) throw new MalformedError("unknown report category");
  const plaintext = new Writer()
    .u8(GROUP_FORMAT_VERSION)
    .uuid(envelope.threadId)
    .fixed(envelope.clientMessageId, 16)
    .fixed(messageKey, 32)
    .u8(category)
    .var16(noteBytes)
    .bytes();
  return boxSeal(plaintext, moderatorPk, rng);
}

/** Opens a report about envelope: {messageKey, category, note}. */
export function openReport(seal, envelope, moderatorSecret) {
  const r = new Reader(boxSealOpen(seal, sodium.crypto_scalarmult_base(moderatorSecret), moderatorSecret));
  if (r.u8() !== GROUP_FORMAT_VERSION) throw new UnsupportedVersionError("report version");
  if (r.uuid() !== envelope.threadId || !equal(r.fixed(16), envelope.clientMessageId)) {
    throw new WrongKeyError("report is about another post");
  }
  const messageKey = r.fixed(32);
  const category = r.u8();
  const note = r.var16();
  r.end();
  if (!Object.values(REPORT_CATEGORY).includes(category)) throw new MalformedError("unknown report category");
  if (!equal(keyCommitment(messageKey), envelope.keyCommitment)) {
    throw new KeyCommitmentError("reported key does not match the post");
  }
  return Object.freeze({ messageKey, category, note: new TextDecoder("utf-8", { fatal: true }).decode(note) });
}

/** checkChainLink, plus joins: the author may be the one member the commit adds. */
export function checkGroupChainLink(previous, commit) {
  if (previous === null || previous.member(commit.authorId)) {
    checkChainLink(previous, commit);
    return;
  }
  if (commit.threadId !== previous.threadId || commit.epoch !== previous.epoch + 1) {
    throw new ChainError("commit does not follow the previous epoch");
  }
  if (!equal(commit.prevHash, previous.hash)) throw new ChainError("commit does not name the previous hash");
  const entry = (m) => `${m.userId}/${m.role}/${b64encode(m.keyId)}`;
  const now = new Set(commit.members.map(entry));
  const before = new Set(previous.members.map((m) => m.userId));
  const added = commit.members.filter((m) => !before.has(m.userId)).map((m) => m.userId);
  if (!previous.members.every((m) => now.has(entry(m))) || added.length !== 1 || added[0] !== commit.authorId) {
    throw new ChainError("a joining author may only add itself");
  }
}

// ---------------------------------------------------------------- labels for admins
// docs/crypto.md §12 "Labels for admins"; the Python twin is crypto/group_labels.py.

const LABEL_CONTEXT = ascii("interlude/group-label/v1\0");
const ADMIN_KEY_CONTEXT = ascii("interlude/admin-key/v1\0");
const LABEL_KIND = 4;
const MAX_LABEL_BYTES = 64;
const LABEL_SEAL_BYTES = 1 + 16 + 8 + 1 + MAX_LABEL_BYTES + 48;
export const LABEL_BYTES = 1 + 16 + 8 + LABEL_SEAL_BYTES + 16 + 16 + 64;

/** A new clinic admin key pair {publicKey, secretKey}. Draws: secret (32). */
export function createAdminKey(rng = osRandom) {
  const secretKey = draw(rng, 32);
  return { publicKey: sodium.crypto_scalarmult_base(secretKey), secretKey };
}

/** The admin key's secret sealed to one admin's account encryption key (105 bytes). */
export function sealAdminKey(secretKey, clinicId, generation, adminBoxPk, rng = osRandom) {
  return sealGroupSecret(SECRET_KIND.ADMIN_KEY, clinicId, generation, secretKey, adminBoxPk, rng);
}

/** The admin key's secret from this admin's seal; it must match the public half named. */
export function openAdminKey(seal, clinicId, generation, publicKey, admin) {
  const secret = openGroupSecret(seal, SECRET_KIND.ADMIN_KEY, clinicId, generation, admin.boxPk, admin.boxSk);
  if (!equal(sodium.crypto_scalarmult_base(secret), publicKey)) {
    throw new WrongKeyError("sealed admin key does not match its public half");
  }
  return secret;
}

function adminKeyStatement(clinicId, generation, publicKey, makerId) {
  if (!Number.isInteger(generation) || generation < 1 || generation > MAX_EPOCH) throw new MalformedError("generation out of range");
  const body = new Writer().u8(GROUP_FORMAT_VERSION).uuid(clinicId).u64(generation).fixed(publicKey, 32).uuid(makerId).bytes();
  return concat(ADMIN_KEY_CONTEXT, body);
}

/** The maker's signature (64 bytes) over the admin key's public half, clinic and generation. */
export function signAdminKey(maker, clinicId, generation, publicKey) {
  return sodium.crypto_sign_detached(adminKeyStatement(clinicId, generation, publicKey, maker.userId), maker.signSk);
}

/** Checks the admin key was signed for this clinic and generation by the given account key (BadSignatureError otherwise). */
export function verifyAdminKey(signature, clinicId, generation, publicKey, makerId, makerSignPk) {
  if (signature.length !== 64 || publicKey.length !== 32) throw new BadSignatureError("admin key signature");
  verifySignature(makerSignPk, adminKeyStatement(clinicId, generation, publicKey, makerId), signature);
}

/** A group's label sealed to the admin key of `generation`, signed by the writing admin (259 bytes). */
export function createGroupLabel(author, threadId, generation, text, adminPk, rng = osRandom) {
  const encoded = te.encode(text);
  if (encoded.length < 1 || encoded.length > MAX_LABEL_BYTES) {
    throw new MalformedError(`a label is 1 to ${MAX_LABEL_BYTES} bytes of UTF-8`);
  }
  const padded = new Uint8Array(MAX_LABEL_BYTES);
  padded.set(encoded);
  const plaintext = new Writer().u8(LABEL_KIND).uuid(threadId).u64(generation).u8(encoded.length).fixed(padded, MAX_LABEL_BYTES).bytes();
  const body = new Writer()
    .u8(GROUP_FORMAT_VERSION)
    .uuid(threadId)
    .u64(generation)
    .fixed(boxSeal(plaintext, adminPk, rng), LABEL_SEAL_BYTES)
    .uuid(author.userId)
    .fixed(author.keyId, 16)
    .bytes();
  return concat(body, sodium.crypto_sign_detached(concat(LABEL_CONTEXT, body), author.signSk));
}

export function parseGroupLabel(data) {
  const r = new Reader(data);
  if (r.u8() !== GROUP_FORMAT_VERSION) throw new UnsupportedVersionError("group label version");
  const threadId = r.uuid();
  const generation = r.u64();
  const seal = r.fixed(LABEL_SEAL_BYTES);
  const authorId = r.uuid();
  const authorKeyId = r.fixed(16);
  const signature = r.fixed(64);
  r.end();
  return Object.freeze({ threadId, generation, seal, authorId, authorKeyId, signature, raw: data });
}

/** Checks the label is for this group and signed by the given account key. */
export function verifyGroupLabel(label, threadId, authorSignPk) {
  if (label.threadId !== threadId) throw new BadSignatureError("label is for another group");
  if (!equal(keyId(authorSignPk), label.authorKeyId)) throw new BadSignatureError("author key id does not match the given key");
  verifySignature(authorSignPk, concat(LABEL_CONTEXT, label.raw.slice(0, -64)), label.signature);
}

/** The label's text: the signature first, then the seal (inner thread and generation must repeat the outer ones). */
export function openGroupLabel(label, threadId, authorSignPk, adminSecret) {
  verifyGroupLabel(label, threadId, authorSignPk);
  const r = new Reader(boxSealOpen(label.seal, sodium.crypto_scalarmult_base(adminSecret), adminSecret));
  if (r.u8() !== LABEL_KIND || r.uuid() !== threadId) throw new WrongKeyError("sealed label is for another group");
  if (r.u64() !== label.generation) throw new WrongKeyError("sealed label is for another generation of the admin key");
  const size = r.u8();
  const padded = r.fixed(MAX_LABEL_BYTES);
  r.end();
  if (size < 1 || size > MAX_LABEL_BYTES || padded.slice(size).some((b) => b !== 0)) {
    throw new MalformedError("label padding");
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(padded.slice(0, size));
  } catch {
    throw new MalformedError("label is not UTF-8");
  }
}
