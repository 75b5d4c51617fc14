// Privacy you can see: the safety number shared with each other member (with a "verified"
// mark once the user compared it with them, kept with the person by trust-marks.js so it
// shows on all their devices), and a clear warning when someone's security key changed.
// Sending stays blocked until the user acknowledges the change.
import { b64encode, safetyNumber } from "./crypto.js";
import { h, replace } from "./dom.js";
import * as trustMarks from "./trust-marks.js";
import * as trust from "./trust.js";

const SVG = "http://www.w3.org/2000/svg";

/** A small padlock drawn with SVG elements (decorative; the words say the same). */
export function lockMark() {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("class", "lock-mark");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const shackle = document.createElementNS(SVG, "path");
  shackle.setAttribute("d", "M5 7V5a3 3 0 0 1 6 0v2");
  shackle.setAttribute("fill", "none");
  shackle.setAttribute("stroke", "currentColor");
  shackle.setAttribute("stroke-width", "1.6");
  const body = document.createElementNS(SVG, "rect");
  body.setAttribute("x", "3");
  body.setAttribute("y", "7");
  body.setAttribute("width", "10");
  body.setAttribute("height", "7.5");
  body.setAttribute("rx", "1.5");
  body.setAttribute("fill", "currentColor");
  svg.append(shackle, body);
  return svg;
}

function numberRows(number) {
  const groups = number.split(" ");
  const rows = [];
  for (let i = 0; i < groups.length; i += 4) rows.push(groups.slice(i, i + 4).join(" "));
  return rows;
}

/**
 * me: {userId, signPk}. onBlocked(blocked) is called whenever sending becomes blocked or
 * allowed. Returns {banner, panel, update(others), blocked()}; others: verified roster
 * entries of the other members ({userId, displayName, bundle}).
 */
export function trustView({ me, onBlocked, storage = trustMarks.storage }) {
  const banner = h("div", { className: "key-warning", role: "alert", hidden: true });
  const summaryBadge = h("span", { className: "badge" });
  const people = h("div", { className: "safety-people" });
  const panel = h(
    "details",
    { className: "safety" },
    h(
      "summary",
      {},
      lockMark(),
      h("span", { className: "visually-hidden" }, "End-to-end encrypted. "),
      h("span", { className: "safety-word" }, "Safety number"),
      summaryBadge,
    ),
    h(
      "p",
      { className: "hint" },
      "Compare this number with the other person, in a session or on a call. If it matches, nobody can read your messages in between.",
    ),
    people,
  );
  let others = [];
  let isBlocked = false;

  const keyText = (person) => b64encode(person.bundle.keyId);
  const stateOf = (person) => trust.observe(storage, me.userId, person.userId, keyText(person));

  function render() {
    const states = others.map((person) => ({ person, state: stateOf(person) }));
    const changed = states.filter(({ state }) => state === "changed");
    const allVerified = states.length > 0 && states.every(({ state }) => state === "verified");
    summaryBadge.textContent = allVerified ? "Verified" : "Not verified";
    summaryBadge.dataset.state = allVerified ? "verified" : "unverified";
    replace(people, states.map(({ person, state }) => personBlock(person, state)));
    replace(banner, changed.map(({ person }) => warning(person)));
    banner.hidden = changed.length === 0;
    if (isBlocked !== changed.length > 0) {
      isBlocked = changed.length > 0;
      onBlocked(isBlocked);
    }
  }

  function warning(person) {
    const accept = h("button", { type: "button", className: "button" }, "I understand, continue");
    accept.addEventListener("click", () => {
      trust.acknowledge(storage, me.userId, person.userId, keyText(person));
      render();
    });
    return h(
      "div",
      { className: "key-warning-item" },
      h(
        "p",
        {},
        h("strong", {}, `${person.displayName}'s security key changed.`),
        " This can happen if they reset their account. Check the safety number with them before you continue.",
      ),
      h("div", { className: "actions" }, accept),
    );
  }

  function personBlock(person, state) {
    const number = safetyNumber(me.userId, me.signPk, person.userId, person.bundle.signPk);
    const verified = state === "verified";
    const toggle = h(
      "button",
      { type: "button", className: "button secondary small", disabled: state === "changed" },
      verified ? "Remove verified mark" : "Mark as verified",
    );
    toggle.addEventListener("click", () => {
      if (verified) trust.clearVerified(storage, me.userId, person.userId);
      else trust.markVerified(storage, me.userId, person.userId, keyText(person));
      render();
    });
    return h(
      "div",
      { className: "safety-person" },
      h(
        "p",
        { className: "safety-name" },
        `Safety number with ${person.displayName}`,
        verified ? h("span", { className: "badge", dataset: { state: "verified" } }, "Verified") : null,
      ),
      h(
        "p",
        { className: "safety-number" },
        numberRows(number).map((row) => h("span", {}, row)),
      ),
      h("div", { className: "actions" }, toggle),
    );
  }

  return {
    banner,
    panel,
    update(next) {
      others = next;
      // The person's marks first, so a device new to them does not trust keys afresh.
      trustMarks.ready().then(render);
    },
    blocked: () => isBlocked,
  };
}
