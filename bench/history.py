"""History paging cost against thread length: a page of 100 from a 100,000-message thread
next to the same page from a 1,000-message thread, on SQLite and PostgreSQL, in one run.

Run: `.venv/bin/python bench/history.py [--long 100000] [--short 1000] [--repeats 200]`
(about a minute, most of it filling the tables).

Each page goes through the service a route calls (`messaging.messages.history`: membership
check, then the keyset query over the `(thread_id, seq)` unique index), in its own unit of
work, as a member of the thread. Pages: the start (after seq 0), the middle (after half the
length) and the end (the newest page, no cursor). Statistics are deliberately not refreshed
after the bulk load: the query must take the `(thread_id, seq)` index even when the planner
knows nothing about the table (migration 0012 made sure no other index matches it).
Goal: every long-thread page costs at most 1.2x the same page of the short thread, i.e. the
cost does not grow with the thread.

PostgreSQL: INTERLUDE_BENCH_DATABASE_URL (`postgresql+asyncpg://...`, a database it may
migrate and fill) or a throwaway local cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from messaging import messages
from messaging.actors import Actor
from messaging.storage import schema
from messaging.storage.database import Database
from tests.support.factories import make_thread
from tests.support.postgres import postgres_server

PAGE = 100
ENVELOPE_BYTES = 600  # about the smallest real envelope: one pad block of text
GOAL = 1.2


async def page_seconds(
    database: Database, actor: Actor, thread_id: uuid.UUID, after: int | None, first: int
) -> float:
    """Seconds for one page through the service, in its own unit of work."""
    started = time.perf_counter()
    async with database.unit_of_work() as uow:
        page = await messages.history(uow, actor, thread_id, after_seq=after, limit=PAGE)
    elapsed = time.perf_counter() - started
    assert len(page) == PAGE, "short page"
    assert page[0].seq == first, "wrong page"
    return elapsed


async def compare(url: str, long: int, short: int, repeats: int) -> list[tuple[str, float]]:
    """Median cost of each page, long and short thread taking turns so that load from
    elsewhere on the machine falls on both alike."""
    database = Database.from_url(url)
    try:
        await schema.upgrade(database.engine)
        cases = [
            (await make_thread(database, n, envelope_bytes=ENVELOPE_BYTES), n)
            for n in (long, short)
        ]
        ratios = []
        for name, where in (("start", 0.0), ("middle", 0.5), ("end", None)):
            samples: list[list[float]] = [[], []]
            for _ in range(repeats):
                for index, ((actor, thread_id), length) in enumerate(cases):
                    after = None if where is None else int(length * where)
                    first = length - PAGE + 1 if after is None else after + 1
                    samples[index].append(
                        await page_seconds(database, actor, thread_id, after, first)
                    )
            costs = [statistics.median(s) for s in samples]
            ratio = costs[0] / costs[1]
            print(
                f"  {name:6s} page: {long:,} msgs {costs[0] * 1e3:6.2f} ms, "
                f"{short:,} msgs {costs[1] * 1e3:6.2f} ms, ratio {ratio:4.2f}x"
            )
            ratios.append((name, ratio))
        return ratios
    finally:
        await database.dispose()


@contextmanager
def postgres_url() -> Iterator[str]:
    given = os.environ.get("INTERLUDE_BENCH_DATABASE_URL")
    if given:
        yield given
        return
    with postgres_server() as server:
        yield server.url_for(server.create_database())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", type=int, default=100_000)
    parser.add_argument("--short", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    results = []
    sqlite = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='interlude-bench-')}/history.db"
    print("sqlite")
    results += await compare(sqlite, args.long, args.short, args.repeats)
    with postgres_url() as url:
        print("postgresql")
        results += await compare(url, args.long, args.short, args.repeats)
    worst = max(ratio for _, ratio in results)
    verdict = "met" if worst <= GOAL else "missed"
    print(f"worst long/short page ratio {worst:4.2f}x (goal <= {GOAL}x): {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
