// Everything of one's own, decrypted in this browser: the same document as the Python SDK's
// export (docs/records.md), as JSON, Markdown or a readable HTML page. The document is made
// of sections; "threads" is built in and other features add theirs with
// registerExportSection (the journal as "journal", in journal-export.js; groups as
// "groups", in group-export.js). Each thread's export is recorded in the clinic's audit
// trail before it is read.
import { api } from "./api.js";
import * as conversations from "./conversations.js";

const FORMAT = "interlude-export";
const VERSION = 1;
const PAGE = 100;

/** name -> async collect({report}), see registerExportSection. */
const SECTIONS = new Map();

/** Text made safe to put into the HTML page. */
export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/**
 * Adds a section to every export. collect({report(done, total)}) -> {value, markdown, html}
 * (html: the section's part of the HTML page, as a list of strings with every text put in
 * through escapeHtml), or null when the section does not apply to this account (it is then
 * left out).
 */
export function registerExportSection(name, collect) {
  if (SECTIONS.has(name)) throw new Error(`export section ${name} is already registered`);
  SECTIONS.set(name, collect);
}

async function threadSection({ report }) {
  const { threads } = await api("GET", "/api/threads");
  const total = Math.max(1, threads.reduce((sum, t) => sum + t.last_seq, 0));
  let done = 0;
  const value = [];
  for (const thread of threads) {
    await api("POST", `/api/threads/${thread.id}/export`, {});
    const names = new Map(thread.members.map((m) => [m.user_id, m.display_name]));
    const messages = [];
    let after = 0;
    for (;;) {
      const page = (await api("GET", `/api/threads/${thread.id}/messages?after=${after}&limit=${PAGE}`)).messages;
      for (const payload of page) {
        const opened = await conversations.openPayload(payload);
        messages.push({
          seq: payload.seq,
          sender_id: payload.sender_id,
          sender: names.get(payload.sender_id) ?? "Former member",
          sent_at: payload.created_at,
          edited_at: payload.edited_at,
          text: opened.text,
          verified: opened.problem === null,
          problem: opened.problem,
        });
      }
      done += page.length;
      report(Math.min(done, total), total);
      if (page.length < PAGE) break;
      after = page[page.length - 1].seq;
    }
    value.push({
      id: thread.id,
      kind: thread.kind,
      title: await conversations.openTitle(thread),
      members: thread.members,
      messages,
    });
  }
  report(total, total);
  return { value, markdown: threadsMarkdown(value), html: threadsHtml(value) };
}

function threadsMarkdown(threads) {
  const lines = [];
  for (const thread of threads) {
    lines.push("", `## ${thread.title || "Conversation"}`, "");
    for (const m of thread.messages) {
      const body = m.text === null ? `_(${m.problem || "not readable"})_` : m.text.replaceAll("\n", "\n  ");
      lines.push(`- **${m.sender}**, ${m.sent_at ?? ""}: ${body}`);
    }
  }
  return lines.join("\n");
}

function threadsHtml(threads) {
  const parts = [];
  for (const thread of threads) {
    parts.push(`<h2>${escapeHtml(thread.title || "Conversation")}</h2><ol>`);
    for (const m of thread.messages) {
      const body = m.text === null ? `<em>(${escapeHtml(m.problem || "not readable")})</em>` : escapeHtml(m.text);
      parts.push(`<li><span class="meta"><strong>${escapeHtml(m.sender)}</strong>, ${escapeHtml(m.sent_at)}</span><br>${body}</li>`);
    }
    parts.push("</ol>");
  }
  return parts;
}

registerExportSection("threads", threadSection);

/** The whole export. onProgress(fraction 0..1, words) as sections proceed. */
export async function exportAll(onProgress = () => {}) {
  const me = await api("GET", "/api/me");
  const names = [...SECTIONS.keys()];
  const sections = {};
  const markdown = {};
  const html = {};
  for (const [index, name] of names.entries()) {
    const result = await SECTIONS.get(name)({
      report(done, total) {
        onProgress((index + done / Math.max(total, 1)) / names.length, `${name}: ${done} of ${total}`);
      },
    });
    if (result === null) continue;
    sections[name] = result.value;
    markdown[name] = result.markdown;
    html[name] = result.html;
  }
  onProgress(1, "done");
  return {
    document: {
      format: FORMAT,
      version: VERSION,
      exported_at: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      user: me.user,
      clinic: me.clinic,
      sections,
    },
    markdown,
    html,
  };
}

/** The export as one Markdown text. */
export function toMarkdown({ document, markdown }) {
  const head = [`# Interlude export for ${document.user.display_name}`, "", `Exported ${document.exported_at} from ${document.clinic.name}.`];
  return `${head.join("\n")}${Object.values(markdown).join("")}\n`;
}

/** The export as a standalone HTML page (text escaped; no scripts, no outside resources). */
export function toHtml({ document, html }) {
  const name = escapeHtml(document.user.display_name);
  return [
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
    `<title>Interlude export for ${name}</title>`,
    "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}",
    ".meta{color:#555;font-size:.875rem}li{margin:.5rem 0;white-space:pre-wrap}</style></head><body>",
    `<h1>Interlude export for ${name}</h1>`,
    `<p class="meta">Exported ${escapeHtml(document.exported_at)} from ${escapeHtml(document.clinic.name)}.</p>`,
    ...Object.values(html).flat(),
    "</body></html>",
  ].join("\n");
}
