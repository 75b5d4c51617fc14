// Your data: download everything of yours, decrypted in this browser (HTML, Markdown or
// JSON, with a progress bar for long histories); and, for clients, delete the account.
import { api } from "../api.js";
import { b64encode, passwordKeys } from "../account-keys.js";
import { confirm } from "../dialog.js";
import { h, screen, uid } from "../dom.js";
import { exportAll, toHtml, toMarkdown } from "../export.js";
import "../journal-export.js";
import "../group-export.js";
import { describe } from "../failures.js";
import { alertLine, field, hiddenUsername, showProblem, statusLine, whileWorking, workingLine } from "../forms.js";
import * as session from "../session.js";

const FORMATS = {
  html: { label: "Download as a web page (HTML)", type: "text/html", ext: "html", make: toHtml },
  markdown: { label: "Download as text (Markdown)", type: "text/markdown", ext: "md", make: toMarkdown },
  json: { label: "Download as data (JSON)", type: "application/json", ext: "json", make: ({ document }) => JSON.stringify(document, null, 2) },
};
const WRONG_PASSWORD = "That password didn't match, so nothing was deleted.";

function download(text, format) {
  const blob = new Blob([text], { type: `${format.type};charset=utf-8` });
  const link = h("a", { href: URL.createObjectURL(blob), download: `interlude-export.${format.ext}`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

function exportSection() {
  const headingId = uid("export");
  const progress = h("progress", { max: "1", value: "0", hidden: true, "aria-label": "Export progress" });
  const progressWords = h("p", { className: "hint", role: "status" });
  const alert = alertLine();
  const buttons = Object.entries(FORMATS).map(([key, format]) =>
    h("button", { type: "button", className: "button secondary", dataset: { format: key }, on: { click: () => run(format) } }, format.label),
  );

  async function run(format) {
    alert.clear();
    buttons.forEach((b) => (b.disabled = true));
    progress.hidden = false;
    progress.value = 0;
    try {
      const result = await exportAll((fraction, words) => {
        progress.value = fraction;
        progressWords.textContent = `Decrypting in this browser… ${words}`;
      });
      download(format.make(result), format);
      progressWords.textContent = "Your export is ready and was downloaded. Keep it somewhere safe: it is not encrypted.";
    } catch (error) {
      alert.show(describe(error));
      progressWords.textContent = "";
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  return h(
    "section",
    { className: "card", "aria-labelledby": headingId },
    h("h2", { id: headingId }, "Download your data"),
    h(
      "p",
      {},
      `Every conversation and group you are in${session.user().role === "client" ? ", and your journal," : ""} decrypted here on your device. `,
      "The clinic's audit trail records that you exported a conversation, never what.",
    ),
    h("div", { className: "actions" }, buttons),
    progress,
    progressWords,
    alert.element,
  );
}

function deleteSection({ navigate }) {
  const headingId = uid("delete");
  const password = field({ label: "Your password", type: "password", autocomplete: "current-password", required: true });
  const alert = alertLine();
  const working = workingLine();
  const fieldset = h(
    "fieldset",
    {},
    h("legend", { className: "visually-hidden" }, "Confirm with your password"),
    hiddenUsername(session.user().email),
    password.element,
    h("button", { type: "submit", className: "button danger" }, "Delete my account"),
  );
  const form = h("form", { novalidate: true }, fieldset, working.element, alert.element);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!password.input.value) return showProblem(alert, password.input, "Type your password to confirm.");
    const sure = await confirm({
      title: "Delete your account?",
      message: "Your keys and the text of everything you wrote will be erased. This cannot be undone.",
      confirmLabel: "Delete my account",
      danger: true,
    });
    if (!sure) return;
    const done = await whileWorking(
      { fieldset, working, alert, words: "Checking your password…", describe: (e) => describe(e, { wrongKey: WRONG_PASSWORD }) },
      async () => {
        const account = await api("GET", "/api/me");
        const keys = await passwordKeys(password.input.value, account.salt, account.kdf);
        await api("POST", "/api/me/delete", { current_auth_key: b64encode(keys.authKey) }, { endsSessionOn401: false });
        return true;
      },
    );
    if (!done) return;
    session.end();
    navigate("/login", { replace: true, notice: "Your account is being deleted. We will email you when it is done." });
  });
  return h(
    "section",
    { className: "card", "aria-labelledby": headingId },
    h("h2", { id: headingId }, "Delete your account"),
    h(
      "p",
      {},
      "You are logged out everywhere at once. Your keys, settings and the text of every message you wrote are then erased; ",
      "your therapist sees them as deleted. Download your data first if you want a copy.",
    ),
    form,
  );
}

export function render({ navigate }) {
  const status = statusLine();
  return screen(
    "Your data",
    status.element,
    exportSection(),
    session.user().role === "client" ? deleteSection({ navigate }) : null,
  );
}
