// A hash router: "#/invite/<token>" and friends. The path lives in the fragment, so the
// server only ever serves "/" and an invitation token never reaches a server log.

let routes = [];
let onChange = () => {};
let notice = null;

function compile(path) {
  const names = [];
  const source = path.replace(/:([a-z]+)/g, (_, name) => {
    names.push(name);
    return "([^/]+)";
  });
  return { pattern: new RegExp(`^${source}$`), names };
}

/** table: [{path: "/invite/:token", ...anything}]; render(match) runs on every change. */
export function start(table, render) {
  routes = table.map((entry) => ({ ...entry, ...compile(entry.path) }));
  onChange = render;
  window.addEventListener("hashchange", () => onChange(resolve()));
  onChange(resolve());
}

/** The current route: {route, params, path} (route null if nothing matches). */
export function resolve() {
  const path = location.hash.replace(/^#/, "") || "/";
  for (const route of routes) {
    const found = route.pattern.exec(path);
    if (found) {
      const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { route, params, path };
    }
  }
  return { route: null, params: {}, path };
}

/**
 * Goes to "#/path". options.notice: a message the next screen shows once.
 * options.replace: replace the history entry (redirects) instead of adding one.
 */
export function navigate(hash, { notice: message = null, replace = false } = {}) {
  notice = message;
  const target = hash.startsWith("#") ? hash : `#${hash}`;
  if (location.hash === target || (target === "#/" && location.hash === "")) {
    onChange(resolve());
  } else if (replace) {
    history.replaceState(null, "", target);
    onChange(resolve());
  } else {
    location.hash = target;
  }
}

/** The notice left by the last navigate(), once. */
export function takeNotice() {
  const message = notice;
  notice = null;
  return message;
}
