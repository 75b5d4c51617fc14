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
