// A new client's consultation request, handed over by the clinic (sealed to this client's
// key), becomes the first message of their conversation: opened here, sent like any other
// message (so it is encrypted to the thread), then the server drops the sealed copy.
import { api } from "./api.js";
import { b64decode, b64encode, openIntakeNote } from "./crypto.js";
import * as conversations from "./conversations.js";

/** How a consultation request reads as a message (the same words as the Python SDK). */
export function noteText(form) {
  const labels = [
    ["name", "Name"],
    ["time_zone", "Time zone"],
    ["preferred_times", "Preferred times"],
    ["message", "Message"],
  ];
  return ["My request for a first consultation:", ...labels.filter(([key]) => form[key]).map(([key, label]) => `${label}: ${form[key]}`)].join("\n");
}

/** For a client: posts a waiting note into threadId. Resolves true if one was posted. */
export async function postWaitingNote(threadId, identity) {
  const waiting = await api("GET", "/api/me/intake-note");
  if (!waiting.sealed_note) return false;
  const text = new TextDecoder().decode(openIntakeNote(b64decode(waiting.sealed_note), identity));
  for (let attempt = 0; ; attempt += 1) {
    const { envelope } = await conversations.seal(threadId, text);
    try {
      await api("POST", `/api/threads/${threadId}/messages`, { envelope: b64encode(envelope) });
      break;
    } catch (error) {
      if (attempt > 2 || (error.code !== "rekey_required" && error.code !== "stale_epoch")) throw error;
      if (error.code === "rekey_required") await conversations.rekey(threadId);
      else await conversations.load(threadId);
    }
  }
  await api("DELETE", "/api/me/intake-note");
  return true;
}
