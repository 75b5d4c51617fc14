// A small modal form in a <dialog>: focus moves to its first field, Escape or "Cancel" closes
// it, and a failed submit stays open with the problem in plain words.
import { h, uid } from "./dom.js";
import { describe } from "./failures.js";
import { alertLine, whileWorking, workingLine } from "./forms.js";

/**
 * fields: nodes to show; submit() does the work (throw an Error with plain words, or an
 * ApiError, to keep the dialog open). Resolves true once submit() succeeded, false if closed.
 */
export function formDialog({ title, intro = null, fields, submitLabel, working: words = "Saving…", submit }) {
  const titleId = uid("dialog-title");
  const alert = alertLine();
  const working = workingLine();
  const cancel = h("button", { type: "button", className: "button secondary" }, "Cancel");
  const fieldset = h(
    "fieldset",
    {},
    intro ? h("p", {}, intro) : null,
    fields,
    h("div", { className: "actions" }, h("button", { type: "submit", className: "button" }, submitLabel), cancel),
  );
  const form = h("form", { novalidate: true, method: "dialog" }, fieldset, working.element, alert.element);
  const dialog = h("dialog", { className: "dialog", "aria-labelledby": titleId }, h("h2", { id: titleId }, title), form);
  document.body.append(dialog);
  return new Promise((resolve) => {
    let done = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const ok = await whileWorking({ fieldset, working, alert, words, describe: (error) => plainWords(error) }, async () => {
        await submit();
        return true;
      });
      if (!ok) return;
      done = true;
      dialog.close();
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(done);
    });
    dialog.showModal();
    form.querySelector("input, select, textarea")?.focus();
  });
}

/** A problem the form itself found (missing date, ...): shown as written. */
export class FormProblem extends Error {
  get name() {
    return "FormProblem";
  }
}

function plainWords(error) {
  return error instanceof FormProblem ? error.message : describe(error);
}
