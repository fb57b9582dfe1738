-- mart_stock_current must equal the store's stock_balance for every product × warehouse with a ledger row.
{{ config(meta={'dagster': {'ref': {'name': 'mart_stock_current'}}}) }}
select s.product_id, s.warehouse_id, s.on_hand_quantity, b.on_hand_quantity as store_quantity
from {{ ref('mart_stock_current') }} as s
left join {{ ref('stg_jxc__stock_balances') }} as b
    on b.product_id = s.product_id and b.warehouse_id = s.warehouse_id
where s.on_hand_quantity is distinct from b.on_hand_quantity
