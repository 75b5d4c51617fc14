"""The Python implementation reproduces tests/vectors/crypto-v1.json byte for byte."""

import uuid
from typing import Any

import pytest

import crypto as c
from crypto import primitives
from tests.support import vectors

VECTORS = vectors.load("crypto-v1.json")
d = c.b64decode
e = c.b64encode
replay = vectors.replay


def identities() -> dict[str, c.Identity]:
    return vectors.identities(VECTORS["identities"])


def test_vectors_file_is_what_the_generator_produces() -> None:
    assert vectors.matches_its_generator("crypto-v1.json", "make_crypto_vectors.py")


def test_base64url_vectors() -> None:
    for case in VECTORS["encoding"]["valid"]:
        assert e(bytes.fromhex(case["hex"])) == case["b64"]
        assert d(case["b64"]).hex() == case["hex"]
    for bad in VECTORS["encoding"]["invalid"]:
        with pytest.raises(c.MalformedError):
            d(bad)


def test_kdf_matches_blake2b_formula_and_vectors() -> None:
    for case in VECTORS["kdf"]:
        out = primitives.kdf_derive(
            case["size"], case["id"], case["context"].encode(), d(case["key"])
        )
        assert e(out) == case["out"]


def test_identity_and_bundle_vectors() -> None:
    ids = identities()
    for name, v in VECTORS["identities"].items():
        assert e(ids[name].sign_pk) == v["sign_pk"]
        assert e(ids[name].box_pk) == v["box_pk"]
        assert e(c.key_id(ids[name].sign_pk)) == v["key_id"]
        assert e(c.public_bundle(ids[name])) == v["bundle"]
        c.verify_public_bundle(c.parse_public_bundle(d(v["bundle"])), uuid.UUID(v["user_id"]))
    a, b = ids["alice"], ids["bob"]
    number = VECTORS["safety_number"]["number"]
    assert c.safety_number(a.user_id, a.sign_pk, b.user_id, b.sign_pk) == number
    assert c.safety_number(b.user_id, b.sign_pk, a.user_id, a.sign_pk) == number


def test_password_and_account_vectors() -> None:
    v = VECTORS["password"]
    params = c.KdfParams(**v["params"])
    for password in (v["password"], v["password_nfd"]):
        keys = c.derive_password_keys(password, d(v["salt"]), params, allow_interactive=True)
        assert (e(keys.kek), e(keys.auth_key)) == (v["kek"], v["auth_key"])
    a = VECTORS["account_key"]
    user = uuid.UUID(a["user_id"])
    rng = replay(a["rng"])
    account_key = c.generate_account_key(rng)
    assert e(c.wrap_account_key(account_key, d(v["kek"]), user, params, rng)) == a["wrapped"]
    r = VECTORS["recovery"]
    assert c.generate_recovery_code(replay(r["rng"])) == r["code"]
    rk = c.derive_recovery_keys(r["code"])
    assert (e(rk.kek), e(rk.auth_key)) == (r["kek"], r["auth_key"])
    wrapped = c.wrap_account_key_with_recovery(account_key, rk.kek, user, replay(r["wrap_rng"]))
    assert e(wrapped) == r["wrapped"]
    k = VECTORS["keyring"]
    old = c.Identity.from_secrets(user, *(d(x) for x in k["old_identity_rng"]))
    blob = c.encrypt_keyring([identities()["alice"], old], account_key, replay(k["rng"]))
    assert e(blob) == k["blob"]


def test_epoch_commit_and_envelope_vectors() -> None:
    ids = identities()
    s = VECTORS["epoch_seal"]
    thread = uuid.UUID(s["thread_id"])
    rng = replay(s["rng"])
    key = c.create_epoch_key(rng)
    assert e(c.seal_epoch_key(key, thread, 0, ids[s["recipient"]].box_pk, rng)) == s["seal"]
    by_user = {i.user_id: i for i in ids.values()}
    for v in VECTORS["commits"]:
        rng = replay(v["rng"])
        epoch_key = d(v["epoch_key"]) if v["epoch"] == 0 else c.create_epoch_key(rng)
        members = [
            c.NewMember(
                uuid.UUID(m["user_id"]),
                c.Role(m["role"]),
                by_user[uuid.UUID(m["user_id"])].key_id,
                by_user[uuid.UUID(m["user_id"])].box_pk,
            )
            for m in v["members"]
        ]
        commit = c.create_commit(
            ids[v["author"]], thread, v["epoch"], d(v["prev_hash"]), members, epoch_key, rng
        )
        assert e(commit) == v["commit"]
        assert e(c.commit_hash(commit)) == v["hash"]
    for v in VECTORS["envelopes"]:
        epoch_key = d(VECTORS["commits"][v["epoch"]]["epoch_key"])
        kwargs: dict[str, Any] = (
            {"epoch_key": epoch_key}
            if v["scope"] == "epoch"
            else {"moderator_pk": ids[v["moderator"]].box_pk}
        )
        envelope = c.seal_message(
            ids[v["sender"]],
            thread,
            v["epoch"],
            d(v["plaintext"]),
            content_type=v["content_type"],
            rng=replay(v["rng"]),
            **kwargs,
        )
        assert e(envelope) == v["envelope"]
    for v in VECTORS["invalid_envelopes"]:
        with pytest.raises(getattr(c, v["error"])):
            c.open_message(
                d(v["envelope"]),
                ids[v["sender"]].sign_pk,
                epoch_key=d(VECTORS["commits"][0]["epoch_key"]),
            )
