"""Thin, typed wrappers over the PyNaCl bindings: the only module that calls PyNaCl.

Every wrapper converts PyNaCl's exceptions into `CryptoError` subclasses and returns raw
bytes, so the rest of the package never sees hex encoders or `nacl.exceptions`.

The calls on every message's path (AEAD encrypt and decrypt, signing and its check) go
straight to libsodium through PyNaCl's own cffi handle: PyNaCl's wrappers check their
arguments and copy buffers for longer than the cipher takes on a 1 KiB message. Their
sizes are checked here instead; `tests/unit/test_crypto_vectors.py` proves the bytes are
unchanged. Padding is plain Python for the same reason.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

import nacl.bindings as sodium
import nacl.exceptions
from nacl._sodium import ffi, lib

from crypto.errors import BadSignatureError, KeyDerivationError, MalformedError, WrongKeyError

Rng = Callable[[int], bytes]
"""Randomness source: returns n random bytes. Tests inject a deterministic one."""

AEAD_KEY_BYTES = 32
AEAD_NONCE_BYTES = 24
AEAD_TAG_BYTES = 16
SIGN_PK_BYTES = 32
SIGN_SEED_BYTES = 32
SIGNATURE_BYTES = 64
SIGN_SK_BYTES = 64
BOX_PK_BYTES = 32
BOX_SK_BYTES = 32
SEAL_OVERHEAD = 48


def os_random(size: int) -> bytes:
    """The operating system CSPRNG (getrandom(2), as libsodium's randombytes uses)."""
    return os.urandom(size)


def draw(rng: Rng, size: int) -> bytes:
    """Calls `rng` and checks it returned exactly `size` bytes."""
    value = rng(size)
    if len(value) != size:
        raise MalformedError(f"rng returned {len(value)} bytes instead of {size}")
    return bytes(value)


def kdf_derive(size: int, subkey_id: int, context: bytes, key: bytes) -> bytes:
    """libsodium's crypto_kdf_derive_from_key, written as the BLAKE2b call it is.

    BLAKE2b here is the standard library's (the same function as libsodium's, checked by the
    vectors): PyNaCl's wrapper spends more time validating arguments than hashing.
    """
    if len(context) != 8 or len(key) != 32 or not 16 <= size <= 64:
        raise MalformedError("invalid kdf input")
    salt = subkey_id.to_bytes(8, "little") + bytes(8)
    return hashlib.blake2b(digest_size=size, key=key, salt=salt, person=context + bytes(8)).digest()


def domain_hash(domain: bytes, data: bytes, size: int = 32) -> bytes:
    """BLAKE2b of `data` keyed with a constant ASCII domain string (16..64 bytes)."""
    return hashlib.blake2b(data, digest_size=size, key=domain).digest()


def _read(buffer: object, size: int) -> bytes:
    """The first `size` bytes of a cffi output buffer, as bytes (one copy)."""
    data: bytes = ffi.buffer(buffer, size)[:]
    return data


def _aead_arguments(key: bytes, nonce: bytes) -> None:
    if (
        not isinstance(key, bytes)
        or not isinstance(nonce, bytes)
        or len(key) != AEAD_KEY_BYTES
        or len(nonce) != AEAD_NONCE_BYTES
    ):
        raise WrongKeyError("invalid AEAD key or nonce")


def aead_encrypt(key: bytes, nonce: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """XChaCha20-Poly1305-IETF, combined mode (ciphertext ‖ 16-byte tag)."""
    _aead_arguments(key, nonce)
    size = len(plaintext) + AEAD_TAG_BYTES
    out = ffi.new("unsigned char[]", size)
    lib.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ffi.NULL, plaintext, len(plaintext), associated, len(associated), ffi.NULL, nonce, key
    )
    return _read(out, size)


def aead_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
    """Inverse of `aead_encrypt`; any authentication failure raises `WrongKeyError`."""
    _aead_arguments(key, nonce)
    if not isinstance(ciphertext, bytes) or len(ciphertext) < AEAD_TAG_BYTES:
        raise WrongKeyError("decryption failed")
    size = len(ciphertext) - AEAD_TAG_BYTES
    out = ffi.new("unsigned char[]", max(size, 1))
    failed = lib.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out,
        ffi.NULL,
        ffi.NULL,
        ciphertext,
        len(ciphertext),
        associated,
        len(associated),
        nonce,
        key,
    )
    if failed:
        raise WrongKeyError("decryption failed")
    return _read(out, size)


def sign_keypair(seed: bytes) -> tuple[bytes, bytes]:
    """Ed25519 key pair from a 32-byte seed: (public key, 64-byte secret key)."""
    pk, sk = sodium.crypto_sign_seed_keypair(seed)
    return bytes(pk), bytes(sk)


def sign(secret_key: bytes, message: bytes) -> bytes:
    """Detached Ed25519 signature (the first 64 bytes of libsodium's combined form)."""
    if not isinstance(secret_key, bytes) or len(secret_key) != SIGN_SK_BYTES:
        raise MalformedError("invalid signing key")
    out = ffi.new("unsigned char[]", len(message) + SIGNATURE_BYTES)
    lib.crypto_sign(out, ffi.NULL, message, len(message), secret_key)
    return _read(out, SIGNATURE_BYTES)


def verify(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Verifies a detached Ed25519 signature; raises `BadSignatureError` otherwise."""
    if (
        not isinstance(public_key, bytes)
        or not isinstance(signature, bytes)
        or not isinstance(message, bytes)
        or len(public_key) != SIGN_PK_BYTES
        or len(signature) != SIGNATURE_BYTES
    ):
        raise BadSignatureError("bad signature or key size")
    signed = b"".join((signature, message))
    out = ffi.new("unsigned char[]", len(signed))
    if lib.crypto_sign_open(out, ffi.NULL, signed, len(signed), public_key) != 0:
        raise BadSignatureError("signature does not verify")


def box_public_key(secret_key: bytes) -> bytes:
    """X25519 public key of a 32-byte secret key."""
    return bytes(sodium.crypto_scalarmult_base(secret_key))


def box_seal(message: bytes, recipient_pk: bytes, rng: Rng) -> bytes:
    """crypto_box_seal, byte for byte, with the ephemeral secret drawn from `rng`.

    libsodium computes eph_pk ‖ crypto_box(m, nonce=BLAKE2b-192(eph_pk ‖ pk), pk, eph_sk);
    this does the same so that seals can be reproduced in test vectors.
    """
    if len(recipient_pk) != BOX_PK_BYTES:
        raise MalformedError("invalid recipient key")
    eph_sk = draw(rng, BOX_SK_BYTES)
    eph_pk = box_public_key(eph_sk)
    nonce = hashlib.blake2b(eph_pk + recipient_pk, digest_size=24).digest()
    try:
        boxed = sodium.crypto_box(message, nonce, recipient_pk, eph_sk)
    except nacl.exceptions.CryptoError as exc:
        raise WrongKeyError("invalid recipient key") from exc
    return eph_pk + bytes(boxed)


def box_seal_open(sealed: bytes, public_key: bytes, secret_key: bytes) -> bytes:
    """crypto_box_seal_open; any failure raises `WrongKeyError`."""
    try:
        return bytes(sodium.crypto_box_seal_open(sealed, public_key, secret_key))
    except (nacl.exceptions.CryptoError, TypeError, ValueError) as exc:
        raise WrongKeyError("cannot open sealed box") from exc


def argon2id(size: int, password: bytes, salt: bytes, ops: int, mem: int) -> bytes:
    """crypto_pwhash with ALG_ARGON2ID13 and explicit limits."""
    try:
        return bytes(
            sodium.crypto_pwhash_alg(
                size, password, salt, ops, mem, sodium.crypto_pwhash_ALG_ARGON2ID13
            )
        )
    except (nacl.exceptions.CryptoError, MemoryError) as exc:
        raise KeyDerivationError("argon2id failed") from exc


def pad(data: bytes, block: int) -> bytes:
    """ISO/IEC 7816-4 padding as sodium_pad (always adds at least one byte): 0x80, then
    zeros up to the next multiple of `block`."""
    if block <= 0:
        raise MalformedError("invalid padding block")
    zeros = block - 1 - len(data) % block
    return b"".join((data, b"\x80", bytes(zeros)))


def unpad(data: bytes, block: int) -> bytes:
    """Inverse of `pad`; invalid padding raises `MalformedError`."""
    try:
        return bytes(sodium.sodium_unpad(data, block))
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise MalformedError("invalid padding") from exc


def equal(a: bytes, b: bytes) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a, b)
