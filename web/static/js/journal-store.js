// The browser's side of the journal (docs/crypto.md §10), as web/sdk_journal.py does it:
// entries, check-ins and drafts are sealed here to the account key and opened here; shares
// seal one entry's key to the chosen therapists and are signed here; prompts are envelopes
// of the direct thread, opened with its epoch keys. The server sees only ciphertext.
import { api } from "./api.js";
import * as conversations from "./conversations.js";
import {
  JOURNAL_PURPOSE,
  b64decode,
  b64encode,
  createShare,
  journalKey,
  openJournalItem,
  openShare,
  sealJournalItem,
} from "./crypto.js";
import { searchableText } from "./journal-text.js";
import * as session from "./session.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const PAGE = 30;

function me() {
  const unlocked = session.current();
  if (!unlocked) throw new Error("your keys are locked");
  return unlocked;
}

let cachedKey = null;

function wrapKey() {
  const { accountKey } = me();
  if (cachedKey?.accountKey !== accountKey) cachedKey = { accountKey, key: journalKey(accountKey) };
  return cachedKey.key;
}

function seal(itemId, content, purpose = JOURNAL_PURPOSE.ENTRY) {
  const { account, accountKey } = me();
  const blob = sealJournalItem(accountKey, account.user.id, itemId, encoder.encode(JSON.stringify(content)), {
    purpose,
    wrapKey: wrapKey(),
  });
  return b64encode(blob);
}

/** An entry payload from the server, opened: {id, content, createdAt, updatedAt, text}. */
export function openEntry(payload) {
  const { account, accountKey } = me();
  const opened = openJournalItem(b64decode(payload.blob), accountKey, account.user.id, { wrapKey: wrapKey() });
  const content = JSON.parse(decoder.decode(opened.plaintext));
  return { id: payload.id, content, createdAt: payload.created_at, updatedAt: payload.updated_at, text: searchableText(content) };
}

/** One page, newest first: {entries, next}. */
export async function page(before = null, limit = PAGE) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (before) query.set("before", before);
  const answer = await api("GET", `/api/journal/entries?${query}`);
  return { entries: answer.entries.map(openEntry), next: answer.next };
}

/** Every entry, newest first (for search, the chart and export). */
export async function everything() {
  const all = [];
  let before = null;
  do {
    const { entries, next } = await page(before, 100);
    all.push(...entries);
    before = next;
  } while (before);
  return all;
}

/** Every entry written since the ISO time `from` (the chart's 90 days), newest first. */
export async function since(from) {
  const all = [];
  let before = null;
  do {
    const query = new URLSearchParams({ limit: "100", since: from });
    if (before) query.set("before", before);
    const answer = await api("GET", `/api/journal/entries?${query}`);
    all.push(...answer.entries.map(openEntry));
    before = answer.next;
  } while (before);
  return all;
}

export async function write(content, { answers = null } = {}) {
  const id = crypto.randomUUID();
  const body = { id, blob: seal(id, content) };
  if (answers) body.answers = answers;
  return openEntry(await api("POST", "/api/journal/entries", body));
}

export async function edit(id, content) {
  return openEntry(await api("PUT", `/api/journal/entries/${id}`, { blob: seal(id, content) }));
}

export async function remove(id) {
  await api("DELETE", `/api/journal/entries/${id}`);
}

export async function saveDraft(id, content) {
  return api("PUT", `/api/journal/drafts/${id}`, { blob: seal(id, content, JOURNAL_PURPOSE.DRAFT) });
}

export async function drafts() {
  const { drafts: found } = await api("GET", "/api/journal/drafts");
  return found.map(openEntry);
}

export async function removeDraft(id) {
  await api("DELETE", `/api/journal/drafts/${id}`);
}

/**
 * My care team's therapists, verified, and my direct thread: {threadId, therapists}. With
 * open, the thread is opened first if it is not yet (a share needs it).
 */
export async function careTeam({ open = false } = {}) {
  const { account } = me();
  if (open) await conversations.openDirect(account.user.id);
  const roster = await api("GET", `/api/direct/${account.user.id}`);
  const members = conversations.verifiedRoster(roster).filter((m) => m.role === "therapist");
  return { threadId: roster.thread_id, therapists: members };
}

/** Shares one entry with the therapists given ([{userId, bundle}]). */
export async function share(entryId, therapists, threadId) {
  const { identities, accountKey } = me();
  const entry = await api("GET", `/api/journal/entries/${entryId}`);
  const recipients = therapists.map((t) => ({ userId: t.userId, boxPk: t.bundle.boxPk }));
  const bytes = createShare(identities[0], accountKey, crypto.randomUUID(), threadId, b64decode(entry.blob), recipients);
  return api("POST", `/api/journal/entries/${entryId}/shares`, { share: b64encode(bytes) });
}

export async function myShares() {
  return (await api("GET", "/api/journal/shares")).shares;
}

export async function revoke(shareId) {
  await api("DELETE", `/api/journal/shares/${shareId}`);
}

export async function hide(shareId) {
  return api("POST", `/api/journal/shares/${shareId}/hide`);
}

export async function threadShares(threadId) {
  return (await api("GET", `/api/threads/${threadId}/shared-entries`)).shares;
}

/** A therapist opens a share made for them: the entry's content. */
export async function openShared(shareId) {
  const answer = await api("POST", `/api/shared-entries/${shareId}/open`);
  const key = await api("GET", `/api/users/${answer.author_id}/public-key`);
  const bundle = conversations.verifiedBundle(key.public_bundle, answer.author_id);
  const opened = openShare(b64decode(answer.share), bundle.signPk, me().identities[0]);
  return JSON.parse(decoder.decode(opened.plaintext));
}

async function promptText(payload) {
  const value = await conversations.openJson(payload.envelope, { threadId: payload.thread_id, senderId: payload.author_id });
  return typeof value?.journal_prompt === "string" ? value.journal_prompt : null;
}

/** The prompts that reached me, newest first, each with its text (null if it did not open). */
export async function myPrompts() {
  const { prompts } = await api("GET", "/api/journal/prompts");
  return Promise.all(prompts.map(async (p) => ({ ...p, text: await promptText(p) })));
}

/** A therapist's view of a client's prompts, decrypted. */
export async function clientPrompts(clientId) {
  const { prompts } = await api("GET", `/api/clients/${clientId}/prompts`);
  return Promise.all(prompts.map(async (p) => ({ ...p, text: await promptText(p) })));
}

// Seals with the thread's current keys; renews or reloads them when the server asks to.
async function withCurrentKeys(threadId, send) {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (error.code === "rekey_required") await conversations.rekey(threadId);
      else if (error.code === "stale_epoch") await conversations.load(threadId);
      else throw error;
    }
  }
  throw new Error("The conversation kept changing. Try again.");
}

export async function createPrompt(clientId, threadId, text, schedule) {
  return withCurrentKeys(threadId, async () => {
    const envelope = await conversations.sealJson(threadId, { journal_prompt: text });
    return api("POST", `/api/clients/${clientId}/prompts`, { envelope: b64encode(envelope), schedule });
  });
}

export async function editPrompt(promptId, threadId, text, schedule) {
  return withCurrentKeys(threadId, async () => {
    const envelope = await conversations.sealJson(threadId, { journal_prompt: text });
    return api("PUT", `/api/prompts/${promptId}`, { envelope: b64encode(envelope), schedule });
  });
}

export async function setPromptState(promptId, state) {
  return api("POST", `/api/prompts/${promptId}/state`, { state });
}
