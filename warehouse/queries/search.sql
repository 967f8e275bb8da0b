-- Ranked full-text search (BM25) over titles and texts: words match any form (stemmed),
-- "phrases" match in order, items side by side must all match (AND), OR between groups,
-- NOT word / -word excludes. Filters are optional (NULL: no filter).
-- DuckDB clients other than newsetl first load the fts extension newsetl ships with:
--   LOAD '<site-packages>/duckdb_extension_fts/extensions/v1.5.5/fts.duckdb_extension';
select score, published_date, source, title, url
from search_articles(
    'earthquake OR quake',
    from_date := '2026-11-01',
    to_date := NULL,
    source_name := NULL,
    topic_name := NULL,        -- an IPTC label ('sport') or code ('medtop:15000000')
    language_code := NULL,     -- 'en', 'fr', ...
    max_rows := 20
);
