"""Declare an endpoint once: its route, input models, responses and auth.

`endpoint` validates the request from typed pydantic models before the view runs,
serialises the returned model, and records the operation, so `/api/openapi.json`
is generated from the same declarations that do the validating.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from app.api.errors import ApiError, validation_failed

View = TypeVar("View", bound=Callable[..., Any])

MAX_ID = 2**31 - 1  # integer ids in paths are PostgreSQL `integer` primary keys
_CONVERTERS = {
    "int": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    "uuid": {"type": "string", "format": "uuid"},
    "string": {"type": "string"},
}
_RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text and jsonb cannot hold U+0000


class InputSchema(GenerateJsonSchema):
    """Documents what the API enforces on every input string: no NUL character."""

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        json_schema = super().str_schema(schema)
        if self.mode == "validation" and "pattern" not in json_schema:
            json_schema["pattern"] = NO_NUL
        return json_schema


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(BaseModel):
    error: ErrorDetail


class QueryModel(BaseModel):
    """Query strings: unknown parameters are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    summary: str
    tag: str
    operation_id: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    responses: dict[int, tuple[str, type[BaseModel] | None]]
    auth: bool


@dataclass
class ApiSpec:
    title: str
    version: str
    operations: list[Operation] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        models = {m for op in self.operations for m in _models_of(op)}
        models.add(ErrorBody)
        ordered = sorted(models, key=lambda m: m.__name__)
        _, defs = models_json_schema(
            [
                (m, "validation" if _is_input(m, self.operations) else "serialization")
                for m in ordered
            ],
            ref_template="#/components/schemas/{model}",
            schema_generator=InputSchema,
        )
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            paths.setdefault(_openapi_path(op.rule), {})[op.method.lower()] = _operation(op)
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "paths": dict(sorted(paths.items())),
            "components": {
                "schemas": defs.get("$defs", {}),
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
        }


SPEC = ApiSpec(title="preview-stack API", version="1")
STANDARD_ERRORS: dict[int, str] = {
    400: "malformed request",
    415: "body is not JSON",
    422: "a field is invalid",
}


def endpoint(
    blueprint: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    response: type[BaseModel] | None = None,
    status: int = 200,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    auth: bool = False,
    errors: dict[int, str] | None = None,
    response_description: str = "",
    other_successes: dict[int, str] | None = None,
) -> Callable[[View], View]:
    """Register `view` on `blueprint` and in the OpenAPI document.

    `other_successes` lists further success statuses the view returns with the same body.
    """

    def decorate(view: View) -> View:
        documented_errors = dict(errors or {})
        if body is not None:
            documented_errors |= STANDARD_ERRORS
        if query is not None:
            documented_errors |= {422: STANDARD_ERRORS[422]}
        if auth:
            documented_errors |= {401: "missing, invalid, expired or revoked token"}
        if _RULE_PARAM.search(rule):
            documented_errors.setdefault(404, "not found")
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            documented_errors |= {413: "request too large"}
        documented_errors |= {503: "a dependency is unavailable"}
        responses: dict[int, tuple[str, type[BaseModel] | None]] = {
            code: (text, ErrorBody) for code, text in documented_errors.items()
        }
        responses[status] = (response_description or summary, response)
        for code, text in (other_successes or {}).items():
            responses[code] = (text, response)
        SPEC.operations.append(
            Operation(
                method=method,
                rule=(blueprint.url_prefix or "") + rule,
                summary=summary,
                tag=blueprint.name,
                operation_id=f"{blueprint.name}_{view.__name__}",
                body=body,
                query=query,
                responses=responses,
                auth=auth,
            )
        )

        @functools.wraps(view)
        def wrapper(**path_params: Any) -> Response:
            kwargs: dict[str, Any] = dict(path_params)
            if auth:
                from app.api.reads import release_read_connection
                from app.auth.tokens import authenticate_request

                kwargs["account"] = authenticate_request()
                if method != "GET":  # writes use their own transactions: hold one connection
                    release_read_connection()
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body)
            result = view(**kwargs)
            return to_response(result, status)

        blueprint.add_url_rule(rule, view.__name__, wrapper, methods=[method])
        return view

    return decorate


def parse_body(model: type[BaseModel]) -> BaseModel:
    content_type = request.mimetype
    if content_type and content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    raw = request.get_data(cache=False)
    try:
        json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {error}") from None
    try:
        # Strict: accept exactly what the document says (no 0 for a date-time, no "yes" for
        # a boolean), as JSON-schema clients and the generated frontend client expect.
        parsed = model.model_validate_json(raw or b"null", strict=True)
    except ValidationError as error:
        raise validation_failed(error) from None
    reject_nul(parsed.model_dump(), "")
    return parsed


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        parsed = model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise validation_failed(error) from None
    reject_nul(parsed.model_dump(), "")
    return parsed


def reject_nul(value: Any, where: str) -> None:
    """A 422 naming the field for any string holding U+0000, which the database refuses.

    Run on the validated model, so unknown (ignored) fields do not count."""
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


def to_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        result, status = result
    if result is None:
        return Response(status=status)
    if isinstance(result, BaseModel):  # pydantic's own encoder: no dict of dicts in between
        return Response(result.model_dump_json(), status=status, mimetype="application/json")
    response = jsonify(result)
    response.status_code = status
    return response


def _models_of(op: Operation) -> list[type[BaseModel]]:
    found = [model for _, model in op.responses.values() if model is not None]
    return found + [m for m in (op.body, op.query) if m is not None]


def _is_input(model: type[BaseModel], operations: list[Operation]) -> bool:
    return any(model in (op.body, op.query) for op in operations)


def _openapi_path(rule: str) -> str:
    return _RULE_PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _operation(op: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _CONVERTERS.get(converter or "string", {"type": "string"}),
        }
        for converter, name in _RULE_PARAM.findall(op.rule)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(
            ref_template="#/components/schemas/{model}", schema_generator=InputSchema
        )
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    document: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "responses": {
            str(code): _response(text, model)
            for code, (text, model) in sorted(op.responses.items())
        },
    }
    if parameters:
        document["parameters"] = parameters
    if op.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body)}},
        }
    if op.auth:
        document["security"] = [{"bearer": []}]
    return document


def _response(description: str, model: type[BaseModel] | None) -> dict[str, Any]:
    if model is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": _ref(model)}}}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}
