"""The SDK's journal: entries, check-ins and drafts sealed to the account key here, search
and export over decrypted entries here, entry shares, and therapists' prompts.

The server only ever receives journal items, signed shares and prompt envelopes
(docs/crypto.md §10); the account key and every plaintext stay in this process. Used
through `InterludeClient.journal`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import crypto
from crypto import b64decode, b64encode
from web.sdk_errors import ApiError

if TYPE_CHECKING:
    from web.client import InterludeClient

Json = dict[str, Any]
MAX_KEY_ATTEMPTS = 5


@dataclass(frozen=True)
class Entry:
    """A decrypted journal entry (or check-in: `content["kind"] == "checkin"`)."""

    id: str
    content: Json
    created_at: str
    updated_at: str
    raw: Json = field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        return str(self.content.get("kind", "entry"))

    def text(self) -> str:
        """Everything searchable in the entry, as one string."""
        parts = [str(v) for k, v in self.content.items() if isinstance(v, str) and k != "kind"]
        for value in self.content.values():
            if isinstance(value, list):
                parts.extend(str(item) for item in value)
        return "\n".join(parts)


@dataclass(frozen=True)
class Prompt:
    """A prompt as this client or therapist sees it: the decrypted text and its record."""

    id: str
    text: str | None
    raw: Json = field(default_factory=dict, repr=False)


def entries_value(entries: list[Entry]) -> list[Json]:
    """Entries (given newest first, as listed) oldest first, as JSON-ready records."""
    return [
        {"id": e.id, "created_at": e.created_at, "updated_at": e.updated_at, **e.content}
        for e in reversed(entries)
    ]


def entries_markdown(entries: list[Entry], level: int = 2) -> list[str]:
    """Entries (given newest first) oldest first as Markdown lines, each under a heading of
    the given level."""
    heading = "#" * level
    lines: list[str] = []
    for entry in reversed(entries):
        content = entry.content
        if entry.kind == "checkin":
            lines += [
                f"{heading} Check-in, {entry.created_at}",
                "",
                f"- Mood: {content.get('mood')}/10",
            ]
            if content.get("feelings"):
                lines.append(f"- Feelings: {', '.join(content['feelings'])}")
            if content.get("sleep_hours") is not None:
                lines.append(f"- Sleep: {content['sleep_hours']} hours")
            if content.get("note"):
                lines.append(f"- Note: {content['note']}")
        else:
            title = content.get("title") or "Entry"
            lines += [f"{heading} {title}, {entry.created_at}", "", str(content.get("body", ""))]
            if content.get("tags"):
                lines += ["", "Tags: " + ", ".join(content["tags"])]
        lines.append("")
    return lines


class Journal:
    def __init__(self, client: InterludeClient) -> None:
        self._client = client

    # -- keys ------------------------------------------------------------------------------

    @property
    def _me(self) -> tuple[uuid.UUID, bytes]:
        unlocked = self._client.unlocked
        if unlocked is None:
            raise RuntimeError("log in first")
        return unlocked.identity.user_id, unlocked.account_key

    def seal(self, item_id: str, content: Json, *, draft: bool = False) -> bytes:
        user_id, account_key = self._me
        return crypto.seal_item(
            account_key,
            user_id,
            uuid.UUID(item_id),
            json.dumps(content, ensure_ascii=False).encode(),
            purpose=crypto.PURPOSE_DRAFT if draft else crypto.PURPOSE_ENTRY,
        )

    def open(self, payload: Json) -> Entry:
        user_id, account_key = self._me
        opened = crypto.open_item(b64decode(payload["blob"]), account_key, user_id)
        return Entry(
            id=payload["id"],
            content=json.loads(opened.plaintext),
            created_at=payload.get("created_at", ""),
            updated_at=payload.get("updated_at", ""),
            raw=payload,
        )

    # -- entries ---------------------------------------------------------------------------

    async def write(
        self, content: Json, *, entry_id: str | None = None, answers: str | None = None
    ) -> Entry:
        """Seal and store a new entry (`content` is any JSON object, e.g. title and body)."""
        entry_id = entry_id or str(uuid.uuid4())
        body: Json = {"id": entry_id, "blob": b64encode(self.seal(entry_id, content))}
        if answers is not None:
            body["answers"] = answers
        return self.open(await self._client.request("POST", "/api/journal/entries", body))

    async def check_in(
        self,
        mood: int,
        *,
        feelings: list[str] | None = None,
        sleep_hours: float | None = None,
        note: str = "",
    ) -> Entry:
        """A quick check-in: mood 0-10, named feelings, hours slept, a short note."""
        if not 0 <= mood <= 10:
            raise ValueError("mood is from 0 to 10")
        return await self.write(
            {
                "kind": "checkin",
                "mood": mood,
                "feelings": feelings or [],
                "sleep_hours": sleep_hours,
                "note": note,
            }
        )

    async def page(
        self, *, before: str | None = None, limit: int = 50
    ) -> tuple[list[Entry], str | None]:
        """One page of the journal, newest first, and the cursor of the next page."""
        params: Json = {"limit": limit}
        if before is not None:
            params["before"] = before
        answer = await self._client.request("GET", "/api/journal/entries", params=params)
        return [self.open(e) for e in answer["entries"]], answer["next"]

    async def entries(self, *, page_size: int = 100) -> AsyncIterator[Entry]:
        """Every entry, newest first, page by page."""
        cursor: str | None = None
        while True:
            page, cursor = await self.page(before=cursor, limit=page_size)
            for entry in page:
                yield entry
            if cursor is None:
                return

    async def all(self) -> list[Entry]:
        return [entry async for entry in self.entries()]

    async def read(self, entry_id: str) -> Entry:
        return self.open(await self._client.request("GET", f"/api/journal/entries/{entry_id}"))

    async def edit(self, entry_id: str, content: Json) -> Entry:
        body = {"blob": b64encode(self.seal(entry_id, content))}
        return self.open(
            await self._client.request("PUT", f"/api/journal/entries/{entry_id}", body)
        )

    async def delete(self, entry_id: str) -> None:
        await self._client.request("DELETE", f"/api/journal/entries/{entry_id}")

    async def search(self, query: str) -> list[Entry]:
        """Entries whose text contains every word of `query` (case-insensitive), found
        here after decrypting; the server never sees the query."""
        words = query.casefold().split()
        return [
            entry
            async for entry in self.entries()
            if all(word in entry.text().casefold() for word in words)
        ]

    async def export_json(self) -> str:
        return json.dumps(
            {"entries": entries_value(await self.all())}, ensure_ascii=False, indent=2
        )

    async def export_markdown(self) -> str:
        return "\n".join(["# My journal", "", *entries_markdown(await self.all())])

    # -- drafts ----------------------------------------------------------------------------

    async def save_draft(self, draft_id: str, content: Json) -> Json:
        body = {"blob": b64encode(self.seal(draft_id, content, draft=True))}
        result: Json = await self._client.request("PUT", f"/api/journal/drafts/{draft_id}", body)
        return result

    async def drafts(self) -> list[Entry]:
        answer = await self._client.request("GET", "/api/journal/drafts")
        return [self.open(d) for d in answer["drafts"]]

    async def delete_draft(self, draft_id: str) -> None:
        await self._client.request("DELETE", f"/api/journal/drafts/{draft_id}")

    # -- sharing ---------------------------------------------------------------------------

    async def share_body(self, entry_id: str, therapist_ids: list[str] | None = None) -> Json:
        """The request body that shares one entry in the direct thread with the whole care
        team or the therapists named: the entry's key sealed to each, bundle by bundle
        verified, the whole signed here."""
        user_id, account_key = self._me
        roster = await self._client.request("GET", f"/api/direct/{user_id}")
        if roster["thread_id"] is None:
            raise RuntimeError("open the conversation with your care team first")
        recipients = []
        for member in roster["members"]:
            if member["role"] != "therapist":
                continue
            if therapist_ids is not None and member["user_id"] not in therapist_ids:
                continue
            bundle = crypto.parse_public_bundle(b64decode(member["public_bundle"]))
            crypto.verify_public_bundle(bundle, uuid.UUID(member["user_id"]))
            recipients.append((bundle.user_id, bundle.box_pk))
        entry = await self._client.request("GET", f"/api/journal/entries/{entry_id}")
        assert self._client.unlocked is not None
        share = crypto.create_share(
            self._client.unlocked.identity,
            account_key,
            uuid.uuid4(),
            uuid.UUID(roster["thread_id"]),
            b64decode(entry["blob"]),
            recipients,
        )
        return {"share": b64encode(share)}

    async def share(self, entry_id: str, therapist_ids: list[str] | None = None) -> Json:
        """Share one entry (see `share_body`); returns the share with its recipients."""
        body = await self.share_body(entry_id, therapist_ids)
        result: Json = await self._client.request(
            "POST", f"/api/journal/entries/{entry_id}/shares", body
        )
        return result

    async def my_shares(self) -> list[Json]:
        result: list[Json] = (await self._client.request("GET", "/api/journal/shares"))["shares"]
        return result

    async def revoke(self, share_id: str) -> None:
        await self._client.request("DELETE", f"/api/journal/shares/{share_id}")

    async def hide(self, share_id: str) -> Json:
        result: Json = await self._client.request("POST", f"/api/journal/shares/{share_id}/hide")
        return result

    async def shared_in_thread(self, thread_id: str) -> list[Json]:
        result: list[Json] = (
            await self._client.request("GET", f"/api/threads/{thread_id}/shared-entries")
        )["shares"]
        return result

    async def open_shared(self, share_id: str) -> Entry:
        """A therapist opens an entry shared with them (recorded as opened)."""
        answer = await self._client.request("POST", f"/api/shared-entries/{share_id}/open")
        author = answer["author_id"]
        key = await self._client.request("GET", f"/api/users/{author}/public-key")
        bundle = crypto.parse_public_bundle(b64decode(key["public_bundle"]))
        crypto.verify_public_bundle(bundle, uuid.UUID(author))
        assert self._client.unlocked is not None
        opened = crypto.open_share(
            b64decode(answer["share"]), bundle.sign_pk, self._client.unlocked.identity
        )
        return Entry(
            id=answer["entry_id"],
            content=json.loads(opened.plaintext),
            created_at=answer["created_at"],
            updated_at=answer["created_at"],
            raw=answer,
        )

    # -- prompts ---------------------------------------------------------------------------

    async def _seal_prompt(self, client_id: str, text: str) -> bytes:
        roster = await self._client.request("GET", f"/api/direct/{client_id}")
        if roster["thread_id"] is None:
            raise RuntimeError("open the conversation with this client first")
        threads = self._client.threads
        keys = await threads.load(roster["thread_id"])
        return crypto.seal_message(
            threads.identity,
            keys.thread_id,
            keys.epoch,
            json.dumps({"journal_prompt": text}, ensure_ascii=False).encode(),
            epoch_key=keys.epoch_keys[keys.epoch],
            content_type=crypto.ContentType.JSON,
        )

    async def _prompt_text(self, payload: Json) -> str | None:
        opened = await self._client.threads.open(
            {
                "id": payload["id"],
                "seq": None,
                "sender_id": payload["author_id"],
                "state": "visible",
                "envelope": payload["envelope"],
            }
        )
        if opened.text is None:
            return None
        text = json.loads(opened.text).get("journal_prompt")
        return text if isinstance(text, str) else None

    async def prompt_body(self, client_id: str, text: str, schedule: Json) -> Json:
        """The body that sets a prompt: its text sealed in the client's direct thread."""
        return {
            "envelope": b64encode(await self._seal_prompt(client_id, text)),
            "schedule": schedule,
        }

    async def _with_current_keys(self, client_id: str, send: Any) -> Json:
        """Seal and send; renew or reload the thread's keys when the server asks to."""
        for _ in range(MAX_KEY_ATTEMPTS):
            try:
                result: Json = await send()
            except ApiError as error:
                roster = await self._client.request("GET", f"/api/direct/{client_id}")
                if error.code == "rekey_required":
                    await self._client.threads.rekey(roster["thread_id"])
                elif error.code == "stale_epoch":
                    await self._client.threads.load(roster["thread_id"])
                else:
                    raise
            else:
                return result
        raise RuntimeError("could not seal the prompt: the conversation kept changing")

    async def create_prompt(self, client_id: str, text: str, schedule: Json) -> Json:
        """A therapist's prompt for a client. `schedule`: {"repeat": once|daily|weekdays|
        weekly, "time": "20:00", "weekday"?, "start"?, "until"?, "count"?}, in the client's
        time zone."""

        async def send() -> Json:
            body = await self.prompt_body(client_id, text, schedule)
            result: Json = await self._client.request(
                "POST", f"/api/clients/{client_id}/prompts", body
            )
            return result

        return await self._with_current_keys(client_id, send)

    async def edit_prompt(
        self,
        client_id: str,
        prompt_id: str,
        *,
        text: str | None = None,
        schedule: Json | None = None,
    ) -> Json:
        async def send() -> Json:
            body: Json = {}
            if text is not None:
                body["envelope"] = b64encode(await self._seal_prompt(client_id, text))
            if schedule is not None:
                body["schedule"] = schedule
            result: Json = await self._client.request("PUT", f"/api/prompts/{prompt_id}", body)
            return result

        return await self._with_current_keys(client_id, send)

    async def set_prompt_state(self, prompt_id: str, state: str) -> Json:
        """ "paused", "active" (resume) or "stopped"."""
        result: Json = await self._client.request(
            "POST", f"/api/prompts/{prompt_id}/state", {"state": state}
        )
        return result

    async def client_prompts(self, client_id: str) -> list[Prompt]:
        """A therapist's view: each prompt, decrypted, with its firings and answers."""
        answer = await self._client.request("GET", f"/api/clients/{client_id}/prompts")
        return [Prompt(p["id"], await self._prompt_text(p), p) for p in answer["prompts"]]

    async def prompts(self, *, limit: int = 50) -> list[Prompt]:
        """A client's view: the prompts that reached them, newest first, decrypted."""
        answer = await self._client.request("GET", "/api/journal/prompts", params={"limit": limit})
        return [Prompt(p["id"], await self._prompt_text(p), p) for p in answer["prompts"]]

    async def answer_prompt(
        self,
        delivery_id: str,
        content: Json,
        *,
        share_with: list[str] | None = None,
        share: bool = False,
    ) -> tuple[Entry, Json | None]:
        """Answer a prompt with an entry; share it (with the care team, or the therapists
        named in `share_with`) if the client chooses to."""
        entry = await self.write({**content, "prompt_id": delivery_id}, answers=delivery_id)
        shared = None
        if share or share_with is not None:
            shared = await self.share(entry.id, share_with)
        return entry, shared
