// A modal confirmation with <dialog>: focus moves into it, Escape or "Cancel" closes it.
import { h, uid } from "./dom.js";

/** Resolves true if the person pressed the confirm button, false otherwise. */
export function confirm({ title, message, confirmLabel, cancelLabel = "Cancel", danger = false }) {
  const titleId = uid("dialog-title");
  const messageId = uid("dialog-message");
  const cancel = h("button", { type: "button", className: "button secondary" }, cancelLabel);
  const accept = h("button", { type: "button", className: danger ? "button danger" : "button" }, confirmLabel);
  const dialog = h(
    "dialog",
    { className: "dialog", "aria-labelledby": titleId, "aria-describedby": messageId },
    h("h2", { id: titleId }, title),
    h("p", { id: messageId }, message),
    h("div", { className: "actions" }, accept, cancel),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    let answer = false;
    accept.addEventListener("click", () => {
      answer = true;
      dialog.close();
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(answer);
    });
    dialog.showModal();
    cancel.focus();
  });
}
