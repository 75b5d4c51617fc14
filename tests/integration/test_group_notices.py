"""Notices about group activity follow each member's preferences and carry no group name
or content; moderators hear of held posts."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.test_notices import emails_to, everything, set_preferences
from tests.support.clock import FrozenClock
from tests.support.groups import group_world
from tests.support.notifier import deliver
from tests.support.smtp import SmtpSink
from tests.support.world import Api

CANARY = "CANARY-group-post-5e1f"


async def _settle(api: Api, smtp: SmtpSink, clock: FrozenClock) -> None:
    for _ in range(2):  # the post's notices job, then the notices it queued
        clock.advance(timedelta(minutes=30))
        await deliver(api, smtp, clock)


async def test_group_posts_notify_members_by_preference_without_name_or_content(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    world = await group_world(api, "open", members=2)
    author, quiet = world.members
    await set_preferences(quiet, message_mode="off")
    await author.client.groups.post(world.thread_id, CANARY)
    await _settle(api, smtp, clock)

    [notice] = emails_to(smtp, world.moderator.email)
    for secret in (CANARY, "Thursday evening support", "Pseudonym", "Okafor"):
        assert secret not in everything(notice)
    assert emails_to(smtp, quiet.email) == [], "notices off"
    assert emails_to(smtp, author.email) == [], "the author gets no notice"


async def test_moderators_hear_of_a_held_post_and_other_members_do_not(
    api: Api, smtp: SmtpSink, clock: FrozenClock
) -> None:
    world = await group_world(api, "premoderated", members=2)
    author, other = world.members
    await author.client.groups.post(world.thread_id, CANARY)
    await _settle(api, smtp, clock)
    assert len(emails_to(smtp, world.moderator.email)) == 1
    assert emails_to(smtp, other.email) == []
