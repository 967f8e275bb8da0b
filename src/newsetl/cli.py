"""The `newsetl` command: run, sql, reprocess, status, backfill, maintenance, search,
attention, report."""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import math
import os
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
from pydantic import ValidationError

from newsetl.cli_analysis import FORMAT_HELP, Kit, add_commands, analysis_commands, iso_date
from newsetl.config import Settings
from newsetl.console import (
    fit_widths,
    progress_bars,
    quiet_broken_pipe,
    stdout_detached,
    terminal_width,
)
from newsetl.report import RunSummary, format_summary
from newsetl.sources import SourcesError, SourcesFile, load_sources
from newsetl.storage.locks import RunLockBusy
from newsetl.storage.maintenance import summary_line
from newsetl.storage.queries import sql
from newsetl.storage.warehouse import Warehouse, WarehouseError, scalar

MAX_CELL = 60


class UsageError(Exception):
    """Bad arguments or inputs: one line, exit code 2."""


FETCH_SETTINGS = (
    "NEWSETL_USER_AGENT, NEWSETL_HOST_DELAY, NEWSETL_HOST_CONCURRENCY, NEWSETL_FETCH_WORKERS,\n"
    "  NEWSETL_CONNECT_TIMEOUT, NEWSETL_READ_TIMEOUT, NEWSETL_RETRIES, NEWSETL_MAX_BODY_BYTES,\n"
    "  NEWSETL_MAX_RESPONSE_SECONDS, NEWSETL_OBEY_ROBOTS, NEWSETL_PROXY, NEWSETL_CA_BUNDLE,\n"
    "  NEWSETL_SOURCE_TIMEOUT"
)
PROCESS_SETTINGS = (
    "NEWSETL_SPACY_MODEL, NEWSETL_CHUNK_SIZE, NEWSETL_WAVE_SIZE, NEWSETL_TASK_RUNNER,\n"
    "  NEWSETL_CPU_WORKERS, NEWSETL_DASK_ADDRESS, NEWSETL_STORY_WINDOW_DAYS"
)
RUN_SETTINGS = (  # every flow command: its lock, its time bound, the processes kept for the next
    "NEWSETL_RUN_LOCK_WAIT, NEWSETL_RUN_TIMEOUT, NEWSETL_SERVER_KEEP_MINUTES,\n"
    "  NEWSETL_WARM_RUNNER"
)
EPILOGS = {
    "run": f"""examples:
  newsetl run
  newsetl run --sources examples/world.toml --warehouse ~/news --json > summary.json

settings: NEWSETL_SOURCES, NEWSETL_WAREHOUSE,
  {FETCH_SETTINGS},
  {PROCESS_SETTINGS},
  {RUN_SETTINGS}""",
    "sql": """examples:
  newsetl sql "select source, count(*) from articles group by 1"
  newsetl sql --file warehouse/queries/top_people.sql --format csv | head
  newsetl sql "select * from search_articles('shoigu AND pyongyang')"

settings: NEWSETL_WAREHOUSE (the warehouse folder)""",
    "reprocess": f"""examples:
  newsetl reprocess --warehouse ~/news

settings: NEWSETL_WAREHOUSE, NEWSETL_SOURCES (drop_patterns),
  {PROCESS_SETTINGS},
  {RUN_SETTINGS}""",
    "backfill": f"""examples:
  newsetl backfill --from 2026-11-01 --to 2026-11-07
  newsetl backfill --from 2026-11-01 --to 2026-11-07 --sources examples/world.toml

settings: NEWSETL_SOURCES, NEWSETL_WAREHOUSE,
  {FETCH_SETTINGS},
  {PROCESS_SETTINGS},
  {RUN_SETTINGS}""",
    "maintenance": f"""examples:
  newsetl maintenance
  newsetl maintenance --raw-retention-days 90

settings: NEWSETL_WAREHOUSE, NEWSETL_RAW_RETENTION_DAYS,
  {RUN_SETTINGS}""",
    "engine": f"""Prefect's process worker starts each flow run of newsetl's deployments with this
command (prefect.yaml sets it as their `command` job variable); it runs the flow run as
`python -m prefect.engine` does, through the warm runner when one is up, so a scheduled run
does not import Prefect, newsetl and the flows again. Not meant to be typed.

examples:
  PREFECT__FLOW_RUN_ID=<id> newsetl engine

settings: PREFECT__FLOW_RUN_ID (set by the worker), NEWSETL_WARM_RUNNER,
  NEWSETL_SERVER_KEEP_MINUTES (the runner's idle minutes); the flow run's parameters name
  the sources file and the warehouse (empty: NEWSETL_SOURCES, NEWSETL_WAREHOUSE), and
  {FETCH_SETTINGS},
  {PROCESS_SETTINGS} apply as to `newsetl run`""",
    "status": """examples:
  newsetl status
  newsetl status --format json | jq '.rows_per_table'

settings: NEWSETL_WAREHOUSE (the warehouse folder)""",
}
FORMATTER = argparse.RawDescriptionHelpFormatter


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("newsetl")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsetl",
        description="Batch news ETL: fetch, clean, enrich, query.",
        epilog="examples:\n  newsetl run\n  newsetl search 'shoigu AND pyongyang'\n"
        "  newsetl report --out report.html\n\n'newsetl COMMAND --help' tells more.",
        formatter_class=FORMATTER,
    )
    parser.add_argument("--version", action="version", version=f"newsetl {version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    warehouse_help = "warehouse folder (default: $NEWSETL_WAREHOUSE or ./warehouse)"

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        return commands.add_parser(name, epilog=EPILOGS[name], formatter_class=FORMATTER, **kwargs)

    run = command("run", help="one ingest run, as a Prefect flow run")
    run.add_argument(
        "--sources",
        type=Path,
        help="sources file (default: $NEWSETL_SOURCES or the bundled sample)",
    )
    run.add_argument("--warehouse", type=Path, help=warehouse_help)
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--quiet", action="store_true", help="no progress bars")

    sql = command("sql", help="read-only SQL on the warehouse")
    sql.add_argument("query", nargs="?", help="the SQL query")
    sql.add_argument("--file", type=Path, help="read the query from this file ('-': stdin)")
    sql.add_argument("--warehouse", type=Path, help=warehouse_help)
    sql.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help=FORMAT_HELP
    )

    reprocess = command("reprocess", help="rebuild clean and enriched data from the raw archive")
    reprocess.add_argument("--warehouse", type=Path, help=warehouse_help)
    reprocess.add_argument(
        "--sources",
        type=Path,
        help="sources file whose per-source drop_patterns apply "
        "(default: $NEWSETL_SOURCES or the bundled sample)",
    )
    reprocess.add_argument("--json", action="store_true", help="print the summary as JSON")
    reprocess.add_argument("--quiet", action="store_true", help="no progress bars")

    status = command("status", help="last runs, row counts, rejects by reason")
    status.add_argument("--warehouse", type=Path, help=warehouse_help)
    status.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="output format (default: table; json: one document of every part)",
    )

    backfill = command(
        "backfill",
        help="ingest what the sources list for a range of publication dates (by a feed's or "
        "sitemap's date, or a local page's own; undated items are taken too)",
    )
    for option, dest, which in (("--from", "start", "first"), ("--to", "end", "last")):
        backfill.add_argument(
            option,
            dest=dest,
            type=iso_date,
            required=True,
            metavar="DATE",
            help=f"{which} publication day to take, included (YYYY-MM-DD)",
        )
    backfill.add_argument(
        "--sources",
        type=Path,
        help="sources file (default: $NEWSETL_SOURCES or the bundled sample)",
    )
    backfill.add_argument("--warehouse", type=Path, help=warehouse_help)
    backfill.add_argument("--json", action="store_true", help="print the summary as JSON")
    backfill.add_argument("--quiet", action="store_true", help="no progress bars")

    maintenance = command(
        "maintenance",
        help="compaction, search index order, checkpoint, raw retention (the deployment's flow)",
    )
    maintenance.add_argument("--warehouse", type=Path, help=warehouse_help)
    maintenance.add_argument(
        "--raw-retention-days",
        type=int,
        help="delete raw responses fetched more than this many days ago "
        "(default: $NEWSETL_RAW_RETENTION_DAYS, else keep all)",
    )
    engine = command("engine", help="one flow run, for a Prefect worker (the deployments' command)")
    engine.add_argument(
        "flow_run_id", nargs="?", help="the flow run's id (default: $PREFECT__FLOW_RUN_ID)"
    )
    add_commands(commands, FORMATTER)
    for each in commands.choices.values():
        each.set_defaults(command_parser=each)  # whose usage an unknown option is shown with
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    overrides = {}
    if getattr(args, "warehouse", None):
        overrides["warehouse"] = args.warehouse
    if getattr(args, "sources", None):
        overrides["sources"] = args.sources
    return Settings(**overrides)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `newsetl sql ... | head`: the reader has gone, end quietly
        return quiet_broken_pipe()


QUERY_COMMANDS = ("search", "attention", "report")


def queries_as_written(argv: list[str]) -> list[str]:
    """`newsetl search '-sport rates'`: a query may start with NOT's "-", which argparse takes
    for an option. The query commands have no one-dash option but -h, so such a word is given a
    leading space, which the query reader ignores."""
    if not argv or argv[0] not in QUERY_COMMANDS:
        return argv
    return [
        " " + token
        if len(token) > 1 and token[0] == "-" and token[1] != "-" and token != "-h"
        else token
        for token in argv
    ]


def run_command() -> int:
    """The `newsetl` program (`python -m newsetl` too): `main`, then the process ends as soon
    as what matters of an exit is done (see `exit_now`)."""
    return exit_now(main())


def exit_now(code: int) -> int:
    """End the process with `code` once other threads have ended, the atexit handlers have run
    (Prefect's last logs and events, the worker pool, logging's flush) and the standard streams
    are flushed, without the interpreter's tear-down of every object of every module: about
    0.4 s after a run (Prefect, pyarrow, DuckDB), a tenth of a run with nothing new.

    Returns `code` for an ordinary exit where this interpreter lacks the hooks it uses."""
    if wind_down():
        os._exit(code)
    return code


def wind_down() -> bool:
    """What matters of an exit, done now: the other non-daemon threads ended, the atexit
    handlers run, the standard streams flushed. False where this interpreter lacks the hooks,
    or a stream is a closed pipe: then Python's own exit should end the process."""
    import atexit
    import threading

    shutdown = getattr(threading, "_shutdown", None)
    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    if shutdown is None or run_exit_functions is None:
        return False
    shutdown()  # what Python's exit does first: wait for the other non-daemon threads
    run_exit_functions()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: let Python's own exit deal with it
        return False
    return True


def _main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = queries_as_written(sys.argv[1:] if argv is None else argv)
    # argparse itself exits 2 with a short usage error; an unknown option is reported with
    # the usage of the command it was given to, not the top level's.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return COMMANDS[args.command](args)
    except (UsageError, SourcesError, WarehouseError, RunLockBusy) as err:
        print(f"newsetl: error: {err}", file=sys.stderr)
        return 2
    except ValidationError as err:  # a NEWSETL_* setting with a bad value
        first = err.errors()[0]
        name = "NEWSETL_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        print(f"newsetl: error: {name}: {first['msg']}", file=sys.stderr)
        return 2


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    served_port_free(load_sources(settings.sources))  # a bad sources file stops here
    Warehouse(settings.warehouse).prepare()
    with held_run_lock(settings, "ingest"):
        quiet_prefect()
        from newsetl_flows.entry import run_flow  # the CLI's one way into the flows

        with progress_bars(args.quiet), stdout_detached():
            state = run_flow(
                "ingest", sources=str(settings.sources), warehouse=str(settings.warehouse)
            )
    return finish(state, "run", args.json)


def served_port_free(config: SourcesFile) -> None:
    """A `[serve]` port another program holds is one line now, not a failed run's traceback."""
    from newsetl.serve import ServeError, check_port

    if config.serve:
        try:
            check_port(config.serve.root, config.serve.port)
        except ServeError as err:
            raise UsageError(f"{err} (the sources file's [serve] port)") from None


def cmd_backfill(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if args.end < args.start:
        raise UsageError(f"--to {args.end} is before --from {args.start}")
    served_port_free(load_sources(settings.sources))
    Warehouse(settings.warehouse).prepare()
    with held_run_lock(settings, "backfill"):
        quiet_prefect()
        from newsetl_flows.entry import run_flow

        with progress_bars(args.quiet), stdout_detached():
            state = run_flow(
                "backfill",
                dates={"start": args.start, "end": args.end},
                sources=str(settings.sources),
                warehouse=str(settings.warehouse),
            )
    return finish(state, "backfill", args.json)


def cmd_maintenance(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if args.raw_retention_days is not None and args.raw_retention_days < 1:
        raise UsageError("--raw-retention-days must be 1 or more")
    store = Warehouse(settings.warehouse)
    if not store.root.exists():
        raise UsageError(f"no warehouse at {store.root} (run 'newsetl run' first)")
    with held_run_lock(settings, "maintenance"):
        quiet_prefect()
        from newsetl_flows.entry import run_flow

        state = run_flow(
            "maintenance",
            warehouse=str(settings.warehouse),
            raw_retention_days=args.raw_retention_days,
        )
    if not state.is_completed():
        print(f"newsetl: maintenance failed: {state.message}", file=sys.stderr)
        return 1
    report = state.result()
    print(f"maintenance: {summary_line(report)}\n  warehouse: {store.root.resolve()}")
    return 0


def cmd_engine(args: argparse.Namespace) -> int:
    """A deployment's flow run, run by Prefect's own engine entry (`python -m prefect.engine`):
    the flow run loaded from the API, its deployment's pull steps, the flow, its final state and
    exit code, all as Prefect does them. In a warm runner's child, Prefect's logging is set up
    again from this command's environment first: the runner imported Prefect with the CLI's
    quieter defaults, and a worker's flow run logs at Prefect's own levels (in a process of its
    own, Prefect sets its logging up from this environment as it is imported, here: 0.2 s not
    spent twice; the settings' variables its configuration is filled from are the runner's,
    computed before it forked, when the settings are the same). The run ends without waiting
    for Prefect's heartbeat thread or its watch for a suspension request
    (newsetl_flows.entry.heartbeats_end_with_the_run, suspension_watch_ends_with_the_run)."""
    import runpy
    import warnings

    warm_child = "prefect" in sys.modules  # imported by the warm runner, not by this command
    from newsetl_flows.entry import (
        heartbeats_end_with_the_run,
        setup_run_logging,
        suspension_watch_ends_with_the_run,
    )

    if warm_child:
        setup_run_logging()  # incremental: the levels of this process's settings, now
    heartbeats_end_with_the_run()
    suspension_watch_ends_with_the_run()
    sys.argv = ["prefect.engine", *([args.flow_run_id] if args.flow_run_id else [])]
    with warnings.catch_warnings():
        # runpy's note that prefect.engine is imported already (it is: by Prefect itself).
        warnings.filterwarnings("ignore", "'prefect.engine' found in sys.modules", RuntimeWarning)
        runpy.run_module("prefect.engine", run_name="__main__", alter_sys=True)
    return 0


def held_run_lock(settings: Settings, flow: str):
    """The warehouse's run lock, taken here so that a busy warehouse is one line and exit 2
    before Prefect starts; the flow takes it again (re-entrant in this thread)."""
    from newsetl.storage.locks import run_lock

    return run_lock(Path(settings.warehouse), flow, wait=settings.run_lock_wait)


def cmd_reprocess(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    store = Warehouse(settings.warehouse)
    if not store.raw.exists():
        raise UsageError(f"no raw archive at {store.raw} (nothing to reprocess)")
    if args.sources:
        load_sources(args.sources)  # a sources file named on purpose must be right
    quiet_prefect()
    from newsetl_flows.entry import run_flow  # the CLI's one way into the flows

    sources = str(settings.sources) if settings.sources.is_file() else None
    with held_run_lock(settings, "reprocess"), progress_bars(args.quiet), stdout_detached():
        state = run_flow("reprocess", warehouse=str(settings.warehouse), sources=sources)
    return finish(state, "reprocess", args.json)


def finish(state, what: str, as_json: bool = False) -> int:
    """Print the flow's summary; exit 0 when the run completed, 1 when it failed."""
    if not state.is_completed():
        print(f"newsetl: {what} failed: {state.message}", file=sys.stderr)
        return 1
    result = state.result()
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=_json_value))
    else:
        print(format_summary(RunSummary(**result)))
    return 0


def import_flows() -> None:
    """Prefect and every flow imported, as a flow command would import them (for the warm
    runner, newsetl/warm.py); and the logging settings of a deployment's flow run prepared
    from the environment as it was before the CLI's quieter defaults (`cmd_engine`)."""
    environ = dict(os.environ)
    quiet_prefect()
    from newsetl_flows.entry import import_flows as import_all  # the CLI's one way into the flows
    from newsetl_flows.entry import prepare_run_logging

    import_all()
    prepare_run_logging(environ)


def quiet_prefect() -> None:
    """Keep Prefect's console output to warnings unless the user asked for more.

    Must run before Prefect is imported: its settings are read at import.
    """
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect's client-side usage data too (and its first-run notice on the terminal): the
    # pipeline runs offline as often as not, and says nothing of itself to anyone.
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # Prefect's 20 s wait for its ephemeral server is too short on a busy 2-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # with NEWSETL_TASK_RUNNER=dask
    logging.getLogger("prefect").setLevel(os.environ["PREFECT_LOGGING_LEVEL"])
    logging.getLogger("EventsWorker").addFilter(_events_left_at_exit)


def _events_left_at_exit(record: logging.LogRecord) -> bool:
    """Drops Prefect's warning, as a command ends, that its events worker still sends the last
    event or two ("Still processing items: 1 items remaining..."): it sends them before the
    process exits, and the warning came at the end of every maintenance run."""
    return not record.getMessage().startswith("Still processing items")


READ_STATEMENTS = {"SELECT", "EXPLAIN"}
# DuckDB's statement kinds in the words the user typed (INSTALL is a LOAD statement to DuckDB).
STATEMENT_WORDS = {"LOAD": "INSTALL or LOAD"}


def sql_text(args: argparse.Namespace) -> str:
    """The query from the command line or from --file (exactly one of them)."""
    if args.file is not None and args.query is not None:
        raise UsageError("give the query or --file, not both")
    if args.file is None:
        if args.query is None:
            raise UsageError("no query: give one, or --file FILE")
        return args.query
    try:
        if str(args.file) == "-":
            return sys.stdin.read()
        return args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read {args.file}: {getattr(err, 'strerror', err)}") from None


def cmd_sql(args: argparse.Namespace) -> int:
    args.query = sql_text(args)
    if not args.query.strip():
        raise UsageError("the query is empty")
    try:
        statements = duckdb.extract_statements(args.query)
    except duckdb.Error as err:
        raise UsageError(str(err).splitlines()[0]) from None
    kinds = [statement.type.name for statement in statements]
    if any(kind not in READ_STATEMENTS for kind in kinds):
        raise UsageError(
            "newsetl sql is read-only: it runs SELECT queries, not "
            + ", ".join(
                STATEMENT_WORDS.get(kind, kind) for kind in sorted(set(kinds) - READ_STATEMENTS)
            )
        )
    if len(statements) > 1 and args.format != "table":
        raise UsageError(
            f"--format {args.format} prints one result: give one statement, not {len(statements)}"
        )
    store = Warehouse(settings_for(args).warehouse)
    results = []
    with store.reader(sandboxed=True) as con:
        for statement in statements:  # several: each result in turn, not only the last
            try:
                relation = con.sql(statement)
            except duckdb.Error as err:
                raise UsageError(str(err).splitlines()[0]) from None
            if relation is not None:
                results.append(render(relation.columns, relation.fetchall(), args.format))
    if results:
        print("\n\n".join(results))
    return 0


def render(columns: list[str], rows: list[tuple], fmt: str) -> str:
    if fmt == "json":
        records = [{c: _finite(v) for c, v in zip(columns, row)} for row in rows]
        return json.dumps(
            records, default=_json_value, ensure_ascii=False, indent=2, allow_nan=False
        )
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_cell(v, None) for v in row] for row in rows])
        return buffer.getvalue().rstrip("\n")
    cells = [[_cell(v, MAX_CELL) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    limit = terminal_width()
    if limit and columns:  # on a terminal: the widest columns give way until the table fits
        widths = fit_widths(widths, list(columns), limit)
        columns = [_clip(c, w) for c, w in zip(columns, widths)]
        cells = [[_clip(v, w) for v, w in zip(r, widths)] for r in cells]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    out = [line, "| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |", line]
    out += ["| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |" for r in cells]
    out += [line, f"({len(rows)} row{'s' if len(rows) != 1 else ''})"]
    return "\n".join(out)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _finite(value):
    """JSON has no NaN or Infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _cell(value, limit: int | None) -> str:
    if value is None:
        text = "" if limit is None else "NULL"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(str(v) for v in value) + "]"
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    else:
        text = str(value)
    text = " ".join(text.split()) if limit else text
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def cmd_status(args: argparse.Namespace) -> int:
    from newsetl.enrich import current_version

    settings = settings_for(args)
    store = Warehouse(settings.warehouse)
    with store.reader() as con:
        runs = con.execute(sql("last_runs")).fetchall()
        counts = [
            (name, scalar(con, sql("count_rows", table=name)))
            for name in (
                "articles",
                "article_topics",
                "article_entities",
                "article_keywords",
                "rejects",
                "runs",
            )
        ]
        reasons = con.execute(sql("rejects_by_reason")).fetchall()
        versions = con.execute(sql("articles_by_enrich_version")).fetchall()
    current = current_version(settings.spacy_model)
    if args.format == "json":
        run_columns = ["run_id", "flow", "started_at", "status", "fetched", "new", "rejected"]
        document = {
            "warehouse": str(store.root.resolve()),
            "last_runs": [dict(zip(run_columns, r)) for r in runs],
            "rows_per_table": dict(counts),
            "rejects_by_reason": [
                {
                    "stage": stage,
                    "reason": reason,
                    "addresses": addresses,
                    "rows": n,
                    "last_run": last,
                    "loaded_since": loaded,
                }
                for stage, reason, addresses, n, last, loaded in reasons
            ],
            "enrichment_methods": [
                {"enrich_version": v, "articles": n, "current": v == current} for v, n in versions
            ],
            "kept_between_commands": kept_processes(),
        }
        print(json.dumps(document, ensure_ascii=False, indent=2, default=_json_value))
        return 0
    print(f"warehouse: {store.root.resolve()}\n\nlast runs:")
    print(
        render(
            ["run_id", "flow", "started_at", "status", "fetched", "new", "rejected"], runs, "table"
        )
    )
    print("\nrows per table:")
    print(render(["table", "rows"], counts, "table"))
    print("\nrejects by reason:")
    print(
        render(
            ["stage", "reason", "addresses", "rows", "last run", "loaded since"], reasons, "table"
        )
    )
    print("\nenrichment methods (current one marked *):")
    print(
        render(
            ["", "enrich_version", "articles"],
            [("*" if v == current else "", v, n) for v, n in versions],
            "table",
        )
    )
    if any(v != current for v, _ in versions):
        print(
            "some articles were enriched by another method: "
            "'newsetl reprocess' brings them up to date"
        )
    kept = kept_processes()
    print("\nkept between commands (they end after their idle minutes):")
    for process in kept:
        where = process.get("api_url") or process.get("log")
        print(f"  {process['process']}: pid {process['pid']}, {where}")
    if not kept:
        print("  nothing")
    return 0


def kept_processes() -> list[dict]:
    """The background processes this environment's commands use: the warm runner
    (newsetl/warm.py) and the kept local Prefect API server."""
    from newsetl.kept import log_path, runner_pid
    from newsetl_flows.entry import kept_server  # the CLI's one way into the flows

    quiet_prefect()  # the Prefect settings a flow command runs with name the server's note
    kept = []
    pid = runner_pid()
    if pid is not None:
        kept.append({"process": "warm runner", "pid": pid, "log": str(log_path())})
    server = kept_server()
    if server is not None:
        kept.append({"process": "Prefect API server", **server})
    return kept


COMMANDS = {
    "run": cmd_run,
    "sql": cmd_sql,
    "reprocess": cmd_reprocess,
    "status": cmd_status,
    "backfill": cmd_backfill,
    "maintenance": cmd_maintenance,
    "engine": cmd_engine,
    **analysis_commands(Kit(render=render, settings_for=settings_for, usage_error=UsageError)),
}
