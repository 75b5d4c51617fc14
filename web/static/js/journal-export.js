// The journal's part of "Your data": a client's whole journal, decrypted in this browser,
// as the export's "journal" section (the same document the Python SDK writes). Imported for
// its effect by the screen that exports.
import { escapeHtml, registerExportSection } from "./export.js";
import { everything } from "./journal-store.js";
import { entriesMarkdown, entriesValue } from "./journal-text.js";
import * as session from "./session.js";

function journalHtml(entries) {
  if (!entries.length) return [];
  const parts = ["<h2>Journal</h2><ol>"];
  for (const e of entries) {
    const lines =
      e.kind === "checkin"
        ? [`Mood ${e.mood}/10`, e.feelings?.length ? `Feelings: ${e.feelings.join(", ")}` : "", e.sleep_hours != null ? `Sleep: ${e.sleep_hours} hours` : "", e.note ?? ""]
        : [e.title ?? "", e.body ?? "", e.tags?.length ? `Tags: ${e.tags.join(", ")}` : ""];
    const heading = e.kind === "checkin" ? "Check-in" : "Entry";
    parts.push(`<li><span class="meta"><strong>${heading}</strong>, ${escapeHtml(e.created_at)}</span><br>${escapeHtml(lines.filter(Boolean).join("\n"))}</li>`);
  }
  parts.push("</ol>");
  return parts;
}

registerExportSection("journal", async () => {
  if (session.user()?.role !== "client") return null;
  const entries = await everything();
  const value = entriesValue(entries);
  return { value, markdown: ["", "## Journal", "", ...entriesMarkdown(entries, 3)].join("\n").trimEnd(), html: journalHtml(value) };
});
