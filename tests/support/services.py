"""Missing services skip loudly locally and fail in CI (CI=true)."""

from __future__ import annotations

import os
import shutil
import socket

import pytest


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
