// Entry point of the browser client: starts encryption and the realtime connection, then
// routes "#/..." to one screen module at a time (screens/*.js, loaded on first use).
import { ready as cryptoReady } from "./crypto.js";
import { connect } from "./connection.js";
import { openKeyring } from "./account-keys.js";
import { api, onSessionEnded } from "./api.js";
import * as conversations from "./conversations.js";
import * as crisis from "./crisis.js";
import { h, replace } from "./dom.js";
import * as live from "./live.js";
import * as outbox from "./outbox.js";
import * as router from "./router.js";
import * as session from "./session.js";
import { watchUrgent } from "./urgent-alerts.js";
import * as trustMarks from "./trust-marks.js";
// Loaded with the app, not on first use, so "Need help now?" opens even after the
// connection is lost.
import * as helpScreen from "./screens/help.js";

// access: "public" (anyone), "guest" (only when not logged in), "session" (a token, maybe
// still locked), "unlocked" (keys open in memory), "admin" (unlocked and role admin),
// "therapist" (unlocked and role therapist), "client" (unlocked and role client).
const ROUTES = [
  { path: "/", access: "unlocked", load: () => import("./screens/home.js") },
  { path: "/login", access: "guest", load: () => import("./screens/login.js") },
  { path: "/invite/:token", access: "public", load: () => import("./screens/invite.js") },
  { path: "/unlock", access: "session", load: () => import("./screens/unlock.js") },
  { path: "/recover", access: "guest", load: () => import("./screens/recover.js") },
  { path: "/messages", access: "unlocked", load: () => import("./screens/messages.js") },
  { path: "/messages/:thread", access: "unlocked", load: () => import("./screens/messages.js") },
  { path: "/devices", access: "unlocked", load: () => import("./screens/devices.js") },
  { path: "/password", access: "unlocked", load: () => import("./screens/password.js") },
  { path: "/notifications", access: "unlocked", load: () => import("./screens/notifications.js") },
  { path: "/inbox", access: "therapist", load: () => import("./screens/inbox.js") },
  { path: "/working-hours", access: "therapist", load: () => import("./screens/working-hours.js") },
  { path: "/admin/people", access: "admin", load: () => import("./screens/admin-people.js") },
  { path: "/admin/invitations", access: "admin", load: () => import("./screens/admin-invitations.js") },
  { path: "/admin/care-team", access: "admin", load: () => import("./screens/admin-care-team.js") },
  { path: "/admin/audit", access: "admin", load: () => import("./screens/admin-audit.js") },
  { path: "/admin/operations", access: "admin", load: () => import("./screens/admin-operations.js") },
  { path: "/journal", access: "client", load: () => import("./screens/journal.js") },
  { path: "/my-data", access: "unlocked", load: () => import("./screens/my-data.js") },
  { path: "/admin/records", access: "admin", load: () => import("./screens/admin-records.js") },
  { path: "/consult/:clinic", access: "public", load: () => import("./screens/consult.js") },
  { path: "/help", access: "public", load: async () => helpScreen },
  { path: "/admin/crisis-resources", access: "admin", load: () => import("./screens/admin-crisis.js") },
  { path: "/name", access: "unlocked", load: () => import("./screens/name.js") },
  { path: "/groups", access: "unlocked", load: () => import("./screens/groups.js") },
  { path: "/groups/new", access: "admin", load: () => import("./screens/group-new.js") },
  { path: "/groups/:group", access: "unlocked", load: () => import("./screens/group.js") },
  { path: "/groups/:group/moderation", access: "unlocked", load: () => import("./screens/group-moderation.js") },
];
const NOT_FOUND = { path: "", access: "public", load: () => import("./screens/not-found.js") };
const RECOVERY_CODE = { path: "", access: "public", load: () => import("./screens/recovery-code.js") };

const NAV = [
  { href: "#/", text: "Home" },
  { href: "#/messages", text: "Messages", member: true },
  { href: "#/groups", text: "Groups" },
  { href: "#/inbox", text: "Inbox", therapist: true },
  { href: "#/working-hours", text: "Working hours", therapist: true },
  { href: "#/notifications", text: "Notifications" },
  { href: "#/devices", text: "My devices" },
  { href: "#/password", text: "Change password" },
  { href: "#/admin/people", text: "People", admin: true },
  { href: "#/admin/invitations", text: "Invitations", admin: true },
  { href: "#/admin/care-team", text: "Care teams", admin: true },
  { href: "#/admin/audit", text: "Audit trail", admin: true },
  { href: "#/admin/operations", text: "Operations", admin: true },
  { href: "#/journal", text: "Journal", client: true },
  { href: "#/my-data", text: "Your data" },
  { href: "#/admin/records", text: "Records and safety", admin: true },
  { href: "#/admin/crisis-resources", text: "Crisis resources", admin: true },
];

const main = document.getElementById("main");
const nav = document.getElementById("app-nav");
const menuButton = document.getElementById("menu-button");
let renderCount = 0;
let returnTo = null;
let leaving = new AbortController();

function showState(element, state, text) {
  element.dataset.state = state;
  element.textContent = text;
}

/** Where a route's access rule sends this visitor instead, or null to show it. */
function redirectFor(access, path) {
  if (access === "guest" && session.current()) return "/";
  if (access === "guest" && session.isLoggedIn()) return "/unlock";
  if (access === "session" && !session.isLoggedIn()) return "/login";
  if (access === "session" && session.current()) return "/";
  if (access === "unlocked" || access === "admin" || access === "therapist" || access === "client") {
    if (!session.isLoggedIn()) {
      returnTo = path;
      return "/login";
    }
    if (!session.current()) {
      returnTo = path;
      return "/unlock";
    }
    if (access === "admin" && !session.isAdmin()) return "/";
    if (access === "therapist" && !session.isTherapist()) return "/";
    if (access === "client" && session.user()?.role !== "client") return "/";
  }
  return null;
}

async function render({ route, params, path }) {
  const count = ++renderCount;
  const pending = session.recoveryCodeToConfirm() && path !== "/help";
  const chosen = pending ? RECOVERY_CODE : (route ?? NOT_FOUND);
  const redirect = pending ? null : redirectFor(chosen.access, path);
  if (redirect) {
    router.navigate(redirect, { replace: true, notice: router.takeNotice() });
    return;
  }
  renderNav(path);
  // Screens stop listening (live events, timers) when the next one starts.
  leaving.abort();
  leaving = new AbortController();
  const { signal } = leaving;
  let element;
  try {
    const module = await chosen.load();
    element = await module.render({ params, navigate: router.navigate, notice: router.takeNotice(), afterLogin, signal });
  } catch (error) {
    console.error("screen failed to load", error);
    element = h("section", { className: "screen" }, h("h1", { tabindex: "-1" }, "This page could not load"),
      h("p", {}, "Check your connection, then reload the page."));
  }
  if (count !== renderCount) return;
  replace(main, element);
  const heading = main.querySelector("h1");
  document.title = heading ? `${heading.textContent} — Interlude` : "Interlude";
  heading?.focus();
}

/** Where to go after logging in or unlocking: the page that asked for it, else home. */
function afterLogin() {
  const target = returnTo ?? "/";
  returnTo = null;
  router.navigate(target, { replace: true });
}

function setMenuOpen(open) {
  nav.classList.toggle("open", open);
  menuButton.setAttribute("aria-expanded", String(open));
}

function renderNav(path) {
  const unlocked = session.current();
  nav.hidden = !unlocked || Boolean(session.recoveryCodeToConfirm());
  menuButton.hidden = nav.hidden;
  setMenuOpen(false);
  if (nav.hidden) {
    nav.replaceChildren();
    return;
  }
  const shown = NAV.filter((item) => {
    if (item.admin) return session.isAdmin();
    if (item.therapist) return session.isTherapist();
    if (item.client) return session.user()?.role === "client";
    return !item.member || !session.isAdmin();
  });
  const items = shown.map((item) => {
    const current = item.href === `#${path}` || (item.href !== "#/" && path.startsWith(`${item.href.slice(1)}/`));
    return h("li", {}, h("a", { href: item.href, "aria-current": current ? "page" : null }, item.text));
  });
  const logout = h("button", { type: "button", className: "link-button", on: { click: logOut } }, "Log out");
  replace(nav, h("ul", {}, items, h("li", {}, logout)));
}

async function logOut() {
  let notice = "You have logged out.";
  try {
    await api("POST", "/api/logout", undefined, { endsSessionOn401: false });
  } catch (error) {
    if (error.status === 0) {
      notice = "You are logged out on this device. The server could not be reached; your session there ends by itself.";
    }
  }
  session.end();
  router.navigate("/login", { notice });
}

/** One socket per session token: opened at login, closed at logout (none while logged out). */
function keepConnected(status) {
  let connection = null;
  let socketToken; // undefined until the first sync, so a logged-out start shows "idle"
  const sync = () => {
    if (!session.current()) conversations.reset();
    const token = session.token();
    if (token === socketToken) return;
    connection?.close();
    socketToken = token;
    connection = token ? connect({ onState: (state, label) => showState(status, state, label), auth: { token } }) : null;
    live.use(connection?.socket ?? null);
    if (!connection) showState(status, "idle", "");
  };
  session.onSessionChange(sync);
  sync();
}

/** Loads the person's trust marks (verified safety numbers) whenever keys are unlocked. */
function keepTrustMarks() {
  let loadedFor = null;
  session.onSessionChange(() => {
    const unlocked = session.current();
    if (!unlocked) {
      loadedFor = null;
      return;
    }
    if (unlocked.accountKey === loadedFor) return;
    loadedFor = unlocked.accountKey;
    trustMarks.load();
  });
}

/** Keeps this device's copy of the clinic's crisis resources fresh while someone is in. */
function keepCrisisResources() {
  let seen = null;
  session.onSessionChange(() => {
    const clinicId = session.current()?.account.clinic.id;
    if (!clinicId || clinicId === seen) return;
    seen = clinicId;
    crisis.refresh(clinicId).catch(() => {}); // the help page falls back to the last copy
  });
}

/** This account got a new identity key elsewhere: open the new keyring with the account key. */
async function reloadOwnKeys(event) {
  const unlocked = session.current();
  if (!unlocked || event.user_id !== unlocked.account.user.id) return;
  try {
    const account = await api("GET", "/api/me");
    session.unlock(account, unlocked.accountKey, openKeyring(account, unlocked.accountKey));
  } catch (error) {
    console.warn("could not load the new keys", error);
  }
}

menuButton.addEventListener("click", () => setMenuOpen(!nav.classList.contains("open")));
nav.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && nav.classList.contains("open")) {
    setMenuOpen(false);
    menuButton.focus();
  }
});

async function start() {
  const cryptoStatus = document.getElementById("crypto-status");
  const connectionStatus = document.getElementById("connection-status");
  keepConnected(connectionStatus);
  keepCrisisResources();
  keepTrustMarks();
  live.on("key_changed", reloadOwnKeys);
  outbox.start();
  watchUrgent();
  try {
    await cryptoReady();
    showState(cryptoStatus, "ready", "Encryption is ready on this device.");
  } catch (error) {
    showState(cryptoStatus, "error", "This browser could not start encryption. Try an up-to-date browser.");
    console.error("crypto initialisation failed", error);
    return;
  }
  onSessionEnded((message) => {
    session.end();
    router.navigate("/login", { notice: message });
  });
  router.start(ROUTES, render);
}

start();
// Keeps the app's files for offline use (web/static/offline-worker.js).
navigator.serviceWorker?.register("/offline-worker.js").catch((error) => console.warn("no offline copy", error));
