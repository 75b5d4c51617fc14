// Notifications: how and when this person is emailed about new messages (right away, in a
// daily or weekly digest, or not at all), reminders, their time zone, quiet hours, and how
// long to wait before a notice. Security notices always arrive, whatever is chosen here.
import { api } from "../api.js";
import { h, screen, uid } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, choice, field, showProblem, statusLine, whileWorking, workingLine } from "../forms.js";
import { deviceZone, hourText, zoneChoices } from "../when.js";

const MODES = [
  ["immediate", "Right away", "An email shortly after a message arrives (never with the message itself)."],
  ["digest", "In a digest", "One email that sums up what arrived, daily or weekly."],
  ["off", "Off", "No emails about messages. You will see them when you open Interlude."],
];
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function radio(name, value, label, hint, checked) {
  const id = uid("mode");
  const hintId = `${id}-hint`;
  return h(
    "div",
    { className: "field radio" },
    h("input", { type: "radio", id, name, value, checked, "aria-describedby": hintId }),
    h("label", { for: id }, label),
    h("p", { className: "hint", id: hintId }, hint),
  );
}

function checkbox(label, checked) {
  const id = uid("check");
  const input = h("input", { type: "checkbox", id, checked });
  return { element: h("div", { className: "field checkbox" }, input, h("label", { for: id }, label)), input };
}

export function render() {
  const status = statusLine();
  const alert = alertLine();
  const host = h("div", {}, h("p", { className: "loading" }, "Loading your settings…"));

  async function load() {
    try {
      host.replaceChildren(settingsForm(await api("GET", "/api/me/notifications"), { status }));
    } catch (error) {
      alert.show(describe(error));
      host.replaceChildren();
    }
  }

  load();
  return screen(
    "Notifications",
    h(
      "p",
      { className: "card security-note" },
      h("strong", {}, "Security notices always arrive. "),
      "We always email you about a new login or a changed password, even if you turn everything else off.",
    ),
    status.element,
    alert.element,
    host,
  );
}

function settingsForm(current, { status }) {
  const name = uid("message-mode");
  const modes = h(
    "fieldset",
    { className: "group" },
    h("legend", {}, "Emails about new messages"),
    MODES.map(([value, label, hint]) => radio(name, value, label, hint, current.message_mode === value)),
  );

  const frequency = choice({ label: "How often", options: [["daily", "Every day"], ["weekly", "Once a week"]] });
  frequency.select.value = current.digest.frequency;
  const weekday = choice({ label: "On", options: WEEKDAYS.map((day, i) => [String(i), day]) });
  weekday.select.value = String(current.digest.weekday);
  const hour = choice({ label: "At", options: Array.from({ length: 24 }, (_, i) => [String(i), hourText(i)]) });
  hour.select.value = String(current.digest.hour);
  const digest = h("fieldset", { className: "group nested" }, h("legend", {}, "Digest"), frequency.element, weekday.element, hour.element);

  const reminders = checkbox("Email me reminders (live sessions, and for therapists, replies that are due)", current.reminders);

  const zone = choice({ label: "Time zone", options: zoneChoices(current.time_zone, deviceZone()).map((z) => [z, z.replaceAll("_", " ")]) });
  zone.select.value = current.time_zone;
  const useDevice = h("button", { type: "button", className: "button secondary small" }, `Use this device's time zone (${deviceZone()})`);
  useDevice.addEventListener("click", () => {
    zone.select.value = deviceZone();
    syncVisibility();
  });

  const quiet = checkbox("Hold notices during quiet hours", current.quiet_hours !== null);
  const quietStart = field({ label: "Quiet from", type: "time", value: current.quiet_hours?.start ?? "22:00" });
  const quietEnd = field({ label: "Until", type: "time", value: current.quiet_hours?.end ?? "07:00" });
  const quietTimes = h(
    "div",
    { className: "field-row" },
    quietStart.element,
    quietEnd.element,
  );
  const quietGroup = h(
    "fieldset",
    { className: "group" },
    h("legend", {}, "Quiet hours"),
    h("p", { className: "hint" }, "Notices that come up during these hours are held and sent when they end. Times are in your time zone."),
    quiet.element,
    quietTimes,
  );

  const delay = field({
    label: "Wait before a notice (minutes)",
    hint: "If you read the message within this time, no email is sent.",
    type: "number",
    min: "1",
    max: "1440",
    inputmode: "numeric",
    value: String(current.notice_delay_minutes),
  });

  function mode() {
    return modes.querySelector("input:checked")?.value ?? "immediate";
  }

  function syncVisibility() {
    digest.hidden = mode() !== "digest";
    weekday.element.hidden = frequency.select.value !== "weekly";
    quietTimes.hidden = !quiet.input.checked;
    useDevice.hidden = zone.select.value === deviceZone();
  }
  modes.addEventListener("change", syncVisibility);
  frequency.select.addEventListener("change", syncVisibility);
  quiet.input.addEventListener("change", syncVisibility);
  zone.select.addEventListener("change", syncVisibility);
  syncVisibility();

  const working = workingLine();
  const formAlert = alertLine();
  const fieldset = h(
    "fieldset",
    {},
    modes,
    digest,
    reminders.element,
    zone.element,
    h("p", { className: "hint" }, "Your one time zone: your working hours, notification times and email times all use it."),
    h("div", { className: "actions tight" }, useDevice),
    quietGroup,
    delay.element,
    h("div", { className: "actions" }, h("button", { type: "submit", className: "button" }, "Save notification settings")),
  );
  const form = h("form", { className: "card settings", novalidate: true }, fieldset, working.element, formAlert.element);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.clear();
    const minutes = Number(delay.input.value);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      showProblem(formAlert, delay.input, "Enter how many minutes to wait: a whole number from 1 to 1440.");
      return;
    }
    if (quiet.input.checked && (!quietStart.input.value || !quietEnd.input.value)) {
      showProblem(formAlert, quietStart.input.value ? quietEnd.input : quietStart.input, "Enter when quiet hours start and end, or untick quiet hours.");
      return;
    }
    if (quiet.input.checked && quietStart.input.value === quietEnd.input.value) {
      showProblem(formAlert, quietEnd.input, "Quiet hours need to end at a different time than they start.");
      return;
    }
    const body = {
      message_mode: mode(),
      digest: { frequency: frequency.select.value, hour: Number(hour.select.value), weekday: Number(weekday.select.value) },
      reminders: reminders.input.checked,
      time_zone: zone.select.value,
      quiet_hours: quiet.input.checked ? { start: quietStart.input.value.slice(0, 5), end: quietEnd.input.value.slice(0, 5) } : null,
      notice_delay_minutes: minutes,
    };
    const saved = await whileWorking({ fieldset, working, alert: formAlert, words: "Saving…", describe }, () =>
      api("PUT", "/api/me/notifications", body),
    );
    if (saved) status.show("Your notification settings are saved.");
  });
  return form;
}
