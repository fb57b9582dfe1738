select
    id as instalment_id,
    bill_id,
    seq,
    due_date,
    amount,
    settled_amount
from {{ source('jxc_payables', 'ap_instalment') }}
