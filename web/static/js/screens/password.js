// Change password: prove the current one, then re-wrap the same account key under the new
// one. Keys and history stay; other devices are logged out by the server.
import { api } from "../api.js";
import { b64encode, openAccountKey, passwordKeys, passwordMaterial } from "../account-keys.js";
import { h, screen } from "../dom.js";
import { describe } from "../failures.js";
import {
  alertLine,
  field,
  hiddenUsername,
  newPasswordFields,
  revealSwitch,
  showProblem,
  statusLine,
  whileWorking,
  workingLine,
} from "../forms.js";
import * as session from "../session.js";

const WRONG_CURRENT = "Your current password didn't match. Check it and try again.";

export function render() {
  const current = field({ label: "Current password", type: "password", autocomplete: "current-password", required: true });
  const fresh = newPasswordFields({ label: "New password" });
  const alert = alertLine();
  const status = statusLine();
  const working = workingLine();
  const fieldset = h(
    "fieldset",
    {},
    h("legend", { className: "visually-hidden" }, "Your passwords"),
    hiddenUsername(session.user().email),
    current.element,
    revealSwitch([current.input]),
    fresh.element,
    h("button", { type: "submit", className: "button" }, "Change password"),
  );
  const form = h("form", { className: "card", novalidate: true }, fieldset, working.element, alert.element);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.clear();
    if (!current.input.value) return showProblem(alert, current.input, "Type your current password.");
    const problem = fresh.check();
    if (problem) {
      alert.show(problem);
      fresh.focus();
      return;
    }
    const ended = await whileWorking(
      { fieldset, working, alert, words: "Checking your current password…", describe: (e) => describe(e, { wrongKey: WRONG_CURRENT }) },
      async (say) => {
        const { accountKey, identities } = session.current();
        const account = await api("GET", "/api/me");
        const keys = await passwordKeys(current.input.value, account.salt, account.kdf);
        openAccountKey(account, keys.kek);
        say("Protecting your keys with the new password…");
        const material = await passwordMaterial(account.user.id, fresh.password(), accountKey);
        const answer = await api(
          "POST",
          "/api/me/password",
          { current_auth_key: b64encode(keys.authKey), new: material },
          { endsSessionOn401: false },
        );
        session.unlock(await api("GET", "/api/me"), accountKey, identities);
        return answer.other_sessions_ended;
      },
    );
    if (ended === undefined) return;
    form.reset();
    const others = ended === 0 ? "" : ` ${ended} other ${ended === 1 ? "device was" : "devices were"} logged out.`;
    status.show(`Your password is changed.${others}`);
  });

  return screen(
    "Change your password",
    h("p", {}, "Your messages and keys stay as they are; only the password that unlocks them changes. Other devices will be logged out."),
    status.element,
    form,
  );
}
