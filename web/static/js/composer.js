// Writing a message: with a keyboard, Enter sends and Shift+Enter adds a line; on a touch
// screen (no Shift key to hand) Enter adds a line and only the Send button sends, so a
// half-written message never goes out by accident. Tells the others "typing" at most every
// few seconds. While sending is blocked (a key change to acknowledge) it says why.
import { h, uid } from "./dom.js";

const TYPING_EVERY_MS = 3000;
const TOUCH = window.matchMedia("(pointer: coarse)");
const KEYBOARD_HINT = "Enter to send · Shift+Enter for a new line";
const TOUCH_HINT = "Return adds a new line · tap Send to send";

/** True where Enter sends: a device whose main pointer is precise (mouse, trackpad). */
function enterSends() {
  return !TOUCH.matches;
}

/**
 * onSend(text) is called with the text to send (then the box is cleared); onTyping() at
 * most every 3 s while the user types. onSendLater(text), if given, adds "Schedule for
 * later…" (its name does not start with "Send", so "Send" stays unambiguous) and resolves
 * true when the text was scheduled (then the box is cleared).
 * Returns {element, setBlocked(reason|null), focus()}.
 */
export function composer({ onSend, onTyping, onSendLater = null }) {
  const inputId = uid("composer");
  const hintId = `${inputId}-hint`;
  const blockedId = `${inputId}-blocked`;
  const input = h("textarea", {
    id: inputId,
    rows: "1",
    maxlength: "20000",
    autocomplete: "off",
    placeholder: "Write a message",
    "aria-describedby": hintId,
  });
  const send = h("button", { type: "submit", className: "button" }, "Send");
  const hint = h("p", { className: "hint composer-hint", id: hintId });
  hint.textContent = enterSends() ? KEYBOARD_HINT : TOUCH_HINT;
  input.setAttribute("enterkeyhint", enterSends() ? "send" : "enter");
  const blockedNote = h("p", { className: "composer-blocked", id: blockedId, hidden: true });
  const laterNote = h("p", { className: "hint composer-note", role: "status" });
  const later = onSendLater ? h("button", { type: "button", className: "link-button send-later" }, "Schedule for later…") : null;
  const form = h(
    "form",
    { className: "composer", novalidate: true },
    blockedNote,
    h("label", { for: inputId, className: "visually-hidden" }, "Message"),
    h("div", { className: "composer-row" }, input, send),
    h(
      "div",
      { className: "composer-foot" },
      hint,
      later,
    ),
    laterNote,
  );
  let blocked = null;
  let lastTyping = 0;

  function submit() {
    const text = input.value;
    if (blocked || !text.trim()) return;
    input.value = "";
    lastTyping = 0; // the others stop showing "typing" when the message arrives
    onSend(text);
    input.focus();
  }

  later?.addEventListener("click", async () => {
    const text = input.value;
    if (blocked) return;
    if (!text.trim()) {
      laterNote.textContent = "Write the message first, then choose “Schedule for later…”.";
      input.focus();
      return;
    }
    laterNote.textContent = "";
    if (await onSendLater(text)) {
      if (input.value === text) input.value = "";
      input.focus();
    }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || !enterSends()) return;
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    event.preventDefault();
    submit();
  });
  input.addEventListener("input", () => {
    laterNote.textContent = "";
    const now = Date.now();
    if (input.value && now - lastTyping >= TYPING_EVERY_MS) {
      lastTyping = now;
      onTyping();
    }
  });

  return {
    element: form,
    setBlocked(reason) {
      blocked = reason;
      send.disabled = Boolean(reason);
      if (later) later.disabled = Boolean(reason);
      blockedNote.textContent = reason ?? "";
      blockedNote.hidden = !reason;
      input.setAttribute("aria-describedby", reason ? `${blockedId} ${hintId}` : hintId);
    },
    focus: () => input.focus(),
  };
}
