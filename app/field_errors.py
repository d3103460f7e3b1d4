"""Pydantic validation errors as (field path, message, given value, type) lines, for the app's
settings, the API's 422 answers and envctl's config alike."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldError:
    field: str  # dotted location, "" for the top level
    message: str
    given: object
    kind: str  # pydantic's error type, e.g. "string_too_short"


def field_errors(error: ValidationError) -> Iterator[FieldError]:
    for item in error.errors():
        yield FieldError(
            field=".".join(str(part) for part in item["loc"]),
            message=item["msg"].removeprefix("Value error, "),
            given=item.get("input"),
            kind=item["type"],
        )
