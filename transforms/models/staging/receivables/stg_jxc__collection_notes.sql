select
    id as collection_note_id,
    customer_id,
    note_date,
    channel,
    contact,
    note,
    promised_date,
    promised_amount,
    created_by as created_by_user_id,
    updated_at
from {{ source('jxc_receivables', 'collection_note') }}
