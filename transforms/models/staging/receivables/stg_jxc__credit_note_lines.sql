select
    id as credit_note_line_id,
    credit_note_id,
    line_no,
    return_line_id as sales_return_line_id,
    shipment_line_id,
    product_id,
    quantity,
    unit_price,
    amount,
    tax_rate_code,
    tax_rate,
    tax_amount,
    gross_amount,
    price_includes_tax,
    updated_at
from {{ source('jxc_receivables', 'credit_note_line') }}
