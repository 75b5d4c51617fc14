"""The one place where errors become HTTP responses: `{"error": {"code", "message"}}`."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from messaging import errors

logger = logging.getLogger("interlude.web")
DATABASE_RETRY_AFTER_SECONDS = 2

STATUS_BY_ERROR: dict[type[errors.InterludeError], int] = {
    errors.InvalidInput: 422,
    errors.NotAuthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.PayloadTooLarge: 413,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}

HTTP_CODES = {
    400: ("bad_request", "The request was not understood."),
    401: ("not_authenticated", "Please log in."),
    403: ("forbidden", "You may not do that."),
    404: ("not_found", "There is nothing here."),
    405: ("method_not_allowed", "That method is not allowed here."),
    413: ("payload_too_large", "That is too large."),
    415: ("unsupported_media_type", "Send JSON with Content-Type: application/json."),
}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def status_for(error: errors.InterludeError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


async def handle_interlude_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.InterludeError)
    response = error_response(status_for(exc), exc.code, exc.message)
    if isinstance(exc, errors.RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
    return response


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, message = HTTP_CODES.get(exc.status_code, ("http_error", "The request failed."))
    return error_response(exc.status_code, code, message)


async def handle_database_error(request: Request, exc: Exception) -> Response:
    """The database refused or dropped the connection, or (SQLite) stayed locked past the
    busy timeout: the request can be tried again, so it is a 503 with Retry-After. A
    statement the database rejected (a constraint, bad SQL, bad data) is our bug: a 500.
    Only the error's type is logged (its text may quote SQL)."""
    if isinstance(exc, IntegrityError | ProgrammingError | DataError):
        return await handle_unexpected(request, exc)
    logger.warning("database unavailable: %s", type(exc).__name__)
    response = error_response(
        503, "unavailable", "The service is briefly unavailable. Please try again in a moment."
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log (which carries no plaintext); the client gets none.
    logger.error("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "Something went wrong on our side.")


EXCEPTION_HANDLERS = {
    errors.InterludeError: handle_interlude_error,
    HTTPException: handle_http_exception,
    DBAPIError: handle_database_error,
    Exception: handle_unexpected,
}
