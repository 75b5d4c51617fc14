// Labels for admins (docs/crypto.md §12), as in web/sdk_group_labels.py: the clinic's admin
// key, kept in step with the clinic's admins (made on first use, resealed when an admin
// joins, replaced with every label resealed when one leaves), and the groups' labels sealed
// to it. A key is opened, and a label sealed to it, only if an administrator of the clinic
// signed it for this clinic and generation (so a key the server made is refused); a label
// shows only if an administrator of the clinic signed it for that group.
import { api } from "./api.js";
import {
  b64decode,
  b64encode,
  createAdminKey,
  createGroupLabel,
  openAdminKey,
  sealAdminKey,
  signAdminKey,
  verifyAdminKey,
  openGroupLabel,
  parseGroupLabel,
  parsePublicBundle,
  verifyPublicBundle,
} from "./crypto.js";
import { h } from "./dom.js";
import { allPeople } from "./people.js";
import * as session from "./session.js";

export const UNNAMED = "Unnamed group";

/** The admin key served is not signed by an administrator of the clinic: nothing is opened or sealed. */
export class AdminKeyUnverified extends Error {
  constructor() {
    super("The clinic's admin key cannot be verified: no administrator of the clinic signed it, so labels are not opened or written. Please tell your clinic.");
  }
}

function me() {
  return session.current().identities[0];
}

function clinicId() {
  return session.current().account.clinic.id;
}

async function bundleOf(userId) {
  const found = await api("GET", `/api/users/${userId}/public-key`);
  const bundle = parsePublicBundle(b64decode(found.public_bundle));
  verifyPublicBundle(bundle, userId);
  return bundle;
}

async function adminIds() {
  return new Set((await allPeople()).filter((p) => p.role === "admin").map((p) => p.id));
}

/** Refuses a key that no administrator of the clinic signed for this clinic and generation. */
async function verifyKey(view) {
  try {
    if (!view.maker_id || !view.signature || !(await adminIds()).has(view.maker_id)) throw new Error("unsigned");
    const bundle = await bundleOf(view.maker_id);
    verifyAdminKey(b64decode(view.signature), clinicId(), view.generation, b64decode(view.public_key), view.maker_id, bundle.signPk);
  } catch {
    throw new AdminKeyUnverified();
  }
}

function openKey(view) {
  if (!view.seal) return null;
  const publicKey = b64decode(view.public_key);
  const secretKey = openAdminKey(b64decode(view.seal), clinicId(), view.generation, publicKey, me());
  return { generation: view.generation, publicKey, secretKey };
}

async function put(view, key, labels) {
  const seals = {};
  for (const adminId of view.admins) {
    seals[adminId] = b64encode(sealAdminKey(key.secretKey, clinicId(), key.generation, (await bundleOf(adminId)).boxPk));
  }
  const signature = b64encode(signAdminKey(me(), clinicId(), key.generation, key.publicKey));
  await api("PUT", "/api/clinic/admin-key", { generation: key.generation, public_key: b64encode(key.publicKey), seals, labels, signature });
}

/** A group's label sealed to the admin key and signed by this administrator (base64url). */
export function sealLabel(key, threadId, text) {
  return b64encode(createGroupLabel(me(), threadId, key.generation, text, key.publicKey));
}

/** The admin key, kept in step with the clinic's active administrators; null while no
 * administrator has sealed it to this one yet. */
export async function adminKey() {
  const view = await api("GET", "/api/clinic/admin-key");
  if (view.generation === 0) return replace(view, new Map());
  await verifyKey(view);
  const key = openKey(view);
  const sealed = new Set(view.sealed_to);
  const admins = new Set(view.admins);
  const noneLeft = [...sealed].every((id) => admins.has(id)) && !view.replace_due;
  if (!key || (noneLeft && sealed.size === admins.size)) return key;
  if (noneLeft) {
    await put(view, key, {});
    return key;
  }
  const texts = new Map();
  for (const [threadId, opened] of await openLabels(key)) {
    if (opened.problem) throw new Error(opened.problem);
    if (opened.label) texts.set(threadId, opened.label);
  }
  return replace(view, texts);
}

async function replace(view, texts) {
  const { publicKey, secretKey } = createAdminKey();
  const key = { generation: view.generation + 1, publicKey, secretKey };
  const labels = Object.fromEntries([...texts].map(([threadId, text]) => [threadId, sealLabel(key, threadId, text)]));
  await put(view, key, labels);
  return key;
}

/** thread id -> {label, problem} for every group of the clinic, opened with `key`. */
export async function openLabels(key) {
  const { groups } = await api("GET", "/api/clinic/groups");
  const admins = await adminIds();
  const opened = new Map();
  for (const group of groups) {
    if (!group.label) {
      opened.set(group.thread_id, { label: null, problem: null });
      continue;
    }
    if (!key) {
      opened.set(group.thread_id, { label: null, problem: "Another administrator has to open the group list once before you can read this label." });
      continue;
    }
    try {
      const label = parseGroupLabel(b64decode(group.label));
      if (!admins.has(label.authorId) || label.generation !== key.generation) throw new Error("not an administrator's label");
      const bundle = await bundleOf(label.authorId);
      opened.set(group.thread_id, { label: openGroupLabel(label, group.thread_id, bundle.signPk, key.secretKey), problem: null });
    } catch {
      opened.set(group.thread_id, { label: null, problem: "This label could not be checked, so it is not shown." });
    }
  }
  return opened;
}

let pending = null;

/** Every label of the clinic, opened once per list shown. */
function labelsOnce() {
  pending ??= adminKey()
    .then(openLabels)
    .finally(() => setTimeout(() => (pending = null), 0));
  return pending;
}

/** A line for a group's card in the administrators' list: its label, or "Unnamed group". */
export function labelLine(group) {
  const line = h("p", { className: "group-label" }, h("strong", {}, "Label for admins: "), group.label ? "opening…" : UNNAMED);
  if (!group.label) return line;
  labelsOnce()
    .then((opened) => {
      const found = opened.get(group.thread_id) ?? { label: null, problem: null };
      line.replaceChildren(h("strong", {}, "Label for admins: "), found.label ?? UNNAMED);
      if (found.problem) line.append(h("span", { className: "hint" }, ` (${found.problem})`));
    })
    .catch((error) => {
      line.replaceChildren(h("strong", {}, "Label for admins: "), UNNAMED);
      if (error instanceof AdminKeyUnverified) line.append(h("span", { className: "hint" }, " (the clinic's admin key cannot be verified)"));
    });
  return line;
}
