// The urgent flag inside a conversation. A client marks their latest message urgent and at
// once sees the clinic's crisis resources and, honestly, who was told and when a person is
// likely to see it; then whether someone has acknowledged it. A therapist (or on-call
// contact) sees the thread's unacknowledged flags with an "I've seen it" button. The
// server learns only that a message is urgent, never what it says.
import { api } from "./api.js";
import { resourceCard } from "./crisis.js";
import { h, replace, uid } from "./dom.js";
import { describe } from "./failures.js";
import * as live from "./live.js";
import { dayAndTime } from "./when.js";

const LATEST = 50;

/** Plain words for the outlook the server returns with a new flag. */
export function outlookWords(outlook, now = new Date()) {
  const told = [];
  if (outlook.therapists_told) told.push(outlook.therapists_told === 1 ? "your therapist" : `your ${outlook.therapists_told} therapists`);
  if (outlook.on_call_told) told.push(outlook.on_call_told === 1 ? "the clinic's on-call contact" : `the clinic's ${outlook.on_call_told} on-call contacts`);
  const who = told.length ? `We have told ${told.join(" and ")} right now, by email and in the app.` : "Nobody at your clinic could be told right now.";
  if (outlook.therapists_working) return `${who} Your therapist is working now, so they are likely to see it soon.`;
  const back = outlook.back_at ? ` Your therapist's working hours start again ${dayAndTime(outlook.back_at, { now })}.` : "";
  const onCall = outlook.on_call_told ? " Someone on call may see it sooner, but it is not a crisis service." : "";
  return `${who} Nobody is working right now, so it may not be seen at once.${onCall}${back}`;
}

function resourcesList(resources) {
  return h("ul", { className: "plain-list crisis-resources" }, resources.map(resourceCard));
}

function flagLine(flag, { staff, onAcknowledge }) {
  const seen = flag.acknowledged_at
    ? `Seen by the care team ${dayAndTime(flag.acknowledged_at)}.`
    : "Not acknowledged yet.";
  return h(
    "li",
    { className: "urgent-flag", dataset: { flag: flag.id, acknowledged: String(Boolean(flag.acknowledged_at)) } },
    h("span", {}, `Marked urgent ${dayAndTime(flag.created_at)}. `, seen),
    staff && !flag.acknowledged_at
      ? h("button", { type: "button", className: "button small", on: { click: () => onAcknowledge(flag) } }, "I've seen it")
      : null,
  );
}

/** The urgent panel of conversation threadId for a user of `role`. Returns {element}. */
export function urgentView({ threadId, role, myId, signal }) {
  const staff = role !== "client";
  const headingId = uid("urgent");
  const flags = h("ul", { className: "urgent-flags" });
  const answer = h("div", { className: "urgent-answer", role: "alert" });
  const problem = h("p", { className: "form-error", role: "alert" });
  const button = h(
    "button",
    { type: "button", className: "button secondary small urgent-button", on: { click: markLatest } },
    "Mark my last message urgent",
  );
  const element = h(
    "section",
    { className: "urgent-panel", "aria-labelledby": headingId },
    h("h2", { id: headingId, className: "visually-hidden" }, "Urgent"),
    staff ? null : button,
    answer,
    problem,
    flags,
  );

  async function refresh() {
    try {
      const { flags: found } = await api("GET", `/api/threads/${threadId}/urgent`);
      const shown = staff ? found.filter((f) => !f.acknowledged_at) : found.slice(-3);
      replace(flags, shown.map((flag) => flagLine(flag, { staff, onAcknowledge: acknowledge })));
    } catch (error) {
      problem.textContent = describe(error);
    }
  }

  async function acknowledge(flag) {
    try {
      await api("POST", `/api/urgent/${flag.id}/acknowledge`, {});
      await refresh();
    } catch (error) {
      problem.textContent = describe(error);
    }
  }

  async function markLatest() {
    problem.textContent = "";
    button.disabled = true;
    try {
      const { messages } = await api("GET", `/api/threads/${threadId}/messages?limit=${LATEST}`);
      const mine = messages.filter((m) => m.sender_id === myId && m.state === "visible");
      if (!mine.length) {
        problem.textContent = "Send your message first, then mark it urgent.";
        return;
      }
      const flagged = await api("POST", `/api/messages/${mine[mine.length - 1].id}/urgent`, {});
      replace(
        answer,
        h("p", {}, h("strong", {}, "Your message is marked urgent. "), outlookWords(flagged.outlook)),
        h("p", {}, "If you are in danger or might hurt yourself, do not wait for a reply:"),
        resourcesList(flagged.crisis_resources),
      );
      await refresh();
    } catch (error) {
      problem.textContent = describe(error);
    } finally {
      button.disabled = false;
    }
  }

  const mine = (data) => data.thread_id === threadId && refresh();
  live.on("urgent", mine, { signal });
  live.on("urgent_updated", mine, { signal });
  live.on("connect", refresh, { signal });
  refresh();
  return { element };
}
