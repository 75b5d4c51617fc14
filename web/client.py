"""The Python client SDK: what a real client does, over HTTP, with all crypto local.

Scripts and tests use it exactly as the browser client uses the API: passwords and private
keys never leave this process; only auth keys, public bundles and wrapped blobs are sent.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import ssl
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

import crypto
from crypto import KDF_MODERATE, Identity, KdfParams, b64decode, b64encode
from web.sdk_consultations import Consultations
from web.sdk_errors import ApiError
from web.sdk_groups import Groups
from web.sdk_journal import Journal
from web.sdk_realtime import Realtime
from web.sdk_threads import Conversations

Json = dict[str, Any]
# Idle connections are dropped well before the server's keep-alive timeout (uvicorn's
# `timeout_keep_alive`, 5 s by default), so a request never races the server closing them.
KEEPALIVE_EXPIRY_SECONDS = 2.0
PEOPLE_PAGE = 200  # the server's largest page of `GET /api/clinic/people`

# Safe to repeat: the server gives the same answer, or changes nothing more, the second time.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# What a request on a connection the server has just closed fails with.
CLOSED_CONNECTION_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client of the process (httpx's default, built
    once: loading the CA bundle costs about 25 ms per client otherwise)."""
    return httpx.create_ssl_context()


@dataclass
class Unlocked:
    """What exists only in this process after login: the account key and private keys."""

    user: Json
    account_key: bytes = field(repr=False)
    identities: tuple[Identity, ...] = field(repr=False)

    @property
    def identity(self) -> Identity:
        return self.identities[0]


@dataclass(frozen=True)
class Registration:
    user: Json
    recovery_code: str


class InterludeClient:
    def __init__(
        self,
        base_url: str,
        *,
        kdf: KdfParams = KDF_MODERATE,
        allow_interactive_kdf: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        device_label: str = "Interlude Python SDK",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.kdf = kdf
        self.allow_interactive_kdf = allow_interactive_kdf
        self.device_label = device_label
        # Like a browser's stored id: this client is one device, announced as new only once.
        self.device_id = secrets.token_urlsafe(16)
        self.token: str | None = None
        self.unlocked: Unlocked | None = None
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            verify=_tls_context(),
            timeout=30,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS),
        )
        self.threads = Conversations(self)
        self.journal = Journal(self)
        self.consultations = Consultations(self)
        self.groups = Groups(self)

    def realtime(self) -> Realtime:
        """A Socket.IO connection for live events (connect it with `await rt.connect()`)."""
        if self.token is None:
            raise RuntimeError("log in first")
        return Realtime(self.base_url, self.token)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> InterludeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- transport -----------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        body: Json | None = None,
        params: Json | None = None,
        *,
        idempotent: bool | None = None,
    ) -> Any:
        """One API call. An idempotent one (by its method, or a POST the caller knows is
        safe to repeat, like a message with its client message id) that meets a connection
        the server has just closed is sent once more on a fresh connection."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if idempotent is None:
            idempotent = method.upper() in IDEMPOTENT_METHODS
        try:
            response = await self._http.request(
                method, path, json=body, headers=headers, params=params
            )
        except CLOSED_CONNECTION_ERRORS:
            if not idempotent:
                raise
            response = await self._http.request(
                method, path, json=body, headers=headers, params=params
            )
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                raise ApiError(response.status_code, error["code"], error["message"])
            except (ValueError, KeyError, TypeError):
                raise ApiError(response.status_code, "http_error", response.text) from None
        if response.status_code == 204:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    # -- accounts ------------------------------------------------------------------------

    async def _derive(self, password: str, salt: bytes, params: KdfParams) -> crypto.LoginKeys:
        """Argon2id off the event loop: it takes a noticeable moment by design, and this
        client's sockets and other requests go on meanwhile."""
        return await asyncio.to_thread(
            crypto.derive_password_keys,
            password,
            salt,
            params,
            allow_interactive=self.allow_interactive_kdf,
        )

    async def _password_material(
        self, user_id: uuid.UUID, password: str, account_key: bytes
    ) -> Json:
        salt = secrets.token_bytes(crypto.SALT_BYTES)
        keys = await self._derive(password, salt, self.kdf)
        return {
            "auth_key": b64encode(keys.auth_key),
            "salt": b64encode(salt),
            "kdf": {"version": self.kdf.version, "ops": self.kdf.ops, "mem": self.kdf.mem},
            "wrapped_account_key": b64encode(
                crypto.wrap_account_key(account_key, keys.kek, user_id, self.kdf)
            ),
        }

    async def invitation(self, token: str) -> Json:
        result: Json = await self.request("GET", f"/api/invitations/{token}")
        return result

    async def register(
        self, invitation_token: str, password: str, time_zone: str = "UTC"
    ) -> Registration:
        """Accept an invitation: make identity keys, wrap them, send only public material
        (and the person's time zone, e.g. "Europe/Berlin")."""
        invitation = await self.invitation(invitation_token)
        user_id = uuid.UUID(invitation["user_id"])
        identity = crypto.generate_identity(user_id)
        account_key = crypto.generate_account_key()
        recovery_code = crypto.generate_recovery_code()
        recovery_keys = crypto.derive_recovery_keys(recovery_code)
        body = {
            **await self._password_material(user_id, password, account_key),
            "recovery_auth_key": b64encode(recovery_keys.auth_key),
            "recovery_wrapped_account_key": b64encode(
                crypto.wrap_account_key_with_recovery(account_key, recovery_keys.kek, user_id)
            ),
            "public_bundle": b64encode(crypto.public_bundle(identity)),
            "keyring": b64encode(crypto.encrypt_keyring([identity], account_key)),
            "device_label": self.device_label,
            "device_id": self.device_id,
            "time_zone": time_zone,
        }
        grant = await self.request("POST", f"/api/invitations/{invitation_token}/accept", body)
        self.token = grant["token"]
        self.unlocked = Unlocked(grant["user"], account_key, (identity,))
        return Registration(grant["user"], recovery_code)

    async def prelogin(self, email: str) -> tuple[bytes, KdfParams]:
        answer = await self.request("POST", "/api/prelogin", {"email": email})
        kdf = answer["kdf"]
        params = crypto.validate_kdf_params(
            kdf["ops"],
            kdf["mem"],
            version=kdf["version"],
            allow_interactive=self.allow_interactive_kdf,
        )
        return b64decode(answer["salt"]), params

    async def login(self, email: str, password: str) -> Unlocked:
        """Log in and unlock: derive keys locally, send the auth key, open the keyring."""
        salt, params = await self.prelogin(email)
        keys = await self._derive(password, salt, params)
        grant = await self.request(
            "POST",
            "/api/login",
            {
                "email": email,
                "auth_key": b64encode(keys.auth_key),
                "device_label": self.device_label,
                "device_id": self.device_id,
            },
        )
        self.token = grant["token"]
        account = await self.me()
        user_id = uuid.UUID(account["user"]["id"])
        account_key = crypto.unwrap_account_key(
            b64decode(account["wrapped_account_key"]), keys.kek, user_id, params
        )
        return self._unlock(account, account_key)

    def _unlock(self, account: Json, account_key: bytes) -> Unlocked:
        user_id = uuid.UUID(account["user"]["id"])
        identities = crypto.decrypt_keyring(b64decode(account["keyring"]), account_key, user_id)
        self.unlocked = Unlocked(account["user"], account_key, identities)
        return self.unlocked

    async def me(self) -> Json:
        result: Json = await self.request("GET", "/api/me")
        return result

    async def logout(self) -> None:
        await self.request("POST", "/api/logout")
        self.token = None
        self.unlocked = None

    async def sessions(self) -> list[Json]:
        result: list[Json] = (await self.request("GET", "/api/sessions"))["sessions"]
        return result

    async def end_session(self, session_id: str) -> None:
        await self.request("DELETE", f"/api/sessions/{session_id}")

    async def end_other_sessions(self) -> int:
        result: int = (await self.request("POST", "/api/sessions/end-others"))["ended"]
        return result

    async def password_change_body(self, current_password: str, new_password: str) -> Json:
        """The request body that changes the password: proof of the current one and the
        account key re-wrapped under the new one (all derived here, none of it secret)."""
        if self.unlocked is None:
            raise RuntimeError("log in first")
        user_id, current_auth_key = await self._current_auth_key(current_password)
        return {
            "current_auth_key": b64encode(current_auth_key),
            "new": await self._password_material(user_id, new_password, self.unlocked.account_key),
        }

    async def _current_auth_key(self, password: str) -> tuple[uuid.UUID, bytes]:
        """The auth key for `password` under the account's current salt and KDF."""
        account = await self.me()
        kdf = account["kdf"]
        current = await self._derive(
            password,
            b64decode(account["salt"]),
            KdfParams(kdf["version"], kdf["ops"], kdf["mem"]),
        )
        return uuid.UUID(account["user"]["id"]), current.auth_key

    async def delete_account(self, password: str) -> Json:
        """Ask for this account to be deleted (proving the password again); the server
        ends every session at once and erases in the background."""
        _, auth_key = await self._current_auth_key(password)
        result: Json = await self.request(
            "POST", "/api/me/delete", {"current_auth_key": b64encode(auth_key)}
        )
        self.token = None
        self.unlocked = None
        return result

    async def change_password(self, current_password: str, new_password: str) -> int:
        """Re-wrap the account key under the new password; other sessions end."""
        body = await self.password_change_body(current_password, new_password)
        result: int = (await self.request("POST", "/api/me/password", body))["other_sessions_ended"]
        return result

    async def recover(self, email: str, recovery_code: str, new_password: str) -> Unlocked:
        """Set a new password with the recovery code, keeping every key and all history."""
        recovery_keys = crypto.derive_recovery_keys(recovery_code)
        begun = await self.request(
            "POST",
            "/api/recovery/begin",
            {"email": email, "recovery_auth_key": b64encode(recovery_keys.auth_key)},
        )
        wrapped = b64decode(begun["recovery_wrapped_account_key"])
        user_id = uuid.UUID(begun["user_id"])
        account_key = crypto.unwrap_account_key_with_recovery(wrapped, recovery_keys.kek, user_id)
        body = {
            "email": email,
            "recovery_auth_key": b64encode(recovery_keys.auth_key),
            "recovery_wrapped_account_key": b64encode(wrapped),
            "new": await self._password_material(user_id, new_password, account_key),
            "device_label": self.device_label,
        }
        grant = await self.request("POST", "/api/recovery/complete", body)
        self.token = grant["token"]
        return self._unlock(await self.me(), account_key)

    def identity_replacement_body(self) -> Json:
        """A new identity key (after a suspected compromise): its signed bundle and the
        keyring re-encrypted with it first and the old keys after."""
        if self.unlocked is None:
            raise RuntimeError("log in first")
        fresh = crypto.generate_identity(self.unlocked.identity.user_id)
        keyring = crypto.encrypt_keyring(
            (fresh, *self.unlocked.identities), self.unlocked.account_key
        )
        return {
            "public_bundle": b64encode(crypto.public_bundle(fresh)),
            "keyring": b64encode(keyring),
        }

    async def replace_identity(self) -> Json:
        """Make a new identity key current; partners are told and every thread rekeyed."""
        result: Json = await self.request(
            "POST", "/api/me/identity", self.identity_replacement_body()
        )
        self._unlock(await self.me(), self.unlocked.account_key)  # type: ignore[union-attr]
        return result

    # -- clinic administration -----------------------------------------------------------

    async def invite(self, email: str, display_name: str, role: str) -> Json:
        body = {"email": email, "display_name": display_name, "role": role}
        result: Json = await self.request("POST", "/api/clinic/invitations", body)
        return result

    async def invitations(self) -> list[Json]:
        result: list[Json] = (await self.request("GET", "/api/clinic/invitations"))["invitations"]
        return result

    async def revoke_invitation(self, invitation_id: str) -> None:
        await self.request("DELETE", f"/api/clinic/invitations/{invitation_id}")

    async def people(self) -> list[Json]:
        """Everyone in the clinic, page by page (a page holds at most `PEOPLE_PAGE`)."""
        everyone: list[Json] = []
        params: dict[str, str | int] = {"limit": PEOPLE_PAGE}
        while True:
            page: list[Json] = (await self.request("GET", "/api/clinic/people", params=params))[
                "people"
            ]
            everyone.extend(page)
            if len(page) < PEOPLE_PAGE:
                return everyone
            params = {"limit": PEOPLE_PAGE, "after": page[-1]["email"]}

    async def assign(self, therapist_id: str, client_id: str) -> Json:
        result: Json = await self.request(
            "PUT", f"/api/clinic/care-team/{therapist_id}/{client_id}"
        )
        return result

    async def unassign(self, therapist_id: str, client_id: str) -> None:
        await self.request("DELETE", f"/api/clinic/care-team/{therapist_id}/{client_id}")

    async def care_team(self) -> list[Json]:
        result: list[Json] = (await self.request("GET", "/api/clinic/care-team"))["assignments"]
        return result

    async def disable(self, user_id: str) -> int:
        result: int = (await self.request("POST", f"/api/clinic/people/{user_id}/disable"))[
            "sessions_ended"
        ]
        return result

    async def audit_trail(self, before: int | None = None) -> list[Json]:
        params = {"before": before} if before else None
        result: list[Json] = (await self.request("GET", "/api/clinic/audit", params=params))[
            "events"
        ]
        return result


def invitation_token(link: str) -> str:
    """The token in an invitation link (`.../#/invite/<token>`)."""
    return link.rsplit("/", 1)[-1]
