"""Every error the API returns is JSON `{"error": {"code", "message", "details"}}`.

Bad input is a 4xx naming the field; a dependency that is down is a 503; anything
unexpected is a 500 JSON body with no internals (the traceback goes to the log).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from app.field_errors import field_errors
from app.temporal_client import TemporalUnavailable

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def validation_details(error: ValidationError, prefix: str = "") -> dict[str, Any]:
    fields = []
    for item in field_errors(error):
        field = f"{prefix}.{item.field}" if prefix and item.field else (prefix or item.field)
        fields.append({"field": field or "body", "message": item.message, "type": item.kind})
    return {"fields": fields}


def validation_failed(error: ValidationError, prefix: str = "") -> ApiError:
    details = validation_details(error, prefix)
    first = details["fields"][0]
    return ApiError(422, "validation_error", f"{first['field']}: {first['message']}", details)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        response = error_response(error.status, error.code, error.message, error.details)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        code = (error.name or "error").lower().replace(" ", "_")
        response = error_response(status, code, error.description or error.name)
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(TemporalUnavailable)
    def _temporal_down(error: TemporalUnavailable) -> Response:
        log.warning("temporal unavailable: %s", error)
        response = error_response(
            503, "temporal_unavailable", "the job service is unavailable; try again shortly"
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeoutError)
    def _database_down(error: Exception) -> Response:
        log.warning("database unavailable: %s", str(error).splitlines()[0])
        response = error_response(
            503, "database_unavailable", "the database is unavailable; try again shortly"
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError) -> Response:
        if error.connection_invalidated:
            return _database_down(error)
        log.exception("database error")
        return error_response(500, "internal_error", "an unexpected error occurred")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "an unexpected error occurred")
