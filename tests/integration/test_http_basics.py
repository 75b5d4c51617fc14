"""Health probes, JSON errors and security headers, in-process with the real app."""

import re
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from messaging.errors import InvalidInput, RateLimited
from messaging.settings import Settings, load_settings
from web.app import create_app, with_http_middleware
from web.errors import EXCEPTION_HANDLERS
from web.pages import content_security_policy, load_index_page


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def assert_json_error(response: Response | object, status: int, code: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    assert "Traceback" not in response.text  # type: ignore[attr-defined]


def assert_security_headers(headers: object) -> None:
    csp = headers["content-security-policy"]  # type: ignore[index]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "'unsafe-eval'" not in csp
    assert headers["x-content-type-options"] == "nosniff"  # type: ignore[index]
    assert headers["referrer-policy"] == "no-referrer"  # type: ignore[index]


def test_healthz_says_alive(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_readyz_is_ready_on_a_migrated_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": ["database", "migrations"]}


def test_readyz_is_503_with_the_reason_when_the_schema_is_behind(
    settings_env: dict[str, str], empty_database_url: str
) -> None:
    settings = load_settings({**settings_env, "INTERLUDE_DATABASE_URL": empty_database_url})
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert_json_error(response, 503, "not_ready")
    assert "schema is at nothing" in response.json()["error"]["message"]


def test_readyz_is_503_when_the_database_is_unreachable(settings_env: dict[str, str]) -> None:
    url = "postgresql+asyncpg://nobody@127.0.0.1:1/nothing"
    settings = load_settings({**settings_env, "INTERLUDE_DATABASE_URL": url})
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert_json_error(response, 503, "not_ready")
    assert response.json()["error"]["message"].startswith("database unreachable")


def test_an_unknown_route_is_a_json_404_with_security_headers(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert_json_error(response, 404, "not_found")
    assert_security_headers(response.headers)


def test_a_wrong_method_is_a_json_405(client: TestClient) -> None:
    response = client.delete("/healthz")
    assert_json_error(response, 405, "method_not_allowed")
    assert_security_headers(response.headers)


@pytest.mark.parametrize("path", ["/", "/healthz", "/static/js/app.js", "/static/css/app.css"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response.headers)


def test_the_only_inline_script_is_the_import_map_allowed_by_its_hash(client: TestClient) -> None:
    page = client.get("/")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.DOTALL)
    inline = [(attributes, body) for attributes, body in scripts if body.strip()]
    assert [attributes.strip() for attributes, _ in inline] == ['type="importmap"']
    for expected in load_index_page().import_map_hashes:
        assert f"'{expected}'" in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/libsodium-wrappers-sumo/dist/modules-sumo-esm/libsodium-wrappers.mjs",
        "/vendor/libsodium-wrappers-sumo/dist/modules-sumo-esm/libsodium-sumo.mjs",
        "/vendor/socket.io-client/dist/socket.io.esm.min.js",
    ],
)
def test_the_browser_libraries_are_served_from_node_modules(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]


def test_only_the_vendored_packages_are_reachable(client: TestClient) -> None:
    assert client.get("/vendor/ws/package.json").status_code == 404
    assert client.get("/vendor/libsodium-sumo/package.json").status_code == 404


def test_each_response_has_a_request_id_and_a_well_formed_one_is_kept(client: TestClient) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", generated)
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123-def"}).headers["x-request-id"]
        == "abc-123-def"
    )
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert forged.headers["x-request-id"] != "bad id\nwith newline"


def _error_app() -> TestClient:
    async def explode(request: Request) -> Response:
        raise RuntimeError("secret detail that must not leak")

    async def invalid(request: Request) -> Response:
        raise InvalidInput("The field 'email' must be an email address.")

    async def limited(request: Request) -> Response:
        raise RateLimited(42)

    app = Starlette(
        routes=[Route("/explode", explode), Route("/invalid", invalid), Route("/limited", limited)],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    )
    csp = content_security_policy(load_index_page())
    return TestClient(with_http_middleware(app, csp), raise_server_exceptions=False)


def test_an_unexpected_error_is_a_json_500_without_a_traceback_or_detail() -> None:
    response = _error_app().get("/explode")
    assert_json_error(response, 500, "internal_error")
    assert "secret detail" not in response.text
    assert_security_headers(response.headers)


def test_invalid_input_is_a_json_422_with_its_message() -> None:
    response = _error_app().get("/invalid")
    assert_json_error(response, 422, "invalid_input")
    assert response.json()["error"]["message"] == "The field 'email' must be an email address."


def test_rate_limited_is_a_429_with_retry_after() -> None:
    response = _error_app().get("/limited")
    assert_json_error(response, 429, "rate_limited")
    assert response.headers["retry-after"] == "42"
