"""Argon2id parameters, password and recovery-code wrapping of the account key."""

import uuid

import pytest

import crypto as c
from crypto import passwords

SALT = bytes(range(16))


def test_wrong_password_fails_cleanly() -> None:
    user = uuid.uuid4()
    keys = c.derive_password_keys("right horse", SALT, c.KDF_INTERACTIVE, allow_interactive=True)
    wrong = c.derive_password_keys("wrong horse", SALT, c.KDF_INTERACTIVE, allow_interactive=True)
    account_key = c.generate_account_key()
    wrapped = c.wrap_account_key(account_key, keys.kek, user, c.KDF_INTERACTIVE)
    assert c.unwrap_account_key(wrapped, keys.kek, user, c.KDF_INTERACTIVE) == account_key
    with pytest.raises(c.WrongKeyError):
        c.unwrap_account_key(wrapped, wrong.kek, user, c.KDF_INTERACTIVE)
    with pytest.raises(c.WrongKeyError):
        c.unwrap_account_key(wrapped, keys.kek, uuid.uuid4(), c.KDF_INTERACTIVE)
    with pytest.raises(c.WrongKeyError):
        c.unwrap_account_key(wrapped, keys.kek, user, c.KdfParams(1, 3, 64 * 1024 * 1024))
    assert keys.kek != keys.auth_key


def test_wrong_recovery_code_fails_cleanly_and_typos_are_caught() -> None:
    user = uuid.uuid4()
    code = c.generate_recovery_code()
    account_key = c.generate_account_key()
    wrapped = c.wrap_account_key_with_recovery(account_key, c.derive_recovery_keys(code).kek, user)
    retyped = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert (
        c.unwrap_account_key_with_recovery(wrapped, c.derive_recovery_keys(retyped).kek, user)
        == account_key
    )
    other = c.derive_recovery_keys(c.generate_recovery_code())
    with pytest.raises(c.WrongKeyError):
        c.unwrap_account_key_with_recovery(wrapped, other.kek, user)
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    for position in range(0, len(code), 3):
        if code[position] == "-":
            continue
        typo = (
            code[:position]
            + alphabet[(alphabet.index(code[position]) + 1) % 32]
            + code[position + 1 :]
        )
        with pytest.raises(c.MalformedError):
            c.parse_recovery_code(typo)
    with pytest.raises(c.MalformedError):
        c.parse_recovery_code(code[:-1])


def test_password_wrap_does_not_open_as_recovery_wrap() -> None:
    user = uuid.uuid4()
    kek = c.derive_recovery_keys(c.generate_recovery_code()).kek
    wrapped = c.wrap_account_key(c.generate_account_key(), kek, user, c.KDF_MODERATE)
    with pytest.raises(c.MalformedError):
        c.unwrap_account_key_with_recovery(wrapped, kek, user)


def test_kdf_bounds_allow_moderate_and_refuse_interactive_unless_chosen() -> None:
    assert c.validate_kdf_params(3, 256 * 1024 * 1024) == c.KDF_MODERATE
    assert c.validate_kdf_params(2, 64 * 1024 * 1024, allow_interactive=True) == c.KDF_INTERACTIVE
    for ops, mem in [(2, 64 * 1024 * 1024), (1, 2**30), (11, 2**28), (3, 2**31), (3, 2**28 + 1)]:
        with pytest.raises(c.KdfParamsError):
            c.validate_kdf_params(ops, mem)
    with pytest.raises(c.KdfParamsError):
        c.validate_kdf_params(3, 2**28, version=2)
    with pytest.raises(c.KdfParamsError):
        c.derive_password_keys("pw", SALT, c.KDF_INTERACTIVE)
    assert c.DEFAULT_KDF == c.KDF_MODERATE


def test_moderate_profile_is_the_default_and_derives_keys() -> None:
    keys = c.derive_password_keys("pässwörd", SALT)
    assert keys == c.derive_password_keys("pa\u0308sswo\u0308rd", SALT, c.KDF_MODERATE)
    assert len(keys.kek) == len(keys.auth_key) == 32


def test_all_zero_argon2id_output_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords.primitives, "argon2id", lambda size, *_: bytes(size))
    with pytest.raises(c.KeyDerivationError):
        c.derive_password_keys("pw", SALT, c.KDF_INTERACTIVE, allow_interactive=True)


def test_salt_must_be_16_bytes() -> None:
    with pytest.raises(c.MalformedError):
        c.derive_password_keys("pw", bytes(8), c.KDF_INTERACTIVE, allow_interactive=True)
