"""A 2,000-entry journal: the time to list its first page over HTTP, and the time to decrypt
and search all of it in Node with the browser's own crypto module, next to raw libsodium
opening the same bytes.

Run: `.venv/bin/python bench/journal.py [--entries 2000]` (under a minute). The app runs
in-process on a temporary SQLite database; the entries are sealed by the Python SDK's
crypto (the same bytes the browser makes, by the shared vectors) and stored through the
journal service. Goal: the browser path at least 0.7x raw libsodium's entries per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import crypto
from messaging import journal
from messaging.actors import Actor, Role
from messaging.clock import SystemClock
from messaging.context import ServiceContext
from messaging.settings import load_settings
from messaging.storage import schema
from messaging.storage.database import Database
from tests.support.asgi import serving
from tests.support.world import api_for
from web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "calm",
    "river",
    "tired",
    "walk",
    "sleep",
    "work",
    "friend",
    "morning",
    "anxious",
    "hopeful",
    "rain",
    "tea",
]
QUERY = "harbour"


def body(n: int) -> str:
    words = " ".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(150))
    return f"{words} {'harbour' if n % 50 == 0 else 'garden'} {n}"


async def build(entries: int, data_dir: Path) -> dict[str, object]:
    database_url = f"sqlite+aiosqlite:///{data_dir / 'bench.db'}"
    settings = load_settings(
        {
            "INTERLUDE_DATA_DIR": str(data_dir),
            "INTERLUDE_DATABASE_URL": database_url,
            "INTERLUDE_SECRET_KEY": "bench-secret-" + "b" * 32,
            "INTERLUDE_ALLOW_INTERACTIVE_KDF": "true",
            "INTERLUDE_IN_PROCESS_WORKER": "false",
        }
    )
    database = Database.from_url(database_url)
    await schema.upgrade(database.engine)
    context = ServiceContext.from_settings(settings, SystemClock())
    try:
        async with (
            serving(create_app(settings)) as base_url,
            api_for(base_url, database, context) as api,
        ):
            admin = await api.create_clinic()
            client = await api.invite_and_register(admin, "client", "Bench Client")
            sdk = client.client
            assert sdk.unlocked is not None
            me = await sdk.me()
            actor = Actor(
                uuid.UUID(client.user_id),
                uuid.UUID(me["clinic"]["id"]),
                Role.CLIENT,
                uuid.uuid4(),
            )
            blobs = []
            async with database.unit_of_work() as uow:
                for n in range(entries):
                    entry_id = str(uuid.uuid4())
                    blob = sdk.journal.seal(
                        entry_id, {"kind": "entry", "title": f"Day {n}", "body": body(n)}
                    )
                    blobs.append(crypto.b64encode(blob))
                    await journal.write_entry(uow, context, actor, uuid.UUID(entry_id), blob)
            timings = []
            for _ in range(30):
                start = time.perf_counter()
                page = await sdk.request("GET", "/api/journal/entries", params={"limit": 50})
                timings.append(time.perf_counter() - start)
            assert len(page["entries"]) == 50
            return {
                "first_page_ms": statistics.median(timings) * 1000,
                "first_page_p90_ms": statistics.quantiles(timings, n=10)[-1] * 1000,
                "account_key": crypto.b64encode(sdk.unlocked.account_key),
                "user_id": client.user_id,
                "query": QUERY,
                "blobs": blobs,
            }
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = asyncio.run(build(args.entries, Path(tmp)))
        payload = Path(tmp) / "journal.json"
        payload.write_text(json.dumps(data))
        finished = subprocess.run(
            ["node", str(ROOT / "bench" / "journal.mjs"), str(payload)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if finished.returncode:
            sys.exit(f"bench/journal.mjs failed:\n{finished.stderr}")
        result = json.loads(finished.stdout)
    entries, browser, raw = result["entries"], result["browser"], result["raw"]
    print(f"entries                          {entries:10d} ({result['matches']} match the query)")
    print(
        f"first page of 50 over HTTP       {data['first_page_ms']:10.1f} ms median "
        f"({data['first_page_p90_ms']:.1f} ms p90)"
    )
    for name, figures in (("browser module", browser), ("raw libsodium ", raw)):
        print(
            f"decrypt + search, {name} {figures['wall'] * 1000:10.1f} ms wall, "
            f"{figures['cpu'] * 1000:.1f} ms CPU ({entries / figures['cpu']:,.0f} entries/s of CPU)"
        )
    print(
        f"browser / raw entries per second {raw['cpu'] / browser['cpu']:10.2f}x by CPU time, "
        f"{raw['wall'] / browser['wall']:.2f}x by wall time (target >= 0.70x)"
    )


if __name__ == "__main__":
    main()
