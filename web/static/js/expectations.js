// What a conversation can expect, as one compact line above its messages that expands on
// demand: the one status of conversation-status.js (live now, a session soon, away, the
// reply-by time, a later session) in the summary; the away message (plain text), the live
// session with its countdown and, for therapists, scheduling, moving or cancelling a live
// session inside. The messages keep the space.
import { api } from "./api.js";
import { conversationStatus, upcomingSessions } from "./conversation-status.js";
import { confirm } from "./dialog.js";
import { h } from "./dom.js";
import { describe } from "./failures.js";
import { FormProblem, formDialog } from "./form-dialog.js";
import { choice, field } from "./forms.js";
import * as live from "./live.js";
import { clockTime, countdown, dayAndTime, deviceZone, localInstant, localParts, suggestedInstant } from "./when.js";

const LENGTHS = [30, 45, 50, 60, 90, 120];
const TICK_MS = 1000;

/**
 * The expectations of threadId, kept current by live events and new messages until signal
 * aborts. role: "client" or "therapist". Returns {element, refresh()}.
 */
export function expectationsView({ threadId, role, signal, onProblem }) {
  const therapist = role === "therapist";
  const statusText = h("span", { className: "status-text" });
  const summary = h("summary", {}, statusText);
  const away = h("div", { className: "away", hidden: true });
  const bannerText = h("p", { className: "live-when" });
  const bannerCount = h("p", { className: "live-countdown" });
  const bannerActions = h("div", { className: "actions tight" });
  const banner = h("section", { className: "live-banner", "aria-label": "Live session", hidden: true }, bannerText, bannerCount, bannerActions);
  const announcer = h("p", { className: "visually-hidden", role: "status" });
  const scheduleButton = therapist
    ? h("button", { type: "button", className: "button secondary small", on: { click: () => editSession(null) } }, "Schedule a live session")
    : null;
  const details = h("details", { className: "conversation-status", hidden: true }, summary, h("div", { className: "status-more" }, away, banner, scheduleButton));
  const element = h("div", { className: "expectations" }, details, announcer);

  let found = null; // the last answer of the server
  let shown = null; // the session in the banner
  let liveNow = false;
  let timer = null;
  let loading = null;
  let lastAnnounced = "";
  let askedAt = null; // the session and state a refresh was asked for when its time came

  function announce(text) {
    if (text === lastAnnounced) return;
    lastAnnounced = text;
    announcer.textContent = text;
  }

  function tick() {
    if (!shown) return;
    const now = new Date();
    if (liveNow ? new Date(shown.ends_at) <= now : new Date(shown.starts_at) <= now) {
      bannerCount.textContent = liveNow ? "" : "starting now";
      const key = `${shown.id} ${liveNow}`;
      if (askedAt !== key) {
        askedAt = key;
        refresh();
      }
      return;
    }
    bannerCount.textContent = liveNow ? "" : `starts ${countdown(shown.starts_at, now)}`;
    const status = conversationStatus(found, role, { now });
    if (status) statusText.textContent = status.text;
  }

  function draw(answer) {
    found = answer;
    const now = new Date();
    const status = conversationStatus(found, role, { now });
    statusText.textContent = status?.text ?? "No live session planned";
    details.dataset.kind = status?.kind ?? "none";
    details.hidden = !status && !therapist;

    away.replaceChildren(
      !therapist && status?.kind === "away" && found.away_message ? h("p", { className: "away-message" }, found.away_message) : null,
    );
    away.hidden = away.childElementCount === 0;

    const sessions = upcomingSessions(found.live_sessions, now);
    liveNow = Boolean(found.live_now);
    shown = liveNow ? (sessions.find((s) => new Date(s.starts_at) <= now) ?? sessions[0] ?? null) : (sessions[0] ?? null);
    banner.hidden = !shown;
    banner.dataset.state = liveNow ? "live" : "upcoming";
    bannerActions.replaceChildren();
    if (!shown) {
      bannerText.textContent = "";
      bannerCount.textContent = "";
      announce("");
    } else {
      bannerText.textContent = liveNow
        ? `Live session now until ${clockTime(shown.ends_at, { withZone: true })}`
        : `Live session ${dayAndTime(shown.starts_at, { now })}–${clockTime(shown.ends_at, { withZone: true })}`;
      announce(bannerText.textContent); // once per session and state, not on every tick
      if (therapist) {
        const session = shown;
        bannerActions.append(
          h("button", { type: "button", className: "button secondary small", on: { click: () => editSession(session) } }, "Move"),
          h("button", { type: "button", className: "button secondary small", on: { click: () => cancelSession(session) } }, "Cancel session"),
        );
      }
      if (sessions.length > 1) bannerActions.append(h("span", { className: "hint" }, `${sessions.length - 1} more planned`));
      tick();
    }
    clearInterval(timer);
    timer = shown ? setInterval(tick, TICK_MS) : null;
  }

  async function load() {
    try {
      draw(await api("GET", `/api/threads/${threadId}/expectations`));
    } catch (error) {
      onProblem(`Reply times could not be loaded. ${describe(error)}`);
    }
  }

  function refresh() {
    loading ??= load().finally(() => {
      loading = null;
    });
    return loading;
  }

  async function editSession(session) {
    const start = localParts(session?.starts_at ?? suggestedInstant());
    const minutes = session ? Math.round((new Date(session.ends_at) - new Date(session.starts_at)) / 60000) : 50;
    const date = field({ label: "Date", type: "date", value: start.date, required: true });
    const time = field({ label: `Starts at (${deviceZone()})`, type: "time", value: start.time, required: true });
    const length = choice({ label: "Length", options: [...new Set([...LENGTHS, minutes])].sort((a, b) => a - b).map((m) => [String(m), `${m} minutes`]) });
    length.select.value = String(minutes);
    await formDialog({
      title: session ? "Move the live session" : "Schedule a live session",
      intro: "During a live session you both see when the other is here and typing. Times are on this device's clock.",
      fields: [h("div", { className: "field-row" }, date.element, time.element), length.element],
      submitLabel: session ? "Move session" : "Schedule session",
      submit: async () => {
        const startsAt = localInstant(date.input.value, time.input.value);
        if (!startsAt) throw new FormProblem("Choose the date and the time the session starts.");
        const endsAt = new Date(new Date(startsAt).valueOf() + Number(length.select.value) * 60000).toISOString();
        const body = { starts_at: startsAt, ends_at: endsAt };
        if (session) await api("PUT", `/api/live-sessions/${session.id}`, body);
        else await api("POST", `/api/threads/${threadId}/live-sessions`, body);
      },
    });
    await refresh();
  }

  async function cancelSession(session) {
    const sure = await confirm({
      title: "Cancel this live session?",
      message: `The session ${dayAndTime(session.starts_at)}–${clockTime(session.ends_at, { withZone: true })} will be called off and the client told.`,
      confirmLabel: "Cancel session",
      cancelLabel: "Keep it",
      danger: true,
    });
    if (!sure) return;
    try {
      await api("DELETE", `/api/live-sessions/${session.id}`);
    } catch (error) {
      onProblem(describe(error));
    }
    await refresh();
  }

  const mine = (event) => event.thread_id === threadId;
  live.on("live_session", (event) => mine(event) && refresh(), { signal });
  live.on("thread_updated", (event) => mine(event) && refresh(), { signal });
  live.on("message", (event) => mine(event) && refresh(), { signal });
  live.on("connect", refresh, { signal });
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  refresh();
  return { element, refresh };
}
