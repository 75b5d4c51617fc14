// JSON over fetch to this origin, with the session's bearer token. Every failure becomes an
// ApiError whose message is plain words a person can act on (the server's messages already
// are; we add the ones for rate limits and network trouble).
import * as session from "./session.js";

const TOO_MANY = "Too many attempts. Wait a few minutes, then try again.";
const OFFLINE = "You seem to be offline. Check your connection and try again.";
const SERVER_TROUBLE = "Something went wrong on our side. Please try again in a moment.";

export class ApiError extends Error {
  constructor(message, { status = 0, code = "network" } = {}) {
    super(message);
    this.status = status;
    this.code = code;
  }
  get name() {
    return "ApiError";
  }
}

let sessionEnded = () => {};

/** Called with the server's message when a request with our token is refused (401). */
export function onSessionEnded(handler) {
  sessionEnded = handler;
}

/**
 * api("POST", "/api/login", {...}) -> parsed JSON, or null for 204.
 * options.endsSessionOn401: false where a 401 means a wrong secret, not an ended session.
 */
export async function api(method, path, body = undefined, { endsSessionOn401 = true } = {}) {
  const token = session.token();
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(OFFLINE);
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (response.ok && payload !== null) return payload;
  const error = errorFrom(response.status, payload);
  if (response.status === 401 && token && endsSessionOn401) sessionEnded(error.message);
  throw error;
}

function errorFrom(status, payload) {
  const code = payload?.error?.code ?? "http_error";
  if (status === 429) return new ApiError(TOO_MANY, { status, code });
  const message = payload?.error?.message;
  if (typeof message === "string" && message && status < 500) return new ApiError(message, { status, code });
  return new ApiError(SERVER_TROUBLE, { status, code });
}
