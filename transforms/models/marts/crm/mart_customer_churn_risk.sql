-- A customer is at risk when the days since its last order exceed its usual ordering gap (the median
-- of the gaps between its distinct order dates) times var('churn_gap_factor', 2), once it has at
-- least 3 orders (fewer orders say nothing about a rhythm).
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

order_days as (
    select distinct customer_id, order_date from {{ ref('int_customer_orders') }}
),

gaps as (
    select
        customer_id,
        order_date,
        datediff('day', lag(order_date) over (partition by customer_id order by order_date), order_date) as gap_days
    from order_days
),

per_customer as (
    select
        o.customer_id,
        count(*) as order_count,
        min(o.order_date) as first_order_date,
        max(o.order_date) as last_order_date
    from {{ ref('int_customer_orders') }} as o
    group by o.customer_id
),

rhythm as (
    select customer_id, count(gap_days) as gap_count, median(gap_days) as usual_gap_days
    from gaps
    group by customer_id
)

select
    p.customer_id,
    p.order_count,
    p.first_order_date,
    p.last_order_date,
    cast(r.usual_gap_days as decimal(9, 1)) as usual_gap_days,
    datediff('day', p.last_order_date, a.as_of_date) as current_gap_days,
    cast({{ var('churn_gap_factor', 2) }} as decimal(9, 2)) as gap_factor,
    case when r.usual_gap_days is null then null
         else cast(p.last_order_date + cast(round(r.usual_gap_days) as integer) as date) end as expected_next_order_date,
    coalesce(
        p.order_count >= 3
        and r.usual_gap_days is not null
        and datediff('day', p.last_order_date, a.as_of_date) > r.usual_gap_days * {{ var('churn_gap_factor', 2) }},
        false
    ) as at_risk
from per_customer as p
join rhythm as r on r.customer_id = p.customer_id
cross join as_of as a
