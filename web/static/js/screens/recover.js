// Recover with the recovery code: it opens the account key (no Argon2id: the code carries
// 256 bits), which is then wrapped under a new password. Nothing is lost.
import { api } from "../api.js";
import {
  checkRecoveryCode,
  openKeyring,
  openRecoveryWrappedKey,
  passwordMaterial,
  recoveryKeys,
} from "../account-keys.js";
import { h, link, screen } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, field, newPasswordFields, showProblem, whileWorking, workingLine } from "../forms.js";
import * as session from "../session.js";

const TYPO = "That recovery code has a typo. Check each group of four characters against your saved copy.";
const WRONG_CODE = "That recovery code doesn't open this account. Check the email address and the code.";

export function render({ navigate }) {
  const email = field({ label: "Email", type: "email", autocomplete: "username", required: true, inputmode: "email" });
  const code = field({
    label: "Recovery code",
    hint: "14 groups of 4 letters and numbers. Dashes, spaces and capitals don't matter.",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    required: true,
  });
  const fresh = newPasswordFields({ label: "New password" });
  const alert = alertLine();
  const working = workingLine();
  const fieldset = h(
    "fieldset",
    {},
    h("legend", { className: "visually-hidden" }, "Your recovery code and new password"),
    email.element,
    code.element,
    fresh.element,
    h("button", { type: "submit", className: "button" }, "Recover my account"),
  );
  const form = h("form", { className: "card", novalidate: true }, fieldset, working.element, alert.element);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const address = email.input.value.trim();
    if (!address) return showProblem(alert, email.input, "Type the email address of your account.");
    try {
      checkRecoveryCode(code.input.value);
    } catch {
      return showProblem(alert, code.input, TYPO);
    }
    const problem = fresh.check();
    if (problem) {
      alert.show(problem);
      fresh.focus();
      return;
    }
    const done = await whileWorking(
      { fieldset, working, alert, words: "Checking your recovery code…", describe: (e) => describe(e, { wrongKey: WRONG_CODE }) },
      async (say) => {
        const keys = recoveryKeys(code.input.value);
        const begun = await api("POST", "/api/recovery/begin", { email: address, recovery_auth_key: keys.authKey });
        const accountKey = openRecoveryWrappedKey(begun.recovery_wrapped_account_key, keys.kek, begun.user_id);
        say("Protecting your keys with the new password…");
        const grant = await api("POST", "/api/recovery/complete", {
          email: address,
          recovery_auth_key: keys.authKey,
          recovery_wrapped_account_key: begun.recovery_wrapped_account_key,
          new: await passwordMaterial(begun.user_id, fresh.password(), accountKey),
          device_label: session.deviceLabel(),
        });
        session.begin(grant.token);
        const account = await api("GET", "/api/me");
        session.unlock(account, accountKey, openKeyring(account, accountKey));
        return true;
      },
    );
    if (done) navigate("/", { replace: true, notice: "Your new password is set. Your messages are unlocked." });
  });

  return screen(
    "Recover your account",
    h("p", {}, "Use the recovery code you saved when you joined, and choose a new password. Your messages stay readable."),
    form,
    h("p", {}, link("#/login", "Back to log in")),
  );
}
