// Home, for now: who you are, where you are, and the way to each account screen.
import { h, link, screen } from "../dom.js";
import { statusLine } from "../forms.js";
import { roleWords } from "../roles.js";
import * as session from "../session.js";

const ADMIN_LINKS = [
  ["#/admin/invitations", "Invitations", "invite therapists, clients and administrators"],
  ["#/admin/people", "People", "everyone in your clinic; disable an account"],
  ["#/admin/care-team", "Care teams", "which therapist works with which client"],
  ["#/admin/audit", "Audit trail", "a tamper-evident record of account activity"],
];

export function render({ notice }) {
  const { account } = session.current();
  const status = statusLine();
  if (notice) status.show(notice);
  return screen(
    `Hello, ${account.user.display_name}`,
    status.element,
    h(
      "p",
      { className: "lead" },
      `You are logged in to ${account.clinic.name} as ${roleWords(account.user.role)} (${account.user.email}).`,
    ),
    h("p", { className: "lock-note" }, "Your keys are unlocked on this device only, until you log out or close this tab."),
    h(
      "section",
      { className: "card", "aria-labelledby": "home-account" },
      h("h2", { id: "home-account" }, "Your account"),
      h(
        "ul",
        { className: "link-list" },
        h("li", {}, link("#/devices", "My devices"), " — where you are logged in"),
        h("li", {}, link("#/password", "Change password")),
      ),
    ),
    session.isAdmin()
      ? h(
          "section",
          { className: "card", "aria-labelledby": "home-admin" },
          h("h2", { id: "home-admin" }, "Clinic administration"),
          h(
            "ul",
            { className: "link-list" },
            ADMIN_LINKS.map(([href, text, what]) => h("li", {}, link(href, text), ` — ${what}`)),
          ),
        )
      : null,
  );
}
