-- Stock-out days (缺货天数) and an estimate of the sales they lost, per product × warehouse over the
-- 90 days ending with the calendar's last day (only items with demand in that window):
--   stock-out day   = a day whose closing quantity is zero or below (mart_inventory_daily);
--   daily demand    = shipments net of customer returns on in-stock days ÷ in-stock days;
--   lost sales      = stock-out days × daily demand (NULL when the item was never in stock in the
--                     window: no rate to estimate from), valued at the product's list price.
with last_day as (
    select max(date_day) as last_day from {{ ref('dim_date') }}
),

days as (
    select d.product_id, d.warehouse_id, d.date_day, d.closing_quantity <= 0 as is_out
    from {{ ref('mart_inventory_daily') }} as d
    where d.date_day > (select last_day from last_day) - 90
),

demand as (
    select product_id, warehouse_id, movement_date as date_day, -sum(quantity) as qty
    from {{ ref('fct_stock_movements') }}
    where movement_type in ('shipment', 'sales_return')
      and movement_date > (select last_day from last_day) - 90
    group by 1, 2, 3
),

per_item as (
    select
        d.product_id,
        d.warehouse_id,
        count(*) as days_tracked,
        count(*) filter (where d.is_out) as stockout_days,
        count(*) filter (where not d.is_out) as in_stock_days,
        coalesce(sum(m.qty), 0) as demand_qty,
        coalesce(sum(m.qty) filter (where not d.is_out), 0) as in_stock_demand_qty
    from days as d
    left join demand as m
        on m.product_id = d.product_id and m.warehouse_id = d.warehouse_id and m.date_day = d.date_day
    group by d.product_id, d.warehouse_id
)

select
    i.product_id,
    i.warehouse_id,
    (select last_day from last_day) as as_of_date,
    i.days_tracked,
    i.stockout_days,
    {{ qty('i.demand_qty') }} as demand_qty,
    cast(i.in_stock_demand_qty / nullif(i.in_stock_days, 0) as double) as daily_demand,
    cast(i.stockout_days * i.in_stock_demand_qty / nullif(i.in_stock_days, 0) as double) as lost_sales_qty,
    cast(i.stockout_days * i.in_stock_demand_qty / nullif(i.in_stock_days, 0) * p.list_price as double)
        as lost_sales_value
from per_item as i
join {{ ref('dim_product') }} as p on p.product_id = i.product_id
where i.demand_qty <> 0
