// Home: who you are, where you are, the way to your messages and to each account screen.
import { h, link, screen } from "../dom.js";
import { alertLine, statusLine } from "../forms.js";
import { roleWords } from "../roles.js";
import * as session from "../session.js";
import { messageTherapistButton } from "../thread-list.js";

const ADMIN_LINKS = [
  ["#/admin/invitations", "Invitations", "invite therapists, clients and administrators"],
  ["#/admin/people", "People", "everyone in your clinic; disable an account"],
  ["#/admin/care-team", "Care teams", "which therapist works with which client"],
  ["#/admin/audit", "Audit trail", "a tamper-evident record of account activity"],
];

function messagesCard(role, navigate) {
  if (role === "admin") return null;
  const alert = alertLine();
  return h(
    "section",
    { className: "card", "aria-labelledby": "home-messages" },
    h("h2", { id: "home-messages" }, "Messages"),
    role === "client"
      ? h("p", {}, "Write to your therapist between sessions. They reply when they can — this is not for emergencies.")
      : h("p", {}, "Your conversations with clients, encrypted on this device."),
    h(
      "div",
      { className: "actions" },
      role === "client" ? messageTherapistButton({ navigate, alert }) : null,
      link("#/messages", role === "client" ? "All conversations" : "Open messages", {
        className: role === "client" ? "button secondary" : "button",
      }),
      role === "therapist" ? link("#/inbox", "Inbox", { className: "button secondary" }) : null,
      role === "therapist" ? link("#/working-hours", "Working hours", { className: "button secondary" }) : null,
    ),
    alert.element,
  );
}

function journalCard() {
  return h(
    "section",
    { className: "card", "aria-labelledby": "home-journal" },
    h("h2", { id: "home-journal" }, "Journal"),
    h("p", {}, "A private journal and quick check-ins, encrypted on this device. Share an entry only if you choose to."),
    h("div", { className: "actions" }, link("#/journal", "Open my journal", { className: "button secondary" })),
  );
}

export function render({ notice, navigate }) {
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
    messagesCard(account.user.role, navigate),
    account.user.role === "client" ? journalCard() : null,
    h(
      "section",
      { className: "card", "aria-labelledby": "home-account" },
      h("h2", { id: "home-account" }, "Your account"),
      h(
        "ul",
        { className: "link-list" },
        h("li", {}, link("#/devices", "My devices"), " — where you are logged in"),
        h("li", {}, link("#/password", "Change password")),
        h("li", {}, link("#/notifications", "Notifications"), " — which emails you get, and when"),
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
