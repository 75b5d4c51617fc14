// Group threads run by the clinic: the list of groups (with unread counts and invitations),
// an invitation that shows the guidelines before joining under a pseudonym, and the group
// itself: posts shown by pseudonym, the policy in the header, a composer that says when a
// post waits for a moderator (or until when its author is muted), posts written offline
// kept in the outbox (outbox.js) until they go out by themselves, live delivery over the
// socket, and a report button on every post; a moderator's tab gives the group new keys
// when a member's account was deleted. Keys: group-keys.js.
import { api } from "./api.js";
import { composer as makeComposer } from "./composer.js";
import { h, replace, uid } from "./dom.js";
import { describe } from "./failures.js";
import { FormProblem, formDialog } from "./form-dialog.js";
import { alertLine, choice, field, statusLine } from "./forms.js";
import * as keys from "./group-keys.js";
import { labelLine } from "./group-labels.js";
import * as live from "./live.js";
import { shortTime } from "./message-item.js";
import * as outbox from "./outbox.js";
import { allPeople } from "./people.js";

export const POLICIES = {
  open: { name: "Open group", words: "Posts reach everyone in the group at once." },
  premoderated: { name: "Pre-moderated", words: "A moderator reads each post before the group sees it." },
  announcements: { name: "Announcements", words: "Only moderators post here; members read." },
};
const REPORT_REASONS = [
  ["1", "Harassment or unkind words"],
  ["2", "Someone may be at risk"],
  ["3", "Spam or advertising"],
  ["4", "Shares private details"],
  ["5", "Something else"],
];
const MAX_PSEUDONYM = 40;
const NO_GROUPS = "You are not in any group yet. When a moderator invites you, the invitation appears here.";
const PAGE = 50;
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's longest wait
const HELD = "Waiting for a moderator";
const HELD_NOTE = "In this group a moderator reads each post first. Yours will say “Waiting for a moderator” until then.";
const UNTIL = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZoneName: "short" });
// Texts of this tab's own held posts (post id -> text). Other tabs and devices open a held
// post with the author's copy of its key; once rejected its ciphertext is deleted, so only
// the tab that wrote it still shows its words.
const heldTexts = new Map();

/** "Fri 5 Dec, 14:00 CET": a moment in the reader's own time zone, named. */
export function until(iso) {
  return UNTIL.format(new Date(iso));
}

function mutedNote(iso) {
  return `A moderator muted you in this group until ${until(iso)}. You can read, but not post, until then.`;
}

/** The title of a group, or a plain label if its info could not be opened. */
function titleOf(group, seal) {
  try {
    return keys.groupInfo(group, seal).title || "Untitled group";
  } catch (error) {
    console.warn("group info did not open", error);
    return "A group (its name could not be opened)";
  }
}

function policyBadge(policy) {
  return h("span", { className: "badge policy-badge", dataset: { policy } }, POLICIES[policy]?.name ?? policy);
}

// ---------------------------------------------------------------- the list

/** The groups this person belongs to or is invited to, kept current by live events. */
export function groupList({ signal }) {
  const headingId = uid("groups");
  const alert = alertLine();
  const invitations = h("ul", { className: "thread-list", "aria-label": "Invitations" });
  const invitationsPart = h("section", { className: "group-part", hidden: true }, h("h2", {}, "Invitations"), invitations);
  const items = h("ul", { className: "thread-list", "aria-labelledby": headingId });
  const empty = h("p", { className: "empty", hidden: true }, NO_GROUPS);
  const element = h(
    "section",
    { className: "group-part", "aria-labelledby": headingId },
    alert.element,
    invitationsPart,
    h("h2", { id: headingId }, "Your groups"),
    empty,
    items,
  );

  function item(group) {
    const invited = group.me.state === "invited";
    const unread = !invited && group.unread > 0;
    return h(
      "li",
      { className: "thread-item", dataset: { unread: String(unread) } },
      h(
        "a",
        { href: `#/groups/${group.thread_id}`, className: "thread-link" },
        h("span", { className: "thread-name" }, titleOf(group)),
        h(
          "span",
          { className: "thread-sub" },
          invited ? `Invited as ${group.me.role === "moderator" ? "a moderator" : "a member"}` : `You are “${group.me.pseudonym}”`,
          " · ",
          POLICIES[group.policy]?.name ?? group.policy,
        ),
        h(
          "span",
          { className: "thread-meta" },
          invited ? h("span", {}, "Read the guidelines") : null,
          unread ? h("span", { className: "unread-count" }, String(group.unread), h("span", { className: "visually-hidden" }, " unread")) : null,
        ),
      ),
    );
  }

  async function reload() {
    try {
      const { groups } = await api("GET", "/api/groups");
      const open = groups.filter((g) => g.me.state === "invited");
      const joined = groups.filter((g) => g.me.state === "active");
      replace(invitations, open.map(item));
      invitationsPart.hidden = open.length === 0;
      replace(items, joined.map(item));
      empty.hidden = joined.length > 0;
      empty.textContent = open.length > 0 ? "You have not joined a group yet." : NO_GROUPS;
      alert.clear();
    } catch (error) {
      alert.show(describe(error));
    }
  }

  for (const name of ["group_post", "group_invited", "group_removed", "group_updated", "connect"]) live.on(name, reload, { signal });
  replace(items, h("li", { className: "loading" }, "Loading your groups…"));
  reload();
  return { element };
}

/** For admins: every group of the clinic with its policy and counts (title if sealed to them). */
export function clinicGroups() {
  const alert = alertLine();
  const status = statusLine();
  const rows = h("ul", { className: "cards" }, h("li", { className: "loading" }, "Loading the clinic's groups…"));
  const element = h(
    "section",
    { className: "group-part" },
    h("h2", {}, "The clinic's groups"),
    h("div", { className: "actions" }, h("a", { href: "#/groups/new", className: "button" }, "Create a group")),
    alert.element,
    status.element,
    rows,
  );
  api("GET", "/api/clinic/groups")
    .then(({ groups }) => {
      replace(
        rows,
        groups.length === 0 ? h("li", { className: "empty" }, "No groups yet.") : null,
        groups.map((group) =>
          h(
            "li",
            { className: "card group-card" },
            h("h3", {}, group.admin_seal ? titleOf(group, group.admin_seal) : "A group created by another administrator"),
            labelLine(group),
            h("p", {}, policyBadge(group.policy), ` ${plural(group.moderators, "moderator")} · ${plural(group.members, "member")}`),
            group.admin_seal
              ? h("div", { className: "actions" }, h("button", { type: "button", className: "button secondary small", on: { click: () => nameModerator(group, status).catch((error) => alert.show(describe(error))) } },
                  "Name a moderator…", h("span", { className: "visually-hidden" }, ` for ${titleOf(group, group.admin_seal)}`)))
              : null,
          ),
        ),
      );
    })
    .catch((error) => alert.show(describe(error)));
  return { element };
}

/** An administrator names another moderator (a therapist or administrator) for a group. */
async function nameModerator(group, status) {
  const staff = (await allPeople()).filter((p) => p.status === "active" && (p.role === "therapist" || p.role === "admin"));
  const who = choice({ label: "Moderator", options: staff.map((p) => [p.id, `${p.display_name} (${p.role === "admin" ? "administrator" : "therapist"})`]) });
  const title = titleOf(group, group.admin_seal);
  const done = await formDialog({
    title: `Name a moderator for ${title}`,
    intro: "They are invited, and moderate once they join under a name of their own.",
    fields: who.element,
    submitLabel: "Name moderator",
    submit: async () => api("POST", `/api/groups/${group.thread_id}/moderators`, await keys.moderatorBody(group, who.select.value)),
  });
  if (done) status.show(`${staff.find((p) => p.id === who.select.value)?.display_name ?? "They"} is invited to moderate ${title}.`);
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

// ---------------------------------------------------------------- joining

/** An invitation: title, description and the guidelines first, then a pseudonym and "Join". */
function invitationView(group, onJoined) {
  const info = keys.groupInfo(group);
  const pseudonym = field({
    label: "Your name in this group",
    hint: "Other members see only this name. Choose one you don't use elsewhere; it can be different in every group.",
    maxlength: String(MAX_PSEUDONYM),
    autocomplete: "off",
    required: true,
  });
  const agree = h("input", { type: "checkbox", id: uid("agree") });
  const alert = alertLine();
  const working = h("p", { className: "hint", role: "status" });
  const join = h("button", { type: "submit", className: "button" }, "Join the group");
  const form = h(
    "form",
    { className: "card", novalidate: true },
    h("h2", {}, "Join under a name of your choosing"),
    pseudonym.element,
    h("div", { className: "field checkbox" }, agree, h("label", { for: agree.id }, "I have read the group's guidelines")),
    h("div", { className: "actions" }, join),
    working,
    alert.element,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alert.clear();
    const name = pseudonym.input.value.trim();
    if (!name) return alert.show("Choose a name to use in this group.");
    if (!agree.checked) return alert.show("Please read the guidelines, then tick the box to say so.");
    join.disabled = true;
    working.textContent = "Joining… (setting up this group's keys)";
    try {
      await joinWithRetry(group.thread_id, name);
      onJoined();
    } catch (error) {
      alert.show(describe(error));
    } finally {
      join.disabled = false;
      working.textContent = "";
    }
  });
  return h(
    "div",
    { className: "group-invitation" },
    h("p", { className: "lead" }, `You are invited to join as ${group.me.role === "moderator" ? "a moderator" : "a member"}.`),
    info.description ? h("p", { className: "group-description" }, info.description) : null,
    h("section", { className: "card guidelines" }, h("h2", {}, "Guidelines"), h("p", { className: "guidelines-text" }, info.guidelines || "This group has no written guidelines.")),
    form,
  );
}

/** Joins; when someone else's join or a removal won the epoch first, builds again on theirs. */
async function joinWithRetry(threadId, pseudonym) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api("POST", `/api/groups/${threadId}/join`, await keys.joinBody(threadId, pseudonym));
    } catch (error) {
      if (error.status !== 409 || attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * (attempt + 1)));
    }
  }
}

// ---------------------------------------------------------------- the group

/** The group threadId: the invitation, or the posts and the composer. Returns {element}. */
export function groupView({ threadId, signal }) {
  const host = h("section", { className: "conversation group-view" }, h("p", { className: "loading group-loading" }, "Opening the group…"));
  const show = async () => {
    try {
      const loaded = await keys.rekeyIfNeeded(threadId, await keys.load(threadId));
      if (signal.aborted) return;
      if (loaded.detail.me.state === "invited") {
        replace(host, groupHead(loaded.detail, keys.groupInfo(loaded.detail)), invitationView(loaded.detail, show));
        host.classList.add("group-joining");
      } else {
        host.classList.remove("group-joining");
        replace(host, ...postsView({ threadId, loaded, signal }));
      }
      host.querySelector("h1")?.focus();
    } catch (error) {
      replace(host, h("div", { className: "group-head" }, h("a", { href: "#/groups", className: "back-link" }, "‹ Groups"), h("h1", { tabindex: "-1" }, "Group")),
        h("p", { className: "form-error", role: "alert" }, describe(error)));
    }
  };
  show();
  return { element: host };
}

function groupHead(detail, info, extra = null) {
  const policy = POLICIES[detail.policy];
  return h(
    "div",
    { className: "conversation-head group-head" },
    h("a", { href: "#/groups", className: "back-link" }, "‹", h("span", { className: "back-word" }, " Groups")),
    h("h1", { tabindex: "-1" }, info.title || "Group"),
    policyBadge(detail.policy),
    h("span", { className: "head-break", "aria-hidden": "true" }),
    h("p", { className: "group-policy hint" }, policy?.words ?? ""),
    extra,
  );
}

function postsView({ threadId, loaded, signal }) {
  let state = loaded;
  const info = keys.groupInfo(state.detail);
  const me = () => state.detail.me;
  const isModerator = () => me().role === "moderator";
  const entries = new Map(); // post id (or local id) -> entry
  const nodes = new Map(); // the same keys -> {li, shown}
  // Posts written here wait in the outbox (outbox.js) until the server has them, across
  // reconnects and reloads; shown under "local-" + their client message id until then.
  const localKey = (clientMessageId) => `local-${clientMessageId}`;
  let lastSeq = Math.max(0, state.detail.last_seq - PAGE);
  let firstSeq = lastSeq + 1; // the earliest seq shown
  let removed = false;
  let readSent = 0;
  let unmuteTimer = null;
  signal.addEventListener("abort", () => clearTimeout(unmuteTimer), { once: true });

  const alert = alertLine();
  const status = statusLine();
  const list = h("ol", { className: "messages" });
  const empty = h("p", { className: "empty conversation-empty" }, "No posts yet. Only the members of this group can read what is written here.");
  const earlier = h("button", { type: "button", className: "button secondary small earlier", hidden: true }, "Show earlier posts");
  // Quiet while the history is put in; only new posts are announced.
  const scroller = h("div", { className: "message-scroller", role: "log", "aria-live": "off", "aria-label": "Posts", tabindex: "0" }, earlier, empty, list);
  const heldNote = h("p", { className: "hint composer-note group-held-note" });
  const composer = makeComposer({ onSend: send, onTyping: () => {} });
  const moderation = h("a", { href: `#/groups/${threadId}/moderation`, className: "button secondary small" }, "Moderation");
  const waiting = h("span", { className: "unread-count", hidden: true });
  moderation.append(waiting);
  const guidelines = h(
    "details",
    { className: "group-guidelines" },
    h("summary", {}, "Guidelines"),
    info.description ? h("p", {}, info.description) : null,
    h("p", { className: "guidelines-text" }, info.guidelines || "This group has no written guidelines."),
  );
  const who = h("p", { className: "group-me hint" });
  const head = groupHead(state.detail, info, h("div", { className: "group-tools" }, who, isModerator() ? moderation : null, guidelines));

  function composerState() {
    who.textContent = `You are “${me().pseudonym}”${isModerator() ? ", a moderator" : ""}.`;
    const muted = me().muted_until && new Date(me().muted_until) > new Date() ? me().muted_until : null;
    clearTimeout(unmuteTimer);
    const wait = muted ? new Date(muted) - Date.now() + 1000 : 0;
    if (muted && wait < MAX_TIMER_MS) unmuteTimer = setTimeout(composerState, wait); // the composer opens again by itself
    if (removed) composer.setBlocked("You are no longer a member of this group.");
    else if (muted) composer.setBlocked(mutedNote(muted));
    else if (state.detail.policy === "announcements" && !isModerator()) composer.setBlocked("Only moderators post in this group.");
    else composer.setBlocked(null);
    heldNote.textContent = keys.postsAreHeld(state.detail) && !removed ? HELD_NOTE : "";
  }

  // ------------------------------------------------------------ showing

  function foot(entry) {
    const parts = [h("time", { datetime: entry.createdAt }, shortTime(entry.createdAt))];
    if (entry.mine) {
      parts.push(" · ");
      if (entry.status === "pending") parts.push(h("span", { className: "delivery", dataset: { status: "pending" } }, "Sending…"));
      else if (entry.status === "queued") parts.push(h("span", { className: "delivery", dataset: { status: "queued" } }, entry.error ?? outbox.QUEUED_NOTE));
      else if (entry.status === "held") parts.push(h("span", { className: "delivery", dataset: { status: "held" } }, HELD));
      else if (entry.status === "failed") {
        parts.push(
          h("span", { className: "delivery", dataset: { status: "failed" } }, "Not sent. ", entry.error ? `${entry.error} ` : null,
            h("button", { type: "button", className: "link-button", on: { click: () => retry(entry) } }, "Retry")),
        );
      } else if (entry.status === "rejected") parts.push(h("span", { className: "delivery", dataset: { status: "rejected" } }, "Not approved"));
      else parts.push(h("span", { className: "delivery", dataset: { status: "sent" } }, "Posted"));
    }
    if (!entry.mine && entry.status === "visible" && entry.text !== null && !isModerator() && !removed) {
      parts.push(" · ", h("button", { type: "button", className: "link-button", on: { click: () => report(entry) } }, "Report", h("span", { className: "visually-hidden" }, ` the post by ${entry.pseudonym}`)));
    }
    if (!entry.mine && entry.status === "visible" && isModerator() && !removed) {
      parts.push(" · ", h("button", { type: "button", className: "link-button", on: { click: () => removePost(entry) } }, "Remove", h("span", { className: "visually-hidden" }, ` the post by ${entry.pseudonym}`)));
    }
    return h("p", { className: "message-foot" }, parts);
  }

  function body(entry) {
    if (entry.status === "removed") {
      return h("p", { className: "message-text notice" }, entry.mine && entry.reason ? `A moderator removed your post: ${entry.reason}` : "A moderator removed this post.");
    }
    if (entry.status === "rejected") {
      return [
        entry.text !== null ? h("p", { className: "message-text" }, entry.text) : null,
        h("p", { className: "message-text notice" }, `A moderator did not approve this post${entry.reason ? `: ${entry.reason}` : "."}`),
      ];
    }
    if (entry.text === null && entry.mine && entry.status === "held") {
      return h("p", { className: "message-text notice" }, "Your post. Its words cannot be opened on this device.");
    }
    if (entry.problem === keys.BEFORE_JOINING) {
      return h("p", { className: "message-text notice" }, "Written before you joined; only those who were in the group then can read it.");
    }
    if (entry.text === null) {
      return h("p", { className: "message-text problem" }, h("strong", {}, "This post could not be verified."), " Its text is not shown.");
    }
    return h("p", { className: "message-text" }, entry.text);
  }

  /** Updates the list in place: a post whose content did not change keeps its node, so
   * the live region announces only what is new. */
  function render() {
    const stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
    const ordered = [...entries].sort(([, a], [, b]) => (a.seq ?? Infinity) - (b.seq ?? Infinity) || a.createdAt.localeCompare(b.createdAt));
    const keep = new Set(ordered.map(([key]) => key));
    for (const [key, node] of nodes) {
      if (!keep.has(key)) {
        node.li.remove();
        nodes.delete(key);
      }
    }
    let cursor = list.firstElementChild;
    for (const [key, entry] of ordered) {
      const shown = JSON.stringify([entry.status, entry.text, entry.reason, entry.pseudonym, entry.error, isModerator(), removed]);
      let node = nodes.get(key);
      if (!node) {
        node = { li: h("li"), shown: null };
        nodes.set(key, node);
      }
      if (node.shown !== shown) {
        node.shown = shown;
        node.li.className = `message ${entry.mine ? "mine" : "theirs"}`;
        node.li.dataset.status = entry.status;
        replace(
          node.li,
          h("p", { className: "message-meta" }, h("span", { className: "sender" }, entry.mine ? "You" : entry.pseudonym ?? "A member")),
          body(entry),
          foot(entry),
        );
      }
      if (node.li === cursor) cursor = cursor.nextElementSibling;
      else list.insertBefore(node.li, cursor);
    }
    empty.hidden = ordered.length > 0;
    earlier.hidden = firstSeq <= 1;
    if (stick) scroller.scrollTop = scroller.scrollHeight;
  }

  function fromPost(raw) {
    const opened = keys.openPost(state, raw);
    const mine = raw.member_id === me().member_id;
    return {
      id: raw.id,
      seq: raw.seq,
      raw,
      mine,
      pseudonym: opened.pseudonym,
      createdAt: raw.created_at,
      status: raw.state === "removed" ? "removed" : "visible",
      text: opened.text,
      problem: opened.problem,
      reason: entries.get(raw.id)?.reason ?? null,
    };
  }

  function put(raw) {
    entries.delete(localKey(raw.client_message_id)); // the server has this post of mine
    entries.set(raw.id, fromPost(raw));
    if (raw.seq !== null && raw.seq > lastSeq && raw.state !== "held") lastSeq = raw.seq;
  }

  // ------------------------------------------------------------ staying complete

  let syncing = null;
  async function sync() {
    if (syncing) return syncing;
    syncing = (async () => {
      try {
        for (;;) {
          const { posts } = await api("GET", `/api/groups/${threadId}/posts?after_seq=${lastSeq}&limit=100`);
          if (posts.some((p) => p.epoch > (state.commits.at(-1)?.epoch ?? -1) || !state.bundles.has(p.member_id))) {
            state = await keys.load(threadId);
          }
          for (const raw of posts) put(raw);
          if (posts.length < 100) break;
        }
        render();
        markRead();
      } catch (error) {
        alert.show(describe(error));
      } finally {
        syncing = null;
      }
    })();
    return syncing;
  }

  async function loadMine() {
    const { posts } = await api("GET", `/api/groups/${threadId}/my-posts`);
    for (const raw of posts) {
      const known = entries.get(raw.id);
      entries.delete(localKey(raw.client_message_id));
      if (raw.moderation === "held" || raw.state === "held") {
        const text = heldTexts.get(raw.id) ?? keys.openOwnHeldPost(state, raw);
        entries.set(raw.id, { id: raw.id, seq: null, raw, mine: true, pseudonym: me().pseudonym, createdAt: raw.created_at, status: "held", text, reason: null });
      } else if (raw.moderation === "rejected") {
        entries.set(raw.id, { id: raw.id, seq: null, raw, mine: true, pseudonym: me().pseudonym, createdAt: raw.created_at, status: "rejected", text: heldTexts.get(raw.id) ?? null, reason: raw.reason });
      } else if (raw.moderation === "removed" && known) {
        known.status = "removed";
        known.reason = raw.reason;
      }
    }
  }

  function markRead() {
    if (document.visibilityState !== "visible" || lastSeq <= readSent) return;
    readSent = lastSeq;
    api("POST", `/api/groups/${threadId}/read`, { seq: lastSeq }).catch(() => {
      readSent = 0;
    });
  }

  // ------------------------------------------------------------ writing

  /** Shows a post of mine the server may not have yet: sealed, {text, createdAt}. */
  function showMine({ text, createdAt }, sealed, status, error = null) {
    entries.set(localKey(sealed.clientMessageId), { id: null, seq: null, mine: true, pseudonym: me().pseudonym, createdAt, text, reason: null, status, error, sealed });
  }

  /** What the outbox did with one of this group's posts. */
  async function outboxChanged({ type, item, payload, error, previousId }) {
    if (item.kind !== "group" || item.threadId !== threadId) return;
    const key = localKey(item.clientMessageId);
    if (type === "sent") {
      entries.delete(key);
      if (payload.state === "held") {
        heldTexts.set(payload.id, item.text);
        entries.set(payload.id, { id: payload.id, seq: null, raw: payload, mine: true, pseudonym: me().pseudonym, createdAt: payload.created_at, status: "held", text: item.text, reason: null });
      } else {
        put(payload);
        entries.get(payload.id).text = item.text;
      }
    } else if (type === "resealed") {
      const entry = entries.get(localKey(previousId));
      entries.delete(localKey(previousId));
      if (entry) entries.set(key, { ...entry, sealed: outbox.sealedOf(item) });
    } else if (entries.has(key)) {
      const entry = entries.get(key);
      entry.status = type === "waiting" ? "queued" : "failed";
      entry.error = type === "waiting" ? outbox.QUEUED_NOTE : describe(error);
      if (error?.code === "muted") {
        state = await keys.load(threadId).catch(() => state);
        composerState();
      }
    }
    render();
  }

  async function send(text) {
    alert.clear();
    let sealed;
    try {
      sealed = outbox.sealGroupPost(state, text);
    } catch (error) {
      alert.show(`Your post could not be encrypted. ${describe(error)}`);
      return;
    }
    const createdAt = new Date().toISOString();
    showMine({ text, createdAt }, sealed, "pending");
    outbox.enqueue(threadId, text, sealed, { kind: "group", createdAt });
    render();
    scroller.scrollTop = scroller.scrollHeight;
    await outbox.flush();
  }

  function retry(entry) {
    entry.status = "pending";
    entry.error = null;
    outbox.enqueue(threadId, entry.text, entry.sealed, { kind: "group", createdAt: entry.createdAt });
    render();
    outbox.flush();
  }

  async function report(entry) {
    const reason = choice({ label: "What is wrong with it?", options: REPORT_REASONS });
    const noteId = uid("note");
    const note = h("textarea", { id: noteId, rows: "3", maxlength: "900" });
    const done = await formDialog({
      title: `Report the post by ${entry.pseudonym ?? "a member"}`,
      intro: "Only the group's moderators see your report, with this one post. The author is not told who reported it.",
      fields: [
        reason.element,
        h("div", { className: "field" }, h("label", { for: noteId }, "Anything the moderators should know? (optional)"), note),
      ],
      submitLabel: "Send report",
      working: "Sending the report…",
      submit: async () => {
        if (new TextEncoder().encode(note.value).length > 1000) throw new FormProblem("Please keep the note shorter.");
        await api("POST", `/api/group-posts/${entry.id}/report`, keys.reportBody(state, entry.raw, Number(reason.select.value), note.value.trim()));
      },
    });
    if (done) status.show("Thank you. The moderators will look at it.");
  }

  async function removePost(entry) {
    const reasonId = uid("reason");
    const reason = h("textarea", { id: reasonId, rows: "3", maxlength: "500" });
    const done = await formDialog({
      title: `Remove the post by ${entry.pseudonym ?? "a member"}`,
      intro: "The group sees that a moderator removed it; its words are gone.",
      fields: h("div", { className: "field" }, h("label", { for: reasonId }, "Why is it removed? (the author sees this)"), reason),
      submitLabel: "Remove post",
      submit: async () => {
        if (!reason.value.trim()) throw new FormProblem("Write a short reason; the author will see it.");
        await api("POST", `/api/group-posts/${entry.id}/remove`, { reason: reason.value.trim() });
      },
    });
    if (done) status.show("Removed. The author is told why.");
  }

  async function countWaiting() {
    if (!isModerator()) return;
    try {
      const queue = await api("GET", `/api/groups/${threadId}/queue`);
      const count = queue.held.length + queue.reports.length;
      waiting.hidden = count === 0;
      replace(waiting, String(count), h("span", { className: "visually-hidden" }, " waiting"));
    } catch (error) {
      alert.show(describe(error));
    }
  }

  earlier.addEventListener("click", async () => {
    earlier.disabled = true;
    try {
      const { posts } = await api("GET", `/api/groups/${threadId}/posts?before_seq=${firstSeq}&limit=${PAGE}`);
      const top = list.firstElementChild;
      for (const raw of posts) entries.set(raw.id, fromPost(raw));
      firstSeq = posts.length === PAGE ? posts[0].seq : 1;
      render();
      top?.scrollIntoView({ block: "start" });
    } catch (error) {
      alert.show(describe(error));
    } finally {
      earlier.disabled = false;
    }
  });

  // ------------------------------------------------------------ live

  const here = (event) => event.thread_id === threadId;
  live.on(
    "group_post",
    (post) => {
      if (!here(post)) return;
      if (post.seq === lastSeq + 1 && state.bundles.has(post.member_id) && post.epoch <= (state.commits.at(-1)?.epoch ?? -1)) {
        const held = entries.get(post.id);
        put(post);
        if (held?.text && entries.get(post.id).text === null) entries.get(post.id).text = held.text;
        render();
        markRead();
      } else {
        sync();
      }
    },
    { signal },
  );
  live.on(
    "group_post_updated",
    (post) => {
      if (!here(post) || !entries.has(post.id)) return;
      const known = entries.get(post.id);
      known.status = post.state === "removed" ? "removed" : known.status;
      known.raw = post;
      render();
    },
    { signal },
  );
  live.on(
    "group_post_moderated",
    async (event) => {
      if (!here(event)) return;
      const known = entries.get(event.message_id);
      if (event.moderation === "approved") {
        if (known && known.status === "held") entries.delete(event.message_id);
        await sync();
        const shown = entries.get(event.message_id);
        if (shown && shown.text === null && heldTexts.has(event.message_id)) shown.text = heldTexts.get(event.message_id);
      } else if (known) {
        known.status = event.moderation === "rejected" ? "rejected" : "removed";
        known.reason = event.reason;
      }
      render();
    },
    { signal },
  );
  live.on(
    "group_updated",
    async (event) => {
      if (!here(event) || removed) return;
      try {
        // A moderator's tab answers a deletion's "needs new keys" with the next epoch.
        state = await keys.rekeyIfNeeded(threadId, await keys.load(threadId));
      } catch (error) {
        // A member just removed is told by "group_removed"; anything else is shown.
        if (error.status !== 403) alert.show(describe(error));
        return;
      }
      composerState();
      render();
    },
    { signal },
  );
  live.on(
    "group_muted",
    (event) => {
      if (!here(event)) return;
      state.detail.me.muted_until = event.until;
      composerState();
    },
    { signal },
  );
  live.on(
    "group_removed",
    (event) => {
      if (!here(event)) return;
      removed = true;
      status.show("A moderator removed you from this group. You can no longer read new posts or write here.");
      composerState();
    },
    { signal },
  );
  live.on("connect", () => sync().then(countWaiting), { signal });
  outbox.onChange(outboxChanged, { signal });
  live.on("group_queue", (event) => here(event) && countWaiting(), { signal });
  document.addEventListener("visibilitychange", markRead, { signal });

  composerState();
  countWaiting();
  for (const item of outbox.queued(threadId, "group")) showMine(item, outbox.sealedOf(item), "queued", outbox.QUEUED_NOTE);
  sync()
    .then(loadMine)
    .then(() => {
      render();
      scroller.scrollTop = scroller.scrollHeight;
      setTimeout(() => scroller.setAttribute("aria-live", "polite"), 300);
    })
    .catch((error) => alert.show(describe(error)));
  return [head, alert.element, status.element, scroller, heldNote, composer.element];
}
