// Creating a group (administrators): title, description and guidelines, encrypted for the
// group's members; the policy; the moderators (therapists and administrators), who are
// invited and join under a name of their own.
import { api } from "../api.js";
import { h, screen, uid } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, field, showProblem, whileWorking, workingLine } from "../forms.js";
import { creationBody } from "../group-keys.js";
import { AdminKeyUnverified, adminKey, sealLabel } from "../group-labels.js";
import { POLICIES } from "../groups.js";
import { allPeople } from "../people.js";
import * as session from "../session.js";

const NO_ADMIN_KEY = "Another administrator has to open the list of groups once before you can add a label. Leave the label empty, or try again later.";

class NoAdminKey extends Error {}

const explain = (error) => {
  if (error instanceof NoAdminKey) return NO_ADMIN_KEY;
  if (error instanceof AdminKeyUnverified) return error.message;
  return describe(error);
};

function textArea(label, hint, rows, maxlength) {
  const id = uid("area");
  const hintId = `${id}-hint`;
  const input = h("textarea", { id, rows: String(rows), maxlength: String(maxlength), "aria-describedby": hintId });
  return { element: h("div", { className: "field" }, h("label", { for: id }, label), h("p", { className: "hint", id: hintId }, hint), input), input };
}

function radios(legend, options, checked) {
  const name = uid("policy");
  const element = h(
    "fieldset",
    { className: "field choices" },
    h("legend", {}, legend),
    options.map(([value, text, hint]) => {
      const id = uid("option");
      return h("div", { className: "field checkbox" }, h("input", { type: "radio", name, id, value, checked: value === checked }),
        h("label", { for: id }, h("strong", {}, text), ` — ${hint}`));
    }),
  );
  return { element, value: () => element.querySelector("input:checked")?.value ?? checked };
}

export function render({ navigate }) {
  const title = field({ label: "Title", hint: "Only the group's members (and you) can read it.", maxlength: "120", autocomplete: "off", required: true });
  const label = field({
    label: "Label for admins",
    hint: "Optional. A short name that every administrator of the clinic sees in the list of groups, even one who is not in the group. Members never see it.",
    maxlength: "64",
    autocomplete: "off",
  });
  const description = textArea("Description", "What the group is for, in a sentence or two.", 3, 1000);
  const guidelines = textArea("Guidelines", "Members read these before they join.", 6, 8000);
  const policy = radios("Who may post", Object.entries(POLICIES).map(([value, p]) => [value, p.name, p.words]), "premoderated");
  const moderatorsHost = h("fieldset", { className: "field choices" }, h("legend", {}, "Moderators"), h("p", { className: "loading" }, "Loading therapists and administrators…"));
  const alert = alertLine();
  const working = workingLine();
  const fieldset = h(
    "fieldset",
    {},
    title.element,
    label.element,
    description.element,
    guidelines.element,
    policy.element,
    moderatorsHost,
    h("div", { className: "actions" }, h("button", { type: "submit", className: "button" }, "Create the group"), h("a", { href: "#/groups", className: "button secondary" }, "Cancel")),
  );
  const form = h("form", { className: "card group-form", novalidate: true }, fieldset, working.element, alert.element);
  const chosen = () => [...moderatorsHost.querySelectorAll("input:checked")].map((box) => box.value);

  allPeople()
    .then((people) => {
      const staff = people.filter((p) => p.status === "active" && (p.role === "therapist" || p.role === "admin"));
      moderatorsHost.replaceChildren(
        h("legend", {}, "Moderators"),
        h("p", { className: "hint" }, "They are invited, join under a name of their own, and approve posts, handle reports, mute and remove members."),
        ...staff.map((person) => {
          const id = uid("moderator");
          const me = person.id === session.user().id;
          return h("div", { className: "field checkbox" }, h("input", { type: "checkbox", id, value: person.id }),
            h("label", { for: id }, me ? `${person.display_name} (you)` : `${person.display_name} (${person.role === "admin" ? "administrator" : "therapist"})`));
        }),
      );
    })
    .catch((error) => alert.show(describe(error)));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alert.clear();
    if (!title.input.value.trim()) return showProblem(alert, title.input, "Give the group a title.");
    const labelText = label.input.value.trim();
    if (new TextEncoder().encode(labelText).length > 64) return showProblem(alert, label.input, "Make the label shorter.");
    if (chosen().length === 0) return alert.show("Choose at least one moderator.");
    const done = await whileWorking({ fieldset, working, alert, words: "Encrypting the group's details…", describe: explain }, async () => {
      const body = await creationBody({
        policy: policy.value(),
        title: title.input.value.trim(),
        description: description.input.value.trim(),
        guidelines: guidelines.input.value.trim(),
        moderators: chosen(),
      });
      if (labelText) {
        const key = await adminKey();
        if (!key) throw new NoAdminKey();
        body.label = sealLabel(key, body.thread_id, labelText);
      }
      await api("POST", "/api/groups", body);
      return true;
    });
    if (done) navigate("/groups", { notice: "The group is created. Its moderators are invited; once one of them joins, they can add clients." });
  });
  return screen("Create a group", form);
}
