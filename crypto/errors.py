"""The one error hierarchy of the crypto core: every failure is a `CryptoError` subclass.

No PyNaCl exception ever escapes this package; callers map these classes to user-facing
messages or HTTP statuses by `code`, which is stable.
"""


class CryptoError(Exception):
    """Base class for every failure raised by `crypto`."""

    code = "crypto_error"


class MalformedError(CryptoError):
    """Bytes or text do not follow the documented layout (sizes, ordering, alphabet)."""

    code = "crypto_malformed"


class UnsupportedVersionError(CryptoError):
    """A version or suite byte this implementation does not know."""

    code = "crypto_unsupported_version"


class BadSignatureError(CryptoError):
    """A signature does not verify, or was made by a key other than the one claimed."""

    code = "crypto_bad_signature"


class WrongKeyError(CryptoError):
    """Decryption failed: wrong password, wrong recovery code, or a key not meant for this."""

    code = "crypto_wrong_key"


class KeyCommitmentError(WrongKeyError):
    """A per-message key does not match the envelope's key commitment."""

    code = "crypto_key_commitment"


class KdfParamsError(CryptoError):
    """Argon2id parameters outside the allowed bounds, or an unknown KDF version."""

    code = "crypto_kdf_params"


class KeyDerivationError(CryptoError):
    """Argon2id produced an all-zero key (seen under memory pressure): never use it."""

    code = "crypto_key_derivation"


class ChainError(CryptoError):
    """A commit does not extend the previous one (thread, epoch or previous hash differ)."""

    code = "crypto_chain"
