-- The people named in the most articles, with the days they were in the news.
with people as (
    select e.entity, a.article_id, a.published_date, a.source
    from article_entities as e
    join articles as a using (article_id)
    where e.label = 'PERSON'
)
select
    entity,
    count(distinct article_id) as articles,
    count(distinct source) as outlets,
    min(published_date) as first_seen,
    max(published_date) as last_seen
from people
group by entity
order by articles desc, entity
limit 10;
