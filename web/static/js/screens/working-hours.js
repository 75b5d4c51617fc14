// Working hours (therapists): the weekly hours in their time zone (one or more stretches a
// day), days off, how soon they commit to reply, and the away message clients see outside
// those hours. The away message is stored and shown as plain text, not encrypted.
import { api } from "../api.js";
import { h, screen, uid } from "../dom.js";
import { describe } from "../failures.js";
import { alertLine, choice, field, showProblem, statusLine, whileWorking, workingLine } from "../forms.js";
import { deviceZone, zoneChoices } from "../when.js";

const DAYS = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];
const MAX_AWAY = 500;
const DATE_WORDS = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

function dateWords(day) {
  const moment = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(moment.valueOf()) ? day : DATE_WORDS.format(moment);
}

export function render() {
  const status = statusLine();
  const alert = alertLine();
  const host = h("div", {}, h("p", { className: "loading" }, "Loading your working hours…"));

  async function load() {
    try {
      host.replaceChildren(scheduleForm(await api("GET", "/api/me/schedule"), { status }));
    } catch (error) {
      alert.show(describe(error));
      host.replaceChildren();
    }
  }

  load();
  return screen(
    "Working hours",
    h(
      "p",
      {},
      "Clients are told when to expect your reply, counted in your working hours. Outside them they see your away message and when you are back.",
    ),
    status.element,
    alert.element,
    host,
  );
}

/** One day's stretches of work: rows of start and end times, added and removed. */
function dayEditor(key, name, intervals) {
  const rows = h("ul", { className: "plain-list intervals" });
  const none = h("p", { className: "hint" }, "Not working");
  const add = h("button", { type: "button", className: "button secondary small" }, "Add hours", h("span", { className: "visually-hidden" }, ` on ${name}`));

  function sync() {
    none.hidden = rows.childElementCount > 0;
  }

  function addRow([start, end]) {
    // One line per stretch: "09:00 – 17:00 Remove"; the labels are for screen readers.
    const from = field({ label: `${name} from`, type: "time", value: start, required: true });
    const until = field({ label: `${name} until`, type: "time", value: end === "24:00" ? "23:59" : end, required: true });
    for (const part of [from, until]) part.element.querySelector("label").className = "visually-hidden";
    const remove = h(
      "button",
      { type: "button", className: "button secondary small remove" },
      h("span", { "aria-hidden": "true" }, "✕"),
      h("span", { className: "visually-hidden" }, `Remove these ${name} hours`),
    );
    const row = h("li", { className: "interval" }, from.element, h("span", { className: "to", "aria-hidden": "true" }, "–"), until.element, remove);
    remove.addEventListener("click", () => {
      row.remove();
      sync();
      add.focus();
    });
    rows.append(row);
    sync();
    return from.input;
  }

  function setIntervals(intervals) {
    rows.replaceChildren();
    for (const interval of intervals) addRow(interval);
    sync();
  }

  add.addEventListener("click", () => {
    const last = rows.lastElementChild;
    const previousEnd = last?.querySelectorAll("input")[1]?.value;
    addRow(previousEnd && previousEnd < "17:00" ? [previousEnd, "17:00"] : ["09:00", "17:00"]).focus();
  });
  setIntervals(intervals);

  // The day's name, "Not working" and "Add hours" share one line; the legend names the
  // group for screen readers.
  const element = h(
    "fieldset",
    { className: "day", dataset: { day: key } },
    h("legend", { className: "visually-hidden" }, name),
    h("div", { className: "day-head" }, h("span", { className: "day-name", "aria-hidden": "true" }, name), none, add),
    rows,
  );
  return {
    element,
    setIntervals,
    /** [["09:00","12:00"], ...] or a problem {input, text}. */
    value() {
      const found = [];
      for (const row of rows.children) {
        const [from, until] = row.querySelectorAll("input");
        if (!from.value || !until.value) return { problem: { input: from.value ? until : from, text: `Enter both times for ${name}, or remove those hours.` } };
        if (until.value <= from.value) return { problem: { input: until, text: `On ${name}, the hours must end after they start.` } };
        found.push([from.value.slice(0, 5), until.value.slice(0, 5)]);
      }
      return { intervals: found };
    },
  };
}

function daysOffEditor(initial) {
  const days = new Set(initial);
  const list = h("ul", { className: "plain-list days-off" });
  const none = h("p", { className: "hint" }, "No days off planned.");
  const picker = field({ label: "Add a day off", type: "date" });
  const add = h("button", { type: "button", className: "button secondary small" }, "Add day off");
  const note = alertLine();

  function draw() {
    list.replaceChildren(
      ...[...days].sort().map((day) =>
        h(
          "li",
          {},
          h("time", { datetime: day }, dateWords(day)),
          " ",
          h(
            "button",
            { type: "button", className: "button secondary small", on: { click: () => { days.delete(day); draw(); picker.input.focus(); } } },
            "Remove",
            h("span", { className: "visually-hidden" }, ` ${dateWords(day)}`),
          ),
        ),
      ),
    );
    none.hidden = days.size > 0;
  }
  add.addEventListener("click", () => {
    note.clear();
    if (!picker.input.value) {
      showProblem(note, picker.input, "Choose a date first.");
      return;
    }
    days.add(picker.input.value);
    picker.input.value = "";
    draw();
  });
  draw();
  return {
    element: h("fieldset", { className: "group" }, h("legend", {}, "Days off"), h("p", { className: "hint" }, "Holidays and other days you don't reply, in addition to the weekly hours."), none, list, h("div", { className: "field-row" }, picker.element, add), note.element),
    value: () => [...days].sort(),
  };
}

function scheduleForm(current, { status }) {
  const zone = choice({ label: "Time zone", options: zoneChoices(current.time_zone, deviceZone()).map((z) => [z, z.replaceAll("_", " ")]) });
  zone.select.value = current.time_zone;
  const useDevice = h("button", { type: "button", className: "button secondary small" }, `Use this device's time zone (${deviceZone()})`);
  const syncZone = () => {
    useDevice.hidden = zone.select.value === deviceZone();
  };
  useDevice.addEventListener("click", () => {
    zone.select.value = deviceZone();
    syncZone();
    zone.select.focus();
  });
  zone.select.addEventListener("change", syncZone);
  syncZone();

  const days = DAYS.map(([key, name]) => ({ key, editor: dayEditor(key, name, current.hours[key] ?? []) }));
  // Most weeks repeat Monday: one tap fills Tuesday to Friday instead of four days by hand.
  const copyNote = statusLine();
  const copyMonday = h("button", { type: "button", className: "button secondary small" }, "Use Monday's hours Tuesday to Friday");
  copyMonday.addEventListener("click", () => {
    const monday = days[0].editor.value();
    if (monday.problem) {
      showProblem(copyNote, monday.problem.input, monday.problem.text);
      return;
    }
    for (const { editor } of days.slice(1, 5)) editor.setIntervals(monday.intervals);
    copyNote.show("Tuesday to Friday now have Monday's hours.");
  });
  const daysOff = daysOffEditor(current.days_off);

  const amount = field({ label: "Reply within", type: "number", min: "1", max: "1000", inputmode: "numeric", value: String(current.commitment.amount) });
  const unit = choice({ label: "Unit", options: [["hours", "working hours"], ["days", "working days"]] });
  unit.select.value = current.commitment.unit;

  const awayId = uid("away");
  const awayNoteId = `${awayId}-note`;
  const away = h("textarea", { id: awayId, rows: "3", maxlength: String(MAX_AWAY), "aria-describedby": awayNoteId }, current.away_message);
  const awayCount = h("p", { className: "hint" });
  const countAway = () => {
    awayCount.textContent = `${away.value.length} of ${MAX_AWAY} characters`;
  };
  away.addEventListener("input", countAway);
  countAway();

  const working = workingLine();
  const formAlert = alertLine();
  const fieldset = h(
    "fieldset",
    {},
    zone.element,
    h("p", { className: "hint" }, "Your one time zone: your working hours, notification times and email times all use it."),
    h("div", { className: "actions tight" }, useDevice),
    h(
      "fieldset",
      { className: "group" },
      h("legend", {}, "Weekly hours"),
      h("div", { className: "week" }, days.map((d) => d.editor.element)),
      h("div", { className: "actions tight" }, copyMonday),
      copyNote.element,
    ),
    daysOff.element,
    h("fieldset", { className: "group" }, h("legend", {}, "Reply commitment"), h("div", { className: "field-row" }, amount.element, unit.element)),
    h(
      "div",
      { className: "field" },
      h("label", { for: awayId }, "Away message"),
      h("p", { className: "hint plain-text-note", id: awayNoteId }, h("strong", {}, "Not encrypted. "), "Clients see this message exactly as you write it, and the server stores it as plain text. Don't put anything private in it."),
      away,
      awayCount,
    ),
    h("div", { className: "actions" }, h("button", { type: "submit", className: "button" }, "Save working hours")),
  );
  const form = h("form", { className: "card settings", novalidate: true }, fieldset, working.element, formAlert.element);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.clear();
    const hours = {};
    for (const { key, editor } of days) {
      const found = editor.value();
      if (found.problem) {
        showProblem(formAlert, found.problem.input, found.problem.text);
        return;
      }
      if (found.intervals.length) hours[key] = found.intervals;
    }
    const count = Number(amount.input.value);
    if (!Number.isInteger(count) || count < 1 || count > 1000) {
      showProblem(formAlert, amount.input, "Enter how soon you reply: a whole number from 1 to 1000.");
      return;
    }
    const body = {
      time_zone: zone.select.value,
      hours,
      days_off: daysOff.value(),
      away_message: away.value,
      commitment: { amount: count, unit: unit.select.value },
    };
    const saved = await whileWorking({ fieldset, working, alert: formAlert, words: "Saving…", describe }, () => api("PUT", "/api/me/schedule", body));
    if (saved) status.show("Your working hours are saved. Clients see the new reply times from now on.");
  });
  return form;
}
