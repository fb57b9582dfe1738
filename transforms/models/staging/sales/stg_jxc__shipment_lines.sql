select
    id as shipment_line_id,
    shipment_id,
    line_no,
    so_line_id as sales_order_line_id,
    product_id,
    quantity,
    returned_qty,
    updated_at
from {{ source('raw', 'shipment_line') }}
