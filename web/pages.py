"""The browser client's files: the page at `/`, our modules under `/static`, and the two
npm libraries under `/vendor` (no CDN, no bundler: the page's import map points here)."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDORED_PACKAGES = ("libsodium-wrappers-sumo", "socket.io-client")
SODIUM_WRAPPERS_DIR = "/vendor/libsodium-wrappers-sumo/dist/modules-sumo-esm"
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

    sodium_core = (
        node_modules / "libsodium-sumo" / "dist" / "modules-sumo-esm" / "libsodium-sumo.mjs"
    )

    async def libsodium_core(request: Request) -> Response:
        # libsodium-wrappers' ESM build imports "./libsodium-sumo.mjs" beside itself, but npm
        # installs it in the libsodium-sumo package. Serving it there lets module
        # workers (which have no import map) load libsodium by URL.
        if not sodium_core.is_file():
            raise HTTPException(404)
        return FileResponse(sodium_core, media_type="text/javascript")

    async def offline_worker(request: Request) -> Response:
        # Served from the root so the service worker's scope is the whole app.
        return FileResponse(
            STATIC_DIR / "offline-worker.js",
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache"},
        )

    routes: list[BaseRoute] = [
        Route("/", index, methods=["GET"]),
        Route("/offline-worker.js", offline_worker, methods=["GET"]),
        Route(f"{SODIUM_WRAPPERS_DIR}/libsodium-sumo.mjs", libsodium_core, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    for package in VENDORED_PACKAGES:
        directory = node_modules / package / "dist"
        routes.append(
            Mount(f"/vendor/{package}/dist", app=StaticFiles(directory=directory, check_dir=False))
        )
    return routes
