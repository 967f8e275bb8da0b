"""What a run with nothing new costs, and where it goes (issue 13, point 7).

A generated site is served on 127.0.0.1 and loaded once; then `newsetl run` is repeated with
nothing new, each in a fresh process as a scheduler would start it (and, last, through the warm
runner that a user's commands after the first go through). For each idle rerun: wall
seconds, the command's own CPU seconds, and the CPU the kept local Prefect API server spent
meanwhile (the server outlives the command, see flows/entry.py). Then the fixed parts, each in
a fresh process: Python's start and exit with nothing to do (wall), and the seconds spent
inside the process on `import prefect`, the CLI's imports, and those with the flows' imports;
what is left of the idle wall time is Prefect's flow and task engine, the flow's own work and
the process's exit.

    python -m benchmarks.idle                     # 200 pages, 3 idle reruns
    python -m benchmarks.idle --before ../main    # another checkout too, alternating

`--before` takes a checkout with pkgs/newsetl and pkgs/newsetl_flows links (as for
benchmarks.throughput); it fills a warehouse of its own from the same site, and each checkout
keeps its own local API server (its own cache folder for the server's note), so each is served
by its own code. Medians are printed; benchmarks/results/idle.json keeps every run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from benchmarks import corpus_gen, pipeline_runs
from benchmarks.measure import ROOT, bench_run, run_process
from newsetl.serve import serve_folder

RESULTS = ROOT / "benchmarks" / "results"

# The fixed parts, each timed inside a fresh process ("python alone": the wall seconds of a
# process that does nothing, start to exit).
IMPORTS = {
    "python alone": "pass",
    "import prefect": "import prefect",
    "CLI imports (newsetl.cli)": "import newsetl.cli",
    "CLI and ingest flow imports": "import newsetl.cli, newsetl_flows.ingest",
}
TIMED = "import time; _t = time.perf_counter(); {}; print('seconds', time.perf_counter() - _t)"


def server_pid(env: dict[str, str]) -> int | None:
    """The kept local Prefect API server a command with `env` uses, if one runs."""
    server = pipeline_runs.kept_server(env)
    return server["pid"] if server else None


def server_cpu_seconds(env: dict[str, str]) -> float | None:
    """CPU seconds so far of the kept local Prefect API server a command with `env` uses."""
    pid = server_pid(env)
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


def idle_run(sources: Path, warehouse: Path, code: Path | None, env: dict[str, str]) -> dict:
    before = server_cpu_seconds(env)
    run = pipeline_runs.newsetl_run(sources, warehouse, env=env, code=code)
    after = server_cpu_seconds(env)
    if before is not None and after is not None:
        run["server_cpu_seconds"] = round(after - before, 2)
    if run["summary"].get("fetched") or run["summary"].get("new_articles"):
        raise RuntimeError(f"the rerun was not idle: {run['summary']}")
    return run


def import_seconds(code: Path | None) -> dict[str, float]:
    out = {}
    for name, statement in IMPORTS.items():
        result = run_process(
            [sys.executable, "-c", TIMED.format(statement)],
            env=pipeline_runs.code_env(code),
            cwd=code or ROOT,
        )
        if result["returncode"] != 0:
            raise RuntimeError(f"{statement!r} failed: {result['output'][-500:]}")
        inside = float(result["output"].rsplit("seconds", 1)[1].split()[0])
        out[name] = round(result["seconds"] if statement == "pass" else inside, 3)
    return out


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def summarize(runs: list[dict], imports: list[dict[str, float]]) -> dict:
    wall = median([r["seconds"] for r in runs])
    parts = {name: median([i[name] for i in imports]) for name in IMPORTS}
    out = {
        "idle_wall_s": wall,
        "idle_cpu_s": median([r["cpu_seconds"] for r in runs]),
        "parts_wall_s": parts,
        "flow_engine_and_work_s": round(
            wall - parts["CLI and ingest flow imports"] - parts["python alone"], 3
        ),
    }
    servers = [r["server_cpu_seconds"] for r in runs if "server_cpu_seconds" in r]
    if servers:
        out["server_cpu_s"] = median(servers)
    return out


def run(work: Path, pages: int, repeats: int, before: Path | None) -> dict:
    checkouts: list[tuple[str, Path | None]] = [("this", None)]
    if before:
        checkouts.append(("before", before))
    envs = {label: {"XDG_CACHE_HOME": str(work / f"cache-{label}")} for label, _ in checkouts}
    try:
        return _run(work, pages, repeats, checkouts, envs)
    finally:  # the servers and warm runners the bench's commands started (idle 15 minutes)
        for env in envs.values():
            pipeline_runs.stop_kept(Path(env["XDG_CACHE_HOME"]))


def _run(
    work: Path,
    pages: int,
    repeats: int,
    checkouts: list[tuple[str, Path | None]],
    envs: dict[str, dict[str, str]],
) -> dict:
    site = work / "site"
    generated = corpus_gen.generate(pages, seed=23)
    fills: dict = {}
    runs: dict[str, list[dict]] = {label: [] for label, _ in checkouts}
    imports: dict[str, list[dict]] = {label: [] for label, _ in checkouts}
    with serve_folder(site) as base:
        sources = corpus_gen.write_site(site, generated, base)
        for label, code in checkouts:
            fills[label] = pipeline_runs.newsetl_run(
                sources, work / f"wh-{label}", env=envs[label], code=code
            )
            print(f"{label}: fill {fills[label]}", flush=True)
        # Alternating, so a change in the machine's load hits both alike.
        for i in range(repeats):
            for label, code in checkouts:
                idle = idle_run(sources, work / f"wh-{label}", code, envs[label])
                runs[label].append(idle)
                imports[label].append(import_seconds(code))
                print(f"{label}: idle {i + 1} {idle} {imports[label][-1]}", flush=True)
        warm = warm_runs(sources, work / "wh-this", envs["this"], repeats)
    medians = {label: summarize(runs[label], imports[label]) for label in runs}
    medians["this"]["warm_idle_wall_s"] = median([r["seconds"] for r in warm])
    return {
        "pages": pages,
        "repeats": repeats,
        "fills": fills,
        "runs": runs,
        "warm_runs": warm,
        "imports": imports,
        "medians": medians,
    }


def warm_runs(sources: Path, warehouse: Path, env: dict[str, str], repeats: int) -> list[dict]:
    """Idle reruns through the warm runner (newsetl/warm.py), as a user's commands go after
    the first: one command starts the runner, then `repeats` are timed."""
    pipeline_runs.newsetl_run(sources, warehouse, env=env, warm=True)  # starts the runner
    pipeline_runs.wait_for_runner(env)
    out = []
    for i in range(repeats):
        run = pipeline_runs.newsetl_run(sources, warehouse, env=env, warm=True)
        out.append(run)
        print(f"this: warm idle {i + 1} {run}", flush=True)
    return out


def table(report: dict) -> str:
    medians = report["medians"]
    labels = list(medians)
    lines = [
        "| idle rerun, median of " + f"{report['repeats']} | " + " | ".join(labels) + " |",
        "|---" * (len(labels) + 1) + "|",
    ]

    def row(name: str, values: list) -> None:
        lines.append(f"| {name} | " + " | ".join(str(v) for v in values) + " |")

    row("wall s", [medians[k]["idle_wall_s"] for k in labels])
    row(
        "wall s through the warm runner",
        [medians[k].get("warm_idle_wall_s", "-") for k in labels],
    )
    row("CPU s of the command", [medians[k]["idle_cpu_s"] for k in labels])
    row(
        "CPU s of the kept API server meanwhile",
        [medians[k].get("server_cpu_s", "-") for k in labels],
    )
    for name in IMPORTS:
        row(f"{name}, s", [medians[k]["parts_wall_s"][name] for k in labels])
    row(
        "rest: Prefect's engine, the flow's work and the exit, wall s",
        [medians[k]["flow_engine_and_work_s"] for k in labels],
    )
    row(
        f"fill run ({report['pages']} pages), wall s",
        [report["fills"][k]["seconds"] for k in labels],
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the cost of a run with nothing new")
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout, run alternately")
    parser.add_argument("--out", type=Path, default=RESULTS / "idle.json")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    args = parser.parse_args(argv)
    with bench_run(args.out, args.keep, "newsetl-idle-") as (work, report):
        report.update(run(work, args.pages, args.repeats, args.before))
    print(table(report))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
