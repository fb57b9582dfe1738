-- AP aging: what is owed to each supplier on each report date, by days past due. An instalment
-- counts from its bill date; allocations count from their allocated_on date. Buckets by the shared
-- macro aging_bucket (var aging_buckets), the same rule as operational.services.open_items.bucket.
with dates as (
    select report_date from {{ ref('int_ap_report_dates') }}
),

instalments as (
    select instalment_id, supplier_id, bill_id, bill_date, due_date, amount
    from {{ ref('fct_payable_instalments') }}
),

settled as (
    select d.report_date, a.instalment_id, sum(a.amount) as settled_amount
    from dates as d
    join {{ ref('stg_jxc__ap_allocations') }} as a on a.allocated_on <= d.report_date
    group by d.report_date, a.instalment_id
),

open_items as (
    select
        d.report_date,
        i.supplier_id,
        i.bill_id,
        i.due_date,
        i.amount - coalesce(s.settled_amount, 0) as outstanding_amount
    from dates as d
    join instalments as i on i.bill_date <= d.report_date
    left join settled as s on s.report_date = d.report_date and s.instalment_id = i.instalment_id
)

select
    o.report_date,
    o.supplier_id,
    sup.supplier_name,
    {{ aging_bucket_order('o.report_date', 'o.due_date') }} as bucket_order,
    {{ aging_bucket('o.report_date', 'o.due_date') }} as bucket_label,
    {{ money('sum(o.outstanding_amount)') }} as outstanding_amount,
    cast(count(*) as integer) as instalment_count,
    cast(count(distinct o.bill_id) as integer) as bill_count
from open_items as o
join {{ ref('stg_jxc__suppliers') }} as sup on sup.supplier_id = o.supplier_id
where o.outstanding_amount <> 0
group by o.report_date, o.supplier_id, sup.supplier_name, 4, 5
