"""`make bench`: where the time goes, stage by stage and for the whole pipeline.

The machine is noisy (shared, 2 cores), so every figure that matters is a ratio against a
baseline measured in the same run: extraction against trafilatura's plain `extract`, NER against
spaCy's tok2vec + ner alone, the whole pipeline against trafilatura then spaCy NER in one
process on the same pages, 2 workers against 1, an idle rerun against a 1,000-page run, 100 new
articles into a big synthetic warehouse against the same into an empty one, and queries against
an unsorted, unpartitioned copy of the same data.

    python -m benchmarks.throughput                # full: 1,000 pages, 1,000,000-article warehouse
    python -m benchmarks.throughput --quick        # 200 pages, 20,000-article warehouse
    python -m benchmarks.throughput --parts stages # stages | pipeline | scale (comma-separated)
    python -m benchmarks.throughput --parts dask   # N pages on Dask (2 and 1 workers) only

Writes benchmarks/results/throughput.json and prints a table. Real pages come from the eval
data folder ($NEWSETL_EVAL_DATA, default eval-data/): WCXB's development split, articles only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import corpus_gen, pipeline_runs, scale, stages
from benchmarks.measure import ROOT, machine, rate, real_pages
from newsetl.serve import serve_folder

RESULTS = ROOT / "benchmarks" / "results"


def build_site(folder: Path, generated: list, real: list[tuple[str, bytes]], base: str) -> Path:
    """Pages and feeds under `folder`, served at `base`; returns its sources file."""
    urls = []
    for name, body in real:
        target = folder / "real" / f"{name}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        urls.append(f"{base}/real/{name}.html")
    return corpus_gen.write_site(folder, generated, base, {"real-pages": urls} if urls else None)


def part_stages(work: Path, n_pages: int, n_real: int) -> dict:
    """Per-stage figures on the generated corpus (from discover on) and on the real pages."""
    generated = corpus_gen.generate(n_pages, seed=11)
    real = real_pages(n_real)
    out: dict = {}
    site = work / "stage-site"
    with serve_folder(_mk(site)) as base:
        sources = build_site(site, generated, real, base)
        rows, pages = stages.acquire_stages(sources)
    out["acquire"] = rows + [stages.archive_stage(pages)]
    gen_pages = [p for p in pages if p.source != "real-pages"]
    real_raw = [p for p in pages if p.source == "real-pages"]
    out["generated"] = stages.processing_stages(gen_pages, "generated", workers_check=True)
    if real_raw:
        out["real"] = stages.processing_stages(real_raw, "real (WCXB dev articles)")
    return out


def _mk(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def part_pipeline(
    work: Path,
    n_pages: int,
    n_real_share: float = 0.2,
    before: Path | None = None,
    dask: bool = False,
    only_dask: bool = False,
) -> dict:
    """`newsetl run` from outside: N pages (a fifth real when present) on 2 and 1 workers,
    an idle rerun, N/5 pages; and the libraries alone on the same pages. With `dask`, the N
    pages also on a local Dask cluster of 2 and of 1 worker (NEWSETL_TASK_RUNNER=dask); with
    `only_dask`, those two runs and the 2-worker run on local processes only (and with `before`,
    the other checkout's Dask pair, each run after this checkout's)."""
    dask = dask or only_dask
    n_real = int(n_pages * n_real_share)
    real = real_pages(n_real)
    generated = corpus_gen.generate(n_pages - len(real), seed=23)
    small_real = real[: len(real) // 5]
    small_gen = generated[: n_pages // 5 - len(small_real)]
    out: dict = {"pages": n_pages, "real_pages": len(real)}
    big, small = _mk(work / "site-big"), _mk(work / "site-small")
    with serve_folder(big) as base_big, serve_folder(small) as base_small:
        sources_big = build_site(big, generated, real, base_big)
        sources_small = build_site(small, small_gen, small_real, base_small)
        runs = {}
        # After and before alternate, so a change in the machine's load hits both alike.
        plan: list[tuple[str, Path, str, int, int | None, dict | None]] = [
            ("full_2_workers", sources_big, "wh-2", 2, n_pages, None),
            ("idle_rerun", sources_big, "wh-2", 2, None, None),
            ("full_1_worker", sources_big, "wh-1", 1, n_pages, None),
            ("fifth_2_workers", sources_small, "wh-s", 2, len(small_gen) + len(small_real), None),
        ]
        if only_dask:
            plan = plan[:1]
        if dask:
            on_dask = {"NEWSETL_TASK_RUNNER": "dask"}
            plan += [
                ("dask_2_workers", sources_big, "wh-d2", 2, n_pages, on_dask),
                ("dask_1_worker", sources_big, "wh-d1", 1, n_pages, on_dask),
            ]
        for name, sources, folder, workers, count, env in plan:
            # With only_dask, the other checkout runs the Dask pair only.
            twice = before and not (only_dask and env is None)
            for label, code in [("", None)] + ([("before: ", before)] if twice else []):
                target = work / (folder + ("-before" if code else ""))
                run = pipeline_runs.newsetl_run(sources, target, workers, env, code)
                runs[label + name] = pipeline_runs.with_rate(run, count) if count else run
    out["runs"] = runs
    full = runs["full_2_workers"]["seconds"]
    if dask:
        dask_2 = runs["dask_2_workers"]["seconds"]
        out["ratios"] = {
            "dask_speedup_2_vs_1_workers": round(runs["dask_1_worker"]["seconds"] / dask_2, 3),
            "dask_vs_local_processes_2_workers": round(full / dask_2, 3),
        }
        if before:
            dask_2_before = runs["before: dask_2_workers"]["seconds"]
            out["ratios_before"] = {
                "dask_speedup_2_vs_1_workers": round(
                    runs["before: dask_1_worker"]["seconds"] / dask_2_before, 3
                ),
                "dask_after_speedup_2_workers": round(dask_2_before / dask_2, 3),
            }
    if only_dask:
        return out
    # The libraries alone, one process, same pages: trafilatura's extract, then spaCy NER.
    bodies = [p.html.encode() for p in generated] + [b for _, b in real]
    out["libraries_alone"] = libraries_alone(bodies)
    out["ratios"] = out.get("ratios", {}) | {
        "pipeline_vs_trafilatura_plus_ner": round(out["libraries_alone"]["seconds"] / full, 3),
        "speedup_2_vs_1_workers": round(runs["full_1_worker"]["seconds"] / full, 3),
        "full_vs_fifth_time": round(full / runs["fifth_2_workers"]["seconds"], 3),
        "idle_vs_full": round(runs["idle_rerun"]["seconds"] / full, 4),
    }
    if before:
        b = runs["before: full_2_workers"]["seconds"]
        out["ratios_before"] = out.get("ratios_before", {}) | {
            "pipeline_vs_trafilatura_plus_ner": round(out["libraries_alone"]["seconds"] / b, 3),
            "speedup_2_vs_1_workers": round(runs["before: full_1_worker"]["seconds"] / b, 3),
            "full_vs_fifth_time": round(b / runs["before: fifth_2_workers"]["seconds"], 3),
            "idle_vs_full": round(runs["before: idle_rerun"]["seconds"] / b, 4),
            "after_speedup_full_run": round(b / full, 3),
        }
    return out


def libraries_alone(bodies: list[bytes], model: str | None = None) -> dict:
    """trafilatura's `extract` then a spaCy pipeline's NER (tok2vec + ner; default: newsetl's
    configured one) over the same pages, one process."""
    return libraries_alone_each(bodies, [model])[0]


def libraries_alone_each(bodies: list[bytes], models: list[str | None]) -> list[dict]:
    """`libraries_alone` for each NER pipeline, the pages extracted once (each total counts that
    one extraction's time)."""
    import trafilatura

    from newsetl.config import Settings
    from newsetl.enrich.entities import load_model

    started = time.perf_counter()
    texts = [trafilatura.extract(b) or "" for b in bodies]
    extracted = time.perf_counter() - started
    results = []
    for model in models:
        nlp = load_model(model or Settings().spacy_model)
        list(nlp.pipe(["warm up"]))
        started = time.perf_counter()
        list(nlp.pipe(texts, batch_size=16))
        ner = time.perf_counter() - started
        results.append(
            {
                "seconds": round(extracted + ner, 2),
                "trafilatura_s": round(extracted, 2),
                "ner_s": round(ner, 2),
                "articles_per_s": rate(len(bodies), extracted + ner),
            }
        )
    return results


def print_table(report: dict) -> None:
    lines = []

    def row(*cells):
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")

    m = report["machine"]
    lines.append(
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']} MB, "
        f"Python {m['python']}, load at start {m['load_average_at_start']}"
    )
    st = report.get("stages")
    if st:
        row("stage", "corpus", "items", "articles/s", "MB/s", "peak RSS MB", "grew MB")
        row(*["---"] * 7)
        for r in st["acquire"]:
            row(
                r["stage"],
                "generated",
                r["items"],
                r["articles_per_s"],
                r["mb_per_s"],
                r["peak_rss_mb"],
                r["grew_mb"],
            )
        for key in ("generated", "real"):
            if key not in st:
                continue
            for r in st[key]["rows"] + st[key]["baselines"]:
                row(
                    r["stage"],
                    key,
                    r["items"],
                    r["articles_per_s"],
                    r["mb_per_s"],
                    r["peak_rss_mb"],
                    r["grew_mb"],
                )
        for key in ("generated", "real"):
            if key in st:
                lines.append(f"{key}: ratios {json.dumps(st[key]['ratios'])}")
        if "workers" in st.get("generated", {}):
            lines.append(f"enrich workers: {json.dumps(st['generated']['workers'])}")
        dask = st.get("generated", {}).get("dask_workers")
        if dask:
            row("on a local Dask cluster", "items", "1 worker /s", "2 workers /s", "2 vs 1")
            row(*["---"] * 5)
            for name, r in dask.items():
                if isinstance(r, dict) and "speedup_2_vs_1" in r:
                    per_s = (r["1_workers_per_s"], r["2_workers_per_s"])
                    row(name, r["items"], *per_s, r["speedup_2_vs_1"])
            lines.append(
                f"dask: {dask['how']}, runs in the order {dask['order']} workers, "
                f"load average {dask['load_average']}"
            )
    pl = report.get("pipeline")
    if pl:
        lines.append("")
        row("whole pipeline (newsetl run)", "seconds", "articles/s", "peak RSS MB", "summary")
        row(*["---"] * 5)
        for name, r in pl["runs"].items():
            row(
                name,
                r["seconds"],
                r.get("articles_per_s", "-"),
                r["peak_rss_mb"],
                json.dumps(r["summary"]),
            )
        a = pl.get("libraries_alone")
        if a:
            row("trafilatura + spaCy NER alone, 1 process", a["seconds"], a["articles_per_s"], "-")
        lines.append(f"pipeline ratios: {json.dumps(pl['ratios'])}")
        if "ratios_before" in pl:
            lines.append(f"pipeline ratios before: {json.dumps(pl['ratios_before'])}")
    sc = report.get("scale")
    if sc:
        lines.append("")
        lines.append(f"synthetic warehouse: {json.dumps(sc['warehouse'])}")
        row("run into warehouse", "seconds", "peak RSS MB", "summary")
        row(*["---"] * 4)
        for name, r in sc["runs"].items():
            row(name, r["seconds"], r["peak_rss_mb"], json.dumps(r["summary"]))
        lines.append(f"scale ratios: {json.dumps(sc['ratios'])}")
        row("state read", "empty s", "big s")
        row(*["---"] * 3)
        for name, (a, b) in sc["state_reads"].items():
            row(name, a, b)
        row("query", "warehouse s", "unsorted copy s", "ratio", "lake s", "lake one-file s")
        row(*["---"] * 6)
        for name, q in sc["queries"].items():
            row(
                name,
                q["warehouse_s"],
                q.get("unsorted_s", "-"),
                q.get("ratio", "-"),
                q.get("lake_s", "-"),
                q.get("lake_unsorted_s", "-"),
            )
        lines.append(f"lake files: {json.dumps(sc['files'])}")
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="newsetl throughput bench")
    parser.add_argument("--quick", action="store_true", help="small corpus and warehouse")
    parser.add_argument("--parts", default="stages,pipeline,scale")
    parser.add_argument("--pages", type=int, help="pages of the pipeline runs (default 1000)")
    parser.add_argument("--warehouse-articles", type=int, help="synthetic warehouse size")
    parser.add_argument(
        "--dask", action="store_true", help="the pipeline part also on a local Dask cluster"
    )
    parser.add_argument(
        "--warehouse-from",
        type=Path,
        help="copy this synthetic warehouse (python -m benchmarks.synthetic DIR, ending today) "
        "instead of generating one",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "throughput.json")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: a temporary one)")
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout (with pkgs/newsetl and pkgs/newsetl_flows links) whose whole "
        "pipeline runs in this run too, on the same pages, for a before/after on one machine",
    )
    args = parser.parse_args(argv)
    parts = set(args.parts.split(","))
    pages = args.pages or (200 if args.quick else 1000)
    stored = args.warehouse_articles or (20_000 if args.quick else 1_000_000)
    report: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "quick": args.quick,
    }
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsetl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def save() -> None:  # after every part, so a later failure keeps what was measured
        args.out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")

    try:
        if "stages" in parts:
            report["stages"] = part_stages(work, pages, max(1, pages // 5))
            save()
        if "pipeline" in parts:
            report["pipeline"] = part_pipeline(work, pages, before=args.before, dask=args.dask)
            save()
        elif "dask" in parts:
            report["pipeline"] = part_pipeline(work, pages, before=args.before, only_dask=True)
            save()
        if "scale" in parts:
            report["scale"] = scale.run(
                work, stored, new=100, before=args.before, prebuilt=args.warehouse_from
            )
            save()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    save()
    print_table(report)
    print(f"\nresults: {args.out}")


if __name__ == "__main__":
    main()
