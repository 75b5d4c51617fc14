// The conversation view: verifies and decrypts the thread in this browser, shows it as a
// polite live region, keeps up with live events (and asks for exactly the gap after every
// reconnect), scrolls back through history, sends with pending / sent / failed and retry,
// shows who is typing, and guards sending with the key-change check of safety.js.
import { api } from "./api.js";
import { composer as makeComposer } from "./composer.js";
import * as conversations from "./conversations.js";
import { CryptoError } from "./crypto.js";
import { h, uid } from "./dom.js";
import { expectationsView } from "./expectations.js";
import { describe } from "./failures.js";
import { alertLine } from "./forms.js";
import * as live from "./live.js";
import { historyConsentView } from "./history-consent.js";
import { deleteMessage, editMessage } from "./message-actions.js";
import { renderMessage } from "./message-item.js";
import * as outbox from "./outbox.js";
import { trustView } from "./safety.js";
import { scheduledView } from "./send-later.js";
import * as session from "./session.js";
import { STATUS, Timeline } from "./timeline.js";

const PAGE = 50;
const TYPING_SHOWN_MS = 5000;
const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 40;
const BLOCKED = "Sending is paused until you confirm the security key change above.";
const ANNOUNCE_AFTER_MS = 300;
const CHAIN_BROKEN =
  "This conversation's keys did not verify, so it stays closed to keep you safe. Please tell your clinic.";

function joinNames(names) {
  if (names.length <= 1) return names[0] ?? "";
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/** The conversation threadId, torn down when signal aborts. Returns {element}. */
export function conversationView({ threadId, signal }) {
  const { account, identities } = session.current();
  const myId = account.user.id;
  const timeline = new Timeline();
  const names = new Map();
  const nodes = new Map(); // timeline entry -> {li, version, read}
  let others = [];
  let readUpTo = 0;
  let lastReadSent = 0;
  let loaded = false;
  let hasEarlier = false;
  let loadingEarlier = false;
  let typingTimer = null;

  const headingId = uid("conversation");
  const heading = h("h1", { id: headingId, tabindex: "-1" }, "Conversation");
  const alert = alertLine();
  const consent = h("div", {});
  const trust = trustView({
    me: { userId: myId, signPk: identities[0].signPk },
    onBlocked: (blocked) => {
      composer.setBlocked(blocked ? BLOCKED : null);
      if (!blocked) composer.focus();
    },
  });
  const earlier = h("button", { type: "button", className: "button secondary small earlier", hidden: true }, "Show earlier messages");
  // A polite live region, muted while history is put in (only new messages are announced).
  const list = h("ol", { className: "messages" });
  const empty = h("p", { className: "empty conversation-empty", hidden: true }, "No messages yet. Say hello — only the people in this conversation can read it.");
  // The scrolling box is the log (a list stays a list inside it) and takes focus, so the
  // keyboard can scroll the history.
  const scroller = h(
    "div",
    { className: "message-scroller", role: "log", "aria-live": "off", "aria-label": "Messages", tabindex: "0" },
    earlier,
    empty,
    list,
  );
  const typingLine = h("p", { className: "typing" });
  const expectations = expectationsView({ threadId, role: account.user.role, signal, onProblem: (text) => alert.show(text) });
  const scheduled = scheduledView({
    threadId,
    signal,
    blocked: () => (trust.blocked() ? BLOCKED : null),
    onProblem: (text) => alert.show(text),
  });
  const composer = makeComposer({
    onSend: send,
    onTyping: () => live.signal("typing", { thread_id: threadId }),
    onSendLater: (text) => scheduled.pick(text),
  });
  const element = h(
    "section",
    { className: "conversation", "aria-labelledby": headingId },
    h(
      "div",
      { className: "conversation-head" },
      h("a", { href: "#/messages", className: "back-link" }, "‹", h("span", { className: "back-word" }, " Conversations")),
      heading,
      trust.panel,
      expectations.element,
    ),
    trust.banner,
    consent,
    alert.element,
    scroller,
    typingLine,
    scheduled.element,
    composer.element,
  );

  // ---------------------------------------------------------------- showing

  function announceFromNowOn() {
    setTimeout(() => scroller.setAttribute("aria-live", "polite"), ANNOUNCE_AFTER_MS);
  }

  const nameOf = (userId) => names.get(userId) ?? "Someone";

  function render({ toBottom = false } = {}) {
    const stick = toBottom || scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
    let cursor = list.firstElementChild;
    for (const entry of timeline.items()) {
      let node = nodes.get(entry);
      if (!node) {
        node = { li: h("li"), version: -1, read: false };
        nodes.set(entry, node);
      }
      const mine = entry.senderId === myId;
      const read = mine && entry.seq !== null && readUpTo >= entry.seq;
      if (node.version !== entry.version || node.read !== read) {
        renderMessage(node.li, entry, { sender: nameOf(entry.senderId), mine, readUpTo, onRetry: retry, onEdit: edit, onDelete: remove });
        node.version = entry.version;
        node.read = read;
      }
      if (node.li === cursor) cursor = cursor.nextElementSibling;
      else list.insertBefore(node.li, cursor);
    }
    empty.hidden = !loaded || list.childElementCount > 0;
    earlier.hidden = !hasEarlier;
    if (stick) scroller.scrollTop = scroller.scrollHeight;
  }

  function showTyping(userId) {
    clearTimeout(typingTimer);
    typingLine.textContent = `${nameOf(userId)} is typing…`;
    typingTimer = setTimeout(() => {
      typingLine.textContent = "";
    }, TYPING_SHOWN_MS);
  }

  function stopTyping() {
    clearTimeout(typingTimer);
    typingLine.textContent = "";
  }

  // ---------------------------------------------------------------- receiving

  async function receive(payloads) {
    const opened = await Promise.all(payloads.map((payload) => conversations.openPayload(payload)));
    let changed = false;
    payloads.forEach((payload, i) => {
      if (timeline.receive(payload, opened[i])) changed = true;
      if (payload.sender_id !== myId) stopTyping();
    });
    return changed;
  }

  async function incoming(payload) {
    if (payload.thread_id !== threadId || !loaded) return;
    if (await receive([payload])) {
      render();
      markRead();
    }
  }

  function markRead() {
    const seq = timeline.lastSeq();
    if (document.visibilityState !== "visible" || seq <= lastReadSent) return;
    lastReadSent = seq;
    outbox.markRead(threadId, seq).catch(() => {
      lastReadSent = Math.min(lastReadSent, seq - 1);
    });
  }

  /** After a (re)connect: everything after the last seq held, page by page. */
  async function catchUp() {
    if (!loaded) return;
    try {
      for (;;) {
        const answer = await live.request("sync", { threads: { [threadId]: timeline.lastSeq() } });
        const page = answer.threads?.[threadId] ?? { messages: [], more: false };
        if (await receive(page.messages)) render();
        if (!page.more || page.messages.length === 0) break;
      }
      markRead();
    } catch (error) {
      alert.show(`New messages could not be loaded. ${describe(error)}`);
    }
  }

  async function loadEarlier() {
    const first = timeline.firstSeq();
    if (loadingEarlier || !hasEarlier || first === null) return;
    loadingEarlier = true;
    scroller.setAttribute("aria-live", "off");
    try {
      const { messages } = await api("GET", `/api/threads/${threadId}/messages?before=${first}&limit=${PAGE}`);
      hasEarlier = messages.length === PAGE;
      const fromBottom = scroller.scrollHeight - scroller.scrollTop;
      await receive(messages);
      render();
      scroller.scrollTop = scroller.scrollHeight - fromBottom;
    } catch (error) {
      alert.show(describe(error));
    } finally {
      loadingEarlier = false;
      announceFromNowOn();
    }
  }

  // ---------------------------------------------------------------- people and keys

  async function refreshPeople() {
    const roster = await conversations.threadRoster(threadId);
    for (const person of roster) names.set(person.userId, person.displayName);
    others = roster.filter((person) => person.userId !== myId);
    trust.update(others);
  }

  // ---------------------------------------------------------------- sending

  async function deliver(entry) {
    try {
      const payload = await outbox.send(
        threadId,
        entry.text,
        { envelope: entry.envelope, clientMessageId: entry.clientMessageId },
        {
          onResealed: (previous, next) => timeline.resealed(entry.key, next.clientMessageId, next.envelope),
        },
      );
      timeline.receive(payload, { text: entry.text, problem: null });
    } catch (error) {
      timeline.setStatus(entry.key, STATUS.FAILED, describe(error));
    }
    render();
  }

  async function send(text) {
    if (trust.blocked()) return;
    alert.clear();
    let sealed;
    try {
      sealed = await conversations.seal(threadId, text);
    } catch (error) {
      alert.show(`Your message could not be encrypted. ${describe(error)}`);
      return;
    }
    const entry = timeline.addPending({ senderId: myId, text, ...sealed });
    render({ toBottom: true });
    await deliver(entry);
  }

  function retry(entry) {
    if (trust.blocked()) {
      alert.show(BLOCKED);
      return;
    }
    if (!timeline.setStatus(entry.key, STATUS.PENDING)) return;
    render();
    deliver(entry);
  }

  // ---------------------------------------------------------------- care-team handover

  async function askAboutHistory(thread) {
    try {
      const missing = await conversations.withoutHistory(threadId, thread);
      if (missing.length === 0) return;
      consent.replaceChildren(historyConsentView({ threadId, missing, people: others, onProblem: (text) => alert.show(text) }));
    } catch (error) {
      alert.show(describe(error));
    }
  }

  // ---------------------------------------------------------------- changing

  async function edit(entry) {
    if (trust.blocked()) {
      alert.show(BLOCKED);
      return;
    }
    const changed = await editMessage(threadId, entry);
    if (!changed) return;
    timeline.receive(changed.payload, { text: changed.text, problem: null });
    render();
  }

  async function remove(entry) {
    alert.clear();
    try {
      const tombstone = await deleteMessage(entry);
      if (!tombstone) return;
      timeline.receive(tombstone, await conversations.openPayload(tombstone));
      render();
    } catch (error) {
      alert.show(describe(error));
    }
  }

  // ---------------------------------------------------------------- start

  async function start() {
    try {
      const [thread] = await Promise.all([api("GET", `/api/threads/${threadId}`), refreshPeople(), conversations.load(threadId)]);
      const title = await conversations.openTitle(thread);
      heading.textContent = title || joinNames(others.map((person) => person.displayName)) || "Conversation";
      readUpTo = Math.max(0, ...thread.members.filter((m) => m.user_id !== myId).map((m) => m.read_seq));
      if (account.user.role === "client") askAboutHistory(thread);
      const { messages } = await api("GET", `/api/threads/${threadId}/messages?limit=${PAGE}`);
      hasEarlier = messages.length === PAGE;
      await receive(messages);
      loaded = true;
      render({ toBottom: true });
      announceFromNowOn();
      markRead();
      if (live.isConnected()) await catchUp();
    } catch (error) {
      heading.textContent = "This conversation could not be opened";
      alert.show(error instanceof CryptoError ? CHAIN_BROKEN : describe(error));
    }
  }

  const options = { signal };
  live.on("message", incoming, options);
  live.on("message_updated", incoming, options);
  live.on("connect", catchUp, options);
  live.on(
    "read",
    (event) => {
      if (event.thread_id !== threadId || event.user_id === myId || event.seq <= readUpTo) return;
      readUpTo = event.seq;
      render();
    },
    options,
  );
  live.on(
    "typing",
    (event) => {
      if (event.thread_id === threadId && event.user_id !== myId) showTyping(event.user_id);
    },
    options,
  );
  live.on(
    "key_changed",
    (event) => {
      if (others.some((person) => person.userId === event.user_id)) refreshPeople().catch((error) => alert.show(describe(error)));
    },
    options,
  );
  live.on(
    "thread_updated",
    (event) => {
      if (event.thread_id !== threadId) return;
      Promise.all([conversations.load(threadId), refreshPeople()]).catch((error) => alert.show(describe(error)));
    },
    options,
  );
  // The panels around the messages open, close and change size: a reader at the newest
  // message stays there instead of finding it cut off.
  let atBottom = true;
  scroller.addEventListener("scroll", () => {
    atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  });
  const keepAtBottom = new ResizeObserver(() => {
    if (atBottom) scroller.scrollTop = scroller.scrollHeight;
  });
  keepAtBottom.observe(scroller);
  signal.addEventListener("abort", () => keepAtBottom.disconnect(), { once: true });
  earlier.addEventListener("click", loadEarlier);
  scroller.addEventListener("scroll", () => {
    if (scroller.scrollTop < NEAR_TOP_PX) loadEarlier();
  });
  document.addEventListener("visibilitychange", markRead, options);
  signal.addEventListener("abort", () => clearTimeout(typingTimer), { once: true });

  start();
  return { element };
}
