// Node resolution hook: libsodium-wrappers-sumo 0.7.x's ESM build imports
// "./libsodium-sumo.mjs" from its own folder, but npm installs that file in the separate
// libsodium-sumo package. Browsers fix this with the import map; Node needs this hook.
export async function resolve(specifier, context, nextResolve) {
  if (specifier === "./libsodium-sumo.mjs" && context.parentURL?.includes("/libsodium-wrappers-sumo/")) {
    return nextResolve("libsodium-sumo", context);
  }
  return nextResolve(specifier, context);
}
