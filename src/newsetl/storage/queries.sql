-- The pipeline's own SQL, one named query a block (`-- name: <name>`), read by
-- newsetl.storage.queries. `?` and `$name` are DuckDB parameters; `{name}` parts are table and
-- column names filled in from newsetl.schema (never from user input); `{{` is a literal brace.
-- The tables' DDL is generated from newsetl.schema; the views are in views.sql.

-- Warehouse: schema upgrades ------------------------------------------------------------------

-- name: table_columns
-- duckdb_columns(), not information_schema.columns: a tenth of the time on a writer's open.
select schema_name, table_name, column_name from duckdb_columns() where not internal;

-- name: add_column
alter table {table} add column {column} {type};

-- Warehouse: merge-loading a batch (registered as batch_ids, batch_runs, batch_rows) ----------

-- name: count_known_articles
select count(*) from articles where article_id in (select article_id from batch_ids);

-- name: delete_batch_articles
delete from {table} where article_id in (select article_id from batch_ids);

-- name: delete_batch_runs
delete from runs where run_id in (select run_id from batch_runs);

-- name: insert_batch
insert into {table} by name select * from batch_rows;

-- Warehouse: rebuilding from the lake ----------------------------------------------------------

-- name: clear_table
delete from {table};

-- name: insert_from_lake
-- Every file of the lake: interrupted merges are healed first (storage.lake.heal_partitions),
-- so DuckDB holds exactly what any Parquet reader reads.
insert into {table} by name
select *
from read_parquet(?, hive_partitioning = true, hive_types = {{'{partition}': DATE}},
                  union_by_name = true);

-- name: count_rows
select count(*) from {table};

-- Warehouse: what later stages read --------------------------------------------------------------

-- name: finished_runs
select run_id from runs where status = 'completed' or recovered_by is not null;

-- name: run_rows
select * from runs where run_id in (select unnest(?));

-- name: paragraph_counts
select source, paragraph_hash, count(distinct article_id)
from pipeline.article_paragraphs
where source in (select unnest(?)) and article_id not in (select unnest(?))
group by all
having count(distinct article_id) > 0;

-- name: paragraph_counts_of_hashes
select source, paragraph_hash, count(distinct article_id)
from pipeline.article_paragraphs
where source in (select unnest(?)) and article_id not in (select unnest(?))
    and paragraph_hash in (select h from batch_hashes)
group by all;

-- name: recent_story_members
-- An article's rows carry one published_date in every table (storage.rows), so the articles
-- are read for the window's dates only: the text of the whole table is never scanned (its
-- blocks would stay in DuckDB's buffer pool, memory that grew with the warehouse).
select v.article_id, v.published_date, v.story_id, v.entities, v.vector, a.title, a.text,
    a.language
from pipeline.article_vectors as v
left join (
    select article_id, title, text, language
    from articles
    where published_date between $low and $high
) as a using (article_id)
where v.published_date between $low and $high and v.article_id not in (select unnest($exclude));

-- Run summaries --------------------------------------------------------------------------------

-- name: article_run_ids
select distinct run_id from articles where run_id is not null order by 1;

-- name: run_articles_by_source
select source, count(*)
from articles
where run_id in (select unnest(?::varchar[]))
group by 1
order by 2 desc, 1;

-- name: run_articles_by_day
select coalesce(cast(published_date as varchar), 'unknown'), count(*)
from articles
where run_id in (select unnest(?::varchar[]))
group by 1
order by 1;

-- name: run_articles_by_topic
-- Only the run's own articles' topics are read, whatever the warehouse holds (the run's
-- articles: its own pages' and those of the unfinished runs it took over, by their run ids).
with top as (
    select article_id, arg_max(topic, score) as topic
    from article_topics
    where article_id in (
        select article_id from articles where run_id in (select unnest(?::varchar[]))
    )
    group by 1
)
select topic, count(*)
from top
group by 1
order by 2 desc, 1;

-- name: stale_articles
select count(*) from articles where enrich_version is distinct from ?;

-- name: last_runs
select run_id, flow, started_at, status, fetched, new_articles, rejected
from runs
order by started_at desc
limit 5;

-- name: rejects_by_reason
-- Addresses: a page retried every run (a 404, a bad line of an unchanged file) counts once.
-- Last run: the rows of the newest run, what is failing now rather than ever.
-- Loaded since: addresses that a later run fetched as articles of the same source: a page that
-- failed once (a timeout, a 503) and was taken since; not a repeated line of the same run.
-- (A join, not EXISTS in the FILTER: DuckDB 1.5.5 answered that one wrong with three
-- correlated conditions.)
with taken_since as (
    select distinct r.run_id, r.source, r.url
    from rejects r join articles a
      on a.source = r.source and a.url = r.url
     and a.run_id is distinct from r.run_id and a.fetched_at > r.rejected_at
)
select stage, reason, count(distinct source || ' ' || url), count(*),
       count(*) filter (where run_id = (select run_id from runs order by started_at desc limit 1)),
       count(distinct source || ' ' || url) filter (
           where (run_id, source, url) in (select (run_id, source, url) from taken_since))
from rejects group by all order by 3 desc, 4 desc, 1, 2;

-- name: articles_by_enrich_version
select enrich_version, count(*) from articles group by 1 order by 2 desc;

-- Lake (Parquet, read with DuckDB) -------------------------------------------------------------

-- name: lake_partitions_holding
select distinct {partition}
from read_parquet(?, hive_partitioning = true, hive_types_autocast = false)
where {key} in (select key from wanted);

-- name: lake_rows_by_key
select {columns}
from read_parquet($glob, hive_partitioning = true, hive_types = {{'{partition}': DATE}},
                  union_by_name = true)
where {key} in (select unnest($keys));

-- name: lake_columns
select {columns}
from read_parquet(?, hive_partitioning = true, hive_types = {{'{partition}': DATE}},
                  union_by_name = true);

-- Raw archive ------------------------------------------------------------------------------------

-- name: raw_scan
select {columns}
from read_parquet($files, union_by_name = true, hive_partitioning = false)
where {where};
