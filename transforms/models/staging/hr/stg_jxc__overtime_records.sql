select
    id as overtime_id,
    employee_id,
    work_date,
    hours,
    reason,
    status,
    requested_by as requested_by_user_id,
    approver_id as approver_user_id,
    decided_at,
    updated_at
from {{ source('jxc_hr', 'overtime_record') }}
