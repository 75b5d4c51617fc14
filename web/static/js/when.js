// Times as people read them, in the reader's own time zone: "Tuesday 14:00", "in 2 h 5 min",
// time zone choices, and the local date and time of a picker turned into an instant. No DOM,
// so it is tested in Node (tests/js/when.test.mjs).

const DAY_MS = 24 * 60 * 60 * 1000;

/** This device's time zone ("Europe/Paris"), or "UTC" if the browser does not say. */
export function deviceZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Every time zone the browser knows, with `always` (e.g. the saved one) kept in the list. */
export function zoneChoices(...always) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  const all = new Set([...zones, "UTC", ...always.filter(Boolean)]);
  return [...all].sort();
}

function formatter(options, timeZone, locale) {
  return new Intl.DateTimeFormat(locale, { ...options, ...(timeZone ? { timeZone } : {}) });
}

/**
 * "Tuesday 14:00" within the coming week, "Tuesday 2 December 14:00" further away, "today
 * 14:00" / "tomorrow 14:00" for the nearest days. In timeZone and locale (default: the
 * reader's); withZone adds the zone's short name ("today 14:00 CET"), so a time that is a
 * promise or a plan says which clock it is on.
 */
export function dayAndTime(iso, { now = new Date(), timeZone, locale, withZone = false } = {}) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.valueOf())) return "";
  const clock = clockTime(iso, { timeZone, locale, withZone });
  const dayKey = formatter({ year: "numeric", month: "2-digit", day: "2-digit" }, timeZone, "en-CA");
  if (dayKey.format(moment) === dayKey.format(now)) return `today ${clock}`;
  if (dayKey.format(moment) === dayKey.format(new Date(now.valueOf() + DAY_MS))) return `tomorrow ${clock}`;
  const far = Math.abs(moment - now) > 6 * DAY_MS;
  const day = formatter(far ? { weekday: "long", day: "numeric", month: "long" } : { weekday: "long" }, timeZone, locale).format(moment);
  return `${day} ${clock}`;
}

/** "14:50" (or with withZone "14:50 CET") in timeZone and locale (default: the reader's). */
export function clockTime(iso, { timeZone, locale, withZone = false } = {}) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.valueOf())) return "";
  const options = { hour: "numeric", minute: "2-digit", ...(withZone ? { timeZoneName: "short" } : {}) };
  return formatter(options, timeZone, locale).format(moment);
}

/** "in 2 h 5 min", "in 45 s", "now" for the time left until iso. */
export function countdown(iso, now = new Date()) {
  const left = Math.round((new Date(iso) - now) / 1000);
  if (!(left > 0)) return "now";
  const days = Math.floor(left / 86400);
  const hours = Math.floor((left % 86400) / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = left % 60;
  if (days > 0) return `in ${days} d ${hours} h`;
  if (hours > 0) return `in ${hours} h ${minutes} min`;
  if (minutes >= 5) return `in ${minutes} min`;
  if (minutes > 0) return `in ${minutes} min ${seconds} s`;
  return `in ${seconds} s`;
}

/**
 * The instant of a date ("2026-12-01") and a time ("14:00" or "14:00:30") on this device's
 * clock, as an ISO string in UTC; null if either is missing or not a real date.
 */
export function localInstant(date, time) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date ?? "") || !/^\d{2}:\d{2}(:\d{2})?$/.test(time ?? "")) return null;
  const moment = new Date(`${date}T${time.length === 5 ? `${time}:00` : time}`);
  return Number.isNaN(moment.valueOf()) ? null : moment.toISOString();
}

function pad(number) {
  return String(number).padStart(2, "0");
}

/** {date: "2026-12-01", time: "14:00"} of an instant on this device's clock, for pickers. */
export function localParts(iso) {
  const moment = new Date(iso);
  return {
    date: `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`,
    time: `${pad(moment.getHours())}:${pad(moment.getMinutes())}`,
  };
}

/** An hour from now, rounded up to the next quarter hour: a sensible first choice. */
export function suggestedInstant(now = new Date()) {
  const quarter = 15 * 60 * 1000;
  return new Date(Math.ceil((now.valueOf() + 60 * 60 * 1000) / quarter) * quarter).toISOString();
}

/** "07:00" for hour 7. */
export function hourText(hour) {
  return `${pad(hour)}:00`;
}
