select
    id as invoice_id,
    doc_no as invoice_no,
    customer_id,
    invoice_date,
    status as invoice_status,
    total_amount,
    net_amount,
    tax_amount,
    payment_term_id,
    note,
    created_by as created_by_user_id,
    cancelled_by as cancelled_by_user_id,
    cancelled_on,
    updated_at
from {{ source('jxc_receivables', 'sales_invoice') }}
