"""One time zone per person: set from the registering device, used by working hours and
notification settings alike, so changing it in one place changes it everywhere."""

from __future__ import annotations

from tests.support.world import Api, Person, unique_email
from web.client import invitation_token

WEEKDAYS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


async def register_in(api: Api, admin: Person, role: str, time_zone: str) -> Person:
    email = unique_email(role)
    invitation = await admin.client.invite(email, "Dr. Lee", role)
    client = api.new_client()
    registration = await client.register(invitation_token(invitation["link"]), "a" * 20, time_zone)
    return Person(client, email, "a" * 20, registration.user["id"], registration.recovery_code)


async def test_a_new_person_gets_the_zone_of_the_device_they_registered_on(api: Api) -> None:
    admin = await api.create_clinic()
    therapist = await register_in(api, admin, "therapist", "Europe/Berlin")
    assert (await therapist.client.me())["user"]["time_zone"] == "Europe/Berlin"
    notifications = await therapist.client.request("GET", "/api/me/notifications")
    schedule = await therapist.client.request("GET", "/api/me/schedule")
    assert notifications["time_zone"] == "Europe/Berlin"
    assert schedule["time_zone"] == "Europe/Berlin"


async def test_a_zone_the_server_does_not_know_does_not_stop_anyone_joining(api: Api) -> None:
    admin = await api.create_clinic()
    client = await register_in(api, admin, "client", "Mars/Olympus_Mons")
    assert (await client.client.me())["user"]["time_zone"] == "UTC"


async def test_working_hours_and_notification_settings_share_the_one_zone(api: Api) -> None:
    admin = await api.create_clinic()
    therapist = await register_in(api, admin, "therapist", "Europe/Berlin")
    await therapist.client.request(
        "PUT",
        "/api/me/schedule",
        {
            "time_zone": "America/New_York",
            "hours": WEEKDAYS,
            "days_off": [],
            "away_message": "",
            "commitment": {"amount": 1, "unit": "days"},
        },
    )
    notifications = await therapist.client.request("GET", "/api/me/notifications")
    assert notifications["time_zone"] == "America/New_York"

    await therapist.client.request(
        "PUT", "/api/me/notifications", {**notifications, "time_zone": "Asia/Tokyo"}
    )
    assert (await therapist.client.request("GET", "/api/me/schedule"))["time_zone"] == "Asia/Tokyo"
    assert (await therapist.client.me())["user"]["time_zone"] == "Asia/Tokyo"
