"""Recovery code: 256 random bits shown once, printed as Crockford base32 groups with a checksum.

The code is high-entropy, so no Argon2id is needed: its key-encryption key and auth key are
crypto_kdf subkeys of the 32-byte secret. A 24-bit checksum catches typos before any
network round trip; a wrong but well-formed code fails later with `WrongKeyError`.
"""

from __future__ import annotations

from crypto import primitives
from crypto.errors import MalformedError
from crypto.passwords import KEY_BYTES, LoginKeys
from crypto.primitives import Rng, os_random

RECOVERY_SECRET_BYTES = 32
RECOVERY_CONTEXT = b"ilrecovr"
SUBKEY_KEK = 1
SUBKEY_AUTH = 2
SUBKEY_CHECKSUM = 3
CHECKSUM_BYTES = 3
GROUP_SIZE = 4
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = (RECOVERY_SECRET_BYTES + CHECKSUM_BYTES) * 8 // 5
_DECODE = {char: index for index, char in enumerate(ALPHABET)}
_DECODE.update({"O": 0, "I": 1, "L": 1})


def _checksum(secret: bytes) -> bytes:
    return primitives.kdf_derive(16, SUBKEY_CHECKSUM, RECOVERY_CONTEXT, secret)[:CHECKSUM_BYTES]


def format_recovery_code(secret: bytes) -> str:
    """Formats a 32-byte secret as 14 groups of 4 Crockford base32 characters joined by '-'."""
    if len(secret) != RECOVERY_SECRET_BYTES:
        raise MalformedError("recovery secret must be 32 bytes")
    number = int.from_bytes(secret + _checksum(secret), "big")
    chars = [ALPHABET[(number >> (5 * (CODE_CHARS - 1 - i))) & 31] for i in range(CODE_CHARS)]
    text = "".join(chars)
    return "-".join(text[i : i + GROUP_SIZE] for i in range(0, CODE_CHARS, GROUP_SIZE))


def generate_recovery_code(rng: Rng = os_random) -> str:
    """A fresh recovery code holding 32 random bytes from `rng`."""
    return format_recovery_code(primitives.draw(rng, RECOVERY_SECRET_BYTES))


def parse_recovery_code(text: str) -> bytes:
    """Returns the 32-byte secret of a typed recovery code.

    Case, spaces and hyphens are ignored, and O/I/L read as 0/1/1. A wrong length, a
    character outside the alphabet or a checksum mismatch (a typo) raise `MalformedError`.
    """
    cleaned = text.upper().replace("-", "").replace(" ", "")
    if len(cleaned) != CODE_CHARS or any(char not in _DECODE for char in cleaned):
        raise MalformedError("recovery code has the wrong length or characters")
    number = 0
    for char in cleaned:
        number = (number << 5) | _DECODE[char]
    raw = number.to_bytes(RECOVERY_SECRET_BYTES + CHECKSUM_BYTES, "big")
    secret, checksum = raw[:RECOVERY_SECRET_BYTES], raw[RECOVERY_SECRET_BYTES:]
    if not primitives.equal(checksum, _checksum(secret)):
        raise MalformedError("recovery code checksum mismatch (typo?)")
    return secret


def derive_recovery_keys(code: str) -> LoginKeys:
    """The key-encryption key and auth key of a recovery code (raises on typos)."""
    secret = parse_recovery_code(code)
    return LoginKeys(
        kek=primitives.kdf_derive(KEY_BYTES, SUBKEY_KEK, RECOVERY_CONTEXT, secret),
        auth_key=primitives.kdf_derive(KEY_BYTES, SUBKEY_AUTH, RECOVERY_CONTEXT, secret),
    )
