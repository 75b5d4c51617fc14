// Node resolution hook for the browser's crypto.js.
// 1. crypto.js imports libsodium by the absolute URL the server serves it at (module workers
//    have no import map); here that URL means the libsodium-wrappers-sumo package.
// 2. libsodium-wrappers-sumo 0.7.x's ESM build imports "./libsodium-sumo.mjs" from its own
//    folder, but npm installs that file in the separate libsodium-sumo package (the server
//    serves it beside the wrappers for the same reason).
const SODIUM_URL = "/vendor/libsodium-wrappers-sumo/dist/modules-sumo-esm/libsodium-wrappers.mjs";

export async function resolve(specifier, context, nextResolve) {
  if (specifier === SODIUM_URL) {
    return nextResolve("libsodium-wrappers-sumo", context);
  }
  if (specifier === "./libsodium-sumo.mjs" && context.parentURL?.includes("/libsodium-wrappers-sumo/")) {
    return nextResolve("libsodium-sumo", context);
  }
  return nextResolve(specifier, context);
}
