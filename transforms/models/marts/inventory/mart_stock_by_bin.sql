-- Stock per product × warehouse × storage bin × batch now (batch NULL for products without batches), for warehouses that use bins. The quantity is
-- the store's bin balance: when a warehouse turns bins on, its stock is put into the default bin
-- without ledger rows, so the ledger's bin rows alone do not add up to the bins.
with bin_warehouses as (
    select warehouse_id, default_bin_id
    from {{ ref('stg_jxc__warehouses') }}
    where uses_bins
)

select
    b.product_id,
    b.warehouse_id,
    b.bin_id,
    b.batch_id,
    t.batch_no,
    t.expiry_date,
    s.bin_code,
    s.bin_name,
    s.is_active as bin_is_active,
    s.bin_id = w.default_bin_id as is_default_bin,
    {{ qty('b.on_hand_quantity') }} as on_hand_quantity,
    {{ money('b.on_hand_quantity * c.unit_cost') }} as stock_value
from {{ ref('stg_jxc__stock_bin_balances') }} as b
join bin_warehouses as w on w.warehouse_id = b.warehouse_id
join {{ ref('stg_jxc__storage_bins') }} as s on s.bin_id = b.bin_id
left join {{ ref('stg_jxc__stock_batches') }} as t on t.batch_id = b.batch_id
left join {{ ref('mart_stock_current') }} as c on c.product_id = b.product_id and c.warehouse_id = b.warehouse_id
where b.on_hand_quantity <> 0
