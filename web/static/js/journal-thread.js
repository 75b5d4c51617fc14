// The journal inside a direct conversation: entries the client shared (a therapist opens
// the ones shared with them, decrypted here), and, for therapists, the client's journaling
// prompts: write one with a schedule in the client's time zone, see which were answered and
// when, pause, resume or stop them.
import { api } from "./api.js";
import { h, replace, time, uid } from "./dom.js";
import { describe } from "./failures.js";
import { choice, field } from "./forms.js";
import * as store from "./journal-store.js";
import * as live from "./live.js";

const REPEATS = [["daily", "Every day"], ["weekdays", "On weekdays"], ["weekly", "Every week"], ["once", "Once"]];
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const REPEAT_WORDS = Object.fromEntries(REPEATS);
const times = (n) => (n === 1 ? "once" : `${n} times`);

function entryContent(content) {
  if (content.kind === "checkin") {
    return [h("p", {}, `Check-in: mood ${content.mood}/10`), content.note ? h("p", {}, content.note) : null];
  }
  return [content.title ? h("h4", {}, content.title) : null, h("p", { className: "entry-body" }, content.body ?? "")];
}

/** {element} for thread threadId as seen by a person of `role`. */
export function journalThreadView({ threadId, role, myId, signal, onProblem }) {
  const sharedList = h("ul", { className: "shared-entries" });
  const shared = h("section", { className: "journal-shared", "aria-label": "Shared journal entries", hidden: true },
    h("h2", {}, "Shared journal entries"), sharedList);
  const prompts = h("details", { className: "journal-prompts-panel", hidden: role !== "therapist" });
  const element = h("div", { className: "journal-thread" }, shared, prompts);
  let clientId = null;
  const opened = new Map(); // share id -> the decrypted content, kept across refreshes

  const problems = new Map(); // share id -> why it did not open
  let shares = [];

  async function openShare(share, button) {
    button.disabled = true;
    try {
      opened.set(share.id, await store.openShared(share.id));
    } catch (error) {
      problems.set(share.id, error.status === 404 || error.status === 410 ? "The client withdrew this entry." : describe(error));
    }
    renderShares();
  }

  function renderShares() {
    shared.hidden = shares.length === 0;
    replace(sharedList, shares.map((share) => {
      const mine = share.recipients.find((r) => r.user_id === myId);
      const content = share.hidden_at ? null : opened.get(share.id);
      const opener = h("button", { type: "button", className: "button secondary small" }, "Open shared entry");
      opener.addEventListener("click", () => openShare(share, opener));
      const state = share.hidden_at ? "Hidden by the client." : mine ? (mine.opened_at ? "You opened it." : "Not opened yet.") : null;
      return h("li", { className: "shared-entry" },
        h("p", {}, share.author_id === myId ? "You shared a journal entry " : "A journal entry was shared with you ", time(share.created_at), "."),
        state ? h("p", { className: "hint" }, state) : null,
        mine && !share.hidden_at && !content ? opener : null,
        h("div", { className: "shared-entry-body" }, content ? entryContent(content) : problems.get(share.id) ?? null));
    }));
  }

  async function refreshShares() {
    shares = await store.threadShares(threadId);
    renderShares();
  }

  // ------------------------------------------------------------ prompts (therapists)
  const text = (() => {
    const id = uid("prompt-text");
    const input = h("textarea", { id, rows: 3, required: true, maxlength: 1000 });
    return { input, element: h("div", { className: "field" }, h("label", { for: id }, "Prompt"), input) };
  })();
  const repeat = choice({ label: "Repeat", options: REPEATS });
  const at = field({ label: "At (the client's local time)", type: "time", value: "20:00", required: true });
  const weekday = choice({ label: "On", options: WEEKDAYS.map((d, i) => [String(i), d]) });
  weekday.element.hidden = true;
  repeat.select.addEventListener("change", () => { weekday.element.hidden = repeat.select.value !== "weekly"; });
  const until = field({ label: "Until (optional)", type: "date" });
  const count = field({ label: "Number of times (optional)", type: "number", min: 1, max: 1000 });
  const submit = h("button", { type: "submit", className: "button" }, "Schedule prompt");
  const cancelEdit = h("button", { type: "button", className: "button secondary", hidden: true }, "Cancel");
  let editingPrompt = null;
  const promptForm = h("form", { className: "prompt-form" }, text.element,
    h("div", { className: "field-row" }, repeat.element, at.element, weekday.element),
    h("div", { className: "field-row" }, until.element, count.element),
    h("div", { className: "actions tight" }, submit, cancelEdit));

  function stopEditing() {
    editingPrompt = null;
    promptForm.reset();
    weekday.element.hidden = true;
    submit.textContent = "Schedule prompt";
    cancelEdit.hidden = true;
  }
  cancelEdit.addEventListener("click", stopEditing);

  function startEditing(prompt) {
    editingPrompt = prompt.id;
    text.input.value = prompt.text ?? "";
    repeat.select.value = prompt.schedule.repeat;
    at.input.value = prompt.schedule.time;
    weekday.select.value = String(prompt.schedule.weekday ?? 0);
    weekday.element.hidden = prompt.schedule.repeat !== "weekly";
    until.input.value = prompt.schedule.until ?? "";
    count.input.value = prompt.schedule.count ?? "";
    submit.textContent = "Save prompt";
    cancelEdit.hidden = false;
    text.input.focus();
  }
  const promptList = h("ul", { className: "prompt-list" });
  replace(prompts, h("summary", {}, "Journaling prompts"), promptForm, promptList);

  promptForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const schedule = { repeat: repeat.select.value, time: at.input.value };
    if (schedule.repeat === "weekly") schedule.weekday = Number(weekday.select.value);
    if (until.input.value) schedule.until = until.input.value;
    if (count.input.value) schedule.count = Number(count.input.value);
    try {
      if (editingPrompt) await store.editPrompt(editingPrompt, threadId, text.input.value.trim(), schedule);
      else await store.createPrompt(clientId, threadId, text.input.value.trim(), schedule);
      stopEditing();
      await refreshPrompts();
    } catch (error) {
      onProblem(describe(error));
    }
  });

  function stateButton(prompt, state, label) {
    return h("button", { type: "button", className: "link-button", on: { click: async () => {
      try {
        await store.setPromptState(prompt.id, state);
        await refreshPrompts();
      } catch (error) {
        onProblem(describe(error));
      }
    } } }, label);
  }

  async function refreshPrompts() {
    if (role !== "therapist" || !clientId) return;
    const found = await store.clientPrompts(clientId);
    replace(promptList, found.map((p) => {
      const answered = p.deliveries.filter((d) => d.answered_at);
      return h("li", { className: "prompt-item" },
        h("p", { className: "prompt-text" }, p.text ?? "This prompt could not be opened."),
        h("p", { className: "hint" }, `${REPEAT_WORDS[p.schedule.repeat]} at ${p.schedule.time} · ${p.state}`,
          p.next_due_at ? [" · next ", time(p.next_due_at)] : null),
        h("p", { className: "hint prompt-answers" }, `Sent ${times(p.deliveries.length)}, answered ${times(answered.length)}.`),
        answered.length ? h("ul", {}, answered.map((d) => h("li", {}, "Answered ", time(d.answered_at),
          d.shared_answer_id ? " (shared with you, see above)" : " (kept private)"))) : null,
        p.state === "active" || p.state === "paused"
          ? h("button", { type: "button", className: "link-button", on: { click: () => startEditing(p) } }, "Edit")
          : null,
        p.state === "active" ? stateButton(p, "paused", "Pause") : null,
        p.state === "paused" ? stateButton(p, "active", "Resume") : null,
        p.state === "active" || p.state === "paused" ? stateButton(p, "stopped", "Stop") : null);
    }));
  }

  live.on("journal_share", (event) => {
    if (event.share?.thread_id !== threadId) return;
    refreshShares().catch(() => null);
    refreshPrompts().catch(() => null); // a shared answer to a prompt becomes readable
  }, { signal });
  live.on("journal_prompt_answered", () => refreshPrompts().catch(() => null), { signal });

  (async () => {
    try {
      const thread = await api("GET", `/api/threads/${threadId}`);
      clientId = thread.client_id;
      prompts.hidden = role !== "therapist" || !clientId;
      await Promise.all([refreshShares(), refreshPrompts()]);
    } catch (error) {
      onProblem(describe(error));
    }
  })();
  return { element };
}
