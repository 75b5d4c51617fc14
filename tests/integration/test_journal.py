"""The journal: entries and check-ins sealed to the author's account, paged by date,
drafts, search and export in the client, and sharing one entry at a time."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

import crypto
from messaging.storage.tables import journal_share_recipients, journal_shares
from tests.integration.test_no_secret_leaves_the_client import RecordingTransport, encodings
from tests.support.clock import FrozenClock
from tests.support.conversations import CareTeam, care_team
from tests.support.world import PASSWORD, Api, Person
from web.client import ApiError


async def second_therapist(api: Api, team: CareTeam) -> Person:
    """Another therapist joins the client's care team (and, after a rekey, the thread)."""
    other = await api.invite_and_register(team.admin, "therapist", "Dr. Okafor")
    await team.admin.client.assign(other.user_id, team.client.user_id)
    await team.client.client.threads.rekey(team.thread_id)
    await other.client.threads.load(team.thread_id)
    return other


async def test_entries_and_check_ins_round_trip_and_page_newest_first(
    api: Api, clock: FrozenClock
) -> None:
    team = await care_team(api)
    journal = team.client.client.journal
    written = []
    for n in range(7):
        clock.advance(timedelta(minutes=5))
        if n % 3 == 2:
            written.append(
                await journal.check_in(n, feelings=["calm"], sleep_hours=7, note=f"n{n}")
            )
        else:
            written.append(await journal.write({"title": f"Day {n}", "body": f"text {n}"}))
    first, cursor = await journal.page(limit=3)
    assert [e.id for e in first] == [e.id for e in reversed(written)][:3]
    assert cursor is not None
    everything = await journal.all()
    assert [e.id for e in everything] == [e.id for e in reversed(written)]
    assert [e.kind for e in everything].count("checkin") == 2
    assert (await journal.read(written[0].id)).content == {"title": "Day 0", "body": "text 0"}


async def test_any_device_with_the_password_reads_the_journal(api: Api) -> None:
    team = await care_team(api)
    entry = await team.client.client.journal.write({"body": "read me anywhere"})
    laptop = api.new_client("laptop")
    await laptop.login(team.client.email, PASSWORD)
    assert (await laptop.journal.read(entry.id)).content == {"body": "read me anywhere"}


async def test_edit_replaces_the_entry_and_delete_removes_it(api: Api) -> None:
    team = await care_team(api)
    journal = team.client.client.journal
    entry = await journal.write({"body": "first"})
    await journal.edit(entry.id, {"body": "second"})
    assert (await journal.read(entry.id)).content == {"body": "second"}
    await journal.delete(entry.id)
    with pytest.raises(ApiError) as gone:
        await journal.read(entry.id)
    assert gone.value.status == 404
    assert await journal.all() == []


async def test_a_retried_write_returns_the_original_and_stores_nothing_new(api: Api) -> None:
    team = await care_team(api)
    client = team.client.client
    entry_id = str(uuid.uuid4())
    blob = client.journal.seal(entry_id, {"body": "once"})
    body = {"id": entry_id, "blob": crypto.b64encode(blob)}
    await client.request("POST", "/api/journal/entries", body)
    await client.request("POST", "/api/journal/entries", body)
    assert len(await client.journal.all()) == 1


async def test_nobody_else_reads_or_changes_a_clients_entries(api: Api) -> None:
    team = await care_team(api)
    entry = await team.client.client.journal.write({"body": "mine"})
    for intruder in (team.therapist, team.admin):
        with pytest.raises(ApiError) as refused:
            await intruder.client.request("GET", f"/api/journal/entries/{entry.id}")
        assert refused.value.status == 403
    other = await api.invite_and_register(team.admin, "client", "Kim")
    for method in ("GET", "DELETE"):
        with pytest.raises(ApiError) as hidden:
            await other.client.request(method, f"/api/journal/entries/{entry.id}")
        assert hidden.value.status == 404
    forged = other.client.journal.seal(entry.id, {"body": "overwritten"})
    with pytest.raises(ApiError) as refused:
        await other.client.request(
            "PUT",
            f"/api/journal/entries/{entry.id}",
            {"blob": crypto.b64encode(forged)},
        )
    assert refused.value.status == 404
    assert (await team.client.client.journal.read(entry.id)).content == {"body": "mine"}


async def test_an_item_sealed_for_another_id_or_as_a_draft_is_refused(api: Api) -> None:
    team = await care_team(api)
    client = team.client.client
    entry_id = str(uuid.uuid4())
    for blob in (
        client.journal.seal(str(uuid.uuid4()), {"body": "x"}),
        client.journal.seal(entry_id, {"body": "x"}, draft=True),
    ):
        with pytest.raises(ApiError) as refused:
            await client.request(
                "POST", "/api/journal/entries", {"id": entry_id, "blob": crypto.b64encode(blob)}
            )
        assert refused.value.status == 422
    assert await client.journal.all() == []


async def test_drafts_are_saved_as_you_type_and_survive_a_new_session(api: Api) -> None:
    team = await care_team(api)
    draft_id = str(uuid.uuid4())
    for text in ("I", "I fe", "I feel better"):
        await team.client.client.journal.save_draft(draft_id, {"body": text})
    tab = api.new_client("reopened tab")
    await tab.login(team.client.email, PASSWORD)
    [draft] = await tab.journal.drafts()
    assert (draft.id, draft.content) == (draft_id, {"body": "I feel better"})
    await tab.journal.delete_draft(draft_id)
    assert await team.client.client.journal.drafts() == []


async def test_search_and_export_happen_on_decrypted_entries(api: Api, clock: FrozenClock) -> None:
    team = await care_team(api)
    journal = team.client.client.journal
    await journal.write({"title": "Walk", "body": "The river was quiet", "tags": ["outside"]})
    clock.advance(timedelta(minutes=1))
    await journal.write({"title": "Work", "body": "A long meeting"})
    clock.advance(timedelta(minutes=1))
    await journal.check_in(3, feelings=["tired"], note="river again")
    assert {e.content.get("title") for e in await journal.search("RIVER")} == {"Walk", None}
    assert [e.content["title"] for e in await journal.search("outside")] == ["Walk"]
    exported = json.loads(await journal.export_json())
    assert [e.get("title") for e in exported["entries"]] == ["Walk", "Work", None]
    markdown = await journal.export_markdown()
    assert "The river was quiet" in markdown
    assert "- Mood: 3/10" in markdown


async def test_a_shared_entry_opens_for_its_therapist_and_shows_as_opened(api: Api) -> None:
    team = await care_team(api)
    entry = await team.client.client.journal.write({"body": "please read this"})
    await team.client.client.journal.write({"body": "not this one"})
    share = await team.client.client.journal.share(entry.id)
    [listed] = await team.therapist.client.journal.shared_in_thread(team.thread_id)
    assert listed["id"] == share["id"]
    assert "share" not in listed
    opened = await team.therapist.client.journal.open_shared(share["id"])
    assert opened.content == {"body": "please read this"}
    [mine] = await team.client.client.journal.my_shares()
    assert mine["recipients"][0]["opened_at"] is not None


async def test_a_share_revoked_before_opening_can_never_be_opened(api: Api) -> None:
    team = await care_team(api)
    journal = team.client.client.journal
    entry = await journal.write({"body": "changed my mind"})
    share = await journal.share(entry.id)
    await journal.revoke(share["id"])
    for attempt in range(2):
        with pytest.raises(ApiError) as refused:
            await team.therapist.client.request("POST", f"/api/shared-entries/{share['id']}/open")
        assert refused.value.status == 404, attempt
    assert await team.therapist.client.journal.shared_in_thread(team.thread_id) == []
    assert await journal.my_shares() == []
    async with api.database.unit_of_work() as uow:
        rows = await uow.session.scalar(select(func.count()).select_from(journal_shares))
        seals = await uow.session.scalar(select(func.count()).select_from(journal_share_recipients))
    assert (rows, seals) == (0, 0), "the wrap and the snapshot are deleted"


async def test_an_opened_share_cannot_be_revoked_only_hidden_and_says_who_read_it(
    api: Api,
) -> None:
    team = await care_team(api)
    journal = team.client.client.journal
    entry = await journal.write({"body": "read already"})
    share = await journal.share(entry.id)
    await team.therapist.client.journal.open_shared(share["id"])
    with pytest.raises(ApiError) as too_late:
        await journal.revoke(share["id"])
    assert too_late.value.status == 409
    hidden = await journal.hide(share["id"])
    assert hidden["hidden_at"] is not None
    assert hidden["recipients"] == [
        {"user_id": team.therapist.user_id, "opened_at": hidden["recipients"][0]["opened_at"]}
    ]
    assert hidden["recipients"][0]["opened_at"] is not None
    with pytest.raises(ApiError) as gone:
        await team.therapist.client.request("POST", f"/api/shared-entries/{share['id']}/open")
    assert gone.value.status == 410


async def test_a_share_to_one_therapist_is_unreadable_to_another_care_team_member(
    api: Api,
) -> None:
    team = await care_team(api)
    other = await second_therapist(api, team)
    entry = await team.client.client.journal.write({"body": "only for Dr. Rivera"})
    share = await team.client.client.journal.share(entry.id, [team.therapist.user_id])
    assert await other.client.journal.shared_in_thread(team.thread_id) == []
    with pytest.raises(ApiError) as refused:
        await other.client.request("POST", f"/api/shared-entries/{share['id']}/open")
    assert refused.value.status == 404
    # Even handed the bytes (as a curious server could), the other therapist has no seal.
    answer = await team.therapist.client.request("POST", f"/api/shared-entries/{share['id']}/open")
    client_key = await other.client.request("GET", f"/api/users/{team.client.user_id}/public-key")
    bundle = crypto.parse_public_bundle(crypto.b64decode(client_key["public_bundle"]))
    assert other.client.unlocked is not None
    with pytest.raises(crypto.WrongKeyError):
        crypto.open_share(
            crypto.b64decode(answer["share"]), bundle.sign_pk, other.client.unlocked.identity
        )
    assert (await team.therapist.client.journal.open_shared(share["id"])).content == {
        "body": "only for Dr. Rivera"
    }


async def test_sharing_with_someone_outside_the_care_team_is_refused(api: Api) -> None:
    team = await care_team(api)
    stranger = await api.invite_and_register(team.admin, "therapist", "Dr. Stranger")
    entry = await team.client.client.journal.write({"body": "x"})
    journal = team.client.client.journal
    assert team.client.client.unlocked is not None
    key = await team.client.client.request("GET", f"/api/users/{stranger.user_id}/public-key")
    bundle = crypto.parse_public_bundle(crypto.b64decode(key["public_bundle"]))
    raw = await team.client.client.request("GET", f"/api/journal/entries/{entry.id}")
    share = crypto.create_share(
        team.client.client.unlocked.identity,
        team.client.client.unlocked.account_key,
        uuid.uuid4(),
        uuid.UUID(team.thread_id),
        crypto.b64decode(raw["blob"]),
        [(bundle.user_id, bundle.box_pk)],
    )
    with pytest.raises(ApiError) as refused:
        await team.client.client.request(
            "POST", f"/api/journal/entries/{entry.id}/shares", {"share": crypto.b64encode(share)}
        )
    assert refused.value.status == 422
    assert await journal.my_shares() == []


async def test_deleting_an_entry_withdraws_its_shares(api: Api) -> None:
    team = await care_team(api)
    journal = team.client.client.journal
    unread = await journal.write({"body": "a"})
    read = await journal.write({"body": "b"})
    unread_share = await journal.share(unread.id)
    read_share = await journal.share(read.id)
    await team.therapist.client.journal.open_shared(read_share["id"])
    await journal.delete(unread.id)
    await journal.delete(read.id)
    statuses = []
    for share in (unread_share, read_share):
        with pytest.raises(ApiError) as refused:
            await team.therapist.client.request("POST", f"/api/shared-entries/{share['id']}/open")
        statuses.append(refused.value.status)
    assert statuses == [404, 410]


async def test_no_account_key_journal_key_or_item_key_is_ever_sent(
    api: Api, clock: FrozenClock
) -> None:
    recorder = RecordingTransport(httpx.AsyncHTTPTransport())
    api.transport = recorder
    try:
        team = await care_team(api)
        journal = team.client.client.journal
        entry = await journal.write({"title": "t", "body": "b", "tags": ["x"]})
        await journal.check_in(5, feelings=["calm"], note="n")
        draft_id = str(uuid.uuid4())
        await journal.save_draft(draft_id, {"body": "half"})
        await journal.edit(entry.id, {"body": "b2"})
        share = await journal.share(entry.id)
        await team.therapist.client.journal.open_shared(share["id"])
        await journal.search("b2")
        await journal.export_json()
        client, therapist = team.client.client.unlocked, team.therapist.client.unlocked
        assert client is not None
        assert therapist is not None
        secrets: dict[str, bytes] = {
            "client account key": client.account_key,
            "client journal key": crypto.journal_key(client.account_key),
            "therapist account key": therapist.account_key,
            "therapist encryption key": therapist.identity.box_sk,
            "client encryption key": client.identity.box_sk,
        }
        for item in [*await journal.all(), *await journal.drafts()]:
            blob = crypto.b64decode(item.raw["blob"])
            key = crypto.open_item(blob, client.account_key, client.identity.user_id).item_key
            secrets[f"item key of {item.id}"] = key
        leaks = [
            name
            for name, secret in secrets.items()
            for body in recorder.bodies + recorder.urls
            if any(form in body for form in encodings(secret))
        ]
        assert leaks == []
        assert len(secrets) >= 8
    finally:
        await recorder.aclose()


async def test_the_authors_other_devices_hear_of_each_change_and_nobody_else_does(
    api: Api,
) -> None:
    team = await care_team(api)
    phone = api.new_client("phone")
    await phone.login(team.client.email, PASSWORD)
    phone_live, therapist_live = phone.realtime(), team.therapist.client.realtime()
    await phone_live.connect()
    await therapist_live.connect()
    try:
        journal = team.client.client.journal
        entry = await journal.write({"body": "from the laptop"})
        _, written = await phone_live.next("journal_updated")
        assert written["change"] == "written"
        assert phone.journal.open(written["entry"]).content == {"body": "from the laptop"}
        await journal.delete(entry.id)
        _, deleted = await phone_live.next("journal_updated")
        assert (deleted["change"], deleted["id"]) == ("deleted", entry.id)
        share = await journal.share((await journal.write({"body": "shared"})).id)
        name, event = await therapist_live.next()
        assert (name, event["change"], event["share"]["id"]) == (
            "journal_share",
            "shared",
            share["id"],
        )
    finally:
        await phone_live.disconnect()
        await therapist_live.disconnect()
