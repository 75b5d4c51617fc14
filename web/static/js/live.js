// The realtime connection as screens see it: server events by name (kept across reconnects
// and across the new socket of a new login), requests answered with an acknowledgement, and
// fire-and-forget signals. app.js hands each socket it opens to use().
import { ApiError } from "./api.js";

const SERVER_EVENTS = [
  "message",
  "message_updated",
  "read",
  "typing",
  "presence",
  "thread_updated",
  "key_changed",
  "live_session",
  "scheduled_updated",
  "session_ended",
  "journal_updated",
  "journal_share",
  "journal_prompt",
  "journal_prompt_answered",
  "urgent",
  "urgent_updated",
  "group_post",
  "group_post_updated",
  "group_updated",
  "group_invited",
  "group_post_moderated",
  "group_queue",
  "group_muted",
  "group_removed",
];
const ANSWER_WAIT_MS = 10_000;
const NOT_CONNECTED = "You seem to be offline. Check your connection and try again.";
const NO_ANSWER = "The server did not answer in time. Try again.";

const listeners = new Map();
let socket = null;

function dispatch(name, data) {
  for (const listener of [...(listeners.get(name) ?? [])]) {
    try {
      listener(data);
    } catch (error) {
      console.error(`a "${name}" listener failed`, error);
    }
  }
}

/** Routes the events of a new socket (null when logged out) to the listeners. */
export function use(next) {
  socket = next;
  if (!next) return;
  for (const name of SERVER_EVENTS) next.on(name, (data) => dispatch(name, data ?? {}));
  // Posts that reach a group in a burst come as one event; screens see each on its own.
  next.on("group_posts", (batch) => {
    for (const post of batch?.posts ?? []) dispatch("group_post", post);
  });
  next.on("connect", () => dispatch("connect", {}));
  // After an outage of the server's event bus: catch up exactly as after a reconnect.
  next.on("resync", () => dispatch("connect", {}));
  next.on("disconnect", () => dispatch("disconnect", {}));
}

/**
 * Calls listener(data) for each server event `name`, plus "connect" (after every connect and
 * reconnect) and "disconnect". Stops when signal aborts.
 */
export function on(name, listener, { signal } = {}) {
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name).add(listener);
  signal?.addEventListener("abort", () => listeners.get(name)?.delete(listener), { once: true });
}

export function isConnected() {
  return Boolean(socket?.connected);
}

/** Sends event and waits for the server's answer; {error} answers throw ApiError. */
export async function request(event, data, { waitMs = ANSWER_WAIT_MS } = {}) {
  if (!socket?.connected) throw new ApiError(NOT_CONNECTED, { code: "offline" });
  let answer;
  try {
    answer = await socket.timeout(waitMs).emitWithAck(event, data);
  } catch {
    throw new ApiError(NO_ANSWER, { code: "timeout" });
  }
  if (answer?.error) throw new ApiError(answer.error.message, { status: 400, code: answer.error.code });
  return answer;
}

/** Sends event if connected; dropped otherwise (typing, read positions). */
export function signal(event, data) {
  if (socket?.connected) socket.volatile.emit(event, data);
}
