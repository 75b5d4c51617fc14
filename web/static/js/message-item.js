// One message in the conversation: who, what (as text, links shown not fetched), when, and
// for one's own messages whether it is sending, sent, read or failed (with Retry), and once
// sent "Edit" and "Delete". A message
// that did not verify says so in its place; it is never left out.
import { PROBLEM } from "./conversations.js";
import { h, replace } from "./dom.js";
import { textParts } from "./message-text.js";
import { STATUS } from "./timeline.js";

const TODAY = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
const EARLIER = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  timeZoneName: "short",
});
const shownText = new WeakMap(); // li -> what its text part shows now

/** "14:05 CET" today, "3 Mar 2025, 14:05 CET" before: in the reader's own time zone, named. */
export function shortTime(iso) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.valueOf())) return "";
  const sameDay = moment.toDateString() === new Date().toDateString();
  return (sameDay ? TODAY : EARLIER).format(moment);
}

function body(entry) {
  if (entry.removed || entry.problem === PROBLEM.DELETED) {
    return h("p", { className: "message-text notice" }, "This message was deleted.");
  }
  if (entry.problem) {
    return h(
      "p",
      { className: "message-text problem" },
      h("strong", {}, "This message could not be verified."),
      " It may have been changed, or sent with a key this device does not know. Its text is not shown.",
    );
  }
  return h(
    "p",
    { className: "message-text" },
    textParts(entry.text ?? "").map((part) =>
      part.href
        ? h("a", { href: part.href, rel: "noopener noreferrer nofollow", target: "_blank" }, part.href)
        : part.text,
    ),
  );
}

/** "Edit · Delete" for one's own message once it is sent (not for a tombstone). */
function changes(entry, { mine, onEdit, onDelete }) {
  if (!mine || !onEdit || entry.status !== STATUS.SENT || entry.removed || entry.problem || entry.id === null) return null;
  return h(
    "span",
    { className: "message-changes" },
    " · ",
    h("button", { type: "button", className: "link-button", on: { click: () => onEdit(entry) } }, "Edit"),
    " · ",
    h("button", { type: "button", className: "link-button", on: { click: () => onDelete(entry) } }, "Delete"),
  );
}

function status(entry, { mine, readUpTo, onRetry }) {
  if (!mine) return null;
  if (entry.status === STATUS.PENDING) return h("span", { className: "delivery", dataset: { status: "pending" } }, "Sending…");
  if (entry.status === STATUS.QUEUED) {
    return h("span", { className: "delivery", dataset: { status: "queued" } }, entry.error ?? "Waiting for the connection.");
  }
  if (entry.status === STATUS.FAILED) {
    return h(
      "span",
      { className: "delivery", dataset: { status: "failed" } },
      h("span", {}, "Not sent. "),
      entry.error ? h("span", { className: "delivery-reason" }, `${entry.error} `) : null,
      h("button", { type: "button", className: "link-button", on: { click: () => onRetry(entry) } }, "Retry"),
    );
  }
  const read = entry.seq !== null && readUpTo >= entry.seq;
  return h("span", { className: "delivery", dataset: { status: read ? "read" : "sent" } }, read ? "Read" : "Sent");
}

/**
 * Fills li with entry's content. sender: display name; mine: sent by this user. The text is
 * rebuilt only when it changed, so a status change is not read out as a new message.
 */
export function renderMessage(li, entry, { sender, mine, readUpTo, onRetry, onEdit = null, onDelete = null }) {
  li.className = `message ${mine ? "mine" : "theirs"}`;
  li.dataset.status = entry.status;
  li.dataset.seq = entry.seq ?? "";
  if (entry.problem) li.dataset.problem = entry.problem;
  else delete li.dataset.problem;
  const shown = JSON.stringify([entry.removed, entry.problem, entry.text, entry.editedAt]);
  const foot = h(
    "p",
    { className: "message-foot" },
    h("time", { datetime: entry.createdAt }, shortTime(entry.createdAt)),
    entry.editedAt && !entry.removed ? h("span", {}, " · edited") : null,
    mine ? " · " : null,
    status(entry, { mine, readUpTo, onRetry }),
    changes(entry, { mine, onEdit, onDelete }),
  );
  if (shownText.get(li) !== shown) {
    shownText.set(li, shown);
    replace(li, h("p", { className: "message-meta" }, h("span", { className: "sender" }, mine ? "You" : sender)), body(entry), foot);
  } else {
    li.lastElementChild.replaceWith(foot);
  }
  return li;
}
