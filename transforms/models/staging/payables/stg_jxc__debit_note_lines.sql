select
    id as debit_note_line_id,
    debit_note_id,
    line_no,
    return_line_id as purchase_return_line_id,
    receipt_line_id as goods_receipt_line_id,
    product_id,
    quantity,
    unit_price,
    amount,
    tax_rate_code,
    tax_rate,
    tax_amount,
    gross_amount,
    updated_at
from {{ source('jxc_payables', 'debit_note_line') }}
