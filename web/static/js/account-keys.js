// The client side of accounts (docs/crypto.md §3), as in web/client.py: which keys are made,
// derived, wrapped and sent. Argon2id runs in the worker; everything else is quick.
import {
  KDF_MODERATE,
  SALT_BYTES,
  b64decode,
  b64encode,
  decryptKeyring,
  deriveRecoveryKeys,
  encryptKeyring,
  generateAccountKey,
  generateIdentity,
  generateRecoveryCode,
  osRandom,
  parseRecoveryCode,
  publicBundle,
  unwrapAccountKey,
  unwrapAccountKeyWithRecovery,
  validateKdfParams,
  wrapAccountKey,
  wrapAccountKeyWithRecovery,
} from "./crypto.js";
import { derivePasswordKeys } from "./kdf.js";

/** Checks KDF parameters from the server before deriving (no freezing, no downgrade). */
export function checkedKdf(kdf) {
  return validateKdfParams(kdf?.ops, kdf?.mem, { version: kdf?.version });
}

/** {kek, authKey} of a password under a salt and parameters the server gave us. */
export function passwordKeys(password, saltText, kdf) {
  const params = checkedKdf(kdf);
  return derivePasswordKeys(password, b64decode(saltText), params);
}

/** New password material (fresh salt, moderate cost) wrapping accountKey. */
export async function passwordMaterial(userId, password, accountKey) {
  const salt = osRandom(SALT_BYTES);
  const keys = await derivePasswordKeys(password, salt, KDF_MODERATE);
  return {
    auth_key: b64encode(keys.authKey),
    salt: b64encode(salt),
    kdf: { version: KDF_MODERATE.version, ops: KDF_MODERATE.ops, mem: KDF_MODERATE.mem },
    wrapped_account_key: b64encode(wrapAccountKey(accountKey, keys.kek, userId, KDF_MODERATE)),
  };
}

/** Everything to accept an invitation: the request body plus what stays on this device. */
export async function registration(userId, password, deviceLabel) {
  const identity = generateIdentity(userId);
  const accountKey = generateAccountKey();
  const recoveryCode = generateRecoveryCode();
  const recovery = deriveRecoveryKeys(recoveryCode);
  const body = {
    ...(await passwordMaterial(userId, password, accountKey)),
    recovery_auth_key: b64encode(recovery.authKey),
    recovery_wrapped_account_key: b64encode(wrapAccountKeyWithRecovery(accountKey, recovery.kek, userId)),
    public_bundle: b64encode(publicBundle(identity)),
    keyring: b64encode(encryptKeyring([identity], accountKey)),
    device_label: deviceLabel,
  };
  return { body, accountKey, identities: [identity], recoveryCode };
}

/** The account key from GET /api/me's wrapped key and a password's kek. */
export function openAccountKey(account, kek) {
  return unwrapAccountKey(b64decode(account.wrapped_account_key), kek, account.user.id, checkedKdf(account.kdf));
}

/** The identities (current first) in GET /api/me's keyring. */
export function openKeyring(account, accountKey) {
  return decryptKeyring(b64decode(account.keyring), accountKey, account.user.id);
}

/** Throws MalformedError for a mistyped recovery code (checked locally, no request). */
export function checkRecoveryCode(code) {
  parseRecoveryCode(code);
}

export function recoveryKeys(code) {
  const keys = deriveRecoveryKeys(code);
  return { kek: keys.kek, authKey: b64encode(keys.authKey) };
}

export function openRecoveryWrappedKey(wrappedText, kek, userId) {
  return unwrapAccountKeyWithRecovery(b64decode(wrappedText), kek, userId);
}

/** The four-character groups of a recovery code. */
export function recoveryGroups(code) {
  return code.split("-");
}

export { b64encode };
