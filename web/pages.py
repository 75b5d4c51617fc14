"""The browser client's files: the page at `/`, our modules under `/static`, and the two
npm libraries under `/vendor` (no CDN, no bundler: the page's import map points here)."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDORED_PACKAGES = ("libsodium-wrappers-sumo", "libsodium-sumo", "socket.io-client")
INLINE_SCRIPT = re.compile(r"<script type=\"importmap\">(.*?)</script>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Page:
    html: str
    import_map_hashes: tuple[str, ...]


def load_index_page() -> Page:
    """Read index.html once; its import map is the only inline <script>, allowed by hash."""
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    hashes = tuple(
        "sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
        for block in INLINE_SCRIPT.findall(html)
    )
    return Page(html, hashes)


def content_security_policy(page: Page) -> str:
    script_sources = " ".join(
        ["'self'", "'wasm-unsafe-eval'", *(f"'{h}'" for h in page.import_map_hashes)]
    )
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {script_sources}",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def page_routes(page: Page, node_modules: Path) -> list[BaseRoute]:
    async def index(request: Request) -> Response:
        return HTMLResponse(page.html, headers={"Cache-Control": "no-cache"})

    routes: list[BaseRoute] = [
        Route("/", index, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    for package in VENDORED_PACKAGES:
        directory = node_modules / package / "dist"
        routes.append(
            Mount(f"/vendor/{package}/dist", app=StaticFiles(directory=directory, check_dir=False))
        )
    return routes
