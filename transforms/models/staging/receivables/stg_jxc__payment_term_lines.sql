select
    id as payment_term_line_id,
    term_id as payment_term_id,
    seq,
    percent,
    days,
    updated_at
from {{ source('jxc_receivables', 'payment_term_line') }}
