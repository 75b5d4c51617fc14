// The conversation view: verifies and decrypts the thread in this browser, shows it as a
// polite live region, keeps it complete (docs/api.md, "Staying complete": after every
// reconnect and whenever an event or acknowledgement shows a gap, it fetches from the end of
// the gap-free run), scrolls back through history, sends through the outbox with pending /
// queued / sent / failed and retry, shows who is typing, and guards sending with the
// key-change check of safety.js.
import { api } from "./api.js";
import { composer as makeComposer } from "./composer.js";
import * as conversations from "./conversations.js";
import { b64decode, CryptoError } from "./crypto.js";
import { h, uid } from "./dom.js";
import { expectationsView } from "./expectations.js";
import { describe } from "./failures.js";
import { alertLine } from "./forms.js";
import { journalThreadView } from "./journal-thread.js";
import { postWaitingNote } from "./intake-note.js";
import * as live from "./live.js";
import { historyConsentView } from "./history-consent.js";
import { deleteMessage, editMessage } from "./message-actions.js";
import { renderMessage } from "./message-item.js";
import * as outbox from "./outbox.js";
import { trustView } from "./safety.js";
import { scheduledView } from "./send-later.js";
import * as session from "./session.js";
import { messageKey, STATUS, Timeline } from "./timeline.js";
import { urgentView } from "./urgent.js";

const PAGE = 50;
const SYNC_PAGE = 100;
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
  let filling = null;
  let fillAgain = false;

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
  const journal = journalThreadView({ threadId, role: account.user.role, myId, signal, onProblem: (text) => alert.show(text) });
  const scheduled = scheduledView({
    threadId,
    signal,
    blocked: () => (trust.blocked() ? BLOCKED : null),
    onProblem: (text) => alert.show(text),
  });
  const urgent = urgentView({ threadId, role: account.user.role, myId, signal });
  if (account.user.role === "client") postWaitingNote(threadId, identities[0]).catch((error) => alert.show(describe(error)));
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
      h("span", { className: "head-break", "aria-hidden": "true" }),
      expectations.element,
      journal.element,
      urgent.element,
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
    if (timeline.hasGap()) fill();
  }

  function markRead() {
    const seq = timeline.lastSeq();
    if (document.visibilityState !== "visible" || seq <= lastReadSent) return;
    lastReadSent = seq;
    outbox.markRead(threadId, seq).catch(() => {
      lastReadSent = Math.min(lastReadSent, seq - 1);
    });
  }

  /** One page of what follows seq: over the socket when it is up, else over HTTP. */
  async function pageAfter(seq) {
    if (live.isConnected()) {
      const answer = await live.request("sync", { threads: { [threadId]: seq } });
      return answer.threads?.[threadId] ?? { messages: [], more: false };
    }
    const { messages } = await api("GET", `/api/threads/${threadId}/messages?after=${seq}&limit=${SYNC_PAGE}`);
    return { messages, more: messages.length === SYNC_PAGE };
  }

  /** Everything after the gap-free run, page by page (after a reconnect, or a gap seen). */
  async function catchUp() {
    if (!loaded) return;
    try {
      for (;;) {
        const page = await pageAfter(timeline.completeThrough);
        if (await receive(page.messages)) render();
        if (page.messages.length) timeline.caughtUpTo(page.messages[page.messages.length - 1].seq);
        if (!page.more || page.messages.length === 0) break;
      }
      markRead();
    } catch (error) {
      alert.show(`New messages could not be loaded. ${describe(error)}`);
    }
  }

  /** Catch-ups run one at a time; one asked for meanwhile runs once more after it. */
  function fill() {
    if (filling) {
      fillAgain = true;
      return filling;
    }
    filling = (async () => {
      do {
        fillAgain = false;
        await catchUp();
      } while (fillAgain);
    })().finally(() => {
      filling = null;
    });
    return filling;
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

  /** What the outbox did with one of this conversation's messages. */
  function outboxChanged({ type, item, payload, error, previousId }) {
    if (item.threadId !== threadId) return;
    const key = messageKey(myId, item.clientMessageId);
    if (type === "sent") {
      timeline.receive(payload, { text: item.text, problem: null });
      if (loaded && timeline.hasGap()) fill();
    } else if (type === "resealed") {
      timeline.resealed(messageKey(myId, previousId), item.clientMessageId, b64decode(item.envelope));
    } else if (type === "waiting") {
      timeline.setStatus(key, STATUS.QUEUED, outbox.QUEUED_NOTE);
    } else if (type === "failed") {
      timeline.setStatus(key, STATUS.FAILED, describe(error));
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
    timeline.addPending({ senderId: myId, text, ...sealed });
    outbox.enqueue(threadId, text, sealed);
    render({ toBottom: true });
    await outbox.flush();
  }

  function retry(entry) {
    if (trust.blocked()) {
      alert.show(BLOCKED);
      return;
    }
    if (!timeline.setStatus(entry.key, STATUS.PENDING)) return;
    outbox.enqueue(threadId, entry.text, { envelope: entry.envelope, clientMessageId: entry.clientMessageId });
    render();
    outbox.flush();
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
      // Messages written on this device that the server may not have yet (kept across a
      // reload): shown as pending, and merged with the server's copy if it has one.
      for (const item of outbox.queued(threadId)) {
        const pending = timeline.addPending({
          senderId: myId,
          text: item.text,
          clientMessageId: item.clientMessageId,
          envelope: b64decode(item.envelope),
          createdAt: item.createdAt,
        });
        timeline.setStatus(pending.key, STATUS.QUEUED, outbox.QUEUED_NOTE);
      }
      if (account.user.role === "client") askAboutHistory(thread);
      const { messages } = await api("GET", `/api/threads/${threadId}/messages?limit=${PAGE}`);
      hasEarlier = messages.length === PAGE;
      await receive(messages);
      timeline.caughtUpTo(messages.length ? messages[messages.length - 1].seq : 0);
      loaded = true;
      render({ toBottom: true });
      announceFromNowOn();
      markRead();
      if (live.isConnected() || timeline.hasGap()) await fill();
    } catch (error) {
      heading.textContent = "This conversation could not be opened";
      alert.show(error instanceof CryptoError ? CHAIN_BROKEN : describe(error));
    }
  }

  const options = { signal };
  live.on("message", incoming, options);
  live.on("message_updated", incoming, options);
  live.on("connect", fill, options);
  outbox.onChange(outboxChanged, options);
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
