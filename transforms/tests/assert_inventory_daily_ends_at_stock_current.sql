-- The last day of mart_inventory_daily carries the same quantity and value as mart_stock_current
-- (which the publish-blocking check reconciles with the store's own valuation).
{{ config(enabled=var('as_of_date', none) is none, meta={'dagster': {'ref': {'name': 'mart_inventory_daily'}}}) }}  -- a past as_of_date ends the spine before today
with last_day as (
    select product_id, warehouse_id, closing_quantity, closing_value
    from {{ ref('mart_inventory_daily') }}
    where date_day = (select max(date_day) from {{ ref('dim_date') }})
)

select
    coalesce(l.product_id, s.product_id) as product_id,
    coalesce(l.warehouse_id, s.warehouse_id) as warehouse_id,
    l.closing_value,
    s.stock_value
from last_day as l
full outer join {{ ref('mart_stock_current') }} as s
    on s.product_id = l.product_id and s.warehouse_id = l.warehouse_id
where l.closing_quantity is distinct from s.on_hand_quantity
   or l.closing_value is distinct from s.stock_value
