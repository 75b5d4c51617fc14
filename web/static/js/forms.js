// Form pieces shared by the screens: labelled fields, the password strength meter, the
// error and status lines, and "working…" with a progress bar while a form is submitted.
import { h, uid } from "./dom.js";
import { MIN_LENGTH, estimate } from "./password-strength.js";

/** A labelled input. Returns {element, input}. hint: a line of help under the label. */
export function field({ label, hint = null, ...inputAttributes }) {
  const id = uid("field");
  const hintId = hint ? `${id}-hint` : null;
  const describedBy = [hintId, inputAttributes["aria-describedby"]].filter(Boolean).join(" ") || null;
  const input = h("input", { id, ...inputAttributes, "aria-describedby": describedBy });
  const element = h(
    "div",
    { className: "field" },
    h("label", { for: id }, label),
    hint ? h("p", { className: "hint", id: hintId }, hint) : null,
    input,
  );
  return { element, input };
}

/** A labelled <select> of [value, text] options. Returns {element, select}. */
export function choice({ label, options, ...attributes }) {
  const id = uid("choice");
  const select = h("select", { id, ...attributes }, options.map(([value, text]) => h("option", { value }, text)));
  return { element: h("div", { className: "field" }, h("label", { for: id }, label), select), select };
}

/** The line where a form's error appears (role=alert, empty and hidden when all is well). */
export function alertLine() {
  const element = h("p", { className: "form-error", role: "alert" });
  return {
    element,
    show(text) {
      element.textContent = text;
    },
    clear() {
      element.textContent = "";
    },
  };
}

/** A polite status line for results ("Invitation sent."). */
export function statusLine() {
  const element = h("p", { className: "form-status", role: "status" });
  return {
    element,
    show(text) {
      element.textContent = text;
    },
    clear() {
      element.textContent = "";
    },
  };
}

/**
 * New password + repeat, a live strength meter, and a "show passwords" switch.
 * Returns {element, password(), check()}; check() returns an error text or null.
 */
export function newPasswordFields({ label = "New password" } = {}) {
  const meterId = uid("strength");
  const first = field({
    label,
    hint: `At least ${MIN_LENGTH} characters. A few unrelated words are easy to remember and hard to guess.`,
    type: "password",
    autocomplete: "new-password",
    required: true,
    "aria-describedby": meterId,
  });
  const second = field({ label: `Repeat the ${label.toLowerCase()}`, type: "password", autocomplete: "new-password", required: true });
  const meter = h("meter", { min: "0", max: "4", low: "2", high: "3", optimum: "4", value: "0", "aria-hidden": "true" });
  const words = h("span", { className: "strength-words", "aria-live": "polite" });
  const hints = h("ul", { className: "strength-hints" });
  const strength = h(
    "div",
    { className: "strength", id: meterId, dataset: { score: "0", empty: "true" } },
    h("span", { className: "visually-hidden" }, "Password strength: "),
    meter,
    words,
    hints,
  );
  const update = () => {
    const result = estimate(first.input.value);
    meter.value = result.score;
    strength.dataset.score = String(result.score);
    strength.dataset.empty = String(first.input.value === "");
    words.textContent = first.input.value === "" ? "" : `${result.label} — ${result.advice}`;
    hints.replaceChildren(...result.hints.map((hint) => h("li", {}, hint)));
  };
  first.input.addEventListener("input", update);
  const reveal = revealSwitch([first.input, second.input]);
  return {
    element: h("div", { className: "new-password" }, first.element, strength, second.element, reveal),
    password: () => first.input.value,
    check() {
      const result = estimate(first.input.value);
      if (!result.acceptable) {
        const why = result.hints[0] ?? "Add a few more words.";
        return `Choose a stronger password. ${why}`;
      }
      if (first.input.value !== second.input.value) return "The two passwords are different. Type the same password twice.";
      return null;
    },
    focus: () => first.input.focus(),
  };
}

/** A "Show passwords" checkbox that switches the given inputs between hidden and visible. */
export function revealSwitch(inputs) {
  const id = uid("reveal");
  const box = h("input", { type: "checkbox", id });
  box.addEventListener("change", () => {
    for (const input of inputs) input.type = box.checked ? "text" : "password";
  });
  return h("div", { className: "field checkbox" }, box, h("label", { for: id }, inputs.length > 1 ? "Show passwords" : "Show password"));
}

/** "Unlocking your messages…" with an indeterminate progress bar. */
export function workingLine() {
  const text = h("span", {});
  const element = h("div", { className: "working", role: "status", hidden: true }, h("progress", { "aria-hidden": "true" }), text);
  return {
    element,
    show(words) {
      text.textContent = words;
      element.hidden = false;
    },
    hide() {
      element.hidden = true;
      text.textContent = "";
    },
  };
}

/**
 * Runs task while the form is disabled and the working line shows words; task's failure is
 * shown on alert via describe(error). Returns task's result, or undefined if it failed.
 */
export async function whileWorking({ fieldset, working, alert, words, describe }, task) {
  alert.clear();
  fieldset.disabled = true;
  if (words) working.show(words);
  try {
    return await task((next) => working.show(next));
  } catch (error) {
    alert.show(describe(error));
    return undefined;
  } finally {
    working.hide();
    fieldset.disabled = false;
  }
}

/** Shows a problem with one field on the form's alert line and puts the cursor there. */
export function showProblem(alert, input, text) {
  alert.show(text);
  input.setAttribute("aria-invalid", "true");
  input.addEventListener("input", () => input.removeAttribute("aria-invalid"), { once: true });
  input.focus();
}

/** The account's email as a hidden username, so password managers file the password right. */
export function hiddenUsername(email) {
  return h("input", { type: "email", autocomplete: "username", value: email, readonly: true, hidden: true, tabindex: "-1" });
}
