select
    id as sales_return_line_id,
    return_id as sales_return_id,
    line_no,
    shipment_line_id,
    product_id,
    quantity,
    updated_at
from {{ source('raw', 'sales_return_line') }}
