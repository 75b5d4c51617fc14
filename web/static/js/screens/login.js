// Log in: prelogin gives salt and cost, Argon2id runs in the worker, the auth key logs in,
// then the wrapped account key and keyring from /api/me are opened on this device.
import { api } from "../api.js";
import { b64encode, openAccountKey, openKeyring, passwordKeys } from "../account-keys.js";
import { h, link, screen } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, field, revealSwitch, showProblem, statusLine, whileWorking, workingLine } from "../forms.js";
import * as session from "../session.js";

export function render({ notice, afterLogin }) {
  const email = field({ label: "Email", type: "email", autocomplete: "username", required: true, inputmode: "email" });
  const password = field({ label: "Password", type: "password", autocomplete: "current-password", required: true });
  const alert = alertLine();
  const working = workingLine();
  const status = statusLine();
  if (notice) status.show(notice);
  const fieldset = h(
    "fieldset",
    {},
    h("legend", { className: "visually-hidden" }, "Your account"),
    email.element,
    password.element,
    revealSwitch([password.input]),
    h("button", { type: "submit", className: "button" }, "Log in"),
  );
  const form = h("form", { className: "card", novalidate: true }, fieldset, working.element, alert.element);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const address = email.input.value.trim();
    if (!address) return showProblem(alert, email.input, "Type the email address your clinic invited.");
    if (!password.input.value) return showProblem(alert, password.input, "Type your password.");
    const done = await whileWorking(
      { fieldset, working, alert, words: "Unlocking your messages…", describe },
      async () => {
        const answer = await api("POST", "/api/prelogin", { email: address });
        const keys = await passwordKeys(password.input.value, answer.salt, answer.kdf);
        const grant = await api("POST", "/api/login", {
          email: address,
          auth_key: b64encode(keys.authKey),
          device_label: session.deviceLabel(),
          device_id: session.deviceId(),
        });
        session.begin(grant.token);
        const account = await api("GET", "/api/me");
        const accountKey = openAccountKey(account, keys.kek);
        session.unlock(account, accountKey, openKeyring(account, accountKey));
        return true;
      },
    );
    if (done) afterLogin();
    else password.input.focus();
  });

  return screen(
    "Log in to Interlude",
    status.element,
    form,
    h(
      "ul",
      { className: "plain-list" },
      h("li", {}, "Forgot your password? ", link("#/recover", "Use your recovery code")),
      h("li", {}, "New here? Ask your clinic for an invitation link."),
    ),
  );
}

