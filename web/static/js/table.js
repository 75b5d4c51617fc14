// Admin tables: a real <table> on wide screens that CSS turns into stacked cards on phones
// (each cell carries its column name in data-label for that).
import { h } from "./dom.js";

/**
 * columns: [{label, cell(row) -> node|string, hiddenLabel?}]; caption is read by screen readers.
 */
export function dataTable({ caption, columns, rows, empty }) {
  if (rows.length === 0) return h("p", { className: "empty" }, empty);
  return h(
    "table",
    { className: "data-table" },
    h("caption", { className: "visually-hidden" }, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((column) =>
          h("th", { scope: "col" }, column.hiddenLabel ? h("span", { className: "visually-hidden" }, column.label) : column.label),
        ),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          {},
          columns.map((column) => h("td", { dataset: column.hiddenLabel ? {} : { label: column.label } }, column.cell(row))),
        ),
      ),
    ),
  );
}
