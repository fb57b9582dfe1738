select
    id as write_off_id,
    doc_no as write_off_no,
    customer_id,
    invoice_id,
    request_date,
    amount,
    reason,
    status as write_off_status,
    requested_by as requested_by_user_id,
    decided_by as decided_by_user_id,
    decided_on,
    updated_at
from {{ source('jxc_receivables', 'bad_debt_write_off') }}
