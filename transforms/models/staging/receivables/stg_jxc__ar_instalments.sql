select
    id as instalment_id,
    invoice_id,
    seq,
    due_date,
    amount,
    settled_amount as store_settled_amount,
    updated_at
from {{ source('jxc_receivables', 'ar_instalment') }}
