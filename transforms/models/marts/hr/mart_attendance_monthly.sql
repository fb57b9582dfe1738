-- Attendance, lateness, leave and overtime per department and month. Scheduled days are the
-- employees' working days (int_hr_scheduled_days); present days have a clock-in; leave days are
-- approved leave on scheduled days; a day is absent for the part neither present nor on leave
-- (a half day of leave on a day with a clock-in is not an absence). Overtime is approved
-- overtime by the day it was worked.
with leave_per_day as (
    select
        employee_id,
        leave_day,
        sum(days) as leave_days,
        sum(days) filter (where leave_type_code = 'annual') as annual_leave_days,
        sum(days) filter (where leave_type_code = 'sick') as sick_leave_days,
        sum(days) filter (where leave_type_code = 'personal') as personal_leave_days,
        sum(days) filter (where leave_type_code not in ('annual', 'sick', 'personal')) as other_leave_days
    from {{ ref('int_hr_leave_days') }}
    group by 1, 2
),

days as (
    select
        s.year_month,
        s.department,
        s.employee_id,
        coalesce(a.is_present, false) as is_present,
        coalesce(a.is_present and a.is_late, false) as is_late,
        case when a.is_present then a.late_minutes else 0 end as late_minutes,
        coalesce(l.leave_days, 0) as leave_days,
        coalesce(l.annual_leave_days, 0) as annual_leave_days,
        coalesce(l.sick_leave_days, 0) as sick_leave_days,
        coalesce(l.personal_leave_days, 0) as personal_leave_days,
        coalesce(l.other_leave_days, 0) as other_leave_days
    from {{ ref('int_hr_scheduled_days') }} as s
    left join {{ ref('stg_jxc__attendance') }} as a on a.employee_id = s.employee_id and a.work_date = s.work_date
    left join leave_per_day as l on l.employee_id = s.employee_id and l.leave_day = s.work_date
),

monthly as (
    select
        year_month,
        department,
        count(distinct employee_id) as headcount,
        count(*) as scheduled_days,
        count(*) filter (where is_present) as present_days,
        sum(leave_days) as leave_days,
        sum(greatest(1 - cast(is_present as integer) - leave_days, 0)) as absent_days,
        count(*) filter (where is_late) as late_count,
        sum(late_minutes) as late_minutes,
        sum(annual_leave_days) as annual_leave_days,
        sum(sick_leave_days) as sick_leave_days,
        sum(personal_leave_days) as personal_leave_days,
        sum(other_leave_days) as other_leave_days
    from days
    group by 1, 2
),

overtime as (
    select strftime(o.work_date, '%Y-%m') as year_month, e.department, sum(o.hours) as overtime_hours
    from {{ ref('stg_jxc__overtime_records') }} as o
    join {{ ref('stg_jxc__hr_employees') }} as e on e.employee_id = o.employee_id
    where o.status = 'approved'
    group by 1, 2
)

select
    m.year_month,
    cast(m.year_month || '-01' as date) as month_start,
    m.department,
    m.headcount,
    m.scheduled_days,
    m.present_days,
    {{ qty('m.leave_days') }} as leave_days,
    {{ qty('m.absent_days') }} as absent_days,
    cast(round(m.present_days / m.scheduled_days, 4) as decimal(18, 4)) as attendance_rate,
    m.late_count,
    cast(round(m.late_count / nullif(m.present_days, 0), 4) as decimal(18, 4)) as lateness_rate,
    cast(m.late_minutes as bigint) as late_minutes,
    {{ qty('m.annual_leave_days') }} as annual_leave_days,
    {{ qty('m.sick_leave_days') }} as sick_leave_days,
    {{ qty('m.personal_leave_days') }} as personal_leave_days,
    {{ qty('m.other_leave_days') }} as other_leave_days,
    {{ qty('coalesce(o.overtime_hours, 0)') }} as overtime_hours
from monthly as m
left join overtime as o on o.year_month = m.year_month and o.department is not distinct from m.department
