"""Accounts and sessions on the wire: login, password and recovery material, invitations."""

from __future__ import annotations

from typing import Annotated

from typing_extensions import TypedDict

from messaging import sign_ins, trust_marks
from web.models.fields import Base64, Base64Text, IdText, Input, Text, Timestamp, Whole

KEY = 32
SALT = 16
WRAPPED = 74
MAX_KEYRING = 64 * 64 + 64
BUNDLE = 145

Email = Annotated[str, Text(320)]
DeviceLabel = Annotated[str, Text(100)]
# The random id a browser (or the SDK) keeps for itself, so it is announced as new only once.
DeviceId = Annotated[str, Text(sign_ins.MAX_DEVICE_ID)]


class Kdf(Input):
    version: Annotated[int, Whole(0, 255)]
    ops: Annotated[int, Whole(0, 2**32 - 1)]
    mem: Annotated[int, Whole(0, 2**63 - 1)]


class PasswordMaterial(Input):
    """What the client derived from a password; the server never sees the password."""

    auth_key: Annotated[bytes, Base64(size=KEY)]
    kdf: Kdf
    salt: Annotated[bytes, Base64(size=SALT)]
    wrapped_account_key: Annotated[bytes, Base64(size=WRAPPED)]


class RecoveryMaterial(Input):
    recovery_auth_key: Annotated[bytes, Base64(size=KEY)]
    recovery_wrapped_account_key: Annotated[bytes, Base64(size=WRAPPED)]


class Prelogin(Input):
    email: Email


class Login(Input):
    email: Email
    auth_key: Annotated[bytes, Base64(size=KEY)]
    device_label: DeviceLabel | None = None
    device_id: DeviceId | None = None


class PasswordChange(Input):
    current_auth_key: Annotated[bytes, Base64(size=KEY)]
    new: PasswordMaterial


class RecoveryBegin(Input):
    email: Email
    recovery_auth_key: Annotated[bytes, Base64(size=KEY)]


class RecoveryComplete(RecoveryMaterial):
    email: Email
    new: PasswordMaterial
    device_label: DeviceLabel | None = None


class InvitationAcceptance(PasswordMaterial, RecoveryMaterial):
    public_bundle: Annotated[bytes, Base64(size=BUNDLE)]
    keyring: Annotated[bytes, Base64(max_size=MAX_KEYRING)]
    device_label: DeviceLabel | None = None
    device_id: DeviceId | None = None
    # The registering device's zone (e.g. "Europe/Berlin"); UTC when absent or unknown.
    time_zone: Annotated[str, Text(64)] | None = None


class IdentityReplacement(Input):
    public_bundle: Annotated[bytes, Base64(size=BUNDLE)]
    keyring: Annotated[bytes, Base64(max_size=MAX_KEYRING)]


class KdfJson(TypedDict):
    version: int
    ops: int
    mem: int


class PreloginJson(TypedDict):
    salt: Base64Text
    kdf: KdfJson


class UserJson(TypedDict):
    id: IdText
    email: str
    display_name: str
    role: str
    status: str
    created_at: Timestamp
    time_zone: str


class SessionJson(TypedDict):
    id: IdText
    device_label: str | None
    created_at: Timestamp
    last_seen_at: Timestamp
    expires_at: Timestamp
    current: bool


class SessionList(TypedDict):
    sessions: list[SessionJson]


class GrantJson(TypedDict):
    token: str
    session: SessionJson
    user: UserJson


class ClinicRef(TypedDict):
    id: IdText
    name: str


class AccountJson(TypedDict):
    user: UserJson
    clinic: ClinicRef
    kdf: KdfJson
    salt: Base64Text
    wrapped_account_key: Base64Text
    keyring: Base64Text
    public_bundle: Base64Text


class SessionsEnded(TypedDict):
    ended: int


class PasswordChanged(TypedDict):
    other_sessions_ended: int


class RecoveryStarted(TypedDict):
    user_id: IdText
    recovery_wrapped_account_key: Base64Text


class ClinicName(TypedDict):
    name: str


class InvitationView(TypedDict):
    user_id: IdText
    email: str
    display_name: str
    role: str
    clinic: ClinicName
    expires_at: Timestamp


class PublicKeyJson(TypedDict):
    user_id: IdText
    key_id: Base64Text
    public_bundle: Base64Text
    created_at: Timestamp


class DisplayNameChange(Input):
    display_name: Annotated[str, Text(400)]


class TrustMarksSave(Input):
    """The marks encrypted under the account key, replacing those read at `version`
    (0: there were none)."""

    trust: Annotated[bytes, Base64(max_size=trust_marks.MAX_BLOB)]
    version: Annotated[int, Whole(0, 2**31 - 1)]


class TrustMarksJson(TypedDict):
    trust: Base64Text | None
    version: int
