"""What a deployment's flow run with nothing new costs, cold and warm (issue 13, point 7).

A Prefect worker starts each flow run of newsetl's deployments with `newsetl engine`
(prefect.yaml's `command`). This bench does what the worker does, without its polling: on a
Prefect API (the kept local server a first `newsetl run` leaves), the process work pool and
the deployments of prefect.yaml; then, for each measured run, a flow run of `ingest/ingest`
(sources: a generated site served on 127.0.0.1) and `newsetl engine` started with the
variables a worker sets. The first flow run loads N pages (the reference run; it also starts
the warm runner); then idle flow runs alternate cold (NEWSETL_WARM_RUNNER=0, a process of its
own as `python -m prefect.engine` would be) and warm (forked by the runner). Wall seconds are
the `newsetl engine` process's, start to exit.

    python -m benchmarks.deployment_idle [--pages 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks import corpus_gen, pipeline_runs
from benchmarks.measure import ROOT, machine, run_process
from newsetl.serve import serve_folder

RESULTS = ROOT / "benchmarks" / "results"
PREFECT = Path(sys.executable).with_name("prefect")


def prefect(env: dict[str, str], *args: str) -> None:
    done = run_process([str(PREFECT), *args], env=env, cwd=ROOT)
    if done["returncode"] != 0:
        raise RuntimeError(f"prefect {' '.join(args)} failed:\n{done['output'][-2000:]}")


def flow_run_id(env: dict[str, str], parameters: dict[str, str]) -> str:
    """A flow run of ingest/ingest with these parameters, as the UI's Custom run creates it."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: env["PREFECT_API_URL"]}),
        get_client(sync_client=True) as client,
    ):
        deployment = client.read_deployment_by_name("ingest/ingest")
        return str(client.create_flow_run_from_deployment(deployment.id, parameters=parameters).id)


def engine_run(env: dict[str, str], parameters: dict[str, str], warm: bool) -> dict:
    """One flow run started as the worker starts it: `newsetl engine` with the run's id."""
    run_env = {
        **env,
        "PREFECT__FLOW_RUN_ID": flow_run_id(env, parameters),
        **({} if warm else {"NEWSETL_WARM_RUNNER": "0"}),
    }
    newsetl = str(Path(sys.executable).with_name("newsetl"))
    done = run_process([newsetl, "engine"], env=run_env, cwd=Path(tempfile.gettempdir()))
    if done["returncode"] != 0:
        raise RuntimeError(f"newsetl engine failed:\n{done['output'][-3000:]}")
    return {key: round(done[key], 3) for key in ("seconds", "cpu_seconds", "peak_rss_mb")}


def run(work: Path, pages: int, repeats: int) -> dict:
    cache = work / "cache"
    env = {
        "XDG_CACHE_HOME": str(cache),
        "PREFECT_HOME": str(work / "prefect"),
        "NEWSETL_HOST_DELAY": "0",
        "NEWSETL_SERVER_KEEP_MINUTES": "45",  # as prefect.yaml sets it for the deployments
    }
    site, first = work / "site", work / "first-site"
    try:
        with serve_folder(site) as base, serve_folder(first) as first_base:
            sources = corpus_gen.write_site(site, corpus_gen.generate(pages, seed=23), base)
            # A first command of three pages leaves a kept local API server for the deployments.
            few = corpus_gen.write_site(first, corpus_gen.generate(3, seed=5), first_base)
            pipeline_runs.newsetl_run(few, work / "wh-first", env=env)
            server = pipeline_runs.kept_server(env)
            if server is None:
                raise RuntimeError("no kept Prefect API server: the first `newsetl run` left none")
            env["PREFECT_API_URL"] = server["api_url"]
            prefect(env, "work-pool", "create", "newsetl-pool", "--type", "process", "--overwrite")
            prefect({**env, "PWD": str(ROOT)}, "--no-prompt", "deploy", "--all")
            parameters = {"sources": str(sources), "warehouse": str(work / "warehouse")}
            full = engine_run(env, parameters, warm=True)  # starts the warm runner
            print(f"full run of {pages} pages: {full}", flush=True)
            pipeline_runs.wait_for_runner(env)
            cold, warm = [], []
            for i in range(repeats):
                cold.append(engine_run(env, parameters, warm=False))
                warm.append(engine_run(env, parameters, warm=True))
                print(f"idle {i + 1}: cold {cold[-1]}, warm {warm[-1]}", flush=True)
    finally:
        pipeline_runs.stop_kept(cache)
    cold_s = statistics.median(r["seconds"] for r in cold)
    warm_s = statistics.median(r["seconds"] for r in warm)
    return {
        "pages": pages,
        "repeats": repeats,
        "full_run": full,
        "idle_cold": cold,
        "idle_warm": warm,
        "medians": {
            "idle_cold_s": cold_s,
            "idle_warm_s": warm_s,
            "idle_cold_vs_full": round(cold_s / full["seconds"], 4),
            "idle_warm_vs_full": round(warm_s / full["seconds"], 4),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "deployment_idle.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsetl-deploy-idle-") as folder:
        report = {"machine": machine(), **run(Path(folder), args.pages, args.repeats)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    m = report["medians"]
    print(
        f"deployment flow runs, {args.pages}-page run {report['full_run']['seconds']:.1f} s; "
        f"idle, median of {args.repeats}: cold {m['idle_cold_s']:.2f} s "
        f"({100 * m['idle_cold_vs_full']:.1f} %), warm {m['idle_warm_s']:.2f} s "
        f"({100 * m['idle_warm_vs_full']:.1f} %)\nresults: {args.out}"
    )


if __name__ == "__main__":
    main()
