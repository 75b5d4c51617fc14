"""A history page walks the (thread_id, seq) index however long the thread, even before the
planner has statistics (bench/history.py measures the cost; this pins the plan)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from messaging.storage import messages as message_store
from messaging.storage.database import Database
from tests.support.factories import make_thread

pytestmark = pytest.mark.postgres_only


def index_names(plan: object) -> set[str]:
    """Every index a JSON query plan reads."""
    found: set[str] = set()
    if isinstance(plan, dict):
        if "Index Name" in plan:
            found.add(str(plan["Index Name"]))
        for value in plan.values():
            found |= index_names(value)
    elif isinstance(plan, list):
        for value in plan:
            found |= index_names(value)
    return found


@pytest.mark.parametrize("cursor", [{"after_seq": 0}, {"after_seq": 10_000}, {}])
async def test_history_page_uses_the_seq_index_without_statistics(
    postgres_url: str, cursor: dict[str, int]
) -> None:
    database = Database.from_url(postgres_url)
    try:
        _, thread_id = await make_thread(database, 20_000)
        query = message_store.history_query(
            thread_id, before_seq=None, after_seq=cursor.get("after_seq"), limit=100
        )
        sql = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
        async with database.unit_of_work() as uow:
            plan = (await uow.session.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"))).scalar_one()
        plan = json.loads(plan) if isinstance(plan, str) else plan
        assert index_names(plan) == {"uq_messages_thread_id_seq"}
    finally:
        await database.dispose()
