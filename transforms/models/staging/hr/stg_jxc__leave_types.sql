select
    id as leave_type_id,
    code as leave_type_code,
    name as leave_type_name,
    entitlement_days,
    is_paid,
    is_active
from {{ source('jxc_hr', 'leave_type') }}
