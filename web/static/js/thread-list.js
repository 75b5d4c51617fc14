// The list of conversations: most recent activity first, with unread counts, kept current by
// live events. Each shows its decrypted title if it has one, else the other people's names.
// A client with no conversation yet gets "Message your therapist".
import { api } from "./api.js";
import * as conversations from "./conversations.js";
import { h, replace, uid } from "./dom.js";
import { describe } from "./failures.js";
import { alertLine } from "./forms.js";
import * as live from "./live.js";
import { shortTime } from "./message-item.js";
import * as session from "./session.js";

let cache = { userId: null, threads: null, labels: new Map() };

function activity(thread) {
  return thread.last_message_at ?? thread.created_at;
}

function byActivity(a, b) {
  return activity(b).localeCompare(activity(a));
}

/**
 * {name, title} of a thread: the other members' names and its decrypted title (or null). A
 * roster that cannot be loaded or verified leaves the name generic; the conversation says why.
 */
async function label(thread, myId) {
  const [roster, title] = await Promise.all([
    conversations.threadRoster(thread.id).catch(() => null),
    conversations.openTitle(thread),
  ]);
  const names = (roster ?? []).filter((person) => person.userId !== myId).map((person) => person.displayName);
  return { name: names.join(", ") || "Conversation", title };
}

/**
 * Opens (or finds) the signed-in client's conversation with their care team and goes there.
 * Problems are shown on alert.
 */
export async function messageYourTherapist({ navigate, alert, button }) {
  alert.clear();
  button.disabled = true;
  try {
    const opened = await conversations.openDirect(session.user().id);
    if (opened.noTherapist) {
      alert.show("You don't have a therapist on Interlude yet. Your clinic will connect you; then you can write here.");
      return;
    }
    navigate(`/messages/${opened.threadId}`);
  } catch (error) {
    alert.show(describe(error));
  } finally {
    button.disabled = false;
  }
}

/** A "Message your therapist" button for clients. */
export function messageTherapistButton({ navigate, alert }) {
  const button = h("button", { type: "button", className: "button" }, "Message your therapist");
  button.addEventListener("click", () => messageYourTherapist({ navigate, alert, button }));
  return button;
}

/**
 * The list pane. selected: the open thread's id (or null); heading: "h1" when the list is
 * the page's main content. Returns {element}.
 */
export function threadList({ selected, heading, signal, navigate }) {
  const me = session.user();
  if (cache.userId !== me.id) cache = { userId: me.id, threads: null, labels: new Map() };
  const headingId = uid("threads");
  const alert = alertLine();
  const items = h("ul", { className: "thread-list", "aria-labelledby": headingId });
  const intro = h("div", { className: "thread-intro" });
  const element = h(
    "section",
    { className: "thread-pane", "aria-labelledby": headingId },
    h(heading, { id: headingId, tabindex: "-1" }, heading === "h1" ? "Messages" : "Conversations"),
    alert.element,
    intro,
    items,
  );

  function item(thread) {
    const known = cache.labels.get(thread.id);
    const primary = known ? known.title || known.name : "…";
    const unread = thread.unread > 0 && thread.id !== selected;
    return h(
      "li",
      { className: "thread-item", dataset: { unread: String(unread) } },
      h(
        "a",
        { href: `#/messages/${thread.id}`, className: "thread-link", "aria-current": thread.id === selected ? "page" : null },
        h("span", { className: "thread-name" }, primary),
        known?.title ? h("span", { className: "thread-sub" }, known.name) : null,
        h(
          "span",
          { className: "thread-meta" },
          thread.last_message_at
            ? h("time", { datetime: thread.last_message_at }, shortTime(thread.last_message_at))
            : h("span", {}, "No messages yet"),
          unread ? h("span", { className: "unread-count" }, String(thread.unread), h("span", { className: "visually-hidden" }, " unread")) : null,
        ),
      ),
    );
  }

  function render() {
    const threads = cache.threads;
    if (threads === null) {
      replace(items, h("li", { className: "loading" }, "Loading your conversations…"));
      return;
    }
    const focused = items.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
    threads.sort(byActivity);
    replace(items, threads.map(item));
    if (focused) items.querySelector(`a[href="${CSS.escape(focused)}"]`)?.focus();
    if (threads.length === 0) {
      replace(
        intro,
        me.role === "client"
          ? [h("p", {}, "Write to your therapist any time. They reply when they can — this is not for emergencies."), messageTherapistButton({ navigate, alert })]
          : h("p", { className: "empty" }, "No conversations yet. When one of your clients writes to you, it appears here."),
      );
    } else {
      replace(intro);
    }
  }

  async function reload() {
    try {
      const { threads } = await api("GET", "/api/threads");
      cache.threads = threads;
      render();
      await Promise.all(
        threads
          .filter((thread) => !cache.labels.has(thread.id))
          .map(async (thread) => {
            cache.labels.set(thread.id, await label(thread, me.id));
            render();
          }),
      );
    } catch (error) {
      alert.show(describe(error));
    }
  }

  function find(threadId) {
    return cache.threads?.find((thread) => thread.id === threadId) ?? null;
  }

  live.on(
    "message",
    (payload) => {
      const thread = find(payload.thread_id);
      if (!thread) return reload();
      if (payload.seq <= thread.last_seq) return;
      thread.last_seq = payload.seq;
      thread.last_message_at = payload.created_at;
      const seen = payload.thread_id === selected && document.visibilityState === "visible";
      if (payload.sender_id !== me.id && !seen) thread.unread += 1;
      render();
    },
    { signal },
  );
  live.on(
    "read",
    (event) => {
      const thread = find(event.thread_id);
      if (!thread || event.user_id !== me.id) return;
      thread.unread = Math.max(0, Math.min(thread.unread, thread.last_seq - event.seq));
      render();
    },
    { signal },
  );
  live.on(
    "thread_updated",
    (event) => {
      if (!find(event.thread_id)) reload();
    },
    { signal },
  );
  live.on("connect", reload, { signal });

  render();
  reload();
  return { element };
}
