// The verified marks (and trusted keys) of trust.js, kept with the person instead of one
// browser: encrypted on this device under the account key (crypto.js encryptTrustMarks),
// stored by the server (GET/PUT /api/me/trust, versioned), so every device that unlocks
// the account sees the same marks. This device's localStorage keeps a copy and, the first
// time, contributes the marks it already had.
import { api } from "./api.js";
import { b64decode, b64encode, decryptTrustMarks, encryptTrustMarks } from "./crypto.js";
import * as session from "./session.js";

const PREFIX = "interlude.trust.";
const MAX_SAVES = 3;

let marks = {}; // storage key -> stored value, as trust.js reads and writes them
let version = 0;
let dirty = new Set(); // keys changed here since the last successful save
let loaded = Promise.resolve();
let saving = null;

function mine(key) {
  const user = session.user();
  return Boolean(user) && key.startsWith(`${PREFIX}${user.id}.`);
}

async function fetchMarks() {
  const { account, accountKey } = session.current();
  const answer = await api("GET", "/api/me/trust");
  const found = answer.trust ? decryptTrustMarks(b64decode(answer.trust), accountKey, account.user.id) : {};
  return { found: found && typeof found === "object" ? found : {}, version: answer.version };
}

async function save() {
  for (let attempt = 0; attempt < MAX_SAVES && dirty.size; attempt++) {
    const { account, accountKey } = session.current();
    const sending = new Set(dirty);
    const blob = encryptTrustMarks(marks, accountKey, account.user.id);
    try {
      ({ version } = await api("PUT", "/api/me/trust", { trust: b64encode(blob), version }));
      for (const key of sending) if (marks[key] !== undefined) dirty.delete(key);
      return;
    } catch (error) {
      if (error.status !== 409) throw error;
      // Another device saved first: take its marks, put ours on top, try again.
      const fresh = await fetchMarks();
      const ours = Object.fromEntries([...dirty].map((key) => [key, marks[key]]));
      marks = { ...fresh.found, ...ours };
      version = fresh.version;
    }
  }
}

function scheduleSave() {
  saving ??= Promise.resolve()
    .then(save)
    .catch((error) => console.warn("trust marks not saved; this device keeps them", error))
    .finally(() => {
      saving = null;
      if (dirty.size) scheduleSave();
    });
}

/** After unlocking: the person's marks from the server, plus any this device had alone. */
export function load() {
  loaded = (async () => {
    marks = {};
    dirty = new Set();
    const fresh = await fetchMarks();
    marks = fresh.found;
    version = fresh.version;
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && mine(key) && marks[key] === undefined) {
        marks[key] = localStorage.getItem(key);
        dirty.add(key);
      }
    }
    for (const [key, value] of Object.entries(marks)) localStorage.setItem(key, value);
    if (dirty.size) scheduleSave();
  })().catch((error) => console.warn("trust marks not loaded; using this device's", error));
  return loaded;
}

/** Resolves once the marks are loaded (or loading failed and this device's copy is used). */
export function ready() {
  return loaded;
}

/** A Storage for trust.js: reads the person's marks, writes through to the server. */
export const storage = {
  getItem(key) {
    return marks[key] ?? localStorage.getItem(key);
  },
  setItem(key, value) {
    localStorage.setItem(key, value);
    if (!mine(key) || marks[key] === value) return;
    marks[key] = value;
    dirty.add(key);
    scheduleSave();
  },
};
