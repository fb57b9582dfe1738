-- Company-wide stock value per product and day: the warehouses of mart_inventory_daily added up,
-- with the day's flows at cost (what came in with its own cost, cost of goods sold net of
-- customer returns, and other adjustments: supplier returns, stocktakes, transit losses).
with closing as (
    select date_day, product_id, sum(closing_quantity) as closing_quantity, sum(closing_value) as closing_value
    from {{ ref('mart_inventory_daily') }}
    group by date_day, product_id
),

flows as (
    select
        movement_date as date_day,
        product_id,
        sum(movement_value) filter (where movement_type in ('receipt', 'opening')) as received_value,
        -sum(movement_value) filter (where movement_type in ('shipment', 'sales_return')) as cogs,
        sum(movement_value) filter (
            where movement_type in ('purchase_return', 'stocktake_gain', 'stocktake_loss', 'transit_loss')
        ) as adjustment_value
    from {{ ref('int_movement_valuation') }}
    group by movement_date, product_id
)

select
    c.date_day,
    c.product_id,
    p.category_id,
    p.valuation_method,
    {{ qty('c.closing_quantity') }} as closing_quantity,
    {{ money('c.closing_value') }} as closing_value,
    case when c.closing_quantity <> 0 then {{ unit_cost('c.closing_value / c.closing_quantity') }} end as unit_cost,
    {{ money('coalesce(f.received_value, 0)') }} as received_value,
    {{ money('coalesce(f.cogs, 0)') }} as cogs,
    {{ money('coalesce(f.adjustment_value, 0)') }} as adjustment_value
from closing as c
join {{ ref('dim_product') }} as p on p.product_id = c.product_id
left join flows as f on f.date_day = c.date_day and f.product_id = c.product_id
