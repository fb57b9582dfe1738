select
    id as goods_receipt_line_id,
    receipt_id as goods_receipt_id,
    line_no,
    po_line_id as purchase_order_line_id,
    product_id,
    quantity,
    unit as entered_unit,
    qty_in_unit,
    unit_factor,
    unit_cost,
    amount,
    rejected_qty,
    reject_reason,
    landed_cost,
    returned_qty,
    batch_id,
    updated_at
from {{ source('raw', 'goods_receipt_line') }}
