"""End-to-end fixtures: a real `interlude serve` process and headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.live_server import LiveServer, live_server
from tests.support.services import require_binary

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    """`interlude serve` on a free port over a fresh database (each dialect)."""
    with live_server(tmp_path, database_url) as running:
        yield running


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Chromium. Function-scoped: Playwright's sync API holds an event loop in
    this thread while it runs, which must not overlap the async tests' own loops."""
    executable = require_binary("chromium", "/usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class ConsoleLog:
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: object) -> Iterator[tuple[object, ConsoleLog]]:
    """A fresh browser context and page; console errors and page errors are collected."""
    context = browser.new_context()  # type: ignore[attr-defined]
    new_page = context.new_page()
    log = ConsoleLog()
    new_page.on(
        "console", lambda message: message.type == "error" and log.errors.append(message.text)
    )
    new_page.on("pageerror", lambda error: log.errors.append(str(error)))
    try:
        yield new_page, log
    finally:
        context.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
