-- Every return references its source: each purchase / sales return ledger row points at the
-- receipt / shipment ledger row of the same product it returns, and no source line has been
-- returned beyond what it moved. Blocks publishing.
-- Reported in Dagster as a check of stg_jxc__stock_ledger (it reads several models).
{{ config(meta={'dagster': {'ref': {'name': 'stg_jxc__stock_ledger'}}}) }}
with returns as (
    select r.stock_ledger_id, r.movement_type, r.product_id, r.source_ledger_id, s.movement_type as source_type,
           s.product_id as source_product_id
    from {{ ref('stg_jxc__stock_ledger') }} as r
    left join {{ ref('stg_jxc__stock_ledger') }} as s on s.stock_ledger_id = r.source_ledger_id
    where r.movement_type in ('purchase_return', 'sales_return')
),

bad_links as (
    select stock_ledger_id, 'bad source' as problem
    from returns
    where source_ledger_id is null
       or source_product_id is distinct from product_id
       or (movement_type = 'purchase_return' and source_type <> 'receipt')
       or (movement_type = 'sales_return' and source_type <> 'shipment')
),

returned as (
    select rl.source_ledger_id, sum(abs(rl.quantity)) as returned_qty
    from {{ ref('stg_jxc__stock_ledger') }} as rl
    where rl.movement_type in ('purchase_return', 'sales_return')
    group by rl.source_ledger_id
),

over_returned as (
    select s.stock_ledger_id, 'returned more than moved' as problem
    from {{ ref('stg_jxc__stock_ledger') }} as s
    join returned as r on r.source_ledger_id = s.stock_ledger_id
    where r.returned_qty > abs(s.quantity)
)

select * from bad_links
union all
select * from over_returned
