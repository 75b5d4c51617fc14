"""Registration, login, sessions, password change and recovery through the SDK."""

import pytest

from tests.support.world import PASSWORD, Api
from web.client import ApiError, invitation_token


async def test_an_invited_person_registers_logs_in_elsewhere_and_unlocks_the_same_keys(
    api: Api,
) -> None:
    admin = await api.create_clinic()
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Rivera")
    registered_identity = therapist.client.unlocked.identity  # type: ignore[union-attr]

    fresh = api.new_client("phone")
    unlocked = await fresh.login(therapist.email, PASSWORD)

    assert unlocked.identity.sign_pk == registered_identity.sign_pk
    assert unlocked.identity.box_sk == registered_identity.box_sk
    assert unlocked.user["role"] == "therapist"
    assert unlocked.user["display_name"] == "Dr. Rivera"


async def test_a_wrong_password_is_refused_with_a_clear_message(api: Api) -> None:
    admin = await api.create_clinic()
    with pytest.raises(ApiError) as refused:
        await api.new_client().login(admin.email, "not the password")
    assert refused.value.status == 401
    assert refused.value.code == "not_authenticated"
    assert "recovery code" in refused.value.message


async def test_posting_the_stored_auth_key_hash_as_a_login_fails(api: Api) -> None:
    admin = await api.create_clinic()
    from sqlalchemy import select

    from crypto import b64encode
    from messaging.storage.tables import credentials, users

    async with api.database.unit_of_work() as uow:
        stored_hash = await uow.session.scalar(
            select(credentials.c.auth_key_hash)
            .join(users, users.c.id == credentials.c.user_id)
            .where(users.c.email == admin.email)
        )
    assert stored_hash is not None
    attacker = api.new_client()
    with pytest.raises(ApiError) as refused:
        await attacker.request(
            "POST", "/api/login", {"email": admin.email, "auth_key": b64encode(stored_hash)}
        )
    assert refused.value.status == 401


async def test_prelogin_for_an_unknown_email_looks_like_a_real_account(api: Api) -> None:
    admin = await api.create_clinic()
    client = api.new_client()
    real = await client.request("POST", "/api/prelogin", {"email": admin.email})
    fake = await client.request("POST", "/api/prelogin", {"email": "nobody-here@example.org"})
    again = await client.request("POST", "/api/prelogin", {"email": "Nobody-Here@example.org "})

    assert set(real) == set(fake) == {"salt", "kdf"}
    assert set(real["kdf"]) == set(fake["kdf"])
    assert real["kdf"] == fake["kdf"]
    assert len(real["salt"]) == len(fake["salt"])
    assert fake == again, "the fake answer is stable, as a real one would be"


async def test_sessions_are_listed_and_one_or_all_others_can_be_revoked(api: Api) -> None:
    admin = await api.create_clinic()
    laptop, phone = api.new_client("laptop"), api.new_client("phone")
    await laptop.login(admin.email, PASSWORD)
    await phone.login(admin.email, PASSWORD)

    listed = await laptop.sessions()
    assert {s["device_label"] for s in listed} == {"test device", "laptop", "phone"}
    assert [s["device_label"] for s in listed if s["current"]] == ["laptop"]

    phone_session = next(s for s in listed if s["device_label"] == "phone")
    await laptop.end_session(phone_session["id"])
    with pytest.raises(ApiError) as ended:
        await phone.me()
    assert ended.value.status == 401

    assert await laptop.end_other_sessions() == 1
    with pytest.raises(ApiError):
        await admin.client.me()
    assert [s["device_label"] for s in await laptop.sessions()] == ["laptop"]


async def test_ending_another_users_session_is_not_found(api: Api) -> None:
    admin = await api.create_clinic()
    client = await api.invite_and_register(admin, "client", "Sam")
    theirs = (await client.client.sessions())[0]["id"]
    with pytest.raises(ApiError) as refused:
        await admin.client.end_session(theirs)
    assert refused.value.status == 404
    assert (await client.client.me())["user"]["email"] == client.email


async def test_logout_ends_the_session(api: Api) -> None:
    admin = await api.create_clinic()
    token = admin.client.token
    await admin.client.logout()
    admin.client.token = token
    with pytest.raises(ApiError) as refused:
        await admin.client.me()
    assert refused.value.status == 401


async def test_password_change_rewraps_keys_and_ends_other_sessions(api: Api) -> None:
    admin = await api.create_clinic()
    other = api.new_client("other")
    await other.login(admin.email, PASSWORD)
    identity = admin.client.unlocked.identity  # type: ignore[union-attr]

    assert await admin.client.change_password(PASSWORD, "a brand new passphrase") == 1
    with pytest.raises(ApiError):
        await other.me()
    with pytest.raises(ApiError):
        await api.new_client().login(admin.email, PASSWORD)
    unlocked = await api.new_client().login(admin.email, "a brand new passphrase")
    assert unlocked.identity.sign_pk == identity.sign_pk


async def test_password_change_requires_the_current_password(api: Api) -> None:
    admin = await api.create_clinic()
    with pytest.raises(ApiError) as refused:
        await admin.client.change_password("wrong current password", "something new entirely")
    assert refused.value.status == 401
    await api.new_client().login(admin.email, PASSWORD)


async def test_recovery_code_sets_a_new_password_and_keeps_every_key(api: Api) -> None:
    admin = await api.create_clinic()
    identity = admin.client.unlocked.identity  # type: ignore[union-attr]

    recovering = api.new_client("new phone")
    unlocked = await recovering.recover(admin.email, admin.recovery_code, "recovered passphrase!")
    assert unlocked.identity.sign_pk == identity.sign_pk
    with pytest.raises(ApiError):
        await admin.client.me()  # every earlier session ended
    relogged = await api.new_client().login(admin.email, "recovered passphrase!")
    assert relogged.identity.box_sk == identity.box_sk


async def test_a_wrong_recovery_code_fails_cleanly(api: Api) -> None:
    admin = await api.create_clinic()
    other = await api.create_clinic("Elsewhere")
    with pytest.raises(ApiError) as refused:
        await api.new_client().recover(admin.email, other.recovery_code, "new passphrase here")
    assert refused.value.status == 401
    await api.new_client().login(admin.email, PASSWORD)


async def test_used_expired_and_revoked_invitations_give_clear_errors_and_change_nothing(
    api: Api, clock: object
) -> None:
    from datetime import timedelta

    admin = await api.create_clinic()
    used = await admin.client.invite("used@example.org", "Used", "client")
    await api.register(invitation_token(used["link"]), "used@example.org")
    with pytest.raises(ApiError) as again:
        await api.new_client().register(invitation_token(used["link"]), PASSWORD)
    assert (again.value.status, again.value.code) == (410, "gone")
    assert "already used" in again.value.message

    revoked = await admin.client.invite("revoked@example.org", "Revoked", "client")
    await admin.client.revoke_invitation(revoked["id"])
    with pytest.raises(ApiError) as withdrawn:
        await api.new_client().register(invitation_token(revoked["link"]), PASSWORD)
    assert withdrawn.value.status == 410
    assert "withdrawn" in withdrawn.value.message

    expiring = await admin.client.invite("late@example.org", "Late", "client")
    clock.advance(timedelta(days=7, seconds=1))  # type: ignore[attr-defined]
    with pytest.raises(ApiError) as expired:
        await api.new_client().register(invitation_token(expiring["link"]), PASSWORD)
    assert expired.value.status == 410
    assert "expired" in expired.value.message

    with pytest.raises(ApiError) as unknown:
        await api.new_client().register("not-a-real-token", PASSWORD)
    assert unknown.value.status == 404

    await admin.client.login(admin.email, PASSWORD)  # a week idle ended the old session
    emails = {person["email"] for person in await admin.client.people()}
    assert "revoked@example.org" not in emails
    assert "late@example.org" not in emails


async def test_the_login_rate_limit_engages_and_releases(api: Api, clock: object) -> None:
    from datetime import timedelta

    admin = await api.create_clinic()
    attacker = api.new_client()
    for _ in range(5):
        with pytest.raises(ApiError) as wrong:
            await attacker.login(admin.email, "guess")
        assert wrong.value.status == 401
    with pytest.raises(ApiError) as locked:
        await attacker.login(admin.email, PASSWORD)
    assert locked.value.status == 429
    assert locked.value.code == "rate_limited"

    clock.advance(timedelta(minutes=15, seconds=1))  # type: ignore[attr-defined]
    await attacker.login(admin.email, PASSWORD)


async def test_a_lock_on_an_unknown_email_looks_the_same_as_on_a_real_one(api: Api) -> None:
    await api.create_clinic()
    attacker = api.new_client()
    for _ in range(5):
        with pytest.raises(ApiError):
            await attacker.request(
                "POST", "/api/login", {"email": "ghost@example.org", "auth_key": "A" * 43}
            )
    with pytest.raises(ApiError) as locked:
        await attacker.request(
            "POST", "/api/login", {"email": "ghost@example.org", "auth_key": "A" * 43}
        )
    assert locked.value.status == 429


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "email"),
        ({"email": "x@example.org"}, "auth_key"),
        ({"email": "x@example.org", "auth_key": "short"}, "auth_key"),
        ({"email": "x@example.org", "auth_key": "A" * 43 + "="}, "auth_key"),
        ({"email": 7, "auth_key": "A" * 43}, "email"),
    ],
)
async def test_a_malformed_login_is_a_422_naming_the_field(
    api: Api, body: dict, field: str
) -> None:
    with pytest.raises(ApiError) as refused:
        await api.new_client().request("POST", "/api/login", body)
    assert (refused.value.status, refused.value.code) == (422, "invalid_input")
    assert refused.value.message.startswith(f"{field}:")


async def test_people_change_their_own_display_name_and_others_see_it(api: Api) -> None:
    admin = await api.create_clinic()
    client = await api.invite_and_register(admin, "client", "Sam")
    renamed = await client.client.request("PUT", "/api/me/name", {"display_name": "  Sam   Lee "})
    assert renamed["display_name"] == "Sam Lee"
    assert (await client.client.me())["user"]["display_name"] == "Sam Lee"
    people = (await admin.client.request("GET", "/api/clinic/people"))["people"]
    assert "Sam Lee" in [p["display_name"] for p in people]
    trail = (await admin.client.request("GET", "/api/clinic/audit"))["events"]
    assert trail[0]["action"] == "account.renamed"
    for bad in ("", "   ", "x" * 201):
        with pytest.raises(ApiError) as refused:
            await client.client.request("PUT", "/api/me/name", {"display_name": bad})
        assert refused.value.status == 422
    assert (await client.client.me())["user"]["display_name"] == "Sam Lee"
