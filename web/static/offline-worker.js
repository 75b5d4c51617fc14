// The service worker (served as /offline-worker.js, so its scope is the whole app): keeps a
// copy of the app's own files as they are used, so the app, and "Need help now?" with the
// clinic's crisis resources kept in localStorage, opens without a connection. Network
// first, so an online visit always gets the current files; the API and the realtime
// connection are never cached (nothing from a conversation is stored here).
const CACHE = "interlude-app-v1";
const APP_FILES = /^\/(static|vendor)\//;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const page = request.mode === "navigate" && url.pathname === "/";
  if (!page && !APP_FILES.test(url.pathname)) return;
  const key = page ? "/" : url.pathname;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(key, response.clone());
        return response;
      } catch (error) {
        const kept = await cache.match(key);
        if (kept) return kept;
        throw error;
      }
    })(),
  );
});
