select
    id as invoice_line_id,
    invoice_id,
    line_no,
    shipment_line_id,
    product_id,
    quantity,
    unit_price,
    discount_rate,
    amount,
    updated_at
from {{ source('jxc_receivables', 'sales_invoice_line') }}
