"""API routes that name their contract: the edge parses every input into a typed model and
serializes the answer, and the OpenAPI document (`web/openapi.py`) is generated from the
same declaration, so what is documented is what is enforced.

A route is declared in its module's route table:

    ApiRoute("/api/threads/{thread_id}/read", mark_read, "POST",
             Contract("Move my read position", body=ReadPosition))

and its endpoint receives what the contract names, already checked, in this order:
the caller (`actor`, unless `public=True`), then `query`, then `body`:

    async def mark_read(request: Request, actor: Actor | None, body: ReadPosition) -> None:

An endpoint returns a mapping (sent as JSON with the contract's status), None (204) or a
`Response` of its own (a status that depends on the outcome, HTML). Path parameters are
parsed with `web.parsing` and described once, by name, in `PATH_PARAMETERS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from messaging.errors import InterludeError, InvalidInput
from web import parsing
from web.auth import authenticated

Model = TypeVar("Model", bound=BaseModel)
Endpoint = Callable[..., Awaitable[Response | Mapping[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class Contract:
    """What a route accepts and answers.

    `response` is the type of the success body (a TypedDict or model; None for none),
    `status` its status (default: 204 without a body, else 200); `also` lists other
    success statuses (e.g. 200 for a retried send). `errors` are the error classes the
    route may answer with beyond those every route of its kind has (see
    `web.openapi.error_statuses`). `media_type` is for routes that answer something other
    than JSON (e.g. a page)."""

    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int | None = None
    also: tuple[int, ...] = ()
    errors: tuple[type[InterludeError], ...] = ()
    public: bool = False
    media_type: str = "application/json"

    @property
    def success_status(self) -> int:
        """`status`, or by default 204 for a JSON route with no response body, else 200."""
        if self.status is not None:
            return self.status
        return 204 if self.response is None and self.media_type == "application/json" else 200


class ApiRoute(Route):
    """A Starlette route with a `Contract`; the only kind of route under /api."""

    def __init__(self, path: str, endpoint: Endpoint, method: str, contract: Contract) -> None:
        self.contract = contract
        self.handler = endpoint
        super().__init__(path, self._edge(endpoint, contract), methods=[method], name=None)

    @staticmethod
    def _edge(endpoint: Endpoint, contract: Contract) -> Callable[[Request], Awaitable[Response]]:
        async def edge(request: Request) -> Response:
            given: dict[str, Any] = {}
            if not contract.public:
                given["actor"] = await authenticated(request)
            if contract.query is not None:
                given["query"] = validated(contract.query, dict(request.query_params))
            if contract.body is not None:
                given["body"] = validated(contract.body, await parsing.read_json(request))
            answer = await endpoint(request, **given)
            if isinstance(answer, Response):
                return answer
            if answer is None:
                return Response(status_code=204)
            return JSONResponse(answer, status_code=contract.success_status)

        edge.__name__ = endpoint.__name__
        edge.__doc__ = endpoint.__doc__
        return edge


def validated(model: type[Model], data: object) -> Model:
    """`data` as `model`, or `InvalidInput` naming the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput(describe(error)) from None


def describe(error: ValidationError) -> str:
    """The first problem, where it is as the services name it (`resources[0].name`)."""
    first = error.errors(include_url=False, include_input=False)[0]
    where = "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
    ).lstrip(".")
    message = first["msg"]
    return f"{where}: {message}." if where else f"{message}."
