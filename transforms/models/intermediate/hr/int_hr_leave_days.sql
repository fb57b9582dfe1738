-- Approved leave spread over its working days: a request's days divided evenly over the working
-- days from its start to its end (a half-day request gives 0.5 to its one day).
with expanded as (
    select
        r.leave_request_id,
        r.doc_no,
        r.employee_id,
        t.leave_type_code,
        r.days,
        cast(unnest(generate_series(r.start_date, r.end_date, interval 1 day)) as date) as leave_day
    from {{ ref('stg_jxc__leave_requests') }} as r
    join {{ ref('stg_jxc__leave_types') }} as t on t.leave_type_id = r.leave_type_id
    where r.status = 'approved'
),

working as (
    select * from expanded where isodow(leave_day) <= 5
)

select
    leave_request_id,
    doc_no,
    employee_id,
    leave_type_code,
    leave_day,
    {{ qty('days / count(*) over (partition by leave_request_id)') }} as days
from working
