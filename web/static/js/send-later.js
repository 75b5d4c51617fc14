// Send later: a message is sealed now, exactly as a normal send, and handed to the server to
// hold until its time (POST /api/threads/{id}/scheduled). The author's scheduled messages are
// listed (opened here, the server only holds ciphertext) with "Change" and "Cancel"; the list
// follows scheduled_updated events from the author's other devices and drops a message when
// it is released (it then arrives as a normal message).
import { api } from "./api.js";
import * as conversations from "./conversations.js";
import { b64encode } from "./crypto.js";
import { confirm } from "./dialog.js";
import { h, uid } from "./dom.js";
import { describe } from "./failures.js";
import { FormProblem, formDialog } from "./form-dialog.js";
import { field } from "./forms.js";
import * as live from "./live.js";
import * as session from "./session.js";
import { dayAndTime, deviceZone, localInstant, localParts, suggestedInstant } from "./when.js";

const MAX_RESEALS = 3;

/** Seals text for the thread and calls post(envelope); renews keys and reseals if asked. */
export async function sealAndPost(threadId, text, post) {
  for (let attempt = 0; ; attempt++) {
    const { envelope } = await conversations.seal(threadId, text);
    try {
      return await post(b64encode(envelope));
    } catch (error) {
      if (attempt >= MAX_RESEALS) throw error;
      if (error.code === "rekey_required") await conversations.rekey(threadId);
      else if (error.code === "stale_epoch") await conversations.load(threadId);
      else throw error;
    }
  }
}

/**
 * The send-later picker and the list of my scheduled messages in threadId, until signal
 * aborts. blocked() says why sending is paused (or null). Returns {element, pick(text)}:
 * pick resolves true once text is scheduled.
 */
export function scheduledView({ threadId, signal, blocked, onProblem }) {
  const summary = h("summary", {}, "Scheduled messages");
  const list = h("ul", { className: "plain-list scheduled-list" });
  const element = h("details", { className: "scheduled", hidden: true }, summary, list);
  let loading = null;

  function whenFields(iso) {
    const parts = localParts(iso);
    const date = field({ label: "Date", type: "date", value: parts.date, required: true });
    const time = field({ label: `Time (${deviceZone()})`, type: "time", value: parts.time, required: true });
    return {
      element: h("div", { className: "field-row" }, date.element, time.element),
      instant() {
        const found = localInstant(date.input.value, time.input.value);
        if (!found) throw new FormProblem("Choose the date and time to send it.");
        if (new Date(found) <= new Date()) throw new FormProblem("That time has passed. Choose a time in the future.");
        return found;
      },
    };
  }

  async function pick(text) {
    const reason = blocked();
    if (reason) {
      onProblem(reason);
      return false;
    }
    const when = whenFields(suggestedInstant());
    const done = await formDialog({
      title: "Send later",
      intro: "The message is encrypted now and delivered at the time you choose (on this device's clock). You can change or cancel it until then.",
      fields: [when.element],
      submitLabel: "Schedule message",
      working: "Encrypting and scheduling…",
      submit: async () => {
        const deliverAt = when.instant();
        await sealAndPost(threadId, text, (envelope) => api("POST", `/api/threads/${threadId}/scheduled`, { envelope, deliver_at: deliverAt }));
      },
    });
    if (done) await refresh();
    return done;
  }

  async function change(item) {
    const id = uid("scheduled-text");
    const box = h("textarea", { id, rows: "4", maxlength: "20000" }, item.text ?? "");
    const when = whenFields(item.payload.deliver_at);
    await formDialog({
      title: "Change scheduled message",
      fields: [h("div", { className: "field" }, h("label", { for: id }, "Message"), box), when.element],
      submitLabel: "Save changes",
      working: "Encrypting and saving…",
      submit: async () => {
        if (!box.value.trim()) throw new FormProblem("Write the message, or cancel it instead.");
        const deliverAt = when.instant();
        await sealAndPost(threadId, box.value, (envelope) => api("PUT", `/api/scheduled/${item.payload.id}`, { envelope, deliver_at: deliverAt }));
      },
    });
    await refresh();
  }

  async function cancel(item) {
    const sure = await confirm({
      title: "Cancel this scheduled message?",
      message: "It will not be sent. This cannot be undone.",
      confirmLabel: "Cancel message",
      cancelLabel: "Keep it",
      danger: true,
    });
    if (!sure) return;
    try {
      await api("DELETE", `/api/scheduled/${item.payload.id}`);
    } catch (error) {
      onProblem(describe(error));
    }
    await refresh();
  }

  function draw(items) {
    element.hidden = items.length === 0;
    summary.textContent = `Scheduled messages (${items.length})`;
    list.replaceChildren(
      ...items.map((item) =>
        h(
          "li",
          { className: "scheduled-item" },
          item.text === null
            ? h("p", { className: "message-text problem" }, "This scheduled message could not be opened on this device.")
            : h("p", { className: "message-text" }, item.text),
          h("p", { className: "hint" }, "Sends ", h("time", { datetime: item.payload.deliver_at }, dayAndTime(item.payload.deliver_at, { withZone: true }))),
          h(
            "div",
            { className: "actions tight" },
            item.text === null
              ? null
              : h("button", { type: "button", className: "button secondary small", on: { click: () => change(item) } }, "Change", h("span", { className: "visually-hidden" }, " time or text")),
            h("button", { type: "button", className: "button secondary small", on: { click: () => cancel(item) } }, "Cancel", h("span", { className: "visually-hidden" }, " this scheduled message")),
          ),
        ),
      ),
    );
  }

  async function load() {
    try {
      const { messages } = await api("GET", `/api/threads/${threadId}/scheduled`);
      const opened = await Promise.all(messages.map((payload) => conversations.openPayload(payload)));
      const items = messages.map((payload, i) => ({ payload, text: opened[i].text }));
      items.sort((a, b) => a.payload.deliver_at.localeCompare(b.payload.deliver_at));
      draw(items);
    } catch (error) {
      onProblem(`Your scheduled messages could not be loaded. ${describe(error)}`);
    }
  }

  function refresh() {
    loading ??= load().finally(() => {
      loading = null;
    });
    return loading;
  }

  live.on("scheduled_updated", (event) => event.message?.thread_id === threadId && refresh(), { signal });
  live.on("message", (event) => event.thread_id === threadId && event.sender_id === session.user()?.id && refresh(), { signal });
  live.on("connect", refresh, { signal });
  refresh();
  return { element, pick };
}
