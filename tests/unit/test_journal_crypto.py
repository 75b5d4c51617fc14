"""Journal crypto (docs/crypto.md §10): the vectors, and the attacks the layout stops."""

from __future__ import annotations

import uuid

import pytest

import crypto as c
from tests.support import vectors

VECTORS = vectors.load("journal-v1.json")
d = c.b64decode
e = c.b64encode
replay = vectors.replay


def people() -> dict[str, c.Identity]:
    return vectors.identities(VECTORS["identities"])


def test_journal_vectors_file_is_what_the_generator_produces() -> None:
    assert vectors.matches_its_generator("journal-v1.json", "make_journal_vectors.py")


def test_items_reproduce_byte_for_byte_and_open() -> None:
    account_key = d(VECTORS["account_key"])
    assert e(c.journal_key(account_key)) == VECTORS["journal_key"]
    for v in VECTORS["items"]:
        author, item_id = uuid.UUID(v["author"]), uuid.UUID(v["item_id"])
        rng = replay(v["rng"])
        blob = c.seal_item(
            account_key, author, item_id, d(v["plaintext"]), purpose=v["purpose"], rng=rng
        )
        assert e(blob) == v["blob"]
        opened = c.open_item(d(v["blob"]), account_key, author)
        assert (opened.plaintext, opened.item.item_id) == (d(v["plaintext"]), item_id)
        assert opened.item.purpose == v["purpose"]


def test_share_reproduces_and_opens_for_each_recipient_only() -> None:
    who = people()
    v = VECTORS["share"]
    account_key = d(VECTORS["account_key"])
    entry = next(i for i in VECTORS["items"] if i["name"] == v["entry"])
    share = c.create_share(
        who[v["author"]],
        account_key,
        uuid.UUID(v["share_id"]),
        uuid.UUID(v["thread_id"]),
        d(entry["blob"]),
        [(who[n].user_id, who[n].box_pk) for n in v["recipients"]],
        replay(v["rng"]),
    )
    assert e(share) == v["share"]
    for name in v["recipients"]:
        opened = c.open_share(share, who[v["author"]].sign_pk, who[name])
        assert opened.plaintext == d(entry["plaintext"])
    with pytest.raises(c.WrongKeyError):
        c.open_share(share, who["alice"].sign_pk, who["alice"])


def test_invalid_vectors_fail_with_the_named_error() -> None:
    who = people()
    account_key = d(VECTORS["account_key"])
    for v in VECTORS["invalid"]:
        error = getattr(c, v["error"])
        if v["what"] == "item":
            with pytest.raises(error):
                c.open_item(d(v["blob"]), account_key, who["alice"].user_id)
        else:
            with pytest.raises(error):
                c.open_share(d(v["blob"]), who["alice"].sign_pk, who["bob"])


def test_an_item_does_not_open_under_another_account_or_author() -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    key = c.generate_account_key()
    blob = c.seal_item(key, me, uuid.uuid4(), b"private")
    with pytest.raises(c.WrongKeyError):
        c.open_item(blob, c.generate_account_key(), me)
    with pytest.raises(c.WrongKeyError):
        c.open_item(blob, key, other)


def test_a_draft_cannot_pass_as_an_entry_nor_move_to_another_id() -> None:
    me = uuid.uuid4()
    key = c.generate_account_key()
    draft = bytearray(c.seal_item(key, me, uuid.uuid4(), b"half", purpose=c.PURPOSE_DRAFT))
    draft[1] = c.PURPOSE_ENTRY
    with pytest.raises(c.WrongKeyError):
        c.open_item(bytes(draft), key, me)
    entry = bytearray(c.seal_item(key, me, uuid.uuid4(), b"whole"))
    entry[5] ^= 0x40
    with pytest.raises(c.WrongKeyError):
        c.open_item(bytes(entry), key, me)


def test_a_share_to_one_therapist_does_not_open_for_another() -> None:
    client, first, second = (c.generate_identity(uuid.uuid4()) for _ in range(3))
    key = c.generate_account_key()
    entry = c.seal_item(key, client.user_id, uuid.uuid4(), b"for one reader")
    share = c.create_share(
        client, key, uuid.uuid4(), uuid.uuid4(), entry, [(first.user_id, first.box_pk)]
    )
    assert c.open_share(share, client.sign_pk, first).plaintext == b"for one reader"
    with pytest.raises(c.WrongKeyError):
        c.open_share(share, client.sign_pk, second)


def test_a_recipient_seal_moved_into_another_share_is_refused() -> None:
    client, reader = (c.generate_identity(uuid.uuid4()) for _ in range(2))
    key = c.generate_account_key()
    shares = [
        c.create_share(
            client,
            key,
            uuid.uuid4(),
            uuid.uuid4(),
            c.seal_item(key, client.user_id, uuid.uuid4(), text),
            [(reader.user_id, reader.box_pk)],
        )
        for text in (b"shared", b"kept private")
    ]
    parsed = [c.parse_share(s) for s in shares]
    # The server splices the seal of share 1 into share 0: the signature no longer holds.
    seal_at = shares[0].index(parsed[0].recipients[0].seal)
    spliced = shares[0][:seal_at] + parsed[1].recipients[0].seal + shares[0][seal_at + 112 :]
    with pytest.raises(c.BadSignatureError):
        c.open_share(spliced, client.sign_pk, reader)


def test_a_share_signed_by_someone_else_is_refused() -> None:
    client, reader, server = (c.generate_identity(uuid.uuid4()) for _ in range(3))
    key = c.generate_account_key()
    entry = c.seal_item(key, client.user_id, uuid.uuid4(), b"x")
    share = c.create_share(
        client, key, uuid.uuid4(), uuid.uuid4(), entry, [(reader.user_id, reader.box_pk)]
    )
    with pytest.raises(c.BadSignatureError):
        c.open_share(share, server.sign_pk, reader)


def test_parsers_refuse_trailing_bytes_versions_and_unsorted_recipients() -> None:
    client, a, b = (c.generate_identity(uuid.uuid4()) for _ in range(3))
    key = c.generate_account_key()
    entry = c.seal_item(key, client.user_id, uuid.uuid4(), b"x")
    with pytest.raises(c.MalformedError):
        c.parse_item(entry + b"\0")
    with pytest.raises(c.UnsupportedVersionError):
        c.parse_item(b"\x02" + entry[1:])
    share = c.create_share(
        client,
        key,
        uuid.uuid4(),
        uuid.uuid4(),
        entry,
        [(a.user_id, a.box_pk), (b.user_id, b.box_pk)],
    )
    first = 1 + 16 * 5 + 32 + 2
    swapped = (
        share[:first]
        + share[first + 128 : first + 256]
        + share[first : first + 128]
        + share[first + 256 :]
    )
    with pytest.raises(c.MalformedError):
        c.parse_share(swapped)
