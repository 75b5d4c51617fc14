// The check-in chart: mood over the last 7, 30 or 90 days as an SVG line drawn here from
// decrypted check-ins (no third-party code; geometry in attributes, looks in journal.css,
// so the strict CSP holds), and the same data as a table for screen readers.
import { h } from "./dom.js";
import { checkInSeries } from "./journal-text.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 220;
const PAD = { left: 36, right: 12, top: 12, bottom: 28 };
const DAY_MS = 24 * 60 * 60 * 1000;
const DAY = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const DAY_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

/** {element} with the chart and its table for `entries` over `days` days ending `now`. */
export function checkInChart(entries, days, now = new Date()) {
  const points = checkInSeries(entries, days, now);
  const start = now.valueOf() - days * DAY_MS;
  const x = (at) => PAD.left + ((at.valueOf() - start) / (days * DAY_MS)) * (WIDTH - PAD.left - PAD.right);
  const y = (mood) => PAD.top + (1 - mood / 10) * (HEIGHT - PAD.top - PAD.bottom);
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: "checkin-chart",
    role: "img",
    "aria-label": `Mood over the last ${days} days: ${points.length} check-ins. The table below has the same data.`,
  });
  for (const mood of [0, 5, 10]) {
    chart.append(svg("line", { class: "grid", x1: PAD.left, x2: WIDTH - PAD.right, y1: y(mood), y2: y(mood) }));
    chart.append(svg("text", { class: "axis", x: PAD.left - 6, y: y(mood) + 4, "text-anchor": "end" }, mood));
  }
  for (const fraction of [0, 0.5, 1]) {
    const at = new Date(start + fraction * days * DAY_MS);
    chart.append(svg("text", { class: "axis", x: x(at), y: HEIGHT - 8, "text-anchor": "middle" }, DAY.format(at)));
  }
  if (points.length > 1) {
    const path = points.map((p, i) => `${i ? "L" : "M"}${x(p.at).toFixed(1)},${y(p.mood).toFixed(1)}`).join(" ");
    chart.append(svg("path", { class: "mood-line", d: path }));
  }
  for (const point of points) {
    chart.append(
      svg("circle", { class: "mood-point", cx: x(point.at).toFixed(1), cy: y(point.mood).toFixed(1), r: 4 },
        svg("title", {}, `${DAY_TIME.format(point.at)}: mood ${point.mood}/10`)),
    );
  }
  const table = h(
    "table",
    { className: "checkin-table" },
    h("caption", {}, `Check-ins, last ${days} days`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "Mood (0-10)"),
      h("th", { scope: "col" }, "Sleep (hours)"), h("th", { scope: "col" }, "Feelings"))),
    h("tbody", {}, points.map((p) => h("tr", {}, h("td", {}, DAY_TIME.format(p.at)), h("td", {}, String(p.mood)),
      h("td", {}, p.sleep === null ? "—" : String(p.sleep)), h("td", {}, p.feelings.join(", ") || "—")))),
  );
  const empty = points.length === 0 ? h("p", { className: "empty" }, "No check-ins in this period yet.") : null;
  return { element: h("div", { className: "checkin-chart-wrap" }, chart, empty, h("div", { className: "visually-hidden" }, table)), table };
}
