"""Every HTTP request body the SDK sends during registration, login, password change and
recovery is recorded and searched for every secret the client holds, in every common
encoding. None may appear: the server only ever gets auth keys, public keys and wrapped
blobs."""

from __future__ import annotations

import base64
import json

import httpx

import crypto
from tests.support.world import PASSWORD, Api, unique_email
from web.client import InterludeClient, invitation_token

NEW_PASSWORD = "a different long passphrase"
RECOVERED_PASSWORD = "the recovered passphrase"


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.bodies: list[bytes] = []
        self.urls: list[bytes] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(await request.aread())
        self.urls.append(str(request.url).encode())
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def encodings(secret: bytes) -> list[bytes]:
    forms = [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret),
    ]
    return forms + [form.rstrip(b"=") for form in forms[3:]]


def salts_sent(bodies: list[bytes]) -> set[bytes]:
    """Every password salt a request carried (registration, password change, recovery)."""
    found = set()
    for body in bodies:
        try:
            document = json.loads(body or b"null")
        except ValueError:
            continue
        for holder in (document, (document or {}).get("new")) if isinstance(document, dict) else ():
            if isinstance(holder, dict) and "salt" in holder:
                found.add(crypto.b64decode(holder["salt"]))
    return found


def test_recording_catches_a_leak() -> None:
    secret = bytes(range(32))
    body = json.dumps({"oops": crypto.b64encode(secret)}).encode()
    assert any(form in body for form in encodings(secret))


async def test_no_password_kek_account_key_or_private_key_is_ever_sent(api: Api) -> None:
    admin = await api.create_clinic()
    recorder = RecordingTransport(httpx.AsyncHTTPTransport())
    client = InterludeClient(
        api.base_url, kdf=crypto.KDF_INTERACTIVE, allow_interactive_kdf=True, transport=recorder
    )
    try:
        email = unique_email("client")
        invitation = await admin.client.invite(email, "Sam", "client")
        registration = await client.register(invitation_token(invitation["link"]), PASSWORD)
        await client.logout()
        await client.login(email, PASSWORD)
        await client.change_password(PASSWORD, NEW_PASSWORD)
        await client.logout()
        await client.recover(email, registration.recovery_code, RECOVERED_PASSWORD)
        unlocked = client.unlocked
        assert unlocked is not None

        secrets: dict[str, bytes] = {
            "account key": unlocked.account_key,
            "signing seed": unlocked.identity.sign_seed,
            "signing secret key": unlocked.identity.sign_sk,
            "encryption secret key": unlocked.identity.box_sk,
            "recovery kek": crypto.derive_recovery_keys(registration.recovery_code).kek,
            "recovery code": registration.recovery_code.encode(),
            "recovery code (plain)": registration.recovery_code.replace("-", "").encode(),
        }
        for password in (PASSWORD, NEW_PASSWORD, RECOVERED_PASSWORD):
            secrets[f"password {password!r}"] = password.encode()
            for salt in salts_sent(recorder.bodies):
                keys = crypto.derive_password_keys(
                    password, salt, crypto.KDF_INTERACTIVE, allow_interactive=True
                )
                secrets[f"kek of {password!r}"] = keys.kek

        assert len(recorder.bodies) >= 10
        assert len(salts_sent(recorder.bodies)) == 3
        leaks = [
            name
            for name, secret in secrets.items()
            for body in recorder.bodies + recorder.urls
            if any(form in body for form in encodings(secret))
        ]
        assert leaks == []
    finally:
        await client.aclose()
