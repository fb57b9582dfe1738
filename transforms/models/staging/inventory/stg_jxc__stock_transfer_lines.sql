select
    id as stock_transfer_line_id,
    transfer_id as stock_transfer_id,
    line_no,
    product_id,
    quantity,
    unit as entered_unit,
    qty_in_unit,
    unit_factor,
    received_qty,
    updated_at
from {{ source('raw', 'stock_transfer_line') }}
