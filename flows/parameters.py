"""Typed flow parameters: the Prefect UI renders them as a form and rejects bad values
before a run starts. Their descriptions live in each flow's docstring (Args:), where Prefect
reads them for the form."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, model_validator


def _existing_file(value: str | None) -> str | None:
    if value is not None and not Path(value).is_file():
        raise ValueError(
            f"sources file {value} does not exist (paths are relative to the worker's folder)"
        )
    return value


SourcesParam = Annotated[str | None, AfterValidator(_existing_file)]
WarehouseParam = str | None
LimitParam = Annotated[int | None, Field(gt=0)]


class DateRange(BaseModel):
    """Publication dates to backfill, both ends included."""

    start: date = Field(description="First day (YYYY-MM-DD).")
    end: date = Field(description="Last day (YYYY-MM-DD), on or after start.")

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self
