// Delivering one sealed message: over the socket when it is up, else over HTTP. A retry sends
// the very same envelope bytes, so the server recognises its client message id and never
// stores it twice. When the server asks for new keys (rekey_required) or says the epoch
// moved on (stale_epoch), nothing was stored: renew or reload the keys and seal again.
import { ApiError, api } from "./api.js";
import { b64encode } from "./crypto.js";
import * as conversations from "./conversations.js";
import * as live from "./live.js";

const MAX_RESEALS = 5;
const SOCKET_TROUBLE = new Set(["offline", "timeout"]);
const OFFLINE = "You are offline.";

function requireOnline() {
  if (navigator.onLine === false) throw new ApiError(OFFLINE, { code: "offline" });
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
 * seals text again and calls onResealed(next) before sending that. Returns the payload.
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
