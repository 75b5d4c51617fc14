// People in the clinic (admins): roles, states, and disabling an account.
import { api } from "../api.js";
import { confirm } from "../dialog.js";
import { h, link, screen, time } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, statusLine } from "../forms.js";
import { roleName, statusName } from "../roles.js";
import * as session from "../session.js";
import { dataTable } from "../table.js";

const PAGE = 100;

export function render() {
  const alert = alertLine();
  const status = statusLine();
  const host = h("div", {}, h("p", { className: "loading" }, "Loading people…"));
  const more = h("button", { type: "button", className: "button secondary", hidden: true }, "Show more people");
  let people = [];

  async function load({ after = "" } = {}) {
    try {
      const query = new URLSearchParams({ limit: String(PAGE), ...(after ? { after } : {}) });
      const page = (await api("GET", `/api/clinic/people?${query}`)).people;
      people = after ? [...people, ...page] : page;
      more.hidden = page.length < PAGE;
      host.replaceChildren(table());
    } catch (error) {
      alert.show(describe(error));
    }
  }

  async function disable(person) {
    const sure = await confirm({
      title: `Disable ${person.display_name}?`,
      message: "They will be logged out on every device and cannot log in again. Their messages are kept.",
      confirmLabel: `Disable ${person.display_name}`,
      danger: true,
    });
    if (!sure) return;
    alert.clear();
    try {
      const { sessions_ended: ended } = await api("POST", `/api/clinic/people/${encodeURIComponent(person.id)}/disable`);
      status.show(`${person.display_name} is disabled. ${ended} ${ended === 1 ? "session" : "sessions"} ended.`);
    } catch (error) {
      alert.show(describe(error));
    }
    await load();
  }

  function table() {
    const me = session.user().id;
    return dataTable({
      caption: "People in your clinic",
      empty: "Nobody has joined yet.",
      rows: people,
      columns: [
        { label: "Name", cell: (p) => p.display_name },
        { label: "Email", cell: (p) => p.email },
        { label: "Role", cell: (p) => roleName(p.role) },
        { label: "Status", cell: (p) => h("span", { className: `state state-${p.status}` }, statusName(p.status)) },
        { label: "Joined", cell: (p) => time(p.created_at) },
        {
          label: "Actions",
          hiddenLabel: true,
          cell: (p) =>
            p.id === me || p.status !== "active"
              ? ""
              : h(
                  "button",
                  { type: "button", className: "button secondary small", on: { click: () => disable(p) } },
                  "Disable",
                  h("span", { className: "visually-hidden" }, ` ${p.display_name}`),
                ),
        },
      ],
    });
  }

  more.addEventListener("click", () => load({ after: people[people.length - 1]?.email ?? "" }));
  load();
  return screen(
    "People",
    h("p", {}, "Everyone with an account at your clinic. ", link("#/admin/invitations", "Invite someone"), "."),
    status.element,
    alert.element,
    host,
    h("div", { className: "actions" }, more),
  );
}
