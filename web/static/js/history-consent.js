// Care-team handover, asked in the client's own browser: a therapist who joined later cannot
// read what the client wrote before. The client decides whether they may; only then are the
// earlier keys sealed to that therapist here (conversations.shareHistory).
import * as conversations from "./conversations.js";
import { h } from "./dom.js";
import { describe } from "./failures.js";

/**
 * A panel asking about each therapist in `missing` (thread members without history);
 * people: verified roster entries ({userId, displayName, bundle}). Returns the element.
 */
export function historyConsentView({ threadId, missing, people, onProblem }) {
  const element = h("div", { className: "history-consent" });
  for (const member of missing) {
    const person = people.find((p) => p.userId === member.user_id);
    if (!person) continue;
    const allow = h("button", { type: "button", className: "button small" }, `Let ${person.displayName} read them`);
    const later = h("button", { type: "button", className: "button secondary small" }, "Not now");
    const panel = h(
      "section",
      { className: "key-warning", "aria-label": "Your earlier messages" },
      h("p", {}, `${person.displayName} joined your care team. They can read new messages, but not what you wrote before they joined.`),
      h("p", {}, "Only you can let them read your earlier messages, from this device. Once shared, that history cannot be taken back."),
      h("div", { className: "actions" }, allow, later),
    );
    later.addEventListener("click", () => panel.remove());
    allow.addEventListener("click", async () => {
      allow.disabled = true;
      try {
        await conversations.shareHistory(threadId, person, member.joined_epoch);
        panel.replaceChildren(h("p", { role: "status" }, `${person.displayName} can now read your earlier messages.`));
      } catch (error) {
        allow.disabled = false;
        onProblem(`Your earlier messages could not be shared. ${describe(error)}`);
      }
    });
    element.append(panel);
  }
  return element;
}
