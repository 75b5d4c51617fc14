// My devices: the sessions of this account; log out one or all the others.
import { api } from "../api.js";
import { h, screen, time, uid } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, statusLine } from "../forms.js";

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

export function render() {
  const list = h("ul", { className: "cards", "aria-label": "Devices logged in to your account" });
  const alert = alertLine();
  const status = statusLine();
  const endOthers = h("button", { type: "button", className: "button secondary", hidden: true }, "Log out all other devices");

  async function load() {
    try {
      const { sessions } = await api("GET", "/api/sessions");
      list.replaceChildren(...sessions.map((entry) => item(entry, endOne)));
      endOthers.hidden = !sessions.some((entry) => !entry.current);
    } catch (error) {
      alert.show(describe(error));
    }
  }

  async function endOne(entry) {
    alert.clear();
    try {
      await api("DELETE", `/api/sessions/${encodeURIComponent(entry.id)}`);
      status.show(`Logged out ${entry.device_label}.`);
    } catch (error) {
      alert.show(describe(error));
    }
    await load();
  }

  endOthers.addEventListener("click", async () => {
    alert.clear();
    try {
      const { ended } = await api("POST", "/api/sessions/end-others");
      status.show(`Logged out ${plural(ended, "other device", "other devices")}.`);
    } catch (error) {
      alert.show(describe(error));
    }
    await load();
  });

  load();
  return screen(
    "My devices",
    h("p", {}, "These browsers and apps are logged in to your account. If you don't recognise one, log it out and change your password."),
    status.element,
    alert.element,
    list,
    h("div", { className: "actions" }, endOthers),
  );
}

function item(entry, endOne) {
  const headingId = uid("device");
  return h(
    "li",
    { className: "card device", "aria-labelledby": headingId },
    h("h2", { id: headingId }, entry.device_label, entry.current ? h("span", { className: "badge" }, "This device") : null),
    h(
      "dl",
      { className: "facts" },
      h("div", {}, h("dt", {}, "Logged in"), h("dd", {}, time(entry.created_at))),
      h("div", {}, h("dt", {}, "Last active"), h("dd", {}, time(entry.last_seen_at))),
      h("div", {}, h("dt", {}, "Logs out by itself"), h("dd", {}, time(entry.expires_at))),
    ),
    entry.current
      ? null
      : h(
          "button",
          { type: "button", className: "button secondary", on: { click: () => endOne(entry) } },
          "Log out",
          h("span", { className: "visually-hidden" }, ` ${entry.device_label}`),
        ),
  );
}
