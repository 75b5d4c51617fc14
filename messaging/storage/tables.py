"""Table definitions. Migrations in `migrations/versions` create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from messaging.storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")

JOB_STATES = ("queued", "running", "done", "dead")

jobs = Table(
    "jobs",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("run_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("dedupe_key", String(200), nullable=True, unique=True),
    Column("claim_token", String(64), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(f"state IN {JOB_STATES!r}", name="state"),
    CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts"),
)
# Claiming scans due queued jobs and expired leases in run_at order.
Index("ix_jobs_state_run_at", jobs.c.state, jobs.c.run_at)
