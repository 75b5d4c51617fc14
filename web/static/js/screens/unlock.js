// Unlock after a reload: the session is still valid, only the keys left memory with the old
// page. Asks for the password alone and opens the keys locally.
import { api } from "../api.js";
import { openAccountKey, openKeyring, passwordKeys } from "../account-keys.js";
import { h, screen } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, field, hiddenUsername, revealSwitch, showProblem, whileWorking, workingLine } from "../forms.js";
import * as session from "../session.js";

export function render({ afterLogin, navigate }) {
  const intro = h("p", {}, "Loading your account…");
  const password = field({ label: "Password", type: "password", autocomplete: "current-password", required: true });
  const alert = alertLine();
  const working = workingLine();
  const logout = h("button", { type: "button", className: "button secondary" }, "Log out instead");
  const fieldset = h(
    "fieldset",
    { disabled: true },
    h("legend", { className: "visually-hidden" }, "Your password"),
    password.element,
    revealSwitch([password.input]),
    h("div", { className: "actions" }, h("button", { type: "submit", className: "button" }, "Unlock"), logout),
  );
  const form = h("form", { className: "card", novalidate: true }, fieldset, working.element, alert.element);
  let account = null;

  api("GET", "/api/me").then(
    (answer) => {
      account = answer;
      intro.replaceChildren(
        `You are logged in as ${answer.user.display_name} (${answer.user.email}). `,
        "Your messages are locked on this page; type your password to open them.",
      );
      fieldset.querySelector("legend").after(hiddenUsername(answer.user.email));
      fieldset.disabled = false;
      password.input.focus();
    },
    (error) => {
      intro.textContent = "";
      alert.show(describe(error));
    },
  );

  logout.addEventListener("click", async () => {
    await api("POST", "/api/logout", undefined, { endsSessionOn401: false }).catch(() => null);
    session.end();
    navigate("/login", { notice: "You have logged out." });
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!account) return;
    if (!password.input.value) return showProblem(alert, password.input, "Type your password.");
    const done = await whileWorking(
      { fieldset, working, alert, words: "Unlocking your messages…", describe },
      async () => {
        const keys = await passwordKeys(password.input.value, account.salt, account.kdf);
        const accountKey = openAccountKey(account, keys.kek);
        session.unlock(account, accountKey, openKeyring(account, accountKey));
        return true;
      },
    );
    if (done) afterLogin();
    else password.input.focus();
  });

  return screen("Unlock your messages", intro, form);
}
