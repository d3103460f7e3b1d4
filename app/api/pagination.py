"""Keyset pagination: an opaque cursor holding the last row's sort key."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from pydantic import Field

from app.api.errors import ApiError
from app.api.openapi import QueryModel


class PageQuery(QueryModel):
    limit: int = Field(default=20, ge=1, le=100, description="items per page")
    cursor: str | None = Field(
        default=None, max_length=200, description="next_cursor from the previous page"
    )


class Keyed(Protocol):
    @property
    def created_at(self) -> datetime: ...
    @property
    def id(self) -> Any: ...


Row = TypeVar("Row", bound=Keyed)


def split_page(rows: Sequence[Row], limit: int) -> tuple[list[Row], str | None]:
    """`rows` was fetched with `limit + 1`: the page, and the cursor of the next one if any."""
    page = list(rows[:limit])
    if len(rows) <= limit:
        return page, None
    return page, encode_cursor(page[-1].created_at, page[-1].id)


def encode_cursor(created_at: datetime, row_id: str | int) -> str:
    raw = json.dumps([created_at.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created_at, row_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created_at), row_id
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ApiError(
            422,
            "validation_error",
            "cursor: not a cursor from this API; use next_cursor from the previous page",
            {"fields": [{"field": "cursor", "message": "invalid cursor", "type": "value_error"}]},
        ) from None
