"""Events of one thread leave a process in the order their transactions committed, even
when the first one's publish is slow, a transaction between them rolls back, or a publish
fails. (Posts of a group reaching every member in seq order depend on it.) The units of
work here run no statements: what is under test is what happens around their commits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from messaging.storage.commit_order import CommitOrder
from messaging.storage.database import Database

THREAD, OTHER_THREAD = "thread-a", "thread-b"


class Recorder:
    """Publishes by appending a name; a publish can be held until the test releases it."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.sent: list[str] = []
        self.held: dict[str, asyncio.Event] = {}

    def hold(self, name: str) -> asyncio.Event:
        self.held[name] = asyncio.Event()
        return self.held[name]

    def publish(self, name: str) -> Callable[[], Awaitable[None]]:
        async def send() -> None:
            self.started.append(name)
            if name in self.held:
                await self.held[name].wait()
            self.sent.append(name)

        return send


async def commit_with(database: Database, send: Callable[[], Awaitable[None]], key: str) -> None:
    async with database.unit_of_work() as uow:
        uow.after_commit(send, in_order_of=key)
        await uow.commit()


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_later_event_waits_for_an_earlier_slow_publish_of_the_same_thread(
    database: Database,
) -> None:
    recorder = Recorder()
    release_first = recorder.hold("first")
    first = asyncio.create_task(commit_with(database, recorder.publish("first"), THREAD))
    await until(lambda: recorder.started == ["first"])
    second = asyncio.create_task(commit_with(database, recorder.publish("second"), THREAD))
    await second  # its commit returns; its event waits behind the first
    assert recorder.sent == []
    release_first.set()
    await first
    assert recorder.sent == ["first", "second"]
    assert database.commit_order.pending(THREAD) == 0


async def test_another_thread_does_not_wait(database: Database) -> None:
    recorder = Recorder()
    release = recorder.hold("slow")
    slow = asyncio.create_task(commit_with(database, recorder.publish("slow"), THREAD))
    await until(lambda: recorder.started == ["slow"])
    await commit_with(database, recorder.publish("elsewhere"), OTHER_THREAD)
    assert recorder.sent == ["elsewhere"]
    release.set()
    await slow
    assert recorder.sent == ["elsewhere", "slow"]


async def test_a_rolled_back_transaction_gives_up_its_place(database: Database) -> None:
    recorder = Recorder()
    async with database.unit_of_work() as abandoned:
        abandoned.after_commit(recorder.publish("never"), in_order_of=THREAD)
        await commit_with(database, recorder.publish("committed"), THREAD)
        assert recorder.sent == []  # behind a transaction that is still open
    await until(lambda: recorder.sent == ["committed"])
    assert database.commit_order.pending(THREAD) == 0


async def test_a_transaction_leaving_with_places_around_anothers_frees_them_all(
    database: Database,
) -> None:
    recorder = Recorder()
    async with database.unit_of_work() as abandoned:
        abandoned.after_commit(recorder.publish("never 1"), in_order_of=THREAD)
        await commit_with(database, recorder.publish("between"), THREAD)
        abandoned.after_commit(recorder.publish("never 2"), in_order_of=THREAD)
    await commit_with(database, recorder.publish("later"), THREAD)
    await until(lambda: recorder.sent == ["between", "later"])
    assert database.commit_order.pending(THREAD) == 0


async def test_a_failed_publish_neither_fails_the_commit_nor_blocks_the_thread(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()

    async def broken() -> None:
        raise ConnectionError("the bus is away")

    await commit_with(database, broken, THREAD)
    await commit_with(database, recorder.publish("next"), THREAD)
    assert recorder.sent == ["next"]
    assert "an after-commit callback failed" in caplog.text


async def test_a_cancelled_runner_leaves_the_rest_to_run_by_itself(database: Database) -> None:
    recorder = Recorder()
    recorder.hold("first")
    first = asyncio.create_task(commit_with(database, recorder.publish("first"), THREAD))
    await until(lambda: recorder.started == ["first"])
    await commit_with(database, recorder.publish("second"), THREAD)
    first.cancel()  # the request that was running the lane goes away
    with pytest.raises(asyncio.CancelledError):
        await first
    await until(lambda: recorder.sent == ["second"])
    assert database.commit_order.pending(THREAD) == 0


async def test_a_lane_is_run_by_one_runner_at_a_time() -> None:
    order, recorder = CommitOrder(), Recorder()
    release = recorder.hold("slow")
    slow, later = order.take_place(THREAD), order.take_place(THREAD)
    order.fill(slow, recorder.publish("slow"))
    order.drain_soon(THREAD)  # a task that has not started yet
    order.fill(later, recorder.publish("later"))
    seen_while_slow: list[list[str]] = []

    async def release_slow() -> None:
        await until(lambda: recorder.started[:1] == ["slow"])
        await asyncio.sleep(0.05)  # the background task has had its turn by now
        seen_while_slow.append(list(recorder.started))
        release.set()

    releasing = asyncio.create_task(release_slow())
    await order.drain(THREAD)  # runs "slow" here, before the background task starts
    await releasing
    await until(lambda: recorder.sent == ["slow", "later"])
    assert seen_while_slow == [["slow"]], "a second runner sent past the first"
