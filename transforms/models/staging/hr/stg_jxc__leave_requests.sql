select
    id as leave_request_id,
    doc_no,
    employee_id,
    leave_type_id,
    start_date,
    end_date,
    days,
    reason,
    status,
    requested_by as requested_by_user_id,
    approver_id as approver_user_id,
    decided_at,
    note,
    updated_at
from {{ source('jxc_hr', 'leave_request') }}
