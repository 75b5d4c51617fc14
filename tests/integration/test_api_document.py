"""The OpenAPI document is generated from the route table and the wire models: it is
valid OpenAPI 3.1, covers every route (and the authorization matrix covers the same
routes), describes every error status with its codes and every Socket.IO event."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, get_type_hints

import pytest
from openapi_spec_validator import validate
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from messaging.settings import Settings, load_settings
from tests.integration.test_authz_matrix import MATRIX, registered_http_routes
from web import sdk_realtime
from web.api import ApiRoute
from web.app import create_app, http_routes
from web.models import realtime as socket_wire
from web.openapi import codes_by_status, openapi_document
from web.pages import load_index_page
from web.realtime import RealtimeNamespace


def routes() -> list[Any]:
    settings = load_settings(
        {"INTERLUDE_DATA_DIR": "/tmp/interlude-openapi", "INTERLUDE_SECRET_KEY": "k" * 40}
    )
    return http_routes(settings, load_index_page())


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document(routes())


def documented_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_route_is_in_the_document_and_in_the_authorization_matrix(
    document: dict[str, Any],
) -> None:
    registered = registered_http_routes()
    assert registered - documented_operations(document) == set(), "missing from the document"
    assert registered == {(case.method, case.path) for case in MATRIX}, "missing from the matrix"


def test_every_api_route_declares_its_contract() -> None:
    plain = [
        route.path
        for route in routes()
        if isinstance(route, Route)
        and route.path.startswith("/api/")
        and not isinstance(route, ApiRoute)
    ]
    assert plain == []


def test_each_endpoint_returns_the_response_its_contract_documents() -> None:
    """mypy checks an endpoint's body against its return type; this ties that type to the
    contract the document is generated from."""
    for route in routes():
        if isinstance(route, ApiRoute):
            returned = get_type_hints(route.handler)["return"]
            documented = route.contract.response
            if returned is not Response:
                assert returned == (type(None) if documented is None else documented), route.path


def test_every_body_and_response_is_described_by_a_schema(document: dict[str, Any]) -> None:
    for route in routes():
        if not isinstance(route, ApiRoute):
            continue
        [method] = route.methods - {"HEAD"}  # type: ignore[operator]
        operation = document["paths"][route.path][method.lower()]
        contract = route.contract
        if contract.body is not None:
            assert "schema" in operation["requestBody"]["content"]["application/json"]
        success = operation["responses"][str(contract.success_status)]
        assert ("content" in success) == (
            contract.response is not None or contract.media_type != "application/json"
        ), route.path


def test_every_error_status_names_its_codes(document: dict[str, Any]) -> None:
    codes = codes_by_status()
    assert {"rekey_required", "stale_epoch"} <= set(codes[409])
    assert codes[422] == ["invalid_input"]
    for status, response in document["components"]["responses"].items():
        assert all(code in response["description"] for code in codes[int(status)])
    send = document["paths"]["/api/threads/{thread_id}/messages"]["post"]["responses"]
    assert {"200", "201", "401", "404", "409", "413", "422"} <= set(send)


def test_path_parameters_are_declared_for_every_templated_route(
    document: dict[str, Any],
) -> None:
    for path, item in document["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
            assert declared == names, path


def test_every_socket_event_is_described_from_the_handlers_models(
    document: dict[str, Any],
) -> None:
    handlers = {name[3:] for name in dir(RealtimeNamespace) if name.startswith("on_")}
    described = document["x-socketio"]["clientEvents"]
    assert set(described) | {"connect", "disconnect"} == handlers
    assert described["send"]["payload"] == {"$ref": "#/components/schemas/SendEvent"}
    assert set(document["x-socketio"]["serverEvents"]) == set(socket_wire.SERVER_EVENTS)
    assert "SentAck" in document["components"]["schemas"]


def test_every_event_the_sdk_listens_for_is_described(document: dict[str, Any]) -> None:
    assert set(sdk_realtime.EVENTS) <= set(document["x-socketio"]["serverEvents"])
    journal_updated = document["x-socketio"]["serverEvents"]["journal_updated"]
    assert journal_updated["payload"] == {"$ref": "#/components/schemas/JournalUpdated"}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_the_app_serves_its_document_and_a_reference_page_within_the_policy(
    client: TestClient,
) -> None:
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    assert documented_operations(served.json()) == documented_operations(openapi_document(routes()))
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.DOTALL)
    assert scripts == [(' type="module" src="/static/js/api-docs.js"', "")]
    assert "<style" not in page.text
    assert "style=" not in page.text
    assert "http" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', page.text))
    assert client.get("/static/js/api-docs.js").status_code == 200
