"""What a user does with the deployments: `make server`, `make deploy`, `make worker`, then Run.

The flow run is created through the API as the UI's Run -> Custom run button does, with the
sources file and the warehouse overridden, and picked up by a real process worker.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import expected_articles, sources_for
from tests.e2e.conftest import api_client, tail

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 300


@pytest.fixture(scope="module")
def ingest_run(deployed, prefect_worker, sample_site, tmp_path_factory):
    """One run of `ingest/ingest` with custom parameters; yields (flow run, warehouse, log)."""
    folder = tmp_path_factory.mktemp("e2e-ingest")
    sources = sources_for(sample_site, folder / "sources.toml")
    warehouse = folder / "warehouse"
    with api_client(deployed) as client:
        deployment = client.read_deployment_by_name("ingest/ingest")
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"sources": str(sources), "warehouse": str(warehouse)}
        )
        deadline = time.monotonic() + RUN_TIMEOUT
        while not (run.state and run.state.is_final()):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"flow run {run.id} still {run.state_name} after {RUN_TIMEOUT} s\n"
                    f"--- worker log ---\n{tail(prefect_worker)}"
                )
            time.sleep(2)
            run = client.read_flow_run(run.id)
    return run, warehouse, prefect_worker


def test_deployments_are_declared(deployed):
    with api_client(deployed) as client:
        ingest = client.read_deployment_by_name("ingest/ingest")
        reprocess = client.read_deployment_by_name("reprocess/reprocess")
    crons = [
        (s.schedule.cron, s.schedule.timezone, s.active)
        for s in ingest.schedules
        if hasattr(s.schedule, "cron")
    ]
    assert crons == [("*/30 * * * *", "UTC", True)], ingest.schedules
    assert ingest.work_pool_name == reprocess.work_pool_name == "newsetl-pool"
    assert ingest.parameters == {"sources": "examples/sources.toml", "warehouse": "warehouse"}


def test_every_deployment_has_a_described_parameter_form(deployed):
    """What the UI's Run form is built from: typed parameters, each with a description."""
    with api_client(deployed) as client:
        found = {
            name: client.read_deployment_by_name(name)
            for name in (
                "ingest/ingest",
                "backfill/backfill",
                "reprocess/reprocess",
                "maintenance/maintenance",
            )
        }
    for name, deployment in found.items():
        assert deployment.description and deployment.tags, name
        assert (
            deployment.concurrency_limit == 1 or deployment.global_concurrency_limit.limit == 1
        ), name
        properties = deployment.parameter_openapi_schema["properties"]
        for parameter, schema in properties.items():
            assert schema.get("description"), (name, parameter)
    backfill = found["backfill/backfill"].parameter_openapi_schema
    assert backfill["required"] == ["dates"]
    dates = backfill["definitions"]["DateRange"]["properties"]
    assert dates["start"]["format"] == "date" and dates["end"]["description"]
    maintenance = found["maintenance/maintenance"]
    assert [s.schedule.cron for s in maintenance.schedules] == ["15 3 * * *"]


def test_ingest_run_completes(ingest_run):
    run, _, worker_log = ingest_run
    assert run.state.is_completed(), (
        f"flow run {run.id} ended {run.state.type.value}: {run.state.message}\n"
        f"--- worker log ---\n{tail(worker_log)}"
    )
    assert run.parameters["sources"].endswith("sources.toml")


def open_read_only(path: Path, timeout: float = 20) -> duckdb.DuckDBPyConnection:
    """The flow-run process may still be exiting, holding DuckDB's write lock, for a moment."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_warehouse_holds_the_sample(ingest_run):
    run, warehouse, worker_log = ingest_run
    assert run.state.is_completed()
    database = warehouse / "newsetl.duckdb"
    assert database.is_file(), f"no {database}"
    with open_read_only(database) as con:
        articles = con.sql("select count(*) from articles").fetchall()[0][0]
        runs = con.sql("select run_id, flow, status from runs").fetchall()
    assert articles == len(expected_articles()) == 32, (
        f"{articles} articles in {database}\n--- worker log ---\n{tail(worker_log)}"
    )
    assert runs == [(str(run.id), "ingest", "completed")]


def test_run_publishes_artifacts(deployed, ingest_run):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    run, _, _ = ingest_run
    with api_client(deployed) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
    found = {(a.key, a.type) for a in artifacts}
    assert ("newsetl-ingest-summary", "markdown") in found, found
    assert ("newsetl-ingest-counts", "table") in found, found
    counts = next(a for a in artifacts if a.key == "newsetl-ingest-counts")
    assert "new_articles" in str(counts.data)
