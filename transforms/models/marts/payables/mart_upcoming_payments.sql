-- What falls due to suppliers in the next 13 weeks, week by week from the latest date, plus what
-- is already overdue (week_no 0). Week n covers latest date + 7(n−1) … + 7n − 1. Money already
-- paid or debited but not yet applied (未核销: advances, unallocated payments, debit notes) is the
-- supplier's row week_no −1, negative: it reduces what is to pay, and a supplier's rows add up to
-- its net payable (for what falls due within the 13 weeks).
with as_of as (
    select report_date as as_of_date from {{ ref('int_ap_report_dates') }} where is_latest
),

open_items as (
    select
        a.as_of_date,
        i.supplier_id,
        i.bill_id,
        i.due_date,
        i.outstanding_amount,
        case
            when i.due_date < a.as_of_date then 0
            else cast(floor(datediff('day', a.as_of_date, i.due_date) / 7) as integer) + 1
        end as week_no
    from {{ ref('fct_payable_instalments') }} as i
    cross join as_of as a
    where i.outstanding_amount <> 0
),

weeks as (
    select
        o.as_of_date,
        o.supplier_id,
        sup.supplier_name,
        o.week_no,
        case when o.week_no > 0 then cast(o.as_of_date + to_days(7 * (o.week_no - 1)) as date) end as week_start,
        case when o.week_no > 0 then cast(o.as_of_date + to_days(7 * o.week_no - 1) as date) end as week_end,
        min(o.due_date) as first_due_date,
        {{ money('sum(o.outstanding_amount)') }} as amount_due,
        cast(count(*) as integer) as instalment_count,
        cast(count(distinct o.bill_id) as integer) as bill_count
    from open_items as o
    join {{ ref('stg_jxc__suppliers') }} as sup on sup.supplier_id = o.supplier_id
    where o.week_no <= 13
    group by o.as_of_date, o.supplier_id, sup.supplier_name, o.week_no
),

unapplied as (
    select
        a.as_of_date,
        u.supplier_id,
        sup.supplier_name,
        -1 as week_no,
        cast(null as date) as week_start,
        cast(null as date) as week_end,
        cast(null as date) as first_due_date,
        {{ money('-sum(u.unapplied_amount)') }} as amount_due,
        0 as instalment_count,
        0 as bill_count
    from {{ ref('fct_payable_unapplied') }} as u
    cross join as_of as a
    join {{ ref('stg_jxc__suppliers') }} as sup on sup.supplier_id = u.supplier_id
    group by a.as_of_date, u.supplier_id, sup.supplier_name
    having sum(u.unapplied_amount) <> 0
)

select * from weeks
union all
select
    as_of_date, supplier_id, supplier_name, week_no, week_start, week_end, first_due_date, amount_due,
    cast(instalment_count as integer), cast(bill_count as integer)
from unapplied
