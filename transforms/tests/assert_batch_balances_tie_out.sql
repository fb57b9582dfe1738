-- For batch-tracked products, the batch rows of the ledger add up to the product's ledger quantity
-- per warehouse, and the store's batch balances equal the ledger's batch sums. Blocks publishing.
-- Reported in Dagster as a check of stg_jxc__stock_batch_balances (it reads several models).
{{ config(meta={'dagster': {'ref': {'name': 'stg_jxc__stock_batch_balances'}}}) }}
with ledger_batches as (
    select product_id, warehouse_id, batch_id, sum(quantity) as quantity
    from {{ ref('stg_jxc__stock_ledger') }}
    where batch_id is not null
    group by 1, 2, 3
),

batch_products as (
    select product_id from {{ ref('stg_jxc__products') }} where tracks_batches
),

unbatched as (
    select l.stock_ledger_id, 'batch product row without batch' as problem
    from {{ ref('stg_jxc__stock_ledger') }} as l
    semi join batch_products as b on b.product_id = l.product_id
    where l.batch_id is null and l.quantity <> 0
),

store_vs_ledger as (
    select coalesce(b.batch_id, l.batch_id) as stock_ledger_id, 'batch balance differs from ledger' as problem
    from {{ ref('stg_jxc__stock_batch_balances') }} as b
    full outer join ledger_batches as l on l.batch_id = b.batch_id and l.warehouse_id = b.warehouse_id
    where coalesce(b.on_hand_quantity, 0) <> coalesce(l.quantity, 0)
)

select * from unbatched
union all
select * from store_vs_ledger
