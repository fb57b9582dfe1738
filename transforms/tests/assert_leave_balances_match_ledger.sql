-- mart_leave_balances.remaining_days must equal the store's leave ledger summed per employee ×
-- leave type × year (what operational.services.hr.leave_balance returns as of 31 December);
-- returns every pair that differs or exists on one side only. Blocks publishing.
{{ config(meta={'dagster': {'ref': {'name': 'mart_leave_balances'}}}) }}
with ledger as (
    select employee_id, leave_type_id, year, sum(days) as remaining_days
    from {{ source('jxc_hr', 'leave_ledger') }}
    group by 1, 2, 3
)

select
    coalesce(l.employee_id, m.employee_id) as employee_id,
    coalesce(l.leave_type_id, m.leave_type_id) as leave_type_id,
    coalesce(l.year, m.year) as year,
    l.remaining_days as ledger_days,
    m.remaining_days as mart_days
from ledger as l
full outer join {{ ref('mart_leave_balances') }} as m
    on m.employee_id = l.employee_id and m.leave_type_id = l.leave_type_id and m.year = l.year
where l.remaining_days is distinct from m.remaining_days
