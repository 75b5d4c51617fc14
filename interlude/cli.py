"""`interlude`: serve, worker, migrate, version (and, later, admin commands)."""

from __future__ import annotations

# isort: off
# First: prometheus_client decides on multiprocess mode when it is first imported.
from interlude import metrics_directory  # noqa: F401
# isort: on

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Sequence

import uvicorn

from interlude import __version__, admin_commands
from interlude.http_server import server_config
from interlude.logs import configure_logging
from messaging import metrics
from messaging.errors import ConfigurationError
from messaging.events import EventPublisher, NoRealtime
from messaging.settings import Settings, load_settings, remember_served_url, served_url
from messaging.storage import schema
from messaging.storage.database import Database
from web.app import Companion, create_app
from web.context import AppContext
from web.event_bus import RedisEventBus
from web.metrics import worker_probe_app
from web.realtime import SocketIOPublisher
from worker.runner import run_worker_process, running_in_background, worker_is_healthy

logger = logging.getLogger("interlude")

EXIT_CONFIGURATION = 2
EXIT_SCHEMA = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interlude",
        description="Interlude: end-to-end encrypted asynchronous therapy messaging.",
        epilog="Configuration comes from INTERLUDE_* environment variables (see README.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="serve the web app and API")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    worker = commands.add_parser("worker", help="run the job worker until SIGTERM/SIGINT")
    worker.add_argument(
        "--probe-port",
        type=int,
        default=None,
        help="also serve /metrics and /healthz on this port (default: none)",
    )
    worker.add_argument(
        "--probe-host", default="127.0.0.1", help="address for the probe port (default 127.0.0.1)"
    )
    commands.add_parser(
        "worker-health", help="exit 0 if a worker's loop ran recently (its heartbeat file)"
    )
    commands.add_parser("migrate", help="upgrade the database schema to the newest version")
    commands.add_parser("version", help="print the version")
    admin = commands.add_parser("admin", help="operator commands").add_subparsers(
        dest="admin_command", required=True, metavar="ADMIN_COMMAND"
    )
    create = admin.add_parser(
        "create-clinic", help="create a clinic and print its first admin's invitation link"
    )
    create.add_argument("--name", required=True, help="the clinic's name")
    create.add_argument("--admin-email", required=True, help="email of the first admin")
    create.add_argument(
        "--admin-name", required=True, help="the first admin's name, as the app greets them"
    )
    create.add_argument(
        "--country",
        default=None,
        help="two-letter country code (e.g. US, GB, DE): starts the clinic's crisis resources "
        "with that country's helplines, which its admins can change",
    )
    create.add_argument(
        "--sender-name", default="Interlude", help="neutral sender name on the clinic's emails"
    )
    admin.add_parser("verify-audit", help="check the audit trail's hash chain")
    jobs = commands.add_parser("jobs", help="inspect and retry background jobs").add_subparsers(
        dest="jobs_command", required=True, metavar="JOBS_COMMAND"
    )
    listing = jobs.add_parser("list", help="list jobs (by default the dead ones)")
    listing.add_argument(
        "--state",
        action="append",
        choices=["queued", "running", "done", "dead"],
        help="a state to list (repeatable; default: dead)",
    )
    listing.add_argument("--kind", default=None, help="only kinds starting with this, e.g. email.")
    retry = jobs.add_parser("retry", help="run dead jobs again from their first attempt")
    retry.add_argument("job_ids", nargs="+", type=int, metavar="JOB_ID")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "version":
        print(f"interlude {__version__}")
        return 0
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(f"interlude: configuration error: {error}", file=sys.stderr)
        return EXIT_CONFIGURATION
    configure_logging(settings.log_format, settings.log_level)
    if args.command == "worker-health":
        return 0 if worker_is_healthy(settings, time.time()) else 1
    if args.command == "migrate":
        return asyncio.run(migrate(settings))
    if args.command == "worker":
        try:
            return asyncio.run(run_worker(settings, args.probe_host, args.probe_port))
        finally:
            metrics.process_exited(os.getpid())
    if args.command in ("admin", "jobs"):
        return asyncio.run(run_admin_command(settings, args))
    return asyncio.run(serve(settings, args.host, args.port))


async def migrate(settings: Settings) -> int:
    database = Database.from_url(settings.database_url)
    try:
        await schema.upgrade(database.engine)
        logger.info("database schema is at %s", schema.head_revision())
        return 0
    finally:
        await database.dispose()


async def serve(settings: Settings, host: str, port: int) -> int:
    database = Database.from_url(settings.database_url)
    try:
        if settings.is_sqlite:
            await schema.upgrade(database.engine)
            logger.info("database schema is at %s", schema.head_revision())
        elif not await schema.is_at_head(database.engine):
            logger.error(
                "the database schema is not at the newest version (%s); "
                "run `interlude migrate` before starting the web server",
                schema.head_revision(),
            )
            return EXIT_SCHEMA
    finally:
        await database.dispose()
    if settings.public_url_is_default:
        # Links in invitations and emails point where this server actually answers.
        url = served_url(host, port)
        settings = dataclasses.replace(settings, public_url=url)
        remember_served_url(settings, url)
        logger.info("public URL is %s (set INTERLUDE_PUBLIC_URL to change it)", url)
    companions: list[Companion] = [embedded_worker] if settings.in_process_worker else []
    app = create_app(settings, companions=companions)
    # What is loaded by now (modules, the app) lives as long as the process: the collector
    # no longer walks it, so each full collection under load (a burst of connects) costs
    # a fraction of what it did.
    gc.freeze()
    try:
        await uvicorn.Server(server_config(app, host, port)).serve()
    finally:
        metrics.process_exited(os.getpid())
    return 0


async def run_worker(settings: Settings, probe_host: str, probe_port: int | None) -> int:
    """The worker, and beside it (with a probe port) its /metrics and /healthz. A signal
    stops the probe server first, which passes it on to the worker's own handler."""
    if probe_port is None:
        return await run_worker_process(settings, worker_events(settings))
    database = Database.from_url(settings.database_url)
    app = worker_probe_app(settings, database, lambda: worker_is_healthy(settings, time.time()))
    config = uvicorn.Config(
        app, host=probe_host, port=probe_port, log_config=None, server_header=False
    )
    probe = uvicorn.Server(config)
    serving = asyncio.create_task(probe.serve())
    try:
        return await run_worker_process(settings, worker_events(settings))
    finally:
        probe.should_exit = True
        await serving
        await database.dispose()


async def run_admin_command(settings: Settings, args: argparse.Namespace) -> int:
    database = Database.from_url(settings.database_url)
    try:
        if not await schema.is_at_head(database.engine):
            print(
                "interlude: the database schema is out of date; run `interlude migrate`",
                file=sys.stderr,
            )
            return EXIT_SCHEMA
        if args.command == "jobs":
            if args.jobs_command == "list":
                return await admin_commands.list_jobs(database, args.state or ["dead"], args.kind)
            return await admin_commands.retry_jobs(settings, database, args.job_ids)
        if args.admin_command == "create-clinic":
            return await admin_commands.create_clinic(settings, database, args)
        return await admin_commands.verify_audit(database)
    finally:
        await database.dispose()


@contextlib.asynccontextmanager
async def embedded_worker(context: AppContext) -> AsyncIterator[None]:
    async with running_in_background(
        context.settings, context.database, context.clock, context.services.events
    ):
        yield


def worker_events(settings: Settings) -> EventPublisher:
    """How a worker process reaches sockets: through Redis to every web process, or not
    at all (then clients learn of released messages when they next sync)."""
    if settings.redis_url is None:
        logger.warning("INTERLUDE_REDIS_URL is not set: the worker cannot push live events")
        return NoRealtime()
    return SocketIOPublisher(RedisEventBus(settings.redis_url, write_only=True))


if __name__ == "__main__":
    sys.exit(main())
