select
    id as allocation_id,
    instalment_id,
    source_type,
    source_id,
    amount,
    allocated_on,
    created_by as created_by_user_id,
    created_at
from {{ source('jxc_receivables', 'ar_allocation') }}
