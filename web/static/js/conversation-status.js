// The one status line of a conversation, from one rule, so a client never reads two
// statuses that contradict each other ("away" beside "live session now"). In order:
//   1. a live session now                      "Live session now until 14:50"
//   2. a live session starting within the hour "Live session today 14:00–14:50, starts in 20 min"
//   3. (clients) the therapist is away         "Your therapist is away and back Monday 9:00.
//                                               You can expect a reply by Monday 13:00."
//   4. a reply awaited                         "You can expect a reply by 13:00." / "Reply due 13:00."
//   5. a later live session                    "Live session Tuesday 10:00–10:50"
//   6. nothing                                 null
// No DOM, so it is tested in Node (tests/js/conversation-status.test.mjs).
import { clockTime, countdown, dayAndTime } from "./when.js";

const SOON_MS = 60 * 60 * 1000;

/** Sessions not cancelled and not over, soonest first. */
export function upcomingSessions(sessions, now = new Date()) {
  return sessions
    .filter((s) => !s.cancelled && new Date(s.ends_at) > now)
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at));
}

function sessionWindow(session, when) {
  return `${dayAndTime(session.starts_at, { ...when, withZone: false })}–${clockTime(session.ends_at, when)}`;
}

/**
 * found: the answer of GET /api/threads/{id}/expectations. role: "client" or "therapist".
 * Returns {kind: "live" | "soon" | "away" | "reply" | "overdue" | "planned", text, session}
 * or null when there is nothing to say. when: {now, timeZone, locale} for tests.
 */
export function conversationStatus(found, role, when = {}) {
  const now = when.now ?? new Date();
  const at = { ...when, now, withZone: true };
  const sessions = upcomingSessions(found.live_sessions ?? [], now);
  if (found.live_now) {
    const session = sessions.find((s) => new Date(s.starts_at) <= now) ?? sessions[0] ?? null;
    const until = session ? ` until ${clockTime(session.ends_at, at)}` : "";
    return { kind: "live", text: `Live session now${until}`, session };
  }
  const next = sessions[0] ?? null;
  if (next && new Date(next.starts_at) - now <= SOON_MS) {
    return { kind: "soon", text: `Live session ${sessionWindow(next, at)}, starts ${countdown(next.starts_at, now)}`, session: next };
  }
  const due = found.reply_due_at ? dayAndTime(found.reply_due_at, at) : null;
  if (role !== "therapist" && !found.therapists_working) {
    const back = found.back_at ? `Your therapist is away and back ${dayAndTime(found.back_at, at)}.` : "Your therapist is away at the moment.";
    return { kind: "away", text: due ? `${back} You can expect a reply by ${due}.` : back, session: null };
  }
  if (due && role === "therapist") {
    const overdue = new Date(found.reply_due_at) <= now;
    return { kind: overdue ? "overdue" : "reply", text: overdue ? `Overdue: reply was due ${due}.` : `Reply due ${due}.`, session: null };
  }
  if (due) return { kind: "reply", text: `You can expect a reply by ${due}.`, session: null };
  if (next) return { kind: "planned", text: `Live session ${sessionWindow(next, at)}`, session: next };
  return null;
}
