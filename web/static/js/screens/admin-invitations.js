// Invitations (admins): invite someone with a role, show the link once, withdraw open ones.
import { api } from "../api.js";
import { confirm } from "../dialog.js";
import { h, screen, time } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, choice, field, showProblem, statusLine, whileWorking, workingLine } from "../forms.js";
import { ROLE_CHOICES, roleName } from "../roles.js";
import { dataTable } from "../table.js";

export function render() {
  const name = field({ label: "Name", autocomplete: "off", required: true, maxlength: "200" });
  const email = field({ label: "Email", type: "email", autocomplete: "off", required: true, inputmode: "email" });
  const role = choice({ label: "Role", options: ROLE_CHOICES });
  const alert = alertLine();
  const working = workingLine();
  const issued = h("div", { className: "issued", "aria-live": "polite" });
  const listAlert = alertLine();
  const listStatus = statusLine();
  const list = h("div", {}, h("p", { className: "loading" }, "Loading invitations…"));
  const fieldset = h(
    "fieldset",
    {},
    h("legend", {}, "Invite someone"),
    name.element,
    email.element,
    role.element,
    h("button", { type: "submit", className: "button" }, "Send invitation"),
  );
  const form = h("form", { className: "card", novalidate: true }, fieldset, working.element, alert.element);

  async function load() {
    try {
      const { invitations } = await api("GET", "/api/clinic/invitations");
      list.replaceChildren(
        dataTable({
          caption: "Open invitations",
          empty: "No open invitations.",
          rows: invitations,
          columns: [
            { label: "Name", cell: (i) => i.display_name },
            { label: "Email", cell: (i) => i.email },
            { label: "Role", cell: (i) => roleName(i.role) },
            { label: "Sent", cell: (i) => time(i.created_at) },
            { label: "Expires", cell: (i) => time(i.expires_at) },
            {
              label: "Actions",
              hiddenLabel: true,
              cell: (i) =>
                h(
                  "button",
                  { type: "button", className: "button secondary small", on: { click: () => withdraw(i) } },
                  "Withdraw",
                  h("span", { className: "visually-hidden" }, ` the invitation for ${i.display_name}`),
                ),
            },
          ],
        }),
      );
    } catch (error) {
      listAlert.show(describe(error));
    }
  }

  async function withdraw(invitation) {
    const sure = await confirm({
      title: `Withdraw the invitation for ${invitation.display_name}?`,
      message: "The link in their email will stop working. You can invite them again later.",
      confirmLabel: "Withdraw invitation",
      danger: true,
    });
    if (!sure) return;
    listAlert.clear();
    try {
      await api("DELETE", `/api/clinic/invitations/${encodeURIComponent(invitation.id)}`);
      listStatus.show(`The invitation for ${invitation.display_name} is withdrawn.`);
    } catch (error) {
      listAlert.show(describe(error));
    }
    await load();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    issued.replaceChildren();
    if (!name.input.value.trim()) return showProblem(alert, name.input, "Type the person's name.");
    if (!email.input.value.trim()) return showProblem(alert, email.input, "Type the person's email address.");
    const invitation = await whileWorking({ fieldset, working, alert, words: "Sending the invitation…", describe }, () =>
      api("POST", "/api/clinic/invitations", {
        email: email.input.value.trim(),
        display_name: name.input.value.trim(),
        role: role.select.value,
      }),
    );
    if (!invitation) return;
    form.reset();
    issued.replaceChildren(issuedPanel(invitation));
    await load();
  });

  load();
  return screen(
    "Invitations",
    h("p", {}, "Each person joins with their own link and chooses their own password. Links work once."),
    form,
    issued,
    h("section", { "aria-labelledby": "open-invitations" }, h("h2", { id: "open-invitations" }, "Open invitations"), listStatus.element, listAlert.element, list),
  );
}

function issuedPanel(invitation) {
  const linkField = field({ label: "Invitation link", type: "url", readonly: true, value: invitation.link });
  const copied = statusLine();
  const copy = h("button", { type: "button", className: "button secondary" }, "Copy link");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(invitation.link);
      copied.show("Link copied.");
    } catch {
      linkField.input.select();
      copied.show("This browser did not allow copying. The link is selected; copy it yourself.");
    }
  });
  return h(
    "section",
    { className: "card success", "aria-labelledby": "issued-title" },
    h("h2", { id: "issued-title" }, `Invitation ready for ${invitation.display_name}`),
    h(
      "p",
      {},
      `An email with this link was also queued for ${invitation.email}. `,
      "If you give it to them another way, use a private channel. It works once, until ",
      time(invitation.expires_at),
      ". It is shown only now.",
    ),
    linkField.element,
    h("div", { className: "actions" }, copy),
    copied.element,
  );
}
