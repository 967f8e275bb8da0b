-- Which countries each topic's articles are about (places resolved to ISO 3166-1 codes).
with top_topic as (
    select article_id, arg_max(topic, score) as topic
    from article_topics
    group by article_id
),
places as (
    select distinct article_id, country_code
    from article_entities
    where country_code is not null
)
select topic, country_code, count(*) as articles
from top_topic
join places using (article_id)
group by topic, country_code
order by topic, articles desc, country_code;
