"""What every section of the envctl config shares: strict, frozen models and common types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

PositiveInt = Annotated[int, Field(gt=0)]
Port = Annotated[int, Field(gt=0, le=65535)]
SecretsMode = Literal["doppler", "plain"]
ProductionTemporalMode = Literal["postgres", "external"]
DatabaseMode = Literal["direct", "pooled"]


class Strict(BaseModel):
    """Unknown keys are errors; a loaded config never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def checked(
    require: Callable[[str, str], str], field: str, *, optional: bool = False
) -> AfterValidator:
    """A field's check by one of `envctl/model/inputs.py`'s `require_*`; `optional` lets "" pass."""

    def check(value: str) -> str:
        return value if optional and not value else require(value, field)

    return AfterValidator(check)
