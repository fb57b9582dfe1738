-- Attendance rows with the employee's name and department: the documents behind
-- mart_attendance_monthly (drill-down).
select
    a.attendance_id,
    a.employee_id,
    e.employee_code,
    e.employee_name,
    e.department,
    a.work_date,
    strftime(a.work_date, '%Y-%m') as year_month,
    isodow(a.work_date) <= 5 as is_working_day,
    a.clock_in,
    a.clock_out,
    a.is_present,
    a.is_late,
    a.late_minutes,
    a.early_leave_minutes,
    cast(round(epoch(a.clock_out - a.clock_in) / 3600, 2) as decimal(18, 2)) as hours_on_site,
    a.source
from {{ ref('stg_jxc__attendance') }} as a
join {{ ref('stg_jxc__hr_employees') }} as e on e.employee_id = a.employee_id
