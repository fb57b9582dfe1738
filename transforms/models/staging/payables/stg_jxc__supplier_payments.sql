select
    id as payment_id,
    doc_no as payment_no,
    supplier_id,
    payment_date,
    amount,
    cash_account_id,
    status as payment_status,
    unallocated_amount,
    created_by as created_by_user_id,
    approved_by as approved_by_user_id,
    cash_ledger_id,
    reversed_on,
    reversal_reason
from {{ source('jxc_payables', 'supplier_payment') }}
