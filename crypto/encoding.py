"""Strict base64url without padding, the only text encoding of binary values in JSON."""

import base64
import binascii
import re

from crypto.errors import MalformedError

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def b64encode(data: bytes) -> str:
    """Encodes bytes as base64url without padding (libsodium's URLSAFE_NO_PADDING)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Decodes canonical base64url without padding; anything else raises `MalformedError`.

    Padding, characters outside the URL-safe alphabet, impossible lengths and non-zero
    trailing bits are all rejected, so each byte string has exactly one accepted encoding.
    """
    if not isinstance(text, str) or not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise MalformedError("invalid base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedError("invalid base64url") from exc
    if b64encode(data) != text:
        raise MalformedError("non-canonical base64url")
    return data
