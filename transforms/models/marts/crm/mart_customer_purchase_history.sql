-- Per customer and month: orders placed (by order date), what was shipped (by ship date) and what
-- came back (by return date), from the line facts of the sales marts.
with orders as (
    select customer_id, strftime(order_date, '%Y-%m') as year_month,
           count(*) as orders, sum(order_amount) as ordered_amount
    from {{ ref('int_customer_orders') }}
    group by 1, 2
),

shipped as (
    select customer_id, strftime(ship_date, '%Y-%m') as year_month,
           sum(revenue) as revenue, sum(cogs) as cogs, sum(gross_margin) as gross_margin
    from {{ ref('fct_shipment_lines') }}
    where customer_id is not null
    group by 1, 2
),

returned as (
    select customer_id, strftime(return_date, '%Y-%m') as year_month,
           sum(revenue_reversed) as returned_revenue, sum(cost_returned) as returned_cost
    from {{ ref('fct_sales_return_lines') }}
    where customer_id is not null
    group by 1, 2
),

keys as (
    select customer_id, year_month from orders
    union
    select customer_id, year_month from shipped
    union
    select customer_id, year_month from returned
)

select
    k.customer_id,
    k.year_month,
    cast(k.year_month || '-01' as date) as month_start,
    coalesce(o.orders, 0) as orders,
    {{ money('coalesce(o.ordered_amount, 0)') }} as ordered_amount,
    {{ money('coalesce(s.revenue, 0)') }} as revenue,
    {{ money('coalesce(s.cogs, 0)') }} as cogs,
    {{ money('coalesce(s.gross_margin, 0)') }} as gross_margin,
    {{ money('coalesce(r.returned_revenue, 0)') }} as returned_revenue,
    {{ money('coalesce(r.returned_cost, 0)') }} as returned_cost,
    {{ money('coalesce(s.revenue, 0) - coalesce(r.returned_revenue, 0)') }} as net_revenue,
    {{ money('coalesce(s.gross_margin, 0) - coalesce(r.returned_revenue, 0) + coalesce(r.returned_cost, 0)') }}
        as net_gross_margin
from keys as k
left join orders as o on o.customer_id = k.customer_id and o.year_month = k.year_month
left join shipped as s on s.customer_id = k.customer_id and s.year_month = k.year_month
left join returned as r on r.customer_id = k.customer_id and r.year_month = k.year_month
