// The browser's side of conversations (docs/crypto.md §4–5), as web/sdk_threads.py does it:
// the commit chain is fetched and verified link by link, this member's seals are opened with
// the keyring identity the commit names, and messages are sealed and opened here. The server
// only ever sees commits, seals and envelopes. Keys live in this module's memory for the
// session (forgotten by reset() at logout).
import { api } from "./api.js";
import {
  CONTENT_TYPE,
  CryptoError,
  GENESIS_PREV_HASH,
  ROLE,
  b64decode,
  b64encode,
  checkChainLink,
  createCommit,
  createEpochKey,
  createHistoryGrant,
  openCommitSeal,
  openEpochSeal,
  openMessage,
  parseCommit,
  parseEnvelope,
  parsePublicBundle,
  sealMessage,
  verifyCommit,
  verifyPublicBundle,
} from "./crypto.js";
import * as session from "./session.js";

const ROLE_CODES = { client: ROLE.CLIENT, therapist: ROLE.THERAPIST };
const MAX_REKEY_ATTEMPTS = 5;

/** Why a message shows no text: it was deleted, or it did not open and verify. */
export const PROBLEM = Object.freeze({ DELETED: "deleted", UNVERIFIED: "unverified" });

let threads = new Map(); // thread id -> {epoch, epochKeys: Map, commits: Map, last}
let signKeys = new Map(); // `${userId} ${b64 keyId}` -> Ed25519 public key
let loading = new Map(); // thread id -> the running load(), so loads never interleave

/** Forgets every key (logout, another account). */
export function reset() {
  threads = new Map();
  signKeys = new Map();
  loading = new Map();
}

function me() {
  const unlocked = session.current();
  if (!unlocked) throw new CryptoError("your keys are locked");
  return unlocked;
}

function identity() {
  return me().identities[0];
}

function identityWithKeyId(keyId) {
  const text = b64encode(keyId);
  const found = me().identities.find((candidate) => b64encode(candidate.keyId) === text);
  if (!found) throw new CryptoError("no private key for this epoch's seal");
  return found;
}

function remember(userId, bundle) {
  signKeys.set(`${userId} ${b64encode(bundle.keyId)}`, bundle.signPk);
}

/** A bundle from the server, checked to be userId's own and self-signed. */
export function verifiedBundle(text, userId) {
  const bundle = parsePublicBundle(b64decode(text));
  verifyPublicBundle(bundle, userId);
  remember(userId, bundle);
  return bundle;
}

/**
 * A roster from the server (GET /api/direct/… or /api/threads/…/roster) with every bundle
 * verified: [{userId, role, displayName, bundle}].
 */
export function verifiedRoster(roster) {
  return roster.members.map((entry) => ({
    userId: entry.user_id,
    role: entry.role,
    displayName: entry.display_name,
    bundle: verifiedBundle(entry.public_bundle, entry.user_id),
  }));
}

function commitMembers(members) {
  return members.map((m) => ({ userId: m.userId, role: ROLE_CODES[m.role], keyId: m.bundle.keyId, boxPk: m.bundle.boxPk }));
}

/** The roster the thread's next epoch must contain, verified. */
export async function threadRoster(threadId) {
  return verifiedRoster(await api("GET", `/api/threads/${threadId}/roster`));
}

/** Fetches commits after the ones held, verifies each link and opens this member's seals. */
export function load(threadId) {
  const previous = loading.get(threadId) ?? Promise.resolve();
  const next = previous.catch(() => null).then(() => loadNow(threadId));
  loading.set(threadId, next);
  return next;
}

async function loadNow(threadId) {
  const keys = threads.get(threadId) ?? { epoch: -1, epochKeys: new Map(), commits: new Map(), last: null };
  const query = keys.epoch >= 0 ? `?after_epoch=${keys.epoch}` : "";
  const { commits } = await api("GET", `/api/threads/${threadId}/commits${query}`);
  const mine = me().account.user.id;
  for (const entry of commits) {
    const commit = parseCommit(b64decode(entry.commit));
    if (commit.threadId !== threadId) throw new CryptoError("commit belongs to another thread");
    const bundle = verifiedBundle(entry.author_bundle, commit.authorId);
    verifyCommit(commit, bundle.signPk);
    checkChainLink(keys.last, commit);
    const member = commit.member(mine);
    if (member) keys.epochKeys.set(commit.epoch, openCommitSeal(commit, identityWithKeyId(member.keyId)));
    keys.commits.set(commit.epoch, commit);
    keys.epoch = commit.epoch;
    keys.last = commit;
  }
  if (keys.history === undefined) keys.history = await openHistory(threadId, keys);
  threads.set(threadId, keys);
  return keys;
}

/**
 * Opens the history seals a client shared with this member (care-team handover), adding the
 * earlier epoch keys. Returns the ids of members who were given history in this thread.
 */
async function openHistory(threadId, keys) {
  const { seals, granted_to: grantedTo } = await api("GET", `/api/threads/${threadId}/history-seals`);
  for (const { epoch, seal } of seals) {
    if (keys.epochKeys.has(epoch)) continue;
    for (const candidate of me().identities) {
      try {
        keys.epochKeys.set(epoch, openEpochSeal(b64decode(seal), threadId, epoch, candidate));
        break;
      } catch (error) {
        if (!(error instanceof CryptoError)) throw error;
      }
    }
  }
  return new Set(grantedTo);
}

/** Therapists who joined after the start and were not given the earlier history. */
export async function withoutHistory(threadId, thread) {
  const keys = await load(threadId);
  return thread.members.filter((m) => m.role === "therapist" && m.joined_epoch > 0 && !keys.history.has(m.user_id));
}

/** As the client: seal the epochs before member joined to them, and sign it (consent). */
export async function shareHistory(threadId, member, joinedEpoch) {
  const keys = await load(threadId);
  const earlier = [...keys.epochKeys].filter(([epoch]) => epoch < joinedEpoch);
  const grant = createHistoryGrant(identity(), threadId, { userId: member.userId, keyId: member.bundle.keyId, boxPk: member.bundle.boxPk }, earlier);
  await api("POST", `/api/threads/${threadId}/history-grants`, { grant: b64encode(grant) });
  keys.history.add(member.userId);
}

async function keysFor(threadId) {
  return threads.get(threadId) ?? load(threadId);
}

/**
 * The client's direct thread: its id if open, else opened now with an epoch-0 commit sealed
 * to the client and their care team. Returns {threadId} or {noTherapist: true}.
 */
export async function openDirect(clientId) {
  for (let attempt = 0; attempt < 2; attempt++) {
    const roster = await api("GET", `/api/direct/${clientId}`);
    if (roster.thread_id) return { threadId: roster.thread_id };
    const members = verifiedRoster(roster);
    if (!members.some((m) => m.role === "therapist")) return { noTherapist: true };
    const threadId = crypto.randomUUID();
    const epochKey = createEpochKey();
    const commit = createCommit(identity(), threadId, 0, GENESIS_PREV_HASH, commitMembers(members), epochKey);
    try {
      await api("POST", `/api/direct/${clientId}`, { thread_id: threadId, commit: b64encode(commit) });
    } catch (error) {
      if (error.status === 409) continue; // someone else opened it first: use theirs
      throw error;
    }
    return { threadId };
  }
  throw new CryptoError("the conversation kept changing while it was opened");
}

/** Starts a new epoch sealed to the current roster; rebuilds if another member won. */
export async function rekey(threadId) {
  for (let attempt = 0; attempt < MAX_REKEY_ATTEMPTS; attempt++) {
    const keys = await load(threadId);
    const members = await threadRoster(threadId);
    const commit = createCommit(identity(), threadId, keys.epoch + 1, keys.last.hash, commitMembers(members), createEpochKey());
    try {
      await api("POST", `/api/threads/${threadId}/commits`, { commit: b64encode(commit) });
    } catch (error) {
      if (error.status === 409) continue;
      throw error;
    }
    return (await load(threadId)).epoch;
  }
  throw new CryptoError("could not renew the conversation's keys: it kept changing");
}

/** Seals text for the thread's current epoch: the envelope bytes and its client message id. */
export async function seal(threadId, text) {
  const keys = await keysFor(threadId);
  const envelope = sealMessage(identity(), threadId, keys.epoch, new TextEncoder().encode(text), {
    epochKey: keys.epochKeys.get(keys.epoch),
  });
  return { envelope, clientMessageId: b64encode(parseEnvelope(envelope).clientMessageId) };
}

async function senderKey(userId, keyId) {
  const wanted = `${userId} ${b64encode(keyId)}`;
  if (userId === me().account.user.id) return identityWithKeyId(keyId).signPk;
  if (!signKeys.has(wanted)) {
    const answer = await api("GET", `/api/users/${userId}/public-key`);
    verifiedBundle(answer.public_bundle, userId);
  }
  const found = signKeys.get(wanted);
  if (!found) throw new CryptoError("unknown sender key");
  return found;
}

const TEXT = new TextDecoder("utf-8", { fatal: true });

async function openEnvelope(text, { threadId, epoch = null, senderId = null, contentType = CONTENT_TYPE.TEXT }) {
  const envelope = parseEnvelope(b64decode(text));
  if (envelope.threadId !== threadId) throw new CryptoError("sealed for another conversation");
  if (epoch !== null && envelope.epoch !== epoch) throw new CryptoError("epoch does not match");
  if (senderId !== null && envelope.senderId !== senderId) throw new CryptoError("sender does not match");
  let keys = await keysFor(threadId);
  if (!keys.epochKeys.has(envelope.epoch)) keys = await load(threadId);
  const epochKey = keys.epochKeys.get(envelope.epoch);
  const listed = keys.commits.get(envelope.epoch)?.member(envelope.senderId);
  if (!epochKey || !listed || b64encode(listed.keyId) !== b64encode(envelope.senderKeyId)) {
    throw new CryptoError("the sender's key is not the one this epoch lists");
  }
  const signPk = await senderKey(envelope.senderId, envelope.senderKeyId);
  const opened = openMessage(envelope, signPk, { epochKey });
  if (envelope.contentType !== contentType) throw new CryptoError("not the expected content type");
  return TEXT.decode(opened.plaintext);
}

/**
 * A message payload from the server, verified and decrypted: {text} or {problem}. Nothing
 * that fails is dropped; the caller shows it as unverified.
 */
export async function openPayload(payload) {
  if (!payload.envelope) return { text: null, problem: PROBLEM.DELETED };
  try {
    const text = await openEnvelope(payload.envelope, {
      threadId: payload.thread_id,
      epoch: payload.epoch,
      senderId: payload.sender_id,
    });
    return { text, problem: null };
  } catch (error) {
    if (!(error instanceof CryptoError)) console.warn("message did not open", error);
    return { text: null, problem: PROBLEM.UNVERIFIED };
  }
}

/** A thread's sealed title, or null if it has none or it does not verify. */
export async function openTitle(thread) {
  if (!thread.title_envelope) return null;
  try {
    return await openEnvelope(thread.title_envelope, { threadId: thread.id, epoch: 0 });
  } catch {
    return null;
  }
}

/** Seals a JSON value (content type JSON) in the thread's current epoch: the envelope bytes. */
export async function sealJson(threadId, value) {
  const keys = await keysFor(threadId);
  return sealMessage(identity(), threadId, keys.epoch, new TextEncoder().encode(JSON.stringify(value)), {
    epochKey: keys.epochKeys.get(keys.epoch),
    contentType: CONTENT_TYPE.JSON,
  });
}

/** A JSON envelope of the thread (e.g. a journaling prompt), verified and parsed; null if it does not open. */
export async function openJson(text, { threadId, senderId }) {
  try {
    return JSON.parse(await openEnvelope(text, { threadId, senderId, contentType: CONTENT_TYPE.JSON }));
  } catch (error) {
    if (!(error instanceof CryptoError) && !(error instanceof SyntaxError)) console.warn("envelope did not open", error);
    return null;
  }
}
