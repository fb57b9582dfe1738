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
    tax_rate_code,
    tax_rate,
    tax_amount,
    gross_amount,
    price_includes_tax,
    updated_at
from {{ source('jxc_receivables', 'sales_invoice_line') }}
