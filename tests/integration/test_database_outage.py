"""While the database is unreachable a request gets a clear 503 with Retry-After (not a
500), and once it is back the same request works, with no restart of the app."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.support.postgres import PostgresServer
from tests.support.world import Api


@pytest.mark.parametrize("dialect", ["postgresql"], indirect=True)
async def test_a_request_while_the_database_is_away_gets_503_and_works_once_it_is_back(
    api: Api, database_url: str, postgres: PostgresServer
) -> None:
    admin = await api.create_clinic()
    name = make_url(database_url).database
    headers = {"Authorization": f"Bearer {admin.client.token}"}
    async with httpx.AsyncClient(base_url=api.base_url, headers=headers) as http:
        assert (await http.get("/api/me")).status_code == 200
        postgres.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        postgres.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )
        try:
            away = [await http.get("/api/me") for _ in range(2)]
        finally:
            postgres.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        back = await http.get("/api/me")

    for answer in away:
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "unavailable"
        assert int(answer.headers["Retry-After"]) > 0
    assert back.status_code == 200
