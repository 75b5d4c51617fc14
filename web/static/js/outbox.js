// The outbox: every message written on this device waits here until the server has it, in
// the order written, across reconnects and reloads: direct messages and group posts alike
// (an entry's kind says how it goes out). A direct message goes over the socket when that is
// up, else over HTTP; a group post over HTTP. A retry sends the very same envelope bytes, so
// the server recognises its client message id and never stores it twice. When the server
// asks for new keys (rekey_required) or says the epoch moved on (stale_epoch), nothing was
// stored: renew or reload the keys and seal again (a new envelope, with a new client message
// id). While the connection is down the queue waits and goes out by itself when it is back
// (socket connect, the browser's "online", unlocking).
//
// The queue is kept in localStorage encrypted under a key derived from the account key
// (crypto.encryptForDevice), so nothing written is lost to a reload and nothing is readable
// at rest; it opens only once the keyring is unlocked again.
import { ApiError, api } from "./api.js";
import { b64decode, b64encode, DEVICE_PURPOSE, decryptForDevice, encryptForDevice, parseEnvelope } from "./crypto.js";
import * as conversations from "./conversations.js";
import * as groupKeys from "./group-keys.js";
import * as live from "./live.js";
import * as session from "./session.js";

const MAX_RESEALS = 5;
/** What a message waiting to be sent says (direct messages and group posts alike). */
export const QUEUED_NOTE = "Waiting for the connection. It will be sent by itself.";
const SOCKET_TROUBLE = new Set(["offline", "timeout"]);
const OFFLINE = "You are offline.";
const STORE_PREFIX = "interlude.outbox.";
const TEXT = new TextDecoder();
const BYTES = new TextEncoder();

function requireOnline() {
  if (navigator.onLine === false) throw new ApiError(OFFLINE, { code: "offline" });
}

/** Trouble that passes: the message waits in the queue and goes out later by itself. */
export function isTransient(error) {
  return (
    SOCKET_TROUBLE.has(error?.code) ||
    error?.code === "network" ||
    error?.code === "rate_limited" ||
    error?.code === "not_authenticated" ||
    (error?.status ?? 0) >= 500
  );
}

/** Sends envelope bytes once; returns the stored message payload. */
export async function deliver(threadId, envelope) {
  const body = { thread_id: threadId, envelope: b64encode(envelope) };
  if (live.isConnected()) {
    try {
      return (await live.request("send", body)).message;
    } catch (error) {
      if (!SOCKET_TROUBLE.has(error.code)) throw error;
    }
  }
  requireOnline();
  return api("POST", `/api/threads/${threadId}/messages`, { envelope: body.envelope });
}

/** A group post sealed with a group's loaded keys (group-keys.js load): {envelope,
 * authorCopy (null unless it waits for a moderator), clientMessageId}. */
export function sealGroupPost(keys, text) {
  const body = groupKeys.postBody(keys, text);
  const envelope = b64decode(body.envelope);
  return {
    envelope,
    authorCopy: body.author_copy ? b64decode(body.author_copy) : null,
    clientMessageId: b64encode(parseEnvelope(envelope).clientMessageId),
  };
}

/** Sends a sealed group post once; returns the stored post as its author sees it. */
async function deliverGroupPost(threadId, sealed) {
  requireOnline();
  const body = { envelope: b64encode(sealed.envelope) };
  if (sealed.authorCopy) body.author_copy = b64encode(sealed.authorCopy);
  return (await api("POST", `/api/groups/${threadId}/posts`, body)).post;
}

/**
 * Each kind of entry: deliver(threadId, sealed) sends it once; reseal(threadId, text, error)
 * renews the keys the refusal calls for and seals text again, or throws error when it is
 * not about keys (or the keys cannot be renewed from here).
 */
const KINDS = {
  direct: {
    deliver: (threadId, sealed) => deliver(threadId, sealed.envelope),
    async reseal(threadId, text, error) {
      if (error.code === "rekey_required") await conversations.rekey(threadId);
      else if (error.code === "stale_epoch") await conversations.load(threadId);
      else throw error;
      return conversations.seal(threadId, text);
    },
  },
  group: {
    deliver: deliverGroupPost,
    async reseal(threadId, text, error) {
      if (error.code !== "stale_epoch" && error.code !== "rekey_required") throw error;
      // A moderator's app makes the new keys a member's deletion calls for; a member's post
      // fails with the server's words (send it again in a little while).
      const keys = await groupKeys.rekeyIfNeeded(threadId, await groupKeys.load(threadId));
      if (keys.detail.needs_rekey) throw error;
      return sealGroupPost(keys, text);
    },
  },
};

/**
 * Delivers sealed ({envelope, clientMessageId, authorCopy?}) holding text, of kind "direct"
 * or "group"; if the keys must change first, seals text again and calls onResealed(previous,
 * next) before sending that. Returns the payload (a message, or a group post).
 */
export async function send(threadId, text, sealed, { kind = "direct", onResealed = () => {} } = {}) {
  const how = KINDS[kind];
  let current = sealed;
  for (let attempt = 0; ; attempt++) {
    try {
      return await how.deliver(threadId, current);
    } catch (error) {
      if (attempt >= MAX_RESEALS) throw error;
      const previous = current;
      current = await how.reseal(threadId, text, error);
      onResealed(previous, current);
    }
  }
}

/** Tells the server how far this user has read (socket if up, else HTTP). */
export async function markRead(threadId, seq) {
  if (live.isConnected()) {
    try {
      await live.request("read", { thread_id: threadId, seq });
      return;
    } catch (error) {
      if (!SOCKET_TROUBLE.has(error.code)) throw error;
    }
  }
  requireOnline();
  await api("POST", `/api/threads/${threadId}/read`, { seq });
}

// ---------------------------------------------------------------- the queue

let owner = null; // the user id whose queue is loaded
let queue = [];
let flushing = null;
let again = false;
const listeners = new Set();

function unlocked() {
  return session.current();
}

function storeKey(userId) {
  return STORE_PREFIX + userId;
}

/** The unlocked user's queue ([{kind, threadId, clientMessageId, envelope (b64), authorCopy
 * (b64, a held group post's), text, createdAt}]; a queue kept before group posts has no kind:
 * direct). */
function items() {
  const current = unlocked();
  if (!current) return [];
  const userId = current.account.user.id;
  if (owner !== userId) {
    owner = userId;
    queue = [];
    const stored = localStorage.getItem(storeKey(userId));
    if (stored) {
      try {
        const plain = decryptForDevice(b64decode(stored), current.accountKey, userId, DEVICE_PURPOSE.OUTBOX);
        queue = JSON.parse(TEXT.decode(plain));
      } catch (error) {
        console.warn("the messages waiting on this device could not be opened", error);
      }
    }
  }
  return queue;
}

function save() {
  const current = unlocked();
  if (!current || owner !== current.account.user.id) return;
  const userId = current.account.user.id;
  if (queue.length === 0) {
    localStorage.removeItem(storeKey(userId));
    return;
  }
  const blob = encryptForDevice(BYTES.encode(JSON.stringify(queue)), current.accountKey, userId, DEVICE_PURPOSE.OUTBOX);
  localStorage.setItem(storeKey(userId), b64encode(blob));
}

function emit(change) {
  for (const listener of [...listeners]) {
    try {
      listener(change);
    } catch (error) {
      console.error("an outbox listener failed", error);
    }
  }
}

/**
 * Calls listener(change) for each change: {type: "sent", item, payload}, {type: "waiting",
 * item, error}, {type: "failed", item, error} (taken out of the queue; Retry puts it back)
 * and {type: "resealed", previousId, item}. Stops when signal aborts.
 */
export function onChange(listener, { signal } = {}) {
  listeners.add(listener);
  signal?.addEventListener("abort", () => listeners.delete(listener), { once: true });
}

function kindOf(item) {
  return item.kind ?? "direct";
}

/** The messages (kind "direct") or posts ("group") of threadId still waiting on this device,
 * in the order written. */
export function queued(threadId, kind = "direct") {
  return items().filter((item) => item.threadId === threadId && kindOf(item) === kind);
}

/** The sealed form ({envelope, clientMessageId, authorCopy}) of a queue entry. */
export function sealedOf(item) {
  return {
    envelope: b64decode(item.envelope),
    clientMessageId: item.clientMessageId,
    authorCopy: item.authorCopy ? b64decode(item.authorCopy) : null,
  };
}

function seal(item, sealed) {
  item.clientMessageId = sealed.clientMessageId;
  item.envelope = b64encode(sealed.envelope);
  if (sealed.authorCopy) item.authorCopy = b64encode(sealed.authorCopy);
  else delete item.authorCopy;
  return item;
}

/** Keeps a sealed message ({envelope, clientMessageId}; a group post's also authorCopy when it
 * waits for a moderator) of kind "direct" or "group" until the server has it. */
export function enqueue(threadId, text, sealed, { kind = "direct", createdAt = new Date().toISOString() } = {}) {
  const list = items();
  if (!list.some((item) => item.clientMessageId === sealed.clientMessageId)) {
    list.push(seal({ kind, threadId, text, createdAt }, sealed));
    save();
  }
}

function remove(item) {
  queue = queue.filter((other) => other !== item);
  save();
}

async function drain() {
  for (;;) {
    const item = items()[0];
    if (!item) return;
    try {
      const payload = await send(item.threadId, item.text, sealedOf(item), {
        kind: kindOf(item),
        onResealed: (previous, next) => {
          seal(item, next);
          save();
          emit({ type: "resealed", previousId: previous.clientMessageId, item });
        },
      });
      remove(item);
      emit({ type: "sent", item, payload });
    } catch (error) {
      if (isTransient(error)) {
        // The first message waits, and every one after it with it: order is kept.
        for (const waiting of items()) emit({ type: "waiting", item: waiting, error });
        return;
      }
      remove(item);
      emit({ type: "failed", item, error });
    }
  }
}

/** Sends what waits, oldest first, one at a time; a call while it runs makes it go again. */
export function flush() {
  if (flushing) {
    again = true;
    return flushing;
  }
  flushing = (async () => {
    do {
      again = false;
      await drain();
    } while (again);
  })().finally(() => {
    flushing = null;
  });
  return flushing;
}

/** Sends the queue whenever the connection may be back: socket connect, online, unlock. */
export function start() {
  live.on("connect", () => flush());
  window.addEventListener("online", () => flush());
  session.onSessionChange(() => {
    if (unlocked()) flush();
  });
}
