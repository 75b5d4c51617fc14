// Inbox (therapists): conversations waiting for a reply, soonest due first, with the due
// time in the reader's own zone and "Overdue" in words; then "My clients", with a way to
// start a conversation with a client who has none yet.
import { api } from "../api.js";
import * as conversations from "../conversations.js";
import { h, screen, uid } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine } from "../forms.js";
import * as live from "../live.js";
import { dayAndTime } from "../when.js";

const REFRESH_MS = 60_000;

export function render({ signal, navigate }) {
  const alert = alertLine();
  const waitingId = uid("waiting");
  const clientsId = uid("clients");
  const waiting = h("div", {}, h("p", { className: "loading" }, "Loading…"));
  const clients = h("div", {});
  let loading = null;

  async function load() {
    try {
      const [{ threads }, { clients: mine }] = await Promise.all([api("GET", "/api/inbox"), api("GET", "/api/care-team/clients")]);
      const names = new Map(mine.filter((c) => c.thread_id).map((c) => [c.thread_id, c.display_name]));
      const unnamed = threads.filter((t) => !names.has(t.id));
      await Promise.all(
        unnamed.map(async (thread) => {
          const roster = await conversations.threadRoster(thread.id).catch(() => []);
          const other = roster.find((person) => person.role === "client");
          names.set(thread.id, other?.displayName ?? "Conversation");
        }),
      );
      alert.clear();
      waiting.replaceChildren(waitingList(threads, names));
      clients.replaceChildren(clientList(mine, { navigate, alert }));
    } catch (error) {
      alert.show(describe(error));
    }
  }

  let again = false;
  // A change that arrives while a load is running is loaded right after it, not dropped.
  function reload() {
    if (loading) {
      again = true;
      return;
    }
    loading = load().finally(() => {
      loading = null;
      if (again) {
        again = false;
        reload();
      }
    });
  }

  live.on("message", reload, { signal });
  live.on("thread_updated", reload, { signal });
  live.on("urgent", reload, { signal });
  live.on("urgent_updated", reload, { signal });
  live.on("connect", reload, { signal });
  const timer = setInterval(reload, REFRESH_MS);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  reload();

  return screen(
    "Inbox",
    h("p", {}, "Conversations waiting for your reply, the soonest due first. Times are in your time zone."),
    alert.element,
    h("section", { "aria-labelledby": waitingId }, h("h2", { id: waitingId }, "Waiting for your reply"), waiting),
    h("section", { "aria-labelledby": clientsId }, h("h2", { id: clientsId }, "My clients"), clients),
  );
}

function waitingList(threads, names) {
  if (threads.length === 0) return h("p", { className: "empty" }, "Nobody is waiting for a reply. Well done.");
  return h(
    "ul",
    { className: "cards inbox-list" },
    threads.map((thread) => {
      const name = names.get(thread.id) ?? "Conversation";
      return h(
        "li",
        { className: "card inbox-item", dataset: { overdue: String(thread.overdue) } },
        h(
          "a",
          { href: `#/messages/${thread.id}`, className: "inbox-link" },
          h("span", { className: "thread-name" }, name),
          thread.urgent_since ? h("span", { className: "badge urgent" }, "Urgent") : null,
          thread.overdue ? h("span", { className: "badge overdue" }, "Overdue") : null,
        ),
        h(
          "p",
          { className: "due" },
          thread.reply_due_at
            ? [thread.overdue ? "Was due " : "Reply due ", h("time", { datetime: thread.reply_due_at }, dayAndTime(thread.reply_due_at, { withZone: true }))]
            : "Waiting for a reply",
          thread.awaiting_since ? [" · waiting since ", h("time", { datetime: thread.awaiting_since }, dayAndTime(thread.awaiting_since, { withZone: true }))] : null,
        ),
      );
    }),
  );
}

function clientList(mine, { navigate, alert }) {
  if (mine.length === 0) return h("p", { className: "empty" }, "No clients are assigned to you yet. Your clinic's administrator assigns them.");
  const sorted = [...mine].sort((a, b) => a.display_name.localeCompare(b.display_name));
  return h(
    "ul",
    { className: "plain-list client-list" },
    sorted.map((client) => {
      if (client.thread_id) {
        return h("li", {}, h("a", { href: `#/messages/${client.thread_id}` }, client.display_name), h("span", { className: "hint" }, " — open conversation"));
      }
      const start = h("button", { type: "button", className: "button secondary small" }, "Start conversation", h("span", { className: "visually-hidden" }, ` with ${client.display_name}`));
      start.addEventListener("click", async () => {
        alert.clear();
        start.disabled = true;
        try {
          const opened = await conversations.openDirect(client.client_id);
          navigate(`/messages/${opened.threadId}`);
        } catch (error) {
          alert.show(describe(error));
        } finally {
          start.disabled = false;
        }
      });
      return h("li", {}, h("span", { className: "client-name" }, client.display_name), " ", start);
    }),
  );
}
