// Who is logged in on this tab. The session token lives in sessionStorage (it survives a
// reload, not the closing of the tab); the account key and private keys live only in this
// module's memory, so a reload asks for the password again to unlock them.

const TOKEN_KEY = "interlude.session";

let unlocked = null;
let pendingRecoveryCode = null;
const listeners = new Set();

function changed() {
  for (const listener of listeners) listener();
}

/** Calls listener() whenever the session changes (login, unlock, logout). */
export function onSessionChange(listener) {
  listeners.add(listener);
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function isLoggedIn() {
  return token() !== null;
}

/** {account, accountKey, identities} after unlocking; null before. */
export function current() {
  return unlocked;
}

export function user() {
  return unlocked?.account.user ?? null;
}

export function isAdmin() {
  return user()?.role === "admin";
}

export function isTherapist() {
  return user()?.role === "therapist";
}

/** Stores the token of a new session (login, registration, recovery). */
export function begin(grantToken) {
  sessionStorage.setItem(TOKEN_KEY, grantToken);
  unlocked = null;
  changed();
}

/** Keeps the unlocked keys in memory. account is the answer of GET /api/me. */
export function unlock(account, accountKey, identities) {
  unlocked = Object.freeze({ account, accountKey, identities });
  changed();
}

/** Forgets the token and every key. */
export function end() {
  sessionStorage.removeItem(TOKEN_KEY);
  unlocked = null;
  pendingRecoveryCode = null;
  changed();
}

/** A recovery code just made at registration, until the user confirms they saved it. */
export function recoveryCodeToConfirm() {
  return pendingRecoveryCode;
}

export function setRecoveryCodeToConfirm(code) {
  pendingRecoveryCode = code;
  changed();
}

/** "Chrome on Android": how this browser appears on the devices page. */
export function deviceLabel(userAgent = navigator.userAgent) {
  const browsers = [
    [/Edg\//, "Edge"],
    [/Firefox\//, "Firefox"],
    [/(Chrome|Chromium|CriOS)\//, "Chrome"],
    [/Safari\//, "Safari"],
  ];
  const systems = [
    [/Android/, "Android"],
    [/iPhone|iPad|iPod/, "iOS"],
    [/Windows/, "Windows"],
    [/Mac OS X|Macintosh/, "macOS"],
    [/CrOS/, "ChromeOS"],
    [/Linux/, "Linux"],
  ];
  const browser = browsers.find(([pattern]) => pattern.test(userAgent))?.[1] ?? "Browser";
  const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1];
  return system ? `${browser} on ${system}` : browser;
}

const DEVICE_KEY = "interlude.device";

/**
 * A random id this browser keeps (localStorage) and sends when it registers or logs in, so
 * the server announces a sign-in from it as "new device" only the first time.
 */
export function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}
