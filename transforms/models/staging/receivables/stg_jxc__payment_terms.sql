select
    id as payment_term_id,
    code as term_code,
    name as term_name,
    updated_at
from {{ source('jxc_receivables', 'payment_term') }}
