"""A client's private journal: entries (check-ins are entries too) and drafts, ciphertext only.

Every item is sealed in the client to the client's own account key (docs/crypto.md §10):
the server checks only the structure, that the item names its own id and its author, and
who owns it. It cannot tell an entry from a check-in, nor read a title, a mood or a tag.
An edit replaces the ciphertext and keeps no earlier version: only its author could read
one, and keeping it would keep what the author chose to take back (as for messages).
Deleting an entry also withdraws its shares (docs/api.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

import crypto
from crypto import CryptoError, JournalItem
from messaging import journal_shares, prompts
from messaging.actors import Actor
from messaging.clock import iso_utc
from messaging.context import ServiceContext
from messaging.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from messaging.events import publish_after_commit
from messaging.policy import Action, authorize, own
from messaging.storage import journal as store
from messaging.storage.database import UnitOfWork
from messaging.storage.records import JournalDraftRecord, JournalEntryRecord

MAX_PAGE = 100
MAX_DRAFTS = 20


def parse_item(raw: bytes, item_id: uuid.UUID, author: Actor, purpose: int) -> JournalItem:
    """The item if it is well formed and sealed for this id, this author and this use."""
    if len(raw) > crypto.MAX_ITEM_BYTES:
        raise PayloadTooLarge("That entry is too long to save.")
    try:
        item = crypto.parse_item(raw)
    except CryptoError:
        raise InvalidInput("blob: not a valid journal item.") from None
    if item.item_id != item_id or item.purpose != purpose:
        raise InvalidInput("blob: sealed for another item.")
    if item.author_id != author.user_id:
        raise InvalidInput("blob: sealed for another author.")
    return item


def _writer(actor: Actor | None) -> Actor:
    return authorize(actor, Action.WRITE_OWN_JOURNAL, own(actor))


async def own_entry(uow: UnitOfWork, actor: Actor, entry_id: uuid.UUID) -> JournalEntryRecord:
    """The actor's entry; anyone else's is simply not found."""
    entry = await store.get_entry(uow.session, entry_id)
    if entry is None or entry.user_id != actor.user_id:
        raise NotFound("No such journal entry.")
    return entry


@dataclass(frozen=True, slots=True)
class Written:
    entry: JournalEntryRecord
    created: bool


async def write_entry(
    uow: UnitOfWork,
    ctx: ServiceContext,
    actor: Actor | None,
    entry_id: uuid.UUID,
    raw: bytes,
    *,
    answers: uuid.UUID | None = None,
) -> Written:
    """Store a new entry under the id the client chose (a retry with the same bytes returns
    the original). `answers` names the prompt delivery this entry answers."""
    allowed = _writer(actor)
    parse_item(raw, entry_id, allowed, crypto.PURPOSE_ENTRY)
    existing = await store.get_entry(uow.session, entry_id)
    if existing is not None:
        if existing.user_id == allowed.user_id and existing.blob == raw:
            return Written(existing, created=False)
        raise Conflict("An entry with this id exists already; edit it instead.")
    now = ctx.clock.now()
    entry = JournalEntryRecord(entry_id, allowed.user_id, raw, now, now)
    await store.insert_entry(uow.session, entry)
    if answers is not None:
        await prompts.answer(uow, ctx, allowed, answers, entry_id)
    await _tell_author(uow, ctx, allowed, "written", entry)
    await uow.commit()
    return Written(entry, created=True)


async def edit_entry(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, entry_id: uuid.UUID, raw: bytes
) -> JournalEntryRecord:
    """Replace an entry's ciphertext; its date stays. Shares keep their own snapshot."""
    allowed = _writer(actor)
    parse_item(raw, entry_id, allowed, crypto.PURPOSE_ENTRY)
    await own_entry(uow, allowed, entry_id)
    now = ctx.clock.now()
    await store.replace_entry(uow.session, entry_id, raw, now)
    entry = await own_entry(uow, allowed, entry_id)
    await _tell_author(uow, ctx, allowed, "edited", entry)
    await uow.commit()
    return entry


async def delete_entry(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, entry_id: uuid.UUID
) -> None:
    """Delete an entry for good, and withdraw its shares: unopened ones disappear, opened
    ones are hidden (their readers keep only the memory of having read them)."""
    allowed = _writer(actor)
    entry = await own_entry(uow, allowed, entry_id)
    await journal_shares.withdraw_all(uow, ctx, allowed, entry.id)
    await store.delete_entry(uow.session, entry.id)
    await _tell_author(uow, ctx, allowed, "deleted", entry)
    await uow.commit()


async def read_entry(
    uow: UnitOfWork, actor: Actor | None, entry_id: uuid.UUID
) -> JournalEntryRecord:
    return await own_entry(uow, _writer(actor), entry_id)


async def list_entries(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    before: tuple[datetime, uuid.UUID] | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[JournalEntryRecord]:
    """A page of the actor's journal, newest first (keyset by date, never OFFSET)."""
    allowed = _writer(actor)
    return await store.entries_page(
        uow.session,
        allowed.user_id,
        before=before,
        since=since,
        limit=min(max(limit, 1), MAX_PAGE),
    )


async def save_draft(
    uow: UnitOfWork, ctx: ServiceContext, actor: Actor | None, draft_id: uuid.UUID, raw: bytes
) -> JournalDraftRecord:
    """Save (or overwrite) an encrypted draft as the client types."""
    allowed = _writer(actor)
    parse_item(raw, draft_id, allowed, crypto.PURPOSE_DRAFT)
    existing = await store.get_draft(uow.session, draft_id)
    if existing is not None and existing.user_id != allowed.user_id:
        raise Conflict("A draft with this id exists already.")
    if existing is None and len(await store.drafts_of(uow.session, allowed.user_id)) >= MAX_DRAFTS:
        raise InvalidInput(f"drafts: at most {MAX_DRAFTS}; save or delete one first.")
    draft = JournalDraftRecord(draft_id, allowed.user_id, raw, ctx.clock.now())
    await store.save_draft(uow.session, draft)
    await uow.commit()
    return draft


async def list_drafts(uow: UnitOfWork, actor: Actor | None) -> list[JournalDraftRecord]:
    allowed = _writer(actor)
    return await store.drafts_of(uow.session, allowed.user_id)


async def delete_draft(uow: UnitOfWork, actor: Actor | None, draft_id: uuid.UUID) -> None:
    allowed = _writer(actor)
    draft = await store.get_draft(uow.session, draft_id)
    if draft is None or draft.user_id != allowed.user_id:
        raise NotFound("No such draft.")
    await store.delete_draft(uow.session, draft_id)
    await uow.commit()


class EntryPayload(TypedDict):
    """An entry on the wire (documented as `web.models.journal.EntryJson`)."""

    id: str
    blob: str
    created_at: str
    updated_at: str


def entry_payload(entry: JournalEntryRecord) -> EntryPayload:
    """The JSON form of an entry, the same over HTTP and the socket."""
    return {
        "id": str(entry.id),
        "blob": crypto.b64encode(entry.blob),
        "created_at": iso_utc(entry.created_at),
        "updated_at": iso_utc(entry.updated_at),
    }


async def _tell_author(
    uow: UnitOfWork, ctx: ServiceContext, author: Actor, change: str, entry: JournalEntryRecord
) -> None:
    """The author's other devices keep their journal current."""
    payload: dict[str, object] = {"change": change, "id": str(entry.id)}
    if change != "deleted":
        payload["entry"] = entry_payload(entry)
    await publish_after_commit(
        uow,
        ctx.events,
        "journal_updated",
        payload,
        [author.user_id],
        now=ctx.clock.now(),
        exclude_session=author.session_id,
    )
