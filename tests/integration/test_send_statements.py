"""How many SQL statements one message costs: the send path's regression guard.

Counted on the engine (`before_cursor_execute`, every engine of the process, which during a
send is only the app's) for one direct-thread message from the client, after a first one
has warmed every cache. Transactions are counted apart (SQLite's `BEGIN IMMEDIATE` runs as
a statement; PostgreSQL's BEGIN and COMMIT do not pass through a cursor). The ceilings
and what each remaining statement is for are in docs/benchmarks.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support.clock import FrozenClock
from tests.support.conversations import care_team
from tests.support.world import Api

# The second message of a burst (the reply timer is running and a notice is pending, as
# for most messages of a conversation): the session, the locked thread with its members,
# the sender's key with any earlier message of the same client message id, the seq bump,
# the insert, the sender's read position, the recipients' notice settings, their live
# sessions. Over HTTP the session is checked before the transaction, by the same query.
# Was 14 on both paths.
SOCKET_CEILING = 8
HTTP_CEILING = 8
TURN_CEILING = 12


@dataclass
class Statements:
    sql: list[str] = field(default_factory=list)
    transactions: int = 0

    @property
    def count(self) -> int:
        return sum(1 for s in self.sql if not s.startswith("BEGIN"))

    def __str__(self) -> str:
        return "\n".join(s.split("\n")[0][:160] for s in self.sql)


@contextmanager
def counting() -> Iterator[Statements]:
    seen = Statements()

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.sql.append(statement.strip())

    def on_begin(_conn: Any) -> None:
        seen.transactions += 1

    event.listen(Engine, "before_cursor_execute", on_statement)
    event.listen(Engine, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", on_statement)
        event.remove(Engine, "begin", on_begin)


async def test_a_message_over_the_socket_costs_at_most_its_ceiling_of_statements(
    api: Api,
) -> None:
    team = await care_team(api)
    threads = team.client.client.threads
    rt = team.client.client.realtime()
    therapist_rt = team.therapist.client.realtime()
    await rt.connect()
    await therapist_rt.connect()
    try:
        threads.use_realtime(rt)
        await threads.send(team.thread_id, "warming up")
        envelope = await threads.seal(team.thread_id, "counted")
        with counting() as seen:
            await threads.send_envelope(team.thread_id, envelope)
        _, event_ = await therapist_rt.next("message")
        while event_["seq"] != 2:
            _, event_ = await therapist_rt.next("message")
        print(f"socket send: {seen.count} statements, {seen.transactions} transactions\n{seen}")
        assert seen.count <= SOCKET_CEILING, str(seen)
        assert seen.transactions == 1, str(seen)
    finally:
        await rt.disconnect()
        await therapist_rt.disconnect()


async def test_a_message_over_http_costs_at_most_its_ceiling_of_statements(api: Api) -> None:
    team = await care_team(api)
    threads = team.client.client.threads
    await threads.send(team.thread_id, "warming up")
    envelope = await threads.seal(team.thread_id, "counted")
    with counting() as seen:
        sent = await threads.send_envelope(team.thread_id, envelope)
    assert sent["seq"] == 2
    print(f"HTTP send: {seen.count} statements, {seen.transactions} transactions\n{seen}")
    assert seen.count <= HTTP_CEILING, str(seen)


async def test_a_reply_that_restarts_the_reply_timer_costs_at_most_its_ceiling(
    api: Api, clock: FrozenClock
) -> None:
    """Turn taking, as in most conversations: the therapist's answer stops the reply timer
    and the client's next message starts it again (the therapists' schedules, the
    thread's timer and an overdue job)."""
    team = await care_team(api)
    await team.client.client.threads.send(team.thread_id, "a question")
    clock.advance(timedelta(seconds=20))
    await team.therapist.client.threads.send(team.thread_id, "an answer")
    clock.advance(timedelta(seconds=20))
    envelope = await team.client.client.threads.seal(team.thread_id, "counted")
    with counting() as seen:
        sent = await team.client.client.threads.send_envelope(team.thread_id, envelope)
    assert sent["seq"] == 3
    print(f"turn-taking send: {seen.count} statements, {seen.transactions} transactions\n{seen}")
    assert seen.count <= TURN_CEILING, str(seen)
