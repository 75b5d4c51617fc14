"""The SDK's side of free first consultations: sealing a request to a clinic's intake key
(as a prospective client's browser does), and, for admins, the intake key and the queue.

The server only ever receives the sealed request, the intake public key and the intake
secret key sealed to each admin's encryption key.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import crypto
from crypto import b64decode, b64encode
from crypto import intake as sealing

if TYPE_CHECKING:
    from web.client import InterludeClient

Json = dict[str, Any]


class Consultations:
    def __init__(self, client: InterludeClient) -> None:
        self._client = client

    async def request(self, clinic_id: str, form: Json, *, website: str = "") -> Json:
        """Fill in a clinic's public form: seal it, do the proof of work, send it."""
        path = f"/api/public/clinics/{clinic_id}/consultation"
        page = await self._client.request("GET", path)
        sealed = sealing.seal_request(
            json.dumps(form).encode(), b64decode(page["intake_public_key"]), uuid.UUID(clinic_id)
        )
        nonce = sealing.solve_pow(page["challenge"].encode(), page["pow_bits"])
        result: Json = await self._client.request(
            "POST",
            path,
            {
                "sealed": b64encode(sealed),
                "challenge": page["challenge"],
                "nonce": b64encode(nonce),
                "website": website,
            },
        )
        return result

    async def create_intake_key(self) -> Json:
        """A new intake key whose secret half is sealed to every active admin's verified
        encryption key (an admin does this in their browser)."""
        if self._client.unlocked is None:
            raise RuntimeError("log in first")
        clinic_id = uuid.UUID((await self._client.me())["clinic"]["id"])
        public, secret = sealing.create_intake_key()
        seals = {}
        for person in await self._client.people():
            if person["role"] != "admin" or person["status"] != "active":
                continue
            answer = await self._client.request("GET", f"/api/users/{person['id']}/public-key")
            bundle = crypto.parse_public_bundle(b64decode(answer["public_bundle"]))
            crypto.verify_public_bundle(bundle, uuid.UUID(person["id"]))
            seals[person["id"]] = b64encode(
                sealing.seal_intake_key(secret, bundle.box_pk, clinic_id)
            )
        result: Json = await self._client.request(
            "PUT", "/api/clinic/intake-key", {"public_key": b64encode(public), "seals": seals}
        )
        return result

    async def queue(self) -> list[Json]:
        """The clinic's requests, each opened with the intake key: `form` holds what the
        prospective client wrote."""
        if self._client.unlocked is None:
            raise RuntimeError("log in first")
        clinic_id = uuid.UUID((await self._client.me())["clinic"]["id"])
        key = await self._client.request("GET", "/api/clinic/intake-key")
        public = b64decode(key["public_key"])
        identity = self._client.unlocked.identity
        secret = sealing.open_intake_key(
            b64decode(key["sealed_private_key"]), identity.box_pk, identity.box_sk, clinic_id
        )
        opened = []
        for entry in (await self._client.request("GET", "/api/clinic/consultations"))["requests"]:
            plain = sealing.open_request(b64decode(entry["sealed"]), public, secret, clinic_id)
            opened.append({**entry, "form": json.loads(plain)})
        return opened

    async def hand_over(self, request_id: str, client_user_id: str) -> Json:
        """Seal an invited (and registered) client's request text to their verified key, so
        their client can post it as the first message of their thread."""
        opened = next(r for r in await self.queue() if r["id"] == request_id)
        answer = await self._client.request("GET", f"/api/users/{client_user_id}/public-key")
        bundle = crypto.parse_public_bundle(b64decode(answer["public_bundle"]))
        crypto.verify_public_bundle(bundle, uuid.UUID(client_user_id))
        note = sealing.seal_note(
            note_text(opened["form"]).encode(), bundle.box_pk, uuid.UUID(client_user_id)
        )
        result: Json = await self._client.request(
            "PUT",
            f"/api/clinic/consultations/{request_id}/handover",
            {"sealed_note": b64encode(note)},
        )
        return result

    async def post_intake_note(self, thread_id: str) -> Json | None:
        """For a client: post their consultation request's text (if one waits) as a message
        of `thread_id`, then let the server drop it. Returns the message sent, if any."""
        if self._client.unlocked is None:
            raise RuntimeError("log in first")
        waiting = await self._client.request("GET", "/api/me/intake-note")
        if waiting["sealed_note"] is None:
            return None
        identity = self._client.unlocked.identity
        text = sealing.open_note(
            b64decode(waiting["sealed_note"]), identity.box_pk, identity.box_sk, identity.user_id
        ).decode()
        sent = await self._client.threads.send(thread_id, text)
        await self._client.request("DELETE", "/api/me/intake-note")
        return sent


def note_text(form: Json) -> str:
    """How a consultation request reads as the first message of the client's thread."""
    lines = ["My request for a first consultation:"]
    labels = (
        ("name", "Name"),
        ("time_zone", "Time zone"),
        ("preferred_times", "Preferred times"),
        ("message", "Message"),
    )
    lines += [f"{label}: {form[key]}" for key, label in labels if form.get(key)]
    return "\n".join(lines)
