// Journal entries as text, with no DOM and no network: what search matches, the Markdown and
// JSON exports, and the check-in series the chart draws. Runs on decrypted entries only, in
// the browser (and in Node for tests and bench/journal.py); the server never sees a query.

/** Everything searchable in an entry's content, lowercased. */
export function searchableText(content) {
  let text = "";
  for (const key in content) {
    if (key === "kind" || key === "prompt_id") continue;
    const value = content[key];
    if (typeof value === "string") text += `${value}\n`;
    else if (Array.isArray(value)) for (const item of value) if (typeof item === "string") text += `${item}\n`;
  }
  return text.toLowerCase();
}

/** The words of a query, lowercased; an entry matches when it contains every one. */
export function queryWords(query) {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Entries ({content, ...}) whose text contains every word of query, in the given order. */
export function search(entries, query) {
  const words = queryWords(query);
  if (words.length === 0) return [...entries];
  return entries.filter((entry) => {
    const text = entry.text ?? searchableText(entry.content);
    return words.every((word) => text.includes(word));
  });
}

export const isCheckIn = (entry) => entry.content?.kind === "checkin";

const oldestFirst = (entries) => [...entries].sort((a, b) => a.createdAt.localeCompare(b.createdAt));

/** Markdown lines for entries, oldest first, each under a heading of the given level. */
export function entriesMarkdown(entries, level = 2) {
  const heading = "#".repeat(level);
  const lines = [];
  for (const entry of oldestFirst(entries)) {
    const c = entry.content;
    if (isCheckIn(entry)) {
      lines.push(`${heading} Check-in, ${entry.createdAt}`, "", `- Mood: ${c.mood}/10`);
      if (c.feelings?.length) lines.push(`- Feelings: ${c.feelings.join(", ")}`);
      if (c.sleep_hours !== null && c.sleep_hours !== undefined) lines.push(`- Sleep: ${c.sleep_hours} hours`);
      if (c.note) lines.push(`- Note: ${c.note}`);
    } else {
      lines.push(`${heading} ${c.title || "Entry"}, ${entry.createdAt}`, "", String(c.body ?? ""));
      if (c.tags?.length) lines.push("", `Tags: ${c.tags.join(", ")}`);
    }
    lines.push("");
  }
  return lines;
}

/** Entries oldest first as JSON-ready records (what the journal's JSON export lists). */
export function entriesValue(entries) {
  return oldestFirst(entries).map((e) => ({ id: e.id, created_at: e.createdAt, updated_at: e.updatedAt, ...e.content }));
}

/** The whole journal as Markdown, oldest first. */
export function toMarkdown(entries) {
  return ["# My journal", "", ...entriesMarkdown(entries)].join("\n");
}

/** The whole journal as JSON, oldest first. */
export function toJson(entries) {
  return JSON.stringify({ entries: entriesValue(entries) }, null, 2);
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Check-ins of the last `days` days up to now, oldest first: [{at: Date, mood, sleep, feelings}].
 */
export function checkInSeries(entries, days, now = new Date()) {
  const since = now.valueOf() - days * DAY_MS;
  return entries
    .filter(isCheckIn)
    .map((e) => ({
      at: new Date(e.createdAt),
      mood: Number(e.content.mood),
      sleep: e.content.sleep_hours ?? null,
      feelings: e.content.feelings ?? [],
    }))
    .filter((point) => point.at.valueOf() >= since && point.at.valueOf() <= now.valueOf() && Number.isFinite(point.mood))
    .sort((a, b) => a.at - b.at);
}
