// The client's journal: write (drafts saved as you type, encrypted), quick check-ins, the
// check-in chart, search and export done here on decrypted entries, the entries by date with
// infinite scroll, sharing one entry at a time, and prompts from the care team.
import { confirm } from "../dialog.js";
import { h, replace, screen, time, uid } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, choice, field, statusLine } from "../forms.js";
import { checkInChart } from "../journal-chart.js";
import { checkInForm } from "../journal-checkin.js";
import * as store from "../journal-store.js";
import { isCheckIn, search, toJson, toMarkdown } from "../journal-text.js";
import * as live from "../live.js";

const DRAFT_DELAY_MS = 700;
const PERIODS = [7, 30, 90];

function textArea(label, attributes = {}) {
  const id = uid("area");
  const input = h("textarea", { id, rows: 5, ...attributes });
  return { element: h("div", { className: "field" }, h("label", { for: id }, label), input), input };
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const anchor = h("a", { href: url, download: name, hidden: true });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function render({ signal }) {
  const alert = alertLine();
  const status = statusLine();
  let team = { threadId: null, therapists: [] };
  let shares = [];
  let answering = null; // the prompt delivery being answered
  let editing = null; // the id of the entry being edited
  let draftId = crypto.randomUUID();
  let draftTimer = null;
  let next = null;
  let loadingPage = false;
  const shown = [];

  // ------------------------------------------------------------ prompts
  const promptList = h("ul", { className: "journal-prompts" });
  const promptsSection = h("section", { className: "card", "aria-label": "Prompts from your care team", hidden: true },
    h("h2", {}, "Prompts from your care team"), promptList);

  function showPrompts(prompts) {
    const open = prompts.filter((p) => !p.answered_at);
    promptsSection.hidden = open.length === 0;
    replace(promptList, open.map((p) => h("li", { className: "journal-prompt" },
      h("p", { className: "prompt-text" }, p.text ?? "This prompt could not be opened."),
      h("p", { className: "hint" }, "Arrived ", time(p.delivered_at)),
      h("button", { type: "button", className: "button secondary small", on: { click: () => answer(p) } }, "Answer in my journal"))));
  }

  function answer(prompt) {
    answering = prompt;
    context.textContent = `Answering: “${prompt.text ?? "a prompt"}”`;
    shareAnswer.element.hidden = false;
    body.input.focus();
  }

  // ------------------------------------------------------------ writing
  const title = field({ label: "Title (optional)", maxlength: 200, autocomplete: "off" });
  const body = textArea("What is on your mind?", { required: true });
  const tags = field({ label: "Tags (optional, separated by commas)", autocomplete: "off" });
  const context = h("p", { className: "hint answering" });
  const shareAnswer = (() => {
    const id = uid("share-answer");
    const input = h("input", { type: "checkbox", id });
    return { input, element: h("div", { className: "field checkbox", hidden: true }, input, h("label", { for: id }, "Share my answer with my care team")) };
  })();
  const draftState = h("p", { className: "hint draft-state", role: "status" });
  const saveButton = h("button", { type: "submit", className: "button" }, "Save entry");
  const writeForm = h("form", { className: "card journal-write", "aria-label": "Write an entry" },
    h("h2", {}, "Write"), context, title.element, body.element, tags.element, shareAnswer.element, draftState,
    h("div", { className: "actions" }, saveButton));

  const formContent = () => ({
    title: title.input.value.trim(),
    body: body.input.value,
    tags: tags.input.value.split(",").map((t) => t.trim()).filter(Boolean),
  });

  function queueDraft() {
    clearTimeout(draftTimer);
    draftState.textContent = "";
    draftTimer = setTimeout(async () => {
      try {
        await store.saveDraft(draftId, { ...formContent(), editing });
        draftState.textContent = "Draft saved (encrypted).";
      } catch (error) {
        draftState.textContent = `Draft not saved yet: ${describe(error)}`;
      }
    }, DRAFT_DELAY_MS);
  }
  for (const input of [title.input, body.input, tags.input]) input.addEventListener("input", queueDraft);

  async function restoreDraft() {
    const [latest, ...older] = await store.drafts();
    if (!latest) return;
    draftId = latest.id;
    title.input.value = latest.content.title ?? "";
    body.input.value = latest.content.body ?? "";
    tags.input.value = (latest.content.tags ?? []).join(", ");
    editing = latest.content.editing ?? null;
    draftState.textContent = "Your unsaved draft was restored.";
    await Promise.all(older.map((d) => store.removeDraft(d.id)));
  }

  writeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    alert.clear();
    clearTimeout(draftTimer);
    const content = formContent();
    if (!content.body.trim()) return alert.show("Write something first.");
    saveButton.disabled = true;
    try {
      if (editing) {
        const entry = await store.edit(editing, { kind: "entry", ...content });
        replaceShown(entry);
        status.show("Entry updated.");
      } else {
        const entry = await store.write(
          { kind: "entry", ...content, ...(answering ? { prompt_id: answering.id } : {}) },
          { answers: answering?.id ?? null },
        );
        if (answering && shareAnswer.input.checked) await store.share(entry.id, team.therapists, team.threadId);
        shown.unshift(entry);
        status.show("Entry saved.");
        if (answering) showPrompts(await store.myPrompts());
      }
      await store.removeDraft(draftId).catch(() => null);
      resetForm();
      await refreshShares();
      await refreshChart();
    } catch (error) {
      alert.show(describe(error));
    } finally {
      saveButton.disabled = false;
    }
  });

  function resetForm() {
    writeForm.reset();
    editing = null;
    answering = null;
    context.textContent = "";
    shareAnswer.element.hidden = true;
    draftState.textContent = "";
    draftId = crypto.randomUUID();
    saveButton.textContent = "Save entry";
  }

  // ------------------------------------------------------------ check-ins
  const checkIn = checkInForm({
    onSaved: async (entry) => {
      alert.clear();
      shown.unshift(entry);
      everything = null;
      status.show("Check-in saved.");
      showEntries();
      await refreshChart();
    },
    onProblem: (text) => alert.show(text),
  });

  // ------------------------------------------------------------ chart
  let period = 30;
  let recent = [];
  const chartHost = h("div", { className: "chart-host" });
  const periodButtons = PERIODS.map((days) => h("button", {
    type: "button", className: "button secondary small", "aria-pressed": String(days === period),
    on: { click: () => { period = days; drawChart(); } },
  }, `${days} days`));
  const chartSection = h("section", { className: "card journal-chart", "aria-label": "Check-in chart" },
    h("h2", {}, "How you have been"), h("div", { className: "actions tight", role: "group", "aria-label": "Period" }, periodButtons), chartHost);

  function drawChart() {
    periodButtons.forEach((button, i) => button.setAttribute("aria-pressed", String(PERIODS[i] === period)));
    replace(chartHost, checkInChart(recent, period).element);
  }

  async function refreshChart() {
    const since = new Date(Date.now() - 90 * 24 * 60 * 60 * 1000).toISOString();
    recent = await store.since(since);
    drawChart();
  }

  // ------------------------------------------------------------ search and export
  const query = field({ label: "Search your journal", type: "search", autocomplete: "off" });
  const searchNote = h("p", { className: "hint", role: "status" });
  let everything = null;
  query.input.addEventListener("input", async () => {
    const words = query.input.value.trim();
    if (!words) {
      searchNote.textContent = "";
      return showEntries();
    }
    try {
      everything = everything ?? (await store.everything());
      const found = search(everything, words);
      searchNote.textContent = `${found.length} ${found.length === 1 ? "entry matches" : "entries match"}.`;
      showEntries(found);
    } catch (error) {
      alert.show(describe(error));
    }
  });
  const exportButtons = [["Markdown", "journal.md", "text/markdown", toMarkdown], ["JSON", "journal.json", "application/json", toJson]].map(
    ([label, name, type, convert]) => h("button", {
      type: "button", className: "button secondary small",
      on: { click: async () => {
        try {
          download(name, type, convert(await store.everything()));
        } catch (error) {
          alert.show(describe(error));
        }
      } },
    }, `Download as ${label}`));
  const tools = h("section", { className: "card journal-tools", "aria-label": "Search and export" },
    query.element, searchNote,
    h("p", { className: "hint" }, "Search and export happen on this device; your words never leave it unencrypted."),
    h("div", { className: "actions tight" }, exportButtons));

  // ------------------------------------------------------------ entries
  const list = h("ol", { className: "journal-entries", "aria-label": "Journal entries" });
  const more = h("button", { type: "button", className: "button secondary small", hidden: true, on: { click: () => loadPage() } }, "Show older entries");
  const sentinel = h("div", { className: "scroll-sentinel", "aria-hidden": "true" });

  function replaceShown(entry) {
    const index = shown.findIndex((e) => e.id === entry.id);
    if (index >= 0) shown[index] = entry;
    everything = null;
    showEntries();
  }

  function sharesOf(entryId) {
    return shares.filter((s) => s.entry_id === entryId);
  }

  const nameOf = (userId) => team.therapists.find((t) => t.userId === userId)?.displayName ?? "your therapist";

  function shareLine(share) {
    const opened = share.recipients.filter((r) => r.opened_at);
    const who = share.recipients.map((r) => nameOf(r.user_id)).join(", ");
    if (share.hidden_at) {
      return h("p", { className: "share-state" }, `Hidden. ${opened.map((r) => nameOf(r.user_id)).join(", ")} had already read it.`);
    }
    if (opened.length === 0) {
      return h("p", { className: "share-state" }, `Shared with ${who}, not opened yet. `,
        h("button", { type: "button", className: "link-button", on: { click: () => act(() => store.revoke(share.id), "Share revoked: it can no longer be opened.") } }, "Revoke"));
    }
    return h("p", { className: "share-state" },
      `Shared with ${who}. Opened by ${opened.map((r) => nameOf(r.user_id)).join(", ")} `, time(opened[0].opened_at), ". ",
      h("button", { type: "button", className: "link-button", on: { click: () => hideShare(share) } }, "Hide"));
  }

  async function hideShare(share) {
    const ok = await confirm({
      title: "Hide this shared entry?",
      message: "It will no longer be shown in your conversation. Your therapist has already read it, so hiding cannot undo that.",
      confirmLabel: "Hide it",
    });
    if (ok) await act(() => store.hide(share.id), "Hidden. Your therapist had already read it.");
  }

  async function act(action, done) {
    alert.clear();
    try {
      await action();
      status.show(done);
      await refreshShares();
    } catch (error) {
      alert.show(describe(error));
    }
  }

  function shareControls(entry) {
    const options = [["all", "My whole care team"], ...team.therapists.map((t) => [t.userId, t.displayName])];
    const who = choice({ label: "Share with", options });
    const button = h("button", { type: "button", className: "button secondary small" }, "Share");
    button.addEventListener("click", () => act(async () => {
      const chosen = who.select.value === "all" ? team.therapists : team.therapists.filter((t) => t.userId === who.select.value);
      if (!team.threadId) team = await store.careTeam({ open: true });
      await store.share(entry.id, chosen, team.threadId);
    }, "Shared. You can revoke it until it is opened."));
    return h("details", { className: "share-controls" }, h("summary", {}, "Share…"), who.element, button);
  }

  function entryItem(entry) {
    const c = entry.content;
    const heading = isCheckIn(entry) ? `Check-in: mood ${c.mood}/10` : c.title || "Entry";
    const details = isCheckIn(entry)
      ? [c.feelings?.length ? h("p", {}, `Feelings: ${c.feelings.join(", ")}`) : null,
        c.sleep_hours !== null && c.sleep_hours !== undefined ? h("p", {}, `Sleep: ${c.sleep_hours} hours`) : null,
        c.note ? h("p", {}, c.note) : null]
      : [h("p", { className: "entry-body" }, c.body ?? ""), c.tags?.length ? h("p", { className: "hint" }, `Tags: ${c.tags.join(", ")}`) : null];
    const actions = h("div", { className: "actions tight" },
      isCheckIn(entry) ? null : h("button", { type: "button", className: "link-button", on: { click: () => startEdit(entry) } }, "Edit"),
      h("button", { type: "button", className: "link-button", on: { click: () => removeEntry(entry) } }, "Delete"));
    return h("li", { className: "journal-entry", dataset: { id: entry.id } },
      h("h3", {}, heading), h("p", { className: "hint" }, time(entry.createdAt)), details,
      sharesOf(entry.id).map(shareLine),
      isCheckIn(entry) || team.therapists.length === 0 ? null : shareControls(entry),
      actions);
  }

  function startEdit(entry) {
    editing = entry.id;
    title.input.value = entry.content.title ?? "";
    body.input.value = entry.content.body ?? "";
    tags.input.value = (entry.content.tags ?? []).join(", ");
    context.textContent = "Editing an entry. Shared copies keep what you shared.";
    saveButton.textContent = "Save changes";
    body.input.focus();
  }

  async function removeEntry(entry) {
    const ok = await confirm({
      title: "Delete this entry?",
      message: "It is deleted for good. If you shared it, unopened shares are withdrawn and opened ones hidden.",
      confirmLabel: "Delete",
      danger: true,
    });
    if (!ok) return;
    await act(async () => {
      await store.remove(entry.id);
      shown.splice(shown.findIndex((e) => e.id === entry.id), 1);
      everything = null;
      showEntries();
      await refreshChart();
    }, "Entry deleted.");
  }

  function showEntries(entries = null) {
    const items = entries ?? shown;
    replace(list, items.length ? items.map(entryItem) : h("li", { className: "empty" }, entries ? "Nothing matches." : "No entries yet."));
    more.hidden = entries !== null || !next;
  }

  async function loadPage(first = false) {
    if (loadingPage || (!first && !next)) return;
    loadingPage = true;
    try {
      const answer = await store.page(first ? null : next);
      shown.push(...answer.entries);
      next = answer.next;
      if (!query.input.value.trim()) showEntries();
    } catch (error) {
      alert.show(describe(error));
    } finally {
      loadingPage = false;
    }
  }

  const observer = new IntersectionObserver((seen) => {
    if (seen.some((s) => s.isIntersecting) && !query.input.value.trim()) loadPage();
  });
  observer.observe(sentinel);
  signal.addEventListener("abort", () => observer.disconnect(), { once: true });

  async function refreshShares() {
    shares = await store.myShares();
    everything = null;
    showEntries();
  }

  live.on("journal_prompt", async () => {
    showPrompts(await store.myPrompts());
    status.show("A new prompt arrived from your care team.");
  }, { signal });
  live.on("journal_share", () => refreshShares().catch(() => null), { signal });
  // Another device of mine wrote, edited or deleted an entry.
  live.on("journal_updated", (event) => {
    everything = null;
    const index = shown.findIndex((e) => e.id === event.id);
    if (event.change === "deleted") {
      if (index >= 0) shown.splice(index, 1);
    } else {
      const entry = store.openEntry(event.entry);
      if (index >= 0) shown[index] = entry;
      else shown.unshift(entry);
    }
    if (!query.input.value.trim()) showEntries();
    refreshChart().catch(() => null);
  }, { signal });

  (async () => {
    try {
      team = await store.careTeam();
      await Promise.all([loadPage(true), refreshShares(), refreshChart(), restoreDraft(), store.myPrompts().then(showPrompts)]);
    } catch (error) {
      alert.show(describe(error));
    }
  })();

  return screen("Journal",
    h("p", { className: "hint" }, "Your journal is private: it is encrypted on this device and only you can read it, unless you share an entry."),
    status.element, alert.element, promptsSection, writeForm, checkIn.element, chartSection, tools,
    h("section", { "aria-label": "Entries" }, h("h2", {}, "Entries"), list, more, sentinel));
}
