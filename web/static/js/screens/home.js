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
  ["#/admin/crisis-resources", "Crisis resources", "the helplines on every “Need help now?” page"],
];

// The first steps of a new clinic, in the order that makes each one possible.
const START_HERE = [
  ["#/admin/crisis-resources", "Check your crisis resources", "the helplines your clients see on “Need help now?”"],
  ["#/admin/invitations", "Invite a therapist", "they choose their own password from the link"],
  ["#/admin/invitations", "Invite a client", "the same way, with the role Client"],
  ["#/admin/care-team", "Assign the care team", "put the therapist on the client's team, so they can write to each other"],
];

function startHereCard() {
  return h(
    "section",
    { className: "card", "aria-labelledby": "home-start" },
    h("h2", { id: "home-start" }, "Start here"),
    h(
      "ol",
      { className: "steps" },
      START_HERE.map(([href, text, what]) => h("li", {}, link(href, text), ` — ${what}`)),
    ),
  );
}

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

function groupsCard() {
  return h(
    "section",
    { className: "card", "aria-labelledby": "home-groups" },
    h("h2", { id: "home-groups" }, "Groups"),
    h("p", {}, "Groups run by your clinic. In each one, the other members see only the name you choose for it."),
    h("div", { className: "actions" }, link("#/groups", "Open groups", { className: "button secondary" })),
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
    groupsCard(),
    h(
      "section",
      { className: "card", "aria-labelledby": "home-account" },
      h("h2", { id: "home-account" }, "Your account"),
      h(
        "ul",
        { className: "link-list" },
        h("li", {}, link("#/name", "Your name"), " — how others see you"),
        h("li", {}, link("#/devices", "My devices"), " — where you are logged in"),
        h("li", {}, link("#/password", "Change password")),
        h("li", {}, link("#/notifications", "Notifications"), " — which emails you get, and when"),
      ),
    ),
    session.isAdmin() ? startHereCard() : null,
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
