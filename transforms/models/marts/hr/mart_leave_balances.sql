-- Leave balances from the append-only leave ledger: entitled = grants, used = uses net of
-- reversals, remaining = the sum of all entries (operational.services.hr.leave_balance as of the
-- year's last day).
select
    l.employee_id,
    e.employee_code,
    e.employee_name,
    e.department,
    l.leave_type_id,
    t.leave_type_code,
    t.leave_type_name,
    l.leave_year as year,
    {{ qty("coalesce(sum(l.days) filter (where l.kind = 'grant'), 0)") }} as entitled_days,
    {{ qty("-coalesce(sum(l.days) filter (where l.kind <> 'grant'), 0)") }} as used_days,
    {{ qty('sum(l.days)') }} as remaining_days
from {{ ref('stg_jxc__leave_ledger') }} as l
join {{ ref('stg_jxc__hr_employees') }} as e on e.employee_id = l.employee_id
join {{ ref('stg_jxc__leave_types') }} as t on t.leave_type_id = l.leave_type_id
group by 1, 2, 3, 4, 5, 6, 7, 8
