select
    id as bill_id,
    doc_no as bill_no,
    supplier_id,
    supplier_invoice_no,
    bill_date,
    status as bill_status,
    match_status,
    total_amount,
    net_amount,
    tax_amount,
    hold_reason,
    approved_on,
    approved_by as approved_by_user_id,
    rejected_by as rejected_by_user_id,
    created_by as created_by_user_id,
    updated_at
from {{ source('jxc_payables', 'supplier_bill') }}
