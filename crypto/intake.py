"""Consultation requests: sealed in the prospective client's browser to the clinic's intake
key, opened only by the clinic's admins; and the proof of work that makes each request
cost the sender a little CPU.

Formats (docs/crypto.md section 11):
- request: `u8 version=1 ‖ SEAL(PAD(u8 1 ‖ clinic_id(16) ‖ utf-8 JSON), intake_pk)`;
- intake key for one admin: `u8 version=1 ‖ SEAL(clinic_id(16) ‖ intake_sk(32), admin box_pk)`;
- handover note (the request's text for the invited client, sealed by an admin):
  `u8 version=1 ‖ SEAL(PAD(client_id(16) ‖ text), client box_pk)`;
- proof of work: the smallest-effort `nonce` (8 bytes) such that
  `DH("interlude/consultation-pow/v1", challenge ‖ nonce, 32)` starts with `bits` zero bits.
"""

from __future__ import annotations

import itertools
import uuid

from crypto.errors import MalformedError, UnsupportedVersionError, WrongKeyError
from crypto.primitives import (
    Rng,
    box_public_key,
    box_seal,
    box_seal_open,
    domain_hash,
    draw,
    os_random,
    pad,
    unpad,
)

VERSION = 1
PAD_BLOCK = 256
MAX_REQUEST_BYTES = 8 * 1024
POW_DOMAIN = b"interlude/consultation-pow/v1"
NONCE_BYTES = 8


def create_intake_key(rng: Rng = os_random) -> tuple[bytes, bytes]:
    """A new intake key pair (public, secret)."""
    secret = draw(rng, 32)
    return box_public_key(secret), secret


def seal_request(
    plaintext: bytes, intake_pk: bytes, clinic_id: uuid.UUID, rng: Rng = os_random
) -> bytes:
    if len(plaintext) > MAX_REQUEST_BYTES:
        raise MalformedError("request too long")
    body = pad(bytes([VERSION]) + clinic_id.bytes + plaintext, PAD_BLOCK)
    return bytes([VERSION]) + box_seal(body, intake_pk, rng)


def check_sealed_request(sealed: bytes) -> None:
    """What the server can check without the key: version and a plausible size."""
    if len(sealed) < 1 + 48 + PAD_BLOCK or len(sealed) > 1 + 48 + MAX_REQUEST_BYTES + PAD_BLOCK:
        raise MalformedError("sealed request has an impossible size")
    if sealed[0] != VERSION:
        raise UnsupportedVersionError("unknown sealed request version")
    if (len(sealed) - 1 - 48) % PAD_BLOCK:
        raise MalformedError("sealed request is not padded")


def open_request(sealed: bytes, intake_pk: bytes, intake_sk: bytes, clinic_id: uuid.UUID) -> bytes:
    check_sealed_request(sealed)
    body = unpad(box_seal_open(sealed[1:], intake_pk, intake_sk), PAD_BLOCK)
    if len(body) < 17 or body[0] != VERSION:
        raise MalformedError("malformed request")
    if body[1:17] != clinic_id.bytes:
        raise WrongKeyError("request was sealed for another clinic")
    return body[17:]


def seal_intake_key(
    intake_sk: bytes, admin_box_pk: bytes, clinic_id: uuid.UUID, rng: Rng = os_random
) -> bytes:
    return bytes([VERSION]) + box_seal(clinic_id.bytes + intake_sk, admin_box_pk, rng)


def open_intake_key(
    sealed: bytes, admin_box_pk: bytes, admin_box_sk: bytes, clinic_id: uuid.UUID
) -> bytes:
    if not sealed or sealed[0] != VERSION:
        raise UnsupportedVersionError("unknown sealed intake key version")
    body = box_seal_open(sealed[1:], admin_box_pk, admin_box_sk)
    if len(body) != 48 or body[:16] != clinic_id.bytes:
        raise WrongKeyError("intake key was sealed for another clinic")
    return body[16:]


def seal_note(
    text: bytes, client_box_pk: bytes, client_id: uuid.UUID, rng: Rng = os_random
) -> bytes:
    if len(text) > MAX_REQUEST_BYTES:
        raise MalformedError("note too long")
    return bytes([VERSION]) + box_seal(pad(client_id.bytes + text, PAD_BLOCK), client_box_pk, rng)


def open_note(
    sealed: bytes, client_box_pk: bytes, client_box_sk: bytes, client_id: uuid.UUID
) -> bytes:
    if not sealed or sealed[0] != VERSION:
        raise UnsupportedVersionError("unknown note version")
    body = unpad(box_seal_open(sealed[1:], client_box_pk, client_box_sk), PAD_BLOCK)
    if body[:16] != client_id.bytes:
        raise WrongKeyError("note was sealed for someone else")
    return body[16:]


def pow_digest(challenge: bytes, nonce: bytes) -> bytes:
    return domain_hash(POW_DOMAIN, challenge + nonce, 32)


def leading_zero_bits(digest: bytes) -> int:
    count = 0
    for byte in digest:
        if byte == 0:
            count += 8
            continue
        return count + 8 - byte.bit_length()
    return count


def pow_ok(challenge: bytes, nonce: bytes, bits: int) -> bool:
    return len(nonce) == NONCE_BYTES and leading_zero_bits(pow_digest(challenge, nonce)) >= bits


def solve_pow(challenge: bytes, bits: int) -> bytes:
    """Count up from zero until the digest has `bits` leading zero bits (2**bits tries on
    average)."""
    for counter in itertools.count():
        nonce = counter.to_bytes(NONCE_BYTES, "big")
        if pow_ok(challenge, nonce, bits):
            return nonce
    raise AssertionError("unreachable")
