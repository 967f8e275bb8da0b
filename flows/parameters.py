"""Typed flow parameters: the Prefect UI renders them as a form and rejects bad values
before a run starts. Their descriptions live in each flow's docstring (Args:), where Prefect
reads them for the form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

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


PLAIN = (str, int, float, bool, type(None))  # what JSON holds as it is
F = TypeVar("F")


def plain_parameters_as_they_are(flow: F) -> F:
    """Store a run's parameters without FastAPI's encoder when they are plain JSON values.

    Prefect's `Flow.serialize_parameters` imports FastAPI (0.2 s, most of it unrelated to the
    run) to pass each value through `jsonable_encoder`, which returns a str, int, float, bool
    or None as it is. A command-line run's parameters are all such values, so they are stored
    unchanged; any other value (a backfill's date range, say) still goes through Prefect's.
    """
    general: Callable[[dict[str, Any]], dict[str, Any]] = flow.serialize_parameters  # type: ignore[attr-defined]

    def serialize_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
        if all(type(value) in PLAIN for value in parameters.values()):
            return dict(parameters)
        return general(parameters)

    flow.serialize_parameters = serialize_parameters  # type: ignore[attr-defined]
    return flow
