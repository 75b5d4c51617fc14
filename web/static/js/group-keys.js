// The keys of group threads in this browser, as in web/sdk_groups.py (docs/crypto.md §10):
// each membership has its own keys derived from the account key, certified by the account
// identity; the server receives only certificates, commits, seals, envelopes, releases and
// report seals. Everything here verifies before it decrypts.
import { api } from "./api.js";
import {
  GENESIS_PREV_HASH,
  KEY_SCOPE,
  ROLE,
  SECRET_KIND,
  CryptoError,
  b64decode,
  b64encode,
  checkGroupChainLink,
  createCommit,
  createEpochKey,
  createMembershipCertificate,
  createModeratorKey,
  decryptGroupInfo,
  encryptGroupInfo,
  membershipIdentity,
  openAuthorCopy,
  openCommitSeal,
  openGroupSecret,
  openHeldKey,
  openMessage,
  openModeratorKey,
  openRelease,
  openReport,
  openReportedMessage,
  osRandom,
  parseCommit,
  parseEnvelope,
  parseModeratorKey,
  parsePublicBundle,
  releaseEpoch,
  releaseHeldKey,
  sealGroupSecret,
  sealHeldPost,
  sealMessage,
  sealReport,
  verifyCommit,
  verifyModeratorKey,
  verifyPublicBundle,
} from "./crypto.js";
import * as session from "./session.js";

const ROLES = { moderator: ROLE.MODERATOR, member: ROLE.MEMBER };
/** openPost's problem for a post sealed to an epoch before this membership's first one. */
export const BEFORE_JOINING = "before_joining";

class NoEpochKey extends CryptoError {}

function epochKey(keys, epoch) {
  const key = keys.epochKeys.get(epoch);
  if (!key) throw new NoEpochKey(`no key for epoch ${epoch}`);
  return key;
}
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The groups this browser has loaded: thread id -> GroupKeys, for the unlocked account. */
let cache = { accountKey: null, groups: new Map() };

function unlocked() {
  const current = session.current();
  if (cache.accountKey !== current.accountKey) cache = { accountKey: current.accountKey, groups: new Map() };
  return current;
}

function account() {
  return unlocked().identities[0];
}

function membership(threadId, memberId) {
  return membershipIdentity(unlocked().accountKey, threadId, memberId);
}

async function accountBoxPk(userId) {
  const found = await api("GET", `/api/users/${userId}/public-key`);
  const bundle = parsePublicBundle(b64decode(found.public_bundle));
  verifyPublicBundle(bundle, userId);
  return bundle.boxPk;
}

function sealInfoKey(threadId, infoKey, boxPk) {
  return b64encode(sealGroupSecret(SECRET_KIND.INFO_KEY, threadId, 0, infoKey, boxPk));
}

function openInfoKey(threadId, seal) {
  const me = account();
  return openGroupSecret(b64decode(seal), SECRET_KIND.INFO_KEY, threadId, 0, me.boxPk, me.boxSk);
}

/** {title, description, guidelines} of a group, opened with this account's seal. */
export function groupInfo(group, seal = group.me.info_seal) {
  const plain = decryptGroupInfo(b64decode(group.info), openInfoKey(group.thread_id, seal), group.thread_id);
  const fields = JSON.parse(decoder.decode(plain));
  return { title: String(fields.title ?? ""), description: String(fields.description ?? ""), guidelines: String(fields.guidelines ?? "") };
}

/** The body of POST /api/groups: the info key sealed to each moderator and to this admin. */
export async function creationBody({ policy, title, description, guidelines, moderators }) {
  const threadId = crypto.randomUUID();
  const infoKey = osRandom(32);
  const me = account().userId;
  const seals = {};
  for (const userId of new Set([...moderators, me])) {
    seals[userId] = sealInfoKey(threadId, infoKey, await accountBoxPk(userId));
  }
  const plain = encoder.encode(JSON.stringify({ title, description, guidelines }));
  return {
    thread_id: threadId,
    policy,
    info: b64encode(encryptGroupInfo(infoKey, threadId, plain)),
    admin_seals: { [me]: seals[me] },
    moderators: Object.fromEntries(moderators.map((userId) => [userId, seals[userId]])),
  };
}

/** The body of POST /api/groups/{id}/invitations: the info key sealed to a client. */
export async function invitationBody(detail, userId) {
  const infoKey = openInfoKey(detail.thread_id, detail.me.info_seal);
  return { user_id: userId, info_seal: sealInfoKey(detail.thread_id, infoKey, await accountBoxPk(userId)) };
}

/** The body of POST /api/groups/{id}/moderators (admins): the info key, opened with this
 * admin's seal from the clinic's group list, sealed to the new moderator. */
export async function moderatorBody(clinicGroup, userId) {
  const infoKey = openInfoKey(clinicGroup.thread_id, clinicGroup.admin_seal);
  return { user_id: userId, info_seal: sealInfoKey(clinicGroup.thread_id, infoKey, await accountBoxPk(userId)) };
}

/** member id -> verified membership bundle (members who have joined). */
function memberBundles(detail) {
  const bundles = new Map();
  for (const entry of detail.members) {
    if (!entry.bundle) continue;
    const bundle = parsePublicBundle(b64decode(entry.bundle));
    verifyPublicBundle(bundle, entry.member_id);
    bundles.set(entry.member_id, bundle);
  }
  return bundles;
}

function newMember(bundle, role) {
  return { userId: bundle.userId, role: ROLES[role], keyId: bundle.keyId, boxPk: bundle.boxPk };
}

async function commitsAfter(threadId, afterEpoch) {
  const query = afterEpoch >= 0 ? `?after_epoch=${afterEpoch}` : "";
  const { commits } = await api("GET", `/api/groups/${threadId}/commits${query}`);
  return commits.map((entry) => parseCommit(b64decode(entry.commit)));
}

/**
 * The body of POST /api/groups/{id}/join: this membership's certificate and the commit
 * adding it (and, for a moderator, a fresh moderators' key), on the current epoch.
 */
export async function joinBody(threadId, pseudonym) {
  const detail = await api("GET", `/api/groups/${threadId}`);
  const me = detail.me;
  const mine = membership(threadId, me.member_id);
  const commits = await commitsAfter(threadId, detail.epoch - 1);
  const active = detail.members.filter((m) => m.state === "active");
  const bundles = memberBundles(detail);
  const members = active.map((m) => newMember(bundles.get(m.member_id), m.role));
  members.push({ userId: mine.userId, role: ROLES[me.role], keyId: mine.keyId, boxPk: mine.boxPk });
  const previous = commits.at(-1) ?? null;
  const commit = createCommit(
    mine,
    threadId,
    previous ? previous.epoch + 1 : 0,
    previous ? previous.hash : GENESIS_PREV_HASH,
    members,
    createEpochKey(),
  );
  const body = {
    pseudonym,
    certificate: b64encode(createMembershipCertificate(account(), threadId, mine)),
    commit: b64encode(commit),
  };
  if (me.role === "moderator") {
    const moderators = active
      .filter((m) => m.role === "moderator")
      .map((m) => ({ memberId: m.member_id, boxPk: bundles.get(m.member_id).boxPk }));
    const generation = Math.max(0, ...detail.moderator_keys.map((k) => k.generation));
    const made = createModeratorKey(mine, threadId, generation + 1, [...moderators, { memberId: mine.userId, boxPk: mine.boxPk }]);
    body.moderator_key = b64encode(made.package);
  }
  return body;
}

/**
 * Fetches the group, verifies the commits not verified yet (a join may be authored by the
 * member it adds) and opens this membership's epoch keys and moderators' keys.
 */
export async function load(threadId) {
  unlocked();
  let keys = cache.groups.get(threadId);
  if (!keys) {
    keys = { threadId, detail: null, bundles: new Map(), commits: [], epochKeys: new Map(), moderatorSecrets: new Map() };
    cache.groups.set(threadId, keys);
  }
  const last = keys.commits.at(-1) ?? null;
  const commits = await commitsAfter(threadId, last ? last.epoch : -1);
  const detail = await api("GET", `/api/groups/${threadId}`);
  const bundles = memberBundles(detail);
  const mine = membership(threadId, detail.me.member_id);
  let previous = keys.commits.at(-1) ?? null;
  for (const commit of commits) {
    if (previous && commit.epoch <= previous.epoch) continue;
    const author = [...bundles.values()].find((b) => b.keyId.every((byte, i) => byte === commit.authorKeyId[i]));
    if (!author) throw new CryptoError("a commit is signed by an unknown membership key");
    verifyCommit(commit, author.signPk);
    checkGroupChainLink(previous, commit);
    if (commit.member(mine.userId)) keys.epochKeys.set(commit.epoch, openCommitSeal(commit, mine));
    keys.commits.push(commit);
    previous = commit;
  }
  for (const entry of detail.moderator_keys) {
    const pkg = parseModeratorKey(b64decode(entry.package));
    const author = bundles.get(pkg.authorId);
    if (!author) continue;
    verifyModeratorKey(pkg, author.signPk);
    if (pkg.seals.some((s) => s.memberId === mine.userId)) keys.moderatorSecrets.set(pkg.generation, openModeratorKey(pkg, mine));
  }
  keys.detail = detail;
  keys.bundles = bundles;
  return keys;
}

function epochOf(keys) {
  return keys.commits.at(-1)?.epoch ?? -1;
}

/** Whether this member's posts wait for a moderator. */
export function postsAreHeld(detail) {
  return detail.policy === "premoderated" && detail.me.role !== "moderator";
}

/** The moderators' current public key, from a package signed by one of the moderators. */
function moderatorPk(keys) {
  const moderators = new Set(keys.detail.members.filter((m) => m.role === "moderator").map((m) => m.member_id));
  for (const entry of [...keys.detail.moderator_keys].reverse()) {
    const pkg = parseModeratorKey(b64decode(entry.package));
    const author = keys.bundles.get(pkg.authorId);
    if (author && moderators.has(pkg.authorId)) {
      verifyModeratorKey(pkg, author.signPk);
      return pkg.publicKey;
    }
  }
  throw new CryptoError("no moderators' key signed by a moderator of this group");
}

/** The body of POST /api/groups/{id}/posts, sealed for the current epoch, or (held) for the
 * moderators with this account's own copy of the key, so every device of the author reads it. */
export function postBody(keys, text) {
  const mine = membership(keys.threadId, keys.detail.me.member_id);
  const epoch = Math.max(epochOf(keys), 0);
  const plaintext = encoder.encode(text);
  if (postsAreHeld(keys.detail)) {
    const held = sealHeldPost(mine, keys.threadId, epoch, plaintext, moderatorPk(keys), unlocked().accountKey);
    return { envelope: b64encode(held.envelope), author_copy: b64encode(held.authorCopy) };
  }
  return { envelope: b64encode(sealMessage(mine, keys.threadId, epoch, plaintext, { epochKey: keys.epochKeys.get(epochOf(keys)) })) };
}

/** The text of one of my posts still waiting for a moderator (from GET .../my-posts), opened
 * with my author copy; null if it has none or it does not open. */
export function openOwnHeldPost(keys, raw) {
  if (!raw.envelope || !raw.author_copy) return null;
  try {
    const mine = membership(keys.threadId, raw.member_id);
    const envelope = parseEnvelope(b64decode(raw.envelope));
    if (envelope.senderId !== mine.userId || envelope.threadId !== keys.threadId) return null;
    const key = openAuthorCopy(b64decode(raw.author_copy), envelope, unlocked().accountKey);
    return decoder.decode(openReportedMessage(envelope.raw, mine.signPk, key));
  } catch (error) {
    if (error instanceof CryptoError || error instanceof TypeError) return null;
    throw error;
  }
}

function senderOf(keys, raw) {
  const bundle = keys.bundles.get(raw.member_id);
  if (!bundle) throw new CryptoError("post from an unknown member");
  const envelope = parseEnvelope(b64decode(raw.envelope));
  if (envelope.senderId !== bundle.userId || envelope.threadId !== keys.threadId) {
    throw new CryptoError("post claims another sender or group");
  }
  return { bundle, envelope };
}

/** A released (approved) post's message key, or an epoch post's. */
function messageKeyOf(keys, raw, envelope, bundle) {
  if (envelope.keyScope === KEY_SCOPE.MOD) {
    if (!raw.release) throw new CryptoError("held post without a release");
    const release = b64decode(raw.release);
    return openRelease(release, envelope, epochKey(keys, releaseEpoch(release)));
  }
  return openMessage(envelope.raw, bundle.signPk, { epochKey: epochKey(keys, envelope.epoch) }).messageKey;
}

/** A delivered post as this member sees it: {id, seq, memberId, pseudonym, state, text, problem}. */
export function openPost(keys, raw) {
  const member = keys.detail.members.find((m) => m.member_id === raw.member_id);
  const post = { id: raw.id, seq: raw.seq, memberId: raw.member_id, pseudonym: member?.pseudonym ?? null, state: raw.state, createdAt: raw.created_at, text: null, problem: null, raw };
  if (!raw.envelope) return post;
  try {
    const { bundle, envelope } = senderOf(keys, raw);
    const key = messageKeyOf(keys, raw, envelope, bundle);
    post.text = decoder.decode(openReportedMessage(envelope.raw, bundle.signPk, key));
  } catch (error) {
    if (!(error instanceof CryptoError) && !(error instanceof TypeError)) throw error;
    const first = Math.min(...keys.epochKeys.keys());
    post.problem = error instanceof NoEpochKey && raw.epoch < first ? BEFORE_JOINING : error.name;
  }
  return post;
}

/** The body of POST /api/group-posts/{id}/report: that post's key (and the note) sealed to the moderators. */
export function reportBody(keys, raw, category, note) {
  const { bundle, envelope } = senderOf(keys, raw);
  const key = messageKeyOf(keys, raw, envelope, bundle);
  return { category, seal: b64encode(sealReport(envelope, key, category, note, moderatorPk(keys))) };
}

function heldKey(keys, envelope) {
  for (const secret of [...keys.moderatorSecrets.values()].reverse()) {
    try {
      return openHeldKey(envelope, secret);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
    }
  }
  throw new CryptoError("no moderators' key of this member opens this post");
}

function memberLabel(keys, memberId) {
  return keys.detail.members.find((m) => m.member_id === memberId)?.pseudonym ?? "A member";
}

/** Held posts and open reports, decrypted where this moderator's keys open them. */
export function openQueue(keys, queue) {
  const held = queue.held.map((raw) => {
    const item = { kind: "held", raw, id: raw.id, memberId: raw.member_id, pseudonym: memberLabel(keys, raw.member_id), createdAt: raw.created_at, text: null };
    try {
      const { bundle, envelope } = senderOf(keys, raw);
      item.text = decoder.decode(openReportedMessage(envelope.raw, bundle.signPk, heldKey(keys, envelope)));
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
    }
    return item;
  });
  const reports = queue.reports.map((report) => {
    const item = {
      kind: "report",
      raw: report.post,
      id: report.id,
      postId: report.post.id,
      memberId: report.post.member_id,
      pseudonym: memberLabel(keys, report.post.member_id),
      category: report.category,
      createdAt: report.created_at,
      text: null,
      note: null,
    };
    try {
      const { bundle, envelope } = senderOf(keys, report.post);
      for (const secret of keys.moderatorSecrets.values()) {
        try {
          const opened = openReport(b64decode(report.seal), envelope, secret);
          item.text = decoder.decode(openReportedMessage(envelope.raw, bundle.signPk, opened.messageKey));
          item.note = opened.note;
          break;
        } catch (error) {
          if (!(error instanceof CryptoError)) throw error;
        }
      }
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
    }
    return item;
  });
  return { held, reports };
}

/** The body of POST /api/group-posts/{id}/approve: the held key released under the current epoch. */
export function approvalBody(keys, raw) {
  const envelope = parseEnvelope(b64decode(raw.envelope));
  const epoch = epochOf(keys);
  return { release: b64encode(releaseHeldKey(heldKey(keys, envelope), envelope, epoch, keys.epochKeys.get(epoch))) };
}

/** The body of POST /api/groups/{id}/members/{member}/remove: the next epoch without them. */
export function removalBody(keys, memberId, forbidRejoin) {
  const members = keys.detail.members
    .filter((m) => m.state === "active" && m.member_id !== memberId)
    .map((m) => newMember(keys.bundles.get(m.member_id), m.role));
  const commit = createCommit(
    membership(keys.threadId, keys.detail.me.member_id),
    keys.threadId,
    epochOf(keys) + 1,
    keys.commits.at(-1).hash,
    members,
    createEpochKey(),
  );
  return { commit: b64encode(commit), forbid_rejoin: forbidRejoin };
}

/** The next epoch's commit for exactly the active members (a rekey). */
export function rekeyBody(keys) {
  return { commit: removalBody(keys, null, false).commit };
}

/** As a moderator, gives the group new keys when it needs them (a member's account was
 * deleted): returns the keys loaded afterwards. If another moderator's new epoch won the
 * race, theirs is kept. */
export async function rekeyIfNeeded(threadId, keys) {
  let state = keys;
  for (let attempt = 0; state.detail.needs_rekey && state.detail.me.role === "moderator" && state.detail.me.state === "active"; attempt += 1) {
    try {
      await api("POST", `/api/groups/${threadId}/rekey`, rekeyBody(state));
    } catch (error) {
      if (error.status !== 409 || attempt >= 4) throw error;
    }
    state = await load(threadId);
  }
  return state;
}
