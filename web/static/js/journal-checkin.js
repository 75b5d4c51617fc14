// The quick check-in form: mood on a 0-10 scale, a few named feelings, hours slept and a
// short note, saved as a journal entry of kind "checkin" (sealed like any other entry).
import { h, uid } from "./dom.js";
import { describe } from "./failures.js";
import { field } from "./forms.js";
import * as store from "./journal-store.js";

const FEELINGS = ["calm", "hopeful", "tired", "anxious", "sad", "angry", "grateful", "lonely"];

/** {element}; onSaved(entry) after each check-in, onProblem(text) when one fails. */
export function checkInForm({ onSaved, onProblem }) {
  const moodId = uid("mood");
  const mood = h("input", { type: "range", id: moodId, min: 0, max: 10, step: 1, value: 5 });
  const moodValue = h("output", { for: moodId }, "5");
  mood.addEventListener("input", () => {
    moodValue.textContent = mood.value;
  });
  const feelingBoxes = FEELINGS.map((name) => {
    const id = uid("feeling");
    const input = h("input", { type: "checkbox", id, value: name });
    return { input, element: h("div", { className: "field checkbox" }, input, h("label", { for: id }, name)) };
  });
  const sleep = field({ label: "Sleep last night (hours)", type: "number", min: 0, max: 24, step: 0.5, inputmode: "decimal" });
  const note = field({ label: "A short note (optional)", maxlength: 500 });
  const element = h("form", { className: "card journal-checkin", "aria-label": "Check in" },
    h("h2", {}, "Check in"),
    h("div", { className: "field" }, h("label", { for: moodId }, "Mood (0 = very low, 10 = very good)"), mood, moodValue),
    h("fieldset", { className: "group feelings" }, h("legend", {}, "Feelings"), feelingBoxes.map((f) => f.element)),
    sleep.element, note.element,
    h("div", { className: "actions" }, h("button", { type: "submit", className: "button" }, "Save check-in")));
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const entry = await store.write({
        kind: "checkin",
        mood: Number(mood.value),
        feelings: feelingBoxes.filter((f) => f.input.checked).map((f) => f.input.value),
        sleep_hours: sleep.input.value === "" ? null : Number(sleep.input.value),
        note: note.input.value.trim(),
      });
      element.reset();
      moodValue.textContent = "5";
      await onSaved(entry);
    } catch (error) {
      onProblem(describe(error));
    }
  });
  return { element };
}
