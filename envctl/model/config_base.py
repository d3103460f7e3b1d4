"""What every section of the envctl config shares: strict, frozen models and common types."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

PositiveInt = Annotated[int, Field(gt=0)]
Port = Annotated[int, Field(gt=0, le=65535)]
SecretsMode = Literal["doppler", "plain"]
ProductionTemporalMode = Literal["postgres", "external"]
DatabaseMode = Literal["direct", "pooled"]


class Strict(BaseModel):
    """Unknown keys are errors; a loaded config never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
