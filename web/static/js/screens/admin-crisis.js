// Crisis resources (admins): the helplines on every "Need help now?" page of the clinic,
// with tap-to-call and tap-to-text numbers. Shown to anyone, even logged out: not encrypted.
import { api } from "../api.js";
import * as crisis from "../crisis.js";
import { h, screen } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, field, statusLine, whileWorking, workingLine } from "../forms.js";
import * as session from "../session.js";

const MAX_RESOURCES = 6;

function resourceFields(resource, number, onRemove) {
  const name = field({ label: "Name", required: true, maxlength: "100", value: resource.name, autocomplete: "off" });
  const phone = field({ label: "Phone number", hint: "Opens the phone app.", type: "tel", maxlength: "30", value: resource.phone, autocomplete: "off" });
  const text = field({ label: "Text number", hint: "Opens the messages app.", type: "tel", maxlength: "30", value: resource.text, autocomplete: "off" });
  const url = field({ label: "Web address", type: "url", maxlength: "300", value: resource.url, placeholder: "https://", autocomplete: "off" });
  const hours = field({ label: "Hours", maxlength: "100", value: resource.hours, placeholder: "24 hours, every day", autocomplete: "off" });
  const remove = h("button", { type: "button", className: "button secondary small", on: { click: onRemove } }, `Remove resource ${number}`);
  const element = h(
    "fieldset",
    { className: "card crisis-fields" },
    h("legend", {}, `Resource ${number}`),
    name.element,
    phone.element,
    text.element,
    url.element,
    hours.element,
    remove,
  );
  const value = () => ({
    name: name.input.value.trim(),
    phone: phone.input.value.trim(),
    text: text.input.value.trim(),
    url: url.input.value.trim(),
    hours: hours.input.value.trim(),
  });
  return { element, value };
}

export function render() {
  const clinicId = session.current().account.clinic.id;
  const alert = alertLine();
  const status = statusLine();
  const working = workingLine();
  const list = h("div", {}, h("p", { className: "loading" }, "Loading crisis resources…"));
  const add = h("button", { type: "button", className: "button secondary" }, "Add a resource");
  const save = h("button", { type: "submit", className: "button" }, "Save crisis resources");
  const fieldset = h("fieldset", {}, h("legend", { className: "visually-hidden" }, "Crisis resources"), list, h("div", { className: "actions" }, add, save));
  const form = h("form", { novalidate: true }, fieldset, working.element, alert.element, status.element);
  let rows = [];

  function show(resources) {
    const values = resources.map((r) => ({ name: "", phone: "", text: "", url: "", hours: "", ...r }));
    rows = values.map((resource, i) =>
      resourceFields(resource, i + 1, () => {
        const current = rows.map((row) => row.value());
        current.splice(i, 1);
        show(current);
      }),
    );
    list.replaceChildren(
      ...(rows.length ? rows.map((row) => row.element) : [h("p", {}, "No resources yet: the help page shows emergency numbers only.")]),
    );
    add.hidden = rows.length >= MAX_RESOURCES;
  }

  add.addEventListener("click", () => {
    show([...rows.map((row) => row.value()), {}]);
    rows.at(-1).element.querySelector("input").focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.clear();
    const saved = await whileWorking({ fieldset, working, alert, words: "Saving…", describe }, () =>
      api("PUT", "/api/clinic/crisis-resources", { resources: rows.map((row) => row.value()) }),
    );
    if (!saved) return;
    show(saved.resources);
    crisis.refresh(clinicId).catch(() => {}); // this device's copy; the server has the truth
    status.show("The crisis resources are saved. Everyone sees them on “Need help now?”.");
  });

  crisis
    .refresh(clinicId)
    .then((entry) => show(entry.resources))
    .catch((error) => alert.show(describe(error)));

  return screen(
    "Crisis resources",
    h(
      "p",
      {},
      "These appear on “Need help now?” for everyone in your clinic, even when logged out or offline. ",
      "Check each number: a wrong one costs time when it matters most. They are not encrypted.",
    ),
    form,
  );
}
