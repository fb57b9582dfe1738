-- Slow-moving and dead stock (呆滞库存) per product × warehouse with stock on hand:
--   last sale       = the latest day the item shipped from the warehouse;
--   days of cover   = on hand ÷ (shipments net of returns over the last 90 days ÷ 90);
--   status          = 'dead' when it has not shipped for 180 days (or never), 'slow' when its days of
--                     cover exceed 180, else 'active'.
-- Days count to the calendar's last day.
with last_day as (
    select max(date_day) as last_day from {{ ref('dim_date') }}
),

sales as (
    select
        product_id,
        warehouse_id,
        max(movement_date) filter (where movement_type = 'shipment' and quantity < 0) as last_sale_date,
        -sum(quantity) filter (where movement_date > (select last_day from last_day) - 90) as sold_90d
    from {{ ref('fct_stock_movements') }}
    where movement_type in ('shipment', 'sales_return')
    group by 1, 2
),

scored as (
    select
        c.product_id,
        c.warehouse_id,
        c.on_hand_quantity,
        c.stock_value,
        s.last_sale_date,
        (select last_day from last_day) - s.last_sale_date as days_since_last_sale,
        coalesce(s.sold_90d, 0) as sold_90d,
        cast(c.on_hand_quantity / nullif(coalesce(s.sold_90d, 0) / 90.0, 0) as double) as days_of_cover
    from {{ ref('mart_stock_current') }} as c
    left join sales as s on s.product_id = c.product_id and s.warehouse_id = c.warehouse_id
    where c.on_hand_quantity > 0
)

select
    product_id,
    warehouse_id,
    (select last_day from last_day) as as_of_date,
    on_hand_quantity,
    stock_value,
    last_sale_date,
    days_since_last_sale,
    {{ qty('sold_90d') }} as sold_90d,
    days_of_cover,
    case
        when last_sale_date is null or days_since_last_sale >= 180 then 'dead'
        when days_of_cover is null or days_of_cover > 180 then 'slow'
        else 'active'
    end as movement_status
from scored
