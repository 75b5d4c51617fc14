// The page's side of kdf-worker.js: derivePasswordKeys without freezing the page.
// The worker holds Argon2id's 256 MiB while it lives, so it is ended after a short idle time.
import { CryptoError, KdfParamsError, KeyDerivationError, MalformedError } from "./crypto.js";

const IDLE_MS = 15_000;
const ERRORS = { KdfParamsError, KeyDerivationError, MalformedError };

let worker = null;
let idleTimer = null;
let nextId = 0;
const pending = new Map();

function failAll(error) {
  for (const { reject } of pending.values()) reject(error);
  pending.clear();
  stop();
}

function stop() {
  clearTimeout(idleTimer);
  worker?.terminate();
  worker = null;
}

function start() {
  if (worker) return worker;
  worker = new Worker(new URL("./kdf-worker.js", import.meta.url), { type: "module", name: "kdf" });
  worker.addEventListener("message", (event) => {
    const { id, keys, error } = event.data;
    const job = pending.get(id);
    if (!job) return;
    pending.delete(id);
    if (error) job.reject(new (ERRORS[error.name] ?? CryptoError)(error.message));
    else job.resolve(Object.freeze(keys));
    if (pending.size === 0) idleTimer = setTimeout(stop, IDLE_MS);
  });
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    failAll(new CryptoError("the key derivation worker could not run"));
  });
  return worker;
}

/** {kek, authKey} of a password, computed in the worker. */
export function derivePasswordKeys(password, salt, params) {
  clearTimeout(idleTimer);
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    start().postMessage({ id, password, salt, params: { version: params.version, ops: params.ops, mem: params.mem } });
  });
}
