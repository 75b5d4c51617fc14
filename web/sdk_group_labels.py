"""The SDK's side of labels for admins (docs/crypto.md section 12): the clinic's admin key,
kept in step with the clinic's admins, and the groups' labels sealed to it.

An admin's client makes the key on first use, reseals it when an admin joins and replaces
it when one leaves (resealing every label under the new key), signing the key each time.
It opens a key, or seals a label to it, only if an admin of the clinic signed it for this
clinic and generation, so a key the server made is refused. A label opens only if an
admin of the clinic signed it for that group; the server receives seals and labels only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import crypto
from crypto import CryptoError, Identity, b64decode, b64encode
from crypto import group_labels as labels

if TYPE_CHECKING:
    from web.client import InterludeClient

Json = dict[str, Any]
UNNAMED = "Unnamed group"


@dataclass(frozen=True)
class AdminKey:
    clinic_id: uuid.UUID
    generation: int
    public_key: bytes
    secret: bytes


@dataclass(frozen=True)
class LabelledGroup:
    """One of the clinic's groups as an admin sees it: `label` is the opened label, or
    None when it has none or it did not open (`problem` says why)."""

    thread_id: str
    policy: str
    label: str | None
    moderators: int
    members: int
    problem: str | None
    raw: Json

    @property
    def name(self) -> str:
        return self.label or UNNAMED


class GroupLabels:
    def __init__(self, client: InterludeClient) -> None:
        self._client = client

    @property
    def _account(self) -> Identity:
        if self._client.unlocked is None:
            raise RuntimeError("log in first")
        return self._client.unlocked.identity

    async def _bundle(self, user_id: str) -> crypto.PublicBundle:
        found = await self._client.request("GET", f"/api/users/{user_id}/public-key")
        bundle = crypto.parse_public_bundle(b64decode(found["public_bundle"]))
        crypto.verify_public_bundle(bundle, uuid.UUID(user_id))
        return bundle

    async def _clinic_id(self) -> uuid.UUID:
        return uuid.UUID((await self._client.me())["clinic"]["id"])

    async def admin_key(self) -> AdminKey | None:
        """The admin key, kept in step with the clinic's active admins: made if the clinic
        has none, resealed when an admin joined, replaced when one left. None while no
        admin has sealed it to this one yet."""
        clinic_id = await self._clinic_id()
        view = await self._client.request("GET", "/api/clinic/admin-key")
        if view["generation"] == 0:
            return await self._replace(clinic_id, view, {})
        await self._verify_key(clinic_id, view)
        key = self._open(clinic_id, view)
        in_step = set(view["sealed_to"]) == set(view["admins"]) and not view["replace_due"]
        if key is None or in_step:
            return key
        if set(view["sealed_to"]) <= set(view["admins"]) and not view["replace_due"]:
            await self._put(clinic_id, view, key, {})
            return key
        texts = {}
        for group in await self._list(key):
            if group.problem is not None:
                raise CryptoError(f"group {group.thread_id}: {group.problem}")
            if group.label is not None:
                texts[group.thread_id] = group.label
        return await self._replace(clinic_id, view, texts)

    async def groups(self) -> list[LabelledGroup]:
        """The clinic's groups with their labels opened (the admin key kept in step
        first)."""
        return await self._list(await self.admin_key())

    async def _list(self, key: AdminKey | None) -> list[LabelledGroup]:
        found: list[Json] = (await self._client.request("GET", "/api/clinic/groups"))["groups"]
        admins = await self._admins()
        result = []
        for group in found:
            label, problem = None, None
            if group["label"] is not None and key is None:
                problem = "no admin has shared the admin key with you yet"
            elif group["label"] is not None:
                assert key is not None
                try:
                    label = await self.open_label(group["label"], group["thread_id"], key, admins)
                except CryptoError as error:
                    problem = f"the label did not open: {error}"
            result.append(
                LabelledGroup(
                    group["thread_id"],
                    group["policy"],
                    label,
                    group["moderators"],
                    group["members"],
                    problem,
                    group,
                )
            )
        return result

    async def open_label(self, raw: str, thread_id: str, key: AdminKey, admins: set[str]) -> str:
        """A label's text, if an admin of the clinic signed it for this group under this
        generation of the admin key."""
        label = labels.parse_group_label(b64decode(raw))
        if str(label.author_id) not in admins:
            raise crypto.BadSignatureError("label is not signed by an admin of the clinic")
        if label.generation != key.generation:
            raise crypto.WrongKeyError("label is sealed to another generation of the admin key")
        bundle = await self._bundle(str(label.author_id))
        return labels.open_group_label(label, uuid.UUID(thread_id), bundle.sign_pk, key.secret)

    async def _admins(self) -> set[str]:
        return {p["id"] for p in await self._client.people() if p["role"] == "admin"}

    async def _verify_key(self, clinic_id: uuid.UUID, view: Json) -> None:
        """Refuses (`BadSignatureError`) an admin key that no admin of the clinic signed
        for this clinic and generation, such as one the server made."""
        maker = view["maker_id"]
        try:
            if maker is None or view["signature"] is None or maker not in await self._admins():
                raise crypto.BadSignatureError("not signed by an admin of the clinic")
            labels.verify_admin_key(
                b64decode(view["signature"]),
                clinic_id,
                view["generation"],
                b64decode(view["public_key"]),
                uuid.UUID(maker),
                (await self._bundle(maker)).sign_pk,
            )
        except CryptoError as error:
            raise crypto.BadSignatureError(
                f"the clinic's admin key cannot be verified: {error}"
            ) from None

    def _open(self, clinic_id: uuid.UUID, view: Json) -> AdminKey | None:
        if view["seal"] is None:
            return None
        public = b64decode(view["public_key"])
        secret = labels.open_admin_key(
            b64decode(view["seal"]), clinic_id, view["generation"], public, self._account
        )
        return AdminKey(clinic_id, view["generation"], public, secret)

    async def _put(self, clinic_id: uuid.UUID, view: Json, key: AdminKey, resealed: Json) -> None:
        seals = {}
        for admin_id in view["admins"]:
            box_pk = (await self._bundle(admin_id)).box_pk
            seal = labels.seal_admin_key(key.secret, clinic_id, key.generation, box_pk)
            seals[admin_id] = b64encode(seal)
        await self._client.request(
            "PUT",
            "/api/clinic/admin-key",
            {
                "generation": key.generation,
                "public_key": b64encode(key.public_key),
                "seals": seals,
                "labels": resealed,
                "signature": b64encode(
                    labels.sign_admin_key(self._account, clinic_id, key.generation, key.public_key)
                ),
            },
        )

    async def _replace(self, clinic_id: uuid.UUID, view: Json, texts: dict[str, str]) -> AdminKey:
        public, secret = labels.create_admin_key()
        key = AdminKey(clinic_id, view["generation"] + 1, public, secret)
        resealed = {
            thread_id: b64encode(self.seal(key, thread_id, text))
            for thread_id, text in texts.items()
        }
        await self._put(clinic_id, view, key, resealed)
        return key

    def seal(self, key: AdminKey, thread_id: str, text: str) -> bytes:
        """A group's label sealed to the admin key and signed by this admin."""
        return labels.create_group_label(
            self._account, uuid.UUID(thread_id), key.generation, text, key.public_key
        )
