"""Verified safety numbers follow the person: their encrypted trust marks are kept on the
server, versioned, so two devices saving at once cannot silently drop a mark."""

from __future__ import annotations

import secrets

import pytest

from crypto import b64decode, b64encode
from tests.support.world import Api
from web.client import ApiError


def sealed_looking(size: int = 80) -> str:
    return b64encode(bytes([1]) + secrets.token_bytes(size - 1))


async def test_marks_saved_on_one_device_are_read_on_another(api: Api) -> None:
    admin = await api.create_clinic()
    assert await admin.client.request("GET", "/api/me/trust") == {"trust": None, "version": 0}
    blob = sealed_looking()
    saved = await admin.client.request("PUT", "/api/me/trust", {"trust": blob, "version": 0})
    assert saved == {"trust": blob, "version": 1}

    phone = api.new_client("phone")
    await phone.login(admin.email, admin.password)
    assert await phone.request("GET", "/api/me/trust") == {"trust": blob, "version": 1}


async def test_a_save_based_on_an_old_version_is_refused_and_changes_nothing(api: Api) -> None:
    admin = await api.create_clinic()
    first = sealed_looking()
    await admin.client.request("PUT", "/api/me/trust", {"trust": first, "version": 0})
    for stale in (0, 5):
        with pytest.raises(ApiError) as refused:
            await admin.client.request(
                "PUT", "/api/me/trust", {"trust": sealed_looking(), "version": stale}
            )
        assert refused.value.status == 409
    assert (await admin.client.request("GET", "/api/me/trust"))["trust"] == first


@pytest.mark.parametrize("blob", [b"", bytes([1]) + bytes(10), bytes([2]) + bytes(60)])
async def test_bytes_that_cannot_be_trust_marks_are_refused(api: Api, blob: bytes) -> None:
    admin = await api.create_clinic()
    with pytest.raises(ApiError) as refused:
        await admin.client.request("PUT", "/api/me/trust", {"trust": b64encode(blob), "version": 0})
    assert refused.value.status == 422


async def test_nobody_else_reads_a_persons_marks(api: Api) -> None:
    admin = await api.create_clinic()
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Rivera")
    await therapist.client.request(
        "PUT", "/api/me/trust", {"trust": sealed_looking(), "version": 0}
    )
    assert (await admin.client.request("GET", "/api/me/trust"))["trust"] is None
    stored = (await therapist.client.request("GET", "/api/me/trust"))["trust"]
    assert len(b64decode(stored)) == 80
