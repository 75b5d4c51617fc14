"""The SDK's group threads: every group action, with all keys kept in this process.

Membership keys are derived from the account key (so any device that unlocks the account
has them); the account identity only signs the membership certificate. The server
receives certificates, commits, seals, envelopes, releases and report seals.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import crypto
from crypto import CryptoError, Identity, KeyScope, b64decode, b64encode
from crypto import groups as g
from web.sdk_errors import ApiError
from web.sdk_group_labels import GroupLabels, LabelledGroup

if TYPE_CHECKING:
    from web.client import InterludeClient

Json = dict[str, Any]
ROLES = {"moderator": crypto.Role.MODERATOR, "member": crypto.Role.MEMBER}
MAX_ATTEMPTS = 60


@dataclass(frozen=True)
class GroupInfo:
    title: str
    description: str
    guidelines: str


@dataclass(frozen=True)
class GroupPost:
    """A post as this member sees it: decrypted and verified, or marked why not."""

    id: str
    seq: int | None
    member_id: str
    pseudonym: str | None
    state: str
    text: str | None
    problem: str | None = None
    raw: Json = field(default_factory=dict, repr=False)


@dataclass
class GroupKeys:
    thread_id: uuid.UUID
    detail: Json = field(default_factory=dict)
    commits: list[crypto.Commit] = field(default_factory=list)
    epoch_keys: dict[int, bytes] = field(default_factory=dict)
    moderator_secrets: dict[int, bytes] = field(default_factory=dict)

    @property
    def epoch(self) -> int:
        return self.commits[-1].epoch if self.commits else -1


class Groups:
    def __init__(self, client: InterludeClient) -> None:
        self._client = client
        self._keys: dict[uuid.UUID, GroupKeys] = {}
        self.labels = GroupLabels(client)
        self._info_keys: dict[uuid.UUID, bytes] = {}

    @property
    def _account(self) -> Identity:
        if self._client.unlocked is None:
            raise RuntimeError("log in first")
        return self._client.unlocked.identity

    @property
    def _account_key(self) -> bytes:
        if self._client.unlocked is None:
            raise RuntimeError("log in first")
        return self._client.unlocked.account_key

    def _membership(self, thread_id: uuid.UUID, member_id: str) -> Identity:
        assert self._client.unlocked is not None
        return g.membership_identity(
            self._client.unlocked.account_key, thread_id, uuid.UUID(member_id)
        )

    async def _account_box_pk(self, user_id: str) -> bytes:
        found = await self._client.request("GET", f"/api/users/{user_id}/public-key")
        bundle = crypto.parse_public_bundle(b64decode(found["public_bundle"]))
        crypto.verify_public_bundle(bundle, uuid.UUID(user_id))
        return bundle.box_pk

    def _open_info_key(self, thread_id: uuid.UUID, seal: str) -> bytes:
        account = self._account
        return g.open_group_secret(
            b64decode(seal), g.SecretKind.INFO_KEY, thread_id, 0, account.box_pk, account.box_sk
        )

    def info(self, group: Json, seal: str | None = None) -> GroupInfo:
        """Decrypt a group's title, description and guidelines with this account's seal."""
        thread_id = uuid.UUID(group["thread_id"])
        key = self._open_info_key(thread_id, seal or group["me"]["info_seal"])
        fields = json.loads(g.decrypt_group_info(b64decode(group["info"]), key, thread_id))
        return GroupInfo(fields["title"], fields["description"], fields["guidelines"])

    # -- admins ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        policy: str,
        title: str,
        description: str,
        guidelines: str,
        moderators: list[str],
        admins: list[str] | None = None,
        label: str | None = None,
    ) -> str:
        """Create a group (as a clinic admin): the info key is sealed to each named
        moderator and to the admins (this one by default), nobody else; `label`, if
        given, is sealed to the clinic's admin key for every admin to read."""
        body = await self.creation_body(
            policy=policy,
            title=title,
            description=description,
            guidelines=guidelines,
            moderators=moderators,
            admins=admins,
            label=label,
        )
        await self._client.request("POST", "/api/groups", body)
        return str(body["thread_id"])

    async def creation_body(
        self,
        *,
        policy: str,
        title: str,
        description: str,
        guidelines: str,
        moderators: list[str],
        admins: list[str] | None = None,
        label: str | None = None,
    ) -> Json:
        thread_id = uuid.uuid4()
        info_key = secrets.token_bytes(32)
        plaintext = json.dumps(
            {"title": title, "description": description, "guidelines": guidelines}
        ).encode()
        admin_ids = admins if admins is not None else [self._me()]
        seal_to = {
            who: b64encode(
                g.seal_group_secret(
                    g.SecretKind.INFO_KEY, thread_id, 0, info_key, await self._account_box_pk(who)
                )
            )
            for who in {*moderators, *admin_ids}
        }
        body: Json = {
            "thread_id": str(thread_id),
            "policy": policy,
            "info": b64encode(g.encrypt_group_info(info_key, thread_id, plaintext)),
            "admin_seals": {u: seal_to[u] for u in admin_ids},
            "moderators": {u: seal_to[u] for u in moderators},
        }
        if label is not None:
            key = await self.labels.admin_key()
            if key is None:
                raise RuntimeError("no admin has shared the clinic's admin key with you yet")
            body["label"] = b64encode(self.labels.seal(key, str(thread_id), label))
        return body

    def _me(self) -> str:
        assert self._client.unlocked is not None
        return str(self._client.unlocked.user["id"])

    async def clinic_groups(self) -> list[Json]:
        found: list[Json] = (await self._client.request("GET", "/api/clinic/groups"))["groups"]
        return found

    async def admin_list(self) -> list[LabelledGroup]:
        """The clinic's groups as an admin sees them, each with its label opened."""
        return await self.labels.groups()

    async def name_moderator(self, thread_id: str, user_id: str) -> str:
        """Name another moderator (as an admin holding the group's admin seal)."""
        group = next(x for x in await self.clinic_groups() if x["thread_id"] == thread_id)
        tid = uuid.UUID(thread_id)
        info_key = self._open_info_key(tid, group["admin_seal"])
        seal = g.seal_group_secret(
            g.SecretKind.INFO_KEY, tid, 0, info_key, await self._account_box_pk(user_id)
        )
        found = await self._client.request(
            "POST",
            f"/api/groups/{thread_id}/moderators",
            {"user_id": user_id, "info_seal": b64encode(seal)},
        )
        return str(found["member_id"])

    # -- everyone ----------------------------------------------------------------------------

    async def mine(self) -> list[Json]:
        found: list[Json] = (await self._client.request("GET", "/api/groups"))["groups"]
        return found

    async def detail(self, thread_id: str) -> Json:
        found: Json = await self._client.request("GET", f"/api/groups/{thread_id}")
        return found

    async def _info_key(self, thread_id: str) -> bytes:
        """This member's copy of the group's info key, opened once: the key never changes,
        and reading the seal means fetching the group with all its members."""
        tid = uuid.UUID(thread_id)
        if tid not in self._info_keys:
            detail = await self.detail(thread_id)
            self._info_keys[tid] = self._open_info_key(tid, detail["me"]["info_seal"])
        return self._info_keys[tid]

    async def invite(self, thread_id: str, user_id: str) -> str:
        """Invite a client (as a moderator): they receive the info key sealed to them."""
        tid = uuid.UUID(thread_id)
        info_key = await self._info_key(thread_id)
        seal = g.seal_group_secret(
            g.SecretKind.INFO_KEY, tid, 0, info_key, await self._account_box_pk(user_id)
        )
        found = await self._client.request(
            "POST",
            f"/api/groups/{thread_id}/invitations",
            {"user_id": user_id, "info_seal": b64encode(seal)},
        )
        return str(found["member_id"])

    def _member_bundles(self, detail: Json) -> dict[str, crypto.PublicBundle]:
        bundles = {}
        for entry in detail["members"]:
            if entry["bundle"] is None:
                continue
            bundle = crypto.parse_public_bundle(b64decode(entry["bundle"]))
            crypto.verify_public_bundle(bundle, uuid.UUID(entry["member_id"]))
            bundles[entry["member_id"]] = bundle
        return bundles

    async def join(self, thread_id: str, pseudonym: str) -> Json:
        """Accept an invitation under `pseudonym`, adding this membership in a new epoch.
        Loses of the compare-and-swap rebuild on the winner after a jittered pause."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                joined: Json = await self._client.request(
                    "POST",
                    f"/api/groups/{thread_id}/join",
                    await self.join_body(thread_id, pseudonym),
                )
            except ApiError as error:
                if error.status != 409 or attempt == MAX_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(random.uniform(0, 0.05 * min(attempt + 1, 8)))
                continue
            await self.load(thread_id)
            return joined
        raise AssertionError("unreachable")

    async def join_body(self, thread_id: str, pseudonym: str) -> Json:
        """The membership certificate and the commit adding this membership (and, for a
        moderator, a fresh moderators' key), built on the group's current epoch."""
        tid = uuid.UUID(thread_id)
        detail = await self.detail(thread_id)
        me = detail["me"]
        membership = self._membership(tid, me["member_id"])
        commits = await self._commits(thread_id, detail["epoch"] - 1)  # the latest only
        active = [m for m in detail["members"] if m["state"] == "active"]
        bundles = self._member_bundles(detail)
        members = [
            crypto.NewMember.from_bundle(bundles[m["member_id"]], ROLES[m["role"]]) for m in active
        ]
        members.append(
            crypto.NewMember(
                membership.user_id, ROLES[me["role"]], membership.key_id, membership.box_pk
            )
        )
        epoch_key = crypto.create_epoch_key()
        previous = commits[-1] if commits else None
        epoch = previous.epoch + 1 if previous else 0
        commit = crypto.create_commit(
            membership,
            tid,
            epoch,
            previous.hash if previous else crypto.GENESIS_PREV_HASH,
            members,
            epoch_key,
        )
        body: Json = {
            "pseudonym": pseudonym,
            "certificate": b64encode(
                g.create_membership_certificate(self._account, tid, membership)
            ),
            "commit": b64encode(commit),
        }
        if me["role"] == "moderator":
            moderators = [
                (uuid.UUID(m["member_id"]), bundles[m["member_id"]].box_pk)
                for m in active
                if m["role"] == "moderator"
            ]
            generation = max((k["generation"] for k in detail["moderator_keys"]), default=0)
            package, _ = g.create_moderator_key(
                membership,
                tid,
                generation + 1,
                [*moderators, (membership.user_id, membership.box_pk)],
            )
            body["moderator_key"] = b64encode(package)
        return body

    async def _commits(self, thread_id: str, after_epoch: int = -1) -> list[crypto.Commit]:
        params = {"after_epoch": after_epoch} if after_epoch >= 0 else None
        found = await self._client.request("GET", f"/api/groups/{thread_id}/commits", params=params)
        return [crypto.parse_commit(b64decode(c["commit"])) for c in found["commits"]]

    async def load(self, thread_id: str) -> GroupKeys:
        """Fetch the group, verify its commit chain (joins may be authored by the member
        they add) and open this membership's epoch seals and moderator keys."""
        tid = uuid.UUID(thread_id)
        keys = self._keys.setdefault(tid, GroupKeys(tid))
        # Commits first (only those not verified yet): the detail read after them names
        # every member they mention.
        commits = await self._commits(thread_id, keys.epoch)
        detail = await self.detail(thread_id)
        keys.detail = detail
        bundles = self._member_bundles(detail)
        sign_keys = {b.key_id: b.sign_pk for b in bundles.values()}
        membership = self._membership(tid, detail["me"]["member_id"])
        previous = keys.commits[-1] if keys.commits else None
        for commit in commits:
            author_pk = sign_keys.get(commit.author_key_id)
            if author_pk is None:
                raise CryptoError("a commit is signed by an unknown membership key")
            crypto.verify_commit(commit, author_pk)
            g.check_group_chain_link(previous, commit)
            if commit.member(membership.user_id) is not None:
                keys.epoch_keys[commit.epoch] = crypto.open_commit_seal(commit, membership)
            keys.commits.append(commit)
            previous = commit
        for entry in detail["moderator_keys"]:
            package = g.parse_moderator_key(b64decode(entry["package"]))
            author = next((b for b in bundles.values() if b.user_id == package.author_id), None)
            if author is None:
                continue
            g.verify_moderator_key(package, author.sign_pk)
            if any(m == membership.user_id for m, _ in package.seals):
                keys.moderator_secrets[package.generation] = g.open_moderator_key(
                    package, membership
                )
        return keys

    async def post(self, thread_id: str, text: str) -> Json:
        """Post: sealed to the epoch key, or (pre-moderated, not a moderator) to the
        moderators' key, held until a moderator approves, with this account's own copy of
        the key so that the author reads it from any device meanwhile (`my_posts`). A
        moderator whose group needs new keys (a member's account was deleted) makes them
        first; a member is told to try again (`rekey_required`)."""
        for attempt in range(3):
            try:
                sent: Json = await self._client.request(
                    "POST", f"/api/groups/{thread_id}/posts", await self.post_body(thread_id, text)
                )
            except ApiError as error:
                if error.code == "stale_epoch" and attempt < 2:
                    continue
                if (
                    error.code == "rekey_required"
                    and attempt < 2
                    and await self._is_moderator(thread_id)
                ):
                    await self.rekey(thread_id)
                    continue
                raise
            return sent["post"]  # type: ignore[no-any-return]
        raise AssertionError("unreachable")

    async def _is_moderator(self, thread_id: str) -> bool:
        detail = await self.detail(thread_id)
        return bool(detail["me"] and detail["me"]["role"] == "moderator")

    async def post_body(self, thread_id: str, text: str) -> Json:
        """The signed envelope of a post, sealed for the group's current epoch."""
        return self.seal_post(await self.load(thread_id), text)

    def seal_post(self, keys: GroupKeys, text: str) -> Json:
        """The body of a post sealed with group state loaded before: a client that keeps its
        `GroupKeys` (and loads again after `stale_epoch`) posts without fetching the group."""
        detail, tid = keys.detail, keys.thread_id
        membership = self._membership(tid, detail["me"]["member_id"])
        held = detail["policy"] == "premoderated" and detail["me"]["role"] != "moderator"
        epoch = max(keys.epoch, 0)
        if held:
            envelope, copy = g.seal_held_post(
                membership,
                tid,
                epoch,
                text.encode(),
                self._moderator_pk(detail),
                self._account_key,
            )
            return {"envelope": b64encode(envelope), "author_copy": b64encode(copy)}
        envelope = crypto.seal_message(
            membership, tid, epoch, text.encode(), epoch_key=keys.epoch_keys.get(keys.epoch)
        )
        return {"envelope": b64encode(envelope)}

    def _moderator_pk(self, detail: Json) -> bytes:
        bundles = self._member_bundles(detail)
        moderators = {
            bundles[m["member_id"]].user_id: bundles[m["member_id"]]
            for m in detail["members"]
            if m["role"] == "moderator" and m["member_id"] in bundles
        }
        for entry in reversed(detail["moderator_keys"]):
            package = g.parse_moderator_key(b64decode(entry["package"]))
            author = moderators.get(package.author_id)
            if author is not None:
                g.verify_moderator_key(package, author.sign_pk)
                return package.public_key
        raise CryptoError("no moderators' key signed by a moderator of this group")

    async def posts(self, thread_id: str, after_seq: int = 0) -> list[GroupPost]:
        """Delivered posts after `after_seq`, each verified and decrypted (or marked)."""
        keys = await self.load(thread_id)
        found = await self._client.request(
            "GET", f"/api/groups/{thread_id}/posts", params={"after_seq": after_seq, "limit": 100}
        )
        return [self.open(keys, p) for p in found["posts"]]

    def open(self, keys: GroupKeys, raw: Json) -> GroupPost:
        members = {m["member_id"]: m for m in keys.detail["members"]}
        member = members.get(raw["member_id"], {})
        pseudonym = member.get("pseudonym")
        if raw["envelope"] is None:
            return GroupPost(
                raw["id"], raw["seq"], raw["member_id"], pseudonym, raw["state"], None, raw=raw
            )
        try:
            bundle = crypto.parse_public_bundle(b64decode(member["bundle"]))
            crypto.verify_public_bundle(bundle, uuid.UUID(raw["member_id"]))
            envelope = crypto.parse_envelope(b64decode(raw["envelope"]))
            if envelope.sender_id != bundle.user_id or envelope.thread_id != keys.thread_id:
                raise CryptoError("post claims another sender or group")
            if envelope.key_scope is KeyScope.MOD:
                release = b64decode(raw["release"]) if raw["release"] else None
                if release is None:
                    raise CryptoError("held post without a release")
                epoch_key = keys.epoch_keys[g.release_epoch(release)]
                message_key = g.open_release(release, envelope, epoch_key)
                text = crypto.open_reported_message(envelope, bundle.sign_pk, message_key)
            else:
                text = crypto.open_message(
                    envelope, bundle.sign_pk, epoch_key=keys.epoch_keys[envelope.epoch]
                ).plaintext
        except (CryptoError, KeyError, TypeError) as error:
            return GroupPost(
                raw["id"],
                raw["seq"],
                raw["member_id"],
                pseudonym,
                raw["state"],
                None,
                problem=type(error).__name__,
                raw=raw,
            )
        return GroupPost(
            raw["id"], raw["seq"], raw["member_id"], pseudonym, raw["state"], text.decode(), raw=raw
        )

    async def my_posts(self, thread_id: str) -> list[Json]:
        """This member's held, rejected and removed posts with the moderators' reasons;
        `text` is a held post's text (opened with this account's author copy), else None;
        `problem` names why a copy did not open."""
        found: list[Json] = (
            await self._client.request("GET", f"/api/groups/{thread_id}/my-posts")
        )["posts"]
        opened = []
        for raw in found:
            try:
                text, problem = self._own_text(uuid.UUID(thread_id), raw), None
            except (CryptoError, KeyError, TypeError) as error:
                text, problem = None, type(error).__name__
            opened.append({**raw, "text": text, "problem": problem})
        return opened

    def _own_text(self, thread_id: uuid.UUID, raw: Json) -> str | None:
        if raw["envelope"] is None or raw.get("author_copy") is None:
            return None
        membership = self._membership(thread_id, raw["member_id"])
        envelope = crypto.parse_envelope(b64decode(raw["envelope"]))
        if envelope.thread_id != thread_id or envelope.sender_id != membership.user_id:
            raise CryptoError("my post claims another sender or group")
        key = g.open_author_copy(b64decode(raw["author_copy"]), envelope, self._account_key)
        return crypto.open_reported_message(envelope, membership.sign_pk, key).decode()

    async def mark_read(self, thread_id: str, seq: int) -> None:
        await self._client.request("POST", f"/api/groups/{thread_id}/read", {"seq": seq})

    async def report(self, thread_id: str, post: GroupPost, category: int, note: str = "") -> Json:
        """Report a post: its message key (and the note) sealed to the moderators' key."""
        found: Json = await self._client.request(
            "POST",
            f"/api/group-posts/{post.id}/report",
            await self.report_body(thread_id, post, category, note),
        )
        return found

    async def report_body(
        self, thread_id: str, post: GroupPost, category: int, note: str = ""
    ) -> Json:
        keys = await self.load(thread_id)
        envelope = crypto.parse_envelope(b64decode(post.raw["envelope"]))
        membership_bundle = self._member_bundles(keys.detail)[post.member_id]
        if envelope.key_scope is KeyScope.MOD:
            release = b64decode(post.raw["release"])
            message_key = g.open_release(
                release, envelope, keys.epoch_keys[g.release_epoch(release)]
            )
        else:
            message_key = crypto.open_message(
                envelope, membership_bundle.sign_pk, epoch_key=keys.epoch_keys[envelope.epoch]
            ).message_key
        seal = g.seal_report(
            envelope, message_key, g.ReportCategory(category), note, self._moderator_pk(keys.detail)
        )
        return {"category": category, "seal": b64encode(seal)}

    # -- moderators ----------------------------------------------------------------------

    def _held_key(self, keys: GroupKeys, envelope: crypto.Envelope) -> bytes:
        for secret in reversed(list(keys.moderator_secrets.values())):
            try:
                return g.open_held_key(envelope, secret)
            except CryptoError:
                continue
        raise CryptoError("no moderators' key of this member opens this post")

    async def queue(self, thread_id: str) -> Json:
        """Held posts (decrypted) and open reports (each revealing its one post)."""
        keys = await self.load(thread_id)
        found = await self._client.request("GET", f"/api/groups/{thread_id}/queue")
        bundles = self._member_bundles(keys.detail)
        held = []
        for raw in found["held"]:
            envelope = crypto.parse_envelope(b64decode(raw["envelope"]))
            key = self._held_key(keys, envelope)
            text = crypto.open_reported_message(
                envelope, bundles[raw["member_id"]].sign_pk, key
            ).decode()
            held.append({**raw, "text": text})
        reports = []
        for raw in found["reports"]:
            envelope = crypto.parse_envelope(b64decode(raw["post"]["envelope"]))
            opened = None
            for secret in keys.moderator_secrets.values():
                try:
                    opened = g.open_report(b64decode(raw["seal"]), envelope, secret)
                    break
                except CryptoError:
                    continue
            reported = (
                crypto.open_reported_message(
                    envelope, bundles[raw["post"]["member_id"]].sign_pk, opened.message_key
                ).decode()
                if opened
                else None
            )
            reports.append({**raw, "text": reported, "note": opened.note if opened else None})
        return {"held": held, "reports": reports}

    async def approve(self, thread_id: str, message_id: str) -> Json:
        """Release a held post's key under the current epoch key; it is delivered. A group
        that needs new keys (a member's account was deleted) gets them first."""
        for attempt in range(2):
            try:
                answer: Json = await self._client.request(
                    "POST",
                    f"/api/group-posts/{message_id}/approve",
                    await self.approval_body(thread_id, message_id),
                )
            except ApiError as error:
                if error.code != "rekey_required" or attempt == 1:
                    raise
                await self.rekey(thread_id)
                continue
            return answer["post"]  # type: ignore[no-any-return]
        raise AssertionError("unreachable")

    async def candidates(self, thread_id: str) -> list[Json]:
        """The clinic's clients this moderator may invite: [{user_id, display_name}]."""
        found: list[Json] = (
            await self._client.request("GET", f"/api/groups/{thread_id}/candidates")
        )["candidates"]
        return found

    async def withdraw_invitation(self, thread_id: str, member_id: str) -> None:
        await self._client.request(
            "POST", f"/api/groups/{thread_id}/invitations/{member_id}/withdraw", {}
        )

    async def rekey(self, thread_id: str) -> int:
        """Make a new epoch for the active members (after a member's account was
        deleted). If another moderator's new epoch wins the race, theirs is kept."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                answer = await self._client.request(
                    "POST", f"/api/groups/{thread_id}/rekey", await self.rekey_body(thread_id)
                )
            except ApiError as error:
                if error.status != 409 or attempt == MAX_ATTEMPTS - 1:
                    raise
                keys = await self.load(thread_id)
                if not keys.detail["needs_rekey"]:
                    return keys.epoch
                await asyncio.sleep(random.uniform(0, 0.05))
                continue
            await self.load(thread_id)
            return int(answer["epoch"])
        raise AssertionError("unreachable")

    async def rekey_body(self, thread_id: str) -> Json:
        """The next epoch's commit for exactly the active members."""
        return {"commit": (await self.removal_body(thread_id, ""))["commit"]}

    async def approval_body(self, thread_id: str, message_id: str) -> Json:
        keys = await self.load(thread_id)
        found = await self._client.request("GET", f"/api/groups/{thread_id}/queue")
        raw = next(p for p in found["held"] if p["id"] == message_id)
        envelope = crypto.parse_envelope(b64decode(raw["envelope"]))
        release = g.release_held_key(
            self._held_key(keys, envelope), envelope, keys.epoch, keys.epoch_keys[keys.epoch]
        )
        return {"release": b64encode(release)}

    async def reject(self, message_id: str, reason: str) -> None:
        await self._client.request(
            "POST", f"/api/group-posts/{message_id}/reject", {"reason": reason}
        )

    async def remove_post(self, message_id: str, reason: str) -> Json:
        answer: Json = await self._client.request(
            "POST", f"/api/group-posts/{message_id}/remove", {"reason": reason}
        )
        return answer["post"]  # type: ignore[no-any-return]

    async def mute(self, thread_id: str, member_id: str, until: datetime) -> Json:
        answer: Json = await self._client.request(
            "POST",
            f"/api/groups/{thread_id}/members/{member_id}/mute",
            {"until": until.isoformat()},
        )
        return answer

    async def resolve_report(self, report_id: str) -> None:
        await self._client.request("POST", f"/api/group-reports/{report_id}/resolve", {})

    async def remove_member(
        self, thread_id: str, member_id: str, *, forbid_rejoin: bool = False
    ) -> int:
        """Remove a member with a new epoch sealed to everyone else."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                answer = await self._client.request(
                    "POST",
                    f"/api/groups/{thread_id}/members/{member_id}/remove",
                    await self.removal_body(thread_id, member_id, forbid_rejoin=forbid_rejoin),
                )
            except ApiError as error:
                if error.status != 409 or attempt == MAX_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(random.uniform(0, 0.05))
                continue
            await self.load(thread_id)
            return int(answer["epoch"])
        raise AssertionError("unreachable")

    async def removal_body(
        self, thread_id: str, member_id: str, *, forbid_rejoin: bool = False
    ) -> Json:
        """The next epoch's commit without `member_id` (none if empty), sealed to every
        other active member."""
        tid = uuid.UUID(thread_id)
        keys = await self.load(thread_id)
        detail = keys.detail
        bundles = self._member_bundles(detail)
        members = [
            crypto.NewMember.from_bundle(bundles[m["member_id"]], ROLES[m["role"]])
            for m in detail["members"]
            if m["state"] == "active" and m["member_id"] != member_id
        ]
        commit = crypto.create_commit(
            self._membership(tid, detail["me"]["member_id"]),
            tid,
            keys.epoch + 1,
            keys.commits[-1].hash,
            members,
            crypto.create_epoch_key(),
        )
        return {"commit": b64encode(commit), "forbid_rejoin": forbid_rejoin}
