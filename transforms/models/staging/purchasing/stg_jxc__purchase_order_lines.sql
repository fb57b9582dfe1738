select
    id as purchase_order_line_id,
    order_id as purchase_order_id,
    line_no,
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
    received_qty,
    coalesce(cancelled_qty, 0) as cancelled_qty,
    promised_date,
    updated_at
from {{ source('raw', 'purchase_order_line') }}
