select
    id as purchase_return_line_id,
    return_id as purchase_return_id,
    line_no,
    receipt_line_id as goods_receipt_line_id,
    product_id,
    quantity,
    unit as entered_unit,
    qty_in_unit,
    unit_factor,
    updated_at
from {{ source('raw', 'purchase_return_line') }}
