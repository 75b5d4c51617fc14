"""Round trips through every client operation, including property tests on plaintexts."""

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crypto as c

SENDER = c.generate_identity(uuid.uuid4())
MODERATOR = c.generate_identity(uuid.uuid4())
THREAD = uuid.uuid4()
EPOCH_KEY = c.create_epoch_key()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=64 * 1024))
def test_any_plaintext_round_trips_under_the_epoch_key(plaintext: bytes) -> None:
    envelope = c.seal_message(SENDER, THREAD, 3, plaintext, epoch_key=EPOCH_KEY)
    opened = c.open_message(envelope, SENDER.sign_pk, epoch_key=EPOCH_KEY)
    assert opened.plaintext == plaintext
    assert c.open_reported_message(envelope, SENDER.sign_pk, opened.message_key) == plaintext
    assert (len(opened.envelope.ciphertext) - 16) % 256 == 0


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=4096))
def test_any_text_round_trips_under_the_moderator_key(text: str) -> None:
    envelope = c.seal_message(SENDER, THREAD, 0, text.encode(), moderator_pk=MODERATOR.box_pk)
    opened = c.open_message(envelope, SENDER.sign_pk, moderator=MODERATOR)
    assert opened.plaintext.decode() == text
    assert opened.envelope.key_scope is c.KeyScope.MOD


@pytest.mark.parametrize(
    "plaintext", [b"", "\u00e9\u00e8 \U0001f331 \u3053\u3093".encode(), bytes(64 * 1024)]
)
def test_edge_plaintexts_round_trip_and_padding_hides_length(plaintext: bytes) -> None:
    envelope = c.seal_message(SENDER, THREAD, 0, plaintext, epoch_key=EPOCH_KEY)
    assert c.open_message(envelope, SENDER.sign_pk, epoch_key=EPOCH_KEY).plaintext == plaintext
    short = c.seal_message(SENDER, THREAD, 0, b"", epoch_key=EPOCH_KEY)
    longer = c.seal_message(SENDER, THREAD, 0, b"x" * 200, epoch_key=EPOCH_KEY)
    assert len(short) == len(longer)


def test_envelope_exposes_header_fields_to_the_server() -> None:
    envelope = c.parse_envelope(
        c.seal_message(
            SENDER, THREAD, 7, b"{}", epoch_key=EPOCH_KEY, content_type=c.ContentType.JSON
        )
    )
    assert (envelope.thread_id, envelope.epoch, envelope.sender_id) == (THREAD, 7, SENDER.user_id)
    assert envelope.sender_key_id == SENDER.key_id
    assert envelope.content_type == c.ContentType.JSON
    assert envelope.key_scope is c.KeyScope.EPOCH
    assert len(envelope.client_message_id) == 16
    c.verify_envelope(envelope, SENDER.sign_pk)


def test_too_large_plaintext_is_refused() -> None:
    with pytest.raises(c.MalformedError):
        c.seal_message(SENDER, THREAD, 0, bytes(c.MAX_PLAINTEXT_BYTES + 1), epoch_key=EPOCH_KEY)
    largest = c.seal_message(SENDER, THREAD, 0, bytes(c.MAX_PLAINTEXT_BYTES), epoch_key=EPOCH_KEY)
    assert len(largest) <= c.MAX_ENVELOPE_BYTES
    c.parse_envelope(largest)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_base64url_round_trips(data: bytes) -> None:
    text = c.b64encode(data)
    assert not set(text) & set("=+/")
    assert c.b64decode(text) == data


def test_keyring_round_trips_current_and_retired_identities() -> None:
    user = uuid.uuid4()
    current, retired = c.generate_identity(user), c.generate_identity(user)
    account_key = c.generate_account_key()
    ring = c.decrypt_keyring(c.encrypt_keyring([current, retired], account_key), account_key, user)
    assert ring == (current, retired)
    with pytest.raises(c.WrongKeyError):
        c.decrypt_keyring(c.encrypt_keyring([current], account_key), c.generate_account_key(), user)
    with pytest.raises(c.WrongKeyError):
        c.decrypt_keyring(c.encrypt_keyring([current], account_key), account_key, uuid.uuid4())


def test_safety_number_is_order_independent_and_key_sensitive() -> None:
    a, b = c.generate_identity(uuid.uuid4()), c.generate_identity(uuid.uuid4())
    number = c.safety_number(a.user_id, a.sign_pk, b.user_id, b.sign_pk)
    assert number == c.safety_number(b.user_id, b.sign_pk, a.user_id, a.sign_pk)
    groups = number.split(" ")
    assert len(groups) == 12
    assert all(len(g) == 5 and g.isdigit() for g in groups)
    rotated = c.generate_identity(b.user_id)
    assert number != c.safety_number(a.user_id, a.sign_pk, b.user_id, rotated.sign_pk)


def test_errors_are_crypto_errors_never_pynacl_exceptions() -> None:
    for call in (
        lambda: c.open_message(b"\x01" * 10, SENDER.sign_pk, epoch_key=EPOCH_KEY),
        lambda: c.verify_envelope(
            c.parse_envelope(c.seal_message(SENDER, THREAD, 0, b"", epoch_key=EPOCH_KEY)),
            b"\x00" * 31,
        ),
        lambda: c.open_epoch_seal(bytes(104), THREAD, 0, SENDER),
        lambda: c.b64decode("%%"),
    ):
        with pytest.raises(c.CryptoError):
            call()
