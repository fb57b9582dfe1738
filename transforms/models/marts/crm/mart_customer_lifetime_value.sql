-- Simple customer lifetime value: the net gross margin a customer has brought per month of its
-- tenure, times the expected lifetime in months (var('clv_lifetime_months', 24)).
with as_of as (
    select {{ as_of_date() }} as as_of_date
),

orders as (
    select customer_id, min(order_date) as first_order_date, max(order_date) as last_order_date,
           count(*) as order_count
    from {{ ref('int_customer_orders') }}
    group by customer_id
),

history as (
    select customer_id, sum(net_revenue) as net_revenue, sum(net_gross_margin) as net_gross_margin
    from {{ ref('mart_customer_purchase_history') }}
    group by customer_id
),

tenure as (
    select o.*, datediff('month', o.first_order_date, a.as_of_date) + 1 as tenure_months
    from orders as o
    cross join as_of as a
)

select
    t.customer_id,
    t.first_order_date,
    t.last_order_date,
    t.order_count,
    t.tenure_months,
    {{ money('coalesce(h.net_revenue, 0)') }} as total_net_revenue,
    {{ money('coalesce(h.net_gross_margin, 0)') }} as total_gross_margin,
    {{ money('coalesce(h.net_gross_margin, 0) / t.tenure_months') }} as avg_monthly_margin,
    cast({{ var('clv_lifetime_months', 24) }} as integer) as lifetime_months,
    {{ money('coalesce(h.net_gross_margin, 0) / t.tenure_months * ' ~ var('clv_lifetime_months', 24)) }} as clv
from tenure as t
left join history as h on h.customer_id = t.customer_id
