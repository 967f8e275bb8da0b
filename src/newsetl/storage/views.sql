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
