"""`newsetl report`: one self-contained HTML file with charts, read from the warehouse.

Charts are Vega-Lite specs made with altair, their data inline; the Vega, Vega-Lite and
vega-embed JavaScript comes from vl-convert's bundle, inlined once, so the file opens with no
network. The same specs become PNG images (vl-convert, no browser) for Prefect artifacts.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
from altair.utils.schemapi import debug_mode

from newsetl import progress
from newsetl.analysis.query import normalise

PLACE_LABELS = ("GPE", "LOC")
TOP_ENTITIES = 12


@dataclass
class Section:
    key: str
    title: str
    note: str = ""
    chart: dict[str, Any] | None = None  # a Vega-Lite spec
    table: tuple[list[str], list[list[Any]]] | None = None


@dataclass
class Report:
    title: str
    subtitle: str
    sections: list[Section] = field(default_factory=list)
    data: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    columns = [c[0] for c in cursor.description]
    return [
        {c: (v.isoformat() if isinstance(v, (date, datetime)) else v) for c, v in zip(columns, r)}
        for r in cursor.fetchall()
    ]


def _window(column: str, start: date | None, end: date | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if start:
        clauses.append(f"{column} >= ?")
        params.append(start)
    if end:
        clauses.append(f"{column} <= ?")
        params.append(end)
    return (" and ".join(clauses) or "true"), params


def _data(values: list[dict[str, Any]]) -> alt.Data:
    """Inline chart data, not checked against the Vega-Lite schema row by row on the way in
    (altair's debug mode does that, and it cost more than drawing the charts of a month)."""
    with debug_mode(False):
        return alt.Data(values=values)


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart's Vega-Lite spec; tests check every spec against the schema once
    (test_report's `test_chart_specs_follow_the_vega_lite_schema`)."""
    return chart.to_dict(validate=False)


def build(
    con: duckdb.DuckDBPyConnection,
    start: date | None = None,
    end: date | None = None,
    queries: tuple[str, ...] = (),
    title: str = "newsetl report",
    stage: str = "report",
    health_window: tuple[date | None, date | None] | None = None,
) -> Report:
    """Every section's data and chart, from a warehouse connection (with the search macros).

    Articles are chosen by publication date; pipeline health by the dates of runs, rejects and
    fetches, within `health_window` (default: the same dates)."""
    health_start, health_end = health_window or (start, end)
    where, params = _window("published_date", start, end)
    span = f"{start or 'the first article'} to {end or 'the last article'}"
    report = Report(
        title=title,
        subtitle=f"Articles published from {span}; made {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
    )
    progress.update(stage, add_total=5 + len(queries), unit="sections")

    per_day = _records(
        con,
        f"select published_date, source, count(*) as articles from articles where {where} "
        "and published_date is not null group by all order by 1, 2",
        params,
    )
    report.data["articles_per_day"] = per_day
    total = sum(r["articles"] for r in per_day)
    report.sections.append(
        Section(
            "articles_per_day",
            "Articles per day and source",
            f"{total} dated articles from {len({r['source'] for r in per_day})} sources.",
            chart=_spec(
                alt.Chart(_data(per_day))
                .mark_bar()
                .encode(
                    x=alt.X("published_date:T", title="publication date", timeUnit="yearmonthdate"),
                    y=alt.Y("articles:Q", title="articles"),
                    color=alt.Color("source:N", title="source"),
                    tooltip=["published_date:T", "source:N", "articles:Q"],
                )
                .properties(width=680, height=260)
            ),
        )
    )
    progress.update(stage, advance=1)

    topics = _records(
        con,
        f"select published_date, topic, articles from topic_daily where {where} "
        "and published_date is not null order by 1, 2",
        params,
    )
    report.data["topics_per_day"] = topics
    report.sections.append(
        Section(
            "topics_per_day",
            "Topic trends",
            "Articles per IPTC Media Topic and day (an article may have several topics).",
            chart=_spec(
                alt.Chart(_data(topics))
                .mark_rect()
                .encode(
                    x=alt.X("published_date:O", title="publication date"),
                    y=alt.Y("topic:N", title=None),
                    color=alt.Color(
                        "articles:Q", title="articles", scale=alt.Scale(scheme="blues")
                    ),
                    tooltip=["published_date:O", "topic:N", "articles:Q"],
                )
                .properties(width=alt.Step(28), height=alt.Step(18))
            ),
        )
    )
    progress.update(stage, advance=1)

    if queries:
        attention: list[dict[str, Any]] = []
        for query in queries:
            rows = _records(
                con,
                "select period, articles, total, share from attention(?, "
                "from_date := ?, to_date := ?)",
                [normalise(query), start, end],
            )
            attention += [{"query": query, **r} for r in rows]
            progress.update(stage, advance=1)
        report.data["attention"] = attention
        report.sections.append(
            Section(
                "attention",
                "Attention to the queries",
                "Share of each day's articles that match each query (full-text search).",
                chart=_spec(
                    alt.Chart(_data(attention))
                    .mark_line(point=True)
                    .encode(
                        x=alt.X("period:T", title="publication date", timeUnit="yearmonthdate"),
                        y=alt.Y("share:Q", title="share of articles", axis=alt.Axis(format="%")),
                        color=alt.Color("query:N", title="query"),
                        tooltip=["period:T", "query:N", "articles:Q", "total:Q", "share:Q"],
                    )
                    .properties(width=680, height=260)
                ),
            )
        )

    entities = _records(
        con,
        f"""
        with named as (
            select
                case when e.label in {PLACE_LABELS} then 'places'
                     when e.label = 'PERSON' then 'people'
                     when e.label = 'ORG' then 'organisations' end as kind,
                e.entity, a.article_id
            from article_entities as e
            join articles as a using (article_id)
            where {where.replace("published_date", "a.published_date")}
        ),
        counted as (
            select kind, entity, count(distinct article_id) as articles
            from named where kind is not null group by all
        )
        select kind, entity, articles from counted
        qualify row_number() over (partition by kind order by articles desc, entity)
            <= {TOP_ENTITIES}
        order by kind, articles desc, entity
        """,
        params,
    )
    report.data["top_entities"] = entities
    report.sections.append(
        Section(
            "top_entities",
            "Who and where: top people, organisations and places",
            f"The {TOP_ENTITIES} most named of each kind, by number of articles.",
            chart=_spec(
                alt.Chart(_data(entities))
                .mark_bar()
                .encode(
                    x=alt.X("articles:Q", title="articles"),
                    y=alt.Y("entity:N", sort="-x", title=None),
                    color=alt.Color("kind:N", legend=None),
                    column=alt.Column("kind:N", title=None),
                    tooltip=["entity:N", "kind:N", "articles:Q"],
                )
                .properties(width=200, height=260)
                .resolve_scale(y="independent")
            ),
        )
    )
    progress.update(stage, advance=1)

    stories = _records(
        con,
        f"""
        select story_id, count(distinct source) as outlets, count(*) as articles,
               min(published_at) as first_published_at,
               list(source || ': ' || coalesce(title, '') order by published_at) as headlines
        from articles
        where story_id is not null and {where}
        group by story_id
        having count(distinct source) > 1
        order by outlets desc, articles desc, first_published_at
        limit 30
        """,
        params,
    )
    report.data["stories"] = stories
    report.sections.append(
        Section(
            "stories",
            "Stories covered by several outlets",
            f"{len(stories)} stories told by more than one outlet (at most 30 shown).",
            table=(
                ["first published", "outlets", "headlines"],
                [
                    [str(s["first_published_at"])[:16], s["outlets"], s["headlines"]]
                    for s in stories
                ],
            ),
        )
    )
    progress.update(stage, advance=1)

    runs_where, runs_params = _window("cast(started_at as date)", health_start, health_end)
    runs = _records(
        con,
        f"select run_id, flow, started_at, status, fetched, new_articles, rejected from runs "
        f"where {runs_where} order by started_at",
        runs_params,
    )
    rejects_where, rejects_params = _window("cast(rejected_at as date)", health_start, health_end)
    loaded_where, loaded_params = _window("cast(fetched_at as date)", health_start, health_end)
    health = _records(
        con,
        f"""
        select source, 'loaded' as outcome, count(*) as records from articles
        where {loaded_where} group by all
        union all
        select coalesce(source, '(none)'), stage || ': ' || reason, count(*) from rejects
        where {rejects_where} group by all
        order by 1, 2
        """,
        loaded_params + rejects_params,
    )
    report.data["runs"] = runs
    report.data["pipeline_health"] = health
    fetched = sum(r["fetched"] or 0 for r in runs)
    rejected = sum(r["records"] for r in health if r["outcome"] != "loaded")
    report.sections.append(
        Section(
            "pipeline_health",
            "Pipeline health",
            f"{len(runs)} runs fetched {fetched} pages; {rejected} records were rejected. "
            "Per source: articles loaded (by fetch date) and rejects by stage and reason.",
            chart=_spec(
                alt.Chart(_data(health))
                .mark_bar()
                .encode(
                    y=alt.Y("source:N", title="source"),
                    x=alt.X("records:Q", title="records"),
                    color=alt.Color("outcome:N", title="outcome"),
                    tooltip=["source:N", "outcome:N", "records:Q"],
                )
                .properties(width=620, height=alt.Step(22))
            ),
            table=(
                ["started", "flow", "status", "fetched", "new", "rejected"],
                [
                    [
                        str(r["started_at"])[:16],
                        r["flow"],
                        r["status"],
                        r["fetched"],
                        r["new_articles"],
                        r["rejected"],
                    ]
                    for r in runs[-20:]
                ],
            ),
        )
    )
    progress.update(stage, advance=1)
    return report


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "<ul>" + "".join(f"<li>{html.escape(str(v))}</li>" for v in value) + "</ul>"
    return html.escape("" if value is None else str(value))


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2rem; } .subtitle { color: #666; margin-top: 0; }
section { margin: 2.5rem 0; } .note { color: #555; }
table { border-collapse: collapse; font-size: 0.9rem; margin-top: 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left;
         vertical-align: top; }
td ul { margin: 0; padding-left: 1rem; }
"""


def render_html(report: Report) -> str:
    """The report as one HTML document with everything it needs inline."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    bundle = vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())  # type: ignore[call-arg]
    body, charts = [], {}
    for section in report.sections:
        parts = [f'<section id="{section.key}">', f"<h2>{html.escape(section.title)}</h2>"]
        if section.note:
            parts.append(f'<p class="note">{html.escape(section.note)}</p>')
        if section.chart is not None:
            charts[f"chart-{section.key}"] = section.chart
            parts.append(f'<div class="chart" id="chart-{section.key}"></div>')
        if section.table is not None:
            header, rows = section.table
            parts.append("<table><thead><tr>")
            parts += [f"<th>{html.escape(h)}</th>" for h in header]
            parts.append("</tr></thead><tbody>")
            parts += [
                "<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows
            ]
            parts.append("</tbody></table>")
        parts.append("</section>")
        body.append("\n".join(parts))
    script = bundle.replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(report.title)}</title>
<style>{STYLE}</style>
<script>{script}</script>
</head>
<body>
<h1>{html.escape(report.title)}</h1>
<p class="subtitle">{html.escape(report.subtitle)}</p>
{"".join(body)}
<script type="application/json" id="newsetl-data">{_script_json(report.data)}</script>
<script type="application/json" id="newsetl-charts">{_script_json(charts)}</script>
<script>
const charts = JSON.parse(document.getElementById("newsetl-charts").textContent);
Promise.all(Object.entries(charts).map(
  ([id, spec]) => vegaEmbed("#" + id, spec, {{renderer: "svg", actions: false}})
)).then(() => {{ document.body.dataset.charts = "rendered"; }})
  .catch((err) => {{ document.body.dataset.charts = "failed"; console.error(err); }});
</script>
</body>
</html>
"""


def write_report(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    start: date | None = None,
    end: date | None = None,
    queries: tuple[str, ...] = (),
) -> Report:
    report = build(con, start, end, queries)
    progress.update("report", add_total=1, unit="sections")
    text = render_html(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(out)
    progress.update("report", advance=1)
    return report


def chart_png(spec: dict[str, Any], scale: float = 1.0) -> bytes:
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    return bytes(
        vl_convert.vegalite_to_png(spec, vl_version=vl_version_for_vl_convert(), scale=scale)
    )


def charts_markdown(report: Report, keys: tuple[str, ...]) -> str:
    """Markdown with the chosen sections' charts as inline PNG images (Prefect artifacts)."""
    parts = [f"# {report.title}\n\n{report.subtitle}\n"]
    for section in report.sections:
        if section.key in keys and section.chart is not None:
            png = base64.b64encode(chart_png(section.chart)).decode("ascii")
            parts.append(
                f"## {section.title}\n\n{section.note}\n\n"
                f"![{section.title}](data:image/png;base64,{png})\n"
            )
    return "\n".join(parts)
