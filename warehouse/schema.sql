-- Generated from src/newsetl/schema.py by `make schema`; do not edit by hand.

create schema if not exists pipeline;

create table if not exists articles (
    article_id VARCHAR PRIMARY KEY,
    source VARCHAR,
    url VARCHAR,
    canonical_url VARCHAR,
    title VARCHAR,
    authors VARCHAR[],
    published_at TIMESTAMPTZ,
    published_date DATE,
    date_source VARCHAR,
    language VARCHAR,
    description VARCHAR,
    site_name VARCHAR,
    text VARCHAR,
    word_count INTEGER,
    reading_minutes DOUBLE,
    sentiment DOUBLE,
    story_id VARCHAR,
    removed_paragraphs INTEGER,
    enrich_version VARCHAR,
    raw_id VARCHAR,
    run_id VARCHAR,
    fetched_at TIMESTAMPTZ
);

create table if not exists article_topics (
    article_id VARCHAR NOT NULL,
    published_date DATE,
    topic_code VARCHAR,
    topic VARCHAR,
    score DOUBLE
);

create table if not exists article_entities (
    article_id VARCHAR NOT NULL,
    published_date DATE,
    entity VARCHAR,
    label VARCHAR,
    mentions INTEGER,
    country_code VARCHAR
);

create table if not exists article_keywords (
    article_id VARCHAR NOT NULL,
    published_date DATE,
    keyword VARCHAR,
    score DOUBLE
);

create table if not exists pipeline.article_paragraphs (
    article_id VARCHAR NOT NULL,
    published_date DATE,
    source VARCHAR,
    paragraph_hash VARCHAR,
    removed BOOLEAN
);

create table if not exists pipeline.article_vectors (
    article_id VARCHAR NOT NULL,
    published_date DATE,
    story_id VARCHAR,
    entities VARCHAR[],
    vector FLOAT[]
);

create table if not exists rejects (
    run_id VARCHAR,
    stage VARCHAR,
    source VARCHAR,
    url VARCHAR,
    reason VARCHAR,
    detail VARCHAR,
    rejected_at TIMESTAMPTZ,
    rejected_date DATE
);

create table if not exists runs (
    run_id VARCHAR PRIMARY KEY,
    flow VARCHAR,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    status VARCHAR,
    fetched INTEGER,
    new_articles INTEGER,
    duplicates INTEGER,
    rejected INTEGER,
    recovered_by VARCHAR,
    started_date DATE
);

-- Views over the contract tables (loaded after the tables are created).

create or replace view topic_daily as
with tagged as (
    select a.published_date, t.topic, a.article_id
    from articles as a
    join article_topics as t using (article_id)
)
select published_date, topic, count(distinct article_id) as articles
from tagged
group by all;

create or replace view entity_daily as
with mentioned as (
    select a.published_date, e.entity, e.label, a.article_id
    from articles as a
    join article_entities as e using (article_id)
)
select published_date, entity, label, count(distinct article_id) as articles
from mentioned
group by all;

create or replace view stories as
with members as (
    select story_id, article_id, source, title, published_at
    from articles
    where story_id is not null
)
select
    story_id,
    count(*) as articles,
    count(distinct source) as outlets,
    min(published_at) as first_published_at,
    max(published_at) as last_published_at,
    -- the earliest member's title; on a tie (or no dates) the first article id's, so the same
    -- data always shows the same title
    first(title order by published_at nulls last, article_id) as first_title
from members
group by story_id;

comment on view topic_daily is 'Articles per publication day and IPTC topic (any of an article''s topics).';
comment on column topic_daily.published_date is 'Publication day, as in articles.published_date.';
comment on column topic_daily.topic is 'IPTC media topic, as in article_topics.topic.';
comment on column topic_daily.articles is 'Distinct articles of that day with that topic.';
comment on view entity_daily is 'Articles per publication day that name each entity.';
comment on column entity_daily.published_date is 'Publication day, as in articles.published_date.';
comment on column entity_daily.entity is 'Entity name, as in article_entities.entity.';
comment on column entity_daily.label is 'Entity label (PERSON, ORG, GPE, LOC...), as in article_entities.label.';
comment on column entity_daily.articles is 'Distinct articles of that day naming the entity.';
comment on view stories is 'One row per story: articles that tell the same story, across outlets.';
comment on column stories.story_id is 'Story id, as in articles.story_id.';
comment on column stories.articles is 'Articles in the story.';
comment on column stories.outlets is 'Distinct sources among them.';
comment on column stories.first_published_at is 'Earliest publication time among them.';
comment on column stories.last_published_at is 'Latest publication time among them.';
comment on column stories.first_title is 'Title of the earliest article (ties: the lowest article id).';

create schema if not exists pipeline;
create table if not exists pipeline.search_postings (
    article_id VARCHAR NOT NULL,
    term VARCHAR NOT NULL,
    tf INTEGER NOT NULL,
    positions INTEGER[] NOT NULL
);
create table if not exists pipeline.search_documents (
    article_id VARCHAR NOT NULL,
    terms INTEGER NOT NULL
);
create table if not exists pipeline.search_sorted (
    postings BIGINT NOT NULL,
    sorted_at TIMESTAMPTZ NOT NULL
);

-- Full-text search and attention over time, as SQL macros (created after the tables).
--
-- The index is ours, kept in pipeline.search_postings / pipeline.search_documents and updated
-- by every load for the loaded articles only (see newsetl.storage.search). Words are lower-cased,
-- accents stripped, split on anything that is not a letter or digit, English stopwords dropped
-- and stemmed with the Porter stemmer of DuckDB's fts extension (`stem`, loaded by newsetl).
-- Ranking is Okapi BM25 (k1 = 1.2, b = 0.75), the formula of the fts extension's match_bm25.
--
-- Query language: words and "quoted phrases"; items side by side must all match (AND, also
-- written out); OR between groups; NOT word / -word excludes. No parentheses here (the CLI
-- expands them): `shoigu AND pyongyang`, `"central bank" rates OR inflation -sport`.
-- A phrase is found through the word positions in the postings: its indexed words (stemmed)
-- at their places in it from one start; a stopword inside it holds its place unchecked. A
-- phrase of stopwords only is looked for in the texts themselves (search_holds).

-- English stopwords: not indexed, ignored in queries (inside a phrase they still count).
create or replace macro search_stopwords() as [
    'a', 'about', 'after', 'again', 'against', 'all', 'also', 'am', 'an', 'and', 'any', 'are',
    'as', 'at', 'be', 'because', 'been', 'before', 'being', 'between', 'both', 'but', 'by',
    'can', 'could', 'did', 'do', 'does', 'doing', 'down', 'during', 'each', 'few', 'for',
    'from', 'further', 'had', 'has', 'have', 'having', 'he', 'her', 'here', 'hers', 'herself',
    'him', 'himself', 'his', 'how', 'i', 'if', 'in', 'into', 'is', 'it', 'its', 'itself', 'just',
    'me', 'more', 'most', 'my', 'myself', 'no', 'nor', 'not', 'now', 'of', 'off', 'on', 'once',
    'only', 'or', 'other', 'our', 'ours', 'ourselves', 'out', 'over', 'own', 'same', 'she',
    'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'theirs', 'them',
    'themselves', 'then', 'there', 'these', 'they', 'this', 'those', 'through', 'to', 'too',
    'under', 'until', 'up', 'very', 'was', 'we', 'were', 'what', 'when', 'where', 'which',
    'while', 'who', 'whom', 'why', 'will', 'with', 'would', 'you', 'your', 'yours', 'yourself',
    'yourselves'
];

create or replace macro search_stopword(w) as list_contains(search_stopwords(), w);

-- Words of a text, as indexed before stemming: lower case, no accents, letters and digits.
create or replace macro search_tokens(s) as list_filter(
    string_split_regex(lower(strip_accents(coalesce(s, ''))), '[^\p{L}\p{N}]+'),
    x -> x <> ''
);

-- A text's words between single spaces, with a space at either end: a phrase is in a text when
-- its words, written the same way, are a substring of it.
create or replace macro search_spaced(s) as
    ' ' || trim(regexp_replace(s, '[^\p{L}\p{N}]+', ' ', 'g')) || ' ';

-- Index terms of a text: its words without stopwords, stemmed.
create or replace macro search_terms(s) as list_transform(
    list_filter(search_tokens(s), x -> not search_stopword(x)),
    x -> stem(x, 'porter')
);

-- The text an article is searched by: its title and its body.
create or replace macro search_text(title, body) as
    coalesce(title, '') || ' ' || coalesce(body, '');

-- Whether a phrase is in a title and text (for a phrase of stopwords only, which the index
-- cannot answer). A regular expression made of the phrase would be compiled again for every
-- row it is matched against; the LIKE of its words in order (about 1 microsecond an article)
-- leaves search_spaced (20 microseconds) a part of them.
create or replace macro search_holds(title, body, words, words_in_order) as
    lower(strip_accents(search_text(title, body))) like words_in_order
    and contains(search_spaced(lower(strip_accents(search_text(title, body)))), words);

-- A query, parsed: one row per item (word or phrase) with its OR group (`clause`), whether it
-- is excluded, its terms and, for a phrase, the place of each indexed word in it, its words as
-- search_spaced writes them and a LIKE pattern of them in order.
create or replace macro search_items(q) as table
with clauses as (
    select unnest(range(1, len(parts) + 1)) as clause, unnest(parts) as clause_text
    from (select string_split_regex(trim(coalesce(q, '')), '\s+OR\s+') as parts)
),
raw_items as (
    select clause, unnest(
        regexp_extract_all(clause_text, '(?:-|NOT\s+)?(?:"[^"]*"?|[^\s"]+)')
    ) as item
    from clauses
),
items as (
    select
        clause,
        regexp_matches(item, '^(-|NOT\s)') as negated,
        regexp_replace(item, '^(-|NOT\s+)', '') as body
    from raw_items
    where item not in ('AND', 'OR', 'NOT')
)
select
    clause,
    row_number() over (order by clause, body) as item_no,
    negated,
    starts_with(body, '"') as phrase,
    list_distinct(search_terms(body)) as terms,
    -- a phrase's indexed words, each with its place in the phrase (stopwords counted)
    list_filter(
        list_transform(search_tokens(body), (w, i) -> {
            'offset': i - 1, 'term': stem(w, 'porter'), 'stop': search_stopword(w)
        }),
        x -> not x.stop
    ) as places,
    ' ' || array_to_string(search_tokens(body), ' ') || ' ' as words,
    '%' || array_to_string(search_tokens(body), '%') || '%' as words_in_order
from items
where len(search_terms(body)) > 0 or (starts_with(body, '"') and len(search_tokens(body)) > 0);

-- Articles matching a query, with their BM25 score over the query's wanted terms. An item of
-- one term and an OR group of one wanted item skip their group-bys (at 1,000,000 synthetic
-- articles each is a hash over some 400,000 rows for a common word).
create or replace macro search_matches(q) as table
with items as (
    select * from search_items(q)
),
item_terms as (
    select item_no, phrase, unnest(terms) as term, len(terms) as item_terms from items
),
term_postings as not materialized (  -- read into each branch, not kept between them
    select t.item_no, t.phrase, t.item_terms, t.term, p.article_id, p.positions
    from item_terms as t
    join pipeline.search_postings as p using (term)
),
word_hits as (  -- articles holding every term of an item of words (phrases: phrase_starts)
    select item_no, article_id from term_postings
    where not phrase and item_terms = 1  -- one article's one term
    union all
    select item_no, article_id
    from term_postings
    where not phrase and item_terms > 1
    group by item_no, article_id, item_terms
    having count(*) = item_terms
),
places as (  -- a phrase's indexed words and their places in it
    select item_no, unnest(places, recursive := true), len(places) as indexed
    from items
    where phrase and len(terms) > 0
),
phrase_starts as (  -- where each of those words would have the phrase start
    select s.item_no, s.article_id, s.indexed, unnest(s.positions) - s."offset" as start
    from (
        select pl.item_no, pl."offset", pl.indexed, tp.article_id, tp.positions
        from places as pl
        join term_postings as tp on tp.item_no = pl.item_no and tp.term = pl.term
    ) as s
),
item_hits as (
    select item_no, article_id from word_hits
    union all  -- a phrase: all its indexed words at their places from one start
    select distinct item_no, article_id
    from (
        select item_no, article_id
        from phrase_starts
        where start >= 0
        group by item_no, article_id, start, indexed
        having count(*) = indexed
    )
    union all  -- a phrase of stopwords only: the text itself is searched
    select i.item_no, a.article_id
    from items as i, articles as a
    where i.phrase and len(i.terms) = 0
        and search_holds(a.title, a.text, i.words, i.words_in_order)
),
wanted as (
    select clause, count(*) filter (where not negated) as positives from items group by clause
),
wanted_hits as not materialized (
    select i.clause, h.item_no, h.article_id, w.positives
    from item_hits as h
    join items as i using (item_no)
    join wanted as w on w.clause = i.clause
    where not i.negated
),
clause_hits as (  -- articles holding every wanted item of a clause
    select clause, article_id from wanted_hits where positives = 1
    union all
    select clause, article_id
    from wanted_hits
    where positives > 1
    group by clause, article_id, positives
    having count(distinct item_no) = positives
),
candidates as (
    select clause, article_id from clause_hits
    union all  -- a clause of exclusions only starts from every article
    select w.clause, a.article_id from wanted as w, articles as a where w.positives = 0
),
excluded as (
    select i.clause, h.article_id
    from item_hits as h
    join items as i using (item_no)
    where i.negated
),
matched as (
    select distinct c.article_id
    from candidates as c
    anti join excluded as e on e.clause = c.clause and e.article_id = c.article_id
),
query_terms as (
    select distinct unnest(terms) as term from items where not negated
),
stats as (
    select count(*) as documents, avg(terms) as average_terms from pipeline.search_documents
),
frequency as (
    select term, count(*) as df
    from pipeline.search_postings
    join query_terms using (term)
    group by term
),
scores as (
    select
        p.article_id,
        sum(
            log((s.documents - f.df + 0.5) / (f.df + 0.5) + 1)  -- log10, as match_bm25
            * p.tf * (1.2 + 1)
            / (p.tf + 1.2 * (1 - 0.75 + 0.75 * d.terms / s.average_terms))
        ) as score
    from pipeline.search_postings as p
    join frequency as f using (term)
    join pipeline.search_documents as d using (article_id)
    cross join stats as s
    where p.article_id in (select article_id from matched)
    group by p.article_id
)
select m.article_id, coalesce(s.score, 0.0) as score
from matched as m
left join scores as s using (article_id);

-- Ranked search with filters: search_articles('shoigu AND pyongyang', from_date := '2026-11-01',
-- to_date := NULL, source_name := NULL, topic_name := NULL, language_code := NULL, max_rows := 20).
-- topic_name is an IPTC label ('sport') or code ('medtop:15000000'). The best rows are chosen
-- on the narrow columns; title and URL are read for those rows only.
create or replace macro search_articles(
    q,
    from_date := NULL,
    to_date := NULL,
    source_name := NULL,
    topic_name := NULL,
    language_code := NULL,
    max_rows := 20
) as table
with best as (
    select m.article_id, m.score, a.published_date, a.source, a.language
    from search_matches(q) as m
    join articles as a using (article_id)
    where (from_date is null or a.published_date >= cast(from_date as date))
        and (to_date is null or a.published_date <= cast(to_date as date))
        and (source_name is null or a.source = source_name)
        and (language_code is null or a.language = language_code)
        and (topic_name is null or a.article_id in (
            select t.article_id from article_topics as t
            where t.topic = topic_name or t.topic_code = topic_name
        ))
    order by m.score desc, a.published_date desc nulls last, m.article_id
    limit max_rows
)
select
    b.article_id,
    round(b.score, 4) as score,
    b.published_date,
    b.source,
    b.language,
    a.title,
    a.url
from best as b
join articles as a using (article_id)
order by b.score desc, b.published_date desc nulls last, b.article_id;

-- Attention over time: articles matching a query per period (period_unit 'day', 'week' with
-- weeks starting on Monday, or 'month'), out of all articles of the period (`total`);
-- share = articles / total. Periods with articles but no match show 0. Undated articles are
-- left out. attention_by_source and attention_by_topic count within each source or topic
-- (an article with several topics counts in each).
create or replace macro attention_base(q, period_unit, from_date, to_date) as table
select
    a.article_id,
    a.source,
    cast(date_trunc(period_unit, a.published_date) as date) as period,
    a.article_id in (select article_id from search_matches(q)) as hit
from articles as a
where a.published_date is not null
    and (from_date is null or a.published_date >= cast(from_date as date))
    and (to_date is null or a.published_date <= cast(to_date as date));

create or replace macro attention(
    q, period_unit := 'day', from_date := NULL, to_date := NULL
) as table
select period, articles, total, round(articles / total, 4) as share
from (
    select period, count(*) filter (where hit) as articles, count(*) as total
    from attention_base(q, period_unit, from_date, to_date)
    group by period
)
order by period;

create or replace macro attention_by_source(
    q, period_unit := 'day', from_date := NULL, to_date := NULL
) as table
select period, source, articles, total, round(articles / total, 4) as share
from (
    select period, source, count(*) filter (where hit) as articles, count(*) as total
    from attention_base(q, period_unit, from_date, to_date)
    group by period, source
)
order by period, source;

create or replace macro attention_by_topic(
    q, period_unit := 'day', from_date := NULL, to_date := NULL
) as table
select period, topic, articles, total, round(articles / total, 4) as share
from (
    select
        b.period,
        t.topic,
        count(distinct b.article_id) filter (where b.hit) as articles,
        count(distinct b.article_id) as total
    from attention_base(q, period_unit, from_date, to_date) as b
    join article_topics as t using (article_id)
    group by b.period, t.topic
)
order by period, topic;

