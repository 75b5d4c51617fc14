"""Missing services skip loudly locally and fail in CI (CI=true)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

T = TypeVar("T")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_missing(reason: str) -> None:
    """Skip (locally) or fail (CI) because a service the test needs is unavailable."""
    message = f"SERVICE MISSING: {reason}"
    if in_ci():
        pytest.fail(message + " (CI=true: a skipped service-backed suite is a failure)")
    pytest.skip(message)


def require_binary(name: str, *candidates: str) -> str:
    for candidate in (name, *candidates):
        found = shutil.which(candidate) or (candidate if os.access(candidate, os.X_OK) else None)
        if found:
            return found
    service_missing(f"`{name}` is not installed (see .ci/run for how CI installs it)")
    raise AssertionError("unreachable")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous fixture code, on a thread of its own
    (the thread running a sync fixture may already host an event loop, e.g. Playwright's)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
