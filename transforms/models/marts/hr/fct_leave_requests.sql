-- Leave requests with the employee and leave type: the documents behind the leave days of
-- mart_attendance_monthly and the balances of mart_leave_balances.
select
    r.leave_request_id,
    r.doc_no,
    r.employee_id,
    e.employee_code,
    e.employee_name,
    e.department,
    t.leave_type_code,
    t.leave_type_name,
    r.start_date,
    r.end_date,
    strftime(r.start_date, '%Y-%m') as year_month,
    r.days,
    r.status,
    r.reason,
    r.decided_at,
    r.note
from {{ ref('stg_jxc__leave_requests') }} as r
join {{ ref('stg_jxc__hr_employees') }} as e on e.employee_id = r.employee_id
join {{ ref('stg_jxc__leave_types') }} as t on t.leave_type_id = r.leave_type_id
