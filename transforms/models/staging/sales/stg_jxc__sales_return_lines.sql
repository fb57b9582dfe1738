select
    id as sales_return_line_id,
    return_id as sales_return_id,
    line_no,
    shipment_line_id,
    product_id,
    quantity,
    unit as entered_unit,
    qty_in_unit,
    unit_factor,
    updated_at
from {{ source('raw', 'sales_return_line') }}
