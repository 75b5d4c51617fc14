// One conversation's messages as the screen shows them, without any DOM: messages from the
// server in seq order, then this device's own messages that are still pending or failed.
// A message is known by its sender and client message id, so the same message arriving by
// the send acknowledgement, the live event and a sync is shown once.
//
// It also keeps `completeThrough`, the end of the gap-free run of seqs held (docs/api.md,
// "Staying complete"): catch-ups start there, never at the highest seq held, and a message
// that lands above it shows a gap to fetch (hasGap).

/**
 * status of a message: "pending" (being sent), "queued" (waiting for the connection; goes
 * out by itself), "failed" (not sent, can retry), "sent".
 */
export const STATUS = Object.freeze({ PENDING: "pending", QUEUED: "queued", FAILED: "failed", SENT: "sent" });

export function messageKey(senderId, clientMessageId) {
  return `${senderId} ${clientMessageId}`;
}

export class Timeline {
  constructor() {
    this.entries = new Map();
    this.localCount = 0;
    this.completeThrough = 0;
  }

  /** A message this device is sending: shown at once as pending. */
  addPending({ senderId, clientMessageId, text, envelope, createdAt = new Date().toISOString() }) {
    const key = messageKey(senderId, clientMessageId);
    const entry = {
      key,
      id: null,
      seq: null,
      senderId,
      clientMessageId,
      text,
      problem: null,
      envelope,
      createdAt,
      editedAt: null,
      removed: false,
      status: STATUS.PENDING,
      error: null,
      local: ++this.localCount,
      version: 1,
    };
    this.entries.set(key, entry);
    return entry;
  }

  /** A pending message re-sealed (new epoch): same place in the list, new id and bytes. */
  resealed(oldKey, clientMessageId, envelope) {
    const entry = this.entries.get(oldKey);
    if (!entry) return null;
    this.entries.delete(oldKey);
    entry.key = messageKey(entry.senderId, clientMessageId);
    entry.clientMessageId = clientMessageId;
    entry.envelope = envelope;
    entry.version += 1;
    this.entries.set(entry.key, entry);
    return entry;
  }

  setStatus(key, status, error = null) {
    const entry = this.entries.get(key);
    if (!entry || entry.status === STATUS.SENT) return null;
    entry.status = status;
    entry.error = error;
    entry.version += 1;
    return entry;
  }

  /**
   * A message payload from the server with what opening it gave ({text, problem}).
   * Returns the entry if it is new or changed, else null.
   */
  receive(payload, opened) {
    const key = messageKey(payload.sender_id, payload.client_message_id);
    const existing = this.entries.get(key);
    const removed = payload.state === "removed" || payload.envelope === null;
    if (
      existing &&
      existing.status === STATUS.SENT &&
      existing.editedAt === payload.edited_at &&
      existing.removed === removed
    ) {
      return null;
    }
    const entry = existing ?? { key, local: null, version: 0 };
    Object.assign(entry, {
      id: payload.id,
      seq: payload.seq,
      senderId: payload.sender_id,
      clientMessageId: payload.client_message_id,
      text: opened.text,
      problem: opened.problem,
      envelope: null,
      createdAt: payload.created_at,
      editedAt: payload.edited_at,
      removed,
      status: STATUS.SENT,
      error: null,
      version: entry.version + 1,
    });
    this.entries.set(key, entry);
    this.advance();
    return entry;
  }

  /** Everything up to seq is held (a page fetched after completeThrough ended there, or the
   * newest page was loaded): completeThrough moves up to it and past what follows it. */
  caughtUpTo(seq) {
    if (seq > this.completeThrough) this.completeThrough = seq;
    this.advance();
  }

  advance() {
    const held = new Set();
    for (const entry of this.entries.values()) if (entry.seq !== null) held.add(entry.seq);
    while (held.has(this.completeThrough + 1)) this.completeThrough += 1;
  }

  /** A message is held above the gap-free run: what lies between must be fetched. */
  hasGap() {
    return this.lastSeq() > this.completeThrough;
  }

  has(payload) {
    const entry = this.entries.get(messageKey(payload.sender_id, payload.client_message_id));
    return Boolean(entry && entry.status === STATUS.SENT);
  }

  get(key) {
    return this.entries.get(key) ?? null;
  }

  /** Server messages by seq, then this device's unsent ones in the order they were written. */
  items() {
    return [...this.entries.values()].sort((a, b) => {
      if (a.seq !== null && b.seq !== null) return a.seq - b.seq;
      if (a.seq !== null) return -1;
      if (b.seq !== null) return 1;
      return a.local - b.local;
    });
  }

  /** The highest seq held (0 if none): where a sync continues from. */
  lastSeq() {
    let last = 0;
    for (const entry of this.entries.values()) if (entry.seq !== null && entry.seq > last) last = entry.seq;
    return last;
  }

  /** The lowest seq held (null if none): where scrolling back continues from. */
  firstSeq() {
    let first = null;
    for (const entry of this.entries.values()) if (entry.seq !== null && (first === null || entry.seq < first)) first = entry.seq;
    return first;
  }
}
