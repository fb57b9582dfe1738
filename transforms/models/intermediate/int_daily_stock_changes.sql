-- Net signed quantity per product × warehouse × day: the increments mart_inventory_daily sums up.
-- Incremental: the days touched by ledger rows above the highest id already counted (less an
-- overlap, as in fct_stock_movements) are recomputed in full from the ledger and replaced.
{{
    config(
        materialized='incremental',
        unique_key=['product_id', 'warehouse_id', 'movement_date'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns'
    )
}}

with ledger as (
    select * from {{ ref('stg_jxc__stock_ledger') }}
)

{% if is_incremental() %}
, touched as (
    select distinct product_id, warehouse_id, movement_date
    from ledger
    where stock_ledger_id > (select coalesce(max(last_stock_ledger_id), 0) from {{ this }})
        - {{ var('ledger_id_overlap', 1000) }}
)
{% endif %}

select
    l.product_id,
    l.warehouse_id,
    l.movement_date,
    {{ qty('sum(l.quantity)') }} as net_quantity,
    count(*) as movement_count,
    max(l.stock_ledger_id) as last_stock_ledger_id
from ledger as l
{% if is_incremental() %}
semi join touched as t
    on t.product_id = l.product_id and t.warehouse_id = l.warehouse_id and t.movement_date = l.movement_date
{% endif %}
group by l.product_id, l.warehouse_id, l.movement_date
