"""Labels for admins (docs/crypto.md section 12): the vectors byte for byte, and the
attacks a client refuses: a label moved to another group or generation, signed by
someone else (a non-admin, or the server), or with tampered bytes."""

import uuid
from typing import Any

import pytest

import crypto as c
from crypto import group_labels as labels
from tests.support.vectors import load, matches_its_generator, replay

V: dict[str, Any] = load("crypto-labels-v1.json")
d = c.b64decode
e = c.b64encode
CLINIC = uuid.UUID(V["clinic_id"])
GROUP = uuid.UUID(V["group_id"])
GENERATION = V["admin_key"]["generation"]


def account(name: str) -> c.Identity:
    v = V["accounts"][name]
    return c.generate_identity(uuid.UUID(v["user_id"]), replay(v["rng"]))


def test_label_vectors_file_is_what_the_generator_produces() -> None:
    assert matches_its_generator("crypto-labels-v1.json", "make_label_vectors.py")


def test_admin_key_seal_and_label_vectors() -> None:
    admin, other = account("admin"), account("other_admin")
    key = V["admin_key"]
    public, secret = labels.create_admin_key(replay(key["rng"]))
    assert (e(public), e(secret)) == (key["public_key"], key["secret"])
    seal = labels.seal_admin_key(secret, CLINIC, GENERATION, other.box_pk, replay(key["seal_rng"]))
    assert e(seal) == key["seal"]
    assert labels.open_admin_key(seal, CLINIC, GENERATION, public, other) == secret
    label = labels.create_group_label(
        admin, GROUP, GENERATION, V["label"]["text"], public, replay(V["label"]["rng"])
    )
    assert e(label) == V["label"]["bytes"]
    assert len(label) == labels.LABEL_BYTES
    parsed = labels.parse_group_label(label)
    assert (parsed.thread_id, parsed.generation, parsed.author_id) == (
        GROUP,
        GENERATION,
        admin.user_id,
    )
    assert labels.open_group_label(parsed, GROUP, admin.sign_pk, secret) == V["label"]["text"]


def test_an_admin_key_seal_opens_only_for_its_clinic_generation_and_public_half() -> None:
    other = account("other_admin")
    seal = d(V["admin_key"]["seal"])
    public = d(V["admin_key"]["public_key"])
    with pytest.raises(c.WrongKeyError):
        labels.open_admin_key(seal, uuid.uuid4(), GENERATION, public, other)
    with pytest.raises(c.WrongKeyError):
        labels.open_admin_key(seal, CLINIC, GENERATION + 1, public, other)
    with pytest.raises(c.WrongKeyError):
        labels.open_admin_key(
            seal, CLINIC, GENERATION, c.generate_identity(uuid.uuid4()).box_pk, other
        )
    with pytest.raises(c.WrongKeyError):
        labels.open_admin_key(seal, CLINIC, GENERATION, public, account("admin"))


def _fixture() -> tuple[c.Identity, bytes, bytes]:
    public, secret = labels.create_admin_key()
    return account("admin"), public, secret


def test_a_label_moved_to_another_group_is_refused() -> None:
    admin, public, secret = _fixture()
    label = labels.parse_group_label(labels.create_group_label(admin, GROUP, 1, "Tuesdays", public))
    with pytest.raises(c.BadSignatureError):
        labels.open_group_label(label, uuid.uuid4(), admin.sign_pk, secret)
    # The server rewrites the outer group id: the signature no longer holds.
    other_group = uuid.uuid4()
    moved = label.raw[:1] + other_group.bytes + label.raw[17:]
    with pytest.raises(c.BadSignatureError):
        labels.open_group_label(labels.parse_group_label(moved), other_group, admin.sign_pk, secret)


def test_a_sealed_label_copied_into_a_label_for_another_group_is_refused() -> None:
    """Even an admin's own signature over a seal lifted from another group's label does
    not make it that group's label: the seal names its group inside."""
    admin, public, secret = _fixture()
    original = labels.parse_group_label(
        labels.create_group_label(admin, GROUP, 1, "Tuesdays", public)
    )
    other_group = uuid.uuid4()
    body = b"\x01" + other_group.bytes + original.raw[17 : -64 - 32]
    body += admin.user_id.bytes + admin.key_id
    forged = labels.parse_group_label(body + admin.sign(labels.LABEL_CONTEXT + body))
    with pytest.raises(c.WrongKeyError):
        labels.open_group_label(forged, other_group, admin.sign_pk, secret)


def test_a_label_signed_by_a_non_admin_or_forged_by_the_server_is_refused() -> None:
    admin, public, secret = _fixture()
    outsider = c.generate_identity(uuid.uuid4())
    # A non-admin (or the server with a key of its own) seals and signs a label to the
    # public admin key, naming an admin as its author: the admin's key does not verify it.
    forged = labels.parse_group_label(
        labels.create_group_label(outsider, GROUP, 1, "Not yours", public)
    )
    with pytest.raises(c.BadSignatureError):
        labels.open_group_label(forged, GROUP, admin.sign_pk, secret)
    body = forged.raw[: 1 + 16 + 8 + labels.LABEL_SEAL_BYTES] + admin.user_id.bytes + admin.key_id
    claimed = labels.parse_group_label(body + outsider.sign(labels.LABEL_CONTEXT + body))
    with pytest.raises(c.BadSignatureError):
        labels.open_group_label(claimed, GROUP, admin.sign_pk, secret)


def test_tampered_label_bytes_are_refused() -> None:
    admin, public, secret = _fixture()
    raw = labels.create_group_label(admin, GROUP, 1, "Tuesdays", public)
    for position in (0, 20, 30, 100, 200, 220, 240, len(raw) - 1):
        tampered = bytearray(raw)
        tampered[position] ^= 0x01
        with pytest.raises(c.CryptoError):
            labels.open_group_label(
                labels.parse_group_label(bytes(tampered)), GROUP, admin.sign_pk, secret
            )
    with pytest.raises(c.MalformedError):
        labels.parse_group_label(raw + b"\x00")
    with pytest.raises(c.MalformedError):
        labels.parse_group_label(raw[:-1])


def test_a_label_sealed_to_another_admin_key_does_not_open() -> None:
    admin, public, _ = _fixture()
    label = labels.parse_group_label(labels.create_group_label(admin, GROUP, 1, "Tuesdays", public))
    _, other_secret = labels.create_admin_key()
    with pytest.raises(c.WrongKeyError):
        labels.open_group_label(label, GROUP, admin.sign_pk, other_secret)


@pytest.mark.parametrize("text", ["", "x" * 65, "é" * 33])
def test_a_label_is_1_to_64_bytes(text: str) -> None:
    admin, public, _ = _fixture()
    with pytest.raises(c.MalformedError):
        labels.create_group_label(admin, GROUP, 1, text, public)


def test_admin_key_signature_vector() -> None:
    admin = account("admin")
    v = V["admin_key_signature"]
    public = d(V["admin_key"]["public_key"])
    signature = labels.sign_admin_key(admin, CLINIC, v["generation"], public)
    assert e(signature) == v["bytes"]
    labels.verify_admin_key(
        signature, CLINIC, v["generation"], public, admin.user_id, admin.sign_pk
    )


def test_an_admin_key_signed_by_another_account_or_for_another_key_is_refused() -> None:
    admin, other = account("admin"), account("other_admin")
    public = d(V["admin_key"]["public_key"])
    signature = d(V["admin_key_signature"]["bytes"])
    server_public, _ = labels.create_admin_key()
    tampered = [bytes([*signature[:i], signature[i] ^ 1, *signature[i + 1 :]]) for i in (0, 31, 63)]
    attempts: list[tuple[bytes, uuid.UUID, int, bytes, uuid.UUID, bytes]] = [
        (signature, CLINIC, GENERATION + 1, public, admin.user_id, admin.sign_pk),
        (signature, uuid.uuid4(), GENERATION, public, admin.user_id, admin.sign_pk),
        (signature, CLINIC, GENERATION, server_public, admin.user_id, admin.sign_pk),
        (signature, CLINIC, GENERATION, public, other.user_id, other.sign_pk),
        (
            labels.sign_admin_key(other, CLINIC, GENERATION, public),
            CLINIC,
            GENERATION,
            public,
            admin.user_id,
            admin.sign_pk,
        ),
        *((t, CLINIC, GENERATION, public, admin.user_id, admin.sign_pk) for t in tampered),
    ]
    for attempt in attempts:
        with pytest.raises(c.BadSignatureError):
            labels.verify_admin_key(*attempt)
