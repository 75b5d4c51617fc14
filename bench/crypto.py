"""Throughput of envelope seal+sign and verify+open for 1 KiB messages, next to raw PyNaCl.

Run: `.venv/bin/python bench/crypto.py` (about five seconds). Seal+sign should reach at
least 0.8x raw Ed25519 signing, since one signature dominates the cost of an envelope.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nacl.bindings as sodium

import crypto as c

SECONDS_PER_CASE = 0.8
PLAINTEXT = bytes(1024)


def rate(operation: Callable[[], object]) -> float:
    """Operations per second over roughly SECONDS_PER_CASE of wall time."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < SECONDS_PER_CASE:
        for _ in range(50):
            operation()
        count += 50
    return count / elapsed


def main() -> None:
    sender = c.generate_identity(uuid.uuid4())
    thread, epoch_key = uuid.uuid4(), c.create_epoch_key()
    envelope = c.seal_message(sender, thread, 0, PLAINTEXT, epoch_key=epoch_key)
    key, nonce = bytes(32), bytes(24)
    ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(PLAINTEXT, b"", nonce, key)
    signed = sodium.crypto_sign(envelope, sender.sign_sk)

    rates = {
        "raw AEAD encrypt (1 KiB)": rate(
            lambda: sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(PLAINTEXT, b"", nonce, key)
        ),
        "raw AEAD decrypt (1 KiB)": rate(
            lambda: sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, b"", nonce, key)
        ),
        "raw Ed25519 sign": rate(lambda: sodium.crypto_sign(envelope, sender.sign_sk)),
        "raw Ed25519 verify": rate(lambda: sodium.crypto_sign_open(signed, sender.sign_pk)),
        "seal+sign (1 KiB)": rate(
            lambda: c.seal_message(sender, thread, 0, PLAINTEXT, epoch_key=epoch_key)
        ),
        "verify+open (1 KiB)": rate(
            lambda: c.open_message(envelope, sender.sign_pk, epoch_key=epoch_key)
        ),
    }
    for name, value in rates.items():
        print(f"{name:28s} {value:12,.0f} /s")
    seal_ratio = rates["seal+sign (1 KiB)"] / rates["raw Ed25519 sign"]
    open_ratio = rates["verify+open (1 KiB)"] / rates["raw Ed25519 verify"]
    print(f"seal+sign / raw sign       {seal_ratio:6.2f}x (target >= 0.80x)")
    print(f"verify+open / raw verify   {open_ratio:6.2f}x")


if __name__ == "__main__":
    main()
