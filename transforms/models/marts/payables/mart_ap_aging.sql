-- AP aging: what is owed to each supplier on each report date, by days past due. What was open on
-- a date comes from fct_payable_balance_periods (bills dated on or before it less allocations dated
-- on or before it). Buckets by the shared macro aging_bucket (var aging_buckets), the same rule as
-- operational.services.open_items.bucket.
with dates as (
    select report_date from {{ ref('int_ap_report_dates') }}
),

open_items as (
    select d.report_date, p.supplier_id, p.bill_id, p.due_date, p.outstanding_amount
    from dates as d
    join {{ ref('fct_payable_balance_periods') }} as p
        on p.valid_from <= d.report_date and (p.valid_to is null or d.report_date < p.valid_to)
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
group by o.report_date, o.supplier_id, sup.supplier_name, 4, 5
