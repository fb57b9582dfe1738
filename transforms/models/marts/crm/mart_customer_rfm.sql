-- RFM as of the last day of the data: recency (days since the last order), frequency (orders),
-- monetary (ordered amount), each scored 1–5 by the customer's quintile among the customers
-- with orders (ceil(5 × cumulative share), so equal values share a score), and a segment.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

per_customer as (
    select
        customer_id,
        max(order_date) as last_order_date,
        count(*) as frequency,
        sum(order_amount) as monetary
    from {{ ref('int_customer_orders') }}
    group by customer_id
),

measured as (
    select p.*, datediff('day', p.last_order_date, a.as_of_date) as recency_days, a.as_of_date
    from per_customer as p
    cross join as_of as a
),

scored as (
    select
        *,
        {{ rfm_score('recency_days', 'desc') }} as r_score,
        {{ rfm_score('frequency', 'asc') }} as f_score,
        {{ rfm_score('monetary', 'asc') }} as m_score
    from measured
)

select
    c.customer_id,
    (select as_of_date from as_of) as as_of_date,
    s.last_order_date,
    s.recency_days,
    coalesce(s.frequency, 0) as frequency,
    {{ money('coalesce(s.monetary, 0)') }} as monetary,
    s.r_score,
    s.f_score,
    s.m_score,
    case when s.r_score is null then null else s.r_score * 100 + s.f_score * 10 + s.m_score end as rfm_code,
    case
        when s.customer_id is null then 'no_orders'
        else {{ rfm_segment('s.r_score', 's.f_score') }}
    end as segment,
    coalesce(s.frequency, 0) >= 2 as is_repeat
from {{ ref('dim_customer') }} as c
left join scored as s on s.customer_id = c.customer_id
