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
