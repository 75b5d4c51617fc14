"""Direct threads over HTTP: opening, messaging, history, read positions, edits, epochs."""

from __future__ import annotations

import pytest

import crypto
from tests.support.conversations import care_team
from tests.support.world import Api
from web.client import ApiError


async def test_client_and_therapist_exchange_messages_that_only_they_can_read(api: Api) -> None:
    team = await care_team(api)
    sent = await team.client.client.threads.send(team.thread_id, "I had a hard week.")
    reply = await team.therapist.client.threads.send(team.thread_id, "Thank you for telling me.")
    assert (sent["seq"], reply["seq"]) == (1, 2)

    for reader in (team.client, team.therapist):
        history = await reader.client.threads.history(team.thread_id)
        assert [(m.seq, m.text, m.verified) for m in history] == [
            (1, "I had a hard week.", True),
            (2, "Thank you for telling me.", True),
        ]
    with pytest.raises(ApiError) as outsider:
        await team.admin.client.threads.history(team.thread_id)
    assert outsider.value.status == 404


async def test_the_thread_list_shows_unread_counts_and_reading_clears_them(api: Api) -> None:
    team = await care_team(api)
    for text in ("one", "two", "three"):
        await team.client.client.threads.send(team.thread_id, text)

    [summary] = await team.therapist.client.threads.summaries()
    assert (summary["id"], summary["unread"], summary["last_seq"]) == (team.thread_id, 3, 3)
    [mine] = await team.client.client.threads.summaries()
    assert mine["unread"] == 0, "your own messages are never unread"

    await team.therapist.client.threads.mark_read(team.thread_id, 2)
    [summary] = await team.therapist.client.threads.summaries()
    assert summary["unread"] == 1
    with pytest.raises(ApiError) as beyond:
        await team.therapist.client.threads.mark_read(team.thread_id, 9)
    assert beyond.value.status == 422


async def test_history_pages_by_seq_in_both_directions(api: Api) -> None:
    team = await care_team(api)
    for n in range(1, 8):
        await team.client.client.threads.send(team.thread_id, f"message {n}")
    threads = team.therapist.client.threads

    newest = await threads.history(team.thread_id, limit=3)
    assert [m.seq for m in newest] == [5, 6, 7]
    older = await threads.history(team.thread_id, before=5, limit=3)
    assert [m.seq for m in older] == [2, 3, 4]
    oldest = await threads.history(team.thread_id, before=2, limit=3)
    assert [m.seq for m in oldest] == [1]
    forward = await threads.history(team.thread_id, after=3, limit=2)
    assert [m.text for m in forward] == ["message 4", "message 5"]


async def test_only_the_care_team_can_open_or_see_the_direct_thread(api: Api) -> None:
    team = await care_team(api, open_thread=False)
    stranger = await api.invite_and_register(team.admin, "therapist", "Dr. Elsewhere")
    with pytest.raises(ApiError) as not_on_team:
        await stranger.client.threads.open_direct(team.client.user_id)
    assert not_on_team.value.status == 404
    with pytest.raises(ApiError) as admin:
        await team.admin.client.threads.open_direct(team.client.user_id)
    assert admin.value.status == 403

    thread_id = await team.therapist.client.threads.open_direct(team.client.user_id)
    assert await team.client.client.threads.open_direct(team.client.user_id) == thread_id


async def test_a_retried_send_returns_the_original_and_stores_nothing_new(api: Api) -> None:
    team = await care_team(api)
    threads = team.client.client.threads
    envelope = await threads.seal(team.thread_id, "sent twice over a bad connection")
    first = await threads.send_envelope(team.thread_id, envelope)
    again = await threads.send_envelope(team.thread_id, envelope)
    assert again["id"] == first["id"]
    assert again["seq"] == first["seq"] == 1
    assert [m.seq for m in await threads.history(team.thread_id)] == [1]


async def test_edit_replaces_the_text_and_delete_leaves_a_tombstone(api: Api) -> None:
    team = await care_team(api)
    threads = team.client.client.threads
    first = await threads.send(team.thread_id, "typo hree")
    await threads.send(team.thread_id, "second")
    await threads.edit(team.thread_id, first["id"], "typo here")
    await threads.delete(first["id"])
    await threads.send(team.thread_id, "third")

    history = await team.therapist.client.threads.history(team.thread_id)
    assert [(m.seq, m.state, m.text) for m in history] == [
        (1, "removed", None),
        (2, "visible", "second"),
        (3, "visible", "third"),
    ]
    with pytest.raises(ApiError) as gone:
        await threads.edit(team.thread_id, first["id"], "again")
    assert gone.value.status == 410


async def test_a_message_edited_after_a_new_epoch_still_opens_for_everyone(api: Api) -> None:
    team = await care_team(api)
    threads = team.client.client.threads
    sent = await threads.send(team.thread_id, "before the new epoch")
    second = await api.invite_and_register(team.admin, "therapist", "Dr. Second")
    await team.admin.client.assign(second.user_id, team.client.user_id)
    await threads.load(team.thread_id)
    await threads.rekey(team.thread_id)
    edited = await threads.edit(team.thread_id, sent["id"], "edited in the new epoch")
    assert edited["epoch"] == (await threads.load(team.thread_id)).epoch

    [message] = await team.therapist.client.threads.history(team.thread_id)
    assert (message.text, message.verified) == ("edited in the new epoch", True)


async def test_only_the_sender_can_edit_or_delete_a_message(api: Api) -> None:
    team = await care_team(api)
    sent = await team.client.client.threads.send(team.thread_id, "mine")
    with pytest.raises(ApiError) as edit:
        await team.therapist.client.threads.edit(team.thread_id, sent["id"], "not yours")
    assert edit.value.status == 403
    with pytest.raises(ApiError) as delete:
        await team.therapist.client.threads.delete(sent["id"])
    assert delete.value.status == 403


async def test_a_commit_building_on_an_old_epoch_loses_with_409(api: Api) -> None:
    team = await care_team(api)
    second = await api.invite_and_register(team.admin, "therapist", "Dr. Second")
    await team.admin.client.assign(second.user_id, team.client.user_id)
    threads = team.client.client.threads
    keys = await threads.load(team.thread_id)
    roster = await team.client.client.request("GET", f"/api/threads/{team.thread_id}/roster")
    members = threads._verified_members(roster)
    assert keys.last_commit is not None
    stale = crypto.create_commit(
        threads.identity,
        keys.thread_id,
        1,
        keys.last_commit.hash,
        members,
        crypto.create_epoch_key(),
    )
    assert await team.therapist.client.threads.rekey(team.thread_id) == 1
    with pytest.raises(ApiError) as lost:
        await team.client.client.request(
            "POST", f"/api/threads/{team.thread_id}/commits", {"commit": crypto.b64encode(stale)}
        )
    assert lost.value.status == 409


async def test_a_new_therapist_joins_through_a_new_epoch_and_reads_from_then_on(api: Api) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "before you joined")
    second = await api.invite_and_register(team.admin, "therapist", "Dr. Second")
    await team.admin.client.assign(second.user_id, team.client.user_id)

    # The next send needs a new epoch that includes the new therapist; the SDK makes it.
    sent = await team.client.client.threads.send(team.thread_id, "welcome")
    assert sent["epoch"] == 1
    history = await second.client.threads.history(team.thread_id)
    assert [(m.text, m.verified) for m in history] == [(None, False), ("welcome", True)]
    assert history[0].problem == "could not be verified"


async def test_a_removed_therapist_loses_access_at_once_and_cannot_open_the_next_epoch(
    api: Api,
) -> None:
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "before")
    old_keys = await team.therapist.client.threads.load(team.thread_id)
    await team.admin.client.unassign(team.therapist.user_id, team.client.user_id)

    with pytest.raises(ApiError) as cut_off:
        await team.therapist.client.threads.history(team.thread_id)
    assert cut_off.value.status == 404
    with pytest.raises(ApiError) as cannot_send:
        await team.therapist.client.threads.send(team.thread_id, "still here?")
    assert cannot_send.value.status == 404

    await team.client.client.threads.send(team.thread_id, "after")
    commits = await team.client.client.request("GET", f"/api/threads/{team.thread_id}/commits")
    latest = crypto.parse_commit(crypto.b64decode(commits["commits"][-1]["commit"]))
    assert latest.epoch == 1
    assert latest.member(team.therapist.client.unlocked.identity.user_id) is None  # type: ignore[union-attr]
    assert set(old_keys.epoch_keys) == {0}, "the removed therapist holds only epoch 0"


async def test_a_therapist_lists_their_clients_with_any_open_thread(api: Api) -> None:
    team = await care_team(api)
    other = await api.invite_and_register(team.admin, "client", "Alex")
    await team.admin.client.assign(team.therapist.user_id, other.user_id)
    clients = (await team.therapist.client.request("GET", "/api/care-team/clients"))["clients"]
    assert clients == [
        {"client_id": other.user_id, "display_name": "Alex", "thread_id": None},
        {"client_id": team.client.user_id, "display_name": "Sam", "thread_id": team.thread_id},
    ]
    with pytest.raises(ApiError) as client_denied:
        await team.client.client.request("GET", "/api/care-team/clients")
    assert client_denied.value.status == 403


async def test_the_thread_list_names_the_members(api: Api) -> None:
    team = await care_team(api)
    [summary] = await team.client.client.threads.summaries()
    assert {(m["display_name"], m["role"]) for m in summary["members"]} == {
        ("Sam", "client"),
        ("Dr. Rivera", "therapist"),
    }


async def test_an_earlier_key_stays_retrievable_after_a_key_change(api: Api) -> None:
    team = await care_team(api)
    old = await team.client.client.request("GET", f"/api/users/{team.therapist.user_id}/public-key")
    await team.therapist.client.replace_identity()
    current = await team.client.client.request(
        "GET", f"/api/users/{team.therapist.user_id}/public-key"
    )
    assert current["key_id"] != old["key_id"]
    again = await team.client.client.request(
        "GET", f"/api/users/{team.therapist.user_id}/keys/{old['key_id']}"
    )
    assert again["public_bundle"] == old["public_bundle"]
    with pytest.raises(ApiError) as unknown:
        await team.client.client.request(
            "GET", f"/api/users/{team.therapist.user_id}/keys/{crypto.b64encode(bytes(16))}"
        )
    assert unknown.value.status == 404
