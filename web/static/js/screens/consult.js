// A clinic's public page (no login): ask for a free first consultation. The form is sealed
// in this browser to the clinic's intake key, so only the clinic's admins can read it; a
// small proof of work (with a progress bar) and a field people never see keep bots out.
import { api } from "../api.js";
import { b64decode, b64encode, sealIntakeRequest, solveProofOfWork } from "../crypto.js";
import { h, screen, uid } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, choice, field, statusLine } from "../forms.js";
import { deviceZone, zoneChoices } from "../when.js";

const MESSAGE_LIMIT = 2000;

function area({ label, hint, ...attributes }) {
  const id = uid("area");
  const input = h("textarea", { id, rows: "5", ...attributes });
  return {
    input,
    element: h("div", { className: "field" }, h("label", { for: id }, label), hint ? h("p", { className: "hint" }, hint) : null, input),
  };
}

export async function render({ params }) {
  const clinicId = params.clinic;
  let page;
  try {
    page = await api("GET", `/api/public/clinics/${encodeURIComponent(clinicId)}/consultation`, undefined, { endsSessionOn401: false });
  } catch (error) {
    return screen("Free first consultation", h("p", {}, error.status === 404 ? "This clinic is not taking requests here right now." : describe(error)));
  }
  const name = field({ label: "Your name or a pseudonym", autocomplete: "nickname", maxlength: "200", required: true });
  const contact = field({ label: "How can we reach you?", hint: "An email address or a phone number.", maxlength: "320", required: true });
  const zone = choice({ label: "Your time zone", options: zoneChoices(deviceZone()).map((z) => [z, z]) });
  zone.select.value = deviceZone();
  const times = field({ label: "When suits you?", hint: "For example: weekday evenings.", maxlength: "300" });
  const message = area({ label: "A short message (optional)", hint: "Only the clinic's staff can read this.", maxlength: String(MESSAGE_LIMIT) });
  // People never see this field; bots fill it in.
  const trap = h("input", { type: "text", name: "website", tabindex: "-1", autocomplete: "off", "aria-hidden": "true", className: "visually-hidden" });
  const progress = h("progress", { max: "1", value: "0", hidden: true, "aria-label": "Preparing your request" });
  const alert = alertLine();
  const status = statusLine();
  const submit = h("button", { type: "submit", className: "button" }, "Send my request");
  const form = h(
    "form",
    { className: "card", novalidate: true },
    name.element,
    contact.element,
    zone.element,
    times.element,
    message.element,
    trap,
    submit,
    progress,
    alert.element,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alert.clear();
    if (!name.input.value.trim()) return alert.show("Please give a name or a pseudonym.");
    if (!contact.input.value.trim()) return alert.show("Please say how the clinic can reach you.");
    submit.disabled = true;
    progress.hidden = false;
    status.show("Sealing your request so only the clinic can read it…");
    try {
      const fresh = await api("GET", `/api/public/clinics/${encodeURIComponent(clinicId)}/consultation`, undefined, { endsSessionOn401: false });
      const answers = {
        name: name.input.value.trim(),
        contact: contact.input.value.trim(),
        time_zone: zone.select.value,
        preferred_times: times.input.value.trim(),
        message: message.input.value.trim(),
      };
      const sealed = sealIntakeRequest(new TextEncoder().encode(JSON.stringify(answers)), b64decode(fresh.intake_public_key), clinicId);
      const expected = 2 ** fresh.pow_bits;
      const nonce = await solveProofOfWork(fresh.challenge, fresh.pow_bits, (tries) => {
        progress.value = Math.min(0.95, tries / (2 * expected));
      });
      progress.value = 1;
      await api(
        "POST",
        `/api/public/clinics/${encodeURIComponent(clinicId)}/consultation`,
        { sealed: b64encode(sealed), challenge: fresh.challenge, nonce: b64encode(nonce), website: trap.value },
        { endsSessionOn401: false },
      );
      status.show("Thank you. Your request was sent to the clinic, which will contact you the way you asked.");
      form.hidden = true;
    } catch (error) {
      status.clear();
      alert.show(describe(error));
      submit.disabled = false;
      progress.hidden = true;
    }
  });
  return screen(
    "Free first consultation",
    h("p", { className: "lead" }, page.clinic_name),
    page.text ? h("p", { className: "consult-text" }, page.text) : null,
    h("p", { className: "hint" }, "This is not for emergencies. If you are in danger, call your local emergency number now."),
    status.element,
    form,
  );
}
