"""Keys the server derives from INTERLUDE_SECRET_KEY, and what it does with them.

Tokens (sessions, invitations) and auth keys are stored only as keyed BLAKE2b hashes: a
database dump without the secret key yields nothing usable. Auth keys are already 256-bit
Argon2id outputs, so a slow hash would add only a denial-of-service lever (DESIGN.md §4).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from crypto import b64encode

TOKEN_BYTES = 32


def _subkey(secret: bytes, purpose: bytes) -> bytes:
    return hashlib.blake2b(secret, digest_size=32, person=purpose.ljust(16, b"\0")[:16]).digest()


@dataclass(frozen=True, slots=True)
class ServerKeys:
    _auth: bytes
    _token: bytes
    _invitation: bytes
    _prelogin: bytes
    _throttle: bytes
    _link: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> ServerKeys:
        return cls(
            _auth=_subkey(secret, b"il-auth-key"),
            _token=_subkey(secret, b"il-token"),
            _invitation=_subkey(secret, b"il-invitation"),
            _prelogin=_subkey(secret, b"il-prelogin"),
            _throttle=_subkey(secret, b"il-throttle"),
            _link=_subkey(secret, b"il-signed-link"),
        )

    def hash_auth_key(self, auth_key: bytes) -> bytes:
        return hashlib.blake2b(auth_key, key=self._auth, digest_size=32).digest()

    def hash_token(self, token: str) -> bytes:
        return hashlib.blake2b(token.encode(), key=self._token, digest_size=32).digest()

    def invitation_token(self, invitation_salt: bytes) -> str:
        """The invitation's link token, recomputable only with the secret key, so the
        worker can put it in the email while the database holds only its hash."""
        return b64encode(
            hashlib.blake2b(invitation_salt, key=self._invitation, digest_size=TOKEN_BYTES).digest()
        )

    def fake_salt(self, email: str) -> bytes:
        """A stable salt for an email with no account, so prelogin does not reveal which
        emails have accounts."""
        return hashlib.blake2b(email.encode(), key=self._prelogin, digest_size=16).digest()

    def throttle_key(self, scope: str, value: str) -> bytes:
        return hashlib.blake2b(
            f"{scope}\0{value}".encode(), key=self._throttle, digest_size=32
        ).digest()

    def sign_link(self, message: str) -> str:
        return b64encode(hashlib.blake2b(message.encode(), key=self._link, digest_size=16).digest())

    def verify_link(self, message: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign_link(message), signature)


def new_token() -> str:
    return b64encode(secrets.token_bytes(TOKEN_BYTES))


def equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
