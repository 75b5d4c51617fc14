// Operations (admins): how the clinic's background work stands — the email and job queue by
// state, emails that failed for good (with a retry), overdue replies per therapist, active
// sessions and storage used. Counts and sizes only: nothing here shows what anyone wrote.
import { api } from "../api.js";
import { h, screen, time } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, statusLine } from "../forms.js";
import { dataTable } from "../table.js";

const STATES = ["queued", "running", "done", "dead"];
const KIND_NAMES = {
  "email.invitation": "Invitation emails",
  "email.security_notice": "Security notices",
  "email.new_message_notice": "New-message emails",
  "email.digest": "Digest emails",
  "email.overdue_reply": "Overdue-reply reminders",
  "email.live_session_soon": "Live-session reminders",
  "email.live_session_changed": "Live-session changes",
};

function bytes(count) {
  if (count < 1024) return `${count} bytes`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  if (count < 1024 ** 3) return `${(count / 1024 ** 2).toFixed(1)} MiB`;
  return `${(count / 1024 ** 3).toFixed(2)} GiB`;
}

function queueRows(jobs) {
  const byKind = new Map();
  for (const { kind, state, count } of jobs) {
    if (!byKind.has(kind)) byKind.set(kind, Object.fromEntries(STATES.map((s) => [s, 0])));
    byKind.get(kind)[state] = (byKind.get(kind)[state] ?? 0) + count;
  }
  return [...byKind.entries()].map(([kind, counts]) => ({ kind, ...counts }));
}

export function render() {
  const alert = alertLine();
  const status = statusLine();
  const summary = h("div", {}, h("p", { className: "loading" }, "Loading…"));
  const queue = h("div");
  const failed = h("div");
  const overdue = h("div");

  async function retry(job) {
    alert.clear();
    try {
      await api("POST", `/api/clinic/failed-emails/${job.id}/retry`);
      status.show("The email will be sent again.");
      await load();
    } catch (error) {
      alert.show(describe(error));
    }
  }

  async function load() {
    try {
      const [operations, emails, late] = await Promise.all([
        api("GET", "/api/clinic/operations"),
        api("GET", "/api/clinic/failed-emails"),
        api("GET", "/api/clinic/overdue"),
      ]);
      summary.replaceChildren(
        h(
          "dl",
          { className: "facts" },
          h("div", {}, h("dt", {}, "Active sessions"), h("dd", {}, String(operations.active_sessions))),
          h("div", {}, h("dt", {}, "Messages stored"), h("dd", {}, String(operations.storage.messages))),
          h(
            "div",
            {},
            h("dt", {}, "Storage used"),
            h("dd", {}, `${bytes(operations.storage.message_bytes + operations.storage.commit_bytes)}, encrypted (the server cannot read it)`),
          ),
        ),
      );
      queue.replaceChildren(
        dataTable({
          caption: "Background jobs by state",
          empty: "No background jobs yet.",
          rows: queueRows(operations.jobs),
          columns: [
            { label: "Kind", cell: (row) => KIND_NAMES[row.kind] ?? row.kind },
            ...STATES.map((state) => ({ label: state[0].toUpperCase() + state.slice(1), cell: (row) => String(row[state]) })),
          ],
        }),
      );
      failed.replaceChildren(
        dataTable({
          caption: "Emails that could not be sent",
          empty: "Every email went out.",
          rows: emails.emails,
          columns: [
            { label: "Kind", cell: (job) => KIND_NAMES[job.kind] ?? job.kind },
            { label: "Attempts", cell: (job) => String(job.attempts) },
            { label: "Reason", cell: (job) => job.last_error ?? "—" },
            { label: "Last tried", cell: (job) => time(job.updated_at) },
            {
              label: "Retry",
              hiddenLabel: true,
              cell: (job) => h("button", { type: "button", className: "button secondary", on: { click: () => retry(job) } }, "Send again"),
            },
          ],
        }),
      );
      overdue.replaceChildren(
        dataTable({
          caption: "Overdue replies per therapist",
          empty: "No therapist has overdue replies.",
          rows: late.therapists,
          columns: [
            { label: "Therapist", cell: (row) => row.display_name },
            { label: "Overdue replies", cell: (row) => String(row.overdue) },
          ],
        }),
      );
    } catch (error) {
      alert.show(describe(error));
    }
  }

  load();
  return screen(
    "Operations",
    h("p", {}, "How your clinic's emails and background work stand. Only counts and sizes are shown, never what anyone wrote."),
    alert.element,
    status.element,
    summary,
    h("h2", {}, "Emails and jobs"),
    queue,
    h("h2", {}, "Failed emails"),
    failed,
    h("h2", {}, "Overdue replies"),
    overdue,
  );
}
