// Shown once, right after registration: the recovery code, with copy and print, then a check
// that it was saved (retype one group of it) before anything else opens.
import { recoveryGroups } from "../account-keys.js";
import { h, screen } from "../dom.js";
import { alertLine, field, statusLine } from "../forms.js";
import * as session from "../session.js";

const ALIASES = { O: "0", I: "1", L: "1" };

function normalised(text) {
  return [...text.toUpperCase().replace(/[\s-]/g, "")].map((c) => ALIASES[c] ?? c).join("");
}

export function render({ navigate }) {
  const code = session.recoveryCodeToConfirm();
  const groups = recoveryGroups(code);
  const asked = 1 + Math.floor(Math.random() * groups.length);
  const host = h("div", {});
  const show = (element) => {
    host.replaceChildren(element);
    element.querySelector("h1")?.focus();
  };
  const toConfirm = () => show(confirmStep(groups, asked, toCode, navigate));
  const toCode = () => show(codeStep(code, groups, toConfirm));
  host.append(codeStep(code, groups, toConfirm));
  return host;
}

function codeStep(code, groups, next) {
  const status = statusLine();
  const copy = h("button", { type: "button", className: "button secondary" }, "Copy code");
  const print = h("button", { type: "button", className: "button secondary" }, "Print code");
  const saved = h("button", { type: "button", className: "button" }, "I have saved my code");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(code);
      status.show("Copied. Paste it into a password manager or a private note, then clear your clipboard.");
    } catch {
      status.show("This browser did not allow copying. Write the code down or print it instead.");
    }
  });
  print.addEventListener("click", () => window.print());
  saved.addEventListener("click", next);
  return screen(
    "Save your recovery code",
    h(
      "p",
      { className: "lead" },
      "If you ever forget your password, this code is the only way back into your messages. ",
      "Nobody else can reset it for you: not your clinic, not Interlude.",
    ),
    h("p", {}, "Write it down or print it, and keep it somewhere private. It is shown only this once."),
    h(
      "ol",
      { className: "recovery-code", "aria-label": "Your recovery code" },
      groups.map((group) => h("li", {}, group)),
    ),
    h("p", { className: "hint" }, "The numbers count the groups; they are not part of the code."),
    h("div", { className: "actions no-print" }, copy, print),
    status.element,
    h("div", { className: "actions no-print" }, saved),
  );
}

function confirmStep(groups, asked, showCode, navigate) {
  const input = field({
    label: `Group ${asked} of your recovery code`,
    hint: "Four letters or numbers.",
    autocomplete: "off",
    autocapitalize: "characters",
    spellcheck: "false",
    required: true,
  });
  const alert = alertLine();
  const back = h("button", { type: "button", className: "button secondary", on: { click: showCode } }, "Show my code again");
  const form = h(
    "form",
    { className: "card", novalidate: true },
    input.element,
    h("div", { className: "actions" }, h("button", { type: "submit", className: "button" }, "Confirm"), back),
    alert.element,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (normalised(input.input.value) !== normalised(groups[asked - 1])) {
      alert.show(`That isn't group ${asked}. Look at the code you saved and type the four characters of group ${asked}.`);
      input.input.setAttribute("aria-invalid", "true");
      input.input.focus();
      return;
    }
    session.setRecoveryCodeToConfirm(null);
    navigate("/", { replace: true, notice: "Your account is ready, and your recovery code is saved." });
  });
  return screen(
    "Check your saved code",
    h("p", {}, `To be sure you saved it, type group ${asked} from your copy of the recovery code.`),
    form,
  );
}
