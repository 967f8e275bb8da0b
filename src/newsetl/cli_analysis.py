"""The analyst's commands: `newsetl search`, `attention` and `report`.

newsetl.cli wires them in and hands them its output and error helpers (a `Kit`), so this module
never imports the CLI module itself.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import duckdb

from newsetl.analysis.query import QueryError, normalise, parse
from newsetl.config import Settings
from newsetl.schema import IPTC_TOPICS
from newsetl.storage.warehouse import Warehouse, scalar


@dataclass(frozen=True)
class Kit:
    """What the commands need from newsetl.cli."""

    render: Callable[[list[str], list[Any], str], str]
    settings_for: Callable[[argparse.Namespace], Settings]
    usage_error: type[Exception]  # one line on stderr, exit code 2


WAREHOUSE_HELP = "warehouse folder (default: $NEWSETL_WAREHOUSE or ./warehouse)"


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def positive(text: str) -> int:
    text = text.strip()  # a " -5" is the "-5" typed (see cli.queries_as_written)
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


QUERY_HELP = (
    'query: words, "phrases", AND (or nothing), OR, NOT or -word, parentheses; '
    "words match any form of the word (stemmed)"
)


def add_commands(commands, formatter) -> dict[str, argparse.ArgumentParser]:
    search = commands.add_parser(
        "search",
        help="ranked full-text search over titles and texts",
        description="Ranked (BM25) full-text search over article titles and texts.",
        formatter_class=formatter,
        epilog="""examples:
  newsetl search 'shoigu AND pyongyang'
  newsetl search '"central bank" (rates OR inflation) -sport' --from 2026-11-01 --limit 50
  newsetl search 'earthquake' --source harbour-herald --format csv > quake.csv
from SQL (newsetl sql, or any DuckDB client that loaded the fts extension):
  select * from search_articles('shoigu AND pyongyang', from_date := '2026-11-01')

settings: NEWSETL_WAREHOUSE (the warehouse folder)""",
    )
    search.add_argument("query", help=QUERY_HELP)
    _filters(search)
    search.add_argument("--source", help="only this source (its name in the sources file)")
    search.add_argument(
        "--topic",
        help="only this IPTC topic: label, code, or one word of a label ('economy', 'sport')",
    )
    search.add_argument("--language", help="only this language (ISO 639-1 code, e.g. en)")
    search.add_argument("--limit", type=positive, default=20, help="rows at most (default 20)")
    _output(search)

    attention = commands.add_parser(
        "attention",
        help="matching articles per period, and their share of all articles",
        description="How many articles match a query per day, week or month, and what share of\n"
        "all articles of the period that is (per source or topic: of that source's\n"
        "or topic's).",
        formatter_class=formatter,
        epilog="""examples:
  newsetl attention 'shoigu OR lavrov'
  newsetl attention '"rate cut"' --by week --per source --format csv
from SQL: select * from attention('shoigu', period_unit := 'week')
          (also attention_by_source, attention_by_topic)

settings: NEWSETL_WAREHOUSE (the warehouse folder)""",
    )
    attention.add_argument("query", help=QUERY_HELP)
    attention.add_argument(
        "--by", choices=["day", "week", "month"], default="day", help="period (default: day)"
    )
    attention.add_argument("--per", choices=["source", "topic"], help="one row per source/topic")
    _filters(attention)
    _output(attention)

    report = commands.add_parser(
        "report",
        help="one self-contained HTML report with charts",
        description="Write one HTML file (charts and data inline, opens with no network): "
        "articles per day and source, topic trends, attention to the --query terms, top "
        "people, organisations and places, stories told by several outlets, pipeline health.",
        formatter_class=formatter,
        epilog="""examples:
  newsetl report --out report.html
  newsetl report --from 2026-11-01 --to 2026-11-30 --query shoigu --query '"rate cut"' \\
      --out november.html

settings: NEWSETL_WAREHOUSE (the warehouse folder)""",
    )
    _filters(report)
    report.add_argument(
        "--query", action="append", default=[], help="a search query to chart (repeatable)"
    )
    report.add_argument("--out", type=Path, required=True, help="the HTML file to write")
    report.add_argument("--quiet", action="store_true", help="no progress bar")
    report.add_argument("--warehouse", type=Path, help=WAREHOUSE_HELP)
    return {"search": search, "attention": attention, "report": report}


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="date_from", type=iso_date, help="published on or after (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--to", dest="date_to", type=iso_date, help="published on or before (YYYY-MM-DD)"
    )


FORMAT_HELP = "output format (default: table)"


def _output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help=FORMAT_HELP
    )
    parser.add_argument("--warehouse", type=Path, help=WAREHOUSE_HELP)


def _dates(kit: Kit, args: argparse.Namespace) -> tuple[date | None, date | None]:
    """--from and --to; the wrong way round is a usage error, not an empty answer."""
    if args.date_from and args.date_to and args.date_to < args.date_from:
        raise kit.usage_error(f"--to {args.date_to} is before --from {args.date_from}")
    return args.date_from, args.date_to


def topic_label(kit: Kit, text: str | None) -> str | None:
    """The IPTC topic `--topic` names: its label or code, or one word of one label in any case
    ('economy', 'Sport'); anything else is a usage error that lists the labels."""
    if text is None:
        return None
    wanted = " ".join(text.split()).lower()
    if wanted in IPTC_TOPICS:
        return IPTC_TOPICS[wanted]
    labels = list(IPTC_TOPICS.values())
    if wanted in labels:
        return wanted
    named = [label for label in labels if wanted in re.split(r",? and |, ", label)]
    if len(named) == 1:
        return named[0]
    raise kit.usage_error(
        f"--topic {text!r} names no IPTC topic; one of: " + "; ".join(sorted(labels))
    )


def _query(kit: Kit, text: str) -> str:
    try:
        return normalise(text)
    except QueryError as err:
        raise kit.usage_error(str(err)) from None


def _check_index(kit: Kit, con: duckdb.DuckDBPyConnection) -> None:
    from newsetl.storage.search import index_is_current

    found = con.execute(
        "select count(*) from duckdb_functions() where function_name = 'search_articles'"
    ).fetchone()
    if not found or not found[0]:
        raise kit.usage_error(
            "this warehouse has no search index yet: any 'newsetl run' or 'newsetl reprocess' "
            "with this version makes it"
        )
    if not index_is_current(con):
        print(
            "newsetl: warning: some articles are not in the search index yet; "
            "the next run indexes them",
            file=sys.stderr,
        )


def _print_index_query(kit: Kit, args: argparse.Namespace, sql: str, params: list) -> int:
    """Run one of the search-index macros and print its rows; a bad query is a usage error. No
    rows for a `--source` the warehouse has no article of says so on stderr."""
    with Warehouse(kit.settings_for(args).warehouse).reader() as con:
        _check_index(kit, con)
        try:
            relation = con.execute(sql, params)
            columns = [c[0] for c in relation.description]
            rows = relation.fetchall()
        except duckdb.Error as err:
            raise kit.usage_error(str(err).splitlines()[0]) from None
        if not rows and scalar(con, ONLY_STOPWORDS, [_words_outside_phrases(args.query)]):
            print(
                "newsetl: no rows: the query's words are too common to be indexed (stopwords);"
                ' put them in a "phrase" with other words',
                file=sys.stderr,
            )
        source = getattr(args, "source", None)
        if not rows and source:
            known = [r[0] for r in con.execute(SOURCES).fetchall()]
            if source not in known:
                print(
                    f"newsetl: no articles of source {source!r}; the warehouse's sources: "
                    + (", ".join(known) or "none"),
                    file=sys.stderr,
                )
    print(kit.render(columns, rows, args.format))
    return 0


SOURCES = "select distinct source from articles order by source"
# Whether words are all stopwords, which the index leaves out, so that they match nothing.
ONLY_STOPWORDS = (
    "select coalesce(bool_and(search_stopword(w)), false) from unnest(search_tokens(?)) t(w)"
)


def _words_outside_phrases(query: str) -> str:
    """The query's words as its parser reads them, less its phrases (searched for as written)
    and operators."""
    return " ".join(
        item.text for clause in parse(query) for item in clause if not item.text.startswith('"')
    )


def cmd_search(kit: Kit, args: argparse.Namespace) -> int:
    return _print_index_query(
        kit,
        args,
        "select * from search_articles(?, from_date := ?, to_date := ?, "
        "source_name := ?, topic_name := ?, language_code := ?, max_rows := ?)",
        [
            _query(kit, args.query),
            *_dates(kit, args),
            args.source,
            topic_label(kit, args.topic),
            args.language,
            args.limit,
        ],
    )


def cmd_attention(kit: Kit, args: argparse.Namespace) -> int:
    macro = {None: "attention", "source": "attention_by_source", "topic": "attention_by_topic"}[
        args.per
    ]
    return _print_index_query(
        kit,
        args,
        f"select * from {macro}(?, period_unit := ?, from_date := ?, to_date := ?)",
        [_query(kit, args.query), args.by, *_dates(kit, args)],
    )


def cmd_report(kit: Kit, args: argparse.Namespace) -> int:
    from newsetl.analysis.report import write_report
    from newsetl.console import progress_bars

    queries = tuple(args.query)
    date_from, date_to = _dates(kit, args)
    for query in queries:
        _query(kit, query)  # a bad query is a usage error before anything is written
    if args.out.suffix.lower() not in (".html", ".htm"):
        raise kit.usage_error(f"--out must name an .html file, not {args.out}")
    with Warehouse(kit.settings_for(args).warehouse).reader() as con:
        if queries:
            _check_index(kit, con)
        with progress_bars(args.quiet):
            try:
                report = write_report(con, args.out, date_from, date_to, queries)
            except OSError as err:
                raise kit.usage_error(f"cannot write {args.out}: {err.strerror}") from None
    charts = sum(1 for s in report.sections if s.chart is not None)
    print(f"wrote {args.out} ({charts} charts, {args.out.stat().st_size // 1024} KB)")
    return 0


def analysis_commands(kit: Kit) -> dict[str, Callable[[argparse.Namespace], int]]:
    return {
        name: partial(command, kit)
        for name, command in (
            ("search", cmd_search),
            ("attention", cmd_attention),
            ("report", cmd_report),
        )
    }
