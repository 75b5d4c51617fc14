// Crisis guidance, reachable from every screen without logging in or loading any thread.
import { h, link, screen } from "../dom.js";
import * as session from "../session.js";

export function render() {
  return screen(
    "Need help now?",
    h(
      "div",
      { className: "card urgent" },
      h("p", { className: "lead" }, "If you are in danger, or thinking about hurting yourself, call your local emergency number now."),
      h(
        "ul",
        {},
        h("li", {}, "911 in the United States and Canada"),
        h("li", {}, "112 in the European Union and many other countries"),
        h("li", {}, "999 in the United Kingdom"),
      ),
    ),
    h(
      "section",
      { className: "card", "aria-labelledby": "help-text" },
      h("h2", { id: "help-text" }, "Crisis text line"),
      h("p", {}, "Your clinic can add a local crisis text line here. Until then, your local emergency number is the fastest way to reach someone."),
    ),
    h(
      "p",
      {},
      "Interlude is not an emergency service. Your therapist reads messages on their own schedule and may not see yours right away.",
    ),
    h("p", {}, link(session.isLoggedIn() ? "#/" : "#/login", "Back to Interlude")),
  );
}
