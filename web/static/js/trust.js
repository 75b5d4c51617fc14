// Which security key this device trusts for each contact (trust on first use), and which one
// the user verified by comparing safety numbers, one entry per (me, them) in a Storage: in
// the app trust-marks.js, which keeps them with the person across devices (and a copy in
// this device's localStorage). Key ids are base64url strings.
//
// A contact whose current key differs from the trusted one has a *changed* key: the user is
// warned and sending stays blocked until they acknowledge it, which trusts the new key and
// clears "verified" (the new key has not been compared yet).

const PREFIX = "interlude.trust";

function storageKey(me, them) {
  return `${PREFIX}.${me}.${them}`;
}

function read(storage, me, them) {
  try {
    const stored = JSON.parse(storage.getItem(storageKey(me, them)) ?? "null");
    if (stored && typeof stored.trusted === "string") return stored;
  } catch {
    // A damaged entry is treated like none: the next key seen is trusted again.
  }
  return null;
}

function write(storage, me, them, value) {
  storage.setItem(storageKey(me, them), JSON.stringify(value));
}

/**
 * Records the contact's current key id and says where it stands:
 * "verified" (trusted and compared), "trusted" (first seen or acknowledged), "changed".
 */
export function observe(storage, me, them, keyId) {
  const stored = read(storage, me, them);
  if (!stored) {
    write(storage, me, them, { trusted: keyId, verified: null });
    return "trusted";
  }
  if (stored.trusted !== keyId) return "changed";
  return stored.verified === keyId ? "verified" : "trusted";
}

/** The user accepted the contact's new key: trust it, no longer verified. */
export function acknowledge(storage, me, them, keyId) {
  write(storage, me, them, { trusted: keyId, verified: null });
}

/** The user compared safety numbers for this key. Only the trusted key can be verified. */
export function markVerified(storage, me, them, keyId) {
  const stored = read(storage, me, them);
  if (stored && stored.trusted !== keyId) return false;
  write(storage, me, them, { trusted: keyId, verified: keyId });
  return true;
}

/** The user takes "verified" back (e.g. the numbers did not match after all). */
export function clearVerified(storage, me, them) {
  const stored = read(storage, me, them);
  if (stored) write(storage, me, them, { ...stored, verified: null });
}
