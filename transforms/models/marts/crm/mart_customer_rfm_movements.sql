-- RFM movements for the month-end pack: per month, how many customers went from each segment at
-- the previous month end to each segment at this month end (mart_customer_rfm_monthly). A customer
-- whose first order falls in the month comes from 'no_orders'; a customer keeps a segment once it
-- has one (RFM has no "left" state: a lapsed customer drifts to hibernating). Rows with from = to
-- are the customers who stayed; the first month of the history has no previous month and no rows.
with monthly as (
    select year_month, month_start, customer_id, segment from {{ ref('mart_customer_rfm_monthly') }}
),

paired as (
    select
        cur.year_month,
        cur.month_start,
        coalesce(prev.segment, 'no_orders') as from_segment,
        cur.segment as to_segment
    from monthly as cur
    left join monthly as prev
        on prev.customer_id = cur.customer_id
        and prev.month_start = cast(cur.month_start - interval 1 month as date)
    where cur.month_start > (select min(month_start) from monthly)
)

select
    year_month,
    month_start,
    from_segment,
    to_segment,
    count(*) as customers,
    from_segment <> to_segment as moved
from paired
group by all
