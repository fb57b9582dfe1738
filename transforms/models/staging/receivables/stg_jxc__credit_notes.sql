select
    id as credit_note_id,
    doc_no as credit_note_no,
    customer_id,
    sales_return_id,
    invoice_id,
    note_date,
    amount,
    tax_amount,
    unallocated_amount,
    reason,
    created_by as created_by_user_id,
    updated_at
from {{ source('jxc_receivables', 'credit_note') }}
