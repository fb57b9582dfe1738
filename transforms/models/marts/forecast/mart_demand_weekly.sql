-- Demand history for the sales forecasts: per product × warehouse × ISO week (Monday), the quantity
-- shipped net of what customers returned of it. A return counts against the week and warehouse of
-- the shipment it returns: the history says what customers kept, and a late return does not show
-- up as a negative week months after the sale. Cancelled shipments and returns are left out (the
-- facts already drop them). Weeks without demand have no row; the forecaster fills them with 0.
with shipped as (
    select
        product_id,
        warehouse_id,
        cast(date_trunc('week', ship_date) as date) as week_start,
        sum(quantity) as shipped_qty
    from {{ ref('fct_shipment_lines') }}
    group by all
),

returned as (
    select
        s.product_id,
        s.warehouse_id,
        cast(date_trunc('week', s.ship_date) as date) as week_start,
        sum(r.quantity) as returned_qty
    from {{ ref('fct_sales_return_lines') }} as r
    join {{ ref('stg_jxc__sales_return_lines') }} as rl on rl.sales_return_line_id = r.sales_return_line_id
    join {{ ref('fct_shipment_lines') }} as s on s.shipment_line_id = rl.shipment_line_id
    group by all
),

bounds as (
    -- The last complete ISO week: the week of the last posted date if that date is a Sunday, else the week before.
    select cast(date_trunc('week', {{ as_of_date() }} + interval 1 day) - interval 7 day as date) as as_of_week
)

select
    s.product_id,
    s.warehouse_id,
    p.category_id,
    s.week_start,
    s.shipped_qty,
    coalesce(r.returned_qty, 0) as returned_qty,
    s.shipped_qty - coalesce(r.returned_qty, 0) as demand_qty,
    b.as_of_week,
    s.week_start <= b.as_of_week as is_complete_week
from shipped as s
left join returned as r
    on r.product_id = s.product_id and r.warehouse_id = s.warehouse_id and r.week_start = s.week_start
join {{ ref('dim_product') }} as p on p.product_id = s.product_id
cross join bounds as b
