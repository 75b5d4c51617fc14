// Argon2id off the main thread, so the page keeps responding while a key is derived.
// Request: {id, password, salt, params}. Answer: {id, keys: {kek, authKey}} or
// {id, error: {name, message}}.
import { derivePasswordKeys, ready } from "./crypto.js";

self.addEventListener("message", async (event) => {
  const { id, password, salt, params } = event.data;
  try {
    await ready();
    const keys = derivePasswordKeys(password, salt, params);
    self.postMessage({ id, keys: { kek: keys.kek, authKey: keys.authKey } });
  } catch (error) {
    self.postMessage({ id, error: { name: error?.name ?? "Error", message: String(error?.message ?? error) } });
  }
});
