// Decrypting and searching a whole journal in Node with the browser's own modules
// (web/static/js/crypto.js and journal-text.js), next to raw libsodium opening the same bytes.
// Input: a JSON file written by bench/journal.py: {account_key, user_id, query, blobs: [...]}.
// Output: one JSON line with the rates.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

import { loadCrypto } from "../tests/js/load-crypto.mjs";

const ROUNDS = 9;
const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const c = await loadCrypto();
const text = await import("../web/static/js/journal-text.js");
// After loadCrypto: its resolution hook serves the same libsodium build crypto.js uses.
const { default: sodium } = await import("libsodium-wrappers-sumo");
await sodium.ready;

const accountKey = c.b64decode(input.account_key);
const blobs = input.blobs.map((b) => c.b64decode(b));
const decoder = new TextDecoder("utf-8", { fatal: true });

function browserPath() {
  const wrapKey = c.journalKey(accountKey);
  const entries = blobs.map((blob) => {
    const opened = c.openJournalItem(blob, accountKey, input.user_id, { wrapKey });
    const content = JSON.parse(decoder.decode(opened.plaintext));
    return { content, text: text.searchableText(content) };
  });
  return text.search(entries, input.query).length;
}

// The irreducible minimum: two AEAD opens and an unpad per entry with libsodium itself, the
// same UTF-8 decode and JSON parse, and a plain substring test.
function rawPath() {
  const wrapKey = sodium.crypto_kdf_derive_from_key(32, 1, "iljournl", accountKey);
  const query = input.query.toLowerCase();
  let found = 0;
  for (const blob of blobs) {
    const header = blob.subarray(0, 34);
    const itemKey = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, blob.subarray(82, 130), header, blob.subarray(58, 82), wrapKey);
    const padded = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, blob.subarray(134), header, blob.subarray(34, 58), itemKey);
    const content = JSON.parse(decoder.decode(sodium.unpad(padded, 256)));
    if (content.body.toLowerCase().includes(query)) found += 1;
  }
  return found;
}

// Rounds alternate between the two paths so that load from other processes falls on both;
// each path keeps its fastest round, by wall time and by this process's CPU time (the
// steadier figure on a busy machine).
function measure(run) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = run();
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1e6, result };
}

const fastest = { browser: { wall: Infinity, cpu: Infinity }, raw: { wall: Infinity, cpu: Infinity } };
let matches = null;
for (let i = 0; i < ROUNDS; i++) {
  for (const [name, run] of [["browser", browserPath], ["raw", rawPath]]) {
    const { wall, cpu, result } = measure(run);
    if (matches !== null && result !== matches) throw new Error(`the two paths disagree: ${result} vs ${matches}`);
    matches = result;
    fastest[name].wall = Math.min(fastest[name].wall, wall);
    fastest[name].cpu = Math.min(fastest[name].cpu, cpu);
  }
}
console.log(JSON.stringify({ entries: blobs.length, matches, ...fastest }));
