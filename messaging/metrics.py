"""What operators can measure, as Prometheus instruments shared by every process.

With `PROMETHEUS_MULTIPROC_DIR` set before `prometheus_client` is first imported (the
`interlude` command does it), each process writes its samples there and `/metrics` of any
process reports the sum over all of them. Labels are route templates, job kinds, states and
outcomes only: never a user id, an email address or any content.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
JOB_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600)

http_requests = Counter(
    "interlude_http_requests_total",
    "HTTP requests by route template and status",
    ["method", "route", "status"],
)
http_latency = Histogram(
    "interlude_http_request_duration_seconds",
    "HTTP request latency by route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
live_sockets = Gauge(
    "interlude_live_sockets", "Authenticated Socket.IO connections", multiprocess_mode="livesum"
)
messages_sent = Counter(
    "interlude_messages_sent_total", "Messages accepted (not retries)", ["transport"]
)
messages_delivered = Counter(
    "interlude_messages_delivered_total", "Message events pushed to live sessions"
)
send_latency = Histogram(
    "interlude_send_duration_seconds",
    "Time to accept a message, parse to commit",
    ["transport"],
    buckets=LATENCY_BUCKETS,
)
publish_failures = Counter(
    "interlude_event_publish_failures_total", "Realtime events the event bus did not take"
)
jobs_finished = Counter(
    "interlude_jobs_finished_total",
    "Job runs by kind and outcome (done, retry, dead, later)",
    ["kind", "outcome"],
)
job_latency = Histogram(
    "interlude_job_latency_seconds",
    "From a job's due time to its completion",
    ["kind"],
    buckets=JOB_BUCKETS,
)
emails = Counter("interlude_emails_total", "Emails by outcome (sent, failed)", ["outcome"])
pool_in_use = Gauge(
    "interlude_db_pool_connections_in_use",
    "Database connections checked out",
    multiprocess_mode="livesum",
)


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class _Snapshot(Collector):
    """Gauges measured at scrape time (e.g. jobs by kind and state from the database)."""

    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self._families = families

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families


def jobs_by_state(counts: Mapping[tuple[str, str], int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "interlude_jobs", "Jobs in the queue by kind and state", labels=["kind", "state"]
    )
    for (kind, state), count in sorted(counts.items()):
        family.add_metric([kind, state], count)
    return family


def exposition(snapshot: list[GaugeMetricFamily]) -> tuple[bytes, str]:
    """The text exposition of every process's samples plus `snapshot`."""
    registry: Any
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    registry.register(_Snapshot(snapshot))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Forward(Collector):
    def __init__(self, source: CollectorRegistry) -> None:
        self._source = source

    def collect(self) -> Iterator[Any]:
        yield from self._source.collect()


def process_exited(pid: int) -> None:
    """Drop the exited process's live gauges (its counters keep counting in the sum)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
