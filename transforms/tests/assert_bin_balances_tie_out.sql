-- In a warehouse that uses storage bins, the store's bin balances of each product add up to its
-- quantity on hand (mart_stock_current, built from the ledger). Blocks publishing.
-- Reported in Dagster as a check of stg_jxc__stock_bin_balances (it reads several models).
{{ config(meta={'dagster': {'ref': {'name': 'stg_jxc__stock_bin_balances'}}}) }}
with bin_warehouses as (
    select warehouse_id from {{ ref('stg_jxc__warehouses') }} where uses_bins
),

bins as (
    select product_id, warehouse_id, sum(on_hand_quantity) as quantity
    from {{ ref('stg_jxc__stock_bin_balances') }}
    group by 1, 2
),

stock as (
    select c.product_id, c.warehouse_id, c.on_hand_quantity as quantity
    from {{ ref('mart_stock_current') }} as c
    semi join bin_warehouses as w on w.warehouse_id = c.warehouse_id
)

select
    coalesce(s.product_id, b.product_id) as product_id,
    coalesce(s.warehouse_id, b.warehouse_id) as warehouse_id,
    s.quantity as stock_quantity,
    b.quantity as bin_quantity
from stock as s
full outer join (
    select * from bins semi join bin_warehouses as w on w.warehouse_id = bins.warehouse_id
) as b on b.product_id = s.product_id and b.warehouse_id = s.warehouse_id
where coalesce(s.quantity, 0) <> coalesce(b.quantity, 0)
