-- In a warehouse that uses storage bins, the store's bin balances of each product add up to its
-- quantity on hand (mart_stock_current, built from the ledger), and for a batch-tracked product
-- those of each batch add up to the store's batch balance. Blocks publishing.
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
),

bin_batches as (
    select product_id, warehouse_id, batch_id, sum(on_hand_quantity) as quantity
    from {{ ref('stg_jxc__stock_bin_balances') }}
    where batch_id is not null
    group by 1, 2, 3
),

batches as (
    select b.product_id, b.warehouse_id, b.batch_id, b.on_hand_quantity as quantity
    from {{ ref('stg_jxc__stock_batch_balances') }} as b
    semi join bin_warehouses as w on w.warehouse_id = b.warehouse_id
),

product_gaps as (
    select
        coalesce(s.product_id, b.product_id) as product_id,
        coalesce(s.warehouse_id, b.warehouse_id) as warehouse_id,
        cast(null as integer) as batch_id,
        s.quantity as stock_quantity,
        b.quantity as bin_quantity
    from stock as s
    full outer join (
        select * from bins semi join bin_warehouses as w on w.warehouse_id = bins.warehouse_id
    ) as b on b.product_id = s.product_id and b.warehouse_id = s.warehouse_id
    where coalesce(s.quantity, 0) <> coalesce(b.quantity, 0)
),

batch_gaps as (
    select
        coalesce(t.product_id, b.product_id) as product_id,
        coalesce(t.warehouse_id, b.warehouse_id) as warehouse_id,
        coalesce(t.batch_id, b.batch_id) as batch_id,
        t.quantity as stock_quantity,
        b.quantity as bin_quantity
    from batches as t
    full outer join (
        select * from bin_batches semi join bin_warehouses as w on w.warehouse_id = bin_batches.warehouse_id
    ) as b on b.product_id = t.product_id and b.warehouse_id = t.warehouse_id and b.batch_id = t.batch_id
    where coalesce(t.quantity, 0) <> coalesce(b.quantity, 0)
)

select * from product_gaps
union all
select * from batch_gaps
