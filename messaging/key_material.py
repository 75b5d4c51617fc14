"""The public and wrapped key material clients upload, and the server's checks of it.

The server cannot open any of it. It checks what can be checked without keys: sizes,
versions, KDF parameters within bounds, and the signature on the public bundle, so it
never stores something no client could use and cannot be handed another user's bundle.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from crypto import (
    WRAP_KIND_PASSWORD,
    WRAP_KIND_RECOVERY,
    CryptoError,
    KdfParams,
    PublicBundle,
    check_keyring_structure,
    check_wrapped_account_key,
    parse_public_bundle,
    validate_kdf_params,
    verify_public_bundle,
)
from messaging.errors import InvalidInput

AUTH_KEY_BYTES = 32
SALT_BYTES = 16


@dataclass(frozen=True, slots=True)
class PasswordMaterial:
    auth_key: bytes
    kdf: KdfParams
    salt: bytes
    wrapped_account_key: bytes

    def validated(self, *, allow_interactive_kdf: bool) -> PasswordMaterial:
        _require_size("auth_key", self.auth_key, AUTH_KEY_BYTES)
        _require_size("salt", self.salt, SALT_BYTES)
        try:
            validate_kdf_params(
                self.kdf.ops,
                self.kdf.mem,
                version=self.kdf.version,
                allow_interactive=allow_interactive_kdf,
            )
        except CryptoError:
            raise InvalidInput(
                "kdf: the password-hashing parameters are outside the allowed range."
            ) from None
        _check(
            "wrapped_account_key",
            lambda: check_wrapped_account_key(self.wrapped_account_key, WRAP_KIND_PASSWORD),
        )
        return self


@dataclass(frozen=True, slots=True)
class RecoveryMaterial:
    recovery_auth_key: bytes
    recovery_wrapped_account_key: bytes

    def validated(self) -> RecoveryMaterial:
        _require_size("recovery_auth_key", self.recovery_auth_key, AUTH_KEY_BYTES)
        _check(
            "recovery_wrapped_account_key",
            lambda: check_wrapped_account_key(
                self.recovery_wrapped_account_key, WRAP_KIND_RECOVERY
            ),
        )
        return self


@dataclass(frozen=True, slots=True)
class RegistrationMaterial:
    password: PasswordMaterial
    recovery: RecoveryMaterial
    public_bundle: bytes
    keyring: bytes

    def validated_bundle(self, user_id: uuid.UUID, *, allow_interactive_kdf: bool) -> PublicBundle:
        """Check everything; return the verified public bundle of `user_id`."""
        self.password.validated(allow_interactive_kdf=allow_interactive_kdf)
        self.recovery.validated()
        _check("keyring", lambda: check_keyring_structure(self.keyring))
        try:
            bundle = parse_public_bundle(self.public_bundle)
            verify_public_bundle(bundle, user_id)
        except CryptoError:
            raise InvalidInput(
                "public_bundle: not a public bundle signed by this account's own key."
            ) from None
        return bundle


def _require_size(name: str, value: bytes, size: int) -> None:
    if len(value) != size:
        raise InvalidInput(f"{name}: must be {size} bytes.")


def _check(name: str, check: Callable[[], None]) -> None:
    try:
        check()
    except CryptoError:
        raise InvalidInput(f"{name}: not in a format this service accepts.") from None
