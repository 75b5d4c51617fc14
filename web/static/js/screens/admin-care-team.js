// Care teams (admins): which therapist works with which client.
import { api } from "../api.js";
import { confirm } from "../dialog.js";
import { h, link, screen, time } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, choice, statusLine, whileWorking, workingLine } from "../forms.js";
import { allPeople, namesById } from "../people.js";
import { dataTable } from "../table.js";

export function render() {
  const alert = alertLine();
  const status = statusLine();
  const formHost = h("div", {}, h("p", { className: "loading" }, "Loading your clinic…"));
  const listHost = h("div", {});

  async function load() {
    try {
      const [people, { assignments }] = await Promise.all([allPeople(), api("GET", "/api/clinic/care-team")]);
      const names = namesById(people);
      const active = people.filter((p) => p.status === "active");
      formHost.replaceChildren(assignForm(active.filter((p) => p.role === "therapist"), active.filter((p) => p.role === "client")));
      listHost.replaceChildren(
        dataTable({
          caption: "Assigned therapists",
          empty: "No therapist is assigned to a client yet.",
          rows: assignments,
          columns: [
            { label: "Client", cell: (a) => names.get(a.client_id) ?? "Unknown person" },
            { label: "Therapist", cell: (a) => names.get(a.therapist_id) ?? "Unknown person" },
            { label: "Since", cell: (a) => time(a.created_at) },
            {
              label: "Actions",
              hiddenLabel: true,
              cell: (a) => {
                const therapist = names.get(a.therapist_id) ?? "this therapist";
                const client = names.get(a.client_id) ?? "this client";
                return h(
                  "button",
                  { type: "button", className: "button secondary small", on: { click: () => unassign(a, therapist, client) } },
                  "Remove",
                  h("span", { className: "visually-hidden" }, ` ${therapist} from ${client}'s care team`),
                );
              },
            },
          ],
        }),
      );
    } catch (error) {
      alert.show(describe(error));
    }
  }

  function assignForm(therapists, clients) {
    if (therapists.length === 0 || clients.length === 0) {
      return h("p", { className: "card" }, "To assign a therapist, the clinic needs at least one therapist and one client. ",
        link("#/admin/invitations", "Invite people"), ".");
    }
    const therapist = choice({ label: "Therapist", options: therapists.map((p) => [p.id, `${p.display_name} (${p.email})`]) });
    const client = choice({ label: "Client", options: clients.map((p) => [p.id, `${p.display_name} (${p.email})`]) });
    const working = workingLine();
    const formAlert = alertLine();
    const fieldset = h(
      "fieldset",
      {},
      h("legend", {}, "Assign a therapist to a client"),
      therapist.element,
      client.element,
      h("button", { type: "submit", className: "button" }, "Assign therapist"),
    );
    const form = h("form", { className: "card", novalidate: true }, fieldset, working.element, formAlert.element);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.clear();
      const name = (id) => [...therapists, ...clients].find((p) => p.id === id)?.display_name;
      const therapistName = name(therapist.select.value);
      const clientName = name(client.select.value);
      const done = await whileWorking({ fieldset, working, alert: formAlert, words: "Assigning…", describe }, () =>
        api("PUT", `/api/clinic/care-team/${encodeURIComponent(therapist.select.value)}/${encodeURIComponent(client.select.value)}`),
      );
      if (!done) return;
      status.show(`${therapistName} now works with ${clientName}.`);
      await load();
    });
    return form;
  }

  async function unassign(assignment, therapist, client) {
    const sure = await confirm({
      title: `Remove ${therapist} from ${client}'s care team?`,
      message: "They will no longer be able to start conversations with this client.",
      confirmLabel: "Remove from care team",
      danger: true,
    });
    if (!sure) return;
    alert.clear();
    try {
      await api("DELETE", `/api/clinic/care-team/${encodeURIComponent(assignment.therapist_id)}/${encodeURIComponent(assignment.client_id)}`);
      status.show(`${therapist} no longer works with ${client}.`);
    } catch (error) {
      alert.show(describe(error));
    }
    await load();
  }

  load();
  return screen(
    "Care teams",
    h("p", {}, "A therapist can write with the clients assigned to them."),
    status.element,
    alert.element,
    formHost,
    h("section", { "aria-labelledby": "care-list" }, h("h2", { id: "care-list" }, "Current assignments"), listHost),
  );
}
