-- No order line has accepted more than its quantity plus the supplier's over-receipt tolerance
-- (the services refuse it; a row here means the store was written around them). Blocks publishing.
-- Reported in Dagster as a check of stg_jxc__goods_receipt_lines (it reads several models).
-- A cancelled receipt (作废) accepted nothing: the order line may be received again.
{{ config(meta={'dagster': {'ref': {'name': 'stg_jxc__goods_receipt_lines'}}}) }}
with accepted as (
    select rl.purchase_order_line_id, sum(rl.quantity) as accepted_qty
    from {{ ref('stg_jxc__goods_receipt_lines') }} as rl
    join {{ ref('stg_jxc__goods_receipts') }} as r on r.goods_receipt_id = rl.goods_receipt_id
    where r.status <> 'cancelled'
    group by rl.purchase_order_line_id
)

select l.purchase_order_line_id, l.quantity, s.over_receipt_tolerance, a.accepted_qty
from accepted as a
join {{ ref('stg_jxc__purchase_order_lines') }} as l on l.purchase_order_line_id = a.purchase_order_line_id
join {{ ref('stg_jxc__purchase_orders') }} as o on o.purchase_order_id = l.purchase_order_id
join {{ ref('stg_jxc__suppliers') }} as s on s.supplier_id = o.supplier_id
where a.accepted_qty > round(l.quantity * (1 + s.over_receipt_tolerance), 4)
