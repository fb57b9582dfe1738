select
    id as receipt_id,
    doc_no as receipt_no,
    customer_id,
    receipt_date,
    amount,
    cash_account_id,
    method,
    reference,
    unallocated_amount,
    note,
    status as receipt_status,
    reversed_on,
    reversal_reason,
    created_by as created_by_user_id,
    updated_at
from {{ source('jxc_receivables', 'customer_receipt') }}
