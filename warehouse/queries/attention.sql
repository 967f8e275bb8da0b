-- Attention over time: articles matching a query per week and source, and their share of
-- all of that source's articles of the week (0..1). Also attention(...) for all sources and
-- attention_by_topic(...); period_unit is 'day', 'week' (Monday) or 'month'.
select period, source, articles, total, share
from attention_by_source('earthquake OR quake', period_unit := 'week')
order by period, source;
