"""Do prelogin and a wrong login take as long for a known email as for an unknown one?

An outside review measured known emails answering slower (prelogin 3.2 against 2.6 ms,
wrong logins 10.2 against 7.8 ms): an account oracle. Both paths now do the same work.
This times the two services on embedded SQLite, interleaving known and unknown so drift
hits both alike, and prints medians and their ratio (1.00 is the goal; no absolute
numbers are asserted anywhere). Each try comes from its own address, so the rate limits
(which would otherwise answer 429 early) do not interfere.

usage: python bench/login_timing.py [--tries 400]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from messaging import authentication
from messaging.actors import RequestOrigin
from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.errors import NotAuthenticated
from messaging.settings import load_settings
from messaging.storage import schema
from messaging.storage.database import Database
from tests.support.asgi import serving
from tests.support.world import api_for
from web.app import create_app


async def measure(tries: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        settings = load_settings(
            {
                "INTERLUDE_DATA_DIR": directory,
                "INTERLUDE_DATABASE_URL": url,
                "INTERLUDE_ALLOW_INTERACTIVE_KDF": "true",
            }
        )
        database = Database.from_url(url)
        await schema.upgrade(database.engine)
        context = ServiceContext.from_settings(settings, SystemClock())
        async with (
            serving(create_app(settings)) as base_url,
            api_for(base_url, database, context) as api,
        ):
            known = (await api.create_clinic()).email
        unknown = "nobody-at-all@example.org"
        timings: dict[tuple[str, str], list[float]] = {}
        for n in range(tries):
            for label, email in (("known", known), ("unknown", unknown)):
                origin = RequestOrigin(f"10.{n // 250}.{n % 250}.{1 if label == 'known' else 2}")
                started = time.perf_counter()
                async with database.unit_of_work() as uow:
                    await authentication.prelogin(uow, context, email, origin)
                timings.setdefault(("prelogin", label), []).append(time.perf_counter() - started)
                started = time.perf_counter()
                try:
                    async with database.unit_of_work() as uow:
                        await authentication.login(uow, context, email, bytes(32), origin)
                except NotAuthenticated:
                    pass
                timings.setdefault(("wrong login", label), []).append(time.perf_counter() - started)
        await database.dispose()
    for what in ("prelogin", "wrong login"):
        known_ms = statistics.median(timings[(what, "known")]) * 1000
        unknown_ms = statistics.median(timings[(what, "unknown")]) * 1000
        print(
            f"{what:12} median known {known_ms:6.2f} ms, unknown {unknown_ms:6.2f} ms, "
            f"ratio {known_ms / unknown_ms:.2f} ({tries} tries each)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tries", type=int, default=400)
    asyncio.run(measure(parser.parse_args().tries))


if __name__ == "__main__":
    main()
