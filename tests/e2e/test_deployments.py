"""What a user does with the deployments: `make server`, `make deploy`, `make worker`, then Run.

The flow run is created through the API as the UI's Run -> Custom run button does, with the
sources file and the warehouse overridden, and picked up by a real process worker.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, expected_articles, sources_for
from tests.e2e.conftest import api_client, tail

pytestmark = pytest.mark.e2e

RUN_TIMEOUT = 300


@pytest.fixture(scope="module")
def ingest_run(deployed, prefect_worker, sample_site, tmp_path_factory):
    """One run of `ingest/ingest` with custom parameters; yields (flow run, warehouse, log)."""
    folder = tmp_path_factory.mktemp("e2e-ingest")
    sources = sources_for(sample_site, folder / "sources.toml")
    warehouse = folder / "warehouse"
    parameters = {"sources": str(sources), "warehouse": str(warehouse)}
    with api_client(deployed) as client:
        run = finished_run(client, "ingest/ingest", parameters, prefect_worker)
    return run, warehouse, prefect_worker


def finished_run(client, deployment: str, parameters: dict, worker_log: Path):
    """A flow run of `deployment` created as the UI's Custom run does, once the worker has
    run it to a final state."""
    found = client.read_deployment_by_name(deployment)
    run = client.create_flow_run_from_deployment(found.id, parameters=parameters)
    deadline = time.monotonic() + RUN_TIMEOUT
    while not (run.state and run.state.is_final()):
        if time.monotonic() > deadline:
            pytest.fail(
                f"flow run {run.id} still {run.state_name} after {RUN_TIMEOUT} s\n"
                f"--- worker log ---\n{tail(worker_log)}"
            )
        time.sleep(2)
        run = client.read_flow_run(run.id)
    return run


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


def serving_runner(cache: Path, worker_log: Path, timeout: float = 120) -> Path:
    """The log of the warm runner that the first flow run started, once it serves."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for log in cache.glob("runner-*.log"):
            if "serving on" in log.read_text(encoding="utf-8", errors="replace"):
                return log
        time.sleep(1)
    logs = "\n".join(tail(log) for log in cache.glob("runner-*.log")) or "(no runner log)"
    pytest.fail(f"no warm runner serves in {cache}\n{logs}\n--- worker log ---\n{tail(worker_log)}")


def engine_messages(client, run_id) -> list[str]:
    """The INFO records that the flow run's own process sent to the API (the worker sends some
    of its own for the run too): waited for a little, since they come in batches."""
    import logging

    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    deadline = time.monotonic() + 30
    while True:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
        found = [log.message for log in logs if log.level == logging.INFO]
        first_and_last = ("Beginning flow run", "newsetl ingest")  # the engine's, the flow's
        if all(any(m.startswith(w) for m in found) for w in first_and_last):
            break
        if time.monotonic() > deadline:
            break
        time.sleep(1)
    return [m for m in found if not m.startswith(("Worker ", "Flow run "))]


def test_the_next_flow_run_goes_through_the_warm_runner(deployed, ingest_run):
    """The worker starts flow runs with `newsetl engine` (prefect.yaml). The first one ran in
    its own process and started a warm runner; the next run of the deployment is forked by that
    runner, completes (nothing new to fetch), and logs to the API at Prefect's own levels, as
    the first run did."""
    first, warehouse, worker_log = ingest_run
    with api_client(deployed) as client:
        deployment = client.read_deployment_by_name("ingest/ingest")
    assert deployment.job_variables["command"] == f"'{ROOT}/.venv/bin/newsetl' engine"
    log = serving_runner(deployed.home.parent / "cache" / "newsetl", worker_log)
    forked = log.read_text(encoding="utf-8").count(": newsetl engine (in ")
    with api_client(deployed) as client:
        second = finished_run(client, "ingest/ingest", first.parameters, worker_log)
        infos = {run.id: engine_messages(client, run.id) for run in (first, second)}
    assert second.state.is_completed(), (
        f"flow run {second.id} ended {second.state.type.value}: {second.state.message}\n"
        f"--- runner log ---\n{tail(log)}\n--- worker log ---\n{tail(worker_log)}"
    )
    assert log.read_text(encoding="utf-8").count(": newsetl engine (in ") == forked + 1, tail(log)
    for messages in infos.values():  # Prefect's engine and newsetl's flow, at INFO
        assert any(m.startswith("Beginning flow run") for m in messages), infos
        assert any(m.startswith("newsetl ingest") for m in messages), infos
    with open_read_only(warehouse / "newsetl.duckdb") as con:
        runs = con.sql("select run_id, status, new_articles from runs order by started_at")
        rows = runs.fetchall()
    assert rows[-1] == (str(second.id), "completed", 0), rows
