-- Stories told by more than one outlet, with their headlines.
with members as (
    select story_id, source, title, published_at
    from articles
),
stories as (
    select
        story_id,
        count(distinct source) as outlets,
        min(published_at) as first_published_at,
        string_agg(source || ': ' || title, ' / ' order by published_at) as headlines
    from members
    group by story_id
)
select story_id, outlets, first_published_at, headlines
from stories
where outlets > 1
order by first_published_at;
