// A clinic's crisis resources for the "Need help now?" page. They are kept on this device
// (localStorage, with the clinic they belong to) whenever they are loaded, so the page
// shows them after logging out, on a lost connection, or when the server is down.
import { api } from "./api.js";
import { h } from "./dom.js";

const CACHE_KEY = "interlude.crisis";

function cached() {
  try {
    const stored = JSON.parse(localStorage.getItem(CACHE_KEY) ?? "null");
    return stored && typeof stored.clinicId === "string" && Array.isArray(stored.resources) ? stored : null;
  } catch {
    return null;
  }
}

/** The resources this device last saw ({clinicId, resources}), or null. */
export function stored() {
  return cached();
}

/** Fetches the clinic's resources (default: the clinic last seen here) and keeps them. */
export async function refresh(clinicId = cached()?.clinicId) {
  if (!clinicId) return null;
  const { resources } = await api("GET", `/api/clinics/${encodeURIComponent(clinicId)}/crisis-resources`, undefined, {
    endsSessionOn401: false,
  });
  const entry = { clinicId, resources };
  localStorage.setItem(CACHE_KEY, JSON.stringify(entry));
  return entry;
}

/** "+44 20 7946 0000" -> "+442079460000": what tel: and sms: links dial. */
export function dialable(number) {
  return number.replace(/(?!^\+)[^0-9]/g, "");
}

/** One resource as a card: name, hours, and a link per way to reach it. */
export function resourceCard(resource) {
  const ways = [];
  if (resource.phone) ways.push(h("a", { className: "button", href: `tel:${dialable(resource.phone)}` }, `Call ${resource.phone}`));
  if (resource.text) ways.push(h("a", { className: "button secondary", href: `sms:${dialable(resource.text)}` }, `Text ${resource.text}`));
  if (resource.url) {
    ways.push(h("a", { href: resource.url, rel: "noopener noreferrer", target: "_blank" }, resource.url.replace(/^https?:\/\//, "")));
  }
  return h(
    "li",
    { className: "card crisis-resource" },
    h("h3", {}, resource.name),
    resource.hours ? h("p", { className: "hint" }, resource.hours) : null,
    h("div", { className: "actions" }, ways),
  );
}
