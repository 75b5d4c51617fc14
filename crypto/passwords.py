"""Password → keys: Argon2id with explicit, versioned parameters, then two crypto_kdf subkeys.

`master = Argon2id13(NFC(password), salt, ops, mem)`; the key-encryption key (subkey 1) never
leaves the client, the auth key (subkey 2) is sent to log in. Parameters travel with the
account (prelogin returns them), so both sides validate them against fixed bounds: the
ceiling stops a hostile server from hanging clients, the floor stops it from downgrading
the cost of guessing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from crypto import primitives
from crypto.binary import Writer
from crypto.errors import KdfParamsError, KeyDerivationError, MalformedError

KDF_VERSION = 1
SALT_BYTES = 16
KEY_BYTES = 32
PASSWORD_CONTEXT = b"ilpasswd"
SUBKEY_KEK = 1
SUBKEY_AUTH = 2

MIB = 1024 * 1024
MIN_OPS = 2
MAX_OPS = 10
MIN_MEM_INTERACTIVE = 64 * MIB
MIN_MEM = 256 * MIB
MAX_MEM = 1024 * MIB


@dataclass(frozen=True)
class KdfParams:
    """Versioned Argon2id parameters. Version 1: Argon2id13, 32-byte output, NFC password."""

    version: int
    ops: int
    mem: int

    def encode(self) -> bytes:
        """version u8 ‖ ops u32 ‖ mem u64, the form bound into associated data."""
        return Writer().u8(self.version).u32(self.ops).u64(self.mem).getvalue()


KDF_MODERATE = KdfParams(KDF_VERSION, 3, 256 * MIB)
"""The production profile (libsodium's MODERATE): about a second in a phone browser."""

KDF_INTERACTIVE = KdfParams(KDF_VERSION, 2, 64 * MIB)
"""The test profile; accepted only where a caller explicitly allows it."""

DEFAULT_KDF = KDF_MODERATE


def validate_kdf_params(
    ops: int, mem: int, *, version: int = KDF_VERSION, allow_interactive: bool = False
) -> KdfParams:
    """Returns `KdfParams` if they lie inside the allowed bounds, else raises `KdfParamsError`.

    Bounds: ops 3..10 (2..10 with `allow_interactive`), mem 256 MiB..1 GiB (64 MiB..1 GiB
    with `allow_interactive`), version must be 1. Servers call this on sign-up with the
    default; clients call it on prelogin answers with `allow_interactive` only in tests.
    """
    if version != KDF_VERSION:
        raise KdfParamsError(f"unknown kdf version {version}")
    min_ops = MIN_OPS if allow_interactive else KDF_MODERATE.ops
    min_mem = MIN_MEM_INTERACTIVE if allow_interactive else MIN_MEM
    if (
        not isinstance(ops, int)
        or not isinstance(mem, int)
        or not min_ops <= ops <= MAX_OPS
        or not min_mem <= mem <= MAX_MEM
        or mem % 1024 != 0
    ):
        raise KdfParamsError(f"kdf parameters out of bounds: ops={ops} mem={mem}")
    return KdfParams(version, ops, mem)


@dataclass(frozen=True)
class LoginKeys:
    """Two subkeys of a password or recovery code. `auth_key` may go to the server; `kek` never."""

    kek: bytes = field(repr=False)
    auth_key: bytes = field(repr=False)


def normalize_password(password: str) -> bytes:
    """UTF-8 of the NFC normalisation, so the same password typed anywhere gives one key."""
    return unicodedata.normalize("NFC", password).encode("utf-8")


def derive_password_keys(
    password: str, salt: bytes, params: KdfParams = DEFAULT_KDF, *, allow_interactive: bool = False
) -> LoginKeys:
    """Runs Argon2id once and derives the key-encryption key and the auth key.

    Raises `KdfParamsError` for parameters out of bounds (the INTERACTIVE profile needs
    `allow_interactive=True`), `KeyDerivationError` if Argon2id fails or returns all zeros.
    """
    validate_kdf_params(
        params.ops, params.mem, version=params.version, allow_interactive=allow_interactive
    )
    if len(salt) != SALT_BYTES:
        raise MalformedError("salt must be 16 bytes")
    master = primitives.argon2id(
        KEY_BYTES, normalize_password(password), salt, params.ops, params.mem
    )
    if master == bytes(KEY_BYTES):
        raise KeyDerivationError("argon2id returned an all-zero key")
    return LoginKeys(
        kek=primitives.kdf_derive(KEY_BYTES, SUBKEY_KEK, PASSWORD_CONTEXT, master),
        auth_key=primitives.kdf_derive(KEY_BYTES, SUBKEY_AUTH, PASSWORD_CONTEXT, master),
    )
