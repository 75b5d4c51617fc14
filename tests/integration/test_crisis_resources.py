"""Crisis resources: a clinic starts with its country's helplines, its admins change them,
and anyone can read them (logged in or not), while nobody else can change them."""

from __future__ import annotations

import uuid

import httpx
import pytest

from messaging import clinics
from messaging.errors import InvalidInput
from tests.support.world import Api, Person, unique_email
from web.client import ApiError, invitation_token

SAMARITANS = {
    "name": "Samaritans",
    "phone": "116 123",
    "text": "",
    "url": "https://www.samaritans.org",
    "hours": "24 hours, every day",
}
LOCAL_LINE = {
    "name": "Harbour Night Line",
    "phone": "+44 20 7946 0000",
    "text": "07700 900123",
    "url": "https://night.example.org/help",
    "hours": "18:00 to 08:00",
}


async def public_read(api: Api, clinic_id: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=api.base_url, transport=api.transport) as anonymous:
        return await anonymous.get(f"/api/clinics/{clinic_id}/crisis-resources")


async def clinic_in(api: Api, country: str | None) -> tuple[str, Person]:
    email = unique_email("admin")
    async with api.database.unit_of_work() as uow:
        clinic, issued = await clinics.create_clinic(
            uow, api.context, "Harbour Clinic", email, "Ada Admin", country=country
        )
    admin = await api.register(invitation_token(issued.link), email)
    return str(clinic.id), admin


async def test_a_new_clinic_starts_with_its_countrys_helplines_readable_without_login(
    api: Api,
) -> None:
    clinic_id, _ = await clinic_in(api, "gb")
    answer = await public_read(api, clinic_id)
    assert answer.status_code == 200
    resources = answer.json()["resources"]
    assert resources[0] == SAMARITANS
    assert resources[1]["text"] == "85258"


async def test_a_clinic_in_a_country_without_defaults_starts_empty(api: Api) -> None:
    clinic_id, _ = await clinic_in(api, None)
    assert (await public_read(api, clinic_id)).json() == {"resources": []}


async def test_admin_replaces_the_resources_and_everyone_reads_the_new_ones(api: Api) -> None:
    clinic_id, admin = await clinic_in(api, "GB")
    saved = await admin.client.request(
        "PUT", "/api/clinic/crisis-resources", {"resources": [LOCAL_LINE, SAMARITANS]}
    )
    assert saved == {"resources": [LOCAL_LINE, SAMARITANS]}
    assert (await public_read(api, clinic_id)).json() == saved
    trail = await admin.client.request("GET", "/api/clinic/audit")
    assert trail["events"][0]["action"] == "crisis_resources.changed"


async def test_reading_an_unknown_clinic_is_not_found(api: Api) -> None:
    assert (await public_read(api, str(uuid.uuid4()))).status_code == 404


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        ({"name": "", "phone": "988"}, "resources[0].name"),
        ({"name": "Line"}, "resources[0]: give a phone number"),
        ({"name": "Line", "phone": "call us"}, "resources[0].phone"),
        ({"name": "Line", "text": "1"}, "resources[0].text"),
        ({"name": "Line", "url": "javascript:alert(1)"}, "resources[0].url"),
        ({"name": "Line", "url": "https://"}, "resources[0].url"),
        ({"name": "Line", "phone": "988", "hours": "x" * 101}, "resources[0].hours"),
        ({"name": 7, "phone": "988"}, "name"),
        ("not an object", "resources[0]"),
    ],
)
async def test_a_bad_resource_is_refused_naming_it_and_changes_nothing(
    api: Api, resource: object, field: str
) -> None:
    clinic_id, admin = await clinic_in(api, "GB")
    with pytest.raises(ApiError) as refused:
        await admin.client.request("PUT", "/api/clinic/crisis-resources", {"resources": [resource]})
    assert refused.value.status == 422
    assert field in refused.value.message
    assert (await public_read(api, clinic_id)).json()["resources"][0] == SAMARITANS


async def test_too_many_resources_are_refused(api: Api) -> None:
    _, admin = await clinic_in(api, None)
    with pytest.raises(ApiError) as refused:
        await admin.client.request(
            "PUT", "/api/clinic/crisis-resources", {"resources": [LOCAL_LINE] * 7}
        )
    assert refused.value.status == 422


async def test_therapists_clients_and_other_clinics_admins_cannot_change_them(api: Api) -> None:
    clinic_id, admin = await clinic_in(api, "GB")
    therapist = await api.invite_and_register(admin, "therapist", "Dr. Rivera")
    client = await api.invite_and_register(admin, "client", "Sam")
    _, other_admin = await clinic_in(api, "US")
    body = {"resources": [LOCAL_LINE]}
    for person, status in ((therapist, 403), (client, 403)):
        with pytest.raises(ApiError) as refused:
            await person.client.request("PUT", "/api/clinic/crisis-resources", body)
        assert refused.value.status == status
    # Another clinic's admin changes only their own clinic's list.
    await other_admin.client.request("PUT", "/api/clinic/crisis-resources", body)
    assert (await public_read(api, clinic_id)).json()["resources"][0] == SAMARITANS


async def test_a_country_that_is_not_a_two_letter_code_is_refused_at_clinic_creation(
    api: Api,
) -> None:
    with pytest.raises(InvalidInput, match="country"):
        await clinic_in(api, "Britain")
