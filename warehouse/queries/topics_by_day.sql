-- Articles per IPTC topic per publication day (topic_daily is a view over article_topics).
select published_date, topic, articles
from topic_daily
order by published_date, articles desc, topic;
