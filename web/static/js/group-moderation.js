// A group's moderation (moderators): held posts and reports in one queue, oldest first, each
// decrypted with the moderators' key (a report opens exactly its one post); approve, reject
// with a reason, remove a post with a reason (its author sees it), mark a report handled,
// mute a member for a while, remove a member (a new epoch without them); see who is invited
// and withdraw an invitation; add clients of the clinic (any active client, from
// /candidates), who join only when they accept; and give the group new keys when a
// member's account was deleted.
import { api } from "./api.js";
import { h, replace, uid } from "./dom.js";
import { describe } from "./failures.js";
import { FormProblem, formDialog } from "./form-dialog.js";
import { alertLine, choice, statusLine, whileWorking, workingLine } from "./forms.js";
import * as keys from "./group-keys.js";
import { POLICIES, until } from "./groups.js";
import * as live from "./live.js";
import { shortTime } from "./message-item.js";

const CATEGORIES = {
  1: "Harassment or unkind words",
  2: "Someone may be at risk",
  3: "Spam or advertising",
  4: "Shares private details",
  5: "Something else",
};
const MUTE_FOR = [
  ["3600", "1 hour"],
  ["86400", "1 day"],
  ["259200", "3 days"],
  ["604800", "1 week"],
  ["2592000", "30 days"],
];

/** The clinic's active clients this moderator may add (not invited, not in the group): [{id, name}]. */
async function addableClients(threadId) {
  const { candidates } = await api("GET", `/api/groups/${threadId}/candidates`);
  return candidates.map((c) => ({ id: c.user_id, name: c.display_name }));
}

function reasonField(label) {
  const id = uid("reason");
  const input = h("textarea", { id, rows: "3", maxlength: "500", required: true });
  return { element: h("div", { className: "field" }, h("label", { for: id }, label), input), input };
}

function readReason(field) {
  const text = field.input.value.trim();
  if (!text) throw new FormProblem("Write a short reason; the author will see it.");
  return text;
}

/** The moderation screen of threadId. Returns {element}. */
export function moderationView({ threadId, signal }) {
  let state = null;
  const headingId = uid("moderation");
  const heading = h("h1", { id: headingId, tabindex: "-1" }, "Moderation");
  const policy = h("p", { className: "hint" });
  const alert = alertLine();
  const status = statusLine();
  const queue = h("ol", { className: "cards moderation-queue", "aria-label": "Waiting for a moderator" });
  const members = h("ul", { className: "cards group-members", "aria-label": "Members" });
  const invited = h("ul", { className: "cards group-invited", "aria-label": "Invited, not joined yet" });
  const addHost = h("div", {});
  const element = h(
    "section",
    { className: "screen moderation-screen", "aria-labelledby": headingId },
    h("p", {}, h("a", { href: `#/groups/${threadId}`, className: "back-link-plain" }, "‹ Back to the group")),
    heading,
    policy,
    alert.element,
    status.element,
    h("h2", {}, "Held posts and reports"),
    queue,
    h("h2", {}, "Members"),
    members,
    h("h2", {}, "Invited, not joined yet"),
    invited,
    h("h2", {}, "Add a client"),
    addHost,
  );

  const personOf = (member) => member.display_name ?? null;
  const memberOf = (memberId) => state.detail.members.find((m) => m.member_id === memberId) ?? null;

  async function refresh() {
    try {
      state = await keys.rekeyIfNeeded(threadId, await keys.load(threadId));
      const info = keys.groupInfo(state.detail);
      heading.textContent = `Moderation: ${info.title || "Group"}`;
      document.title = `${heading.textContent} — Interlude`;
      policy.textContent = `${POLICIES[state.detail.policy]?.name ?? state.detail.policy}. ${POLICIES[state.detail.policy]?.words ?? ""}`;
      const opened = keys.openQueue(state, await api("GET", `/api/groups/${threadId}/queue`));
      showQueue([...opened.held, ...opened.reports].sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
      showMembers();
      showInvited();
    } catch (error) {
      alert.show(describe(error));
    }
  }

  function showQueue(items) {
    if (items.length === 0) {
      replace(queue, h("li", { className: "empty" }, "Nothing is waiting. Held posts and reports appear here as they come in."));
      return;
    }
    replace(queue, items.map(queueItem));
  }

  function queueItem(item) {
    const member = memberOf(item.memberId);
    const person = member ? personOf(member) : null;
    const label = item.kind === "held" ? "Held post" : `Report: ${CATEGORIES[item.category] ?? "Other"}`;
    const button = (text, action, hidden) =>
      h("button", { type: "button", className: "button secondary small", on: { click: () => act(action) } }, text, h("span", { className: "visually-hidden" }, ` ${hidden}`));
    const about = `the post by ${item.pseudonym}`;
    const actions =
      item.kind === "held"
        ? [
            h("button", { type: "button", className: "button small", on: { click: () => act(() => approve(item)) } }, "Approve", h("span", { className: "visually-hidden" }, ` ${about}`)),
            button("Reject…", () => reject(item), about),
          ]
        : [button("Remove post…", () => removePost(item), about), button("Mark handled", () => resolve(item), `the report about ${about}`)];
    if (member && member.state === "active") {
      actions.push(button("Mute…", () => mute(member), item.pseudonym), button("Remove member…", () => removeMember(member), item.pseudonym));
    }
    return h(
      "li",
      { className: "card queue-item", dataset: { kind: item.kind } },
      h("p", { className: "queue-label" }, h("strong", {}, label), " · ", h("time", { datetime: item.createdAt }, shortTime(item.createdAt))),
      h("p", { className: "message-meta" }, item.pseudonym, person ? h("span", { className: "hint" }, ` (${person})`) : null),
      item.text === null
        ? h("p", { className: "message-text problem" }, "This post could not be opened with the moderators' key.")
        : h("p", { className: "message-text" }, item.text),
      item.note ? h("p", { className: "report-note" }, h("span", { className: "hint" }, "Note from the reporter: "), item.note) : null,
      h("div", { className: "actions" }, actions),
    );
  }

  function showMembers() {
    const active = state.detail.members.filter((m) => m.state === "active");
    replace(
      members,
      active.map((member) => {
        const person = personOf(member);
        const mine = member.member_id === state.detail.me.member_id;
        const muted = member.muted_until && new Date(member.muted_until) > new Date() ? member.muted_until : null;
        return h(
          "li",
          { className: "card group-member" },
          h("p", { className: "member-name" }, h("strong", {}, member.pseudonym), person ? ` (${person})` : null, member.role === "moderator" ? " · moderator" : null, mine ? " · you" : null),
          muted ? h("p", { className: "hint" }, `Muted until ${until(muted)}`) : null,
          mine || member.role === "moderator"
            ? null
            : h(
                "div",
                { className: "actions" },
                h("button", { type: "button", className: "button secondary small", on: { click: () => act(() => mute(member)) } }, "Mute…", h("span", { className: "visually-hidden" }, ` ${member.pseudonym}`)),
                h("button", { type: "button", className: "button secondary small", on: { click: () => act(() => removeMember(member)) } }, "Remove…", h("span", { className: "visually-hidden" }, ` ${member.pseudonym}`)),
              ),
        );
      }),
    );
  }

  function showInvited() {
    const pending = state.detail.invited ?? [];
    if (pending.length === 0) {
      replace(invited, h("li", { className: "empty" }, "No invitation is waiting for an answer."));
      return;
    }
    replace(
      invited,
      pending.map((invitee) =>
        h(
          "li",
          { className: "card group-invitee" },
          h("p", { className: "member-name" }, h("strong", {}, invitee.display_name), invitee.role === "moderator" ? " · invited to moderate" : null),
          h("p", { className: "hint" }, "Invited ", h("time", { datetime: invitee.invited_at }, shortTime(invitee.invited_at))),
          invitee.role === "moderator"
            ? null
            : h(
                "div",
                { className: "actions" },
                h("button", { type: "button", className: "button secondary small", on: { click: () => act(() => withdraw(invitee)) } }, "Withdraw invitation", h("span", { className: "visually-hidden" }, ` for ${invitee.display_name}`)),
              ),
        ),
      ),
    );
  }

  async function withdraw(invitee) {
    await api("POST", `/api/groups/${threadId}/invitations/${invitee.member_id}/withdraw`, {});
    await showAddForm();
    return `The invitation for ${invitee.display_name} is withdrawn.`;
  }

  async function act(action) {
    alert.clear();
    status.clear();
    try {
      const said = await action();
      if (said) status.show(said);
      await refresh();
    } catch (error) {
      alert.show(describe(error));
    }
  }

  async function approve(item) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await api("POST", `/api/group-posts/${item.id}/approve`, keys.approvalBody(state, item.raw));
        return `Approved. The group sees the post by ${item.pseudonym} now.`;
      } catch (error) {
        if ((error.code !== "stale_epoch" && error.code !== "rekey_required") || attempt >= 2) throw error;
        state = await keys.rekeyIfNeeded(threadId, await keys.load(threadId));
      }
    }
  }

  async function reject(item) {
    const reason = reasonField("Why is it not approved? (the author sees this)");
    const done = await formDialog({
      title: `Reject the post by ${item.pseudonym}`,
      intro: "The post is deleted and never shown to the group.",
      fields: reason.element,
      submitLabel: "Reject post",
      submit: () => api("POST", `/api/group-posts/${item.id}/reject`, { reason: readReason(reason) }),
    });
    return done ? "Rejected. The author is told why." : null;
  }

  async function removePost(item) {
    const reason = reasonField("Why is it removed? (the author sees this)");
    const done = await formDialog({
      title: `Remove the post by ${item.pseudonym}`,
      intro: "The group sees that a moderator removed it; its words are gone.",
      fields: reason.element,
      submitLabel: "Remove post",
      submit: async () => {
        await api("POST", `/api/group-posts/${item.postId}/remove`, { reason: readReason(reason) });
        await api("POST", `/api/group-reports/${item.id}/resolve`, {});
      },
    });
    return done ? "Removed. The author is told why." : null;
  }

  async function resolve(item) {
    await api("POST", `/api/group-reports/${item.id}/resolve`, {});
    return "Marked as handled.";
  }

  async function mute(member) {
    const length = choice({ label: "For how long?", options: MUTE_FOR });
    let mutedUntil = null;
    const done = await formDialog({
      title: `Mute ${member.pseudonym}`,
      intro: "They can still read the group. Their posts are refused, with a message saying until when.",
      fields: length.element,
      submitLabel: "Mute",
      submit: async () => {
        const target = new Date(Date.now() + Number(length.select.value) * 1000).toISOString();
        mutedUntil = (await api("POST", `/api/groups/${threadId}/members/${member.member_id}/mute`, { until: target })).muted_until;
      },
    });
    return done ? `${member.pseudonym} is muted until ${until(mutedUntil)}.` : null;
  }

  async function removeMember(member) {
    const forbidId = uid("forbid");
    const forbid = h("input", { type: "checkbox", id: forbidId });
    const done = await formDialog({
      title: `Remove ${member.pseudonym} from the group`,
      intro: "They stop receiving posts at once and cannot read anything written after this. Their earlier posts stay.",
      fields: h("div", { className: "field checkbox" }, forbid, h("label", { for: forbidId }, "Do not let them rejoin")),
      submitLabel: "Remove member",
      working: "Making new keys for everyone else…",
      submit: async () => {
        for (let attempt = 0; ; attempt += 1) {
          try {
            await api("POST", `/api/groups/${threadId}/members/${member.member_id}/remove`, keys.removalBody(state, member.member_id, forbid.checked));
            return;
          } catch (error) {
            if (error.status !== 409 || attempt >= 4) throw error;
            state = await keys.load(threadId);
          }
        }
      },
    });
    return done ? `${member.pseudonym} is no longer in the group.` : null;
  }

  async function showAddForm() {
    let candidates;
    try {
      candidates = await addableClients(threadId);
    } catch (error) {
      alert.show(describe(error));
      return;
    }
    if (candidates.length === 0) {
      replace(addHost, h("p", { className: "empty" }, "Every active client of the clinic is already in this group or invited."));
      return;
    }
    const who = choice({ label: "Client", options: candidates.map((c) => [c.id, c.name]) });
    const formAlert = alertLine();
    const working = workingLine();
    const fieldset = h(
      "fieldset",
      {},
      h("p", { className: "hint" }, "They get an invitation with the guidelines and join only if they accept, under a name they choose for this group."),
      who.element,
      h("button", { type: "submit", className: "button" }, "Invite to the group"),
    );
    const form = h("form", { className: "card", novalidate: true }, fieldset, working.element, formAlert.element);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = candidates.find((c) => c.id === who.select.value)?.name ?? "The client";
      const done = await whileWorking({ fieldset, working, alert: formAlert, words: "Inviting…", describe }, async () => {
        await api("POST", `/api/groups/${threadId}/invitations`, await keys.invitationBody(state.detail, who.select.value));
        return true;
      });
      if (!done) return;
      status.show(`${name} is invited. They join when they accept.`);
      await refresh();
      await showAddForm();
    });
    replace(addHost, form);
  }

  live.on("group_queue", (event) => event.thread_id === threadId && refresh(), { signal });
  live.on("group_updated", (event) => event.thread_id === threadId && refresh(), { signal });
  live.on("connect", refresh, { signal });
  replace(queue, h("li", { className: "loading" }, "Opening held posts and reports…"));
  refresh().then(showAddForm);
  return { element };
}
