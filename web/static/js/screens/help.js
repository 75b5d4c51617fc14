// Crisis guidance, reachable from every screen without logging in or loading any thread.
// The clinic's own resources come from this device's copy at once, then from the server.
import * as crisis from "../crisis.js";
import { h, link, replace, screen } from "../dom.js";
import * as session from "../session.js";

function clinicResources(entry) {
  if (!entry || entry.resources.length === 0) {
    return h("p", {}, "Your local emergency number is the fastest way to reach someone.");
  }
  return h("ul", { className: "cards", "aria-label": "Crisis lines" }, entry.resources.map(crisis.resourceCard));
}

export function render() {
  const section = h("section", { "aria-labelledby": "help-lines" }, h("h2", { id: "help-lines" }, "Crisis lines"));
  const body = h("div", {}, clinicResources(crisis.stored()));
  section.append(body);
  crisis
    .refresh()
    .then((entry) => entry && replace(body, clinicResources(entry)))
    .catch(() => {}); // offline or server down: this device's copy stays up
  return screen(
    "Need help now?",
    h(
      "div",
      { className: "card urgent" },
      h("p", { className: "lead" }, "If you are in danger, or thinking about hurting yourself, call your local emergency number now."),
      h(
        "ul",
        {},
        h("li", {}, h("a", { href: "tel:911" }, "911"), " in the United States and Canada"),
        h("li", {}, h("a", { href: "tel:112" }, "112"), " in the European Union and many other countries"),
        h("li", {}, h("a", { href: "tel:999" }, "999"), " in the United Kingdom"),
      ),
    ),
    section,
    h(
      "p",
      {},
      "Interlude is not an emergency service. Your therapist reads messages on their own schedule and may not see yours right away.",
    ),
    h("p", {}, link(session.isLoggedIn() ? "#/" : "#/login", "Back to Interlude")),
  );
}
