"""The SDK's conversations: epochs and keys kept locally, messages sealed and opened here.

The server only ever receives commits, seals and envelopes; every key stays in this
process. Used through `InterludeClient.threads`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import crypto
from crypto import CryptoError, Identity, b64decode, b64encode
from web.sdk_errors import ApiError, SocketDropped
from web.sdk_timeline import ThreadTimeline

if TYPE_CHECKING:
    from web.client import InterludeClient
    from web.sdk_realtime import Realtime

Json = dict[str, Any]
ROLE_CODES = {"client": crypto.Role.CLIENT, "therapist": crypto.Role.THERAPIST}
MAX_REKEY_ATTEMPTS = 5
SYNC_PAGE = 100


@dataclass(frozen=True)
class Message:
    """A message as this client sees it: decrypted and verified, or marked why not."""

    id: str
    seq: int | None
    sender_id: str
    state: str
    text: str | None
    verified: bool
    problem: str | None = None
    raw: Json = field(default_factory=dict, repr=False)


@dataclass
class ThreadKeys:
    thread_id: uuid.UUID
    epoch: int = -1
    epoch_keys: dict[int, bytes] = field(default_factory=dict)
    last_commit: crypto.Commit | None = None


class Conversations:
    def __init__(self, client: InterludeClient) -> None:
        self._client = client
        self._keys: dict[uuid.UUID, ThreadKeys] = {}
        self._sign_keys: dict[tuple[str, bytes], bytes] = {}
        self._timelines: dict[str, ThreadTimeline] = {}
        self.realtime: Realtime | None = None

    @property
    def identity(self) -> Identity:
        if self._client.unlocked is None:
            raise RuntimeError("log in first")
        return self._client.unlocked.identity

    def _identity_for(self, key_id: bytes) -> Identity:
        assert self._client.unlocked is not None
        for identity in self._client.unlocked.identities:
            if identity.key_id == key_id:
                return identity
        raise CryptoError("no private key for this epoch's seal")

    async def summaries(self) -> list[Json]:
        result: list[Json] = (await self._client.request("GET", "/api/threads"))["threads"]
        return result

    # -- opening and keys ----------------------------------------------------------------

    def _verified_members(self, roster: Json) -> list[crypto.NewMember]:
        members = []
        for entry in roster["members"]:
            bundle = crypto.parse_public_bundle(b64decode(entry["public_bundle"]))
            crypto.verify_public_bundle(bundle, uuid.UUID(entry["user_id"]))
            self._sign_keys[(entry["user_id"], bundle.key_id)] = bundle.sign_pk
            members.append(crypto.NewMember.from_bundle(bundle, ROLE_CODES[entry["role"]]))
        return members

    async def open_direct(self, client_id: str, title: str | None = None) -> str:
        """The client's direct thread: opened now (epoch 0 sealed to the care team) or, if
        already open, loaded. Returns its id."""
        roster = await self._client.request("GET", f"/api/direct/{client_id}")
        if roster["thread_id"] is not None:
            await self.load(roster["thread_id"])
            return str(roster["thread_id"])
        thread_id, body, epoch_key = self.opening(roster, title)
        await self._client.request("POST", f"/api/direct/{client_id}", body)
        commit = crypto.parse_commit(b64decode(body["commit"]))
        self._keys[thread_id] = ThreadKeys(thread_id, 0, {0: epoch_key}, commit)
        return str(thread_id)

    def opening(self, roster: Json, title: str | None = None) -> tuple[uuid.UUID, Json, bytes]:
        """A new thread id, the body that opens it (epoch-0 commit, sealed title) and the
        epoch key, from a verified roster."""
        thread_id = uuid.uuid4()
        epoch_key = crypto.create_epoch_key()
        commit = crypto.create_commit(
            self.identity,
            thread_id,
            0,
            crypto.GENESIS_PREV_HASH,
            self._verified_members(roster),
            epoch_key,
        )
        body: Json = {"thread_id": str(thread_id), "commit": b64encode(commit)}
        if title is not None:
            sealed = crypto.seal_message(
                self.identity, thread_id, 0, title.encode(), epoch_key=epoch_key
            )
            body["title_envelope"] = b64encode(sealed)
        return thread_id, body, epoch_key

    async def load(self, thread_id: str) -> ThreadKeys:
        """Fetch the commit chain, verify it link by link, and open this member's seals."""
        tid = uuid.UUID(thread_id)
        keys = self._keys.setdefault(tid, ThreadKeys(tid))
        params = {"after_epoch": keys.epoch} if keys.epoch >= 0 else None
        answer = await self._client.request(
            "GET", f"/api/threads/{thread_id}/commits", params=params
        )
        for entry in answer["commits"]:
            raw = b64decode(entry["commit"])
            commit = crypto.parse_commit(raw)
            bundle = crypto.parse_public_bundle(b64decode(entry["author_bundle"]))
            crypto.verify_public_bundle(bundle, commit.author_id)
            crypto.verify_commit(commit, bundle.sign_pk)
            crypto.check_chain_link(keys.last_commit, commit)
            self._sign_keys[(str(commit.author_id), bundle.key_id)] = bundle.sign_pk
            mine = commit.member(self.identity.user_id)
            if mine is not None:
                keys.epoch_keys[commit.epoch] = crypto.open_commit_seal(
                    commit, self._identity_for(mine.key_id)
                )
            keys.epoch, keys.last_commit = commit.epoch, commit
        return keys

    async def share_history(self, thread_id: str, therapist_id: str) -> Json:
        """As the conversation's client: seal the epoch keys from before `therapist_id`
        joined to their current key and sign the grant (care-team handover)."""
        keys = await self.load(thread_id)
        thread = await self._client.request("GET", f"/api/threads/{thread_id}")
        joined = next(m["joined_epoch"] for m in thread["members"] if m["user_id"] == therapist_id)
        answer = await self._client.request("GET", f"/api/users/{therapist_id}/public-key")
        bundle = crypto.parse_public_bundle(b64decode(answer["public_bundle"]))
        crypto.verify_public_bundle(bundle, uuid.UUID(therapist_id))
        grant = crypto.create_history_grant(
            self.identity,
            keys.thread_id,
            uuid.UUID(therapist_id),
            bundle.key_id,
            bundle.box_pk,
            [(epoch, key) for epoch, key in keys.epoch_keys.items() if epoch < joined],
        )
        result: Json = await self._client.request(
            "POST", f"/api/threads/{thread_id}/history-grants", {"grant": b64encode(grant)}
        )
        return result

    async def load_history(self, thread_id: str) -> int:
        """Open the history seals addressed to this member; returns how many epochs."""
        keys = await self.load(thread_id)
        answer = await self._client.request("GET", f"/api/threads/{thread_id}/history-seals")
        assert self._client.unlocked is not None
        opened = 0
        for entry in answer["seals"]:
            for identity in self._client.unlocked.identities:
                try:
                    keys.epoch_keys[entry["epoch"]] = crypto.open_epoch_seal(
                        b64decode(entry["seal"]), keys.thread_id, entry["epoch"], identity
                    )
                except CryptoError:
                    continue
                opened += 1
                break
        return opened

    async def next_commit(self, thread_id: str) -> bytes:
        """A commit starting the next epoch, sealed to the thread's current roster."""
        keys = await self.load(thread_id)
        roster = await self._client.request("GET", f"/api/threads/{thread_id}/roster")
        assert keys.last_commit is not None
        return crypto.create_commit(
            self.identity,
            keys.thread_id,
            keys.epoch + 1,
            keys.last_commit.hash,
            self._verified_members(roster),
            crypto.create_epoch_key(),
        )

    async def rekey(self, thread_id: str) -> int:
        """Start a new epoch sealed to the current roster; retries if another member's
        commit won the race. Returns the new epoch."""
        for _ in range(MAX_REKEY_ATTEMPTS):
            commit = await self.next_commit(thread_id)
            try:
                await self._client.request(
                    "POST", f"/api/threads/{thread_id}/commits", {"commit": b64encode(commit)}
                )
            except ApiError as error:
                if error.status == 409:
                    continue
                raise
            return (await self.load(thread_id)).epoch
        raise RuntimeError("could not rekey: the thread kept changing")

    # -- messages --------------------------------------------------------------------------

    async def seal(self, thread_id: str, text: str) -> bytes:
        keys = self._keys.get(uuid.UUID(thread_id)) or await self.load(thread_id)
        return crypto.seal_message(
            self.identity,
            keys.thread_id,
            keys.epoch,
            text.encode(),
            epoch_key=keys.epoch_keys[keys.epoch],
        )

    def use_realtime(self, realtime: Realtime | None) -> None:
        """Send and fetch over this socket while it is up (HTTP otherwise), and keep every
        timeline of this client complete from its events and reconnects."""
        self.realtime = realtime
        if realtime is not None:
            for timeline in self._timelines.values():
                realtime.follow(timeline)

    def timeline(self, thread_id: str) -> ThreadTimeline:
        """The way to keep a thread complete (docs/api.md, "Staying complete"): one
        `ThreadTimeline` per thread, fed by this client's acknowledgements and, after
        `use_realtime`, by live events, and caught up after every reconnect."""
        timeline = self._timelines.get(thread_id)
        if timeline is None:
            timeline = ThreadTimeline(thread_id, self._fetch_after)
            self._timelines[thread_id] = timeline
            if self.realtime is not None:
                self.realtime.follow(timeline)
        return timeline

    async def _fetch_after(self, thread_id: str, after: int) -> tuple[list[Json], bool]:
        if self.realtime is not None and self.realtime.connected:
            try:
                return await self.realtime.sync_page(thread_id, after)
            except (SocketDropped, TimeoutError):
                pass
        answer = await self._client.request(
            "GET",
            f"/api/threads/{thread_id}/messages",
            params={"after": after, "limit": SYNC_PAGE},
        )
        page: list[Json] = answer["messages"]
        return page, len(page) == SYNC_PAGE

    async def send(self, thread_id: str, text: str) -> Json:
        """Seal and send; renews the thread's keys first if the server asks for it."""
        for _ in range(MAX_REKEY_ATTEMPTS):
            envelope = await self.seal(thread_id, text)
            try:
                return await self.send_envelope(thread_id, envelope)
            except ApiError as error:
                if error.code == "rekey_required":
                    await self.rekey(thread_id)
                elif error.code == "stale_epoch":
                    await self.load(thread_id)
                else:
                    raise
        raise RuntimeError("could not send: the thread kept changing")

    async def send_envelope(self, thread_id: str, envelope: bytes) -> Json:
        """Deliver these envelope bytes once: over the socket if it is up, else (or if it
        drops or stays silent) the very same bytes over HTTP, which the server recognises
        by their client message id. The stored message feeds the thread's timeline."""
        body = {"thread_id": thread_id, "envelope": b64encode(envelope)}
        message: Json | None = None
        if self.realtime is not None and self.realtime.connected:
            try:
                message = (await self.realtime.call("send", body))["message"]
            except (SocketDropped, TimeoutError):
                message = None
        if message is None:
            message = await self._client.request(
                "POST",
                f"/api/threads/{thread_id}/messages",
                {"envelope": body["envelope"]},
                idempotent=True,
            )
        assert message is not None
        timeline = self._timelines.get(thread_id)
        if timeline is not None:
            await timeline.receive(message)
        return message

    async def history(
        self,
        thread_id: str,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 50,
    ) -> list[Message]:
        params: Json = {"limit": limit}
        if before is not None:
            params["before"] = before
        if after is not None:
            params["after"] = after
        answer = await self._client.request(
            "GET", f"/api/threads/{thread_id}/messages", params=params
        )
        return [await self.open(m) for m in answer["messages"]]

    async def sender_key(self, user_id: str, key_id: bytes) -> bytes | None:
        if (user_id, key_id) not in self._sign_keys:
            answer = await self._client.request("GET", f"/api/users/{user_id}/public-key")
            bundle = crypto.parse_public_bundle(b64decode(answer["public_bundle"]))
            crypto.verify_public_bundle(bundle, uuid.UUID(user_id))
            self._sign_keys[(user_id, bundle.key_id)] = bundle.sign_pk
        return self._sign_keys.get((user_id, key_id))

    async def open(self, payload: Json) -> Message:
        """Verify and decrypt a message payload; failures are reported, never dropped."""
        base = {
            "id": payload["id"],
            "seq": payload["seq"],
            "sender_id": payload["sender_id"],
            "state": payload["state"],
            "raw": payload,
        }
        if payload["envelope"] is None:
            return Message(**base, text=None, verified=False, problem="deleted")
        envelope_bytes = b64decode(payload["envelope"])
        try:
            envelope = crypto.parse_envelope(envelope_bytes)
            keys = self._keys.get(envelope.thread_id) or await self.load(str(envelope.thread_id))
            if envelope.epoch not in keys.epoch_keys:
                await self.load(str(envelope.thread_id))
            sign_pk = await self.sender_key(payload["sender_id"], envelope.sender_key_id)
            if sign_pk is None or str(envelope.sender_id) != payload["sender_id"]:
                raise CryptoError("unknown sender key")
            opened = crypto.open_message(
                envelope_bytes, sign_pk, epoch_key=keys.epoch_keys[envelope.epoch]
            )
        except (CryptoError, KeyError):
            return Message(**base, text=None, verified=False, problem="could not be verified")
        return Message(**base, text=opened.plaintext.decode(), verified=True)

    async def send_later(self, thread_id: str, text: str, deliver_at: datetime) -> Json:
        """Seal now; the server holds the ciphertext until `deliver_at`."""
        envelope = await self.seal(thread_id, text)
        result: Json = await self._client.request(
            "POST",
            f"/api/threads/{thread_id}/scheduled",
            {"envelope": b64encode(envelope), "deliver_at": deliver_at.isoformat()},
        )
        return result

    async def scheduled(self, thread_id: str) -> list[Json]:
        result: list[Json] = (
            await self._client.request("GET", f"/api/threads/{thread_id}/scheduled")
        )["messages"]
        return result

    async def replace_scheduled(
        self, thread_id: str, message_id: str, text: str, deliver_at: datetime
    ) -> Json:
        envelope = await self.seal(thread_id, text)
        result: Json = await self._client.request(
            "PUT",
            f"/api/scheduled/{message_id}",
            {"envelope": b64encode(envelope), "deliver_at": deliver_at.isoformat()},
        )
        return result

    async def cancel_scheduled(self, message_id: str) -> None:
        await self._client.request("DELETE", f"/api/scheduled/{message_id}")

    async def mark_read(self, thread_id: str, seq: int) -> None:
        await self._client.request("POST", f"/api/threads/{thread_id}/read", {"seq": seq})

    async def edit(self, thread_id: str, message_id: str, text: str) -> Json:
        envelope = await self.seal(thread_id, text)
        result: Json = await self._client.request(
            "PUT", f"/api/messages/{message_id}", {"envelope": b64encode(envelope)}
        )
        return result

    async def delete(self, message_id: str) -> Json:
        result: Json = await self._client.request("DELETE", f"/api/messages/{message_id}")
        return result
