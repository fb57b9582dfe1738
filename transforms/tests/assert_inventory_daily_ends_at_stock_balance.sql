-- The last day of mart_inventory_daily must equal the store's stock_balance, product × warehouse,
-- exactly, in both directions (a balance without inventory rows fails too).
{{ config(enabled=var('as_of_date', none) is none, meta={'dagster': {'ref': {'name': 'mart_inventory_daily'}}}) }}  -- a past as_of_date ends the spine before today
with last_day as (
    select product_id, warehouse_id, closing_quantity
    from {{ ref('mart_inventory_daily') }}
    where date_day = (select max(date_day) from {{ ref('dim_date') }})
)

select
    coalesce(l.product_id, b.product_id) as product_id,
    coalesce(l.warehouse_id, b.warehouse_id) as warehouse_id,
    l.closing_quantity,
    b.on_hand_quantity
from last_day as l
full outer join {{ ref('stg_jxc__stock_balances') }} as b
    on b.product_id = l.product_id and b.warehouse_id = l.warehouse_id
where l.closing_quantity is distinct from b.on_hand_quantity
