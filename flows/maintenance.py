"""The maintenance flow: compact Parquet files, sort the search index, checkpoint DuckDB, expire old
raw data."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from pydantic import Field

from newsetl.config import settings_for_run
from newsetl.storage.locks import run_lock
from newsetl.storage.maintenance import maintain, summary_line
from newsetl.storage.warehouse import Warehouse
from newsetl_flows.parameters import WarehouseParam, plain_parameters_as_they_are


@flow(name="maintenance", log_prints=True, timeout_seconds=settings_for_run().run_timeout)
def maintenance(
    warehouse: WarehouseParam = None,
    raw_retention_days: Annotated[int | None, Field(gt=0)] = None,
) -> dict:
    """Daily housekeeping: compact Parquet files, sort the search index when loads appended a tenth
    of it, checkpoint DuckDB (bringing tables, views and comments back to newsetl's), expire old
    raw responses.

    Args:
        warehouse: Warehouse folder to tidy. Empty: $NEWSETL_WAREHOUSE or ./warehouse.
        raw_retention_days: Delete raw responses fetched more than this many days ago. Empty: keep all (the raw archive is the one layer that cannot be rebuilt).
    """  # noqa: E501 - Prefect reads each Args line whole as a form description
    settings = settings_for_run(warehouse=warehouse)
    store = Warehouse(settings.warehouse)
    # Never beside an ingest: compaction and retention rewrite and delete raw files it reads.
    with run_lock(store.root, "maintenance", str(flow_run.get_id() or ""), settings.run_lock_wait):
        with store.exclusive():
            store.recover()
        report = maintain(
            store, raw_retention_days or settings.raw_retention_days, datetime.now(UTC).date()
        )
    text = summary_line(asdict(report))
    create_markdown_artifact(
        key="newsetl-maintenance-summary",
        markdown=f"# newsetl maintenance\n\n{text}\n",
        description="newsetl maintenance run",
    )
    print(text)
    return asdict(report)


plain_parameters_as_they_are(maintenance)
