// Tiny helpers to build the page with createElement and textContent only: nothing that
// comes from the server is ever parsed as HTML.

/**
 * h("p", {className: "note", "aria-live": "polite"}, "text", child, ...)
 * Attributes: className, dataset ({...}), on ({click: fn}), hidden/disabled/required (booleans),
 * anything else is set with setAttribute. Children: strings, numbers, nodes, arrays, null.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "on") for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    else if (name === "value") element.value = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces all children of element. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let nextId = 0;

/** A page-unique id for label/aria wiring. */
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A screen's outer section with its heading (focused by the router after navigation). */
export function screen(title, ...children) {
  const headingId = uid("title");
  return h(
    "section",
    { className: "screen", "aria-labelledby": headingId },
    h("h1", { id: headingId, tabindex: "-1" }, title),
    ...children,
  );
}

/** A link inside the app ("#/devices"). */
export function link(href, text, attributes = {}) {
  return h("a", { href, ...attributes }, text);
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  timeZoneName: "short",
});

/** An ISO timestamp as a <time> in the reader's own time zone, which it names. */
export function time(iso) {
  if (!iso) return h("span", {}, "—");
  const moment = new Date(iso);
  return h("time", { datetime: iso }, Number.isNaN(moment.valueOf()) ? iso : DATE_TIME.format(moment));
}
