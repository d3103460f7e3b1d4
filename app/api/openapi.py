"""What the API adds to flask-openapi3: our error envelope, strict JSON input models, and
pydantic models as response bodies.

flask-openapi3 validates each view's `path`, `query` and `body` arguments from their type
hints and builds `/api/openapi.json` from the same declarations.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, NoReturn

from flask import Response, current_app, request
from flask_openapi3 import APIBlueprint, OpenAPI, Tag
from flask_openapi3.types import ResponseDict
from pydantic import (
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.api.errors import ApiError, validation_failed
from app.api.openapi_responses import share_responses

MAX_ID = 2**31 - 1  # integer ids in paths are PostgreSQL `integer` primary keys
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text and jsonb cannot hold U+0000


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(BaseModel):
    error: ErrorDetail


def error(description: str) -> dict[str, Any]:
    """An error response in the document: our envelope, described."""
    schema = {"$ref": "#/components/schemas/ErrorBody"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


BODY_ERRORS: ResponseDict = {
    400: error("malformed request"),
    413: error("request too large"),
    415: error("body is not JSON"),
}
WRITE_ERRORS: ResponseDict = {413: error("request too large")}
AUTH_ERRORS: ResponseDict = {401: error("missing, invalid, expired or revoked token")}
PATH_ERRORS: ResponseDict = {404: error("not found")}
# An operation on one of the caller's items (`/jobs/<id>`, `/tasks/<id>`).
ITEM_ERRORS: ResponseDict = {**AUTH_ERRORS, **PATH_ERRORS}
# Every operation: flask-openapi3 documents a 422 on each one, so it is ours everywhere.
COMMON_ERRORS: ResponseDict = {
    422: error("a field is invalid"),
    503: error("a dependency is unavailable"),
}


def _document_no_nul(schema: dict[str, Any]) -> None:
    """Publish on every free-form input string what the API enforces: no NUL character."""
    for prop in schema.get("properties", {}).values():
        for option in [prop, *prop.get("anyOf", [])]:
            if option.get("type") == "string" and not {"pattern", "enum", "format"} & set(option):
                option["pattern"] = NO_NUL


def reject_nul(value: Any, where: str) -> None:
    """A 422 naming the field for any string holding U+0000, which the database refuses."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ApiError(
                422,
                "validation_error",
                f"{where}: must not contain the NUL character",
                {"fields": [{"field": where, "message": "contains NUL", "type": "string_nul"}]},
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            reject_nul(key, path)
            reject_nul(item, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            reject_nul(item, f"{where}.{index}")


class _Input(BaseModel):
    model_config = ConfigDict(json_schema_extra=_document_no_nul)

    # ApiError is no ValueError, so pydantic lets it through to our 422 handler unchanged.
    @model_validator(mode="after")
    def _no_nul(self) -> _Input:
        reject_nul(self.model_dump(), "")
        return self


class QueryModel(_Input):
    """Query strings: unknown parameters are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_no_nul)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """flask-openapi3 reads a query model's schema on every request (milliseconds): build
        it once. Shared, so callers must only read it, as flask-openapi3 does."""
        key = (cls, args, tuple(sorted(kwargs.items())))
        if key not in _SCHEMAS:
            _SCHEMAS[key] = super().model_json_schema(*args, **kwargs)
        return _SCHEMAS[key]


_SCHEMAS: dict[tuple[Any, ...], dict[str, Any]] = {}


class JsonBody(_Input):
    """Strict: accept exactly what the document says (no 0 for a date-time, no "yes" for a
    boolean), as JSON-schema clients and the generated frontend client expect."""

    model_config = ConfigDict(strict=True, json_schema_extra=_document_no_nul)


_DATETIME = TypeAdapter(datetime)


def _datetime_as_json(value: Any, _handler: Any) -> datetime:
    """Read a date-time as strict JSON does: an RFC 3339 string, with pydantic's messages."""
    if isinstance(value, datetime):
        return value
    try:
        return _DATETIME.validate_json(json.dumps(value), strict=True)
    except ValidationError as failed:
        first = failed.errors()[0]
        raise PydanticCustomError(first["type"], first["msg"]) from None


JsonDateTime = Annotated[datetime, WrapValidator(_datetime_as_json)]


def raise_validation_error(failed: ValidationError) -> NoReturn:
    """flask-openapi3's validation failures become our 422 envelope."""
    raise validation_failed(failed)


def check_json_body() -> None:
    """Before validation: a body must be JSON (415) that parses (400) to an object (422)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or "body" not in getattr(view, "__annotations__", {}):
        return
    raw = request.get_data()
    if (request.mimetype or raw) and request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        parsed = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError) as failed:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {failed}") from None
    if not isinstance(parsed, dict):  # pydantic's JSON-mode message, not its Python-mode one
        message = "Input should be an object"
        field = {"field": "body", "message": message, "type": "model_type"}
        raise ApiError(422, "validation_error", f"body: {message}", {"fields": [field]})


def _operation_id(bp_name: str = "", name: str = "", path: str = "", method: str = "") -> str:
    return f"{bp_name}_{name}"


def api_blueprint(name: str, import_name: str, url_prefix: str) -> APIBlueprint:
    return APIBlueprint(
        name,
        import_name,
        url_prefix=url_prefix,
        abp_tags=[Tag(name=name)],
        abp_responses=COMMON_ERRORS,
        operation_id_callback=_operation_id,
    )


def to_response(result: Any) -> Any:
    """Serialise a returned model with pydantic's own encoder: no dict of dicts in between."""
    status = None
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], BaseModel):
        result, status = result
    if isinstance(result, BaseModel):
        response = Response(result.model_dump_json(), mimetype="application/json")
        if status is not None:
            response.status_code = status
        return response
    return result


class ApiApp(OpenAPI):
    """The Flask app: views may return pydantic models (and a status)."""

    def make_response(self, rv: Any) -> Response:
        return super().make_response(to_response(rv))

    def generate_spec_json(self) -> None:
        super().generate_spec_json()  # type: ignore[no-untyped-call]
        self.spec_json = share_responses(self.spec_json)
