"""The OpenAPI 3.1 document, generated from the route table and the wire models (never
written by hand), and the reference page that renders it.

Every route of the app is in the document. An `ApiRoute` contributes its summary,
parameters, request body, success response and the error responses it may give (each
with the error codes of its status); other routes (pages, probes) appear with their
docstring. Socket.IO events are described under the `x-socketio` extension from the same
models the socket handlers validate with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from importlib.metadata import version
from typing import Any

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from messaging import errors
from web.api import ApiRoute, Contract
from web.errors import HTTP_CODES, STATUS_BY_ERROR
from web.models import realtime
from web.models.fields import BASE64URL_PATTERN
from web.pages import STATIC_DIR

Json = dict[str, Any]
REF = "#/components/schemas/{model}"
UUID_SCHEMA: Json = {"type": "string", "format": "uuid"}

# Path parameters by name: each is parsed by `web.parsing` in the endpoint and described
# here once. A route with a parameter missing here fails to generate (and its test).
PATH_PARAMETERS: dict[str, Json] = {
    "session_id": UUID_SCHEMA,
    "invitation_id": UUID_SCHEMA,
    "user_id": UUID_SCHEMA,
    "therapist_id": UUID_SCHEMA,
    "client_id": UUID_SCHEMA,
    "thread_id": UUID_SCHEMA,
    "message_id": UUID_SCHEMA,
    "job_id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},
    "key_id": {"type": "string", "pattern": BASE64URL_PATTERN, "minLength": 1},
    "token": {"type": "string", "minLength": 1},
    "entry_id": UUID_SCHEMA,
    "draft_id": UUID_SCHEMA,
    "share_id": UUID_SCHEMA,
    "prompt_id": UUID_SCHEMA,
    "flag_id": UUID_SCHEMA,
    "clinic_id": UUID_SCHEMA,
    "request_id": UUID_SCHEMA,
    "member_id": UUID_SCHEMA,
    "report_id": UUID_SCHEMA,
}

# Codes answered without an error class (readiness has its own).
EXTRA_CODES = {503: ("not_ready",)}

ERROR_SCHEMA: Json = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable, machine-readable"},
                "message": {"type": "string", "description": "for people"},
            },
        }
    },
}

SECURITY_SCHEME: Json = {
    "type": "http",
    "scheme": "bearer",
    "description": "The session token from login, recovery or accepting an invitation.",
}


def status_of(error: type[errors.InterludeError]) -> int:
    for cls in error.__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def _subclasses(cls: type[errors.InterludeError]) -> Iterable[type[errors.InterludeError]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _subclasses(sub)


def codes_by_status() -> dict[int, list[str]]:
    """Every error code a client can get, by status."""
    found: dict[int, set[str]] = {}
    for cls in _subclasses(errors.InterludeError):
        if cls is not errors.InterludeError:
            found.setdefault(status_of(cls), set()).add(cls.code)
    for status, (code, _) in HTTP_CODES.items():
        found.setdefault(status, set()).add(code)
    for status, codes in EXTRA_CODES.items():
        found.setdefault(status, set()).update(codes)
    return {status: sorted(codes) for status, codes in sorted(found.items())}


def error_statuses(contract: Contract, has_path_parameters: bool) -> set[int]:
    """The error statuses a route may answer: those of its declared errors, plus 401, 403
    and 404 for routes that need a session, 422 for any input, 413 for a body."""
    statuses = {status_of(error) for error in contract.errors}
    if not contract.public:
        statuses |= {401, 403, 404}
    if contract.body is not None or contract.query is not None or has_path_parameters:
        statuses.add(422)
    if contract.body is not None:
        statuses |= {413, 422}
    return statuses


class Components:
    """Collects the JSON Schemas of models under `components/schemas`."""

    def __init__(self) -> None:
        self.schemas: dict[str, Json] = {}

    def ref(self, annotation: Any, mode: str) -> Json:
        schema = TypeAdapter(annotation).json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        for name, definition in schema.pop("$defs", {}).items():
            self._add(name, definition)
        name = schema.get("title") or getattr(annotation, "__name__", "")
        if not name or schema.get("type") != "object":
            return schema
        self._add(name, schema)
        return {"$ref": REF.format(model=name)}

    def _add(self, name: str, schema: Json) -> None:
        known = self.schemas.setdefault(name, schema)
        if known != schema:
            raise ValueError(f"two different wire models are both named {name}")


def _parameters(route: Route, contract: Contract | None, components: Components) -> list[Json]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name]}
        for name in route.param_convertors
    ]
    if contract is not None and contract.query is not None:
        schema = contract.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        for name, field in schema.get("properties", {}).items():
            field = {key: value for key, value in field.items() if key != "title"}
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": field}
            )
    return parameters


def _operation(route: Route, method: str, components: Components) -> Json:
    contract = route.contract if isinstance(route, ApiRoute) else None
    endpoint = route.handler if isinstance(route, ApiRoute) else route.endpoint
    operation: Json = {
        "operationId": f"{method.lower()}_{endpoint.__name__}",
        "tags": [_tag(endpoint)],
        "summary": contract.summary if contract else _first_line(endpoint.__doc__),
    }
    parameters = _parameters(route, contract, components)
    if parameters:
        operation["parameters"] = parameters
    if contract is None:
        operation["responses"] = {"200": {"description": "OK"}}
        return operation
    if not contract.public:
        operation["security"] = [{"session": []}]
    if contract.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": components.ref(contract.body, "validation")}
            },
        }
    responses: Json = {}
    for status in (contract.success_status, *contract.also):
        responses[str(status)] = _success(contract, status, components)
    for status in sorted(error_statuses(contract, bool(route.param_convertors))):
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    operation["responses"] = responses
    return operation


def _success(contract: Contract, status: int, components: Components) -> Json:
    if contract.response is None and contract.media_type == "application/json":
        return {"description": "Done (no content)"} if status == 204 else {"description": "OK"}
    if contract.response is None:
        return {
            "description": "OK",
            "content": {contract.media_type: {"schema": {"type": "string"}}},
        }
    return {
        "description": "OK",
        "content": {
            contract.media_type: {"schema": components.ref(contract.response, "serialization")}
        },
    }


def _tag(endpoint: Any) -> str:
    """The module that defines the endpoint (accounts, threads, health, ...)."""
    return str(endpoint.__module__).rsplit(".", 1)[-1].replace("_", " ")


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n")[0].rstrip(".")


def _socket_events(components: Components) -> Json:
    return {
        "path": "/socket.io/",
        "transports": ["websocket"],
        "auth": "Connect with auth {token: <session token>}; refused without a live session.",
        "acknowledgement": "Each client event is answered with {ok: true, ...} or "
        "{error: {code, message}} (the codes of the HTTP error responses).",
        "clientEvents": {
            name: {
                "summary": event.summary,
                "payload": components.ref(event.payload, "validation"),
                "ack": components.ref(event.ack, "serialization"),
            }
            for name, event in realtime.CLIENT_EVENTS.items()
        },
        "serverEvents": {
            name: {
                "summary": event.summary,
                "payload": components.ref(event.payload, "serialization"),
            }
            for name, event in realtime.SERVER_EVENTS.items()
        },
    }


def openapi_document(routes: Sequence[BaseRoute]) -> Json:
    """The OpenAPI 3.1 document of `routes` (plain routes; mounts of static files are not
    API and are left out)."""
    components = Components()
    paths: dict[str, Json] = {}
    for route in routes:
        if not isinstance(route, Route):
            continue
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            path = re.sub(r"{(\w+)(:\w+)?}", r"{\1}", route.path)
            paths.setdefault(path, {})[method.lower()] = _operation(route, method, components)
    socket_events = _socket_events(components)
    document: Json = {
        "openapi": "3.1.0",
        "info": {
            "title": "Interlude API",
            "version": version("interlude"),
            "description": "End-to-end encrypted asynchronous therapy messaging. The "
            "narrative (authentication, paging, idempotency, epochs) is in docs/api.md.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA, **dict(sorted(components.schemas.items()))},
            "responses": {
                str(status): {
                    "description": f"Error: {', '.join(codes)}",
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [
                                    {"$ref": REF.format(model="Error")},
                                    {
                                        "properties": {
                                            "error": {"properties": {"code": {"enum": codes}}}
                                        }
                                    },
                                ]
                            }
                        }
                    },
                }
                for status, codes in codes_by_status().items()
            },
            "securitySchemes": {"session": SECURITY_SCHEME},
        },
        "x-socketio": socket_events,
    }
    return document


def document_routes(routes: Sequence[BaseRoute]) -> list[Route]:
    """`/api/openapi.json` (the document of `routes` and these two) and `/api/docs`."""
    cached: list[Json] = []

    async def openapi_json(request: Request) -> Response:
        """The OpenAPI 3.1 document of this API"""
        if not cached:
            cached.append(openapi_document([*routes, *own]))
        return JSONResponse(cached[0])

    async def api_docs(request: Request) -> Response:
        """A readable reference page rendering the OpenAPI document"""
        return FileResponse(STATIC_DIR / "api-docs.html", headers={"Cache-Control": "no-cache"})

    own: list[Route] = [
        ApiRoute(
            "/api/openapi.json",
            openapi_json,
            "GET",
            Contract("The OpenAPI 3.1 document of this API", response=dict[str, Any], public=True),
        ),
        ApiRoute(
            "/api/docs",
            api_docs,
            "GET",
            Contract("A readable reference page of this API", public=True, media_type="text/html"),
        ),
    ]
    return own
