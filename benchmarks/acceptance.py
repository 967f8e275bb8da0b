"""The four speed checks of issue 13, from outside, in one run (so the ratios share a load):

    (a) whole pipeline (`newsetl run`, 2 workers, raw page to DuckDB row) against trafilatura's
        `extract` then spaCy's NER alone, one process, on the same pages (>= 1.0, target 1.6)
    (b) 1,000 against 200 articles, wall time (<= 5.5x)
    (c) an idle rerun (nothing new) against the 1,000-article run (<= 5 %, target 2 %)
    (d) 60 new articles into a warehouse of 1,500 against the same into an empty one (<= 1.5x)

    python -m benchmarks.acceptance                  # 1,000 / 200 pages, 1,500 stored, 60 new
    python -m benchmarks.acceptance --pages 400 --small 100

A fifth of the pages are real article pages (WCXB's development split) when the eval data
folder holds them. Writes benchmarks/results/acceptance.json and prints the ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from benchmarks import corpus_gen, pipeline_runs, stages, synthetic
from benchmarks.measure import ROOT, machine, real_pages
from benchmarks.throughput import build_site, libraries_alone

RESULTS = ROOT / "benchmarks" / "results"


def run(work: Path, pages: int, small: int, stored: int, new: int, workers: int) -> dict:
    real = real_pages(pages // 5)
    generated = corpus_gen.generate(pages - len(real), seed=23)
    small_real = real[: len(real) * small // pages]
    small_gen = generated[: small - len(small_real)]
    big_site, small_site, new_site = (work / n for n in ("site-big", "site-small", "site-new"))
    for folder in (big_site, small_site, new_site):
        folder.mkdir(parents=True, exist_ok=True)
    new_pages = corpus_gen.generate(new, seed=97, end=date.today(), days=3)
    synthetic.build(work / "wh-stored", stored, end=date.today())
    runs: dict = {}
    with (
        stages.serve(big_site) as base_big,
        stages.serve(small_site) as base_small,
        stages.serve(new_site) as base_new,
    ):
        sources_big = build_site(big_site, generated, real, base_big)
        sources_small = build_site(small_site, small_gen, small_real, base_small)
        sources_new = corpus_gen.write_site(new_site, new_pages, base_new)

        def one(name: str, sources: Path, warehouse: str) -> None:
            runs[name] = pipeline_runs.newsetl_run(sources, work / warehouse, workers=workers)
            print(name, runs[name], flush=True)

        one("small", sources_small, "wh-small")
        one("new_into_empty", sources_new, "wh-empty")
        one("big", sources_big, "wh-big")
        one("idle_rerun", sources_big, "wh-big")
        one("new_into_stored", sources_new, "wh-stored")
    bodies_small = [p.html.encode() for p in small_gen] + [b for _, b in small_real]
    bodies_big = [p.html.encode() for p in generated] + [b for _, b in real]
    alone_small = libraries_alone(bodies_small)
    alone_big = libraries_alone(bodies_big)
    sec = {k: v["seconds"] for k, v in runs.items()}
    return {
        "pages": pages,
        "small": small,
        "real_pages": len(real),
        "stored": stored,
        "new": new,
        "workers": workers,
        "runs": runs,
        "libraries_alone": {"small": alone_small, "big": alone_big},
        "checks": {
            "a_pipeline_vs_libraries_small": round(alone_small["seconds"] / sec["small"], 3),
            "a_pipeline_vs_libraries_big": round(alone_big["seconds"] / sec["big"], 3),
            "b_big_vs_small_time": round(sec["big"] / sec["small"], 3),
            "c_idle_vs_big": round(sec["idle_rerun"] / sec["big"], 4),
            "d_stored_vs_empty": round(sec["new_into_stored"] / sec["new_into_empty"], 3),
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="issue 13's acceptance checks, one run")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--stored", type=int, default=1500)
    parser.add_argument("--new", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=RESULTS / "acceptance.json")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsetl-accept-"))
    work.mkdir(parents=True, exist_ok=True)
    report = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    try:
        report.update(run(work, args.pages, args.small, args.stored, args.new, args.workers))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(json.dumps(report["checks"], indent=2))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
