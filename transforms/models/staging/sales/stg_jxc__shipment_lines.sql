select
    id as shipment_line_id,
    shipment_id,
    line_no,
    so_line_id as sales_order_line_id,
    product_id,
    quantity,
    unit as entered_unit,
    qty_in_unit,
    unit_factor,
    returned_qty,
    updated_at
from {{ source('raw', 'shipment_line') }}
