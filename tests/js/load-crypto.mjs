// Loads the browser's web/static/js/crypto.js in Node (see sodium-loader.mjs for why).
import { register } from "node:module";

register("./sodium-loader.mjs", import.meta.url);

export async function loadCrypto() {
  const crypto = await import("../../web/static/js/crypto.js");
  await crypto.ready();
  return crypto;
}
