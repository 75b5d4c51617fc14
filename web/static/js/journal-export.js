// The journal's part of "Your data": a client's whole journal, decrypted in this browser,
// as the export's "journal" section (the same document the Python SDK writes). Imported for
// its effect by the screen that exports.
import { registerExportSection } from "./export.js";
import { everything } from "./journal-store.js";
import { entriesMarkdown, entriesValue } from "./journal-text.js";
import * as session from "./session.js";

registerExportSection("journal", async () => {
  if (session.user()?.role !== "client") return null;
  const entries = await everything();
  return { value: entriesValue(entries), markdown: ["", "## Journal", "", ...entriesMarkdown(entries, 3)].join("\n").trimEnd() };
});
