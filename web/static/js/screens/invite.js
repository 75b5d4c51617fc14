// Accept an invitation: choose a password (with strength feedback), make the identity keys
// and the recovery code on this device, send only public and wrapped material.
import { api } from "../api.js";
import { registration } from "../account-keys.js";
import { h, link, screen, time } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, field, newPasswordFields, whileWorking, workingLine } from "../forms.js";
import * as session from "../session.js";
import { roleWords } from "../roles.js";
import { deviceZone } from "../when.js";

export function render({ params, navigate }) {
  const body = h("div", {}, h("p", { className: "loading" }, "Opening your invitation…"));
  const alert = alertLine();
  api("GET", `/api/invitations/${encodeURIComponent(params.token)}`).then(
    (invitation) => body.replaceChildren(...acceptForm(invitation, params.token, navigate)),
    (error) => {
      alert.show(describe(error));
      body.replaceChildren(alert.element, h("p", {}, link("#/login", "Go to the login page")));
    },
  );
  return screen("Join Interlude", body);
}

function acceptForm(invitation, token, navigate) {
  const email = field({ label: "Email", type: "email", autocomplete: "username", readonly: true, value: invitation.email });
  const password = newPasswordFields({ label: "Password" });
  const alert = alertLine();
  const working = workingLine();
  const fieldset = h(
    "fieldset",
    {},
    h("legend", {}, "Choose your password"),
    email.element,
    password.element,
    h("button", { type: "submit", className: "button" }, "Create my account"),
  );
  const form = h("form", { className: "card", novalidate: true }, fieldset, working.element, alert.element);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = password.check();
    if (problem) {
      alert.show(problem);
      password.focus();
      return;
    }
    const done = await whileWorking(
      { fieldset, working, alert, words: "Creating your keys… this takes a few seconds.", describe },
      async () => {
        const made = await registration(invitation.user_id, password.password(), session.deviceLabel());
        // The device's time zone becomes the person's: reply-by times, working hours and
        // email times are right from the start (they can change it in their settings).
        const body = { ...made.body, time_zone: deviceZone(), device_id: session.deviceId() };
        const grant = await api("POST", `/api/invitations/${encodeURIComponent(token)}/accept`, body);
        session.begin(grant.token);
        const account = await api("GET", "/api/me");
        session.unlock(account, made.accountKey, made.identities);
        session.setRecoveryCodeToConfirm(made.recoveryCode);
        return true;
      },
    );
    if (done) navigate("/", { replace: true });
  });

  return [
    h(
      "p",
      { className: "lead" },
      `${invitation.clinic.name} invited ${invitation.display_name} to Interlude as ${roleWords(invitation.role)}.`,
    ),
    h(
      "p",
      {},
      "Your messages are encrypted on your device with keys that only your password (or your recovery code) can open. ",
      "Nobody at your clinic or at Interlude can reset it for you, so choose one you will remember.",
    ),
    h("p", { className: "hint" }, "This invitation works until ", time(invitation.expires_at), "."),
    form,
  ];
}
