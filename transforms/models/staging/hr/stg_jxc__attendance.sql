select
    id as attendance_id,
    employee_id,
    work_date,
    clock_in,
    clock_out,
    late_minutes,
    early_leave_minutes,
    clock_in is not null as is_present,
    late_minutes > 0 as is_late,
    source,
    note,
    updated_at
from {{ source('jxc_hr', 'attendance') }}
