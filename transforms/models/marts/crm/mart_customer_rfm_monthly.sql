-- RFM history: per month end and customer, the customer's RFM scores and segment computed from the
-- orders placed up to that day only (recency from that day, frequency and monetary of those orders,
-- scores among the customers with orders by then) — what mart_customer_rfm said, or would have
-- said, at each month end. The last month is month-to-date: its day is the as-of date, so its rows
-- equal mart_customer_rfm's. Same rules (macros/rfm.sql). Customers appear from their first order.
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

months as (
    select
        cast(m as date) as month_start,
        least(cast(last_day(m) as date), a.as_of_date) as month_end,
        cast(last_day(m) as date) <= a.as_of_date as is_complete_month
    from as_of as a,
        range(
            (select cast(date_trunc('month', min(order_date)) as timestamp) from {{ ref('int_customer_orders') }}),
            cast(a.as_of_date as timestamp) + interval 1 day,
            interval 1 month
        ) as t(m)
    where a.as_of_date is not null
),

measured as (
    select
        m.month_start,
        m.month_end,
        m.is_complete_month,
        o.customer_id,
        max(o.order_date) as last_order_date,
        count(*) as frequency,
        sum(o.order_amount) as monetary
    from months as m
    join {{ ref('int_customer_orders') }} as o on o.order_date <= m.month_end
    group by all
),

scored as (
    select
        *,
        datediff('day', last_order_date, month_end) as recency_days,
        {{ rfm_score("datediff('day', last_order_date, month_end)", 'desc', 'month_start') }} as r_score,
        {{ rfm_score('frequency', 'asc', 'month_start') }} as f_score,
        {{ rfm_score('monetary', 'asc', 'month_start') }} as m_score
    from measured
)

select
    strftime(month_start, '%Y-%m') as year_month,
    month_start,
    month_end,
    is_complete_month,
    customer_id,
    last_order_date,
    recency_days,
    frequency,
    {{ money('monetary') }} as monetary,
    r_score,
    f_score,
    m_score,
    r_score * 100 + f_score * 10 + m_score as rfm_code,
    {{ rfm_segment('r_score', 'f_score') }} as segment
from scored
