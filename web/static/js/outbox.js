// The outbox: every message written on this device waits here until the server has it, in
// the order written, across reconnects and reloads. It goes over the socket when that is up,
// else over HTTP; a retry sends the very same envelope bytes, so the server recognises its
// client message id and never stores it twice. When the server asks for new keys
// (rekey_required) or says the epoch moved on (stale_epoch), nothing was stored: renew or
// reload the keys and seal again. While the connection is down the queue waits and goes out
// by itself when it is back (socket connect, the browser's "online", unlocking).
//
// The queue is kept in localStorage encrypted under a key derived from the account key
// (crypto.encryptForDevice), so nothing written is lost to a reload and nothing is readable
// at rest; it opens only once the keyring is unlocked again.
import { ApiError, api } from "./api.js";
import { b64decode, b64encode, DEVICE_PURPOSE, decryptForDevice, encryptForDevice } from "./crypto.js";
import * as conversations from "./conversations.js";
import * as live from "./live.js";
import * as session from "./session.js";

const MAX_RESEALS = 5;
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

/**
 * Delivers sealed ({envelope, clientMessageId}) holding text; if the keys must change first,
 * seals text again and calls onResealed(previous, next) before sending that. Returns the payload.
 */
export async function send(threadId, text, sealed, { onResealed = () => {} } = {}) {
  let current = sealed;
  for (let attempt = 0; ; attempt++) {
    try {
      return await deliver(threadId, current.envelope);
    } catch (error) {
      if (attempt >= MAX_RESEALS) throw error;
      if (error.code === "rekey_required") await conversations.rekey(threadId);
      else if (error.code === "stale_epoch") await conversations.load(threadId);
      else throw error;
    }
    const previous = current;
    current = await conversations.seal(threadId, text);
    onResealed(previous, current);
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

/** The unlocked user's queue ([{threadId, clientMessageId, envelope (b64), text, createdAt}]). */
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

/** The messages of threadId still waiting on this device, in the order written. */
export function queued(threadId) {
  return items().filter((item) => item.threadId === threadId);
}

/** Keeps a sealed message ({envelope, clientMessageId}) until the server has it. */
export function enqueue(threadId, text, sealed, createdAt = new Date().toISOString()) {
  const list = items();
  if (!list.some((item) => item.clientMessageId === sealed.clientMessageId)) {
    list.push({ threadId, clientMessageId: sealed.clientMessageId, envelope: b64encode(sealed.envelope), text, createdAt });
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
      const payload = await send(
        item.threadId,
        item.text,
        { envelope: b64decode(item.envelope), clientMessageId: item.clientMessageId },
        {
          onResealed: (previous, next) => {
            item.clientMessageId = next.clientMessageId;
            item.envelope = b64encode(next.envelope);
            save();
            emit({ type: "resealed", previousId: previous.clientMessageId, item });
          },
        },
      );
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
