"""axe-core in the page under test: a screen passes when axe finds no serious or critical
violation. axe-core is a development dependency (package.json), injected from node_modules
by the test through the DevTools protocol (so the app's strict CSP stays as it is); the
app never serves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    found: list[dict[str, Any]] = page.evaluate(
        """async (blocking) => {
            const result = await axe.run(document, { resultTypes: ["violations"] });
            return result.violations
                .filter((v) => blocking.includes(v.impact))
                .map((v) => ({ id: v.id, impact: v.impact,
                               nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
        }""",
        list(BLOCKING),
    )
    return found


def assert_accessible(page: Page, screen: str) -> None:
    found = violations(page)
    assert found == [], f"{screen}: {found}"
