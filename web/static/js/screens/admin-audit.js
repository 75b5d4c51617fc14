// The audit trail (admins): what happened to the clinic's accounts, newest first, with names
// in place of ids where we know them.
import { api } from "../api.js";
import { h, screen, time } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, statusLine } from "../forms.js";
import { allPeople, namesById } from "../people.js";
import { dataTable } from "../table.js";

const PAGE = 50;
const ACTIONS = {
  "clinic.created": "Clinic created",
  "invitation.created": "Invitation sent",
  "invitation.revoked": "Invitation withdrawn",
  "account.registered": "Joined",
  "account.password_changed": "Password changed",
  "account.recovery_used": "Recovered with the recovery code",
  "session.login": "Logged in",
  "session.revoked": "Logged out a device",
  "session.revoked_others": "Logged out other devices",
  "care_team.assigned": "Therapist assigned",
  "care_team.unassigned": "Therapist removed",
  "user.disabled": "Account disabled",
  "account.renamed": "Name changed",
  "crisis_resources.changed": "Crisis resources changed",
};
const DETAIL_NAMES = {
  therapist_id: "therapist",
  sessions_ended: "sessions ended",
  count: "devices",
  device: "device",
  role: "role",
  email: "email",
};
const TARGET_NAMES = { session: "a session", invitation: "an invitation", clinic: "the clinic" };

export function render() {
  const alert = alertLine();
  const status = statusLine();
  const host = h("div", {}, h("p", { className: "loading" }, "Loading the audit trail…"));
  const older = h("button", { type: "button", className: "button secondary", hidden: true }, "Load older events");
  let names = new Map();
  let events = [];

  const person = (id) => (id ? (names.get(id) ?? "Someone no longer listed") : "The system");
  const target = (event) =>
    event.target_type === "user" ? person(event.target_id) : (TARGET_NAMES[event.target_type] ?? event.target_type ?? "—");
  const details = (detail) =>
    Object.entries(detail ?? {})
      .map(([key, value]) => `${DETAIL_NAMES[key] ?? key}: ${names.get(String(value)) ?? String(value)}`)
      .join(", ") || "—";

  async function load() {
    try {
      const query = new URLSearchParams({ limit: String(PAGE) });
      if (events.length) query.set("before", String(events[events.length - 1].id));
      const [page] = await Promise.all([
        api("GET", `/api/clinic/audit?${query}`).then((answer) => answer.events),
        events.length ? null : allPeople().then((people) => (names = namesById(people))),
      ]);
      events = [...events, ...page];
      older.hidden = page.length < PAGE;
      if (page.length < PAGE && events.length > PAGE) status.show("That is the beginning of the trail.");
      host.replaceChildren(
        dataTable({
          caption: "Audit events, newest first",
          empty: "Nothing has happened yet.",
          rows: events,
          columns: [
            { label: "When", cell: (e) => time(e.created_at) },
            { label: "What", cell: (e) => ACTIONS[e.action] ?? e.action },
            { label: "Who", cell: (e) => person(e.actor_id) },
            { label: "About", cell: target },
            { label: "Details", cell: (e) => details(e.detail) },
            { label: "IP address", cell: (e) => e.ip ?? "—" },
          ],
        }),
      );
    } catch (error) {
      alert.show(describe(error));
    }
  }

  older.addEventListener("click", load);
  load();
  return screen(
    "Audit trail",
    h("p", {}, "What happened to your clinic's accounts, newest first. Each entry is chained to the one before, so a changed history can be detected."),
    alert.element,
    host,
    h("div", { className: "actions" }, older),
    status.element,
  );
}
