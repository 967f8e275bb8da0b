-- Generated from src/newsetl/schema.py by `make schema`; do not edit by hand.

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

create table if not exists article_paragraphs (
    article_id VARCHAR NOT NULL,
    published_date DATE,
    source VARCHAR,
    paragraph_hash VARCHAR,
    removed BOOLEAN
);

create table if not exists article_vectors (
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
    arg_min(title, published_at) as first_title
from members
group by story_id;

